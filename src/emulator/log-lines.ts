/**
 * The lines Lambda itself writes to the function's log stream (CloudWatch), tab-separated as
 * Lambda writes them. Shapes from the AWS docs "Understanding the Lambda execution environment
 * lifecycle" (INIT_REPORT examples, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html),
 * "Lambda Extensions API" (EXTENSION lines,
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html) and "Working with
 * Lambda function logs" (START/END/REPORT).
 */
import type { SandboxFailure } from './types.js'

function ms(value: number): string {
  return `${value.toFixed(2)} ms`
}

/**
 * `EXTENSION\tName: x\tState: Ready\tEvents: [INVOKE,SHUTDOWN]`, with `\tError Type: …` for an
 * extension that failed: the format of the platform logger in
 * aws/aws-lambda-runtime-interface-emulator (events joined by a comma, no space).
 */
export function extensionLine(
  name: string,
  state: 'Ready' | 'Started' | 'Registered',
  events: readonly string[],
  errorType?: string
): string {
  const line = `EXTENSION\tName: ${name}\tState: ${state}\tEvents: [${events.join(',')}]`
  return errorType === undefined ? line : `${line}\tError Type: ${errorType}`
}

export function initReportLine(
  durationMs: number,
  phase: 'init' | 'invoke',
  failure: SandboxFailure | undefined
): string {
  const parts = [
    `INIT_REPORT Init Duration: ${ms(durationMs)}`,
    `Phase: ${phase}`
  ]
  if (failure === undefined) parts.push('Status: success')
  else
    parts.push(`Status: ${failure.status}`, `Error Type: ${failure.errorType}`)
  return parts.join('\t')
}

export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}`
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`
}

/**
 * REPORT. Billed Duration: rounded up to the next ms, and for container images (custom runtime
 * model) the init is billed too. Max Memory Used: the container's peak (container.ts
 * maxMemoryUsedMb); left out rather than invented when it cannot be read.
 */
export function reportLine(r: {
  requestId: string
  durationMs: number
  memorySize: number
  maxMemoryUsedMb?: number
  initDurationMs?: number
  failure?: SandboxFailure
}): string {
  const billed = Math.ceil(r.durationMs + (r.initDurationMs ?? 0))
  const parts = [
    `REPORT RequestId: ${r.requestId}`,
    `Duration: ${ms(r.durationMs)}`,
    `Billed Duration: ${billed} ms`,
    `Memory Size: ${r.memorySize} MB`
  ]
  if (r.maxMemoryUsedMb !== undefined)
    parts.push(`Max Memory Used: ${r.maxMemoryUsedMb} MB`)
  if (r.initDurationMs !== undefined)
    parts.push(`Init Duration: ${ms(r.initDurationMs)}`)
  if (r.failure !== undefined)
    parts.push(
      `Status: ${r.failure.status}`,
      `Error Type: ${r.failure.errorType}`
    )
  return parts.join('\t') + '\t'
}

/** The line Lambda writes when the image's entrypoint cannot be started. */
export function imageLaunchErrorLine(
  reason: string,
  entrypoint: readonly string[],
  cmd: readonly string[],
  workingDir: string
): string {
  return `IMAGE\tLaunch error: ${reason}\tEntrypoint: [${entrypoint.join(',')}]\tCmd: [${cmd.join(',')}]\tWorkingDir: [${workingDir}]`
}

/** `<timestamp> <requestId> Task timed out after 3.00 seconds` */
export function timedOutLine(
  now: Date,
  requestId: string,
  timeoutSeconds: number
): string {
  return `${now.toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds`
}

/** The emulator's own notes (not Lambda's): marked so nobody mistakes them for Lambda's. */
export function emulatorLine(text: string): string {
  return `EMULATOR\t${text}`
}
