/**
 * One simulated AWS (and docker CLI, registry API, web and GitHub API) that
 * run() is tested against, so every test of the whole action sees the same
 * Lambda, ECR and CloudWatch Logs:
 *
 * - Lambda: functions with $LATEST (an image, by digest or by tag, whose
 *   update moves InProgress → Successful, or Failed leaving the previous
 *   image; an update while another is in progress is refused with
 *   ResourceConflictException), published versions (PublishVersion records
 *   $LATEST's digest and refuses a CodeSha256 that no longer matches, as AWS
 *   does), aliases with weights, description and RevisionId, Invoke of a
 *   version or alias answered by the "app" of that version's image, Function
 *   URLs with their auth type and the two public permissions, tags, and the
 *   preview calls (CreateFunction → Pending → Active, CreateFunctionUrlConfig,
 *   GetPolicy, AddPermission, DeleteFunction, DeleteFunctionUrlConfig);
 * - ECR: one repository holding images by digest and tags with push dates
 *   (DescribeImages, BatchGetImage, ListImages, BatchDeleteImage, PutImage
 *   of a stored manifest under a new tag, refusing to move a tag as an
 *   IMMUTABLE repository does);
 * - API Gateway v2: HTTP APIs and their integrations;
 * - CloudWatch Logs: FilterLogEvents over each function's log group;
 * - through fetch: the registry API (config and layer blobs, behind the ECR
 *   token; the digests of base images in `baseImages`, asked with HEAD), the functions' URLs (served by the app, or scripted replies for
 *   any URL) and the GitHub issue comments API;
 * - the docker CLI, through exec: login, buildx (or plain docker) build and
 *   push of `build.image` into the repository.
 *
 * Every call is recorded in order in `events`, with the @actions/core groups
 * open at the time; `before[call]` runs first and may throw to make the call
 * fail. Install the @actions/core fixture (core.ts) before using a world: it
 * reads its inputs through it.
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { jest } from '@jest/globals'
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
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageAlreadyExistsException,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  GetLifecyclePolicyCommand,
  LifecyclePolicyNotFoundException,
  ListImagesCommand,
  PutImageCommand,
  UpdateImageStorageClassCommand,
  type PutImageCommandInput,
  type UpdateImageStorageClassCommandInput,
  type BatchDeleteImageCommandInput,
  type BatchGetImageCommandInput,
  type DescribeImagesCommandInput,
  type DescribeRepositoriesResponse,
  type ImageDetail,
  type ListImagesCommandInput
} from '@aws-sdk/client-ecr'
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  InvalidParameterValueException,
  InvokeCommand,
  LambdaClient,
  ListTagsCommand,
  PreconditionFailedException,
  PublishVersionCommand,
  RemovePermissionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
  type UpdateFunctionConfigurationCommandInput,
  type AddPermissionCommandInput,
  type AliasConfiguration,
  type Architecture,
  type CreateAliasCommandInput,
  type CreateFunctionCommandInput,
  type CreateFunctionUrlConfigCommandInput,
  type FunctionConfiguration,
  type FunctionUrlAuthType,
  type GetAliasCommandInput,
  type GetFunctionResponse,
  type InvokeCommandInput,
  type InvokeCommandOutput,
  type LastUpdateStatus,
  type LastUpdateStatusReasonCode,
  type PackageType,
  type PublishVersionCommandInput,
  type State,
  type StateReasonCode,
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
  imageConfigBlob,
  sha256Digest
} from './aws.js'
import { getInput, openGroups, setInputs } from './core.js'
import {
  fakeExec,
  writesImageId,
  type ExecCall,
  type ScriptEntry
} from './exec.js'
import { lambdaDotnetLayers } from './layers.js'
import { fakeTiming, type FakeTiming } from './timing.js'
import type { Exec } from '../src/build/docker.js'
import type { Dependencies } from '../src/main.js'

// logs.ts makes its own logs client: mock the class.
const logsMock = mockClient(CloudWatchLogsClient)

/** When the run starts (the world's clock): logs are read from here on. */
export const START = Date.UTC(2024, 2, 2, 9, 30)

export const functionArn = (name: string): string =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`
export const repositoryUriOf = (name: string): string => `${REGISTRY}/${name}`
export const uriOf = (digest: string, repository = REPOSITORY_NAME): string =>
  `${repositoryUriOf(repository)}@${digest}`
export const digestOf = (uri: string | undefined): string | undefined =>
  /@(sha256:[a-f0-9]{64})$/.exec(uri ?? '')?.[1]
export const hexOf = (digest: string): string => digest.replace(/^sha256:/, '')
export const PREVIOUS_URI = uriOf(PREVIOUS_DIGEST)
export const functionUrlOf = (name: string): string =>
  `https://${name}.lambda-url.${REGION}.on.aws/`
/** The statements ensureFunctionUrl adds for an AuthType NONE URL. */
export const PUBLIC_URL_STATEMENT = 'FunctionURLAllowPublicAccess'
export const PUBLIC_INVOKE_STATEMENT = 'FunctionURLAllowInvokeAction'
/** Lambda's answer to a Function URL request the policy does not allow. */
export const URL_FORBIDDEN = {
  Message:
    'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html'
}

export const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json'
const BASIC_AUTH = `Basic ${Buffer.from(`AWS:${REGISTRY_PASSWORD}`).toString('base64')}`

/** An image as ECR stores it: a manifest by digest and its blobs. */
export interface StoredImage {
  digest: string
  mediaType: string
  manifest: string
  /** The config blob; undefined for an index. */
  config: string | undefined
  /** What `docker image inspect` reports for a local build of it. */
  platform: string
  /** Gzipped layer blobs, for preflight to read through the registry API. */
  layers?: Buffer[]
  /** For an index: the manifests it lists, stored with it. */
  children?: StoredImage[]
}

export const layerDigest = (layer: Buffer): string =>
  `sha256:${createHash('sha256').update(layer).digest('hex')}`

/**
 * The id docker gives a local build of the image: its config's digest. A real
 * config lists its layers; these fixture configs differ only by CPU, so the
 * manifest digest stands in for the layers.
 */
export const localImageId = (image: StoredImage): string =>
  `sha256:${createHash('sha256')
    .update(image.config ?? '')
    .update(image.digest)
    .digest('hex')}`

/**
 * A single-platform image of an ASP.NET app on the AWS .NET base image, as
 * buildx pushes it; `revision` makes its app layer (and digest) its own,
 * `extension` adds a Lambda extension binary built for that CPU, and
 * `runtimeConfig` is the app's runtimeconfig.json.
 */
