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
  THROTTLING_ERRORS,
  awsErrorName,
  errorMessage,
  isThrottling
} from '../util/errors.js'
import { absent, answerAll, awsCall, type KnownErrors } from './call.js'
import type { CallBudget } from '../util/budget.js'
import { again, done, poll, throttled } from '../util/poll.js'
import { retry } from '../util/retry.js'
import { formatDuration, type Timing } from '../util/time.js'
import { digestFromCodeSha256, functionStateOf } from './lambda.js'
import {
  LATEST_PUBLISHED,
  activationStep,
  explainManagedInstancesError,
  type PublishedVersionState
} from './managed-instances-states.js'

type Log = (message: string) => void

export { managedInstancesOf, type ManagedInstances } from './lambda.js'
export {
  LATEST_PUBLISHED,
  VERSIONS_PER_CAPACITY_PROVIDER,
  activationStep,
  explainManagedInstancesError,
  type ActivationStep,
  type PublishedVersionState
} from './managed-instances-states.js'

/**
 * The Managed Instances errors a call can meet, answered with what they
 * mean and what to do (explainManagedInstancesError).
 */
export function managedInstancesErrors(
  functionName: string
): KnownErrors<never> {
  return answerAll(
    [
      'FunctionVersionsPerCapacityProviderLimitExceededException',
      'NoPublishedVersionException'
    ],
    error => {
      throw new DeployError(
        explainManagedInstancesError(error, functionName) ?? errorMessage(error)
      )
    }
  )
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
  const response = await awsCall(
    'lambda:PublishVersion',
    () =>
      retry(
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
      ),
    managedInstancesErrors(functionName)
  )
  return publishedVersionState(functionName, response, LATEST_PUBLISHED)
}

/**
 * A published version as GetFunction answers; a Managed Instances error in
 * words, the errors in `known` as the caller answers them.
 */
async function fetchPublishedVersion<F = never>(
  lambda: LambdaClient,
  functionName: string,
  version: string,
  known: KnownErrors<F> = {}
): Promise<PublishedVersionState | F> {
  // GetFunction (one IAM action the action already needs) rather than
  // GetFunctionConfiguration: the same configuration, with the image.
  return awsCall(
    'lambda:GetFunction',
    async () => {
      const f = await lambda.send(
        new GetFunctionCommand({
          FunctionName: functionName,
          Qualifier: version
        })
      )
      const image = functionStateOf(f, functionName)
      return {
        ...publishedVersionState(functionName, f.Configuration ?? {}, version),
        imageUri: image.imageUri,
        imageDigest: image.imageDigest
      }
    },
    { ...managedInstancesErrors(functionName), ...known }
  )
}

/** One poll of a published version (`$LATEST.PUBLISHED` or a number). */
export async function readPublishedVersion(
  lambda: LambdaClient,
  functionName: string,
  version: string
): Promise<PublishedVersionState> {
  return fetchPublishedVersion(lambda, functionName, version)
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
  return fetchPublishedVersion(lambda, functionName, LATEST_PUBLISHED, {
    ResourceNotFoundException: absent,
    NoPublishedVersionException: absent
  })
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
      const now = await fetchPublishedVersion(
        lambda,
        functionName,
        version,
        answerAll(THROTTLING_ERRORS, throttled)
      )
      // A known error's answer is the poll's step (throttled).
      if (!('functionName' in now)) return now
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
