/**
 * A small simulated AWS for release tests of the whole action (publish,
 * aliases, pre-traffic Invoke, canary, rollback, several functions, logs):
 *
 * - Lambda: functions with $LATEST (an image by digest whose update moves
 *   InProgress → Successful, or Failed), published versions (PublishVersion
 *   records $LATEST's digest and refuses a CodeSha256 that no longer matches,
 *   as AWS does), aliases with weights, description and RevisionId, Invoke of
 *   a version or alias answered by the "app" of that version's image, and
 *   Function URLs;
 * - ECR: images already pushed, by tag and digest, with push dates;
 * - the registry API (config blobs) and the smoke URLs, through fetch;
 * - CloudWatch Logs: FilterLogEvents over the function's log group.
 *
 * Nothing is built: deploys use an image already in ECR, and `exec` throws.
 * Every call is recorded in order in `events`; `before[call]` runs first and
 * may throw to inject a failure.
 */
import {
  ApiGatewayV2Client,
  GetApisCommand,
  GetIntegrationsCommand,
  GetStagesCommand,
  type Api,
  type Integration
} from '@aws-sdk/client-apigatewayv2'
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
  type FilteredLogEvent
} from '@aws-sdk/client-cloudwatch-logs'
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  type BatchGetImageCommandInput,
  type DescribeImagesCommandInput,
  type ImageDetail
} from '@aws-sdk/client-ecr'
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  InvalidParameterValueException,
  InvokeCommand,
  LambdaClient,
  PreconditionFailedException,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  type AliasConfiguration,
  type Architecture,
  type CreateAliasCommandInput,
  type FunctionConfiguration,
  type GetAliasCommandInput,
  type GetFunctionResponse,
  type InvokeCommandInput,
  type InvokeCommandOutput,
  type LastUpdateStatus,
  type LastUpdateStatusReasonCode,
  type PublishVersionCommandInput,
  type UpdateAliasCommandInput,
  type UpdateFunctionCodeCommandInput
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import {
  ACCOUNT,
  DESCRIBE_REPOSITORIES_IMMUTABLE,
  GET_AUTHORIZATION_TOKEN,
  GET_FUNCTION_X86_64_IMAGE,
  PREVIOUS_DIGEST,
  REGION,
  REGISTRY,
  REGISTRY_PASSWORD,
  REPOSITORY_NAME,
  REPOSITORY_URI,
  imageConfigBlob,
  sha256Digest
} from './aws.js'
import { fakeExec } from './exec.js'
import { fakeTiming, type FakeTiming } from './timing.js'
import type { Dependencies } from '../src/stages/context.js'

// diagnostics.ts makes its own logs client: mock the class.
const logsMock = mockClient(CloudWatchLogsClient)

/** When the run starts (fakeTiming's clock): logs are read from here on. */
export const START = Date.UTC(2024, 2, 2, 9, 30)

export const functionArn = (name: string): string =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`
export const uriOf = (digest: string): string => `${REPOSITORY_URI}@${digest}`
export const digestOf = (uri: string | undefined): string | undefined =>
  /@(sha256:[a-f0-9]{64})$/.exec(uri ?? '')?.[1]
export const hexOf = (digest: string): string => digest.replace(/^sha256:/, '')
export const PREVIOUS_URI = uriOf(PREVIOUS_DIGEST)
export const functionUrlOf = (name: string): string =>
  `https://${name}.lambda-url.${REGION}.on.aws/`

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json'

/** An image as ECR stores it: a single-platform manifest and its config blob. */
export interface StoredImage {
  digest: string
  manifest: string
  config: string
}

export function storedImage(
  architecture: 'amd64' | 'arm64',
  revision: string
): StoredImage {
  const config = imageConfigBlob(architecture)
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_V2,
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: config.length,
      digest: sha256Digest(config)
    },
    layers: [
      {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: 31_457_280,
        digest: sha256Digest(`${architecture} app layer ${revision}`)
      }
    ]
  })
  return { digest: sha256Digest(manifest), manifest, config }
}