export function storedImage(
  architecture: 'amd64' | 'arm64',
  revision: string,
  options: Parameters<typeof lambdaDotnetLayers>[2] = {}
): StoredImage {
  const config = imageConfigBlob(architecture)
  const layers = lambdaDotnetLayers(architecture, revision, options)
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

/**
 * An OCI image index of `images`, each followed by a provenance attestation
 * manifest as BuildKit attaches them (platform unknown/unknown, annotated
 * with the image it is for: docs.docker.com/build/metadata/attestations/attestation-storage/),
 * as build-push-action pushes by default and Docker 29 pushes without --platform.
 */
export function imageIndex(images: StoredImage[]): StoredImage {
  const attestations = images.map(image => {
    const config = '{"architecture":"unknown","os":"unknown"}'
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        size: config.length,
        digest: sha256Digest(config)
      },
      layers: [
        {
          mediaType: 'application/vnd.in-toto+json',
          size: 2,
          digest: sha256Digest(`provenance of ${image.digest}`),
          annotations: {
            'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2'
          }
        }
      ]
    })
    return {
      digest: sha256Digest(manifest),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      manifest,
      config,
      platform: 'unknown/unknown'
    }
  })
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: images.flatMap((image, i) => {
      const [os = 'linux', architecture = 'amd64'] = image.platform.split('/')
      const attestation = attestations[i]
      return [
        {
          mediaType: image.mediaType,
          digest: image.digest,
          size: image.manifest.length,
          platform: { architecture, os }
        },
        ...(attestation === undefined
          ? []
          : [
              {
                mediaType: attestation.mediaType,
                digest: attestation.digest,
                size: attestation.manifest.length,
                annotations: {
                  'vnd.docker.reference.digest': image.digest,
                  'vnd.docker.reference.type': 'attestation-manifest'
                },
                platform: { architecture: 'unknown', os: 'unknown' }
              }
            ])
      ]
    })
  })
  return {
    digest: sha256Digest(manifest),
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifest,
    config: undefined,
    platform: images[0]?.platform ?? 'linux/amd64',
    children: [...images, ...attestations]
  }
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

/** A Function URL: on $LATEST (qualifier undefined) or on an alias. */
export interface FakeUrl {
  qualifier: string | undefined
  /** Default: functionUrlOf(name). */
  address?: string
  /** Default NONE. */
  authType?: FunctionUrlAuthType
  /** Absent from GetFunctionUrlConfig's answer unless set (BUFFERED then). */
  invokeMode?: 'BUFFERED' | 'RESPONSE_STREAM'
}

type Failure = { code: LastUpdateStatusReasonCode; reason: string }

const notFound = (message: string): ResourceNotFoundException =>
  new ResourceNotFoundException({ message, $metadata: { httpStatusCode: 404 } })

const conflict = (message: string): ResourceConflictException =>
  new ResourceConflictException({ message, $metadata: { httpStatusCode: 409 } })

/**
 * One Lambda function: $LATEST, its published versions and its aliases.
 * UpdateFunctionCode reports the new image at once with LastUpdateStatus
 * InProgress; each GetFunction of $LATEST is one observation of it,
 * whoever makes it: the next `pollsPerUpdate` still see it, then it lands
 * (or fails, leaving the previous image, with `nextUpdateFails`). A function
 * made by CreateFunction is Pending for `pollsPerUpdate` observations, then
 * Active (or Failed, with `nextUpdateFails`).
 */
export class FakeFunction {
  readonly arn: string
  packageType: PackageType = 'Image'
  architecture: Architecture = 'x86_64'
  state: State = 'Active'
  stateReason: string | undefined
  stateReasonCode: StateReasonCode | undefined
  lastUpdateStatus: LastUpdateStatus | undefined = 'Successful'
  reason: string | undefined
  reasonCode: LastUpdateStatusReasonCode | undefined
  /** GetFunction calls that still see an update InProgress (or Pending). */
  pollsPerUpdate = 1
  /** Refusals (ResourceConflictException) before an update is accepted. */
  conflicts = 0
  /** Make the next accepted update (or the creation) fail inside Lambda. */
  nextUpdateFails: Failure | undefined
  /** Another deploy replaces the next update with this digest. */
  nextUpdateLands: string | undefined
  /**
   * The answer to the next accepted UpdateFunctionCode is lost (a reset,
   * the SDK's request timeout): Lambda applies the update, and the call
   * fails with the SDK's TimeoutError, or (`conflict`) with what the SDK's
   * resent request gets: ResourceConflictException, an update in progress.
   */
  nextUpdateAnswerLost: 'timeout' | 'conflict' | undefined
  /** The rest of its configuration (role, memory, environment, ...). */
  settings: FunctionConfiguration = {
    ...GET_FUNCTION_X86_64_IMAGE.Configuration
  }
  tags: Record<string, string> = {}
  /** Resource policy statements (AddPermission), the two public URL ones included. */
  readonly permissions: Omit<AddPermissionCommandInput, 'FunctionName'>[] = [
    {
      StatementId: PUBLIC_URL_STATEMENT,
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE'
    },
    {
      StatementId: PUBLIC_INVOKE_STATEMENT,
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true
    }
  ]
  /** Published versions: number → image URI. */
  readonly versions = new Map<string, string>()
  /** Versions that will not become Active (State Failed), and why. */
  readonly failedVersions = new Map<string, Failure>()
  readonly aliases = new Map<string, FakeAlias>()
  /** The Function URL; undefined: none. */
  url: FakeUrl | undefined = { qualifier: undefined }
  /** Code.ImageUri as configured: by digest, or by tag. */
  private code: string | undefined = PREVIOUS_URI
  /** The digest Lambda resolved it to. */
  private resolved: string | undefined = PREVIOUS_DIGEST
  private pending:
    | {
        previousCode: string | undefined
        previousDigest: string | undefined
        failure: Failure | undefined
        lands: string | undefined
      }
    | undefined
  private pollsLeft = 0
  private lastVersion = 0
  private revisions = 0

  constructor(readonly name: string) {
    this.arn = functionArn(name)
  }

  /** The image $LATEST runs, by digest when it was deployed by digest. */
  get imageUri(): string | undefined {
    return this.code
  }

  /** $LATEST runs this image (by digest; undefined: no image, e.g. Zip). */
  set imageUri(uri: string | undefined) {
    this.code = uri
    this.resolved = digestOf(uri)
  }

  get digest(): string | undefined {
    return this.resolved
  }

  /** $LATEST was deployed by tag: Code.ImageUri names `uri`, resolved to `digest`. */
  deployedByTag(uri: string, digest: string): void {
    this.code = uri
    this.resolved = digest
  }

