/**
 * The whole action, phase by phase, against the simulated AWS of
 * __fixtures__/world.ts: a Lambda function that moves through InProgress to
 * Successful (or Failed) the way Lambda does, an ECR registry that holds
 * what the build pushed, a scripted docker CLI and the registry API and
 * smoke URLs through fetch. Assertions are on what the action did to that
 * world and what it told the workflow (outputs, failure, warnings, job
 * summary).
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
import {
  UpdateFunctionCodeCommand,
  type Architecture
} from '@aws-sdk/client-lambda'
import * as core from '../__fixtures__/core.js'
import {
  FUNCTION_ARN,
  FUNCTION_NAME,
  OCI_INDEX_DIGEST,
  OCI_INDEX_WITH_PROVENANCE,
  PREVIOUS_DIGEST,
  REGION,
  REGISTRY,
  REGISTRY_PASSWORD,
  REPOSITORY_NAME,
  REPOSITORY_URI,
  sha256Digest
} from '../__fixtures__/aws.js'
import {
  imageIndex,
  layerDigest,
  simulatedWorld,
  storedImage,
  type StoredImage,
  type World
} from '../__fixtures__/world.js'
import { STATE } from '../src/post/saved-state.js'

// main.ts (and inputs.ts) import @actions/core: mock it first, then import
// them dynamically (see __fixtures__/core.ts).
jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

const ARM64_IMAGE = storedImage('arm64', 'v1')
const AMD64_IMAGE = storedImage('amd64', 'v1')
/** What buildx pushes when provenance attestations are on. */
const INDEX_IMAGE: StoredImage = {
  digest: OCI_INDEX_DIGEST,
  mediaType: OCI_INDEX,
  manifest: OCI_INDEX_WITH_PROVENANCE,
  config: undefined,
  platform: 'linux/arm64'
}

/** An image some other deploy put on the function. */
const OTHER_DIGEST = sha256Digest('another team member deployed this')

const TAG = 'v1'
const PREVIOUS_URI = `${REPOSITORY_URI}@${PREVIOUS_DIGEST}`
const FUNCTION_URL = 'https://abc123example.lambda-url.us-east-1.on.aws/'
const SMOKE_URL = 'https://abc123example.lambda-url.us-east-1.on.aws/health'
const BASIC_AUTH = `Basic ${Buffer.from(`AWS:${REGISTRY_PASSWORD}`).toString('base64')}`

function APP_SOURCE(
  name: 'http-api' | 'http-api-streaming' | 'rest-api' | 'alb'
): string {
  return fileURLToPath(new URL(`../__fixtures__/apps/${name}`, import.meta.url))
}

/** What the runner passes: action.yml defaults, then the workflow's `with:`. */
const INPUTS: Record<string, string> = {
  // An ASP.NET app source for the app preflight (HttpApi, CMD OrdersApi).
  context: APP_SOURCE('http-api'),
  preflight: 'strict',
  'event-source': 'http-api',
  'wait-timeout': '5m',
  'smoke-test': 'true',
  'smoke-expect-status': '200',
  'rollback-on-failure': 'true',
  'function-name': FUNCTION_NAME,
  repository: REPOSITORY_NAME,
  tag: TAG,
  'aws-region': REGION,
  'smoke-path': '/health',
  'smoke-expect-body': 'Healthy',
  'smoke-timeout': '30s'
}

let runnerTemp: string

/**
 * The world of these tests: my-api on arm64, deployed by tag before, with
 * its Function URL; the build pushes ARM64_IMAGE.
 */
function world(inputs: Record<string, string> = {}): World {
  const w = simulatedWorld({ ...INPUTS, ...inputs }, { runnerTemp })
  w.fn.architecture = 'arm64'
  w.fn.deployedByTag(`${REPOSITORY_URI}:previous`, PREVIOUS_DIGEST)
  w.fn.url = { qualifier: undefined, address: FUNCTION_URL }
  w.build.image = ARM64_IMAGE
  return w
}

/** Everything the action printed or reported, to search for leaked secrets. */
function everythingShown(w: World): string {
  return JSON.stringify([
    core.infos(),
    core.warnings(),
    core.failures(),
    core.outputs(),
    core.writtenSummaries(),
    core.debug.mock.calls,
    w.execCalls.map(call => [call.argv, call.env])
  ])
}

beforeEach(async () => {
  core.resetCore()
  runnerTemp = await fs.mkdtemp(
    path.join(os.tmpdir(), 'main-test-runner-temp-')
  )
})

afterEach(async () => {
  await fs.rm(runnerTemp, { recursive: true, force: true })
})