/** What the app of one image answers a request: an HTTP answer, or a crash. */
export type Answer =
  { status: number; body: string } | { errorType: string; errorMessage: string }

export const HEALTHY: Answer = { status: 200, body: 'Healthy' }
/** The only route the fake app serves (the tests' smoke-path). */
export const HEALTH_PATH = '/health'

interface FakeAlias {
  version: string
  weights: Record<string, number>
  description: string | undefined
  revisionId: string
}

const notFound = (message: string): ResourceNotFoundException =>
  new ResourceNotFoundException({ message, $metadata: { httpStatusCode: 404 } })

/**
 * One Lambda function: $LATEST, its published versions and its aliases.
 * UpdateFunctionCode reports the new image at once with LastUpdateStatus
 * InProgress; each GetFunction of $LATEST is one observation of it: the next
 * `pollsPerUpdate` still see it, then it lands (or fails, leaving the
 * previous image, with `nextUpdateFails`).
 */
export class FakeFunction {
  readonly arn: string
  architecture: Architecture = 'x86_64'
  imageUri: string = PREVIOUS_URI
  status: LastUpdateStatus = 'Successful'
  reason: string | undefined
  reasonCode: LastUpdateStatusReasonCode | undefined
  pollsPerUpdate = 1
  nextUpdateFails:
    { code: LastUpdateStatusReasonCode; reason: string } | undefined
  /** Published versions: number → image URI. */
  readonly versions = new Map<string, string>()
  /** Versions that will not become Active (State Failed), and why. */
  readonly failedVersions = new Map<
    string,
    { code: LastUpdateStatusReasonCode; reason: string }
  >()
  readonly aliases = new Map<string, FakeAlias>()
  /** The Function URL, unqualified or on an alias; undefined: none. */
  url: { qualifier: string | undefined } | undefined = { qualifier: undefined }
  private pending:
    | {
        previousUri: string
        failure: FakeFunction['nextUpdateFails']
      }
    | undefined
  private pollsLeft = 0
  private lastVersion = 0
  private revisions = 0

  constructor(readonly name: string) {
    this.arn = functionArn(name)
  }

  get digest(): string | undefined {
    return digestOf(this.imageUri)
  }

  /** Publish what $LATEST runs now (test set-up); returns the version. */
  publish(): string {
    const newest = this.versions.get(String(this.lastVersion))
    if (newest === this.imageUri) return String(this.lastVersion)
    const version = String(++this.lastVersion)
    this.versions.set(version, this.imageUri)
    return version
  }

  /** Point `name` at `version` (test set-up). */
  setAlias(name: string, version: string, description?: string): void {
    this.aliases.set(name, {
      version,
      weights: {},
      description,
      revisionId: this.nextRevision()
    })
  }

  /** Someone else's deploy of $LATEST, already finished. */
  deployedBySomeoneElse(imageUri: string): void {
    this.imageUri = imageUri
    this.status = 'Successful'
    this.pending = undefined
  }

  /** The image a qualifier serves: a version, an alias's primary version or $LATEST. */
  imageOf(qualifier: string | undefined): string | undefined {
    if (qualifier === undefined || qualifier === '$LATEST') return this.imageUri
    const version = this.aliases.get(qualifier)?.version ?? qualifier
    return version === '$LATEST' ? this.imageUri : this.versions.get(version)
  }

  configuration(qualifier?: string): FunctionConfiguration {
    const versioned = qualifier !== undefined && qualifier !== '$LATEST'
    const uri = this.imageOf(qualifier)
    if (uri === undefined)
      throw notFound(`Function not found: ${this.arn}:${qualifier ?? ''}`)
    return {
      ...GET_FUNCTION_X86_64_IMAGE.Configuration,
      FunctionName: this.name,
      FunctionArn: versioned ? `${this.arn}:${qualifier}` : this.arn,
      Version: versioned ? qualifier : '$LATEST',
      Architectures: [this.architecture],
      CodeSha256: hexOf(digestOf(uri) ?? ''),
      ...this.versionState(versioned ? qualifier : undefined),
      LastUpdateStatus: versioned ? 'Successful' : this.status,
      ...(!versioned &&
        this.reason !== undefined && { LastUpdateStatusReason: this.reason }),
      ...(!versioned &&
        this.reasonCode !== undefined && {
          LastUpdateStatusReasonCode: this.reasonCode
        })
    }
  }

