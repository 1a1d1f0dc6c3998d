/**
 * CloudWatch Logs (log group /aws/lambda/<function>, one stream per environment, named like
 * Lambda's `YYYY/MM/DD/[<version>]<32 hex>` (UTC date, $LATEST or the version number)):
 *   - Events: every line the container wrote to stdout or stderr (`docker logs --timestamps`; the
 *     output of a removed container is kept), plus the lines Lambda writes itself, for Invoke and
 *     for every Function URL / HTTP API request:
 *       START RequestId: <uuid> Version: <$LATEST|N>
 *       END RequestId: <uuid>
 *       REPORT RequestId: <uuid>	Duration: 1.23 ms	Billed Duration: 2 ms	Memory Size: 512 MB	Max Memory Used: 48 MB
 *         (+ 	Init Duration: x ms on a cold start, + 	Status: error	Error Type: <type> on failure)
 *     and, when an environment cannot start (before its START):
 *       INIT_REPORT Init Duration: x ms	Phase: init	Status: error	Error Type: Runtime.InvalidEntrypoint
 *       IMAGE	Launch error: fork/exec /bin/busybox: exec format error	Entrypoint: [/bin/busybox httpd ...]	Cmd: []	WorkingDir: [/]
 *       RequestId: <uuid> Error: fork/exec /bin/busybox: exec format error
Runtime.InvalidEntrypoint
 *     (Invoke's function errors add `<ISO time>	<uuid>	fail	<exception type>: <message>`).
 *     Every message ends with "\n", as Lambda's do. Max Memory Used is a fixed 48 MB (or the memory
 *     size when smaller). END/REPORT are written 40 ms after the app answered, so the app's output
 *     (timestamped by Docker when it reads it) comes before them; FilterLogEvents waits for them.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

import { DOCKER } from './config.js'

const execFileP = promisify(execFile)

export interface LogEvent {
  /** epoch ms, fractional */
  ts: number
  message: string
  /** tie-break for equal ts: 0 START/INIT, 1 app output, 2 END, 3 REPORT */
  order: number
}

export interface LogStream {
  group: string
  name: string
  /** Lines Lambda itself writes (START, END, REPORT, INIT_REPORT, errors) */
  platform: LogEvent[]
  /** The environment's container: its output is read with `docker logs --timestamps` */
  containerId?: string
  /** The container's output, kept when the container is removed */
  containerLogs?: LogEvent[]
}

/** log group name -> stream name -> stream */
export const logGroups = new Map<string, Map<string, LogStream>>()

export const nowMs = (): number => performance.timeOrigin + performance.now()

const pad2 = (n: number): string => String(n).padStart(2, '0')

/** A new stream in /aws/lambda/<fn>, named like Lambda's: YYYY/MM/DD/[<version>]<32 hex>. */
export function newLogStream(fn: string, version: string): LogStream {
  const d = new Date()
  const day = `${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())}`
  const stream: LogStream = {
    group: `/aws/lambda/${fn}`,
    name: `${day}/[${version}]${randomBytes(16).toString('hex')}`,
    platform: []
  }
  let streams = logGroups.get(stream.group)
  if (!streams) {
    streams = new Map()
    logGroups.set(stream.group, streams)
  }
  streams.set(stream.name, stream)
  return stream
}

export function logPlatform(
  stream: LogStream,
  message: string,
  order = 0
): void {
  stream.platform.push({
    ts: nowMs(),
    message: message.endsWith('\n') ? message : `${message}\n`,
    order
  })
}

/** `docker logs --timestamps` of a container (stdout and stderr) as log events. */
export async function dockerLogEvents(id: string): Promise<LogEvent[]> {
  let out: { stdout: string; stderr: string }
  try {
    out = await execFileP(DOCKER, ['logs', '--timestamps', id], {
      timeout: 15000,
      maxBuffer: 64 * 1024 * 1024
    })
  } catch {
    return []
  }
  const events: LogEvent[] = []
  for (const line of `${out.stdout}\n${out.stderr}`.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z ?(.*)$/.exec(line)
    if (!m?.[1]) continue
    events.push({
      ts: Date.parse(`${m[1]}Z`) + Number(`0${m[2] ?? ''}`) * 1000,
      message: `${(m[3] ?? '').replace(/\r$/, '')}\n`,
      order: 1
    })
  }
  return events
}

export async function streamEvents(stream: LogStream): Promise<LogEvent[]> {
  const app =
    stream.containerLogs ??
    (stream.containerId ? await dockerLogEvents(stream.containerId) : [])
  return [...stream.platform, ...app].sort(
    (a, b) => a.ts - b.ts || a.order - b.order
  )
}

/** END / REPORT lines not written yet (FilterLogEvents waits for them). */
export const pendingEnds = new Set<Promise<void>>()
