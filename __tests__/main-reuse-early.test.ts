/**
 * reuse-unchanged-image, issue 16: the key's parts that need nothing from
 * AWS (the context's hash, the base images every platform reads) start with
 * the look-up, through run() against the simulated world. The hash is the
 * real one, wrapped to record when it starts (and, for some cases, to fail
 * or to run until it is stopped).
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { REGION, REPOSITORY_NAME, sha256Digest } from '../__fixtures__/aws.js'
import {
  HEALTH_PATH,
  simulatedWorld,
  storedImage,
  type World
} from '../__fixtures__/world.js'
import { baseImages, platformArgs } from '../src/build/from.js'
import { KEY_LABEL, buildKey, isKeyTag, keyTag } from '../src/build/key.js'

const real = await import('../src/build/context-hash.js')

/** What the wrapped hash does: the real one, fail, or run until stopped. */
let hashMode: 'real' | 'fail' | 'until-stopped' = 'real'
/** What happened, in order: the hash's start, the answers that were held. */
let order: string[] = []
let hashSignals: (AbortSignal | undefined)[] = []
let hashStarted: () => void = () => undefined
/** The world of the test, and how many calls it had seen when the hash stopped. */
let world: World | undefined
let stoppedAfterEvents: number | undefined

jest.unstable_mockModule('@actions/core', () => core)
jest.unstable_mockModule('../src/build/context-hash.js', () => ({
  ...real,
  hashContext: (context: string, file: string, signal?: AbortSignal) => {
    order.push('hash started')
    hashSignals.push(signal)
    hashStarted()
    if (hashMode === 'fail')
      // Rejects later, when the run may no longer wait for it.
      return new Promise((_resolve, reject) =>
        setImmediate(() => {
          reject(new Error(`EACCES: permission denied, open '${file}'`))
        })
      )
    if (hashMode === 'until-stopped')
      return new Promise((_resolve, reject) =>
        signal?.addEventListener('abort', () => {
          order.push('hash stopped')
          stoppedAfterEvents = world?.events.length
          reject(signal.reason as Error)
        })
      )
    return real.hashContext(context, file, signal)
  }
}))
const { run } = await import('../src/main.js')
// After the mock: the module links to the wrapped hash.
const { buildPlatform } = await import('../src/build/key-parts.js')

const SDK = 'mcr.microsoft.com/dotnet/sdk:8.0'
const RUNTIME = 'public.ecr.aws/lambda/dotnet:8'
const SDK_URL = 'https://mcr.microsoft.com/v2/dotnet/sdk/manifests/8.0'
const APP = fileURLToPath(
  new URL('../__fixtures__/apps/http-api', import.meta.url)
)
const LOOK_UP = 'Look up function, repository and tag'
const REUSE = 'Reuse an unchanged build'

let context: string

const inputs = (): Record<string, string> => ({
  'function-name': 'my-api',
  repository: REPOSITORY_NAME,
  'aws-region': REGION,
  context,
  preflight: 'off',
  'wait-timeout': '5m',
  'smoke-test': 'true',
  'smoke-path': HEALTH_PATH,
  'smoke-timeout': '30s',
  'reuse-unchanged-image': 'true',
  tag: 'commit-a'
})

function workflow(extra: Record<string, string> = {}): World {
  core.resetCore()
  const w = simulatedWorld({ ...inputs(), ...extra })
  w.build.buildx = true
  w.build.image = storedImage('amd64', 'a')
  w.baseImages.set(SDK, sha256Digest('sdk 8.0.1'))
  w.baseImages.set(RUNTIME, sha256Digest('lambda dotnet 8.0.1'))
  world = w
  return w
}

const delay = (ms: number): Promise<void> =>
  new Promise(resolve => setTimeout(resolve, ms))

/** Hold GetFunction's answer until the hash started (at most 1 s). */
function holdLookUpUntilHashed(w: World): void {
  const started = new Promise<void>(resolve => {
    hashStarted = resolve
  })
  w.hold['lambda:GetFunction'] = Promise.race([started, delay(1000)]).then(
    () => {
      order.push('GetFunction answered')
    }
  )
}