  /** GetFunction: one observation, which may see an update of $LATEST end. */
  getFunction(qualifier?: string): GetFunctionResponse {
    if (qualifier === undefined && this.status === 'InProgress') {
      if (this.pollsLeft > 0) this.pollsLeft--
      else this.finishUpdate()
    }
    const configuration = this.configuration(qualifier)
    const uri = this.imageOf(qualifier) ?? ''
    return {
      Configuration: configuration,
      Code: { RepositoryType: 'ECR', ImageUri: uri, ResolvedImageUri: uri }
    }
  }

  updateCode(imageUri: string): FunctionConfiguration {
    if (this.status === 'InProgress') throw this.conflict()
    this.pending = { previousUri: this.imageUri, failure: this.nextUpdateFails }
    this.nextUpdateFails = undefined
    this.imageUri = imageUri
    this.status = 'InProgress'
    this.reason = undefined
    this.reasonCode = undefined
    this.pollsLeft = this.pollsPerUpdate
    return this.configuration()
  }

  publishVersion(input: PublishVersionCommandInput): FunctionConfiguration {
    if (this.status === 'InProgress') throw this.conflict()
    const current = hexOf(this.digest ?? '')
    if (input.CodeSha256 !== undefined && input.CodeSha256 !== current) {
      throw new InvalidParameterValueException({
        message: `CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${current}). Please try again with the current CodeSHA256.`,
        $metadata: { httpStatusCode: 400 }
      })
    }
    return this.configuration(this.publish())
  }

  alias(name: string): AliasConfiguration {
    const alias = this.aliases.get(name)
    if (alias === undefined)
      throw notFound(`Alias not found: ${this.arn}:${name}`)
    return {
      AliasArn: `${this.arn}:${name}`,
      Name: name,
      FunctionVersion: alias.version,
      ...(alias.description !== undefined && {
        Description: alias.description
      }),
      ...(Object.keys(alias.weights).length > 0 && {
        RoutingConfig: { AdditionalVersionWeights: { ...alias.weights } }
      }),
      RevisionId: alias.revisionId
    }
  }

  createAlias(input: CreateAliasCommandInput): AliasConfiguration {
    const name = input.Name ?? ''
    if (this.aliases.has(name)) {
      throw new ResourceConflictException({
        message: `Alias already exists: ${this.arn}:${name}`,
        $metadata: { httpStatusCode: 409 }
      })
    }
    this.checkVersion(input.FunctionVersion)
    this.aliases.set(name, {
      version: input.FunctionVersion ?? '',
      weights: { ...input.RoutingConfig?.AdditionalVersionWeights },
      description: input.Description,
      revisionId: this.nextRevision()
    })
    return this.alias(name)
  }

  updateAlias(input: UpdateAliasCommandInput): AliasConfiguration {
    const name = input.Name ?? ''
    const alias = this.aliases.get(name)
    if (alias === undefined)
      throw notFound(`Alias not found: ${this.arn}:${name}`)
    if (
      input.RevisionId !== undefined &&
      input.RevisionId !== alias.revisionId
    ) {
      throw new PreconditionFailedException({
        message:
          'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id',
        $metadata: { httpStatusCode: 412 }
      })
    }
    const weights = input.RoutingConfig?.AdditionalVersionWeights
    for (const version of [
      input.FunctionVersion,
      ...Object.keys(weights ?? {})
    ])
      this.checkVersion(version)
    if (input.FunctionVersion !== undefined)
      alias.version = input.FunctionVersion
    if (input.Description !== undefined) alias.description = input.Description
    if (weights !== undefined) alias.weights = { ...weights }
    alias.revisionId = this.nextRevision()
    return this.alias(name)
  }

