/**
 * The whole action, phase by phase, against simulated AWS services: a Lambda
 * function that moves through InProgress to Successful (or Failed) the way
 * Lambda does, an ECR registry that holds what the build pushed, a scripted
 * docker CLI and an HTTP fake for the registry API and the smoke test.
 * Assertions are on what the action did to that world and what it told the
 * workflow (outputs, failure, warnings, job summary).
 */
import { createHash } from 'node:crypto'
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
  ApiGatewayV2Client,
  GetApisCommand
} from '@aws-sdk/client-apigatewayv2'
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  type BatchGetImageCommandInput,
  type BatchGetImageResponse,
  type DescribeImagesCommandInput,
  type DescribeImagesResponse
} from '@aws-sdk/client-ecr'
import {
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  type Architecture,
  type FunctionConfiguration,
  type GetFunctionResponse,
  type GetFunctionUrlConfigResponse,
  type LastUpdateStatus,
  type LastUpdateStatusReasonCode,
  type PackageType,
  type UpdateFunctionCodeCommandInput
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import * as core from '../__fixtures__/core.js'
import {
  DESCRIBE_REPOSITORIES_IMMUTABLE,
  FUNCTION_ARN,
  FUNCTION_NAME,
  GET_AUTHORIZATION_TOKEN,
  GET_FUNCTION_ARM64_IMAGE,
  OCI_INDEX_DIGEST,
  OCI_INDEX_WITH_PROVENANCE,
  PREVIOUS_DIGEST,
  REGION,
  REGISTRY,
  REGISTRY_PASSWORD,
  REPOSITORY_NAME,
  REPOSITORY_URI,
  imageConfigBlob,
  sha256Digest
} from '../__fixtures__/aws.js'
import {
  fakeExec,
  type ExecCall,
  type ScriptEntry
} from '../__fixtures__/exec.js'
import { fakeTiming, type FakeTiming } from '../__fixtures__/timing.js'
import { lambdaDotnetLayers } from '../__fixtures__/layers.js'
import type { Exec } from '../src/build/docker.js'
import type { Fetch } from '../src/aws/ecr.js'
import type { Dependencies } from '../src/main.js'
import { STATE } from '../src/post/saved-state.js'

// main.ts (and inputs.ts) import @actions/core: mock it first, then import
// them dynamically (see __fixtures__/core.ts).
jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

/** An image as ECR stores it: manifest by digest, plus its config blob. */
interface StoredImage {
  digest: string
  mediaType: string
  manifest: string
  /** The config blob; undefined for an index. */
  config: string | undefined
  /** What `docker image inspect` reports for a local build of it. */
  platform: string
  /** Gzipped layer blobs, for preflight to read through the registry API. */
  layers?: Buffer[]
}

const layerDigest = (layer: Buffer): string =>
  `sha256:${createHash('sha256').update(layer).digest('hex')}`

function singleImage(
  architecture: 'amd64' | 'arm64',
  revision: string,
  extension?: 'amd64' | 'arm64'
): StoredImage {
  const config = imageConfigBlob(architecture)
  const layers = lambdaDotnetLayers(
    architecture,
    revision,
    extension === undefined ? {} : { extension }
  )
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_V2,
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: config.length,
      digest: sha256Digest(config)
    },
    layers: layers.map(layer => ({
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: layer.length,
      digest: layerDigest(layer)
    }))
  })
  return {
    digest: sha256Digest(manifest),
    mediaType: DOCKER_V2,
    manifest,
    config,
    platform: `linux/${architecture}`,
    layers
  }
}

const ARM64_IMAGE = singleImage('arm64', 'v1')
const AMD64_IMAGE = singleImage('amd64', 'v1')
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