describe('a first deploy of a new tag', () => {
  const architectures: [Architecture, StoredImage, string][] = [
    ['arm64', ARM64_IMAGE, 'linux/arm64'],
    ['x86_64', AMD64_IMAGE, 'linux/amd64']
  ]
  it.each(architectures)(
    'builds with buildx for an %s function, deploys by digest and smoke-tests',
    async (architecture, image, platform) => {
      const w = world()
      w.fn.architecture = architecture
      w.build.image = image

      await run(w.deps)

      expect(core.failures()).toEqual([])
      const build = w.argvOf('docker', 'buildx', 'build')
      expect(build).toBeDefined()
      expect(build?.join(' ')).toContain(`--platform ${platform}`)
      expect(build).toEqual(
        expect.arrayContaining(['--provenance=false', '--sbom=false', '--push'])
      )
      expect(build?.join(' ')).toContain(`--tag ${REPOSITORY_URI}:${TAG}`)
      expect(w.details('lambda:UpdateFunctionCode')).toEqual([
        `${REPOSITORY_URI}@${image.digest}`
      ])
      expect(w.fn.digest).toBe(image.digest)
      expect(w.fn.lastUpdateStatus).toBe('Successful')
      expect(w.details('fetch')).toContain(SMOKE_URL)
      expect(core.outputs()).toEqual({
        'image-uri': `${REPOSITORY_URI}@${image.digest}`,
        'image-digest': image.digest,
        'image-tag': TAG,
        architecture,
        'function-arn': FUNCTION_ARN,
        'previous-image-uri': PREVIOUS_URI,
        'smoke-url': SMOKE_URL,
        'smoke-status': '200',
        'reused-image': 'false',
        updated: 'true',
        'rolled-back': 'false',
        'serving-image-uri': `${REPOSITORY_URI}@${image.digest}`,
        functions: JSON.stringify([
          {
            name: FUNCTION_NAME,
            arn: FUNCTION_ARN,
            outcome: 'deployed',
            updated: true,
            previousImage: PREVIOUS_URI,
            servingImage: `${REPOSITORY_URI}@${image.digest}`
          }
        ])
      })
      expect(w.clientRegions).toEqual([REGION])
    }
  )

  it('logs in with the ECR token on stdin, in a private DOCKER_CONFIG kept for the post step', async () => {
    const w = world()

    await run(w.deps)

    const login = w.execCalls.find(call => call.args[0] === 'login')
    expect(login?.argv).toEqual([
      'docker',
      'login',
      '--username',
      'AWS',
      '--password-stdin',
      REGISTRY
    ])
    expect(login?.input).toBe(REGISTRY_PASSWORD)
    const dockerConfig = core.savedState()[STATE.dockerConfig]
    expect(dockerConfig).toBeDefined()
    expect(path.dirname(dockerConfig ?? '')).toBe(runnerTemp)
    expect(w.execCalls.map(call => call.env?.DOCKER_CONFIG)).toEqual(
      w.execCalls.map(() => dockerConfig)
    )
    // The build happens after the login, in the same config.
    const order = w.execCalls.map(call => call.args.slice(0, 2).join(' '))
    expect(order.indexOf('login --username')).toBeLessThan(
      order.indexOf('buildx build')
    )
  })

  it('marks the ECR password secret before any command runs and never puts it in an argv', async () => {
    const w = world()

    await run(w.deps)

    const secretCall = core.setSecret.mock.calls.findIndex(
      ([value]) => value === REGISTRY_PASSWORD
    )
    expect(secretCall).toBeGreaterThanOrEqual(0)
    const secretAt =
      core.setSecret.mock.invocationCallOrder[secretCall] ?? Infinity
    expect(w.exec).toHaveBeenCalled()
    expect(secretAt).toBeLessThan(Math.min(...w.exec.mock.invocationCallOrder))
    // The registry API's Basic header is derived from it: also masked.
    expect(core.setSecret).toHaveBeenCalledWith(
      BASIC_AUTH.slice('Basic '.length)
    )
    expect(everythingShown(w)).not.toContain(REGISTRY_PASSWORD)
  })

  it('writes a job summary of what was deployed', async () => {
    const w = world()

    await run(w.deps)

    const [summary, ...more] = core.writtenSummaries()
    expect(more).toEqual([])
    expect(summary).toContain(`✅ Deployed: ${FUNCTION_NAME}`)
    expect(summary).toContain(`${REPOSITORY_URI}@${ARM64_IMAGE.digest}`)
    expect(summary).toContain(PREVIOUS_URI)
    expect(summary).toContain('arm64 (linux/arm64)')
    expect(summary).toContain(`HTTP 200 from ${SMOKE_URL}`)
  })

  it('runs each phase in its own log group, and does its work inside them', async () => {
    const w = world()

    await run(w.deps)

    expect(core.groupNames()).toEqual([
      'Read inputs',
      'Look up function, repository and tag',
      'Preflight: app',
      'Build and push',
      'Check the image',
      'Preflight: image',
      'Deploy',
      'Smoke test'
    ])
    const groupOf = (what: string): string[] => [
      ...new Set(
        w.events.filter(e => e.call === what).map(e => e.groups.join(' > '))
      )
    ]
    expect(groupOf('ecr:DescribeImages')).toEqual([
      'Look up function, repository and tag'
    ])
    expect(groupOf('exec')).toEqual(['Build and push'])
    expect(groupOf('ecr:BatchGetImage')).toEqual(['Check the image'])
    expect(groupOf('lambda:UpdateFunctionCode')).toEqual(['Deploy'])
    expect(groupOf('lambda:GetFunctionUrlConfig')).toEqual(['Smoke test'])
    expect(w.events.filter(e => e.groups.length !== 1)).toEqual([])
  })

  it('makes a docker-container builder for cache-to and tells the post step its name', async () => {
    const w = world({
      'cache-from': 'type=gha',
      'cache-to': 'type=gha,mode=max'
    })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const create = w.argvOf('docker', 'buildx', 'create')
    const builder = create?.[create.indexOf('--name') + 1]
    expect(create).toContain('docker-container')
    expect(builder).toBeDefined()
    expect(core.savedState()[STATE.builder]).toBe(builder)
    const build = w.argvOf('docker', 'buildx', 'build')?.join(' ')
    expect(build).toContain(`--builder ${builder ?? '?'}`)
    expect(build).toContain('--cache-to type=gha,mode=max')
  })

  it('masks the values of build-args that look like secrets before the docker command line is logged, and points to secrets', async () => {
    const NUGET = 'feed-password-Zq81xv'
    const GITHUB = `ghp_${'a1B2'.repeat(9)}`
    const w = world({
      'build-args': `NUGET_TOKEN=${NUGET}\nFEED=${GITHUB}\nCONFIGURATION=Release\nAPI_KEY=1`
    })
    // The job log as the runner shows it: a value is hidden in every line
    // printed after its ::add-mask:: (core.setSecret), and only then.
    const masks: string[] = []
    const shown: string[] = []
    const show = (line: string): void => {
      shown.push(masks.reduce((l, secret) => l.split(secret).join('***'), line))
    }
    core.setSecret.mockImplementation(secret => masks.push(secret))
    core.info.mockImplementation(show)
    core.warning.mockImplementation(message => show(String(message)))
    const exec = w.deps.exec
    w.deps.exec = (command, args, options) => {
      // @actions/exec prints the command line of a streamed command.
      if (options?.stream === true)
        show(`[command]${[command, ...args].join(' ')}`)
      return exec(command, args, options)
    }

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const log = shown.join('\n')
    expect(log).toContain(
      '--build-arg NUGET_TOKEN=*** --build-arg FEED=*** --build-arg CONFIGURATION=Release --build-arg API_KEY=1'
    )
    expect(log).not.toContain(NUGET)
    expect(log).not.toContain(GITHUB)
    expect(masks).toEqual(expect.arrayContaining([NUGET, GITHUB]))
    // A value that is no secret stays readable in the log.
    expect(masks).not.toContain('Release')
    expect(masks).not.toContain('1')
    expect(core.warnings()).toContainEqual(
      expect.stringMatching(
        /^build-args NUGET_TOKEN, FEED, API_KEY look like secrets: their values are masked in this log, but a build-arg stays in the image .*Pass it with the secrets input \(id=value\)/
      )
    )
  })

  it('falls back to docker build and docker push without buildx, and says so', async () => {
    const w = world()
    w.build.buildx = false

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(core.warnings().join('\n')).toMatch(/buildx is not installed/)
    expect(w.argvOf('docker', 'buildx', 'build')).toBeUndefined()
    expect(w.argvOf('docker', 'build')?.join(' ')).toContain(
      '--platform linux/arm64'
    )
    expect(w.argvOf('docker', 'push')).toEqual([
      'docker',
      'push',
      `${REPOSITORY_URI}:${TAG}`
    ])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`
    ])
    expect(core.writtenSummaries()[0]).toContain('docker build')
  })
})

describe('image indexes (build-push-action defaults, Docker 29 pushes)', () => {
  it("deploys the one image for the function's CPU by its own digest, attestations aside", async () => {
    const w = world()
    const index = imageIndex([AMD64_IMAGE, ARM64_IMAGE])
    w.registry.push(TAG, index)

    await run(w.deps)

    expect(core.failures()).toEqual([])
    // The arm64 image manifest, never the index Lambda would refuse.
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`
    ])
    expect(w.fn.digest).toBe(ARM64_IMAGE.digest)
    expect(w.details('ecr:BatchGetImage')).toEqual([
      index.digest,
      ARM64_IMAGE.digest
    ])
    // One digest for the whole run: outputs, summary and the undo record.
    expect(core.outputs()['image-digest']).toBe(ARM64_IMAGE.digest)
    expect(core.outputs()['image-uri']).toBe(
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`
    )
    expect(core.infos().join('\n')).toContain(
      `${REPOSITORY_URI}@${index.digest} is an image index (application/vnd.oci.image.index.v1+json: 2 image(s), 2 attestation manifest(s)); Lambda refuses indexes, so this run deploys its linux/arm64 image manifest: ${REPOSITORY_URI}@${ARM64_IMAGE.digest}.`
    )
    const summary = core.writtenSummaries()[0] ?? ''
    expect(summary).toContain(ARM64_IMAGE.digest)
    expect(summary).not.toContain(index.digest)
  })

  it("leaves a function alone that already runs the index's image", async () => {
    const w = world()
    w.registry.push(TAG, imageIndex([ARM64_IMAGE]))
    w.fn.imageUri = `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
    expect(core.outputs().updated).toBe('false')
    expect(core.outputs()['image-digest']).toBe(ARM64_IMAGE.digest)
  })

  it('is refused by the simulated Lambda as by AWS, were the index deployed', async () => {
    // What the run avoids: the world answers an index as Lambda does.
    const w = world()
    const index = imageIndex([ARM64_IMAGE])
    w.registry.push(TAG, index)
    await expect(
      w.deps.clients(REGION).lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: FUNCTION_NAME,
          ImageUri: `${REPOSITORY_URI}@${index.digest}`
        })
      )
    ).rejects.toThrow('is not supported.')
  })
})

