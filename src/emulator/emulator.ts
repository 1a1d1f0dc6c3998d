/**
 * The Lambda execution emulator: runs a container image the way Lambda runs it (docs/emulator.md).
 * One execution environment at a time, its state in sandbox.ts; init, invoke and shutdown are
 * init-phase.ts, invoke-phase.ts and shutdown-phase.ts, following the pure decisions of
 * lifecycle.ts; the Runtime and Extensions APIs are served by api-server.ts on 127.0.0.1 with
 * the handlers of api-handlers.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto'

import { ApiHandlers } from './api-handlers.js'
import { startApiServer, type RunningApi } from './api-server.js'
import { hostArchitecture, logStreamName } from './container.js'
import { runInit } from './init-phase.js'
import { failedResult, runInvoke } from './invoke-phase.js'
import { endLine, reportLine, startLine } from './log-lines.js'
import { dockerCli, type DockerCli } from './processes.js'
import { SandboxState } from './sandbox.js'
import { shutdown } from './shutdown-phase.js'
import type {
  Architecture,
  FunctionSpec,
  InitReport,
  InvokeResult,
  SandboxFailure
} from './types.js'

export type { InitReport, InvokeResult } from './types.js'

export interface EmulatorOptions {
  docker?: DockerCli
  /** Host path of a static busybox, mounted read-only as the container's PID 1 holder. */
  holderPath?: string
  /** Every log line (Lambda's own lines and the processes' output), as it is written. */
  log?: (line: string) => void
  /** The init limit (default 10 s, Lambda's). */
  initLimitMs?: number
  hostArchitecture?: Architecture
  now?: () => number
  /** AWS_LAMBDA_LOG_STREAM_NAME (default: a new name in Lambda's form). */
  logStreamName?: string
  /** Labels (name=value) of the environment's container. */
  containerLabels?: readonly string[]
}

export class LambdaEmulator {
  /** Every line written so far. */
  readonly lines: string[]
  private api: RunningApi | undefined
  private readonly state: SandboxState
  private initFailed = false
  private invoking = false
  private readonly host: Architecture
  private readonly streamName: string

  private constructor(
    readonly spec: FunctionSpec,
    private readonly options: EmulatorOptions
  ) {
    const now = options.now ?? Date.now
    this.state = new SandboxState(
      spec,
      options.docker ?? dockerCli(),
      now,
      options.log
    )
    this.lines = this.state.lines
    this.host = options.hostArchitecture ?? hostArchitecture(process.arch)
    this.streamName =
      options.logStreamName ??
      logStreamName(
        new Date(now()),
        spec.version ?? '$LATEST',
        randomBytes(16).toString('hex')
      )
  }

  /**
   * Starts the APIs and runs the init phase (as provisioned on-demand Lambda does before the
   * first invoke). A failed init is logged (INIT_REPORT Phase: init) and re-run inside the
   * first invoke. Throws only when docker itself fails (image missing, engine down).
   */
  static async start(
    spec: FunctionSpec,
    options: EmulatorOptions = {}
  ): Promise<LambdaEmulator> {
    const emulator = new LambdaEmulator(spec, options)
    emulator.api = await startApiServer(new ApiHandlers(emulator.state))
    try {
      const failure = await emulator.init('init')
      emulator.initFailed = failure !== undefined
    } catch (err) {
      await emulator.api.close()
      throw err
    }
    return emulator
  }

  /** What the last init phase did: its duration, failure, the runtime's and extensions' states. */
  get lastInit(): InitReport | undefined {
    return this.state.lastInit
  }

  /** The log stream name the processes see (AWS_LAMBDA_LOG_STREAM_NAME). */
  get logStreamName(): string {
    return this.streamName
  }

  async invoke(
    event: Buffer | string,
    options: { onChunk?: (chunk: Buffer) => void } = {}
  ): Promise<InvokeResult> {
    // One execution environment serves one invoke at a time, as in Lambda.
    if (this.invoking) throw new Error('an invoke is already running')
    this.invoking = true
    try {
      return await this.invokeOnce(event, options)
    } finally {
      this.invoking = false
    }
  }

  private async invokeOnce(
    event: Buffer | string,
    options: { onChunk?: (chunk: Buffer) => void }
  ): Promise<InvokeResult> {
    let suppressedFailure: SandboxFailure | undefined
    if (this.state.sandbox === undefined) {
      // After a failed init Lambda re-runs init inside the invoke (the "suppressed init") with
      // the function timeout; otherwise a new environment inits as a cold start.
      const phase = this.initFailed ? 'invoke' : 'init'
      suppressedFailure = await this.init(phase)
      if (suppressedFailure !== undefined && phase === 'init') {
        suppressedFailure = await this.init('invoke')
      }
      this.initFailed = suppressedFailure !== undefined
    }
    const requestId = randomUUID()
    const version = this.spec.version ?? '$LATEST'
    const sandbox = this.state.sandbox
    if (suppressedFailure !== undefined || sandbox === undefined) {
      const failure = suppressedFailure ?? {
        errorType: 'Runtime.Unknown',
        status: 'error' as const,
        message: 'no environment'
      }
      this.state.write(startLine(requestId, version))
      this.state.write(endLine(requestId))
      this.state.write(
        reportLine({
          requestId,
          durationMs: 0,
          memorySize: this.spec.memorySize,
          failure
        })
      )
      return failedResult(requestId, {
        ...failure,
        message: `RequestId: ${requestId} Error: ${failure.message}`
      })
    }
    return runInvoke(
      this.state,
      sandbox,
      requestId,
      Buffer.from(event),
      options
    )
  }

  /**
   * Shuts the environment down (reason spindown) and stops the APIs. With `removal:
   * 'background'` it returns once the container's removal has started: `removed` resolves
   * when it ended (true: removed; a failure is logged), and the APIs stop after it. The
   * removal's docker client keeps the process alive until then.
   */
  async close(
    options: { removal?: 'wait' | 'background' } = {}
  ): Promise<{ removed: Promise<boolean> }> {
    const api = this.api
    this.api = undefined
    const { removed } = await shutdown(
      this.state,
      'spindown',
      options.removal ?? 'wait'
    )
    const closed = removed.then(async ok => {
      await api?.close()
      return ok
    })
    if (options.removal !== 'background') await closed
    return { removed: closed }
  }

  private async init(
    phase: 'init' | 'invoke'
  ): Promise<SandboxFailure | undefined> {
    const api = this.api
    if (api === undefined) throw new Error('the emulator is closed')
    return runInit(
      this.state,
      {
        apiAddress: api.address,
        streamName: this.streamName,
        hostArchitecture: this.host,
        ...(this.options.holderPath !== undefined
          ? { holderPath: this.options.holderPath }
          : {}),
        ...(this.options.initLimitMs !== undefined
          ? { initLimitMs: this.options.initLimitMs }
          : {}),
        ...(this.options.containerLabels !== undefined
          ? { containerLabels: this.options.containerLabels }
          : {})
      },
      phase
    )
  }
}
