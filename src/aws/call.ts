/**
 * The one way the action calls AWS. Every SDK call goes through `awsCall`:
 * an error the caller knows by its AWS name is answered by the caller (a
 * value in the call's place, or the action's own error with the fix); any
 * other error becomes a DeployError that names the IAM action, so a missing
 * permission says which permission to add (describeAwsError).
 */
import {
  awsErrorName,
  DeployError,
  describeAwsError,
  errorMessage
} from '../util/errors.js'

/** Answers for the AWS errors a caller knows, by error name (e.g. ResourceNotFoundException). */
export type KnownErrors<F> = Readonly<Record<string, (error: unknown) => F>>

/**
 * An AWS call failed in a way nobody answers for. Its message names the IAM
 * action; `cause` is the SDK's error, for a caller that words its own.
 */
export class AwsCallError extends DeployError {
  constructor(
    readonly action: string,
    override readonly cause: unknown
  ) {
    super(describeAwsError(action, cause))
  }
}

/** The action's error for an AWS call that failed in a way nobody answers for. */
export function awsCallError(action: string, error: unknown): AwsCallError {
  return new AwsCallError(action, error)
}

/** What the SDK said, without the action's wording (for a caller's own message). */
export function sdkMessage(error: unknown): string {
  return errorMessage(error instanceof AwsCallError ? error.cause : error)
}

/** The SDK's error name (ThrottlingException, …), through an AwsCallError too. */
export function sdkErrorName(error: unknown): string | undefined {
  return awsErrorName(error instanceof AwsCallError ? error.cause : error)
}

/** The same answer for each of `names` (the permission errors, the throttling ones). */
export function answerAll<F>(
  names: Iterable<string>,
  answer: (error: unknown) => F
): KnownErrors<F> {
  return Object.fromEntries([...names].map(name => [name, answer]))
}

/**
 * Runs `send` (one SDK call, or a retry or paginator around it). `action`
 * is the IAM action the call needs (`lambda:GetFunction`). An answer may
 * throw (the action's own error, with the fix) or be a promise (a look-up
 * before answering). A retry around awsCall of the same action hands on its
 * last attempt's AwsCallError: that is answered by the SDK's error inside,
 * and never wrapped twice.
 */
export async function awsCall<T, F = never>(
  action: string,
  send: () => Promise<T>,
  known: KnownErrors<F> = {}
): Promise<T | F> {
  try {
    return await send()
  } catch (thrown) {
    const ours = thrown instanceof AwsCallError && thrown.action === action
    const error = ours ? thrown.cause : thrown
    const name = awsErrorName(error)
    // Own keys only: an error named "constructor" is not a known one.
    const answer =
      name !== undefined && Object.hasOwn(known, name) ? known[name] : undefined
    if (answer !== undefined) return answer(error)
    throw ours ? thrown : awsCallError(action, error)
  }
}

/** A known error that means "not there": the call answers undefined. */
export const absent = (): undefined => undefined

/**
 * What went wrong, for a caller that reports a failed look-up rather than
 * failing: an AwsCallError already names its action; anything else (a
 * client that could not be made) is described under `action`.
 */
export function failureText(action: string, error: unknown): string {
  return error instanceof AwsCallError
    ? error.message
    : describeAwsError(action, error)
}

/**
 * The pages of one of the SDK's paginators (paginateDescribeImages, …), each
 * page's call answered as awsCall answers one call; a known error's answer
 * 'end' ends the listing there.
 */
export async function* awsPages<P>(
  action: string,
  pages: AsyncIterable<P>,
  known: KnownErrors<'end'> = {}
): AsyncGenerator<P> {
  const iterator = pages[Symbol.asyncIterator]()
  try {
    for (;;) {
      const page = await awsCall(action, () => iterator.next(), known)
      if (page === 'end' || page.done === true) return
      yield page.value
    }
  } finally {
    // A consumer that stops early ends the paginator too.
    await iterator.return?.()
  }
}