describe('re-runs', () => {
  it('deploys an existing tag without logging in, building or pushing', async () => {
    const w = world()
    w.registry.push(TAG, ARM64_IMAGE)

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.execCalls).toEqual([])
    expect(core.savedState()[STATE.dockerConfig]).toBeUndefined()
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`
    ])
    expect(core.outputs()['reused-image']).toBe('true')
    expect(core.outputs()['image-digest']).toBe(ARM64_IMAGE.digest)
    expect(core.writtenSummaries()[0]).toContain(
      'reused the existing tag (no build)'
    )
  })

  it('leaves a function alone that already runs the digest, and still smoke-tests it', async () => {
    const w = world()
    w.registry.push(TAG, ARM64_IMAGE)
    w.fn.imageUri = `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
    expect(core.outputs().updated).toBe('false')
    expect(core.outputs()['smoke-status']).toBe('200')
    expect(w.details('fetch')).toContain(SMOKE_URL)
    // Nothing changed, so there is nothing to undo.
    expect(core.writtenSummaries()[0]).not.toContain('To undo this deploy')
  })
})

describe('two runs of the same commit at once', () => {
  it('deploys the image the other run pushed when our push finds the tag taken', async () => {
    const w = world()
    const theirs = storedImage('arm64', 'pushed by the other run')
    w.build.racedBy = theirs

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(core.warnings().join('\n')).toMatch(
      /now exists in ECR as sha256:[a-f0-9]{64}, pushed by another run/
    )
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${theirs.digest}`
    ])
    expect(core.outputs()['reused-image']).toBe('true')
  })

  it('waits for the other build on this docker engine that took the local tag, and deploys what it pushed', async () => {
    const w = world()
    w.build.buildx = false
    w.build.image = ARM64_IMAGE
    const theirs = storedImage('arm64', 'built by the other run')
    w.build.tagMovedBy = { image: theirs, pushedAfterMs: 10_000 }

    await run(w.deps)

    expect(core.failures()).toEqual([])
    // Neither image was pushed by this run: the tag might name either.
    expect(
      w.details('exec').filter(cmd => cmd.startsWith('docker push'))
    ).toEqual([])
    expect(core.warnings().join('\n')).toContain(
      `now exists in ECR as ${theirs.digest}, pushed by another run`
    )
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${theirs.digest}`
    ])
    expect(core.outputs()['image-digest']).toBe(theirs.digest)
    // It looked again until the push came, not once.
    expect(w.details('ecr:DescribeImages').length).toBeGreaterThan(3)
  })

  it('fails without pushing when the build that took the local tag never pushes it', async () => {
    const w = world()
    w.build.buildx = false
    w.build.image = ARM64_IMAGE
    w.build.tagMovedBy = { image: storedImage('arm64', 'built elsewhere') }

    await run(w.deps)

    expect(core.failures().join('\n')).toMatch(
      /a stale local tag\. Nothing was pushed\. The other build on this docker engine pushed no .* to ECR within 120s either; re-run the job\./
    )
    expect(
      w.details('exec').filter(cmd => cmd.startsWith('docker push'))
    ).toEqual([])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
    expect(w.timing.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(
      120_000
    )
  })

  it('still fails a build that failed for another reason', async () => {
    const w = world()
    w.build.buildx = false
    w.build.image = AMD64_IMAGE

    await run(w.deps)

    expect(core.failures().join('\n')).toMatch(/linux\/amd64, not linux\/arm64/)
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
  })
})