  /** Publish what $LATEST runs now (test set-up); returns the version. */
  publish(): string {
    const current = this.latestUri()
    const newest = this.versions.get(String(this.lastVersion))
    if (newest === current) return String(this.lastVersion)
    const version = String(++this.lastVersion)
    this.versions.set(version, current ?? '')
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

  /**
   * $LATEST's RevisionId: it changes with every change of its code or
   * update status, as Lambda's does.
   */
  get revisionId(): string {
    return `fn-${createHash('sha256')
      .update(
        `${this.code}|${this.resolved}|${this.lastUpdateStatus}|${this.state}`
      )
      .digest('hex')
      .slice(0, 12)}`
  }

  /** Someone else's deploy of $LATEST, already finished. */
  deployedBySomeoneElse(imageUri: string): void {
    this.imageUri = imageUri
    this.lastUpdateStatus = 'Successful'
    this.pending = undefined
  }

  /** The image a qualifier serves: a version, an alias's primary version or $LATEST. */
  imageOf(qualifier: string | undefined): string | undefined {
    if (qualifier === undefined || qualifier === '$LATEST')
      return this.latestUri()
    const version = this.aliases.get(qualifier)?.version ?? qualifier
    return version === '$LATEST' ? this.latestUri() : this.versions.get(version)
  }

  configuration(qualifier?: string): FunctionConfiguration {
    const versioned = qualifier !== undefined && qualifier !== '$LATEST'
    let digest = this.resolved
    if (versioned) {
      const uri = this.imageOf(qualifier)
      if (uri === undefined)
        throw notFound(`Function not found: ${this.arn}:${qualifier}`)
      digest = digestOf(uri)
    }
    return {
      ...this.settings,
      FunctionName: this.name,
      FunctionArn: versioned ? `${this.arn}:${qualifier}` : this.arn,
      Version: versioned ? qualifier : '$LATEST',
      PackageType: this.packageType,
      Architectures: [this.architecture],
      CodeSha256: digest === undefined ? undefined : hexOf(digest),
      ...(!versioned && { RevisionId: this.revisionId }),
      ...(versioned
        ? this.versionState(qualifier)
        : {
            State: this.state,
            ...(this.stateReason !== undefined && {
              StateReason: this.stateReason
            }),
            ...(this.stateReasonCode !== undefined && {
              StateReasonCode: this.stateReasonCode
            })
          }),
      LastUpdateStatus: versioned ? 'Successful' : this.lastUpdateStatus,
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
    const latest = qualifier === undefined || qualifier === '$LATEST'
    if (
      latest &&
      (this.lastUpdateStatus === 'InProgress' || this.state === 'Pending')
    ) {
      if (this.pollsLeft > 0) this.pollsLeft--
      else this.finishUpdate()
    }
    const configuration = this.configuration(qualifier)
    if (this.packageType !== 'Image')
      return {
        Configuration: configuration,
        Code: {
          RepositoryType: 'S3',
          Location: 'https://awslambda-tasks.example/zip'
        }
      }
    const uri = latest ? this.code : this.imageOf(qualifier)
    const digest = latest ? this.resolved : digestOf(uri)
    return {
      Configuration: configuration,
      Code: {
        RepositoryType: 'ECR',
        ImageUri: uri,
        ResolvedImageUri:
          digest === undefined
            ? undefined
            : `${(uri ?? '').replace(/[@:][^/]*$/, '')}@${digest}`
      }
    }
  }

  /** An update of $LATEST starts (test set-up, or UpdateFunctionCode). */
  startUpdate(imageUri: string): void {
    this.pending = {
      previousCode: this.code,
      previousDigest: this.resolved,
      failure: this.nextUpdateFails,
      lands: this.nextUpdateLands
    }
    this.nextUpdateFails = undefined
    this.nextUpdateLands = undefined
    this.imageUri = imageUri
    this.lastUpdateStatus = 'InProgress'
    this.reason = undefined
    this.reasonCode = undefined
    this.pollsLeft = this.pollsPerUpdate
  }

  updateCode(imageUri: string, revisionId?: string): FunctionConfiguration {
    if (revisionId !== undefined && revisionId !== this.revisionId)
      throw new PreconditionFailedException({
        message:
          'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
        $metadata: { httpStatusCode: 412 }
      })
    if (this.state === 'Pending') throw this.busy()
    if (this.conflicts > 0 || this.lastUpdateStatus === 'InProgress') {
      this.conflicts = Math.max(0, this.conflicts - 1)
      throw this.busy()
    }
    this.startUpdate(imageUri)
    const lost = this.nextUpdateAnswerLost
    this.nextUpdateAnswerLost = undefined
    if (lost === 'conflict') throw this.busy()
    if (lost === 'timeout')
      throw Object.assign(
        new Error(
          'Request did not complete within requestTimeout 30000 ms (socket hang up)'
        ),
        { name: 'TimeoutError', code: 'ECONNRESET' }
      )
    return this.configuration()
  }

  /**
   * UpdateFunctionConfiguration: role, environment and VPC; the update runs
   * (InProgress) like a code update, with the code unchanged.
   */
  updateConfiguration(
    input: UpdateFunctionConfigurationCommandInput
  ): FunctionConfiguration {
    if (this.state === 'Pending' || this.lastUpdateStatus === 'InProgress')
      throw this.busy()
    this.settings = {
      ...this.settings,
      ...(input.Role !== undefined && { Role: input.Role }),
      ...(input.Environment !== undefined && {
        Environment: { Variables: { ...input.Environment.Variables } }
      }),
      ...(input.VpcConfig !== undefined && {
        VpcConfig: {
          SubnetIds: [...(input.VpcConfig.SubnetIds ?? [])],
          SecurityGroupIds: [...(input.VpcConfig.SecurityGroupIds ?? [])]
        }
      })
    }
    this.startUpdate(this.code ?? '')
    return this.configuration()
  }

  /** CreateFunction made this function: Pending until it is set up. */
  create(input: CreateFunctionCommandInput): FunctionConfiguration {
    this.settings = {
      Role: input.Role,
      Description: input.Description,
      MemorySize: input.MemorySize,
      Timeout: input.Timeout,
      EphemeralStorage: input.EphemeralStorage,
      Environment: input.Environment,
      VpcConfig: input.VpcConfig,
      TracingConfig: input.TracingConfig,
      ...(input.ImageConfig !== undefined && {
        ImageConfigResponse: { ImageConfig: input.ImageConfig }
      })
    }
    this.packageType = input.PackageType ?? 'Zip'
    this.architecture = input.Architectures?.[0] ?? 'x86_64'
    this.tags = { ...input.Tags }
    this.url = undefined
    this.permissions.length = 0
    this.imageUri = input.Code?.ImageUri
    this.state = 'Pending'
    this.stateReason = 'The function is being created.'
    this.stateReasonCode = 'Creating'
    this.lastUpdateStatus = undefined
    this.pending = {
      previousCode: undefined,
      previousDigest: undefined,
      failure: this.nextUpdateFails,
      lands: undefined
    }
    this.nextUpdateFails = undefined
    this.pollsLeft = this.pollsPerUpdate
    return this.configuration()
  }

  publishVersion(input: PublishVersionCommandInput): FunctionConfiguration {
    if (this.lastUpdateStatus === 'InProgress' || this.state === 'Pending')
      throw this.busy()
    const current = hexOf(this.resolved ?? '')
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
    if (this.aliases.has(name))
      throw conflict(`Alias already exists: ${this.arn}:${name}`)
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

  /**
   * Whether anyone on the internet may call the URL. Lambda's rule since
   * October 2025: AuthType NONE, and both lambda:InvokeFunctionUrl (for a
   * NONE URL) and lambda:InvokeFunction (through the URL) granted to *.
   */
  get urlIsPublic(): boolean {
    return (
      (this.url?.authType ?? 'NONE') === 'NONE' &&
      this.permissions.some(
        p =>
          p.Action === 'lambda:InvokeFunctionUrl' &&
          p.Principal === '*' &&
          p.FunctionUrlAuthType === 'NONE'
      ) &&
      this.permissions.some(
        p =>
          p.Action === 'lambda:InvokeFunction' &&
          p.Principal === '*' &&
          p.InvokedViaFunctionUrl === true
      )
    )
  }

  /** GetPolicy's Policy text, with the conditions where IAM puts them. */
  policyText(): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Id: 'default',
      Statement: this.permissions.map(p => ({
        Sid: p.StatementId,
        Effect: 'Allow',
        Principal: p.Principal,
        Action: p.Action,
        Resource: this.arn,
        ...((p.FunctionUrlAuthType !== undefined ||
          p.InvokedViaFunctionUrl !== undefined) && {
          Condition: {
            ...(p.FunctionUrlAuthType !== undefined && {
              StringEquals: {
                'lambda:FunctionUrlAuthType': p.FunctionUrlAuthType
              }
            }),
            ...(p.InvokedViaFunctionUrl !== undefined && {
              Bool: {
                'lambda:InvokedViaFunctionUrl': String(p.InvokedViaFunctionUrl)
              }
            })
          }
        })
      }))
    })
  }

