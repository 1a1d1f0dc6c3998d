/**
 * CloudWatch Logs (log group /aws/lambda/<function>, one stream per environment, named like
 * Lambda's `YYYY/MM/DD/[<version>]<32 hex>` (UTC date, $LATEST or the version number)):
 *   - Events: every line the environment wrote, as the execution emulator (src/emulator) hands
 *     them over (./containers.ts): the processes' stdout and stderr (the runtime's, the
 *     extensions') and the lines Lambda writes itself (src/emulator/log-lines.ts):
 *       EXTENSION	Name: x	State: Ready	Events: [INVOKE,SHUTDOWN]
 *       START RequestId: <uuid> Version: <$LATEST|N>
 *       END RequestId: <uuid>
 *       REPORT RequestId: <uuid>	Duration: 1.23 ms	Billed Duration: 2 ms	Memory Size: 512 MB	Max Memory Used: 30 MB
 *         (+ 	Init Duration: x ms on a cold start, + 	Status: error	Error Type: <type> on failure)
 *       INIT_REPORT Init Duration: x ms	Phase: init	Status: error	Error Type: Runtime.ExitError
 *     and, when the stand-in cannot give the image an environment at all (an image of the other
 *     architecture, ./invocations.ts):
 *       INIT_REPORT Init Duration: x ms	Phase: init	Status: error	Error Type: Runtime.InvalidEntrypoint
 *       IMAGE	Launch error: fork/exec /bin/busybox: exec format error	Entrypoint: [/bin/busybox sh ...]	Cmd: []	WorkingDir: [/]
 *       RequestId: <uuid> Error: fork/exec /bin/busybox: exec format error
Runtime.InvalidEntrypoint
 *     Every message ends with "\n", as Lambda's do.
 */
import { randomBytes } from 'node:crypto'

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
  /**
   * Every line of the stream as it was written: Lambda's own (START, END, REPORT, INIT_REPORT,
   * EXTENSION, errors) and the environment's processes' output (./containers.ts).
   */
  platform: LogEvent[]
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

export function streamEvents(stream: LogStream): Promise<LogEvent[]> {
  return Promise.resolve(
    [...stream.platform].sort((a, b) => a.ts - b.ts || a.order - b.order)
  )
}

/** END / REPORT lines not written yet (FilterLogEvents waits for them). */
export const pendingEnds = new Set<Promise<void>>()