describe('refusals before anything is built', () => {
  it.each([
    [{ 'function-name': 'my api' }, 'function-name'],
    [{ repository: 'Team/My-API:latest' }, 'repository'],
    [{ 'wait-timeout': 'soon' }, 'wait-timeout'],
    [{ 'smoke-url': 'ftp://example.com' }, 'smoke-url'],
    [{ 'rollback-on-failure': 'yes' }, 'rollback-on-failure']
  ])(
    '%p fails naming %s, with no AWS call and no command',
    async (inputs, name) => {
      const w = world(inputs)

      await run(w.deps)

      expect(core.failures()).toHaveLength(1)
      expect(core.failures()[0]).toContain(name)
      expect(w.clientRegions).toEqual([])
      expect(w.events).toEqual([])
      expect(core.writtenSummaries()[0]).toContain('❌ Failed')
    }
  )

  it('refuses a Zip function before building', async () => {
    const w = world()
    w.fn.packageType = 'Zip'
    w.fn.imageUri = undefined

    await run(w.deps)

    expect(core.failures()).toHaveLength(1)
    expect(core.failures()[0]).toMatch(/package type Zip/)
    expect(w.execCalls).toEqual([])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
  })

  it('refuses an architecture input that contradicts the function, before building', async () => {
    const w = world({ architecture: 'x86_64' })

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /architecture is "x86_64" but function my-api is configured for arm64/
    )
    expect(w.execCalls).toEqual([])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
  })
})