  private latestUri(): string | undefined {
    // A version or alias records the image by digest, as Lambda resolves it.
    return this.resolved === undefined
      ? this.code
      : `${(this.code ?? '').replace(/[@:][^/]*$/, '')}@${this.resolved}`
  }

  private versionState(
    version: string
  ): Pick<FunctionConfiguration, 'State' | 'StateReason' | 'StateReasonCode'> {
    const failed = this.failedVersions.get(version)
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

  private busy(): ResourceConflictException {
    return conflict(
      `The operation cannot be performed at this time. An update is in progress for resource: ${this.arn}`
    )
  }

  private finishUpdate(): void {
    const pending = this.pending
    this.pending = undefined
    if (this.state === 'Pending') {
      const failure = pending?.failure
      this.state = failure === undefined ? 'Active' : 'Failed'
      this.stateReason = failure?.reason
      this.stateReasonCode = failure?.code
      this.lastUpdateStatus = failure === undefined ? 'Successful' : 'Failed'
      return
    }
    if (pending?.failure !== undefined) {
      this.code = pending.previousCode
      this.resolved = pending.previousDigest
      this.lastUpdateStatus = 'Failed'
      this.reason = pending.failure.reason
      this.reasonCode = pending.failure.code
      return
    }
    if (pending?.lands !== undefined) this.imageUri = uriOf(pending.lands)
    this.lastUpdateStatus = 'Successful'
  }
}

/**
 * ECR: one repository, images by digest, and tags with when they were pushed.
 * Images can be archived (ECR user guide, archive-image.html): hidden from
 * DescribeImages and ListImages unless the filter's imageStatus asks, a
 * BatchGetImage failure, restored by UpdateImageStorageClass(STANDARD)
 * through ACTIVATING (`activationMs` on the virtual clock) to ACTIVE.
 */
export class FakeRegistry {
  readonly images = new Map<string, StoredImage>()
  readonly tags = new Map<string, { digest: string; pushedAt: Date }>()
  /** Images not ACTIVE by digest; ACTIVATING until `activeAt`. */
  readonly inactive = new Map<
    string,
    { status: 'ARCHIVED' | 'ACTIVATING'; activeAt?: number }
  >()
  /** How long a restored image stays ACTIVATING. */
  activationMs = 60_000
  /** The repository's lifecycle policy (JSON text); none by default. */
  lifecyclePolicy: string | undefined

  constructor(readonly name: string) {}

  /** Move the image to the archive storage class. */
  archive(digest: string): void {
    this.inactive.set(digest, { status: 'ARCHIVED' })
  }

  statusOf(digest: string, now: number): 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING' {
    const entry = this.inactive.get(digest)
    if (entry === undefined) return 'ACTIVE'
    if (entry.status === 'ACTIVATING' && (entry.activeAt ?? 0) <= now) {
      this.inactive.delete(digest)
      return 'ACTIVE'
    }
    return entry.status
  }

  get uri(): string {
    return repositoryUriOf(this.name)
  }

  push(tag: string, image: StoredImage, pushedAt = new Date(START)): void {
    this.images.set(image.digest, image)
    for (const child of image.children ?? [])
      this.images.set(child.digest, child)
    this.tags.set(tag, { digest: image.digest, pushedAt })
  }

  details(): ImageDetail[] {
    return [...this.tags].map(([tag, { digest, pushedAt }]) => ({
      repositoryName: this.name,
      imageDigest: digest,
      imageTags: [tag],
      imagePushedAt: pushedAt
    }))
  }

  /** A config or layer blob of any stored image. */
  blob(digest: string): string | Buffer | undefined {
    for (const image of this.images.values()) {
      if (image.config !== undefined && sha256Digest(image.config) === digest)
        return image.config
      const layer = image.layers?.find(l => layerDigest(l) === digest)
      if (layer !== undefined) return layer
    }
    return undefined
  }
}

/** One call the action made, what it sent, and the log groups open then. */
export interface Event {
  call: string
  input: Record<string, unknown>
  /**
   * One line about the call: the image of an UpdateFunctionCode, the tag or
   * digest of a DescribeImages, the digest of a BatchGetImage, the URL of a
   * fetch, the command line of an exec; for GetFunction, the
   * LastUpdateStatus this observation saw. '' for the rest.
   */
  detail: string
  groups: string[]
}

export interface Reply {
  status: number
  body: string
}

/** What `docker build` / `docker buildx build` pushes. */
export interface Build {
  image: StoredImage
  buildx: boolean
  /** Another run pushes this image under the same tag while we build. */
  racedBy?: StoredImage
  /**
   * docker build without buildx: another build on the same engine tags this
   * image under our name right after ours, and pushes it to ECR
   * `pushedAfterMs` later (never when undefined).
   */
  tagMovedBy?: { image: StoredImage; pushedAfterMs?: number }
}

export interface Comment {
  id: number
  issue: number
  body: string
  /** Who wrote it; default github-actions[bot], as with GITHUB_TOKEN. */
  author?: string
}

