/**
 * Pure decisions of the execution environment's lifecycle (init, invoke, shutdown) and its
 * limits. Sources: AWS docs "Understanding the Lambda execution environment lifecycle"
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html: init limited to
 * 10 s, retried inside the first invoke with the function timeout; shutdown 2,000 ms with
 * external extensions), "Lambda Extensions API"
 * (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html: init order, events,
 * shutdown reasons), "Response streaming" and "Lambda quotas" (6 MB buffered, 200 MB streamed).
 */
import type { Architecture, SandboxFailure } from './types.js'

/** Init phase limit for on-demand functions. */
export const INIT_LIMIT_MS = 10_000
/** The buffered response limit, as Lambda's own error message states it. */
export const MAX_BUFFERED_RESPONSE_BYTES = 6_291_556
/** Default maximum of a streamed response (200 MB). */
export const MAX_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024
/** Lambda starts at most 10 extensions. */
export const MAX_EXTENSIONS = 10

export interface ExtensionFacts {
  name: string
  /** Started from /opt/extensions (external), else registered from inside the runtime (internal). */
  external: boolean
  registered: boolean
  /** Parked on /extension/event/next. */
  waiting: boolean
  exitCode?: number | null
  /** Why the file cannot run on the function's CPU (ELF check). */
  wrongCpu?: string
  /** Error type posted to /extension/init/error. */
  initError?: string
}

export interface InitFacts {
  extensions: readonly ExtensionFacts[]
  runtimeStarted: boolean
  /** Could not start the entrypoint (docker exec's OCI error). */
  runtimeLaunchError?: string
  runtimeExitCode?: number | null
  /** Error type posted to /runtime/init/error. */
  runtimeInitError?: string
  /** The runtime's first /invocation/next arrived: registration is closed. */
  runtimeWaiting: boolean
  elapsedMs: number
  /** undefined: no limit (QEMU emulation). */
  limitMs: number | undefined
}

export type InitStep =
  | { kind: 'wait' }
  | { kind: 'start-runtime' }
  | { kind: 'ready' }
  | { kind: 'fail'; failure: SandboxFailure }

function fail(
  errorType: string,
  message: string,
  status: 'error' | 'timeout' = 'error'
): InitStep {
  return { kind: 'fail', failure: { errorType, status, message } }
}

/**
 * The next step of init: extensions start first and must all register before the runtime
 * starts; init ends when the runtime and every registered extension wait on their `next`.
 */
export function decideInit(f: InitFacts): InitStep {
  for (const e of f.extensions) {
    if (e.wrongCpu !== undefined)
      return fail('Extension.Crash', `${e.name}: ${e.wrongCpu}`)
    if (e.exitCode !== undefined)
      return fail(
        'Extension.Crash',
        `Extension ${e.name} exited during init (exit status ${e.exitCode ?? 'signal'})`
      )
    if (e.initError !== undefined)
      return fail(e.initError, `Extension ${e.name} reported an init error`)
  }
  if (f.runtimeLaunchError !== undefined)
    return fail('Runtime.InvalidEntrypoint', f.runtimeLaunchError)
  if (f.runtimeInitError !== undefined)
    return fail(f.runtimeInitError, 'The runtime reported an init error')
  if (f.runtimeExitCode !== undefined)
    return fail(
      'Runtime.ExitError',
      `Runtime exited with error: exit status ${f.runtimeExitCode ?? 'signal'}`
    )
  if (f.limitMs !== undefined && f.elapsedMs >= f.limitMs)
    return fail(
      'Sandbox.Timedout',
      `Init timed out after ${(f.limitMs / 1000).toFixed(2)} seconds`,
      'timeout'
    )
  if (f.extensions.some(e => e.external && !e.registered))
    return { kind: 'wait' }
  if (!f.runtimeStarted) return { kind: 'start-runtime' }
  if (!f.runtimeWaiting) return { kind: 'wait' }
  if (f.extensions.some(e => e.registered && !e.waiting))
    return { kind: 'wait' }
  return { kind: 'ready' }
}

