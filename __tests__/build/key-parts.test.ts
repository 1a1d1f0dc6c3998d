/**
 * The key's parts started before the look-up: which base images may be
 * asked for before the platform and the login are known, and that a lookup
 * started early serves the stage (or is asked again when the login applies).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import type { Fetch } from '../../src/aws/ecr-image.js'
import { platformFreeImages, startKeyParts } from '../../src/build/key-parts.js'
import {
  isPrivateEcrImage,
  usesLogin
} from '../../src/build/registry-digest.js'

const DIGEST = `sha256:${'1'.repeat(64)}`
const SDK = 'mcr.microsoft.com/dotnet/sdk:8.0'
const OWN = {
  username: 'AWS',
  password: 'pw',
  endpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com'
}
const OWN_IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/base:1'
/** Registries that answer 401 (Basic) without a login. */
const LOGIN_HOSTS = [
  '123456789012.dkr.ecr.us-east-1.amazonaws.com',
  '127.0.0.1:4566'
]

describe('platformFreeImages', () => {
  it.each<[string, string, string[], 'x86_64' | 'arm64' | undefined, string[]]>(
    [
      [
        'plain FROMs: all of them',
        `FROM --platform=$BUILDPLATFORM ${SDK} AS build\nFROM public.ecr.aws/lambda/dotnet:8\nCOPY --from=build /app /app\n`,
        [],
        undefined,
        [SDK, 'public.ecr.aws/lambda/dotnet:8']
      ],
      [
        'a FROM with ${TARGETARCH}: left to the stage',
        `FROM ${SDK} AS build\nFROM public.ecr.aws/lambda/dotnet:8-\${TARGETARCH}\n`,
        [],
        undefined,
        [SDK]
      ],
      [
        'TARGETPLATFORM in a global ARG: left to the stage',
        'ARG RUNTIME=base:$TARGETPLATFORM\nFROM sdk:1\nFROM $RUNTIME\n',
        [],
        undefined,
        ['sdk:1']
      ],
      [
        'the architecture input tells the platform',
        `FROM public.ecr.aws/lambda/dotnet:8-\${TARGETARCH}\n`,
        [],
        'arm64',
        ['public.ecr.aws/lambda/dotnet:8-arm64']
      ],
      [
        'BUILDARCH is the same for every target',
        'FROM sdk:1-$BUILDARCH\n',
        [],
        undefined,
        [`sdk:1-${process.arch === 'arm64' ? 'arm64' : 'amd64'}`]
      ],
      [
        'a build-arg sets the image',
        'ARG BASE\nFROM $BASE\n',
        ['BASE=base:2'],
        undefined,
        ['base:2']
      ],
      [
        'a variable without a value: none at all',
        'FROM sdk:1\nFROM $NOWHERE\n',
        [],
        undefined,
        []
      ]
    ]
  )('%s', (_what, dockerfile, buildArgs, architecture, expected) => {
    expect(platformFreeImages(dockerfile, buildArgs, architecture)).toEqual(
      expected
    )
  })
})

describe('isPrivateEcrImage', () => {
  it.each([
    [OWN_IMAGE, true],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/base:1', true],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/base:1', true],
    ['123456789012.dkr-ecr.eu-west-1.on.aws/base:1', true],
    ['public.ecr.aws/lambda/dotnet:8', false],
    [SDK, false],
    ['127.0.0.1:5000/base:1', false],
    ['not a reference', false]
  ])('%s → %p', (reference, expected) => {
    expect(isPrivateEcrImage(reference)).toBe(expected)
  })
})

describe('usesLogin', () => {
  it.each([
    ['the login’s registry', OWN_IMAGE, OWN, true],
    [
      'another region’s registry',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/base:1',
      OWN,
      false
    ],
    ['a public image', SDK, OWN, false],
    ['no login', OWN_IMAGE, undefined, false]
  ])('%s', (_what, reference, own, expected) => {
    expect(usesLogin(reference, own)).toBe(expected)
  })
})

/** A registry that answers every HEAD with DIGEST, recording the asks. */
function registry(): { fetch: Fetch; asked: string[] } {
  const asked: string[] = []
  const fetchImpl: Fetch = (input, init) => {
    const url =
      typeof input === 'string'
        ? input
        : input instanceof URL
          ? input.href
          : input.url
    const auth = new Headers(init?.headers).get('authorization')
    asked.push(
      `${init?.method ?? 'GET'} ${url}${auth === null ? '' : ' (login)'}`
    )
    const host = new URL(url).host
    if (LOGIN_HOSTS.includes(host) && auth === null)
      return Promise.resolve(
        new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'Basic realm="ecr"' }
        })
      )
    return Promise.resolve(
      new Response(null, {
        status: 200,
        headers: { 'docker-content-digest': DIGEST }
      })
    )
  }
  return { fetch: fetchImpl, asked }
}

function appWith(dockerfile: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'key-parts-'))
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile)
  return dir
}

