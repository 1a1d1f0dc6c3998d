/** Shared types of the Lambda execution emulator (docs/emulator.md). */

export type Architecture = 'x86_64' | 'arm64'

/** The function configuration the emulator runs an image with (Lambda's names). */
export interface FunctionSpec {
  functionName: string
  /** Local image reference or id (already pulled or built). */
  image: string
  architecture: Architecture
  memorySize: number
  /** Function timeout in seconds. */
  timeout: number
  version?: string
  region?: string
  accountId?: string
  /** The function's ImageConfig: each part overrides the image's own when set. */
  imageConfig?: {
    entryPoint?: string[]
    command?: string[]
    workingDirectory?: string
  }
  /** The function's environment variables (values never go into argv). */
  environment?: Record<string, string>
}

/** Error types Lambda reports in INIT_REPORT / REPORT and to the caller. */
export type SandboxErrorType =
  | 'Extension.Crash'
  | 'Extension.InitError'
  | 'Extension.ExitError'
  | 'Runtime.ExitError'
  | 'Runtime.InvalidEntrypoint'
  | 'Runtime.Unknown'
  | 'Sandbox.Timedout'
  | 'Function.ResponseSizeTooLarge'
  | (string & {})

export type ShutdownReason = 'spindown' | 'timeout' | 'failure'

export interface SandboxFailure {
  errorType: SandboxErrorType
  /** 'timeout' for the time limits, 'error' otherwise (INIT_REPORT / REPORT Status). */
  status: 'error' | 'timeout'
  message: string
}

/** What an invoke resolves with (Invoke's answer). */
export interface InvokeResult {
  requestId: string
  /** Set when the function or the environment failed (Invoke's X-Amz-Function-Error). */
  functionError?: 'Unhandled'
  errorType?: string
  payload: Buffer
  streamed: boolean
}

/** An extension as init left it (its EXTENSION line). */
export interface ExtensionReport {
  name: string
  state: 'Ready' | 'Registered' | 'Started'
  events: string[]
  /** Extension.Crash (it exited or has the wrong CPU) or its reported init error. */
  errorType?: string
}

/** What the last init phase did (its INIT_REPORT and EXTENSION lines, with the runtime's state). */
export interface InitReport {
  phase: 'init' | 'invoke'
  durationMs: number
  /** The init limit that applied; undefined when none did (QEMU emulation). */
  limitMs: number | undefined
  failure?: SandboxFailure
  /** Where the runtime was when init ended. */
  runtime: 'not-started' | 'launch-error' | 'running' | 'waiting' | 'exited'
  runtimeExitCode?: number | null
  extensions: ExtensionReport[]
}