/** Index of the first event of `call`, and the manifest HEADs' events. */
const firstOf = (w: World, call: string): number =>
  w.events.findIndex(e => e.call === call)
const manifestEvents = (w: World) =>
  w.events
    .map((event, index) => ({ ...event, index }))
    .filter(e => e.call === 'fetch' && e.detail.includes('/manifests/'))

const keyLabel = (w: World): string | undefined =>
  w.execCalls
    .flatMap(call => call.argv)
    .find(arg => arg.startsWith(`${KEY_LABEL}=`))
    ?.slice(KEY_LABEL.length + 1)
const infos = (): string => core.infos().join('\n')

beforeEach(() => {
  context = mkdtempSync(path.join(os.tmpdir(), 'main-reuse-early-'))
  cpSync(APP, context, { recursive: true })
  writeFileSync(path.join(context, '.dockerignore'), '**/bin\n**/obj\n*.md\n')
  hashMode = 'real'
  order = []
  hashSignals = []
  hashStarted = () => undefined
  stoppedAfterEvents = undefined
})

describe('the key with the look-up', () => {
  it('starts the hash and the base image lookups before the look-up’s AWS calls answer', async () => {
    const w = workflow()
    holdLookUpUntilHashed(w)

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(order.slice(0, 2)).toEqual(['hash started', 'GetFunction answered'])
    // Both base images are the same on either platform: asked at once,
    // before the look-up's first call, and never asked again.
    const heads = manifestEvents(w)
    expect(heads.map(e => e.detail)).toEqual([
      SDK_URL,
      'https://public.ecr.aws/v2/lambda/dotnet/manifests/8'
    ])
    for (const head of heads) {
      expect(head.index).toBeLessThan(firstOf(w, 'lambda:GetFunction'))
      expect(head.groups).not.toContain(REUSE)
    }
    expect(infos()).toMatch(
      /Hashed the build context .*: \d+ entries, \d+ bytes in \d+ms \(ignore file .*\.dockerignore; started with the look-up, ready before this stage\)\./
    )
    expect(infos()).toMatch(
      /Base images \(looked up in \d+ms, started with the look-up, ready before this stage\): mcr\.microsoft\.com\/dotnet\/sdk:8\.0 → sha256:/
    )
    // The key was made, and recorded on the image the build pushed.
    expect([...w.registry.tags.keys()].filter(isKeyTag)).toHaveLength(1)
    expect(core.writtenSummaries().join('\n')).toContain('new build key')
  })

  it('makes the same key as its parts gathered one after the other', async () => {
    const w = workflow()
    await run(w.deps)

    const file = path.join(context, 'Dockerfile')
    const dockerfile = readFileSync(file, 'utf8')
    const images = baseImages(
      dockerfile,
      [],
      platformArgs('linux/amd64', buildPlatform())
    )
    if (images.kind !== 'images') throw new Error(images.reason)
    const expected = buildKey({
      platform: 'linux/amd64',
      target: undefined,
      dockerfile,
      buildArgs: [],
      labels: [],
      secretIds: [],
      baseImages: images.images.map(image => ({
        image,
        digest: w.baseImages.get(image) ?? ''
      })),
      context: (await real.hashContext(context, file)).digest
    })
    expect(keyLabel(w)).toBe(expected)
    expect(w.registry.tags.get(keyTag(expected))?.digest).toBe(
      w.build.image.digest
    )
  })
})