const inputsFor = (context: string) => ({
  context,
  file: undefined,
  buildArgs: [],
  architecture: undefined
})
const clock = { now: () => 0 }

describe('startKeyParts', () => {
  it('asks for the public base images at once, and the stage gets those answers', async () => {
    const { fetch, asked } = registry()
    const parts = startKeyParts(
      inputsFor(appWith(`FROM ${SDK}\nFROM ${OWN_IMAGE}\n`)),
      { fetch, timing: clock },
      { early: true }
    )
    // Before any await: the private ECR image waits for the login.
    expect(asked).toEqual([
      'HEAD https://mcr.microsoft.com/v2/dotnet/sdk/manifests/8.0'
    ])
    const [sdk, own] = await Promise.all([
      parts.digest(SDK, OWN),
      parts.digest(OWN_IMAGE, OWN)
    ])
    expect(sdk).toMatchObject({ early: true, lookup: { digest: DIGEST } })
    expect(own).toMatchObject({ early: false, lookup: { digest: DIGEST } })
    expect(asked).toEqual([
      'HEAD https://mcr.microsoft.com/v2/dotnet/sdk/manifests/8.0',
      'HEAD https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/base/manifests/1',
      'HEAD https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/base/manifests/1 (login)'
    ])
    expect(await parts.context).toMatchObject({ kind: 'hashed', entries: 1 })
  })

  it('asks again, with the login, for an image of the login’s own registry asked early', async () => {
    const { fetch, asked } = registry()
    // A registry host that does not look like ECR (the local stand-in's).
    const own = { ...OWN, endpoint: 'http://127.0.0.1:4566' }
    const image = '127.0.0.1:4566/base:1'
    const parts = startKeyParts(
      inputsFor(appWith(`FROM ${image}\n`)),
      { fetch, timing: clock },
      { early: true }
    )
    expect(asked).toEqual(['HEAD http://127.0.0.1:4566/v2/base/manifests/1'])

    const lookup = await parts.digest(image, own)

    expect(lookup).toMatchObject({ early: false, lookup: { digest: DIGEST } })
    expect(asked).toEqual([
      'HEAD http://127.0.0.1:4566/v2/base/manifests/1',
      'HEAD http://127.0.0.1:4566/v2/base/manifests/1',
      'HEAD http://127.0.0.1:4566/v2/base/manifests/1 (login)'
    ])
  })

  it('asks nothing before the stage when not early', async () => {
    const { fetch, asked } = registry()
    const parts = startKeyParts(
      inputsFor(appWith(`FROM ${SDK}\n`)),
      { fetch, timing: clock },
      { early: false }
    )
    expect(asked).toEqual([])
    expect(await parts.digest(SDK, OWN)).toMatchObject({ early: false })
    expect(asked).toHaveLength(1)
  })

  it.each([
    ['a named pipe', (file: string) => execFileSync('mkfifo', [file])],
    ['a link to /dev/zero', (file: string) => symlinkSync('/dev/zero', file)]
  ])(
    'reports a Dockerfile that is %s at once, reading nothing from it',
    async (what, make) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'key-parts-'))
      make(path.join(dir, 'Dockerfile'))
      const { fetch, asked } = registry()
      const parts = startKeyParts(
        inputsFor(dir),
        { fetch, timing: clock },
        { early: true }
      )
      expect(parts.dockerfile).toEqual({
        kind: 'unreadable',
        path: path.join(dir, 'Dockerfile'),
        reason: `${path.join(dir, 'Dockerfile')} is ${what === 'a named pipe' ? 'a named pipe' : 'a device'}, not a regular file`
      })
      expect(await parts.context).toMatchObject({ kind: 'failed' })
      expect(asked).toEqual([])
    },
    2_000
  )

  it('reports an unreadable Dockerfile, and hashes nothing', async () => {
    const { fetch, asked } = registry()
    const parts = startKeyParts(
      inputsFor(path.join(os.tmpdir(), 'no-such-app-dir')),
      { fetch, timing: clock },
      { early: true }
    )
    expect(parts.dockerfile).toMatchObject({ kind: 'unreadable' })
    expect(
      parts.dockerfile.kind === 'unreadable' && parts.dockerfile.reason
    ).toMatch(/ENOENT/)
    expect(await parts.context).toMatchObject({ kind: 'failed' })
    expect(asked).toEqual([])
  })

  it('ends a lookup still waiting when stopped: a failure, never a rejection', async () => {
    const never: Fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          reject(init.signal?.reason as Error)
        })
      })
    const parts = startKeyParts(
      inputsFor(appWith(`FROM ${SDK}\n`)),
      { fetch: never, timing: clock },
      { early: true }
    )
    const waiting = parts.digest(SDK, undefined)

    parts.stop()

    const { lookup } = await waiting
    expect(lookup.kind).toBe('failed')
    expect(lookup.kind === 'failed' && lookup.reason).toContain(
      'the build key is not needed any more'
    )
  })
})
