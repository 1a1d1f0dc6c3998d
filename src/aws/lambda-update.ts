/**
 * Changing a function's code and waiting until Lambda has applied it
 * (UpdateFunctionCode, then GetFunction polled as AWS's function-updated-v2
 * waiter does), read back so a deploy that did not land is never reported.
 */
import {
  GetFunctionCommand,
  UpdateFunctionCodeCommand,
  type FunctionConfiguration,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import type { CallBudget } from '../util/budget.js'
import { answerAll, awsCall, sdkErrorName, sdkMessage } from './call.js'
import {
  ChangedMeanwhileError,
  DeployError,
  PERMISSION_ERRORS,
  THROTTLING_ERRORS,
  UpdateFailedError,
  awsErrorName,
  describeAwsError,
  errorMessage
} from '../util/errors.js'
import { again, done, poll, throttled } from '../util/poll.js'
import { retry } from '../util/retry.js'
import { formatDuration, type Timing } from '../util/time.js'
import {
  checkDeployedDigest,
  functionStateOf,
  getFunctionState,
  type FunctionState,
  type Log
} from './lambda.js'

export interface WaitOptions {
  timeoutMs: number
  /**
   * Poll interval, kept short: polls are GetFunction calls (as in AWS's
   * function-updated-v2 waiter), which have their own rate limit of 100/s per
   * account, apart from the 15/s that the other control-plane calls share.
   */
  pollMs?: number
  /** Upper bound for the interval when throttled. */
  maxPollMs?: number
  log: Log
  /**
   * Shared with other concurrent waits, so their polls together stay within
   * the account's rate limit; taken before every poll.
   */
  budget?: CallBudget
}

export interface UpdateOutcome {
  status: 'Successful' | 'Failed'
  reason: string | undefined
  reasonCode: string | undefined
  /** The configuration in the last poll's answer. */
  configuration: FunctionConfiguration
  /** The function as the last poll's answer shows it (as getFunctionState would). */
  observed: FunctionState
  polls: number
}

/**
 * Poll GetFunction, like AWS's function-updated-v2 waiter, until the function
 * is neither Pending nor InProgress. A fixed short interval (not the SDK
 * waiter's exponential backoff) notices completion within one interval;
 * throttling slows the poll down instead of failing.
 */
export async function waitForUpdate(
  lambda: LambdaClient,
  functionName: string,
  options: WaitOptions,
  timing: Timing
): Promise<UpdateOutcome> {
  let lastSeen = 'unknown'
  const outcome = await poll<Omit<UpdateOutcome, 'polls'>>(
    async ({ remainingMs }) => {
      await options.budget?.take()
      const read = await awsCall(
        'lambda:GetFunction',
        async () => ({
          // A read that hangs must not outlive the wait: it is cut at the
          // deadline (and by the client's own request timeout before that).
          response: await lambda.send(
            new GetFunctionCommand({ FunctionName: functionName }),
            { abortSignal: AbortSignal.timeout(Math.max(1000, remainingMs)) }
          )
        }),
        {
          ...answerAll(THROTTLING_ERRORS, throttled),
          ...answerAll(['AbortError', 'TimeoutError'], error => {
            throw new DeployError(
              `Lambda did not answer GetFunction for ${functionName} before the wait's deadline (a stalled connection): ${errorMessage(error)}`
            )
          })
        }
      )
      if (!('response' in read)) return read // throttled: poll again
      const { response } = read
      const configuration = response.Configuration ?? {}
      const observed = functionStateOf(response, functionName)
      const status = configuration.LastUpdateStatus
      const state = configuration.State
      lastSeen = `State ${state ?? '?'}, LastUpdateStatus ${status ?? '?'}`
      if (state === 'Failed' && status !== 'InProgress') {
        return done({
          status: 'Failed',
          reason:
            configuration.StateReason ?? configuration.LastUpdateStatusReason,
          reasonCode:
            configuration.StateReasonCode ??
            configuration.LastUpdateStatusReasonCode,
          configuration,
          observed
        })
      }
      if (status === 'Failed') {
        return done({
          status: 'Failed',
          reason: configuration.LastUpdateStatusReason,
          reasonCode: configuration.LastUpdateStatusReasonCode,
          configuration,
          observed
        })
      }
      if (status !== 'InProgress' && state !== 'Pending') {
        return done({
          status: 'Successful',
          reason: undefined,
          reasonCode: undefined,
          configuration,
          observed
        })
      }
      return again
    },
    {
      timeoutMs: options.timeoutMs,
      intervalMs: options.pollMs ?? 500,
      maxIntervalMs: options.maxPollMs ?? 5000,
      onThrottled: (error, nextDelayMs) =>
        options.log(
          `Throttled while polling (${errorMessage(error)}); next poll in ${nextDelayMs}ms.`
        )
    },
    timing
  )
  if (outcome.kind === 'done') {
    return { ...outcome.value, polls: outcome.attempts }
  }
  throw new DeployError(
    `Function ${functionName} is still updating after ${formatDuration(outcome.elapsedMs)} (${lastSeen}). ` +
      'Raise wait-timeout, or look at the function in the Lambda console; the update may still finish.'
  )
}

export interface UpdateCodeOptions {
  log: Log
  /** Attempts for ResourceConflictException ("an update is in progress"). */
  conflictAttempts?: number
  /**
   * Only if the function is still at this revision: a change by someone
   * else since it was read makes Lambda refuse (PreconditionFailed).
   */
  revisionId?: string | undefined
  /**
   * Asked when Lambda answers "an update is in progress": whether that
   * update is this very one, accepted by an earlier attempt whose answer was
   * lost (the SDK resends a request after a reset or its request timeout).
   * Then there is nothing to retry.
   */
  acceptedEarlier?: () => Promise<boolean>
}

/**
 * UpdateFunctionCode by digest, retrying update-in-progress conflicts.
 * Resolves undefined when an earlier attempt's update turned out accepted.
 */
export async function updateFunctionCode(
  lambda: LambdaClient,
  functionName: string,
  imageUri: string,
  options: UpdateCodeOptions,
  timing: Timing
): Promise<FunctionConfiguration | undefined> {
  const action = 'lambda:UpdateFunctionCode'
  const attempt = async (): Promise<FunctionConfiguration | undefined> =>
    awsCall(
      action,
      () =>
        lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: functionName,
            ImageUri: imageUri,
            ...(options.revisionId !== undefined && {
              RevisionId: options.revisionId
            })
          })
        ),
      {
        ResourceConflictException: async error => {
          if ((await options.acceptedEarlier?.()) !== true) throw error
          options.log(
            `UpdateFunctionCode was refused (${errorMessage(error)}), but the update in progress is this one: an earlier attempt was accepted and its answer was lost.`
          )
          return undefined
        }
      }
    )
  return awsCall(
    action,
    () =>
      retry(
        attempt,
        {
          attempts: options.conflictAttempts ?? 8,
          baseDelayMs: 1000,
          maxDelayMs: 10_000,
          retryable: error =>
            sdkErrorName(error) === 'ResourceConflictException' ||
            THROTTLING_ERRORS.has(sdkErrorName(error) ?? ''),
          onRetry: (error, attempt, delay) =>
            options.log(
              `UpdateFunctionCode attempt ${attempt} was refused (${sdkErrorName(error) ?? 'error'}: ${sdkMessage(error)}); retrying in ${delay}ms.`
            )
        },
        timing
      ),
    {
      PreconditionFailedException: error => {
        throw new ChangedMeanwhileError(
          `Function ${functionName} was changed by someone else since it was read, so it was left as it is (${errorMessage(error)}).`
        )
      },
      ResourceConflictException: error => {
        throw new DeployError(
          `Function ${functionName} kept refusing the update because another update is in progress (${errorMessage(error)}). ` +
            'Use a concurrency group per function in the workflow so deploys do not overlap.'
        )
      },
      InvalidParameterValueException: error => {
        throw new DeployError(
          `Lambda refused the image ${imageUri}: ${errorMessage(error)}`
        )
      }
    }
  )
}