export interface World {
  deps: Dependencies
  /** The first function of function-name. */
  fn: FakeFunction
  functions: Map<string, FakeFunction>
  /** A function that is not in function-name (e.g. a preview). */
  addFunction: (name: string) => FakeFunction
  registry: FakeRegistry
  build: Build
  /** What each image's app answers, in turn (the last repeats); default HEALTHY. */
  answers: Map<string, Answer[]>
  /** Replies by URL, in turn (the last repeats), instead of asking the app. */
  smokeReplies: Map<string, Reply[]>
  /** HTTP APIs (API Gateway v2) and their integrations. */
  apis: { api: Api; integrations: Integration[] }[]
  /** Log events by log group. */
  logs: Map<string, FilteredLogEvent[]>
  /** Pull request comments in the GitHub repository (any repository). */
  comments: Comment[]
  /**
   * Base images in public registries: `host/repository:tag` → the digest
   * its registry answers a manifest HEAD with (anonymous, no token).
   */
  baseImages: Map<string, string>
  /** Runs before the fake answers `call`; throw to make the call fail. */
  before: Record<string, (input: Record<string, unknown>) => void>
  /**
   * The answer to `call` (an AWS call, or `fetch`) waits until this promise
   * resolves. A held fetch whose signal aborts rejects with its reason, as
   * fetch does, recorded as `fetch:aborted`.
   */
  hold: Record<string, Promise<unknown>>
  /** The runner cancels the job: the run's cancel listener hears `signal`. */
  cancel: (signal?: string) => void
  /**
   * The job's AWS credentials, as the SDK's credential provider reports
   * them: `expiration` undefined (long-lived keys, or a provider that does
   * not say) or when the session ends.
   */
  credentials: { expiration: Date | undefined }
  events: Event[]
  timing: FakeTiming
  exec: jest.Mock<Exec>
  execCalls: ExecCall[]
  /** The region of each clients() call. */
  clientRegions: string[]
  /** The inputs of every call of this kind, in order. */
  calls: <T = Record<string, unknown>>(call: string) => T[]
  /** The detail of every call of this kind, in order. */
  details: (call: string) => string[]
  /** The recorded calls, names only, keeping those listed. */
  order: (...calls: string[]) => string[]
  /** The payload of each Invoke, parsed. */
  invokedEvents: () => Record<string, unknown>[]
  /** The first command run whose argv starts with `prefix`. */
  argvOf: (...prefix: string[]) => string[] | undefined
}

export interface WorldOptions {
  /** The ECR repository's name. Default REPOSITORY_NAME. */
  repository?: string
  /** RUNNER_TEMP, where docker login keeps its config; unset by default. */
  runnerTemp?: string
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

const tagFrom = (ref: string): string => ref.slice(ref.lastIndexOf(':') + 1)

function detailOf(call: string, input: Record<string, unknown>): string {
  const text = (value: unknown): string =>
    typeof value === 'string' ? value : ''
  switch (call) {
    case 'lambda:UpdateFunctionCode':
      return text(input.ImageUri)
    case 'ecr:DescribeImages':
    case 'ecr:BatchGetImage': {
      const ids = input.imageIds as
        { imageTag?: string; imageDigest?: string }[] | undefined
      return text(ids?.[0]?.imageTag ?? ids?.[0]?.imageDigest)
    }
    case 'fetch':
    case 'fetch:aborted':
      return text(input.url)
    case 'exec':
      return (input.argv as string[]).join(' ')
    default:
      return ''
  }
}

/**
 * A world with the functions of function-name (one per line), each running
 * PREVIOUS_URI on $LATEST, and an empty repository; `inputs` are what the
 * workflow passes (set on the @actions/core fixture).
 */
export function simulatedWorld(
  inputs: Record<string, string>,
  options: WorldOptions = {}
): World {
  setInputs(inputs)
  const names = (inputs['function-name'] ?? '')
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '')
  const functions = new Map(names.map(name => [name, new FakeFunction(name)]))
  const fn = functions.get(names[0] ?? '') as FakeFunction
  const registry = new FakeRegistry(options.repository ?? REPOSITORY_NAME)
  /** Pushes another run makes later on (see Build.tagMovedBy). */
  const pendingPushes: { at: number; tag: string; image: StoredImage }[] = []
  const pushDue = (): void => {
    for (const push of pendingPushes.splice(0)) {
      if (push.at <= timing.timing.now()) registry.push(push.tag, push.image)
      else pendingPushes.push(push)
    }
  }
  const build: Build = { image: storedImage('amd64', 'built'), buildx: true }
  const answers = new Map<string, Answer[]>()
  const smokeReplies = new Map<string, Reply[]>()
  const baseImages = new Map<string, string>()
  const apis: World['apis'] = []
  const logs = new Map<string, FilteredLogEvent[]>()
  const comments: Comment[] = []
  const before: World['before'] = {}
  const hold: World['hold'] = {}
  const events: Event[] = []

