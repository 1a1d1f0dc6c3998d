/**
 * Lambda Managed Instances (issue 24): the publish, the wait for a published
 * version to be Active, and the explanations of what ends it. A function with `CapacityProviderConfig` runs on EC2 capacity
 * providers, and its unqualified invokes and unqualified Function URL run the
 * `$LATEST.PUBLISHED` version, not `$LATEST`: UpdateFunctionCode alone
 * changes nothing callers get. AWS docs, Lambda Developer Guide:
 *   - lambda-managed-instances-version-publishing ("$LATEST.PUBLISHED version
 *     in Lambda Managed Instances": `publish-version --publish-to
 *     LATEST_PUBLISHED`, unqualified invokes go to $LATEST.PUBLISHED);
 *   - lambda-managed-instances-deployments (rolling updates republish
 *     $LATEST.PUBLISHED; blue/green and canary use numbered versions behind
 *     a weighted alias);
 *   - lambda-managed-instances-scaling (on publish Lambda launches instances
 *     and starts three execution environments before it marks the version
 *     ACTIVE);
 *   - lambda-managed-instances-quotas (100 function versions per capacity
 *     provider, cannot be increased);
 *   - API reference: FunctionConfiguration (State: Pending | Active |
 *     Inactive | Failed | Deactivating | Deactivated | ActiveNonInvocable |
 *     Deleting, StateReasonCode), PublishVersion / UpdateFunctionCode
 *     (`PublishTo: LATEST_PUBLISHED`), CapacityProviderConfig.
 */