export interface DeployImageOptions {
  waitTimeoutMs: number
  log: Log
  pollMs?: number
  /** Guard: only if the function is still at this revision. */
  revisionId?: string | undefined
  /**
   * Called once Lambda accepted the update: from then on the function
   * counts as changed, whatever happens while waiting.
   */
  onAccepted?: () => void
  /** Passed to waitForUpdate: see WaitOptions.budget. */
  budget?: CallBudget
}

export interface DeployImageResult {
  /** The function as Lambda reports it after the update. */
  after: FunctionState
  polls: number
}

/**
 * UpdateFunctionCode, wait until Lambda has applied it, and confirm the
 * function now runs exactly `digest`.
 */
export async function deployImage(
  lambda: LambdaClient,
  functionName: string,
  imageUri: string,
  digest: string,
  options: DeployImageOptions,
  timing: Timing
): Promise<DeployImageResult> {
  // An answer can be lost after Lambda accepted the update (a reset, the
  // SDK's request timeout); the SDK then resends it, and Lambda refuses
  // the copy because "an update is in progress" — ours. So after any error
  // the function is read back: while Lambda applies an update, GetFunction
  // already shows the new code (CodeSha256, ResolvedImageUri) with
  // LastUpdateStatus InProgress ("Lambda function states",
  // https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html). A
  // function that runs this digest, or is updating to it, took the update:
  // it counts as changed, and is waited for and checked as usual.
  const showsOurs = async (): Promise<boolean> => {
    const now = await getFunctionState(lambda, functionName).catch(
      () => undefined
    )
    return now !== undefined && now.imageDigest === digest
  }
  try {
    await updateFunctionCode(
      lambda,
      functionName,
      imageUri,
      {
        log: options.log,
        revisionId: options.revisionId,
        acceptedEarlier: showsOurs
      },
      timing
    )
  } catch (error) {
    if (!(await showsOurs())) throw error
    options.log(
      `The function runs or is updating to ${digest} although the call failed (${errorMessage(error)}): Lambda accepted the update and its answer was lost.`
    )
  }
  options.onAccepted?.()
  options.log(
    `UpdateFunctionCode accepted ${imageUri}; waiting for Lambda to apply it.`
  )
  const outcome = await waitForUpdate(
    lambda,
    functionName,
    {
      timeoutMs: options.waitTimeoutMs,
      log: options.log,
      ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
      ...(options.budget !== undefined && { budget: options.budget })
    },
    timing
  )
  // The last poll's answer is a full GetFunction: what the function runs now.
  const after = outcome.observed
  if (outcome.status === 'Failed') {
    // Whether Lambda reports the refused image or the old one after a failed
    // update, the function keeps running the old one: never name the new one.
    const running = after.imageDigest !== digest ? after.imageUri : undefined
    const reason = (outcome.reason ?? 'no reason given').replace(/\.+$/, '')
    throw new UpdateFailedError(
      `Lambda could not apply the update to ${functionName}: ` +
        `${outcome.reasonCode ?? 'Failed'}: ${reason}. ` +
        `The function still runs ${running ?? 'its previous image'}.`
    )
  }
  checkDeployedDigest(after, digest)
  return { after, polls: outcome.polls }
}

