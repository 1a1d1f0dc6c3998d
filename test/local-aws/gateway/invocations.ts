/**
 * One invocation in an execution environment, with the lines Lambda writes around it in the
 * environment's log stream (START, END, REPORT; INIT_REPORT for an environment that cannot start).
 */
import { randomUUID } from 'node:crypto'

import { ensureContainer, type ContainerEntry } from './containers.js'
import { RuntimeError } from './errors.js'
import { errMessage, sleep } from './http.js'
import {
  logPlatform,
  newLogStream,
  nowMs,
  pendingEnds,
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
  endedAt?: number
  /** END / REPORT written (after LOG_SETTLE_MS) */
  ending?: Promise<void>
  /** where this invocation's log starts (the init of a cold start) */
  logFrom: number
  entry?: ContainerEntry
  initMs?: number
  /** ended in a function error the runtime reported (counted in Errors; REPORT unchanged) */
  failed?: boolean
  /** the app's lines written just before END (./app-log.ts: after its own output, as the app does) */
  appLines?: string[]
}

/**
 * Get an environment for the target and write START; when none can start, write what Lambda
 * writes for a failed init (START, the error, END, REPORT with Status: error) and return the error.
 */
export async function startInvocation(
  t: Target
): Promise<{ inv: Invocation; error?: RuntimeError }> {
  const requestId = randomUUID()
  const begun = nowMs()
  try {
    if (t.imageError) throw t.imageError
    const entry = await ensureContainer(t)
    entry.lastUsed = Date.now()
    const inv: Invocation = {
      requestId,
      stream: entry.stream,
      target: t,
      startedAt: nowMs(),
      logFrom: begun,
      entry
    }
    if (!entry.initReported && entry.initMs !== undefined) {
      inv.initMs = entry.initMs
      inv.logFrom = 0
      entry.initReported = true
    }
    logPlatform(
      inv.stream,
      `START RequestId: ${requestId} Version: ${t.version}`
    )
    return { inv }
  } catch (e) {
    const err =
      e instanceof RuntimeError
        ? e
        : new RuntimeError('Runtime.Unknown', errMessage(e))
    let stream = err.stream
    if (!stream) {
      stream = newLogStream(t.fn, t.version)
      logPlatform(
        stream,
        `INIT_REPORT Init Duration: ${(nowMs() - begun).toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${err.errorType}`
      )
    }
    const inv: Invocation = {
      requestId,
      stream,
      target: t,
      startedAt: nowMs(),
      logFrom: begun - 1
    }
    logPlatform(stream, `START RequestId: ${requestId} Version: ${t.version}`)
    logPlatform(
      stream,
      `RequestId: ${requestId} ${err.message}\n${err.errorType}`,
      1
    )
    endInvocation(inv, err.errorType)
    return { inv, error: err }
  }
}

/**
 * How long END / REPORT wait after the app answered: Docker timestamps a line when its log driver
 * reads it, a few ms after the app wrote it; Lambda flushes the app's output before END.
 */
const LOG_SETTLE_MS = 40

export function endInvocation(inv: Invocation, errorType?: string): void {
  if (inv.ending) return
  const d = nowMs() - inv.startedAt
  const mem = inv.target.memoryMb
  const settle = inv.entry?.id !== undefined
  inv.ending = (settle ? sleep(LOG_SETTLE_MS) : Promise.resolve()).then(() =>
    writeEnd(inv, d, mem, errorType)
  )
  const p = inv.ending
  pendingEnds.add(p)
  void p.finally(() => pendingEnds.delete(p))
}

function writeEnd(
  inv: Invocation,
  d: number,
  mem: number,
  errorType: string | undefined
): void {
  for (const line of inv.appLines ?? []) logPlatform(inv.stream, line, 1)
  logPlatform(inv.stream, `END RequestId: ${inv.requestId}`, 2)
  logPlatform(
    inv.stream,
    `REPORT RequestId: ${inv.requestId}\tDuration: ${d.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(d))} ms\tMemory Size: ${mem} MB\tMax Memory Used: ${Math.min(mem, 48)} MB${
      inv.initMs !== undefined
        ? `\tInit Duration: ${inv.initMs.toFixed(2)} ms`
        : ''
    }${errorType ? `\tStatus: error\tError Type: ${errorType}` : ''}`,
    3
  )
  inv.endedAt = nowMs()
  publishInvocation(inv.target, {
    startedAt: inv.startedAt,
    durationMs: d,
    failed: errorType !== undefined || inv.failed === true
  })
}

/** The invocation's log (init of a cold start, START .. REPORT), last 4 KB, base64: X-Amz-Log-Result. */
export async function tailLog(inv: Invocation): Promise<string> {
  await inv.ending
  const from = inv.logFrom
  const to = inv.endedAt ?? nowMs()
  const events = (await streamEvents(inv.stream)).filter(
    e => e.ts >= from && e.ts <= to
  )
  const text = Buffer.from(events.map(e => e.message).join(''))
  return text.subarray(Math.max(0, text.length - 4096)).toString('base64')
}
