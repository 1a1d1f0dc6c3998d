/**
 * The invoke phase: INVOKE to the subscribed extensions, the event to the runtime's `next`,
 * then wait for the outcome as `decideInvoke` (lifecycle.ts) says: the response, a function
 * error, the timeout or a crash; START, END and REPORT lines; a failed invoke shuts the
 * environment down. AWS docs: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html.
 */
import { maxMemoryUsedMb } from './container.js'
import {
  RESPONSE_TOO_LARGE,
  decideInvoke,
  failurePayload,
  type InvokeStep
} from './lifecycle.js'
import { endLine, reportLine, startLine, timedOutLine } from './log-lines.js'
import {
  traceId,
  type Invocation,
  type Sandbox,
  type SandboxState
} from './sandbox.js'
import { shutdown } from './shutdown-phase.js'
import type { InvokeResult, SandboxFailure } from './types.js'

/** Runs one invoke in a ready environment. */
export async function runInvoke(
  state: SandboxState,
  sandbox: Sandbox,
  requestId: string,
  event: Buffer,
  options: { onChunk?: (chunk: Buffer) => void }
): Promise<InvokeResult> {
  const t0 = state.now()
  const deadlineMs = t0 + state.spec.timeout * 1000
  const invocation: Invocation = {
    id: requestId,
    event,
    deadlineMs,
    delivered: false,
    streamed: false,
    ...(options.onChunk ? { onChunk: options.onChunk } : {})
  }
  sandbox.phase = 'invoke'
  sandbox.invocation = invocation
  state.write(startLine(requestId, state.spec.version ?? '$LATEST'))
  const subscribed = sandbox.extensions.filter(
    e => e.registered && e.events.includes('INVOKE')
  )
  for (const e of subscribed)
    state.deliver(e, {
      eventType: 'INVOKE',
      deadlineMs,
      requestId,
      invokedFunctionArn: state.arn,
      tracing: { type: 'X-Amzn-Trace-Id', value: traceId(t0) }
    })
  state.deliverInvocation(sandbox)
  const step = await state.until(() => {
    const crashed = sandbox.extensions.find(e => e.exitCode !== undefined)
    const s: InvokeStep = decideInvoke({
      requestId,
      ...(invocation.outcome !== undefined
        ? { outcome: invocation.outcome }
        : {}),
      runtimeWaiting: sandbox.runtimeParked !== undefined,
      extensionsWaiting: subscribed.every(e => state.waiting(e)),
      ...(sandbox.runtimeExitCode !== undefined
        ? { runtimeExitCode: sandbox.runtimeExitCode }
        : {}),
      ...(crashed !== undefined ? { crashedExtension: crashed.name } : {}),
      elapsedMs: state.now() - t0,
      timeoutSeconds: state.spec.timeout
    })
    return s.kind === 'wait' ? undefined : s
  })
  const durationMs = state.now() - t0
  const initDurationMs = sandbox.initDurationMs
  delete sandbox.initDurationMs
  const report = (failure?: SandboxFailure): void => {
    state.write(endLine(requestId))
    state.write(
      reportLine({
        requestId,
        durationMs,
        memorySize: state.spec.memorySize,
        ...memoryUsed(sandbox.containerId, state.spec.memorySize),
        ...(initDurationMs !== undefined ? { initDurationMs } : {}),
        ...(failure !== undefined ? { failure } : {})
      })
    )
  }
  if (step.kind === 'fail') {
    if (step.failure.errorType === 'Sandbox.Timedout')
      state.write(
        timedOutLine(new Date(state.now()), requestId, state.spec.timeout)
      )
    report(step.failure)
    await shutdown(
      state,
      step.failure.status === 'timeout' ? 'timeout' : 'failure'
    )
    return failedResult(requestId, step.failure)
  }
  sandbox.phase = 'ready'
  delete sandbox.invocation
  if (invocation.outcome === 'too-large') {
    report(RESPONSE_TOO_LARGE)
    return failedResult(requestId, RESPONSE_TOO_LARGE)
  }
  report()
  return {
    requestId,
    payload: invocation.payload ?? Buffer.alloc(0),
    streamed: invocation.streamed,
    ...(invocation.functionError !== undefined
      ? { functionError: invocation.functionError }
      : {}),
    ...(invocation.errorType !== undefined
      ? { errorType: invocation.errorType }
      : {})
  }
}

/** What Invoke returns for a failed environment: Unhandled with the error as the payload. */
export function failedResult(
  requestId: string,
  failure: SandboxFailure
): InvokeResult {
  return {
    requestId,
    functionError: 'Unhandled',
    errorType: failure.errorType,
    payload: Buffer.from(failurePayload(failure)),
    streamed: false
  }
}

function memoryUsed(
  containerId: string | undefined,
  memorySize: number
): { maxMemoryUsedMb?: number } {
  const used = maxMemoryUsedMb(containerId, memorySize)
  return used === undefined ? {} : { maxMemoryUsedMb: used }
}