/** Lambda's answer to an UpdateFunctionCode with `DryRun: true`. */
export type DryRunAnswer =
  | { answer: 'allowed' }
  /** The role may not make the call (or use the image's repository). */
  | { answer: 'denied'; message: string }
  /** The request itself was refused: the image, or the function's state. */
  | { answer: 'refused'; message: string }
  /** Another update is in progress now: says nothing about permissions. */
  | { answer: 'busy'; message: string }

/**
 * UpdateFunctionCode with `DryRun: true`: "validate the request parameters
 * and access permissions without modifying the function code" (Lambda API
 * reference, UpdateFunctionCode, DryRun). Read-only: proves that the role
 * may deploy `imageUri` to the function, before a real run does.
 * https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html
 */
export async function askToUpdateCode(
  lambda: LambdaClient,
  functionName: string,
  imageUri: string
): Promise<DryRunAnswer> {
  const as =
    (answer: 'denied' | 'refused' | 'busy') =>
    (error: unknown): DryRunAnswer => ({
      answer,
      message:
        answer === 'denied'
          ? describeAwsError('lambda:UpdateFunctionCode', error)
          : `${awsErrorName(error) ?? 'error'}: ${errorMessage(error)}`
    })
  return awsCall<DryRunAnswer, DryRunAnswer>(
    'lambda:UpdateFunctionCode',
    async () => {
      await lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: functionName,
          ImageUri: imageUri,
          DryRun: true
        })
      )
      return { answer: 'allowed' }
    },
    {
      ...answerAll(PERMISSION_ERRORS, as('denied')),
      InvalidParameterValueException: as('refused'),
      ResourceNotFoundException: as('refused'),
      ResourceConflictException: as('busy')
    }
  )
}