describe('a base image that depends on the platform', () => {
  const RUNTIME_ARCH = 'public.ecr.aws/lambda/dotnet:8-${TARGETARCH}'
  const withArchRuntime = (w: World): void => {
    const file = path.join(context, 'Dockerfile')
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        /^FROM public\.ecr\.aws\/lambda\/dotnet:8$/m,
        `FROM ${RUNTIME_ARCH}`
      )
    )
    w.baseImages.set(`${RUNTIME}-amd64`, sha256Digest('runtime amd64'))
    w.baseImages.set(`${RUNTIME}-arm64`, sha256Digest('runtime arm64'))
  }

  it('is asked for only once the look-up told the platform (${TARGETARCH})', async () => {
    const w = workflow()
    withArchRuntime(w)

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const heads = manifestEvents(w)
    expect(heads.map(e => e.detail)).toEqual([
      SDK_URL,
      'https://public.ecr.aws/v2/lambda/dotnet/manifests/8-amd64'
    ])
    const [sdk, runtime] = heads
    expect(sdk?.index).toBeLessThan(firstOf(w, 'lambda:GetFunction'))
    expect(runtime?.groups).toContain(REUSE)
    expect(runtime?.groups).not.toContain(LOOK_UP)
    expect(infos()).toMatch(
      /Base images \(looked up in \d+ms, 1 of 2 started with the look-up\): .*public\.ecr\.aws\/lambda\/dotnet:8-amd64 → sha256:/
    )
    expect(keyLabel(w)).toMatch(/^[a-f0-9]{64}$/)
  })

  it('is asked for at once when the architecture input tells the platform', async () => {
    const w = workflow({ architecture: 'x86_64' })
    withArchRuntime(w)

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const heads = manifestEvents(w)
    expect(heads).toHaveLength(2)
    for (const head of heads)
      expect(head.index).toBeLessThan(firstOf(w, 'lambda:GetFunction'))
  })
})

describe('when the early work fails or is not needed', () => {
  it('builds when the context cannot be hashed, and says why', async () => {
    const w = workflow()
    hashMode = 'fail'

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(infos()).toMatch(
      /No build key: the build context .* cannot be hashed \(EACCES: permission denied, open '.*Dockerfile'\)\. Building as usual\./
    )
    expect(keyLabel(w)).toBeUndefined()
    expect(w.registry.tags.get('commit-a')?.digest).toBe(w.build.image.digest)
    expect(core.writtenSummaries().join('\n')).toContain('no build key')
  })

  describe('a look-up that fails', () => {
    const unhandled: unknown[] = []
    const listener = (reason: unknown): void => {
      unhandled.push(reason)
    }
    beforeEach(() => {
      unhandled.length = 0
      process.on('unhandledRejection', listener)
    })
    afterEach(() => {
      process.off('unhandledRejection', listener)
    })
    const failLookUp = (w: World): void => {
      w.before['lambda:GetFunction'] = () => {
        throw Object.assign(new Error('Function not found: my-api'), {
          name: 'ResourceNotFoundException'
        })
      }
    }

    it('stops the hash and the base image lookups still running', async () => {
      const w = workflow()
      failLookUp(w)
      hashMode = 'until-stopped'
      // The registries never answer.
      w.hold.fetch = new Promise(() => undefined)

      await run(w.deps)
      await delay(20)

      expect(core.failures().join('\n')).toContain(
        'Lambda function my-api does not exist'
      )
      expect(order).toEqual(['hash started', 'hash stopped'])
      expect(hashSignals[0]?.aborted).toBe(true)
      expect(w.details('fetch:aborted')).toEqual(
        manifestEvents(w).map(e => e.detail)
      )
      expect(manifestEvents(w)).toHaveLength(2)
      expect(unhandled).toEqual([])
    })

    it('leaves no unhandled rejection when the hash fails after the run ended', async () => {
      const w = workflow()
      failLookUp(w)
      hashMode = 'fail'

      await run(w.deps)
      // The hash rejects on the next turn of the event loop.
      await delay(20)

      expect(core.failures().join('\n')).toContain(
        'Lambda function my-api does not exist'
      )
      expect(order).toEqual(['hash started'])
      expect(unhandled).toEqual([])
      expect(core.groupNames()).not.toContain(REUSE)
    })
  })

  it('stops the hash when the tag already exists (a re-run)', async () => {
    const w = workflow()
    w.registry.push('commit-a', w.build.image)
    hashMode = 'until-stopped'

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(order).toEqual(['hash started', 'hash stopped'])
    // Stopped once the look-up found the tag, before the deploy began.
    expect(stoppedAfterEvents).toBeLessThan(
      firstOf(w, 'lambda:UpdateFunctionCode')
    )
    expect(core.groupNames()).not.toContain(REUSE)
    expect(w.execCalls.some(c => c.argv.includes('build'))).toBe(false)
  })
})