function APP_SOURCE(name: 'http-api' | 'rest-api' | 'alb'): string {
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

const digestOf = (imageUri: string): string | undefined =>
  /@(sha256:[a-f0-9]{64})$/.exec(imageUri)?.[1]

interface PendingUpdate {
  previousUri: string | undefined
  previousDigest: string | undefined
  failure: { code: LastUpdateStatusReasonCode; reason: string } | undefined
  lands: string | undefined
}

/**
 * A Lambda function as the API shows it. UpdateFunctionCode reports the new
 * code at once with LastUpdateStatus InProgress; each GetFunction is one
 * observation of it, and after `pollsPerUpdate` of them it finishes.
 * A failed update leaves the previous code in place; an update while
 * another is in progress is refused with ResourceConflictException.
 */
class FakeFunction {
  packageType: PackageType = 'Image'
  architectures: Architecture[] = ['arm64']
  imageUri: string | undefined = `${REPOSITORY_URI}:previous`
  digest: string | undefined = PREVIOUS_DIGEST
  lastUpdateStatus: LastUpdateStatus = 'Successful'
  reason: string | undefined = undefined
  reasonCode: LastUpdateStatusReasonCode | undefined = undefined
  functionUrl: string | undefined = FUNCTION_URL
  /** GetFunction calls that still see an update InProgress. */
  pollsPerUpdate = 1
  /** Refusals (ResourceConflictException) before an update is accepted. */
  conflicts = 0
  /** Make the next accepted update fail inside Lambda. */
  nextUpdateFails: PendingUpdate['failure'] = undefined
  /** Another deploy replaces the next update with this digest. */
  nextUpdateLands: string | undefined = undefined
  private pending: PendingUpdate | undefined
  private pollsLeft = 0

  configuration(): FunctionConfiguration {
    const base = GET_FUNCTION_ARM64_IMAGE.Configuration
    return {
      ...base,
      PackageType: this.packageType,
      Architectures: this.architectures,
      State: 'Active',
      LastUpdateStatus: this.lastUpdateStatus,
      ...(this.reason !== undefined && { LastUpdateStatusReason: this.reason }),
      ...(this.reasonCode !== undefined && {
        LastUpdateStatusReasonCode: this.reasonCode
      }),
      CodeSha256: this.digest?.slice('sha256:'.length)
    }
  }

  /**
   * GetFunction: one observation of the function. An update in progress
   * finishes on the observation after the `pollsPerUpdate` that see it
   * InProgress, whoever makes them (the look-up or the wait's polls).
   */
  getFunction(): GetFunctionResponse {
    if (this.lastUpdateStatus === 'InProgress') {
      if (this.pollsLeft > 0) this.pollsLeft--
      else this.finishUpdate()
    }
    return {
      Configuration: this.configuration(),
      Code:
        this.packageType === 'Image'
          ? {
              RepositoryType: 'ECR',
              ImageUri: this.imageUri,
              ResolvedImageUri:
                this.digest === undefined
                  ? undefined
                  : `${REPOSITORY_URI}@${this.digest}`
            }
          : {
              RepositoryType: 'S3',
              Location: 'https://awslambda-tasks.example/zip'
            }
    }
  }

  startUpdate(imageUri: string): void {
    this.pending = {
      previousUri: this.imageUri,
      previousDigest: this.digest,
      failure: this.nextUpdateFails,
      lands: this.nextUpdateLands
    }
    this.nextUpdateFails = undefined
    this.nextUpdateLands = undefined
    this.imageUri = imageUri
    this.digest = digestOf(imageUri)
    this.lastUpdateStatus = 'InProgress'
    this.reason = undefined
    this.reasonCode = undefined
    this.pollsLeft = this.pollsPerUpdate
  }

  updateCode(imageUri: string): FunctionConfiguration {
    if (this.conflicts > 0 || this.lastUpdateStatus === 'InProgress') {
      this.conflicts = Math.max(0, this.conflicts - 1)
      throw new ResourceConflictException({
        message: `The operation cannot be performed at this time. An update is in progress for resource: ${FUNCTION_ARN}`,
        $metadata: { httpStatusCode: 409 }
      })
    }
    this.startUpdate(imageUri)
    return this.configuration()
  }

  private finishUpdate(): void {
    const pending = this.pending
    this.pending = undefined
    if (pending?.failure !== undefined) {
      this.imageUri = pending.previousUri
      this.digest = pending.previousDigest
      this.lastUpdateStatus = 'Failed'
      this.reason = pending.failure.reason
      this.reasonCode = pending.failure.code
      return
    }
    if (pending?.lands !== undefined) {
      this.imageUri = `${REPOSITORY_URI}@${pending.lands}`
      this.digest = pending.lands
    }
    this.lastUpdateStatus = 'Successful'
  }
}

/** ECR: images by digest, tags pointing at digests. */
class FakeRegistry {
  readonly images = new Map<string, StoredImage>()
  readonly tags = new Map<string, string>()

  push(tag: string, image: StoredImage): void {
    this.images.set(image.digest, image)
    this.tags.set(tag, image.digest)
  }

  blob(digest: string): string | Buffer | undefined {
    for (const image of this.images.values()) {
      if (image.config !== undefined && sha256Digest(image.config) === digest) {
        return image.config
      }
      const layer = image.layers?.find(l => layerDigest(l) === digest)
      if (layer !== undefined) return layer
    }
    return undefined
  }
}

interface Reply {
  status: number
  body: string
}

/** One thing the action did to the outside world, and the log group it was in. */
interface Event {
  what: string
  detail: string
  groups: string[]
}

interface World {
  deps: Dependencies
  fn: FakeFunction
  registry: FakeRegistry
  /** What `docker build` / `docker buildx build` pushes. */
  build: {
    image: StoredImage
    buildx: boolean
    /** Another run pushes this image under the same tag while we build. */
    racedBy?: StoredImage
  }
  /** Replies per URL; the last one repeats. A URL without replies does not resolve. */
  http: Map<string, Reply[]>
  events: Event[]
  exec: jest.Mock<Exec>
  execCalls: ExecCall[]
  timing: FakeTiming
  clientRegions: string[]
  /** `detail` of each event of this kind, in order. */
  calls: (what: string) => string[]
  argvOf: (...prefix: string[]) => string[] | undefined
}

function tagFrom(ref: string): string {
  return ref.slice(ref.lastIndexOf(':') + 1)
}

let runnerTemp: string

function world(inputs: Record<string, string> = {}): World {
  core.setInputs({ ...INPUTS, ...inputs })
  const events: Event[] = []
  const record = (what: string, detail: string): void => {
    events.push({ what, detail, groups: core.openGroups() })
  }
  const fn = new FakeFunction()
  const registry = new FakeRegistry()
  const build: World['build'] = { image: ARM64_IMAGE, buildx: true }
  const http = new Map<string, Reply[]>([
    [SMOKE_URL, [{ status: 200, body: 'Healthy' }]]
  ])

  const lambda = new LambdaClient({ region: REGION })
  mockClient(lambda)
    .on(GetFunctionCommand)
    .callsFake(async () => {
      const answer = fn.getFunction()
      // The detail: the LastUpdateStatus this observation saw.
      record('lambda:GetFunction', answer.Configuration?.LastUpdateStatus ?? '')
      return Promise.resolve(answer)
    })
    .on(UpdateFunctionCodeCommand)
    .callsFake(async (input: UpdateFunctionCodeCommandInput) => {
      record('lambda:UpdateFunctionCode', input.ImageUri ?? '')
      return Promise.resolve(fn.updateCode(input.ImageUri ?? ''))
    })
    .on(GetFunctionUrlConfigCommand)
    .callsFake(async (): Promise<GetFunctionUrlConfigResponse> => {
      record('lambda:GetFunctionUrlConfig', '')
      if (fn.functionUrl === undefined) {
        throw new ResourceNotFoundException({
          message: 'The resource you requested does not exist.',
          $metadata: { httpStatusCode: 404 }
        })
      }
      return Promise.resolve({
        FunctionUrl: fn.functionUrl,
        FunctionArn: FUNCTION_ARN,
        AuthType: 'NONE',
        CreationTime: '2024-03-01T12:00:00.000Z',
        LastModifiedTime: '2024-03-01T12:00:00.000Z'
      })
    })

  const ecr = new ECRClient({ region: REGION })
  mockClient(ecr)
    .on(DescribeRepositoriesCommand)
    .callsFake(async () => {
      record('ecr:DescribeRepositories', '')
      return Promise.resolve(DESCRIBE_REPOSITORIES_IMMUTABLE)
    })
    .on(DescribeImagesCommand)
    .callsFake(
      async (
        input: DescribeImagesCommandInput
      ): Promise<DescribeImagesResponse> => {
        const tag = input.imageIds?.[0]?.imageTag ?? ''
        record('ecr:DescribeImages', tag)
        const digest = registry.tags.get(tag)
        if (digest === undefined) {
          throw new ImageNotFoundException({
            message: `The image with imageId {imageDigest:'null', imageTag:'${tag}'} does not exist within the repository with name '${REPOSITORY_NAME}'`,
            $metadata: { httpStatusCode: 400 }
          })
        }
        return Promise.resolve({
          imageDetails: [
            {
              repositoryName: REPOSITORY_NAME,
              imageDigest: digest,
              imageTags: [tag]
            }
          ]
        })
      }
    )
    .on(GetAuthorizationTokenCommand)
    .callsFake(async () => {
      record('ecr:GetAuthorizationToken', '')
      return Promise.resolve(GET_AUTHORIZATION_TOKEN)
    })
    .on(BatchGetImageCommand)
    .callsFake(
      async (
        input: BatchGetImageCommandInput
      ): Promise<BatchGetImageResponse> => {
        const digest = input.imageIds?.[0]?.imageDigest ?? ''
        record('ecr:BatchGetImage', digest)
        const image = registry.images.get(digest)
        return Promise.resolve(
          image === undefined
            ? {
                images: [],
                failures: [
                  {
                    imageId: { imageDigest: digest },
                    failureCode: 'ImageNotFound',
                    failureReason: 'Requested image not found'
                  }
                ]
              }
            : {
                images: [
                  {
                    repositoryName: REPOSITORY_NAME,
                    imageId: { imageDigest: digest },
                    imageManifest: image.manifest,
                    imageManifestMediaType: image.mediaType
                  }
                ],
                failures: []
              }
        )
      }
    )

  const apigateway = new ApiGatewayV2Client({ region: REGION })
  mockClient(apigateway)
    .on(GetApisCommand)
    .callsFake(async () => {
      record('apigateway:GetApis', '')
      return Promise.resolve({ Items: [] })
    })

  const script: ScriptEntry[] = [
    [['docker', 'login'], { stdout: 'Login Succeeded\n' }],
    [
      ['docker', 'buildx', 'version'],
      () =>
        build.buildx
          ? { stdout: 'github.com/docker/buildx v0.19.3 48d6a39\n' }
          : {
              exitCode: 1,
              stderr:
                "docker: 'buildx' is not a docker command.\nSee 'docker --help'\n"
            }
    ],
    [
      ['docker', 'buildx', 'inspect'],
      { stdout: 'Name:          default\nDriver:        docker\n' }
    ],
    [
      ['docker', 'buildx', 'create'],
      call => ({ stdout: `${call.args[3] ?? ''}\n` })
    ],
    [
      ['docker', 'buildx', 'build'],
      async call => {
        const ref = call.args[call.args.indexOf('--tag') + 1] ?? ''
        const metadataFile =
          call.args[call.args.indexOf('--metadata-file') + 1] ?? ''
        if (build.racedBy !== undefined) {
          registry.push(tagFrom(ref), build.racedBy)
          return {
            exitCode: 1,
            stderr: `ERROR: failed to push ${ref}: tag invalid: The image tag '${tagFrom(ref)}' already exists in the '${REPOSITORY_NAME}' repository and cannot be overwritten because the repository is immutable.\n`
          }
        }
        registry.push(tagFrom(ref), build.image)
        await fs.writeFile(
          metadataFile,
          JSON.stringify({
            'containerimage.digest': build.image.digest,
            'image.name': ref
          })
        )
        return {}
      }
    ],
    [['docker', 'build'], {}],
    [
      ['docker', 'image', 'inspect'],
      () => ({ stdout: `${build.image.platform}\n` })
    ],
    [
      ['docker', 'push'],
      call => {
        const ref = call.args[1] ?? ''
        registry.push(tagFrom(ref), build.image)
        return {
          stdout: `The push refers to repository [${REPOSITORY_URI}]\n${tagFrom(ref)}: digest: ${build.image.digest} size: 1573\n`
        }
      }
    ]
  ]
  const fake = fakeExec(script)
  const exec = jest.fn<Exec>((command, args, options) => {
    record('exec', [command, ...args].join(' '))
    return fake.exec(command, args, options)
  })

  const fetchImpl: Fetch = async (input, init) => {
    const url =
      typeof input === 'string'
        ? input
        : input instanceof URL
          ? input.href
          : input.url
    record('fetch', url)
    const blobs = `https://${REGISTRY}/v2/${REPOSITORY_NAME}/blobs/`
    if (url.startsWith(blobs)) {
      if (new Headers(init?.headers).get('authorization') !== BASIC_AUTH) {
        return new Response('{"errors":[{"code":"DENIED"}]}', { status: 401 })
      }
      const blob = registry.blob(url.slice(blobs.length))
      return blob === undefined
        ? new Response('{"errors":[{"code":"BLOB_UNKNOWN"}]}', { status: 404 })
        : new Response(blob, { status: 200 })
    }
    const replies = http.get(url)
    const reply =
      replies !== undefined && replies.length > 1
        ? replies.shift()
        : replies?.[0]
    if (reply === undefined) throw new TypeError('fetch failed')
    return Promise.resolve(new Response(reply.body, { status: reply.status }))
  }

  const timing = fakeTiming({ start: Date.UTC(2024, 2, 2, 9, 30) })
  const clientRegions: string[] = []
  const deps: Dependencies = {
    clients: region => {
      clientRegions.push(region)
      return { lambda, ecr, apigateway }
    },
    exec,
    timing: timing.timing,
    fetch: fetchImpl,
    env: { RUNNER_TEMP: runnerTemp, GITHUB_SHA: 'f'.repeat(40) },
    readInput: name => core.getInput(name)
  }
  return {
    deps,
    fn,
    registry,
    build,
    http,
    events,
    exec,
    execCalls: fake.calls,
    timing,
    clientRegions,
    calls: what =>
      events.filter(event => event.what === what).map(event => event.detail),
    argvOf: (...prefix) =>
      fake.argvs().find(argv => prefix.every((part, i) => argv[i] === part))
  }
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
      w.fn.architectures = [architecture]
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
      expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
        `${REPOSITORY_URI}@${image.digest}`
      ])
      expect(w.fn.digest).toBe(image.digest)
      expect(w.fn.lastUpdateStatus).toBe('Successful')
      expect(w.calls('fetch')).toContain(SMOKE_URL)
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
        w.events.filter(e => e.what === what).map(e => e.groups.join(' > '))
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
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${ARM64_IMAGE.digest}`
    ])
    expect(core.writtenSummaries()[0]).toContain('docker build')
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
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
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
    w.fn.digest = ARM64_IMAGE.digest

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([])
    expect(core.outputs().updated).toBe('false')
    expect(core.outputs()['smoke-status']).toBe('200')
    expect(w.calls('fetch')).toContain(SMOKE_URL)
    // Nothing changed, so there is nothing to undo.
    expect(core.writtenSummaries()[0]).not.toContain('To undo this deploy')
  })
})

describe('two runs of the same commit at once', () => {
  it('deploys the image the other run pushed when our push finds the tag taken', async () => {
    const w = world()
    const theirs = singleImage('arm64', 'pushed by the other run')
    w.build.racedBy = theirs

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(core.warnings().join('\n')).toMatch(
      /now exists in ECR as sha256:[a-f0-9]{64}, pushed by another run/
    )
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
      `${REPOSITORY_URI}@${theirs.digest}`
    ])
    expect(core.outputs()['reused-image']).toBe('true')
  })

  it('still fails a build that failed for another reason', async () => {
    const w = world()
    w.build.buildx = false
    w.build.image = AMD64_IMAGE

    await run(w.deps)

    expect(core.failures().join('\n')).toMatch(/linux\/amd64, not linux\/arm64/)
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([])
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
    w.fn.digest = undefined

    await run(w.deps)

    expect(core.failures()).toHaveLength(1)
    expect(core.failures()[0]).toMatch(/package type Zip/)
    expect(w.execCalls).toEqual([])
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([])
  })

  it('refuses an architecture input that contradicts the function, before building', async () => {
    const w = world({ architecture: 'x86_64' })

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /architecture is "x86_64" but function my-api is configured for arm64/
    )
    expect(w.execCalls).toEqual([])
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([])
  })
})

describe('refusals before the function is touched', () => {
  it('refuses an image index (buildx attestations) before UpdateFunctionCode', async () => {
    const w = world()
    w.build.image = INDEX_IMAGE

    await run(w.deps)

    expect(core.failures()[0]).toMatch(/image index/)
    expect(w.calls('ecr:BatchGetImage')).toEqual([OCI_INDEX_DIGEST])
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([])
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
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([])
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
    const lambdaCalls = w.events.filter(e => e.what.startsWith('lambda:'))
    const firstUpdate = lambdaCalls.findIndex(
      e => e.what === 'lambda:UpdateFunctionCode'
    )
    // Each GetFunction is one look at the other update: the look-up saw it
    // InProgress, the wait polled until it had finished (two more InProgress,
    // then Successful), and only then came UpdateFunctionCode. The wait's
    // last answer is the function it updates: no further read.
    expect(
      lambdaCalls
        .slice(0, firstUpdate)
        .filter(e => e.what === 'lambda:GetFunction')
        .map(e => e.detail)
    ).toEqual(['InProgress', 'InProgress', 'InProgress', 'Successful'])
    // It waited long enough: the first UpdateFunctionCode was accepted.
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
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
    expect(w.calls('lambda:UpdateFunctionCode')).toHaveLength(1)
    expect(w.calls('fetch')).not.toContain(SMOKE_URL)
  })

  it('retries UpdateFunctionCode through ResourceConflictException', async () => {
    const w = world()
    w.fn.conflicts = 2

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
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
    expect(w.calls('fetch')).not.toContain(SMOKE_URL)
    expect(w.calls('lambda:UpdateFunctionCode')).toHaveLength(1)
  })
})

describe('the smoke test', () => {
  it('rolls back to the previous image when the discovered Function URL answers wrongly', async () => {
    const w = world()
    w.http.set(SMOKE_URL, [
      { status: 200, body: 'Degraded: database unreachable' }
    ])

    await run(w.deps)

    expect(w.calls('lambda:GetFunctionUrlConfig')).toHaveLength(1)
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
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
    w.http.set(SMOKE_URL, [{ status: 500, body: '' }])

    await run(w.deps)

    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
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
    w.http.set(SMOKE_URL, [{ status: 502, body: 'Internal Server Error' }])

    await run(w.deps)

    expect(w.calls('lambda:UpdateFunctionCode')).toHaveLength(1)
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
    w.fn.digest = ARM64_IMAGE.digest
    w.http.set(SMOKE_URL, [{ status: 500, body: '' }])

    await run(w.deps)

    expect(core.failures()[0]).toMatch(/Smoke test failed/)
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([])
    expect(w.fn.digest).toBe(ARM64_IMAGE.digest)
  })

  it('keeps trying through a cold start until the app answers', async () => {
    const w = world()
    w.http.set(SMOKE_URL, [
      { status: 503, body: 'Service Unavailable' },
      { status: 503, body: 'Service Unavailable' },
      { status: 200, body: 'Healthy' }
    ])

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('fetch').filter(url => url === SMOKE_URL)).toHaveLength(3)
    expect(w.calls('lambda:UpdateFunctionCode')).toHaveLength(1)
  })

  it('uses smoke-url when given instead of looking for one', async () => {
    const w = world({
      'smoke-url': 'https://api.example.com/prod',
      'smoke-path': '/ping'
    })
    w.http.set('https://api.example.com/prod/ping', [
      { status: 200, body: 'Healthy' }
    ])

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('lambda:GetFunctionUrlConfig')).toEqual([])
    expect(core.outputs()['smoke-url']).toBe(
      'https://api.example.com/prod/ping'
    )
  })

  it('is skipped with a warning when no URL can be found', async () => {
    const w = world()
    w.fn.functionUrl = undefined

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('apigateway:GetApis')).toHaveLength(1)
    expect(core.warnings().join('\n')).toMatch(/Smoke test skipped/)
    expect(w.calls('fetch').filter(url => !url.includes('/v2/'))).toEqual([])
    expect(core.outputs()).toMatchObject({
      'smoke-status': 'skipped',
      'smoke-url': ''
    })
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
  const WRONG_EXTENSION = singleImage('arm64', 'v2', 'amd64')
  const RIGHT_EXTENSION = singleImage('arm64', 'v2', 'arm64')

  it('strict: a wrong-CPU extension stops the deploy before UpdateFunctionCode', async () => {
    const w = world()
    w.build.image = WRONG_EXTENSION

    await run(w.deps)

    expect(core.failures()).toHaveLength(1)
    expect(core.failures()[0]).toMatch(
      /Preflight \(image\) stopped the deploy[\s\S]*\/opt\/extensions\/telemetry is a 64-bit x86-64 ELF binary but the function runs on arm64 \(AArch64\)/
    )
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([])
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
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
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

  it('off: no layer is read and nothing is checked', async () => {
    const w = world({ preflight: 'off' })
    w.build.image = WRONG_EXTENSION

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const layerDigests = (WRONG_EXTENSION.layers ?? []).map(layerDigest)
    expect(
      w.calls('fetch').filter(url => layerDigests.some(d => url.endsWith(d)))
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
    expect(w.calls('exec')).toEqual([])
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([])
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
    expect(w.calls('fetch')).toContain(SMOKE_URL)
    // Preflight and the smoke test both need the Function URL.
    expect(w.calls('lambda:GetFunctionUrlConfig')).toHaveLength(1)
  })

  it('event-source overrides discovery: rest-api with the RestApi app deploys without asking AWS', async () => {
    const w = world({
      context: APP_SOURCE('rest-api'),
      'event-source': 'rest-api',
      'smoke-test': 'false'
    })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('lambda:GetFunctionUrlConfig')).toEqual([])
    expect(w.calls('apigateway:GetApis')).toEqual([])
    expect(w.fn.digest).toBe(ARM64_IMAGE.digest)
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
    w.fn.digest = ARM64_IMAGE.digest

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const layers = (ARM64_IMAGE.layers ?? []).map(layerDigest)
    expect(
      w.calls('fetch').filter(url => layers.some(d => url.endsWith(d)))
    ).toEqual([])
    expect(core.infos().join('\n')).toContain(
      'Preflight: image skipped: the function already runs this image.'
    )
  })
})