export interface InvokeFacts {
  requestId: string
  /** What the runtime posted for this request. */
  outcome?: 'response' | 'error' | 'too-large'
  runtimeWaiting: boolean
  /** Every extension subscribed to INVOKE is back on event/next. */
  extensionsWaiting: boolean
  runtimeExitCode?: number | null
  crashedExtension?: string
  elapsedMs: number
  timeoutSeconds: number
}

export type InvokeStep =
  | { kind: 'wait' }
  | { kind: 'done' }
  | { kind: 'fail'; failure: SandboxFailure }

/** The invoke ends when the runtime and every extension are back on `next`. */
export function decideInvoke(f: InvokeFacts): InvokeStep {
  if (f.crashedExtension !== undefined)
    return {
      kind: 'fail',
      failure: {
        errorType: 'Extension.Crash',
        status: 'error',
        message: `RequestId: ${f.requestId} Error: extension ${f.crashedExtension} exited`
      }
    }
  const finished =
    f.outcome !== undefined && f.runtimeWaiting && f.extensionsWaiting
  if (finished) return { kind: 'done' }
  if (f.runtimeExitCode !== undefined)
    return {
      kind: 'fail',
      failure: {
        errorType: 'Runtime.ExitError',
        status: 'error',
        message: `RequestId: ${f.requestId} Error: Runtime exited with error: exit status ${f.runtimeExitCode ?? 'signal'}`
      }
    }
  if (f.elapsedMs >= f.timeoutSeconds * 1000)
    return {
      kind: 'fail',
      failure: {
        errorType: 'Sandbox.Timedout',
        status: 'timeout',
        message: `RequestId: ${f.requestId} Error: Task timed out after ${f.timeoutSeconds.toFixed(2)} seconds`
      }
    }
  return { kind: 'wait' }
}

/**
 * The init limit, or undefined where it is not enforced: an image of another CPU runs under
 * QEMU here, many times slower than on Lambda, so a limit would fail healthy functions.
 */
export function initLimitFor(
  phase: 'init' | 'invoke',
  functionArchitecture: Architecture,
  hostArchitecture: Architecture,
  timeoutSeconds: number,
  initLimitMs: number = INIT_LIMIT_MS
): number | undefined {
  if (functionArchitecture !== hostArchitecture) return undefined
  return phase === 'init' ? initLimitMs : timeoutSeconds * 1000
}

/** Shutdown budget: 2,000 ms with external extensions, 500 ms internal only, else 0. */
export function shutdownBudgetMs(
  extensions: readonly Pick<ExtensionFacts, 'external' | 'registered'>[]
): number {
  const registered = extensions.filter(e => e.registered)
  if (registered.some(e => e.external)) return 2000
  if (registered.length > 0) return 500
  return 0
}

/** Response size check: the runtime gets 413 past the limit of its mode. */
export function responseTooLarge(
  bytes: number,
  mode: 'buffered' | 'streaming'
): boolean {
  return (
    bytes >
    (mode === 'buffered'
      ? MAX_BUFFERED_RESPONSE_BYTES
      : MAX_STREAMED_RESPONSE_BYTES)
  )
}

/** What the caller of Invoke receives for a failure of the environment. */
export function failurePayload(failure: SandboxFailure): string {
  return JSON.stringify({
    errorType: failure.errorType,
    errorMessage: failure.message
  })
}

export const RESPONSE_TOO_LARGE: SandboxFailure = {
  errorType: 'Function.ResponseSizeTooLarge',
  status: 'error',
  message: `Response payload size exceeded maximum allowed payload size (${MAX_BUFFERED_RESPONSE_BYTES} bytes).`
}

/** Extension events Lambda accepts at registration. */
export function invalidEvents(events: unknown): string | undefined {
  if (!Array.isArray(events)) return 'events must be an array'
  const bad = events.filter(e => e !== 'INVOKE' && e !== 'SHUTDOWN')
  return bad.length > 0 ? `unknown events: ${bad.join(', ')}` : undefined
}