  private versionState(
    version: string | undefined
  ): Pick<FunctionConfiguration, 'State' | 'StateReason' | 'StateReasonCode'> {
    const failed = this.failedVersions.get(version ?? '')
    return failed === undefined
      ? { State: 'Active' }
      : {
          State: 'Failed',
          StateReason: failed.reason,
          StateReasonCode: failed.code
        }
  }

  private checkVersion(version: string | undefined): void {
    if (version === undefined || version === '$LATEST') return
    if (!this.versions.has(version))
      throw notFound(`Function not found: ${this.arn}:${version}`)
  }

  private nextRevision(): string {
    return `revision-${this.name}-${++this.revisions}`
  }

  private conflict(): ResourceConflictException {
    return new ResourceConflictException({
      message: `The operation cannot be performed at this time. An update is in progress for resource: ${this.arn}`,
      $metadata: { httpStatusCode: 409 }
    })
  }

  private finishUpdate(): void {
    const failure = this.pending?.failure
    if (failure !== undefined && this.pending !== undefined) {
      this.imageUri = this.pending.previousUri
      this.status = 'Failed'
      this.reason = failure.reason
      this.reasonCode = failure.code
    } else {
      this.status = 'Successful'
    }
    this.pending = undefined
  }
}

/** ECR: pushed images by digest, and tags with when they were pushed. */
export class FakeRegistry {
  readonly images = new Map<string, StoredImage>()
  readonly tags = new Map<string, { digest: string; pushedAt: Date }>()

  push(tag: string, image: StoredImage, pushedAt = new Date(START)): void {
    this.images.set(image.digest, image)
    this.tags.set(tag, { digest: image.digest, pushedAt })
  }

  details(): ImageDetail[] {
    return [...this.tags].map(([tag, { digest, pushedAt }]) => ({
      repositoryName: REPOSITORY_NAME,
      imageDigest: digest,
      imageTags: [tag],
      imagePushedAt: pushedAt
    }))
  }
}

/** One call the action made, and what it sent. */
export interface Event {
  call: string
  input: Record<string, unknown>
}

export interface Reply {
  status: number
  body: string
}

export interface World {
  deps: Dependencies
  /** The first function of function-name. */
  fn: FakeFunction
  functions: Map<string, FakeFunction>
  registry: FakeRegistry
  /** What each image's app answers, in turn (the last repeats); default HEALTHY. */
  answers: Map<string, Answer[]>
  /** Smoke replies by URL, in turn, instead of asking the app. */
  smokeReplies: Map<string, Reply[]>
  /** HTTP APIs (API Gateway v2) and their integrations. */
  apis: { api: Api; integrations: Integration[] }[]
  /** Log events by log group. */
  logs: Map<string, FilteredLogEvent[]>
  /** Runs before the fake answers `call`; throw to make the call fail. */
  before: Record<string, (input: Record<string, unknown>) => void>
  events: Event[]
  timing: FakeTiming
  /** The inputs of every call of this kind, in order. */
  calls: <T = Record<string, unknown>>(call: string) => T[]
  /** The recorded calls, names only, keeping those listed. */
  order: (...calls: string[]) => string[]
  /** The payload of each Invoke, parsed. */
  invokedEvents: () => Record<string, unknown>[]
}

/** The action's inputs as the runner passes them, for these tests. */
export const RELEASE_INPUTS: Record<string, string> = {
  'function-name': 'my-api',
  repository: REPOSITORY_NAME,
  tag: 'v2',
  'aws-region': REGION,
  preflight: 'off',
  'wait-timeout': '5m',
  'smoke-test': 'true',
  'smoke-path': HEALTH_PATH,
  'smoke-expect-status': '200',
  'smoke-expect-body': 'Healthy',
  'smoke-timeout': '30s',
  'rollback-on-failure': 'true'
}

