import {
  CreateAliasCommand,
  GetAliasCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  type AliasConfiguration,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import {
  ChangedMeanwhileError,
  DeployError,
  awsErrorName,
  errorMessage,
  isThrottling
} from '../util/errors.js'
import { retry, type RetryOptions } from '../util/retry.js'
import { awsCall, awsCallError } from './call.js'
import { managedInstancesErrors } from './managed-instances.js'
import type { Timing } from '../util/time.js'

type Log = (message: string) => void

/** Update in progress, or throttled: both pass if we wait a little. */
function isTransient(error: unknown): boolean {
  return (
    awsErrorName(error) === 'ResourceConflictException' || isThrottling(error)
  )
}

function retryOptions(
  operation: string,
  log: Log,
  retryable: (error: unknown) => boolean = isTransient
): RetryOptions {
  return {
    attempts: 8,
    baseDelayMs: 1000,
    maxDelayMs: 10_000,
    retryable,
    onRetry: (error, attempt, delay) =>
      log(
        `${operation} attempt ${attempt} was refused (${awsErrorName(error) ?? 'error'}: ${errorMessage(error)}); retrying in ${delay}ms.`
      )
  }
}

/** Lambda's CodeSha256 of an image function is the digest's hex. */
function codeSha256Of(digestOrHex: string): string {
  return digestOrHex.replace(/^sha256:/, '')
}

/**
 * Publish $LATEST as a version, only if it still runs `codeSha256` (the
 * image digest, with or without `sha256:`). Lambda returns the existing
 * version instead of a new one when nothing changed since it was published.
 */
export async function publishVersion(
  lambda: LambdaClient,
  functionName: string,
  codeSha256: string,
  description: string,
  options: { log: Log },
  timing: Timing
): Promise<{ version: string; versionArn: string }> {
  const changed = (error: unknown): never => {
    throw new DeployError(
      `The code of ${functionName} changed while deploying: $LATEST no longer runs the image just deployed, so no version was published (${errorMessage(error)}). ` +
        'Another deploy ran at the same time: use a concurrency group per function in the workflow.'
    )
  }
  const response = await awsCall(
    'lambda:PublishVersion',
    () =>
      retry(
        () =>
          lambda.send(
            new PublishVersionCommand({
              FunctionName: functionName,
              CodeSha256: codeSha256Of(codeSha256),
              Description: description
            })
          ),
        retryOptions('PublishVersion', options.log),
        timing
      ),
    {
      ...managedInstancesErrors(functionName),
      // A CodeSha256 that no longer matches: AWS answers
      // InvalidParameterValueException ("CodeSHA256 (...) is different from
      // current CodeSHA256 in $LATEST"), documented as PreconditionFailed.
      PreconditionFailedException: changed,
      InvalidParameterValueException: error => {
        if (/CodeSHA256/i.test(errorMessage(error))) changed(error)
        throw awsCallError('lambda:PublishVersion', error)
      },
      ResourceConflictException: error => {
        throw new DeployError(
          `Function ${functionName} kept refusing to publish a version because an update is in progress (${errorMessage(error)}). ` +
            'Use a concurrency group per function in the workflow so deploys do not overlap.'
        )
      }
    }
  )
  if (response.Version === undefined || response.FunctionArn === undefined) {
    throw new DeployError(
      `lambda:PublishVersion on ${functionName} returned no version number.`
    )
  }
  return { version: response.Version, versionArn: response.FunctionArn }
}

export interface AliasState {
  name: string
  aliasArn: string
  /** The primary version. */
  version: string
  /** Additional versions and the share of requests each gets (0..1). */
  weights: Record<string, number>
  description: string | undefined
  revisionId: string | undefined
}

function aliasState(
  alias: AliasConfiguration,
  fallbackName: string
): AliasState {
  const weights: Record<string, number> = {}
  for (const [version, weight] of Object.entries(
    alias.RoutingConfig?.AdditionalVersionWeights ?? {}
  )) {
    if (typeof weight === 'number') weights[version] = weight
  }
  return {
    name: alias.Name ?? fallbackName,
    aliasArn: alias.AliasArn ?? '',
    version: alias.FunctionVersion ?? '',
    weights,
    description: alias.Description,
    revisionId: alias.RevisionId
  }
}

/** The alias as Lambda has it now, or undefined when there is none. */
export async function getAlias(
  lambda: LambdaClient,
  functionName: string,
  alias: string
): Promise<AliasState | undefined> {
  const response = await awsCall(
    'lambda:GetAlias',
    () =>
      lambda.send(
        new GetAliasCommand({ FunctionName: functionName, Name: alias })
      ),
    {
      ResourceNotFoundException: error => {
        // "Function not found" is not a missing alias: say so.
        if (/^Function not found/i.test(errorMessage(error)))
          throw new DeployError(
            `Lambda function ${functionName} does not exist in this account and region (${errorMessage(error)}).`
          )
        return undefined
      }
    }
  )
  return response === undefined ? undefined : aliasState(response, alias)
}

function checkWeights(weights: Record<string, number>): void {
  for (const [version, weight] of Object.entries(weights)) {
    if (!Number.isFinite(weight) || weight < 0 || weight > 1) {
      throw new DeployError(
        `The traffic weight of version ${version} must be between 0 and 1, got ${weight}.`
      )
    }
  }
}

/**
 * Point `alias` at `target.version`, with `target.weights` of the traffic on
 * other versions (a canary), or none. Creates the alias when `current` is
 * undefined; otherwise updates it only if nobody moved it since `current`
 * was read (RevisionId). Without a description, an update keeps the
 * alias's description.
 */
export async function pointAlias(
  lambda: LambdaClient,
  functionName: string,
  alias: string,
  target: {
    version: string
    weights?: Record<string, number>
    description?: string
  },
  current: AliasState | undefined,
  options: { log: Log },
  timing: Timing
): Promise<AliasState> {
  const weights = target.weights ?? {}
  checkWeights(weights)
  const hasWeights = Object.keys(weights).length > 0
  const description = target.description !== undefined && {
    Description: target.description
  }
  if (current === undefined) {
    const created = await awsCall(
      'lambda:CreateAlias',
      () =>
        retry(
          () =>
            lambda.send(
              new CreateAliasCommand({
                FunctionName: functionName,
                Name: alias,
                FunctionVersion: target.version,
                ...description,
                ...(hasWeights && {
                  RoutingConfig: { AdditionalVersionWeights: weights }
                })
              })
            ),
          // "Alias already exists" is a ResourceConflictException too, and
          // waiting does not make it go away.
          retryOptions(
            'CreateAlias',
            options.log,
            error =>
              isTransient(error) && !/already exists/i.test(errorMessage(error))
          ),
          timing
        ),
      {
        ResourceConflictException: error => {
          if (/already exists/i.test(errorMessage(error)))
            throw new DeployError(
              `Alias ${alias} of ${functionName} was created by someone else while deploying (${errorMessage(error)}). ` +
                'Use a concurrency group per function in the workflow, and run the deploy again.'
            )
          keptRefusing(functionName, alias, error)
        }
      }
    )
    return aliasState(created, alias)
  }
  const updated = await awsCall(
    'lambda:UpdateAlias',
    () =>
      retry(
        () =>
          lambda.send(
            new UpdateAliasCommand({
              FunctionName: functionName,
              Name: alias,
              FunctionVersion: target.version,
              ...description,
              // An empty map clears a canary split left from before.
              RoutingConfig: { AdditionalVersionWeights: weights },
              ...(current.revisionId !== undefined && {
                RevisionId: current.revisionId
              })
            })
          ),
        retryOptions('UpdateAlias', options.log),
        timing
      ),
    {
      PreconditionFailedException: error => {
        throw new ChangedMeanwhileError(
          `Someone else moved alias ${alias} of ${functionName} while deploying (it no longer points where it did: ${errorMessage(error)}). ` +
            'It was left as they set it. Use a concurrency group per function in the workflow, and run the deploy again.'
        )
      },
      ResourceConflictException: error =>
        keptRefusing(functionName, alias, error)
    }
  )
  return aliasState(updated, alias)
}

/** Every attempt found another update in progress. */
function keptRefusing(
  functionName: string,
  alias: string,
  error: unknown
): never {
  throw new DeployError(
    `Function ${functionName} kept refusing to move alias ${alias} because an update is in progress (${errorMessage(error)}). ` +
      'Use a concurrency group per function in the workflow so deploys do not overlap.'
  )
}

const DESCRIPTION_PREFIX = 'aspnet-lambda-deploy:'
/** Lambda's limit on an alias description. */
export const MAX_ALIAS_DESCRIPTION = 256

/**
 * What the action writes in the alias's description when it moves the
 * alias: the version it pointed to before (for `rollback-to: previous`) and
 * the image now deployed.
 */
export function aliasDescription(
  previousVersion: string | undefined,
  digest: string
): string {
  const previous =
    previousVersion === undefined
      ? 'no previous version'
      : `previous version ${previousVersion}`
  const text = `${DESCRIPTION_PREFIX} ${previous}; image ${digest}`
  return text.length > MAX_ALIAS_DESCRIPTION
    ? `${text.slice(0, MAX_ALIAS_DESCRIPTION - 1)}…`
    : text
}

/**
 * The previous version aliasDescription recorded, or undefined when the
 * description is absent, someone else's, or names no numbered version
 * ($LATEST is not something to roll back to).
 */
export function previousVersionFromDescription(
  description: string | undefined
): string | undefined {
  if (description === undefined) return undefined
  const match = /^aspnet-lambda-deploy: previous version (\d+)(?:;|$)/.exec(
    description
  )
  return match?.[1]
}
