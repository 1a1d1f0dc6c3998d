import { randomUUID } from 'node:crypto'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { invokeRequestResponse } from '../aws/invoke.js'
import {
  DeployError,
  awsErrorName,
  describeAwsError,
  errorMessage,
  isThrottling,
  PERMISSION_ERRORS
} from '../util/errors.js'
import { syntheticEvent } from './events.js'
import {
  inspectInvokePayload,
  type InvokeInspection
} from './invoke-payload.js'
import { again, done, poll } from '../util/poll.js'
import { backoffDelay } from '../util/retry.js'
import { evaluateResponse, type SmokeExpectation } from './smoke.js'
import { formatDuration, type Timing } from '../util/time.js'
import type { EventSourceInput } from '../inputs/types.js'

export interface InvokeCheckOptions {
  /** The function's ARN. */
  functionName: string
  /** The version (or alias) to invoke. */
  qualifier: string
  source: EventSourceInput
  /** The request target, e.g. /health or /health?deep=true. */
  path: string
  expected: SmokeExpectation
  timeoutMs: number
  log: (message: string) => void
  /**
   * The function streams its response (its Function URL's InvokeMode is
   * RESPONSE_STREAM): call InvokeWithResponseStream and read the HTTP
   * prelude and body (aws/lambda-stream-answer.ts) instead of Invoke.
   */
  streaming?: boolean
}

export interface InvokeCheckResult {
  pass: boolean
  status: number | undefined
  attempts: number
  reason: string
  /** The version Lambda ran for the last invocation. */
  executedVersion: string | undefined
  /** The last answer's body (at most MAX_BODY characters). */
  body?: string
}

/** How much of an answer's body the result keeps. */
export const MAX_BODY = 1000

/**
 * Function errors no retry can fix, because they come from the image or its
 * configuration and happen again on every cold start:
 * - Runtime.Invalid* (Runtime.InvalidEntrypoint: ENTRYPOINT/CMD missing or
 *   not executable, or the image's architecture is not the function's
 *   ("exec format error"); Runtime.InvalidWorkingDirectory; ...)
 * - Runtime.ExitError: the process exited, e.g. the app threw on startup
 * - Extension.InitError: an extension in the image failed to start
 * Everything else (Runtime.Unknown, Sandbox.Timedout and other timeouts,
 * Runtime.OutOfMemory, unhandled exceptions) is retried until the time is
 * up: a cold start can time out once and then succeed warm.
 */
export function isPermanentFunctionError(
  errorType: string | undefined
): boolean {
  if (errorType === undefined) return false
  return (
    /^Runtime\.Invalid\w*$/.test(errorType) ||
    errorType === 'Runtime.ExitError' ||
    errorType === 'Extension.InitError'
  )
}

/** Besides throttling: errors that pass if we wait a little. */
const TRANSIENT_ERRORS = new Set([
  'ResourceConflictException',
  'ResourceNotReadyException',
  // EC2 throttled Lambda while it set up the function's network interfaces:
  // not a limit on our calls, so not one of THROTTLING_ERRORS.
  'EC2ThrottledException',
  'ServiceException'
])

/**
 * What to do about an error Invoke threw: throw (the workflow's setup is
 * wrong: a missing permission or function), retry (throttling, an update in
 * progress, a 5xx, a network error) or fail (another 4xx: Lambda refused to
 * run this version, retrying cannot change that).
 */
export function invokeErrorAction(error: unknown): 'throw' | 'retry' | 'fail' {
  const name = awsErrorName(error) ?? ''
  if (PERMISSION_ERRORS.has(name)) return 'throw'
  if (name === 'ResourceNotFoundException') return 'throw'
  if (isThrottling(error) || TRANSIENT_ERRORS.has(name)) return 'retry'
  const fault =
    typeof error === 'object' && error !== null && '$fault' in error
      ? error.$fault
      : undefined
  const httpStatus =
    typeof error === 'object' &&
    error !== null &&
    '$metadata' in error &&
    typeof error.$metadata === 'object' &&
    error.$metadata !== null &&
    'httpStatusCode' in error.$metadata &&
    typeof error.$metadata.httpStatusCode === 'number'
      ? error.$metadata.httpStatusCode
      : undefined
  if (fault === 'server' || (httpStatus !== undefined && httpStatus >= 500)) {
    return 'retry'
  }
  if (fault === 'client') return 'fail'
  // No AWS answer at all: a network error or a timed-out request.
  return 'retry'
}

function decodePayload(payload: Uint8Array | undefined): string | undefined {
  return payload === undefined
    ? undefined
    : Buffer.from(payload).toString('utf8')
}

/**
 * The pre-traffic check: invoke one version directly with the request its
 * event source would send, before any traffic reaches it. Retries with
 * backoff until `timeoutMs` (cold starts take seconds); stops at once on
 * errors no retry can fix (see isPermanentFunctionError, and an answer that
 * is not an ASP.NET Core app's). Throws DeployError when the check cannot
 * be made at all (no lambda:InvokeFunction permission, no such version).
 */
