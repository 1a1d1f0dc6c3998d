/**
 * A Lambda function's $LATEST (its image, configuration, state and updates)
 * and its published versions: the part of FakeFunction (lambda-function.ts)
 * that GetFunction, UpdateFunctionCode, UpdateFunctionConfiguration,
 * CreateFunction and PublishVersion see.
 */
import { createHash } from 'node:crypto'
import {
  InvalidParameterValueException,
  PreconditionFailedException,
  type Architecture,
  type CreateFunctionCommandInput,
  type FunctionConfiguration,
  type GetFunctionResponse,
  type LastUpdateStatus,
  type LastUpdateStatusReasonCode,
  type PackageType,
  type PublishVersionCommandInput,
  type ResourceConflictException,
  type State,
  type StateReasonCode,
  type UpdateFunctionConfigurationCommandInput
} from '@aws-sdk/client-lambda'
import { GET_FUNCTION_X86_64_IMAGE, PREVIOUS_DIGEST } from '../aws.js'
import { conflict, notFound } from './lambda-errors.js'
import { PREVIOUS_URI, digestOf, functionArn, hexOf, uriOf } from './names.js'

export interface FakeAlias {
  version: string
  weights: Record<string, number>
  description: string | undefined
  revisionId: string
}

export type Failure = { code: LastUpdateStatusReasonCode; reason: string }

/**
 * $LATEST and the published versions of one function. UpdateFunctionCode
 * reports the new image at once with LastUpdateStatus InProgress; each
 * GetFunction of $LATEST is one observation of it, whoever makes it: the
 * next `pollsPerUpdate` still see it, then it lands (or fails, leaving the
 * previous image, with `nextUpdateFails`). A function made by CreateFunction
 * is Pending for `pollsPerUpdate` observations, then Active (or Failed, with
 * `nextUpdateFails`).
 */
export class FunctionCode {
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
  /** Published versions: number → image URI. */
  readonly versions = new Map<string, string>()
  /** Versions that will not become Active (State Failed), and why. */
  readonly failedVersions = new Map<string, Failure>()
  readonly aliases = new Map<string, FakeAlias>()
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
    if (input.RevisionId !== undefined && input.RevisionId !== this.revisionId)
      throw new PreconditionFailedException({
        message:
          'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
        $metadata: { httpStatusCode: 412 }
      })
    if (this.state === 'Pending' || this.lastUpdateStatus === 'InProgress')
      throw this.busy()
    const image = input.ImageConfig
    this.settings = {
      ...this.settings,
      ...(input.Role !== undefined && { Role: input.Role }),
      ...(input.MemorySize !== undefined && { MemorySize: input.MemorySize }),
      ...(input.Timeout !== undefined && { Timeout: input.Timeout }),
      ...(input.EphemeralStorage !== undefined && {
        EphemeralStorage: input.EphemeralStorage
      }),
      ...(input.Description !== undefined && {
        Description: input.Description
      }),
      // Empty values clear an override, as on Lambda.
      ...(image !== undefined && {
        ImageConfigResponse: {
          ImageConfig: {
            ...((image.EntryPoint ?? []).length > 0 && {
              EntryPoint: image.EntryPoint
            }),
            ...((image.Command ?? []).length > 0 && { Command: image.Command }),
            ...((image.WorkingDirectory ?? '') !== '' && {
              WorkingDirectory: image.WorkingDirectory
            })
          }
        }
      }),
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
