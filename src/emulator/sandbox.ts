/**
 * The emulator's shared state: the one execution environment (sandbox) with its extensions and
 * its current invocation, the log, and the waiters that re-check a decision whenever the state
 * changes. The phases (init-phase.ts, invoke-phase.ts, shutdown-phase.ts) and the API handlers
 * (api-handlers.ts) read and change it; every change ends with `notify()`.
 */
import { randomBytes } from 'node:crypto'

import type { ApiReply } from './api-server.js'
import type { DockerCli } from './processes.js'
import type { FunctionSpec, InitReport } from './types.js'

/** A long-polling request (`next`) waiting for its answer. */
export interface Parked {
  resolve: (reply: ApiReply) => void
}

export interface Extension {
  name: string
  external: boolean
  id?: string
  events: string[]
  registered: boolean
  parked?: Parked
  queue: object[]
  exitCode?: number | null
  wrongCpu?: string
  initError?: string
}

export interface Invocation {
  id: string
  event: Buffer
  deadlineMs: number
  delivered: boolean
  outcome?: 'response' | 'error' | 'too-large'
  payload?: Buffer
  functionError?: 'Unhandled'
  errorType?: string
  streamed: boolean
  onChunk?: (chunk: Buffer) => void
}

export interface Sandbox {
  container: string
  /** The container's id (docker container create's answer), for its cgroup files. */
  containerId?: string
  phase: 'init' | 'ready' | 'invoke' | 'shutdown'
  extensions: Extension[]
  runtimeStarted: boolean
  runtimeLaunchError?: string
  runtimeExitCode?: number | null
  runtimeInitError?: string
  runtimeParked?: Parked
  registrationClosed: boolean
  invocation?: Invocation
  initDurationMs?: number
}

const TICK_MS = 50

export class SandboxState {
  /** Every line written so far. */
  readonly lines: string[] = []
  /** The execution environment; undefined before init and after shutdown. */
  sandbox: Sandbox | undefined
  /** What the last init phase did. */
  lastInit: InitReport | undefined
  readonly arn: string
  private readonly waiters = new Set<() => void>()

  constructor(
    readonly spec: FunctionSpec,
    readonly docker: DockerCli,
    readonly now: () => number,
    private readonly log: ((line: string) => void) | undefined
  ) {
    this.arn = `arn:aws:lambda:${spec.region ?? 'us-east-1'}:${spec.accountId ?? '123456789012'}:function:${spec.functionName}`
  }

  write(line: string): void {
    this.lines.push(line)
    this.log?.(line)
  }

  notify(): void {
    for (const w of [...this.waiters]) w()
  }

  /** Resolves with the first defined value of `decide`, re-checked on every change and tick. */
  until<T>(decide: () => T | undefined): Promise<T> {
    return new Promise(resolve => {
      const check = (): void => {
        const value = decide()
        if (value === undefined) return
        clearInterval(timer)
        this.waiters.delete(check)
        resolve(value)
      }
      const timer = setInterval(check, TICK_MS)
      this.waiters.add(check)
      check()
    })
  }

  /** The extension is parked on `event/next` with nothing queued for it. */
  waiting(e: Extension): boolean {
    return e.parked !== undefined && e.queue.length === 0
  }

  /** Queues an event for an extension and answers its `event/next` if it is parked. */
  deliver(extension: Extension, event: object): void {
    extension.queue.push(event)
    this.flush(extension)
  }

  flush(extension: Extension): void {
    const parked = extension.parked
    const event = extension.queue[0]
    if (parked === undefined || event === undefined) return
    extension.queue.shift()
    delete extension.parked
    parked.resolve({ status: 200, body: event })
  }

  /** Answers the runtime's parked `invocation/next` with the invocation, once. */
  deliverInvocation(sandbox: Sandbox): void {
    const inv = sandbox.invocation
    const parked = sandbox.runtimeParked
    if (inv === undefined || inv.delivered || parked === undefined) return
    inv.delivered = true
    delete sandbox.runtimeParked
    parked.resolve({
      status: 200,
      headers: {
        'Lambda-Runtime-Aws-Request-Id': inv.id,
        'Lambda-Runtime-Deadline-Ms': String(inv.deadlineMs),
        'Lambda-Runtime-Invoked-Function-Arn': this.arn,
        'Lambda-Runtime-Trace-Id': traceId(this.now())
      },
      body: inv.event
    })
  }
}

/** An X-Ray trace header value in Lambda's shape. */
export function traceId(nowMs: number): string {
  const epoch = Math.floor(nowMs / 1000).toString(16)
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Sampled=0`
}