describe('refusals before the function is touched', () => {
  it("refuses an index with no image for the function's CPU before UpdateFunctionCode, naming what it holds", async () => {
    const w = world()
    // The function runs on arm64; the index holds amd64 only.
    w.build.image = INDEX_IMAGE

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /is an image index with no image for linux\/arm64, the platform of the function's arm64: it holds linux\/amd64 \(sha256:/
    )
    expect(w.details('ecr:BatchGetImage')).toEqual([OCI_INDEX_DIGEST])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
  })

  it("refuses an index with two images for the function's CPU before UpdateFunctionCode", async () => {
    const w = world()
    w.registry.push(
      TAG,
      imageIndex([ARM64_IMAGE, storedImage('arm64', 'another build')])
    )

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /is an image index with 2 images for linux\/arm64: .*Name the one to deploy by its digest/
    )
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
  })

  it('refuses an existing tag built for the other CPU before UpdateFunctionCode', async () => {
    const w = world()
    w.registry.push(TAG, AMD64_IMAGE)

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /built for linux\/amd64 but the function runs on arm64/
    )
    expect(core.failures()[0]).toMatch(/exec format error/)
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
    expect(w.execCalls).toEqual([])
  })
})

describe('the update', () => {
  it('waits for an update already in progress before UpdateFunctionCode', async () => {
    const w = world()
    w.fn.pollsPerUpdate = 3
    w.fn.startUpdate(`${REPOSITORY_URI}@${OTHER_DIGEST}`)
    w.fn.pollsPerUpdate = 1

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const lambdaCalls = w.events.filter(e => e.call.startsWith('lambda:'))
    const firstUpdate = lambdaCalls.findIndex(
      e => e.call === 'lambda:UpdateFunctionCode'
    )
    // Each GetFunction is one look at the other update: the look-up saw it
    // InProgress, the wait polled until it had finished (two more InProgress,
    // then Successful), and only then came UpdateFunctionCode. The wait's
    // last answer is the function it updates: no further read.
    expect(
      lambdaCalls
        .slice(0, firstUpdate)
        .filter(e => e.call === 'lambda:GetFunction')
        .map(e => e.detail)
    ).toEqual(['InProgress', 'InProgress', 'InProgress', 'Successful'])
    // It waited long enough: the first UpdateFunctionCode was accepted.
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`
    ])
    expect(core.outputs()['previous-image-uri']).toBe(
      `${REPOSITORY_URI}@${OTHER_DIGEST}`
    )
  })

  it("reports Lambda's reason and code when the update fails", async () => {
    const w = world()
    w.fn.nextUpdateFails = {
      code: 'ImageAccessDenied',
      reason:
        'Lambda does not have permission to access the ECR image. Check the ECR permissions.'
    }

    await run(w.deps)

    const [failure] = core.failures()
    expect(failure).toContain('ImageAccessDenied')
    expect(failure).toContain(
      'Lambda does not have permission to access the ECR image.'
    )
    expect(failure).toContain(`still runs ${PREVIOUS_URI}`)
    expect(w.details('lambda:UpdateFunctionCode')).toHaveLength(1)
    expect(w.details('fetch')).not.toContain(SMOKE_URL)
  })

  it('retries UpdateFunctionCode through ResourceConflictException', async () => {
    const w = world()
    w.fn.conflicts = 2

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`,
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`,
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`
    ])
    expect(w.fn.digest).toBe(ARM64_IMAGE.digest)
    expect(core.outputs().updated).toBe('true')
  })

  it('fails when the function does not run the new digest after the update', async () => {
    const w = world()
    w.fn.nextUpdateLands = OTHER_DIGEST

    await run(w.deps)

    const [failure] = core.failures()
    expect(failure).toContain(`runs ${OTHER_DIGEST}`)
    expect(failure).toContain(
      `not the image just deployed (${ARM64_IMAGE.digest})`
    )
    expect(w.details('fetch')).not.toContain(SMOKE_URL)
    expect(w.details('lambda:UpdateFunctionCode')).toHaveLength(1)
  })
})

