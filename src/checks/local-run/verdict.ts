/**
 * What the local run of the image (src/emulator/, docs/preflight.md#the-local-run)
 * makes of what it saw: skip, pass, warn or block (pure).
 *
 * A finding is fatal when no configuration of the function could make the
 * image work on Lambda (the image cannot start, the .NET bootstrap finds no
 * assembly, an extension crashes or never gets ready, the runtime runs but
 * never asks for work): those block in every mode. Everything else (an
 * exception during init — the local run has no AWS credentials —, a 5xx
 * answer, a response over 6 MB, an init over 10 s) warns in auto and blocks
 * in required. Lambda's limits: AWS docs "Understanding the Lambda execution
 * environment lifecycle" (10 s init, retried inside the first invoke with the
 * function timeout), "Lambda Managed Instances execution environment" (init
 * up to 15 minutes: no 10 s warning), "Lambda quotas" (6 MB response).
 */
import type { InitReport } from '../../emulator/types.js'
import type { LocalRunMode } from '../../inputs/types.js'
import type { InvokeInspection } from '../invoke-payload.js'

/** Lambda's init limit for on-demand functions. */
export const ON_DEMAND_INIT_MS = 10_000
/** Exit status of the .NET bootstrap when the assembly CMD names is missing (bootstrap.net8.sh). */
export const DOTNET_ASSEMBLY_MISSING = 104

export interface LocalAnswer {
  functionError?: string | undefined
  errorType?: string | undefined
  payload: string
  /** The HTTP answer the payload carries, or why there is none. */
  inspection: InvokeInspection
}

export type LocalRunOutcome =
  /** Docker cannot run the image here (no engine, no QEMU for the CPU, no holder busybox). */
  | { kind: 'cannot-run'; reason: string }
  | {
      kind: 'ran'
      init: InitReport
      /** The image ran under QEMU emulation: its timings say nothing about Lambda's. */
      emulated: boolean
      /** Lambda Managed Instances: init may take minutes, no 10 s limit. */
      managedInstances: boolean
      /** The synthetic request's answer; undefined when init failed. */
      answer?: LocalAnswer | undefined
    }

export interface Finding {
  fatal: boolean
  text: string
}

export type LocalRunVerdict =
  | { kind: 'skip'; reason: string }
  | { kind: 'pass' | 'warn' | 'block'; findings: Finding[] }

const fatal = (text: string): Finding => ({ fatal: true, text })
const finding = (text: string): Finding => ({ fatal: false, text })

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}

function initFindings(init: InitReport): Finding[] {
  const failure = init.failure
  if (failure === undefined) return []
  const crashed = init.extensions.filter(e => e.errorType === 'Extension.Crash')
  switch (failure.errorType) {
    case 'Runtime.InvalidEntrypoint':
      return [
        fatal(
          `the image cannot start (Runtime.InvalidEntrypoint: ${failure.message}): check ENTRYPOINT/CMD (or the function's ImageConfig) and that the image is built for the function's CPU.`
        )
      ]
    case 'Extension.Crash':
      return [
        fatal(
          `extension ${crashed.map(e => e.name).join(', ') || '(unknown)'} crashed during init (Extension.Crash: ${failure.message}); an extension built for the other CPU fails this way.`
        )
      ]
    case 'Runtime.ExitError':
      return init.runtimeExitCode === DOTNET_ASSEMBLY_MISSING
        ? [
            fatal(
              `the runtime exited with status ${DOTNET_ASSEMBLY_MISSING} during init: the .NET bootstrap found no assembly named by CMD (with AddAWSLambdaHosting, CMD is the assembly name, e.g. ["MyApi"]).`
            )
          ]
        : [
            finding(
              `the runtime exited during init (${failure.message}): an exception at start-up? (the local run has no AWS credentials and placeholder environment values).`
            )
          ]
    case 'Sandbox.Timedout':
      return timeoutFindings(init)
    default:
      return [
        finding(
          `init failed with ${failure.errorType} (${failure.message}): an exception at start-up? (the local run has no AWS credentials and placeholder environment values).`
        )
      ]
  }
}

/** Init ran out of time: who never got ready says why. */
function timeoutFindings(init: InitReport): Finding[] {
  const limit =
    init.limitMs === undefined ? '' : ` within ${seconds(init.limitMs)}`
  const out: Finding[] = []
  for (const e of init.extensions) {
    if (e.state === 'Started')
      out.push(
        fatal(
          `extension ${e.name} never registered${limit} (its Lambda-Extension-Name must be its file name).`
        )
      )
    else if (e.state === 'Registered')
      out.push(
        fatal(
          `extension ${e.name} registered but never called event/next${limit}.`
        )
      )
  }
  if (init.runtime === 'running')
    out.push(
      fatal(
        `the runtime is running but never called the Runtime API's invocation/next${limit}: an ASP.NET Core app without AddAWSLambdaHosting (Kestrel listens, nobody polls Lambda) fails this way on Lambda.`
      )
    )
  return out.length > 0
    ? out
    : [fatal(`init never completed${limit} (Sandbox.Timedout).`)]
}

function answerFindings(answer: LocalAnswer): Finding[] {
  switch (answer.errorType) {
    case undefined:
      break
    case 'Extension.Crash':
      return [
        fatal(`an extension crashed during the request: ${answer.payload}`)
      ]
    case 'Function.ResponseSizeTooLarge':
      return [
        finding(
          "the response is over Lambda's 6 MB limit for buffered responses (Function.ResponseSizeTooLarge)."
        )
      ]
    default:
      return [
        finding(
          `the request failed with ${answer.errorType}: ${answer.payload.slice(0, 300)}`
        )
      ]
  }
  if (answer.functionError !== undefined)
    return [finding(`the request failed: ${answer.payload.slice(0, 300)}`)]
  const inspection = answer.inspection
  if (inspection.kind === 'error') return [finding(inspection.reason)]
  if (inspection.answer.status >= 500)
    return [
      finding(
        `the app answered HTTP ${inspection.answer.status} (without the function's AWS credentials and real environment values an app may fail where Lambda's would not).`
      )
    ]
  return []
}

/** Everything the local run found, fatal or not. */
export function findingsOf(
  outcome: Extract<LocalRunOutcome, { kind: 'ran' }>
): Finding[] {
  const { init } = outcome
  const found = initFindings(init)
  if (
    init.failure === undefined &&
    !outcome.managedInstances &&
    !outcome.emulated &&
    init.durationMs > ON_DEMAND_INIT_MS
  )
    found.push(
      finding(
        `init took ${seconds(init.durationMs)}, over Lambda's ${seconds(ON_DEMAND_INIT_MS)}: Lambda stops it and runs it again inside the first request, with the function timeout.`
      )
    )
  if (outcome.answer !== undefined)
    found.push(...answerFindings(outcome.answer))
  return found
}

/** skip, pass, warn or block for the local-run mode (never called with off). */
export function classifyLocalRun(
  mode: Exclude<LocalRunMode, 'off'>,
  outcome: LocalRunOutcome
): LocalRunVerdict {
  if (outcome.kind === 'cannot-run')
    return mode === 'auto'
      ? { kind: 'skip', reason: outcome.reason }
      : {
          kind: 'block',
          findings: [
            fatal(
              `local-run is required, and the image cannot run here: ${outcome.reason}`
            )
          ]
        }
  const findings = findingsOf(outcome)
  if (findings.some(f => f.fatal)) return { kind: 'block', findings }
  if (findings.length === 0) return { kind: 'pass', findings }
  return { kind: mode === 'auto' ? 'warn' : 'block', findings }
}