export async function invokeCheck(
  lambda: LambdaClient,
  options: InvokeCheckOptions,
  timing: Timing
): Promise<InvokeCheckResult> {
  const target = `${options.functionName}:${options.qualifier}`
  let status: number | undefined
  let executedVersion: string | undefined
  let body: string | undefined
  let lastReason = 'no invocation was made'

  const result = (
    pass: boolean,
    attempts: number,
    reason: string
  ): InvokeCheckResult => ({
    pass,
    status,
    attempts,
    reason,
    executedVersion,
    ...(body !== undefined && { body })
  })

  let streaming = options.streaming === true
  const outcome = await poll<InvokeCheckResult>(
    async ({ attempt, remainingMs }) => {
      const sent = timing.now()
      const event = syntheticEvent(
        options.source,
        { method: 'GET', path: options.path },
        {
          functionArn: options.functionName,
          now: new Date(sent),
          requestId: randomUUID()
        }
      )
      let stop = false
      try {
        const signal = AbortSignal.timeout(Math.max(1000, remainingMs))
        const payload = Buffer.from(JSON.stringify(event))
        let reply = streaming
          ? await streamedAnswer(lambda, options, payload, signal)
          : await bufferedAnswer(lambda, options, payload, signal)
        if (!streaming && reply.streams) {
          // The app streams (EnableResponseStreaming) though no Function URL
          // says so: a buffered Invoke returned its raw stream.
          streaming = true
          options.log(
            `Attempt ${attempt}: the answer is a response stream (the app streams its responses): invoking through InvokeWithResponseStream.`
          )
          reply = await streamedAnswer(lambda, options, payload, signal)
        }
        const took = formatDuration(timing.now() - sent)
        executedVersion = reply.executedVersion ?? executedVersion
        const from =
          reply.executedVersion === undefined
            ? ''
            : ` from version ${reply.executedVersion}`
        const { inspection } = reply
        if (inspection.kind === 'answer') {
          const { answer } = inspection
          status = answer.status
          body = answer.body.slice(0, MAX_BODY)
          const verdict = evaluateResponse(
            answer.status,
            answer.body,
            options.expected
          )
          options.log(
            `Attempt ${attempt}: HTTP ${answer.status}${from} in ${took}: ${verdict.pass ? 'pass' : verdict.reason}`
          )
          if (verdict.pass) return done(result(true, attempt, verdict.reason))
          lastReason = `${verdict.reason}; body: ${answer.body.slice(0, 200)}`
        } else {
          status = undefined
          lastReason = inspection.reason
          options.log(
            `Attempt ${attempt}: no answer${from} in ${took}: ${lastReason}`
          )
          stop =
            inspection.cause === 'wrong-shape' ||
            isPermanentFunctionError(inspection.errorType)
        }
      } catch (error) {
        const action = invokeErrorAction(error)
        if (action === 'throw') throw invokeDeployError(options, target, error)
        status = undefined
        lastReason = describeAwsError('lambda:InvokeFunction', error)
        options.log(
          `Attempt ${attempt}: Invoke failed in ${formatDuration(timing.now() - sent)}: ${lastReason}`
        )
        stop = action === 'fail'
      }
      if (stop) {
        return done(
          result(
            false,
            attempt,
            `${target} failed in a way no retry can fix: ${lastReason}`
          )
        )
      }
      return again
    },
    {
      timeoutMs: options.timeoutMs,
      intervalMs: attempts => backoffDelay(attempts, 1000, 5000, timing.random)
    },
    timing
  )
  if (outcome.kind === 'done') return outcome.value
  return result(
    false,
    outcome.attempts,
    `${target} did not pass within ${formatDuration(options.timeoutMs)} (${outcome.attempts} attempts); last: ${lastReason}`
  )
}

interface Reply {
  executedVersion: string | undefined
  inspection: InvokeInspection
  /** A buffered Invoke's payload is an HTTP response stream. */
  streams?: boolean
}

async function streamedAnswer(
  lambda: LambdaClient,
  options: InvokeCheckOptions,
  payload: Buffer,
  abortSignal: AbortSignal
): Promise<Reply> {
  const { invokeStreamedAnswer } =
    await import('../aws/lambda-stream-answer.js')
  return invokeStreamedAnswer(
    lambda,
    {
      functionName: options.functionName,
      qualifier: options.qualifier,
      payload
    },
    abortSignal
  )
}

async function bufferedAnswer(
  lambda: LambdaClient,
  options: InvokeCheckOptions,
  payload: Buffer,
  abortSignal: AbortSignal
): Promise<Reply> {
  const response = await invokeRequestResponse(
    lambda,
    {
      functionName: options.functionName,
      qualifier: options.qualifier,
      payload: payload.toString('utf8')
    },
    abortSignal
  )
  const inspection = inspectInvokePayload(
    options.source,
    decodePayload(response.Payload),
    response.FunctionError
  )
  const streams =
    inspection.kind === 'error' &&
    inspection.cause === 'wrong-shape' &&
    response.Payload !== undefined &&
    (await import('../aws/lambda-stream-answer.js')).isHttpResponseStream(
      Buffer.from(response.Payload)
    )
  return { executedVersion: response.ExecutedVersion, inspection, streams }
}

function invokeDeployError(
  options: InvokeCheckOptions,
  target: string,
  error: unknown
): DeployError {
  if (awsErrorName(error) === 'ResourceNotFoundException') {
    return new DeployError(
      `Cannot invoke ${target}: version or alias ${options.qualifier} of the function does not exist (${errorMessage(error)}).`
    )
  }
  return new DeployError(
    `${describeAwsError('lambda:InvokeFunction', error)} ` +
      `The permission must cover the qualified ARN ${target} (e.g. ${options.functionName}:*), not only the function's ARN.`
  )
}