describe('the smoke test', () => {
  it('rolls back to the previous image when the discovered Function URL answers wrongly', async () => {
    const w = world()
    w.smokeReplies.set(SMOKE_URL, [
      { status: 200, body: 'Degraded: database unreachable' }
    ])

    await run(w.deps)

    expect(w.details('lambda:GetFunctionUrlConfig')).toHaveLength(1)
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`,
      PREVIOUS_URI
    ])
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
    const [failure] = core.failures()
    expect(failure).toContain('body does not contain "Healthy"')
    expect(failure).toContain(
      `Rolled back: ${FUNCTION_NAME} runs the previous image ${PREVIOUS_URI}`
    )
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'true',
      'smoke-url': SMOKE_URL,
      'smoke-status': '200'
    })
    expect(core.writtenSummaries()[0]).toContain('↩️ Failed and rolled back')
    expect(core.groupNames().at(-1)).toBe('Roll back')
  })

  it('rolls back to what the function ran after an update in progress failed', async () => {
    // Another deploy's update was in progress when this one started (GetFunction
    // already showed its image) and then failed, so Lambda kept the previous
    // image: that is what to restore, and what the rollback must verify.
    const w = world()
    w.fn.nextUpdateFails = {
      code: 'ImageAccessDenied',
      reason: 'Lambda does not have permission to access the ECR image.'
    }
    w.fn.startUpdate(`${REPOSITORY_URI}@${OTHER_DIGEST}`)
    w.smokeReplies.set(SMOKE_URL, [{ status: 500, body: '' }])

    await run(w.deps)

    expect(w.details('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`,
      PREVIOUS_URI
    ])
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
    expect(core.outputs()).toMatchObject({
      'previous-image-uri': PREVIOUS_URI,
      'rolled-back': 'true'
    })
    expect(core.failures()[0]).toContain(
      `runs the previous image ${PREVIOUS_URI} again`
    )
    expect(core.failures()[0]).not.toContain('ROLLBACK FAILED')
  })

  it('leaves the new image in place with rollback-on-failure false and says how to restore', async () => {
    const w = world({ 'rollback-on-failure': 'false' })
    w.smokeReplies.set(SMOKE_URL, [
      { status: 502, body: 'Internal Server Error' }
    ])

    await run(w.deps)

    expect(w.details('lambda:UpdateFunctionCode')).toHaveLength(1)
    expect(w.fn.digest).toBe(ARM64_IMAGE.digest)
    const [failure] = core.failures()
    expect(failure).toContain('status 502, expected 200')
    expect(failure).toContain(
      `aws lambda update-function-code --function-name ${FUNCTION_ARN} --image-uri ${PREVIOUS_URI}`
    )
    expect(core.outputs()['rolled-back']).toBe('false')
  })

  it('does not roll back a function it did not update', async () => {
    const w = world()
    w.registry.push(TAG, ARM64_IMAGE)
    w.fn.imageUri = `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`
    w.smokeReplies.set(SMOKE_URL, [{ status: 500, body: '' }])

    await run(w.deps)

    expect(core.failures()[0]).toMatch(/Smoke test failed/)
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
    expect(w.fn.digest).toBe(ARM64_IMAGE.digest)
  })

  it('keeps trying through a cold start until the app answers', async () => {
    const w = world()
    w.smokeReplies.set(SMOKE_URL, [
      { status: 503, body: 'Service Unavailable' },
      { status: 503, body: 'Service Unavailable' },
      { status: 200, body: 'Healthy' }
    ])

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.details('fetch').filter(url => url === SMOKE_URL)).toHaveLength(3)
    expect(w.details('lambda:UpdateFunctionCode')).toHaveLength(1)
  })

  it('uses smoke-url when given; whose qualifier it cannot tell, so $LATEST is invoked directly too', async () => {
    const w = world({ 'smoke-url': 'https://api.example.com/prod' })
    w.smokeReplies.set('https://api.example.com/prod/health', [
      { status: 200, body: 'Healthy' }
    ])

    await run(w.deps)

    expect(core.failures()).toEqual([])
    // Only to tell whether smoke-url is the function's own URL: no HTTP API walk.
    expect(w.details('apigateway:GetApis')).toEqual([])
    expect(
      w.calls<{ Qualifier?: string }>('lambda:Invoke').map(i => i.Qualifier)
    ).toEqual(['$LATEST'])
    expect(core.outputs()['smoke-url']).toBe(
      'https://api.example.com/prod/health'
    )
    expect(core.writtenSummaries().join('\n')).toMatch(
      /✅ HTTP 200 from https:\/\/api\.example\.com\/prod\/health \(which qualifier it reaches is not known\) after 1 attempt\(s\); ✅ `\$LATEST` invoked directly: HTTP 200/
    )
  })

  it("smoke-url that is the function's own URL reaches $LATEST: no direct Invoke", async () => {
    const w = world({ 'smoke-url': FUNCTION_URL })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('lambda:Invoke')).toEqual([])
    expect(core.writtenSummaries().join('\n')).toContain('(reached `$LATEST`)')
  })

  it('a $LATEST release is not smoke-tested through an HTTP API on an alias (issue 22, item 1): $LATEST is invoked directly', async () => {
    const w = world()
    // No URL of $LATEST; an HTTP API serves alias live, still on the
    // previous version, which answers Healthy. The new image answers 500.
    w.fn.url = { qualifier: 'live' }
    w.fn.publish()
    w.fn.setAlias('live', '1')
    const API_URL = 'https://live01.execute-api.us-east-1.amazonaws.com'
    w.apis.push({
      api: {
        ApiId: 'live01',
        Name: 'live-api',
        ProtocolType: 'HTTP',
        ApiEndpoint: API_URL,
        RouteSelectionExpression: '$request.method $request.path'
      },
      integrations: [
        {
          IntegrationId: 'i1',
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: `${FUNCTION_ARN}:live`,
          PayloadFormatVersion: '2.0'
        }
      ]
    })
    w.smokeReplies.set(`${API_URL}/health`, [{ status: 200, body: 'Healthy' }])
    w.answers.set(ARM64_IMAGE.digest, [{ status: 500, body: 'broken' }])

    await run(w.deps)

    expect(core.failures()[0]).toMatch(/Smoke test \(direct Invoke\) failed/)
    expect(w.details('fetch')).not.toContain(`${API_URL}/health`)
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
    expect(core.outputs()['rolled-back']).toBe('true')
    expect(core.writtenSummaries().join('\n')).toContain('(reached `$LATEST`)')
  })

  it('is not skipped when no URL can be found: the function is invoked with a synthetic request', async () => {
    const w = world()
    w.fn.url = undefined

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.details('apigateway:GetApis')).toHaveLength(1)
    expect(core.warnings().join('\n')).not.toMatch(/Smoke test skipped/)
    expect(w.details('fetch').filter(url => !url.includes('/v2/'))).toEqual([])
    expect(w.calls('lambda:Invoke')).toEqual([
      expect.objectContaining({ Qualifier: '$LATEST' })
    ])
    expect(core.outputs()).toMatchObject({
      'smoke-status': '200',
      'smoke-url': expect.stringContaining('(direct Invoke)')
    })
  })

  it('a failing direct Invoke fails the run and rolls back', async () => {
    const w = world()
    w.fn.url = undefined
    w.answers.set(w.build.image.digest, [{ status: 500, body: 'boom' }])

    await run(w.deps)

    expect(core.failures()[0]).toMatch(/^Smoke test \(direct Invoke\) failed/)
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
  })
})

