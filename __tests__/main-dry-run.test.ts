/**
 * dry-run through run(), in every mode, against the simulated AWS of
 * __fixtures__/world.ts, which records every call: a dry run makes only
 * read-only calls (no Lambda, ECR, registry or GitHub write, no Invoke, no
 * smoke request, no docker push), saves no undo, and reports what a real
 * run would change.
 */
import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
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
import {
  PREVIOUS_DIGEST,
  REGION,
  REPOSITORY_NAME,
  REPOSITORY_URI
} from '../__fixtures__/aws.js'
import {
  HEALTH_PATH,
  PREVIOUS_URI,
  START,
  functionUrlOf,
  simulatedWorld,
  storedImage,
  uriOf,
  type World,
  withLiveAlias as withLiveAliasOf
} from '../__fixtures__/world.js'
import { STATE } from '../src/post/saved-state.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

const APP = fileURLToPath(
  new URL('../__fixtures__/apps/http-api', import.meta.url)
)
const TAG = 'v2'
/** v2, already in ECR (image, rollback-to and re-run cases). */
const NEW = storedImage('amd64', 'v2')
const NEW_URI = uriOf(NEW.digest)
const OLDEST_URI = uriOf(storedImage('amd64', 'v0').digest)

const INPUTS: Record<string, string> = {
  'function-name': 'my-api',
  repository: REPOSITORY_NAME,
  tag: TAG,
  'aws-region': REGION,
  context: APP,
  preflight: 'strict',
  'event-source': 'http-api',
  'wait-timeout': '5m',
  'smoke-test': 'true',
  'smoke-path': HEALTH_PATH,
  'smoke-expect-status': '200',
  'smoke-timeout': '30s',
  'rollback-on-failure': 'true',
  'dry-run': 'true'
}

/** The calls a dry run may make: they only read. */
const READS = new Set([
  'lambda:GetFunction',
  'lambda:GetAlias',
  'lambda:GetFunctionUrlConfig',
  'lambda:GetPolicy',
  'lambda:ListTags',
  'ecr:DescribeRepositories',
  'ecr:DescribeImages',
  'ecr:BatchGetImage',
  'ecr:ListImages',
  'ecr:GetLifecyclePolicy',
  'ecr:GetAuthorizationToken',
  'apigateway:GetApis',
  'apigateway:GetIntegrations',
  'apigateway:GetStages'
])
/** docker commands that change nothing outside this runner. */
const LOCAL_DOCKER = [
  'docker login ',
  'docker buildx version',
  'docker buildx inspect',
  'docker buildx build ',
  'docker build ',
  'docker image inspect '
]

/**
 * Every call of the run that is not a read: an AWS write or Invoke, a fetch
 * other than a registry blob GET (a smoke request, the GitHub API), a
 * docker command that pushes.
 */
function notReadOnly(w: World): string[] {
  return w.events.flatMap(e => {
    if (e.call === 'fetch') {
      const method = String(e.input.method)
      return method === 'GET' && e.detail.includes('/v2/')
        ? []
        : [`fetch ${method} ${e.detail}`]
    }
    if (e.call === 'exec')
      return LOCAL_DOCKER.some(p => e.detail.startsWith(p)) &&
        !e.detail.includes('--push')
        ? []
        : [`exec ${e.detail}`]
    // UpdateFunctionCode with DryRun validates and changes nothing.
    if (e.call === 'lambda:UpdateFunctionCode' && e.input.DryRun === true)
      return []
    return READS.has(e.call) ? [] : [e.call]
  })
}

let runnerTemp: string

function world(inputs: Record<string, string> = {}): World {
  const w = simulatedWorld({ ...INPUTS, ...inputs }, { runnerTemp })
  w.fn.deployedByTag(`${REPOSITORY_URI}:previous`, PREVIOUS_DIGEST)
  w.fn.url = { qualifier: undefined }
  w.build.image = storedImage('amd64', 'built')
  return w
}

const withLiveAlias = (w: World): void => withLiveAliasOf(w, OLDEST_URI)