import {
  GetFunctionCommand,
  PublishVersionCommand,
  type FunctionConfiguration,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import {
  DeployError,
  awsErrorName,
  describeAwsError,
  errorMessage,
  isThrottling
} from '../util/errors.js'
import type { CallBudget } from '../util/budget.js'
import { again, done, poll, throttled } from '../util/poll.js'
import { retry } from '../util/retry.js'
import { formatDuration, type Timing } from '../util/time.js'
import { digestFromCodeSha256, functionStateOf } from './lambda.js'

type Log = (message: string) => void

/** The version unqualified invokes of a Managed Instances function run. */
export const LATEST_PUBLISHED = '$LATEST.PUBLISHED'

/** lambda-managed-instances-quotas: "Function versions per capacity provider: 100 ... Cannot be increased." */
export const VERSIONS_PER_CAPACITY_PROVIDER = 100

export { managedInstancesOf, type ManagedInstances } from './lambda.js'

/** A published version's state as GetFunctionConfiguration reports it. */
export interface PublishedVersionState {
  functionName: string
  /** `$LATEST.PUBLISHED` or a version number */
  version: string
  versionArn: string
  codeSha256: string | undefined
  /** The image the version runs (`repo@sha256:…`) and its digest. */
  imageUri: string | undefined
  imageDigest: string | undefined
  state: string | undefined
  stateReason: string | undefined
  stateReasonCode: string | undefined
}

function publishedVersionState(
  functionName: string,
  c: FunctionConfiguration,
  fallbackVersion: string
): PublishedVersionState {
  return {
    functionName,
    version: c.Version ?? fallbackVersion,
    versionArn: c.FunctionArn ?? '',
    codeSha256: c.CodeSha256,
    imageUri: undefined,
    imageDigest: digestFromCodeSha256(c.CodeSha256),
    state: c.State,
    stateReason: c.StateReason,
    stateReasonCode: c.StateReasonCode
  }
}

/**
 * Publish $LATEST to `$LATEST.PUBLISHED` (PublishVersion with `PublishTo:
 * LATEST_PUBLISHED`), only if $LATEST still runs `codeSha256`. The answer
 * comes at once; the version is Pending until Lambda has started its
 * execution environments: wait with `activationStep` before telling anyone
 * the release is live.
 *
 * If the run dies right after this call: Lambda goes on activating the
 * version and moves traffic to it once it is Active (rolling update), so the
 * new image will serve without the checks having run. The undo record must be
 * written (the previous $LATEST.PUBLISHED image) BEFORE this call.
 */
export async function publishToLatestPublished(
  lambda: LambdaClient,
  functionName: string,
  codeSha256: string,
  description: string,
  options: { log: Log },
  timing: Timing
): Promise<PublishedVersionState> {
  let response: FunctionConfiguration
  try {
    response = await retry(
      () =>
        lambda.send(
          new PublishVersionCommand({
            FunctionName: functionName,
            CodeSha256: codeSha256.replace(/^sha256:/, ''),
            Description: description,
            PublishTo: 'LATEST_PUBLISHED'
          })
        ),
      {
        attempts: 8,
        baseDelayMs: 1000,
        maxDelayMs: 10_000,
        retryable: error =>
          awsErrorName(error) === 'ResourceConflictException' ||
          isThrottling(error),
        onRetry: (error, attempt, delay) =>
          options.log(
            `PublishVersion (PublishTo LATEST_PUBLISHED) attempt ${attempt} was refused (${awsErrorName(error) ?? 'error'}: ${errorMessage(error)}); retrying in ${delay}ms.`
          )
      },
      timing
    )
  } catch (error) {
    throw new DeployError(
      explainManagedInstancesError(error, functionName) ??
        describeAwsError('lambda:PublishVersion', error)
    )
  }
  return publishedVersionState(functionName, response, LATEST_PUBLISHED)
}

/** A published version as GetFunction answers; AWS errors as they come. */
async function fetchPublishedVersion(
  lambda: LambdaClient,
  functionName: string,
  version: string
): Promise<PublishedVersionState> {
  // GetFunction (one IAM action the action already needs) rather than
  // GetFunctionConfiguration: the same configuration, with the image.
  const f = await lambda.send(
    new GetFunctionCommand({ FunctionName: functionName, Qualifier: version })
  )
  const image = functionStateOf(f, functionName)
  return {
    ...publishedVersionState(functionName, f.Configuration ?? {}, version),
    imageUri: image.imageUri,
    imageDigest: image.imageDigest
  }
}

const describeReadError = (error: unknown, functionName: string): string =>
  explainManagedInstancesError(error, functionName) ??
  describeAwsError('lambda:GetFunction', error)

/** One poll of a published version (`$LATEST.PUBLISHED` or a number). */
export async function readPublishedVersion(
  lambda: LambdaClient,
  functionName: string,
  version: string
): Promise<PublishedVersionState> {
  try {
    return await fetchPublishedVersion(lambda, functionName, version)
  } catch (error) {
    throw new DeployError(describeReadError(error, functionName))
  }
}

/** What a wait for a published version does after one poll. */
export type ActivationStep =
  | { step: 'done' }
  | { step: 'wait'; progress: string }
  | { step: 'failed'; reason: string }

/**
 * What each StateReasonCode means for the person who reads the failure, and
 * what they can do about it. Codes from the API reference's
 * FunctionConfiguration StateReasonCode; the capacity ones are the Managed
 * Instances ones (capacity providers: lambda-managed-instances-capacity-providers,
 * quotas: lambda-managed-instances-quotas).
 */
const REASON_ADVICE: Readonly<Record<string, string>> = {
  InsufficientCapacity:
    'EC2 has no capacity for the instance types the capacity provider allows, in its subnets: allow more instance types or add subnets in other Availability Zones to the capacity provider, or deploy again later',
  CapacityProviderScalingLimitExceeded:
    "the capacity provider reached its scaling limit (the maximum vCPUs it may run): raise MaxVCpuCount in the capacity provider's scaling configuration, or move other functions to another capacity provider",
  VcpuLimitExceeded:
    'the account reached its EC2 vCPU quota for these instance types: ask for an EC2 On-Demand vCPU quota increase in Service Quotas',
  EC2RequestLimitExceeded:
    'EC2 throttled the requests Lambda made to launch instances: deploy again later',
  SubnetOutOfIPAddresses:
    "the capacity provider's subnets have no free IP addresses: free addresses or add subnets to the capacity provider",
  InvalidSubnet:
    "a subnet in the capacity provider's VPC configuration is not usable: fix the capacity provider's subnets",
  InvalidSecurityGroup:
    "a security group in the capacity provider's VPC configuration is not usable: fix the capacity provider's security groups",
  EniLimitExceeded:
    'the account reached its limit of network interfaces in this Region: delete unused ones or ask for a higher quota',
  InsufficientRolePermissions:
    "a role lacks permissions (the capacity provider's operator role or the function's execution role): see the reason below and the role's policy",
  ImageAccessDenied:
    "Lambda may not pull the image: allow the function's execution role and the repository policy to let Lambda read it",
  ImageDeleted:
    'the image was deleted (or archived) from the repository: deploy an image that exists',
  InvalidImage: 'Lambda refused the image: see the reason below',
  ServiceQuotaExceededException:
    'a service quota was reached: see the reason below',
  InternalError:
    'Lambda had an internal error while activating the version: deploy again'
}

function reasonInWords(
  code: string | undefined,
  reason: string | undefined
): string {
  const advice =
    code === undefined
      ? undefined
      : (REASON_ADVICE[code] ??
        (code.startsWith('FunctionError')
          ? `the function failed while starting (${code}): its INIT phase crashed or timed out; see the function's logs`
          : undefined))
  const parts = [
    code !== undefined ? `reason code ${code}` : undefined,
    advice,
    reason !== undefined && reason !== ''
      ? `Lambda says: "${reason}"`
      : undefined
  ].filter((p): p is string => p !== undefined)
  return parts.length > 0 ? parts.join('; ') : 'Lambda gave no reason'
}

/**
 * The decision after one poll of a published version, pure. Active ends the
 * wait; Pending keeps waiting (activation starts EC2 instances and
 * execution environments, and can take many minutes); every other state ends
 * it with a reason a person can act on. `$LATEST` of a Managed Instances
 * function is ActiveNonInvocable by design: it is never what a release waits
 * for, so a published version in that state is a failure too.
 */
export function activationStep(
  v: Pick<
    PublishedVersionState,
    'functionName' | 'version' | 'state' | 'stateReason' | 'stateReasonCode'
  >,
  elapsedMs: number
): ActivationStep {
  const what = `${v.functionName}:${v.version}`
  const why = reasonInWords(v.stateReasonCode, v.stateReason)
  switch (v.state) {
    case 'Active':
      return { step: 'done' }
    case 'Pending':
      return {
        step: 'wait',
        progress: `${what} is Pending after ${formatDuration(elapsedMs)}${v.stateReasonCode !== undefined ? ` (${v.stateReasonCode})` : ''}: Lambda is starting instances and execution environments on the capacity provider; traffic moves to it only once it is Active.`
      }
    case 'Failed':
      return {
        step: 'failed',
        reason: `${what} failed to activate: ${why}. Callers still get the version they had.`
      }
    case 'Inactive':
      return {
        step: 'failed',
        reason: `${what} is Inactive (${why}): Lambda reclaimed its execution environments; publish it again.`
      }
    case 'Deactivating':
    case 'Deactivated':
      return {
        step: 'failed',
        reason: `${what} is ${v.state} (${why}): Lambda is taking it out of service, usually because a newer publish replaced it (another deploy at the same time?). Check what the function serves now before deploying again.`
      }
    case 'Deleting':
      return {
        step: 'failed',
        reason: `${what} is being deleted (${why}): someone deleted the version or the function while this run waited for it.`
      }
    case 'ActiveNonInvocable':
      return {
        step: 'failed',
        reason: `${what} is ActiveNonInvocable: it cannot be invoked. That is what $LATEST of a Managed Instances function reports; a release must publish (PublishTo LATEST_PUBLISHED or a numbered version) and wait for that version instead.`
      }
    case undefined:
      return {
        step: 'wait',
        progress: `${what} reports no State yet after ${formatDuration(elapsedMs)}; waiting.`
      }
    default:
      return {
        step: 'wait',
        progress: `${what} is in state ${v.state}, which this action does not know (${why}); waiting for Active until the wait limit.`
      }
  }
}

/**
 * The two Managed Instances errors, explained with what to do; undefined for
 * any other error (the caller describes it as usual).
 */
export function explainManagedInstancesError(
  error: unknown,
  functionName: string
): string | undefined {
  const name = awsErrorName(error)
  const said = errorMessage(error)
  if (name === 'FunctionVersionsPerCapacityProviderLimitExceededException') {
    return (
      `Lambda refused to publish a version of ${functionName}: the capacity provider already has ${VERSIONS_PER_CAPACITY_PROVIDER} function versions, its limit, which cannot be raised (${name}: ${said}). ` +
      'Nothing changed what callers get. Delete versions no alias uses (the versions of every function on this capacity provider count), for example with prune-versions, or move the function to another capacity provider, then deploy again.'
    )
  }
  if (name === 'NoPublishedVersionException') {
    return (
      `${functionName} has no published version yet (${name}: ${said}): it is a Lambda Managed Instances function, whose unqualified invokes and Function URL run $LATEST.PUBLISHED, and nothing was ever published there. ` +
      `Publish first (aws lambda publish-version --function-name ${functionName} --publish-to LATEST_PUBLISHED), or call a numbered version or an alias.`
    )
  }
  return undefined
}

/**
 * $LATEST.PUBLISHED as callers get it now, or undefined when nothing was
 * ever published there (GetFunction of that qualifier then answers
 * ResourceNotFoundException; an invoke would answer
 * NoPublishedVersionException).
 */
export async function readLatestPublished(
  lambda: LambdaClient,
  functionName: string
): Promise<PublishedVersionState | undefined> {
  try {
    return await fetchPublishedVersion(lambda, functionName, LATEST_PUBLISHED)
  } catch (error) {
    const name = awsErrorName(error)
    if (
      name === 'ResourceNotFoundException' ||
      name === 'NoPublishedVersionException'
    )
      return undefined
    throw new DeployError(describeReadError(error, functionName))
  }
}

/** The published version did not become Active: Lambda said why. */
export class ActivationFailedError extends DeployError {}

/** The wait's limit came first: Lambda goes on activating the version. */
export class ActivationTimeoutError extends DeployError {}

export interface ActivationWait {
  timeoutMs: number
  log: Log
  /** Poll interval: 2 s, as AWS's PublishedVersionActive waiter (minDelay 2). */
  pollMs?: number
  /** A progress line at most this often (and at the first poll). */
  progressEveryMs?: number
  budget?: CallBudget
}

/** The default poll interval of the activation wait. */
export const ACTIVATION_POLL_MS = 2000

/**
 * Wait until a published version (`$LATEST.PUBLISHED` or a number) is
 * Active, with a progress line now and then; Failed and the other end
 * states (activationStep) end it with Lambda's reason. The run's timing is
 * cancellable, so a cancelled job ends the wait at its next sleep. One poll
 * helper (util/poll.ts), as every wait of the action; the interval follows
 * the SDK's waitUntilPublishedVersionActive (2 s).
 */
export async function waitForActivation(
  lambda: LambdaClient,
  functionName: string,
  version: string,
  options: ActivationWait,
  timing: Timing
): Promise<{
  version: PublishedVersionState
  polls: number
  elapsedMs: number
}> {
  const started = timing.now()
  const every = options.progressEveryMs ?? 30_000
  let lastProgressAt: number | undefined
  let last: PublishedVersionState | undefined
  const outcome = await poll<PublishedVersionState>(
    async () => {
      await options.budget?.take()
      let now: PublishedVersionState
      try {
        now = await fetchPublishedVersion(lambda, functionName, version)
      } catch (error) {
        if (isThrottling(error)) return throttled(error)
        throw new DeployError(describeReadError(error, functionName))
      }
      last = now
      const elapsed = timing.now() - started
      const step = activationStep(now, elapsed)
      if (step.step === 'done') return done(now)
      if (step.step === 'failed') throw new ActivationFailedError(step.reason)
      if (lastProgressAt === undefined || elapsed - lastProgressAt >= every) {
        lastProgressAt = elapsed
        options.log(step.progress)
      }
      return again
    },
    {
      timeoutMs: options.timeoutMs,
      intervalMs: options.pollMs ?? ACTIVATION_POLL_MS,
      maxIntervalMs: 20_000,
      onThrottled: (error, next) =>
        options.log(
          `Throttled while waiting for ${functionName}:${version} (${errorMessage(error)}); next poll in ${next}ms.`
        )
    },
    timing
  )
  if (outcome.kind === 'done')
    return {
      version: outcome.value,
      polls: outcome.attempts,
      elapsedMs: timing.now() - started
    }
  throw new ActivationTimeoutError(
    `${functionName}:${version} is still ${last?.state ?? 'not Active'} after ${formatDuration(outcome.elapsedMs)}, the wait's limit (wait-timeout). ` +
      'Lambda goes on activating it and moves traffic to it once it is Active; raise wait-timeout if activations on this capacity provider take longer.'
  )
}