  const record = (call: string, input: object): Event => {
    const copy = { ...input } as Record<string, unknown>
    const entry = {
      call,
      input: copy,
      detail: detailOf(call, copy),
      groups: openGroups()
    }
    events.push(entry)
    before[call]?.(entry.input)
    return entry
  }
  /** A handler that records the call and answers (or rejects) like the SDK. */
  const handle =
    <I extends object, O>(
      call: string,
      answer: (input: I, event: Event) => O
    ) =>
    (input: I): Promise<O> => {
      try {
        const event = record(call, input)
        const gate = hold[call]
        return gate === undefined
          ? Promise.resolve(answer(input, event))
          : gate.then(() => answer(input, event))
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

  const credentials: World['credentials'] = { expiration: undefined }
  // The credential provider is the SDK's own hook: what the run reads of
  // the credentials' expiry (an AwsCredentialIdentity's `expiration`).
  const lambda = new LambdaClient({
    region: REGION,
    credentials: () =>
      Promise.resolve({
        accessKeyId: 'AKIAWORLDEXAMPLE',
        secretAccessKey: 'world-secret',
        sessionToken: 'world-session',
        ...(credentials.expiration !== undefined && {
          expiration: credentials.expiration
        })
      })
  })
  const target = (name: string | undefined, qualifier?: string) =>
    lambdaTarget(functions, name, qualifier)
  const urlConfig = (f: FakeFunction, url: FakeUrl) => ({
    FunctionUrl: url.address ?? functionUrlOf(f.name),
    FunctionArn:
      url.qualifier === undefined ? f.arn : `${f.arn}:${url.qualifier}`,
    AuthType: url.authType ?? 'NONE',
    ...(url.invokeMode !== undefined && { InvokeMode: url.invokeMode }),
    CreationTime: '2024-03-01T12:00:00.000Z',
    LastModifiedTime: '2024-03-01T12:00:00.000Z'
  })
  mockClient(lambda)
    .on(GetFunctionCommand)
    .callsFake(
      handle(
        'lambda:GetFunction',
        (input: { FunctionName?: string; Qualifier?: string }, event) => {
          const { fn: f, qualifier } = target(
            input.FunctionName,
            input.Qualifier
          )
          const answer = f.getFunction(qualifier)
          event.detail = answer.Configuration?.LastUpdateStatus ?? ''
          return answer
        }
      )
    )
    .on(UpdateFunctionCodeCommand)
    .callsFake(
      handle(
        'lambda:UpdateFunctionCode',
        (input: UpdateFunctionCodeCommandInput) => {
          const uri = input.ImageUri ?? ''
          // Lambda refuses indexes: aws/aws-lambda-roadmap#82 (the wording
          // users report, as the stand-in's gateway answers it).
          const stored = registry.images.get(uri.split('@')[1] ?? '')
          if (stored?.children !== undefined)
            throw new InvalidParameterValueException({
              message: `The image manifest, config or layer media type for the source image ${uri} is not supported.`,
              $metadata: { httpStatusCode: 400 }
            })
          return target(input.FunctionName).fn.updateCode(uri, input.RevisionId)
        }
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
          return urlConfig(f, f.url)
        }
      )
    )
    .on(CreateFunctionUrlConfigCommand)
    .callsFake(
      handle(
        'lambda:CreateFunctionUrlConfig',
        (input: CreateFunctionUrlConfigCommandInput) => {
          const { fn: f } = target(input.FunctionName)
          if (f.url !== undefined)
            throw conflict(
              `FunctionUrlConfig exists for this Lambda function: ${f.arn}`
            )
          f.url = {
            qualifier: input.Qualifier,
            ...(input.AuthType !== undefined && { authType: input.AuthType })
          }
          return urlConfig(f, f.url)
        }
      )
    )
    .on(DeleteFunctionUrlConfigCommand)
    .callsFake(
      handle(
        'lambda:DeleteFunctionUrlConfig',
        (input: { FunctionName?: string }) => {
          const { fn: f } = target(input.FunctionName)
          if (f.url === undefined)
            throw notFound('The resource you requested does not exist.')
          f.url = undefined
          return {}
        }
      )
    )
    .on(GetPolicyCommand)
    .callsFake(
      handle('lambda:GetPolicy', (input: { FunctionName?: string }) => {
        const { fn: f } = target(input.FunctionName)
        if (f.permissions.length === 0)
          throw notFound('The resource you requested does not exist.')
        return { Policy: f.policyText(), RevisionId: 'policy-1' }
      })
    )
    .on(AddPermissionCommand)
    .callsFake(
      handle('lambda:AddPermission', (input: AddPermissionCommandInput) => {
        const { fn: f } = target(input.FunctionName)
        if (f.permissions.some(p => p.StatementId === input.StatementId))
          throw conflict(
            `The statement id (${input.StatementId ?? ''}) provided already exists. Please provide a new statement id, or remove the existing statement.`
          )
        f.permissions.push({ ...input })
        return {
          Statement: JSON.stringify({
            Sid: input.StatementId,
            Effect: 'Allow',
            Principal: input.Principal,
            Action: input.Action,
            Resource: f.arn
          })
        }
      })
    )
    .on(UpdateFunctionConfigurationCommand)
    .callsFake(
      handle(
        'lambda:UpdateFunctionConfiguration',
        (input: UpdateFunctionConfigurationCommandInput) =>
          target(input.FunctionName).fn.updateConfiguration(input)
      )
    )
    .on(UpdateFunctionUrlConfigCommand)
    .callsFake(
      handle(
        'lambda:UpdateFunctionUrlConfig',
        (input: { FunctionName?: string; AuthType?: FunctionUrlAuthType }) => {
          const { fn: f } = target(input.FunctionName)
          if (f.url === undefined)
            throw notFound('The resource you requested does not exist.')
          if (input.AuthType !== undefined) f.url.authType = input.AuthType
          return urlConfig(f, f.url)
        }
      )
    )
    .on(RemovePermissionCommand)
    .callsFake(
      handle(
        'lambda:RemovePermission',
        (input: { FunctionName?: string; StatementId?: string }) => {
          const { fn: f } = target(input.FunctionName)
          const at = f.permissions.findIndex(
            p => p.StatementId === input.StatementId
          )
          if (at < 0)
            throw notFound('The resource you requested does not exist.')
          f.permissions.splice(at, 1)
          return {}
        }
      )
    )
    .on(ListTagsCommand)
    .callsFake(
      handle('lambda:ListTags', (input: { Resource?: string }) => ({
        Tags: { ...target(input.Resource).fn.tags }
      }))
    )
    .on(CreateFunctionCommand)
    .callsFake(
      handle('lambda:CreateFunction', (input: CreateFunctionCommandInput) => {
        const name = input.FunctionName ?? ''
        if (functions.has(name))
          throw conflict(`Function already exist: ${name}`)
        const created = new FakeFunction(name)
        const answer = created.create(input)
        functions.set(name, created)
        return answer
      })
    )
    .on(DeleteFunctionCommand)
    .callsFake(
      handle('lambda:DeleteFunction', (input: { FunctionName?: string }) => {
        functions.delete(target(input.FunctionName).fn.name)
        return {}
      })
    )

  const notInRepository = (id: {
    imageDigest?: string | undefined
    imageTag?: string | undefined
  }) =>
    new ImageNotFoundException({
      message: `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${registry.name}' in the registry with id '${ACCOUNT}'`,
      $metadata: { httpStatusCode: 400 }
    })
  const ecr = new ECRClient({ region: REGION })
  mockClient(ecr)
    .on(DescribeRepositoriesCommand)
    .callsFake(
      handle('ecr:DescribeRepositories', (): DescribeRepositoriesResponse => ({
        repositories: (DESCRIBE_REPOSITORIES_IMMUTABLE.repositories ?? []).map(
          repository => ({
            ...repository,
            repositoryArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${registry.name}`,
            repositoryName: registry.name,
            repositoryUri: registry.uri
          })
        )
      }))
    )
    .on(DescribeImagesCommand)
    .callsFake(
      handle('ecr:DescribeImages', (input: DescribeImagesCommandInput) => {
        pushDue()
        const id = input.imageIds?.[0]
        // Only ACTIVE images unless the filter asks (DescribeImagesFilter).
        const asked = input.filter?.imageStatus ?? 'ACTIVE'
        const details = registry
          .details()
          .map(d => ({
            ...d,
            imageStatus: registry.statusOf(
              d.imageDigest ?? '',
              timing.timing.now()
            )
          }))
          .filter(d => asked === 'ANY' || d.imageStatus === asked)
        if (id === undefined) {
          // A listing, five images a page.
          const start = Number(input.nextToken ?? '0')
          const page = details.slice(start, start + 5)
          const more = start + 5 < details.length
          return {
            imageDetails: page,
            ...(more && { nextToken: String(start + 5) })
          }
        }
        const found = details.find(d =>
          id.imageTag !== undefined
            ? d.imageTags?.includes(id.imageTag)
            : d.imageDigest === id.imageDigest
        )
        if (found === undefined) throw notInRepository(id)
        return { imageDetails: [found] }
      })
    )
    .on(BatchGetImageCommand)
    .callsFake(
      handle('ecr:BatchGetImage', (input: BatchGetImageCommandInput) => {
        const digest = input.imageIds?.[0]?.imageDigest ?? ''
        const image =
          registry.statusOf(digest, timing.timing.now()) === 'ACTIVE'
            ? registry.images.get(digest)
            : undefined
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
                  registryId: ACCOUNT,
                  repositoryName: registry.name,
                  imageId: { imageDigest: digest },
                  imageManifest: image.manifest,
                  imageManifestMediaType: image.mediaType
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
    .on(ListImagesCommand)
    .callsFake(
      handle('ecr:ListImages', (input: ListImagesCommandInput) => {
        // Five a page, like the listing of DescribeImages.
        const asked = input.filter?.imageStatus ?? 'ACTIVE'
        const all = [...registry.tags]
          .map(([imageTag, { digest }]) => ({ imageTag, imageDigest: digest }))
          .filter(
            id =>
              asked === 'ANY' ||
              registry.statusOf(id.imageDigest, timing.timing.now()) === asked
          )
        const start = Number(input.nextToken ?? '0')
        return {
          imageIds: all.slice(start, start + 5),
          ...(start + 5 < all.length && { nextToken: String(start + 5) })
        }
      })
    )
    .on(PutImageCommand)
    .callsFake(
      handle('ecr:PutImage', (input: PutImageCommandInput) => {
        const digest = sha256Digest(input.imageManifest ?? '')
        const image = registry.images.get(digest)
        const tag = input.imageTag ?? ''
        // Only manifests of stored images: layers are never uploaded here.
        if (image === undefined || input.imageDigest !== digest)
          throw new Error(`PutImage of a manifest not in the registry`)
        const current = registry.tags.get(tag)
        if (current?.digest === digest)
          throw new ImageAlreadyExistsException({
            message: `Image with digest '${digest}' and tag '${tag}' already exists in the repository`,
            $metadata: {}
          })
        if (current !== undefined)
          throw new ImageTagAlreadyExistsException({
            message: `The image tag '${tag}' already exists in the '${registry.name}' repository and cannot be overwritten because the repository is immutable.`,
            $metadata: {}
          })
        registry.push(tag, image, new Date(timing.timing.now()))
        return {
          image: {
            registryId: ACCOUNT,
            repositoryName: registry.name,
            imageId: { imageDigest: digest, imageTag: tag },
            imageManifest: input.imageManifest,
            imageManifestMediaType: input.imageManifestMediaType
          }
        }
      })
    )
    .on(GetLifecyclePolicyCommand)
    .callsFake(
      handle('ecr:GetLifecyclePolicy', () => {
        if (registry.lifecyclePolicy === undefined)
          throw new LifecyclePolicyNotFoundException({
            message: `Lifecycle policy does not exist for the repository with name '${registry.name}' in the registry with id '${ACCOUNT}'`,
            $metadata: { httpStatusCode: 400 }
          })
        return {
          registryId: ACCOUNT,
          repositoryName: registry.name,
          lifecyclePolicyText: registry.lifecyclePolicy
        }
      })
    )
    .on(UpdateImageStorageClassCommand)
    .callsFake(
      handle(
        'ecr:UpdateImageStorageClass',
        (input: UpdateImageStorageClassCommandInput) => {
          const digest = input.imageId?.imageDigest ?? ''
          if (!registry.images.has(digest))
            throw notInRepository({ imageDigest: digest })
          const now = timing.timing.now()
          const status = registry.statusOf(digest, now)
          if (input.targetStorageClass === 'ARCHIVE') registry.archive(digest)
          else if (status === 'ARCHIVED')
            registry.inactive.set(digest, {
              status: 'ACTIVATING',
              activeAt: now + registry.activationMs
            })
          return {
            registryId: ACCOUNT,
            repositoryName: registry.name,
            imageId: { imageDigest: digest },
            imageStatus: registry.statusOf(digest, now)
          }
        }
      )
    )
    .on(BatchDeleteImageCommand)
    .callsFake(
      handle('ecr:BatchDeleteImage', (input: BatchDeleteImageCommandInput) => {
        const deleted: { imageTag: string; imageDigest: string }[] = []
        const failures: {
          imageId: { imageTag?: string }
          failureCode: 'ImageNotFound'
          failureReason: string
        }[] = []
        for (const id of input.imageIds ?? []) {
          const tagged = registry.tags.get(id.imageTag ?? '')
          if (id.imageTag === undefined || tagged === undefined) {
            failures.push({
              imageId:
                id.imageTag === undefined ? {} : { imageTag: id.imageTag },
              failureCode: 'ImageNotFound',
              failureReason: 'Requested image not found'
            })
            continue
          }
          registry.tags.delete(id.imageTag)
          deleted.push({ imageTag: id.imageTag, imageDigest: tagged.digest })
        }
        return { imageIds: deleted, failures }
      })
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

  const json = (value: unknown, status = 200): Response =>
    new Response(JSON.stringify(value), {
      status,
      headers: { 'content-type': 'application/json' }
    })
  /** The GitHub REST API's issue comments, for the token given. */
  const github = (
    method: string,
    path: string,
    init: RequestInit | undefined
  ): Response | undefined => {
    if (
      !/^Bearer .+/.test(new Headers(init?.headers).get('authorization') ?? '')
    )
      return json({ message: 'Requires authentication' }, 401)
    const listing = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(
      path
    )
    const one = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path)
    const body = (): string =>
      (
        JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as {
          body?: string
        }
      ).body ?? ''
    const shown = (c: Comment) => ({
      id: c.id,
      body: c.body,
      user: { login: c.author ?? 'github-actions[bot]' },
      html_url: `https://github.com/o/r/pull/${c.issue}#issuecomment-${c.id}`
    })
    // The token is GITHUB_TOKEN: an installation token may not read /user.
    if (path === '/user')
      return json({ message: 'Resource not accessible by integration' }, 403)
    if (listing !== null && method === 'GET')
      return json(
        comments.filter(c => c.issue === Number(listing[1])).map(shown)
      )
    if (listing !== null && method === 'POST') {
      const created = {
        id: Math.max(1000, ...comments.map(c => c.id)) + 1,
        issue: Number(listing[1]),
        body: body()
      }
      comments.push(created)
      return json(shown(created), 201)
    }
    const existing = comments.find(c => c.id === Number(one?.[1]))
    if (one !== null && method === 'PATCH' && existing !== undefined) {
      existing.body = body()
      return json(shown(existing))
    }
    return undefined
  }

  const fetchImpl: Dependencies['fetch'] = (input, init) => {
    const url =
      typeof input === 'string'
        ? input
        : input instanceof URL
          ? input.href
          : input.url
    const method = init?.method ?? 'GET'
    try {
      record('fetch', { url, method })
    } catch (error) {
      return Promise.reject(
        error instanceof Error ? error : new Error(String(error))
      )
    }
    const gate = hold.fetch
    if (gate === undefined) return answerFetch(url, method, init)
    const signal = init?.signal ?? undefined
    return new Promise<Response>((resolve, reject) => {
      const aborted = (): void => {
        record('fetch:aborted', { url })
        reject(signal?.reason as Error)
      }
      if (signal?.aborted === true) return aborted()
      signal?.addEventListener('abort', aborted, { once: true })
      gate.then(() => {
        signal?.removeEventListener('abort', aborted)
        resolve(answerFetch(url, method, init))
      }, reject)
    })
  }
  const answerFetch = (
    url: string,
    method: string,
    init: RequestInit | undefined
  ): Promise<Response> => {
    const blobs = `https://${REGISTRY}/v2/${registry.name}/blobs/`
    if (url.startsWith(blobs)) {
      if (new Headers(init?.headers).get('authorization') !== BASIC_AUTH)
        return Promise.resolve(
          new Response('{"errors":[{"code":"DENIED"}]}', { status: 401 })
        )
      const blob = registry.blob(url.slice(blobs.length))
      return Promise.resolve(
        blob === undefined
          ? new Response('{"errors":[{"code":"BLOB_UNKNOWN"}]}', {
              status: 404
            })
          : new Response(blob, { status: 200 })
      )
    }
    const manifest = /^https:\/\/([^/]+)\/v2\/(.+)\/manifests\/([^/]+)$/.exec(
      url
    )
    if (manifest !== null && method === 'HEAD') {
      const digest = baseImages.get(
        `${manifest[1] ?? ''}/${manifest[2] ?? ''}:${manifest[3] ?? ''}`
      )
      return Promise.resolve(
        digest === undefined
          ? new Response(null, { status: 404 })
          : new Response(null, {
              status: 200,
              headers: { 'docker-content-digest': digest }
            })
      )
    }
    const scripted = smokeReplies.get(url)
    if (scripted !== undefined) {
      const reply = next(scripted, { status: 0, body: '' })
      return Promise.resolve(new Response(reply.body, { status: reply.status }))
    }
    const api = deps.env.GITHUB_API_URL ?? 'https://api.github.com'
    if (url.startsWith(`${api}/`)) {
      const answer = github(method, new URL(url).pathname, init)
      return Promise.resolve(answer ?? json({ message: 'Not Found' }, 404))
    }
    const served = [...functions.values()].find(
      f =>
        f.url !== undefined &&
        url.startsWith(f.url.address ?? functionUrlOf(f.name))
    )
    if (served === undefined)
      return Promise.reject(new TypeError('fetch failed'))
    // AuthType AWS_IAM wants a signed request, NONE the public statement.
    if (!served.urlIsPublic) return Promise.resolve(json(URL_FORBIDDEN, 403))
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

  // The docker CLI: it pushes `build.image` under the tag it builds.
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
            stderr: `ERROR: failed to push ${ref}: tag invalid: The image tag '${tagFrom(ref)}' already exists in the '${registry.name}' repository and cannot be overwritten because the repository is immutable.\n`
          }
        }
        // --output type=image,push=false (a dry run) builds, pushes nothing.
        if (call.args.includes('--push'))
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
    [
      ['docker', 'build'],
      call => writesImageId(localImageId(build.image))(call)
    ],
    [
      ['docker', 'image', 'inspect'],
      call => {
        const moved = build.tagMovedBy
        if (moved === undefined)
          return {
            stdout: `${localImageId(build.image)} ${build.image.platform}\n`
          }
        if (moved.pushedAfterMs !== undefined)
          pendingPushes.push({
            at: timing.timing.now() + moved.pushedAfterMs,
            tag: tagFrom(call.args[call.args.length - 1] ?? ''),
            image: moved.image
          })
        return {
          stdout: `${localImageId(moved.image)} ${moved.image.platform}\n`
        }
      }
    ],
    [
      // Debian's 20.10 engine, as on the stand-in: no push --platform.
      ['docker', 'version'],
      { stdout: '1.41\n' }
    ],
    [
      ['docker', 'push'],
      call => {
        const ref = call.args.at(-1) ?? ''
        registry.push(tagFrom(ref), build.image)
        return {
          stdout: `The push refers to repository [${registry.uri}]\n${tagFrom(ref)}: digest: ${build.image.digest} size: 1573\n`
        }
      }
    ]
  ]
  const docker = fakeExec(script)
  const exec = jest.fn<Exec>((command, args, options) => {
    try {
      record('exec', { argv: [command, ...args] })
    } catch (error) {
      return Promise.reject(
        error instanceof Error ? error : new Error(String(error))
      )
    }
    return docker.exec(command, args, options)
  })

  const timing = fakeTiming({ start: START })
  const clientRegions: string[] = []
  const cancelListeners = new Set<(signal: string) => void>()
  const deps: Dependencies = {
    clients: region => {
      clientRegions.push(region)
      return { lambda, ecr, apigateway: () => Promise.resolve(apigateway) }
    },
    exec,
    timing: timing.timing,
    fetch: fetchImpl,
    env: {
      GITHUB_SHA: 'f'.repeat(40),
      ...(options.runnerTemp !== undefined && {
        RUNNER_TEMP: options.runnerTemp
      })
    },
    readInput: name => getInput(name),
    onCancel: listener => {
      cancelListeners.add(listener)
      return () => cancelListeners.delete(listener)
    }
  }
  return {
    deps,
    credentials,
    cancel: (signal = 'SIGINT') => {
      for (const listener of [...cancelListeners]) listener(signal)
    },
    fn,
    functions,
    addFunction: name => {
      const added = new FakeFunction(name)
      functions.set(name, added)
      return added
    },
    registry,
    build,
    answers,
    smokeReplies,
    apis,
    logs,
    comments,
    baseImages,
    before,
    hold,
    events,
    timing,
    exec,
    execCalls: docker.calls,
    clientRegions,
    calls: <T = Record<string, unknown>>(call: string) =>
      events.filter(e => e.call === call).map(e => e.input as T),
    details: call => events.filter(e => e.call === call).map(e => e.detail),
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
        ),
    argvOf: (...prefix) =>
      docker.argvs().find(argv => prefix.every((part, i) => argv[i] === part))
  }
}

/**
 * Alias live as this action leaves it: version 1 runs `oldestUri`, version 2
 * PREVIOUS_URI ($LATEST too), live → 2 recording 1.
 */
export function withLiveAlias(w: World, oldestUri: string): void {
  w.fn.imageUri = oldestUri
  w.fn.publish()
  w.fn.imageUri = PREVIOUS_URI
  w.fn.publish()
  w.fn.setAlias(
    'live',
    '2',
    `aspnet-lambda-deploy: previous version 1; image ${PREVIOUS_DIGEST}`
  )
}
