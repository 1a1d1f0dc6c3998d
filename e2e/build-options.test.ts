/**
 * The build options build-push-action users know, on a real Docker engine
 * (the fallback `docker build`, BuildKit through Debian's client): `no-cache`
 * and `pull` change what the deployed app serves; `builder` without buildx is
 * refused before anything is built or changed.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr'
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  awsClients,
  buildAndPush,
  createImageFunction,
  localAwsEnv,
  reset,
  runAction,
  updates,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import {
  appContext,
  deployedDigest,
  errors,
  httpGet
} from '../test/local-aws/assertions.js'

jest.setTimeout(300_000)

const sha256 = (text: string): string =>
  createHash('sha256').update(text).digest('hex')
const commit = (n: number): string => String(n).repeat(40)

let web: ImageFunction

beforeEach(async () => {
  localAwsEnv()
  await reset()
  web = await createImageFunction({
    functionName: 'web',
    repositoryName: 'web',
    architecture: 'x86_64',
    functionUrl: true,
    body: 'release 1\n'
  })
})

describe('no-cache', () => {
  it('re-runs a cached step: a rotated build secret reaches the new image only with no-cache', async () => {
    // BuildKit leaves secrets out of its cache key: the same context with a
    // new secret reuses the step that read the old one, unless no-cache.
    const nonce = sha256(`${Date.now()} ${Math.random()}`).slice(0, 16)
    const context = appContext({
      body: `release ${nonce}\n`,
      buildSecrets: ['nuget']
    })
    const deploy = (n: number, secret: string, noCache: boolean) =>
      runAction({
        inputs: {
          'function-name': 'web',
          repository: 'web',
          context,
          secrets: `nuget=${secret}`,
          'no-cache': String(noCache)
        },
        sha: commit(n)
      })
    const served = async (): Promise<string> =>
      (await httpGet(`${web.functionUrl ?? ''}secret-nuget`)).body.trim()

    expect((await deploy(1, `old-${nonce}`, false)).exitCode).toBe(0)
    expect(await served()).toBe(sha256(`old-${nonce}`))

    const cached = await deploy(2, `new-${nonce}`, false)
    expect(errors(cached)).toBe('')
    expect(await served()).toBe(sha256(`old-${nonce}`))

    const fresh = await deploy(3, `new-${nonce}`, true)
    expect(errors(fresh)).toBe('')
    expect(fresh.stdout).toContain('--no-cache')
    expect(await served()).toBe(sha256(`new-${nonce}`))
  })
})

describe('pull', () => {
  it('builds on the registry’s base image, not the stale local copy, only with pull', async () => {
    const e = localAwsEnv()
    await awsClients().ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'base',
        imageTagMutability: 'MUTABLE'
      })
    )
    const base = `${e.ecrRegistry}/base:1`
    await buildAndPush({
      repositoryName: 'base',
      tag: '1',
      architecture: 'x86_64',
      body: 'base one\n'
    })
    const oldLocal = execFileSync(
      e.docker,
      ['image', 'inspect', '--format', '{{.Id}}', base],
      { encoding: 'utf8' }
    ).trim()
    // base:1 moves on in the registry; this engine keeps the old copy.
    await buildAndPush({
      repositoryName: 'base',
      tag: '1',
      architecture: 'x86_64',
      body: 'base two\n'
    })
    execFileSync(e.docker, ['tag', oldLocal, base])

    const dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-on-base-'))
    writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${base}\n`)
    const deploy = (n: number, pull: boolean) =>
      runAction({
        inputs: {
          'function-name': 'web',
          repository: 'web',
          context: dir,
          pull: String(pull),
          preflight: 'warn'
        },
        sha: commit(n)
      })

    const local = await deploy(4, false)
    expect(errors(local)).toBe('')
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'base one\n'
    })

    const pulled = await deploy(5, true)
    expect(errors(pulled)).toBe('')
    expect(pulled.stdout).toContain('--pull')
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'base two\n'
    })
  })
})

describe('builder', () => {
  it('without buildx is refused before anything is built or changed', async () => {
    const result = await runAction({
      inputs: {
        'function-name': 'web',
        repository: 'web',
        context: appContext({ body: 'release 2\n' }),
        builder: 'ci-builder'
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toContain(
      'builder ci-builder is a buildx builder, and docker buildx is not installed: nothing was built.'
    )
    expect(result.stdout).not.toMatch(/docker(?:\s+--\S+)*\s+build\b/)
    expect(await updates('web')).toEqual([])
    expect(await deployedDigest('web')).toBe(web.initialDigest)
  })
})