const wouldChange = (): { name: string; code: string; text: string }[] =>
  JSON.parse(core.outputs()['would-change'] ?? '[]') as {
    name: string
    code: string
    text: string
  }[]
const summary = (): string => core.writtenSummaries().join('\n')

/** What every successful dry run shows. */
function expectNothingChanged(w: World): void {
  expect(core.failures()).toEqual([])
  expect(notReadOnly(w)).toEqual([])
  expect(core.outputs()).toMatchObject({
    'dry-run': 'true',
    updated: 'false',
    'rolled-back': 'false'
  })
  expect(core.savedState()[STATE.undo]).toBe('[]')
  expect(summary()).toMatch(/^## 🔍 Dry run — nothing was changed: /)
}

beforeEach(async () => {
  core.resetCore()
  runnerTemp = await fs.mkdtemp(path.join(os.tmpdir(), 'main-dry-run-'))
})

afterEach(async () => {
  await fs.rm(runnerTemp, { recursive: true, force: true })
})

describe('dry-run of a deploy', () => {
  it('a new tag: preflight, buildx build without push, and the update it would make', async () => {
    const w = world()

    await run(w.deps)

    expectNothingChanged(w)
    const build = w.argvOf('docker', 'buildx', 'build') ?? []
    expect(build.join(' ')).toContain('--output type=image,push=false')
    expect(build).not.toContain('--push')
    expect(build.join(' ')).toContain(
      `--tag aspnet-lambda-deploy-dry-run/${REPOSITORY_NAME}:${TAG}`
    )
    expect(build.join(' ')).toContain('--platform linux/amd64')
    expect(w.registry.tags.has(TAG)).toBe(false)
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
    expect(core.groupNames()).toEqual(
      expect.arrayContaining([
        'Preflight: app',
        'Build (dry run: no push)',
        'What a real run would change'
      ])
    )
    expect(wouldChange()).toEqual([
      expect.objectContaining({
        name: 'my-api',
        code: 'update',
        text: `would update $LATEST from ${PREVIOUS_URI} to ${REPOSITORY_URI}:${TAG}`
      })
    ])
    expect(summary()).toContain(
      `would update $LATEST from ${PREVIOUS_URI} to ${REPOSITORY_URI}:${TAG}`
    )
    expect(summary()).toContain(
      'skipped: dry run: nothing new serves, so nothing was requested'
    )
    expect(core.outputs()['image-digest']).toBeUndefined()
  })

  it('without buildx: docker build and its platform check, no docker push', async () => {
    const w = world({ 'cache-to': 'type=gha,mode=max' })
    w.build.buildx = false

    await run(w.deps)

    expectNothingChanged(w)
    expect(w.argvOf('docker', 'build')).toBeDefined()
    expect(w.argvOf('docker', 'image', 'inspect')).toBeDefined()
    expect(w.argvOf('docker', 'push')).toBeUndefined()
    expect(summary()).toContain(
      `docker build, not pushed: \`aspnet-lambda-deploy-dry-run/${REPOSITORY_NAME}:${TAG}\``
    )
  })

  it('cache-to is not exported, and no builder is made for it', async () => {
    const w = world({ 'cache-to': 'type=gha,mode=max' })

    await run(w.deps)

    expectNothingChanged(w)
    expect(w.argvOf('docker', 'buildx', 'build')).not.toContain('--cache-to')
    expect(w.argvOf('docker', 'buildx', 'create')).toBeUndefined()
  })

  it('an existing tag the function already runs: checked, nothing to do', async () => {
    const w = world()
    w.registry.push(TAG, NEW)
    w.fn.deployedByTag(`${REPOSITORY_URI}:${TAG}`, NEW.digest)

    await run(w.deps)

    expectNothingChanged(w)
    expect(w.argvOf('docker', 'buildx', 'build')).toBeUndefined()
    expect(w.details('ecr:BatchGetImage')).toContain(NEW.digest)
    expect(core.outputs()).toMatchObject({
      'image-uri': NEW_URI,
      'image-digest': NEW.digest,
      'reused-image': 'true'
    })
    expect(wouldChange()).toEqual([
      expect.objectContaining({
        code: 'up-to-date',
        text: `already runs this digest (${NEW.digest}): nothing to do`
      })
    ])
  })

  it('a failed app preflight fails the dry run, with nothing to undo', async () => {
    const w = world({ 'event-source': 'alb' })

    await run(w.deps)

    expect(core.failures()).toHaveLength(1)
    expect(notReadOnly(w)).toEqual([])
    expect(w.argvOf('docker', 'buildx', 'build')).toBeUndefined()
    expect(core.savedState()[STATE.undo]).toBe('[]')
    expect(summary()).toMatch(/^## ❌ Dry run failed — nothing was changed: /)
  })
})

describe('dry-run of a release', () => {
  it('image with alias and canary: the image is checked, the alias and versions stay', async () => {
    const w = world({ image: TAG, alias: 'live', 'canary-percent': '10' })
    w.registry.push(TAG, NEW)
    withLiveAlias(w)
    const versionsBefore = w.fn.versions.size

    await run(w.deps)

    expectNothingChanged(w)
    expect(w.fn.alias('live')?.FunctionVersion).toBe('2')
    expect(w.fn.versions.size).toBe(versionsBefore)
    expect(core.outputs()['image-uri']).toBe(NEW_URI)
    expect(wouldChange()).toEqual([
      expect.objectContaining({
        code: 'update',
        text: `would update $LATEST from ${PREVIOUS_URI} to ${NEW_URI}, then would publish a new version, then would move alias live from version 2 to that version (canary 10% for 5m0s first)`
      })
    ])
    expect(summary()).toMatch(/\| Pre-traffic check \| skipped: dry run/)
  })

  it('rollback-to a tag: what the rollback would deploy', async () => {
    const w = world({ 'rollback-to': 'v1' })
    const older = storedImage('amd64', 'v1')
    w.registry.push('v1', older, new Date(START - 1000))

    await run(w.deps)

    expectNothingChanged(w)
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
    expect(wouldChange()[0]?.text).toBe(
      `would update $LATEST from ${PREVIOUS_URI} to ${uriOf(older.digest)}`
    )
  })

  it('rollback-to previous: the version the alias would go back to', async () => {
    const w = world({ 'rollback-to': 'previous', alias: 'live' })
    withLiveAlias(w)

    await run(w.deps)

    expectNothingChanged(w)
    expect(w.fn.alias('live')?.FunctionVersion).toBe('2')
    expect(wouldChange()[0]?.text).toBe(
      `rollback-to previous would move alias live from version 2 back to version 1 (${OLDEST_URI})`
    )
  })
})

describe('dry-run asks Lambda with DryRun', () => {
  type Asked = { FunctionName?: string; ImageUri?: string; DryRun?: boolean }
  const asked = (w: World): Asked[] =>
    w.calls<Asked>('lambda:UpdateFunctionCode')
  const output = (): Record<string, unknown>[] =>
    JSON.parse(core.outputs()['would-change'] ?? '[]') as Record<
      string,
      unknown
    >[]

  it('an image in ECR: asked with that image, allowed, and nothing changed', async () => {
    const w = world({ image: TAG })
    w.registry.push(TAG, NEW)

    await run(w.deps)

    expectNothingChanged(w)
    expect(asked(w)).toEqual([
      expect.objectContaining({ ImageUri: NEW_URI, DryRun: true })
    ])
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
    expect(output()[0]).toMatchObject({ 'update-dry-run': 'allowed' })
    expect(summary()).toMatch(/\| would update \$LATEST [^|]+ \| ✅ allowed \|/)
  })

  it('a build this dry run did not push: asked with the image the function runs now', async () => {
    const w = world()

    await run(w.deps)

    expectNothingChanged(w)
    expect(asked(w)).toEqual([
      expect.objectContaining({ ImageUri: PREVIOUS_URI, DryRun: true })
    ])
    const words =
      'allowed (asked with the image it runs now: this dry run pushed nothing)'
    expect(summary()).toContain(`✅ ${words}`)
    // The log says the same words (askedWords), with what they mean.
    expect(core.infos()).toContainEqual(
      expect.stringContaining(
        `Dry run: my-api: UpdateFunctionCode with DryRun: ${words} (a real run may update the code).`
      )
    )
  })

  it('denied: the dry run fails naming the permission, and changes nothing', async () => {
    const w = world({ image: TAG })
    w.registry.push(TAG, NEW)
    w.before['lambda:UpdateFunctionCode'] = input => {
      if (input.DryRun !== true) return
      throw Object.assign(
        new Error(
          'User: arn:aws:sts::123456789012:assumed-role/deploy/github is not authorized to perform: lambda:UpdateFunctionCode'
        ),
        {
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: { httpStatusCode: 403 }
        }
      )
    }

    await run(w.deps)

    expect(core.failures()).toEqual([
      expect.stringMatching(
        /^Dry run: a real run would fail on my-api: my-api: lambda:UpdateFunctionCode was denied \(AccessDeniedException\): .*Allow "lambda:UpdateFunctionCode"/
      )
    ])
    expect(notReadOnly(w)).toEqual([])
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
    expect(core.savedState()[STATE.undo]).toBe('[]')
    expect(output()[0]).toMatchObject({ 'update-dry-run': 'denied' })
    expect(summary()).toMatch(/^## ❌ Dry run failed — nothing was changed: /)
    expect(summary()).toContain(
      '❌ denied: lambda:UpdateFunctionCode was denied'
    )
  })

  it('nothing to update: Lambda is not asked', async () => {
    const w = world()
    w.registry.push(TAG, NEW)
    w.fn.deployedByTag(`${REPOSITORY_URI}:${TAG}`, NEW.digest)

    await run(w.deps)

    expectNothingChanged(w)
    expect(output()[0]).toMatchObject({ code: 'up-to-date' })
    expect(output()[0]).not.toHaveProperty('update-dry-run')
    expect(asked(w)).toEqual([])
  })
})

describe('dry-run of previews', () => {
  const PREVIEW = {
    mode: 'preview',
    'preview-role-arn': 'arn:aws:iam::123456789012:role/shop-preview',
    'pull-request': '7',
    'github-token': 't',
    preflight: 'off'
  }
  const ENV = {
    GITHUB_SHA: 'b'.repeat(40),
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_API_URL: 'https://api.github.test'
  }

  it('a first preview: what would be created, no function, URL or comment', async () => {
    const w = world(PREVIEW)
    w.deps.env = { ...ENV, RUNNER_TEMP: runnerTemp }

    await run(w.deps)

    expectNothingChanged(w)
    expect(w.functions.has('my-api-pr-7')).toBe(false)
    expect(w.comments).toEqual([])
    expect(core.infos()).toContain(
      'Dry run: the pull request comment is left as it is.'
    )
    expect(wouldChange()).toEqual([
      expect.objectContaining({ name: 'my-api-pr-7', code: 'create' })
    ])
    expect(core.outputs()['preview-url']).toBeUndefined()
  })

  it('a cleanup lists what it would remove and removes nothing', async () => {
    const w = world({ mode: 'cleanup', 'pull-request': '7' })
    const preview = w.addFunction('my-api-pr-7')
    preview.tags = {
      'aspnet-lambda-deploy:preview-of': 'my-api',
      'aspnet-lambda-deploy:pull-request': '7'
    }
    preview.url = { qualifier: undefined }
    w.registry.push('pr-7-abc', storedImage('amd64', 'pr-7'))

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(notReadOnly(w)).toEqual([])
    expect(w.functions.has('my-api-pr-7')).toBe(true)
    expect(w.registry.tags.has('pr-7-abc')).toBe(true)
    expect(wouldChange().map(c => [c.code, c.text])).toEqual([
      ['remove', `would remove Function URL ${functionUrlOf('my-api-pr-7')}`],
      ['remove', `would remove function ${preview.arn}`],
      ['remove', `would remove image tag ${REPOSITORY_NAME}:pr-7-abc`]
    ])
    expect(summary()).toMatch(/^## 🔍 Dry run — nothing was changed: /)
    expect(summary()).toContain(`would remove function ${preview.arn}`)
  })
})