describe('the job summary', () => {
  it('only warns when it cannot be written', async () => {
    const w = world()
    core.summary.write.mockRejectedValueOnce(
      new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY.')
    )

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(core.warnings()).toContain(
      'Could not write the job summary: Unable to find environment variable for $GITHUB_STEP_SUMMARY.'
    )
    expect(core.outputs()['image-uri']).toBe(
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`
    )
  })
})

describe('preflight of the pushed image', () => {
  const WRONG_EXTENSION = storedImage('arm64', 'v2', { extension: 'amd64' })
  const RIGHT_EXTENSION = storedImage('arm64', 'v2', { extension: 'arm64' })

  it('strict: a wrong-CPU extension stops the deploy before UpdateFunctionCode', async () => {
    const w = world()
    w.build.image = WRONG_EXTENSION

    await run(w.deps)

    expect(core.failures()).toHaveLength(1)
    expect(core.failures()[0]).toMatch(
      /Preflight \(image\) stopped the deploy[\s\S]*\/opt\/extensions\/telemetry is a 64-bit x86-64 ELF binary but the function runs on arm64 \(AArch64\)/
    )
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
    const summary = core.writtenSummaries().join('\n')
    expect(summary).toContain('| Preflight check | Result | Details |')
    expect(summary).toMatch(/\| Extension telemetry \| ❌ fail \|/)
    expect(summary).toMatch(/\| Entrypoint \| ✅ pass \|/)
  })

  it('warn: the same image only warns, and is deployed', async () => {
    const w = world({ preflight: 'warn' })
    w.build.image = WRONG_EXTENSION

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(core.warnings().join('\n')).toMatch(
      /Preflight: Extension telemetry: \/opt\/extensions\/telemetry is a 64-bit x86-64 ELF binary/
    )
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${WRONG_EXTENSION.digest}`
    ])
  })

  it('strict: the right-CPU extension passes and is deployed', async () => {
    const w = world()
    w.build.image = RIGHT_EXTENSION

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.fn.digest).toBe(RIGHT_EXTENSION.digest)
  })

  describe('the .NET the app runs on, at the run clock', () => {
    const DOTNET8 = storedImage('arm64', 'net8', {
      runtimeConfig: JSON.stringify({
        runtimeOptions: {
          tfm: 'net8.0',
          framework: { name: 'Microsoft.AspNetCore.App', version: '8.0.11' }
        }
      })
    })

    it('strict, after .NET 8 reached its end of support: warns with the date and the upgrade path, and deploys', async () => {
      const w = world()
      w.build.image = DOTNET8
      w.timing.advance(
        Date.parse('2026-12-06T09:00:00Z') - w.timing.timing.now()
      )

      await run(w.deps)

      expect(core.failures()).toEqual([])
      expect(w.fn.digest).toBe(DOTNET8.digest)
      expect(core.warnings().join('\n')).toMatch(
        /Preflight: \.NET support: The app runs on \.NET 8 \(MyApi\.runtimeconfig\.json: Microsoft\.AspNetCore\.App 8\.0\.11\), out of Microsoft's support since 2026-11-10[\s\S]*Move to \.NET 10 \(LTS, supported until 2028-11-14\)/
      )
      expect(core.writtenSummaries().join('\n')).toMatch(
        /\| \.NET support \| ⚠️ warn \| The app runs on \.NET 8 /
      )
    })

    it('strict, while .NET 8 was supported: passes, no warning', async () => {
      const w = world()
      w.build.image = DOTNET8

      await run(w.deps)

      expect(core.failures()).toEqual([])
      expect(w.fn.digest).toBe(DOTNET8.digest)
      expect(core.warnings().join('\n')).not.toContain('.NET support')
      expect(core.writtenSummaries().join('\n')).toMatch(
        /\| \.NET support \| ✅ pass \| \.NET 8\.0 \(MyApi\.runtimeconfig\.json: Microsoft\.AspNetCore\.App 8\.0\.11\), supported until 2026-11-10 \|/
      )
    })
  })

  it('off: no layer is read and nothing is checked', async () => {
    const w = world({ preflight: 'off' })
    w.build.image = WRONG_EXTENSION

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const layerDigests = (WRONG_EXTENSION.layers ?? []).map(layerDigest)
    expect(
      w.details('fetch').filter(url => layerDigests.some(d => url.endsWith(d)))
    ).toEqual([])
    expect(core.groupNames()).not.toContain('Preflight: image')
    expect(w.fn.digest).toBe(WRONG_EXTENSION.digest)
  })
})

