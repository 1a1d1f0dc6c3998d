/** A readable message from anything that was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  try {
    // JSON.stringify returns undefined for undefined, functions and symbols.
    return JSON.stringify(error) ?? String(error)
  } catch {
    return String(error)
  }
}

/**
 * fetch() rejects with a bare "fetch failed" and puts what went wrong (DNS,
 * TLS, connection refused) in `cause`.
 */
export function networkErrorMessage(error: unknown): string {
  const message = errorMessage(error)
  const cause = error instanceof Error ? error.cause : undefined
  return cause === undefined ? message : `${message} (${errorMessage(cause)})`
}

/** The AWS SDK v3 error name (e.g. ResourceConflictException), if any. */
export function awsErrorName(error: unknown): string | undefined {
  if (
    typeof error === 'object' &&
    error !== null &&
    'name' in error &&
    typeof error.name === 'string'
  ) {
    return error.name
  }
  return undefined
}

/**
 * An error the action raises on purpose: its message already says what
 * happened and what to do, so main.ts prints it as is.
 */
export class DeployError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DeployError'
  }
}

/**
 * Lambda could not apply an update (LastUpdateStatus Failed) and kept
 * running what it ran before: nothing changed.
 */
export class UpdateFailedError extends DeployError {
  constructor(message: string) {
    super(message)
    this.name = 'UpdateFailedError'
  }
}

/**
 * A guarded call was refused because someone else changed the function or
 * alias since this run read it: what serves now is theirs.
 */
export class ChangedMeanwhileError extends DeployError {
  constructor(message: string) {
    super(message)
    this.name = 'ChangedMeanwhileError'
  }
}

/**
 * The local tag names another image than the one this build made: another
 * build on the same docker engine (a second run of the same commit on a
 * shared runner) tagged it after us. Nothing was pushed.
 */
export class LocalTagMovedError extends DeployError {
  constructor(
    message: string,
    readonly otherImageId: string
  ) {
    super(message)
    this.name = 'LocalTagMovedError'
  }
}

/** AWS error names that mean the caller may not make the call. */
export const PERMISSION_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'ExpiredTokenException'
])

/**
 * AWS error names that mean "slow down": the call was refused for its rate,
 * and the same call a little later will do.
 */
export const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling'
])

export function isThrottling(error: unknown): boolean {
  return THROTTLING_ERRORS.has(awsErrorName(error) ?? '')
}

/**
 * Wrap an AWS error with the API action that failed, so a missing IAM
 * permission names the permission to add.
 */
export function describeAwsError(action: string, error: unknown): string {
  const name = awsErrorName(error)
  const message = errorMessage(error)
  if (name !== undefined && PERMISSION_ERRORS.has(name)) {
    return `${action} was denied (${name}): ${message}. Allow "${action}" in the policy of the role the workflow assumes (see the README's Permissions section).`
  }
  return `${action} failed${name !== undefined && name !== 'Error' ? ` (${name})` : ''}: ${message}`
}
