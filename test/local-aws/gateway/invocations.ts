/**
 * One invocation: the target's execution environment (./containers.ts; a cold start when it has
 * none) runs the event through the Lambda execution emulator, which writes START, END and REPORT
 * (and INIT_REPORT, EXTENSION) in the environment's log stream; the outcome is recorded in the
 * metrics (./metrics.ts). When no environment can be made for the image at all (no image, an
 * image of the other architecture, an image the registry does not have), the stand-in writes
 * what Lambda writes for such an init: INIT_REPORT, the IMAGE Launch error line, START, the
 * error, END, REPORT with Status: error.
 */
import { randomUUID } from 'node:crypto'

import type { InvokeResult } from '../../../src/emulator/types.js'
import { ensureContainer, invokeIn, type ContainerEntry } from './containers.js'
import { RuntimeError } from './errors.js'
import { errMessage } from './http.js'
import {
  logPlatform,
  newLogStream,
  nowMs,
  streamEvents,
  type LogStream
} from './log-store.js'
import { publishInvocation } from './metrics.js'
import type { Target } from './targets.js'

export interface Invocation {
  requestId: string
  stream: LogStream
  target: Target
  startedAt: number
  endedAt: number
  /** where this invocation's log starts (the init of a cold start) */
  logFrom: number
}

export interface InvokeOutcome {
  inv: Invocation
  payload: Buffer
  /** 'Unhandled' for a function error or an environment that failed (X-Amz-Function-Error) */
  functionError?: string
  errorType?: string
  /** the runtime answered in the streaming response mode */
  streamed: boolean
  /** the stand-in's own explanation of a failed environment (data-plane answers only) */
  detail?: string
}

/** Runs `event` in the target's environment, one invocation after the other. */
export async function invokeTarget(
  t: Target,
  event: Buffer
): Promise<InvokeOutcome> {
  const begun = nowMs()
  let entry: ContainerEntry
  try {
    if (t.imageError) throw t.imageError
    entry = await ensureContainer(t)
  } catch (e) {
    return noEnvironment(t, begun, e)
  }
  const coldStart = entry.stream.platform.every(l => l.ts >= begun)
  let startedAt = nowMs()
  let result: InvokeResult
  try {
    result = await invokeIn(entry, event, () => {
      startedAt = nowMs()
    })
  } catch (e) {
    return noEnvironment(t, begun, e, entry.stream)
  }
  const endedAt = nowMs()
  publishInvocation(t, {
    startedAt,
    durationMs: endedAt - startedAt,
    failed: result.functionError !== undefined
  })
  return {
    inv: {
      requestId: result.requestId,
      stream: entry.stream,
      target: t,
      startedAt,
      endedAt,
      logFrom: coldStart ? begun : startedAt
    },
    payload: result.payload,
    streamed: result.streamed,
    ...(result.functionError !== undefined
      ? { functionError: result.functionError }
      : {}),
    ...(result.errorType !== undefined ? { errorType: result.errorType } : {})
  }
}

/** What Lambda writes and answers when the image gets no environment. */
function noEnvironment(
  t: Target,
  begun: number,
  e: unknown,
  existing?: LogStream
): InvokeOutcome {
  const err =
    e instanceof RuntimeError
      ? e
      : new RuntimeError('Runtime.Unknown', `Error: ${errMessage(e)}`)
  const requestId = randomUUID()
  const stream = existing ?? err.stream ?? newLogStream(t.fn, t.version)
  if (existing === undefined) {
    logPlatform(
      stream,
      `INIT_REPORT Init Duration: ${(nowMs() - begun).toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${err.errorType}`
    )
    if (err.launch) logPlatform(stream, err.launch)
  }
  const startedAt = nowMs()
  logPlatform(stream, `START RequestId: ${requestId} Version: ${t.version}`)
  logPlatform(
    stream,
    `RequestId: ${requestId} ${err.message}\n${err.errorType}`,
    1
  )
  logPlatform(stream, `END RequestId: ${requestId}`, 2)
  const durationMs = nowMs() - startedAt
  logPlatform(
    stream,
    `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(durationMs))} ms\tMemory Size: ${t.memoryMb} MB\tStatus: error\tError Type: ${err.errorType}`,
    3
  )
  publishInvocation(t, { startedAt, durationMs, failed: true })
  return {
    inv: {
      requestId,
      stream,
      target: t,
      startedAt,
      endedAt: nowMs(),
      logFrom: begun - 1
    },
    functionError: 'Unhandled',
    errorType: err.errorType,
    streamed: false,
    payload: Buffer.from(
      JSON.stringify({
        errorType: err.errorType,
        errorMessage: `RequestId: ${requestId} ${err.message}`
      })
    ),
    ...(err.detail ? { detail: err.detail } : {})
  }
}

/** The invocation's log (init of a cold start, START .. REPORT), last 4 KB, base64: X-Amz-Log-Result. */
export async function tailLog(inv: Invocation): Promise<string> {
  const events = (await streamEvents(inv.stream)).filter(
    e => e.ts >= inv.logFrom && e.ts <= inv.endedAt
  )
  const text = Buffer.from(events.map(e => e.message).join(''))
  return text.subarray(Math.max(0, text.length - 4096)).toString('base64')
}