function lambdaTarget(
  functions: Map<string, FakeFunction>,
  functionName: string | undefined,
  qualifier?: string
): { fn: FakeFunction; qualifier: string | undefined } {
  const name = functionName ?? ''
  const bare = name.replace(/^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:/, '')
  const [fnName = '', fromName] = bare.split(':')
  const fn = functions.get(fnName)
  if (fn === undefined)
    throw notFound(`Function not found: ${functionArn(fnName)}`)
  return { fn, qualifier: qualifier ?? fromName }
}

/** The request path in an HTTP API, REST API or ALB event. */
function pathOf(event: Record<string, unknown>): string | undefined {
  const path = event.rawPath ?? event.path
  return typeof path === 'string' ? path : undefined
}

/**
 * A world with the functions of function-name (one per line), each running
 * PREVIOUS_URI on $LATEST; `inputs` override RELEASE_INPUTS.
 */
export function releaseWorld(inputs: Record<string, string> = {}): World {
  const all = { ...RELEASE_INPUTS, ...inputs }
  const names = (all['function-name'] ?? '')
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '')
  const functions = new Map(names.map(name => [name, new FakeFunction(name)]))
  const fn = functions.get(names[0] ?? '') as FakeFunction
  const registry = new FakeRegistry()
  const answers = new Map<string, Answer[]>()
  const smokeReplies = new Map<string, Reply[]>()
  const apis: World['apis'] = []
  const logs = new Map<string, FilteredLogEvent[]>()
  const before: World['before'] = {}
  const events: Event[] = []

  const record = (call: string, input: object): void => {
    const entry = { call, input: { ...input } as Record<string, unknown> }
    events.push(entry)
    before[call]?.(entry.input)
  }
  /** A handler that records the call and answers (or rejects) like the SDK. */
  const handle =
    <I extends object, O>(call: string, answer: (input: I) => O) =>
    (input: I): Promise<O> => {
      try {
        record(call, input)
        return Promise.resolve(answer(input))
      } catch (error) {
        return Promise.reject(
          error instanceof Error ? error : new Error(String(error))
        )
      }
    }
  const next = <T>(list: T[] | undefined, fallback: T): T =>
    (list !== undefined && list.length > 1 ? list.shift() : list?.[0]) ??
    fallback
  const app = (digest: string | undefined, path: string | undefined): Answer =>
    path !== HEALTH_PATH
      ? { status: 404, body: '' }
      : next(answers.get(digest ?? ''), HEALTHY)

  const lambda = new LambdaClient({ region: REGION })
  const target = (name: string | undefined, qualifier?: string) =>
    lambdaTarget(functions, name, qualifier)
  mockClient(lambda)
    .on(GetFunctionCommand)
    .callsFake(
      handle('lambda:GetFunction', (input: { FunctionName?: string }) => {
        const { fn: f, qualifier } = target(input.FunctionName)
        return f.getFunction(qualifier)
      })
    )
    .on(UpdateFunctionCodeCommand)
    .callsFake(
      handle(
        'lambda:UpdateFunctionCode',
        (input: UpdateFunctionCodeCommandInput) =>
          target(input.FunctionName).fn.updateCode(input.ImageUri ?? '')
      )
    )
    .on(PublishVersionCommand)
    .callsFake(
      handle('lambda:PublishVersion', (input: PublishVersionCommandInput) =>
        target(input.FunctionName).fn.publishVersion(input)
      )
    )
    .on(GetAliasCommand)
    .callsFake(
      handle('lambda:GetAlias', (input: GetAliasCommandInput) =>
        target(input.FunctionName).fn.alias(input.Name ?? '')
      )
    )
    .on(CreateAliasCommand)
    .callsFake(
      handle('lambda:CreateAlias', (input: CreateAliasCommandInput) =>
        target(input.FunctionName).fn.createAlias(input)
      )
    )
    .on(UpdateAliasCommand)
    .callsFake(
      handle('lambda:UpdateAlias', (input: UpdateAliasCommandInput) =>
        target(input.FunctionName).fn.updateAlias(input)
      )
    )
    .on(InvokeCommand)
    .callsFake(
      handle('lambda:Invoke', (input: InvokeCommandInput) => {
        const { fn: f, qualifier } = target(input.FunctionName, input.Qualifier)
        const uri = f.imageOf(qualifier)
        if (uri === undefined)
          throw notFound(`Function not found: ${f.arn}:${qualifier ?? ''}`)
        const event = JSON.parse(
          Buffer.from(input.Payload as Uint8Array).toString('utf8')
        ) as Record<string, unknown>
        const answer = app(digestOf(uri), pathOf(event))
        const executed =
          f.aliases.get(qualifier ?? '')?.version ?? qualifier ?? '$LATEST'
        const payload = (value: unknown) =>
          Buffer.from(JSON.stringify(value)) as unknown as NonNullable<
            InvokeCommandOutput['Payload']
          >
        return 'errorType' in answer
          ? {
              StatusCode: 200,
              ExecutedVersion: executed,
              FunctionError: 'Unhandled',
              Payload: payload(answer)
            }
          : {
              StatusCode: 200,
              ExecutedVersion: executed,
              Payload: payload({
                statusCode: answer.status,
                headers: { 'content-type': 'text/plain; charset=utf-8' },
                body: answer.body,
                isBase64Encoded: false
              })
            }
      })
    )
    .on(GetFunctionUrlConfigCommand)
    .callsFake(
      handle(
        'lambda:GetFunctionUrlConfig',
        (input: { FunctionName?: string; Qualifier?: string }) => {
          const { fn: f } = target(input.FunctionName)
          if (f.url === undefined || f.url.qualifier !== input.Qualifier)
            throw notFound('The resource you requested does not exist.')
          return {
            FunctionUrl: functionUrlOf(f.name),
            FunctionArn: f.arn,
            AuthType: 'NONE',
            CreationTime: '2024-03-01T12:00:00.000Z',
            LastModifiedTime: '2024-03-01T12:00:00.000Z'
          }
        }
      )
    )

  const ecr = new ECRClient({ region: REGION })
  mockClient(ecr)
    .on(DescribeRepositoriesCommand)
    .callsFake(
      handle('ecr:DescribeRepositories', () => DESCRIBE_REPOSITORIES_IMMUTABLE)
    )
    .on(DescribeImagesCommand)
    .callsFake(
      handle('ecr:DescribeImages', (input: DescribeImagesCommandInput) => {
        const id = input.imageIds?.[0]
        if (id === undefined) {
          // A listing, five images a page.
          const start = Number(input.nextToken ?? '0')
          const page = registry.details().slice(start, start + 5)
          const more = start + 5 < registry.tags.size
          return {
            imageDetails: page,
            ...(more && { nextToken: String(start + 5) })
          }
        }
        const found = registry
          .details()
          .find(d =>
            id.imageTag !== undefined
              ? d.imageTags?.includes(id.imageTag)
              : d.imageDigest === id.imageDigest
          )
        if (found === undefined)
          throw new ImageNotFoundException({
            message: `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${REPOSITORY_NAME}' in the registry with id '${ACCOUNT}'`,
            $metadata: { httpStatusCode: 400 }
          })
        return { imageDetails: [found] }
      })
    )
    .on(BatchGetImageCommand)
    .callsFake(
      handle('ecr:BatchGetImage', (input: BatchGetImageCommandInput) => {
        const digest = input.imageIds?.[0]?.imageDigest ?? ''
        const image = registry.images.get(digest)
        return image === undefined
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
                  imageManifestMediaType: DOCKER_V2
                }
              ],
              failures: []
            }
      })
    )
    .on(GetAuthorizationTokenCommand)
    .callsFake(
      handle('ecr:GetAuthorizationToken', () => GET_AUTHORIZATION_TOKEN)
    )

  const apigateway = new ApiGatewayV2Client({ region: REGION })
  mockClient(apigateway)
    .on(GetApisCommand)
    .callsFake(
      handle('apigateway:GetApis', () => ({ Items: apis.map(a => a.api) }))
    )
    .on(GetIntegrationsCommand)
    .callsFake(
      handle('apigateway:GetIntegrations', (input: { ApiId?: string }) => ({
        Items: apis.find(a => a.api.ApiId === input.ApiId)?.integrations ?? []
      }))
    )
    .on(GetStagesCommand)
    .callsFake(
      handle('apigateway:GetStages', () => ({
        Items: [{ StageName: '$default' }]
      }))
    )

  logsMock.reset()
  logsMock.on(FilterLogEventsCommand).callsFake(
    handle('logs:FilterLogEvents', (input: FilterLogEventsCommandInput) => ({
      events: (logs.get(input.logGroupName ?? '') ?? []).filter(
        event =>
          (event.timestamp ?? 0) >= (input.startTime ?? 0) &&
          (event.logStreamName ?? '').startsWith(
            input.logStreamNamePrefix ?? ''
          )
      )
    }))
  )

  const basic = `Basic ${Buffer.from(`AWS:${REGISTRY_PASSWORD}`).toString('base64')}`
  const blobs = `https://${REGISTRY}/v2/${REPOSITORY_NAME}/blobs/`
  const fetchImpl: Dependencies['fetch'] = (input, init) => {
    const url =
      typeof input === 'string'
        ? input
        : input instanceof URL
          ? input.href
          : input.url
    record('fetch', { url })
    if (url.startsWith(blobs)) {
      const config = [...registry.images.values()].find(
        image => sha256Digest(image.config) === url.slice(blobs.length)
      )?.config
      if (new Headers(init?.headers).get('authorization') !== basic)
        return Promise.resolve(new Response('', { status: 401 }))
      return Promise.resolve(
        config === undefined
          ? new Response('', { status: 404 })
          : new Response(config, { status: 200 })
      )
    }
    const scripted = smokeReplies.get(url)
    if (scripted !== undefined) {
      const reply = next(scripted, { status: 0, body: '' })
      return Promise.resolve(new Response(reply.body, { status: reply.status }))
    }
    const served = [...functions.values()].find(
      f => f.url !== undefined && url.startsWith(functionUrlOf(f.name))
    )
    if (served === undefined)
      return Promise.reject(new TypeError('fetch failed'))
    const answer = app(
      digestOf(served.imageOf(served.url?.qualifier)),
      new URL(url).pathname
    )
    return Promise.resolve(
      'errorType' in answer
        ? new Response('Internal Server Error', { status: 502 })
        : new Response(answer.body, { status: answer.status })
    )
  }

  const exec = fakeExec([])
  const timing = fakeTiming({ start: START })
  const deps: Dependencies = {
    clients: () => ({ lambda, ecr, apigateway }),
    exec: (command, args, options) => {
      record('exec', { argv: [command, ...args] })
      return exec.exec(command, args, options)
    },
    timing: timing.timing,
    fetch: fetchImpl,
    env: { GITHUB_SHA: 'f'.repeat(40) },
    readInput: name => all[name] ?? ''
  }
  return {
    deps,
    fn,
    functions,
    registry,
    answers,
    smokeReplies,
    apis,
    logs,
    before,
    events,
    timing,
    calls: <T = Record<string, unknown>>(call: string) =>
      events.filter(e => e.call === call).map(e => e.input as T),
    order: (...calls) =>
      events.filter(e => calls.includes(e.call)).map(e => e.call),
    invokedEvents: () =>
      events
        .filter(e => e.call === 'lambda:Invoke')
        .map(
          e =>
            JSON.parse(
              Buffer.from(e.input.Payload as Uint8Array).toString('utf8')
            ) as Record<string, unknown>
        )
  }
}