describe('preflight of the app source', () => {
  it('strict: a RestApi app behind a Function URL stops before anything is built', async () => {
    const w = world({ context: APP_SOURCE('rest-api'), 'event-source': '' })

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /Preflight \(app\) stopped the deploy[\s\S]*LambdaEventSource\.RestApi but the function is reached through Function URL https:\/\/abc123example\.lambda-url\.us-east-1\.on\.aws\/ → HttpApi/
    )
    expect(w.details('exec')).toEqual([])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
    expect(core.groupNames()).not.toContain('Build and push')
  })

  it('discovers the Function URL and passes an HttpApi app', async () => {
    const w = world({ 'event-source': '' })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const summary = core.writtenSummaries().join('\n')
    expect(summary).toMatch(
      /LambdaEventSource matches how the function is reached \| ✅ pass \| The app uses LambdaEventSource.HttpApi; reached through Function URL/
    )
  })

  it('asks how the function is reached once: the smoke test reuses the answer', async () => {
    const w = world({ 'event-source': '' })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.details('fetch')).toContain(SMOKE_URL)
    // Preflight and the smoke test both need the Function URL.
    expect(w.details('lambda:GetFunctionUrlConfig')).toHaveLength(1)
  })

  it('event-source overrides discovery: rest-api with the RestApi app deploys without asking AWS', async () => {
    const w = world({
      context: APP_SOURCE('rest-api'),
      'event-source': 'rest-api',
      'smoke-test': 'false'
    })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.details('lambda:GetFunctionUrlConfig')).toEqual([])
    expect(w.details('apigateway:GetApis')).toEqual([])
    expect(w.fn.digest).toBe(ARM64_IMAGE.digest)
  })

  it('strict: a streaming app behind a BUFFERED Function URL stops before anything is built, event-source set or not', async () => {
    const w = world({
      context: APP_SOURCE('http-api-streaming'),
      'event-source': 'http-api'
    })

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /Preflight \(app\) stopped the deploy[\s\S]*Response streaming matches the Function URL's InvokeMode: Program\.cs sets EnableResponseStreaming = true but Function URL https:\/\/abc123example\.lambda-url\.us-east-1\.on\.aws\/ has InvokeMode BUFFERED[\s\S]*--invoke-mode RESPONSE_STREAM/
    )
    expect(w.details('exec')).toEqual([])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
    // event-source is set: only the Function URL was asked for.
    expect(w.details('apigateway:GetApis')).toEqual([])
  })

  it('warn: the same mismatch only warns; a RESPONSE_STREAM URL passes', async () => {
    const warned = world({
      context: APP_SOURCE('http-api-streaming'),
      preflight: 'warn',
      'smoke-test': 'false'
    })
    await run(warned.deps)
    expect(core.failures()).toEqual([])
    expect(core.warnings().join('\n')).toMatch(
      /Preflight: Response streaming matches the Function URL's InvokeMode: Program\.cs sets EnableResponseStreaming = true but Function URL [^ ]+ has InvokeMode BUFFERED/
    )
    expect(warned.fn.digest).toBe(ARM64_IMAGE.digest)

    core.resetCore()
    const streaming = world({
      context: APP_SOURCE('http-api-streaming'),
      'smoke-test': 'false'
    })
    if (streaming.fn.url !== undefined)
      streaming.fn.url.invokeMode = 'RESPONSE_STREAM'
    await run(streaming.deps)
    expect(core.failures()).toEqual([])
    expect(core.writtenSummaries().join('\n')).toMatch(
      // The summary escapes Markdown in what it quotes (an `_` included).
      /\| Response streaming matches the Function URL's InvokeMode \| ✅ pass \| Program\.cs sets EnableResponseStreaming = true; Function URL [^ ]+ has InvokeMode RESPONSE\\_STREAM\. \|/
    )
    expect(streaming.fn.digest).toBe(ARM64_IMAGE.digest)
  })

  it('is skipped when the tag is reused and nothing is built', async () => {
    const w = world({ context: APP_SOURCE('rest-api'), 'event-source': '' })
    w.registry.push(TAG, ARM64_IMAGE)

    await run(w.deps)

    expect(core.groupNames()).not.toContain('Preflight: app')
    expect(core.failures()).toEqual([])
  })
})

describe('preflight on a re-run', () => {
  it('reads no layer when the function already runs the image', async () => {
    const w = world()
    w.registry.push(TAG, ARM64_IMAGE)
    w.fn.imageUri = `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const layers = (ARM64_IMAGE.layers ?? []).map(layerDigest)
    expect(
      w.details('fetch').filter(url => layers.some(d => url.endsWith(d)))
    ).toEqual([])
    expect(core.infos().join('\n')).toContain(
      'Preflight: image skipped: the function already runs this image.'
    )
  })
})
