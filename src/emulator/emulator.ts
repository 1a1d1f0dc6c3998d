/**
 * The Lambda execution emulator: runs a container image the way Lambda runs it (docs/emulator.md).
 * One execution environment at a time; init, invoke and shutdown follow the pure decisions of
 * lifecycle.ts; the Runtime and Extensions APIs are served by api-server.ts on 127.0.0.1.
 */
import { randomBytes, randomUUID } from 'node:crypto'

import {
  errorReply,
  startApiServer,
  type ApiBackend,
  type ApiReply,
  type ResponseStream,
  type RunningApi
} from './api-server.js'
import {
  EXTENSIONS_DIR,
  HOLDER_PATH,
  createArgs,
  execArgs,
  hostArchitecture,
  lambdaEnvironment,
  launchErrorOf,
  logStreamName,
  parseImageInspect,
  runtimeCommand
} from './container.js'
import { parseOdHex, wrongCpu } from './elf.js'
import {
  MAX_EXTENSIONS,
  RESPONSE_TOO_LARGE,
  decideInit,
  decideInvoke,
  failurePayload,
  initLimitFor,
  invalidEvents,
  responseTooLarge,
  shutdownBudgetMs,
  type InitStep,
  type InvokeStep
} from './lifecycle.js'
import {
  emulatorLine,
  endLine,
  extensionLine,
  imageLaunchErrorLine,
  initReportLine,
  reportLine,
  startLine,
  timedOutLine
} from './log-lines.js'
import { dockerCli, type DockerCli } from './processes.js'
import type {
  Architecture,
  FunctionSpec,
  SandboxFailure,
  ShutdownReason
} from './types.js'

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
}

export interface InvokeResult {
  requestId: string
  /** Set when the function or the environment failed (Invoke's X-Amz-Function-Error). */
  functionError?: 'Unhandled'
  errorType?: string
  payload: Buffer
  streamed: boolean
}

interface Parked {
  resolve: (reply: ApiReply) => void
}

interface Extension {
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

interface Invocation {
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

interface Sandbox {
  container: string
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

export class LambdaEmulator implements ApiBackend {
  /** Every line written so far. */
  readonly lines: string[] = []
  private api: RunningApi | undefined
  private sandbox: Sandbox | undefined
  private initFailed = false
  private invoking = false
  private readonly waiters = new Set<() => void>()
  private readonly docker: DockerCli
  private readonly now: () => number
  private readonly host: Architecture
  private readonly arn: string
  private readonly streamName: string

  private constructor(
    readonly spec: FunctionSpec,
    private readonly options: EmulatorOptions
  ) {
    this.docker = options.docker ?? dockerCli()
    this.now = options.now ?? Date.now
    this.host = options.hostArchitecture ?? hostArchitecture(process.arch)
    this.arn = `arn:aws:lambda:${spec.region ?? 'us-east-1'}:${spec.accountId ?? '123456789012'}:function:${spec.functionName}`
    this.streamName = logStreamName(
      new Date(this.now()),
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
    emulator.api = await startApiServer(emulator)
    try {
      const failure = await emulator.init('init')
      emulator.initFailed = failure !== undefined
    } catch (err) {
      await emulator.api.close()
      throw err
    }
    return emulator
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
    if (this.sandbox === undefined) {
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
    if (suppressedFailure !== undefined || this.sandbox === undefined) {
      const failure = suppressedFailure ?? {
        errorType: 'Runtime.Unknown',
        status: 'error' as const,
        message: 'no environment'
      }
      this.write(startLine(requestId, version))
      this.write(endLine(requestId))
      this.write(
        reportLine({
          requestId,
          durationMs: 0,
          memorySize: this.spec.memorySize,
          failure
        })
      )
      return this.failed(requestId, {
        ...failure,
        message: `RequestId: ${requestId} Error: ${failure.message}`
      })
    }
    return this.invokeIn(this.sandbox, requestId, Buffer.from(event), options)
  }

  /** Shuts the environment down (reason spindown) and stops the APIs. */
  async close(): Promise<void> {
    if (this.sandbox !== undefined) await this.teardown('spindown')
    await this.api?.close()
    this.api = undefined
  }

  // ---- init ---------------------------------------------------------------------------

  private async init(
    phase: 'init' | 'invoke'
  ): Promise<SandboxFailure | undefined> {
    const api = this.api
    if (api === undefined) throw new Error('the emulator is closed')
    const inspect = await this.docker.run(['image', 'inspect', this.spec.image])
    if (inspect.code !== 0)
      throw new Error(
        `docker image inspect ${this.spec.image}: ${inspect.stderr.trim()}`
      )
    const image = parseImageInspect(inspect.stdout)
    const command = runtimeCommand(this.spec, image)
    const env = lambdaEnvironment(
      this.spec,
      api.address,
      command.cmd[0],
      this.streamName
    )
    const container = `lambda-emulator-${randomBytes(6).toString('hex')}`
    const created = await this.docker.run(
      createArgs(
        this.spec,
        container,
        this.options.holderPath ?? '/bin/busybox'
      )
    )
    if (created.code !== 0)
      throw new Error(`docker container create: ${created.stderr.trim()}`)
    const started = await this.docker.run(['container', 'start', container])
    if (started.code !== 0) {
      await this.docker.run(['container', 'rm', '--force', container])
      throw new Error(`docker container start: ${started.stderr.trim()}`)
    }
    const sandbox: Sandbox = {
      container,
      phase: 'init',
      extensions: [],
      runtimeStarted: false,
      registrationClosed: false
    }
    this.sandbox = sandbox
    const t0 = this.now()
    const limitMs = initLimitFor(
      phase,
      this.spec.architecture,
      this.host,
      this.spec.timeout,
      this.options.initLimitMs
    )
    if (limitMs === undefined)
      this.write(
        emulatorLine(
          `${this.spec.architecture} image on a ${this.host} host runs under QEMU emulation: the init limit is not enforced`
        )
      )
    await this.launchExtensions(sandbox, env.extension)
    let step: InitStep
    for (;;) {
      step = await this.until(() => {
        const s = decideInit({
          extensions: sandbox.extensions.map(e => ({
            name: e.name,
            external: e.external,
            registered: e.registered,
            waiting: this.waiting(e),
            ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}),
            ...(e.wrongCpu !== undefined ? { wrongCpu: e.wrongCpu } : {}),
            ...(e.initError !== undefined ? { initError: e.initError } : {})
          })),
          runtimeStarted: sandbox.runtimeStarted,
          ...(sandbox.runtimeLaunchError !== undefined
            ? { runtimeLaunchError: sandbox.runtimeLaunchError }
            : {}),
          ...(sandbox.runtimeExitCode !== undefined
            ? { runtimeExitCode: sandbox.runtimeExitCode }
            : {}),
          ...(sandbox.runtimeInitError !== undefined
            ? { runtimeInitError: sandbox.runtimeInitError }
            : {}),
          runtimeWaiting: sandbox.runtimeParked !== undefined,
          elapsedMs: this.now() - t0,
          limitMs
        })
        return s.kind === 'wait' ? undefined : s
      })
      if (step.kind !== 'start-runtime') break
      this.launchRuntime(sandbox, command, env.runtime)
      sandbox.runtimeStarted = true
    }
    const durationMs = this.now() - t0
    this.writeExtensionLines(sandbox)
    if (step.kind === 'ready') {
      sandbox.phase = 'ready'
      sandbox.initDurationMs = durationMs
      return undefined
    }
    if (step.failure.errorType === 'Runtime.InvalidEntrypoint')
      this.write(
        imageLaunchErrorLine(
          step.failure.message,
          command.entrypoint,
          command.cmd,
          command.workingDir
        )
      )
    this.write(initReportLine(durationMs, phase, step.failure))
    await this.teardown('failure')
    return step.failure
  }

  private async launchExtensions(
    sandbox: Sandbox,
    env: Record<string, string>
  ): Promise<void> {
    const listed = await this.docker.run(
      execArgs(sandbox.container, [], undefined, [
        HOLDER_PATH,
        'ls',
        '-1',
        EXTENSIONS_DIR
      ])
    )
    const names =
      listed.code === 0
        ? listed.stdout
            .split('\n')
            .map(s => s.trim())
            .filter(s => s !== '')
            .sort()
            .slice(0, MAX_EXTENSIONS)
        : []
    for (const name of names) {
      const path = `${EXTENSIONS_DIR}/${name}`
      const extension: Extension = {
        name,
        external: true,
        events: [],
        registered: false,
        queue: []
      }
      sandbox.extensions.push(extension)
      const head = await this.docker.run(
        execArgs(sandbox.container, [], undefined, [
          HOLDER_PATH,
          'od',
          '-An',
          '-tx1',
          '-N20',
          path
        ])
      )
      const cpu = wrongCpu(parseOdHex(head.stdout), this.spec.architecture)
      if (cpu !== undefined) {
        this.write(`${path}: cannot execute binary file`)
        extension.wrongCpu = cpu
        continue
      }
      const proc = this.docker.start(
        execArgs(sandbox.container, Object.keys(env), undefined, [path]),
        env,
        line => this.write(line)
      )
      void proc.exited.then(r => {
        extension.exitCode = r.code
        this.notify()
      })
    }
  }

  private launchRuntime(
    sandbox: Sandbox,
    command: { entrypoint: string[]; cmd: string[]; workingDir: string },
    env: Record<string, string>
  ): void {
    const argv = [...command.entrypoint, ...command.cmd]
    if (argv.length === 0) {
      sandbox.runtimeLaunchError = 'no ENTRYPOINT or CMD'
      return
    }
    const proc = this.docker.start(
      execArgs(sandbox.container, Object.keys(env), command.workingDir, argv),
      env,
      line => this.write(line)
    )
    void proc.exited.then(r => {
      const launch = launchErrorOf(r.code, r.tail)
      if (launch !== undefined) sandbox.runtimeLaunchError = launch
      else sandbox.runtimeExitCode = r.code
      this.notify()
    })
  }

  private writeExtensionLines(sandbox: Sandbox): void {
    for (const e of sandbox.extensions) {
      const state =
        e.registered && this.waiting(e)
          ? 'Ready'
          : e.registered
            ? 'Registered'
            : 'Started'
      const crashed = e.wrongCpu !== undefined || e.exitCode !== undefined
      this.write(
        extensionLine(
          e.name,
          state,
          e.events,
          crashed ? 'Extension.Crash' : e.initError
        )
      )
    }
  }

  // ---- invoke -------------------------------------------------------------------------

  private async invokeIn(
    sandbox: Sandbox,
    requestId: string,
    event: Buffer,
    options: { onChunk?: (chunk: Buffer) => void }
  ): Promise<InvokeResult> {
    const t0 = this.now()
    const deadlineMs = t0 + this.spec.timeout * 1000
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
    this.write(startLine(requestId, this.spec.version ?? '$LATEST'))
    const subscribed = sandbox.extensions.filter(
      e => e.registered && e.events.includes('INVOKE')
    )
    for (const e of subscribed)
      this.deliver(e, {
        eventType: 'INVOKE',
        deadlineMs,
        requestId,
        invokedFunctionArn: this.arn,
        tracing: { type: 'X-Amzn-Trace-Id', value: traceId(t0) }
      })
    this.deliverInvocation(sandbox)
    const step = await this.until(() => {
      const crashed = sandbox.extensions.find(e => e.exitCode !== undefined)
      const s: InvokeStep = decideInvoke({
        requestId,
        ...(invocation.outcome !== undefined
          ? { outcome: invocation.outcome }
          : {}),
        runtimeWaiting: sandbox.runtimeParked !== undefined,
        extensionsWaiting: subscribed.every(e => this.waiting(e)),
        ...(sandbox.runtimeExitCode !== undefined
          ? { runtimeExitCode: sandbox.runtimeExitCode }
          : {}),
        ...(crashed !== undefined ? { crashedExtension: crashed.name } : {}),
        elapsedMs: this.now() - t0,
        timeoutSeconds: this.spec.timeout
      })
      return s.kind === 'wait' ? undefined : s
    })
    const durationMs = this.now() - t0
    const initDurationMs = sandbox.initDurationMs
    delete sandbox.initDurationMs
    const report = (failure?: SandboxFailure): void => {
      this.write(endLine(requestId))
      this.write(
        reportLine({
          requestId,
          durationMs,
          memorySize: this.spec.memorySize,
          ...(initDurationMs !== undefined ? { initDurationMs } : {}),
          ...(failure !== undefined ? { failure } : {})
        })
      )
    }
    if (step.kind === 'fail') {
      if (step.failure.errorType === 'Sandbox.Timedout')
        this.write(
          timedOutLine(new Date(this.now()), requestId, this.spec.timeout)
        )
      report(step.failure)
      await this.teardown(
        step.failure.status === 'timeout' ? 'timeout' : 'failure'
      )
      return this.failed(requestId, step.failure)
    }
    sandbox.phase = 'ready'
    delete sandbox.invocation
    if (invocation.outcome === 'too-large') {
      report(RESPONSE_TOO_LARGE)
      return this.failed(requestId, RESPONSE_TOO_LARGE)
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

  private failed(requestId: string, failure: SandboxFailure): InvokeResult {
    return {
      requestId,
      functionError: 'Unhandled',
      errorType: failure.errorType,
      payload: Buffer.from(failurePayload(failure)),
      streamed: false
    }
  }

  private deliverInvocation(sandbox: Sandbox): void {
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

  private deliver(extension: Extension, event: object): void {
    extension.queue.push(event)
    this.flush(extension)
  }

  private flush(extension: Extension): void {
    const parked = extension.parked
    const event = extension.queue[0]
    if (parked === undefined || event === undefined) return
    extension.queue.shift()
    delete extension.parked
    parked.resolve({ status: 200, body: event })
  }

  private waiting(e: Extension): boolean {
    return e.parked !== undefined && e.queue.length === 0
  }

  // ---- shutdown -----------------------------------------------------------------------

  private async teardown(reason: ShutdownReason): Promise<void> {
    const sandbox = this.sandbox
    if (sandbox === undefined) return
    sandbox.phase = 'shutdown'
    const budget = shutdownBudgetMs(sandbox.extensions)
    const t0 = this.now()
    const subscribed = sandbox.extensions.filter(
      e =>
        e.registered &&
        e.events.includes('SHUTDOWN') &&
        e.exitCode === undefined
    )
    for (const e of subscribed)
      this.deliver(e, {
        eventType: 'SHUTDOWN',
        shutdownReason: reason,
        deadlineMs: t0 + budget
      })
    if (budget > 0)
      await this.until(() =>
        subscribed.every(e => e.exitCode !== undefined) ||
        this.now() - t0 >= budget
          ? true
          : undefined
      )
    // SIGKILL for whatever still runs: the holder is PID 1, so removing the container ends all.
    await this.docker.run(['container', 'rm', '--force', sandbox.container])
    for (const e of sandbox.extensions) {
      e.parked?.resolve(
        errorReply(500, 'ServiceException', 'environment shut down')
      )
      delete e.parked
    }
    sandbox.runtimeParked?.resolve(
      errorReply(500, 'ServiceException', 'environment shut down')
    )
    delete sandbox.runtimeParked
    if (this.sandbox === sandbox) this.sandbox = undefined
  }

  // ---- the APIs -----------------------------------------------------------------------

  runtimeNext(): Promise<ApiReply> {
    const sandbox = this.sandbox
    if (sandbox === undefined || sandbox.phase === 'shutdown')
      return Promise.resolve(
        errorReply(500, 'ServiceException', 'no environment')
      )
    return new Promise(resolve => {
      sandbox.runtimeParked?.resolve(
        errorReply(
          403,
          'InvalidStateTransition',
          'a newer next replaced this one'
        )
      )
      sandbox.runtimeParked = { resolve }
      sandbox.registrationClosed = true
      this.deliverInvocation(sandbox)
      this.notify()
    })
  }

  async runtimeResponse(
    requestId: string,
    response: ResponseStream
  ): Promise<ApiReply> {
    const inv = this.sandbox?.invocation
    if (inv === undefined || inv.id !== requestId || !inv.delivered) {
      for await (const _ of response.body) void _
      return errorReply(
        400,
        'InvalidRequestID',
        `Invalid request ID: ${requestId}`
      )
    }
    if (inv.outcome !== undefined) {
      for await (const _ of response.body) void _
      return errorReply(
        403,
        'InvalidStateTransition',
        'State transition from ResponseSent to ResponseSent failed'
      )
    }
    const chunks: Buffer[] = []
    let bytes = 0
    let tooLarge = false
    for await (const chunk of response.body) {
      bytes += chunk.length
      if (responseTooLarge(bytes, response.mode)) tooLarge = true
      if (tooLarge) continue
      chunks.push(chunk)
      if (response.mode === 'streaming') inv.onChunk?.(chunk)
    }
    if (tooLarge) {
      inv.outcome = 'too-large'
      this.notify()
      return errorReply(
        413,
        'RequestEntityTooLarge',
        RESPONSE_TOO_LARGE.message
      )
    }
    inv.payload = Buffer.concat(chunks)
    inv.streamed = response.mode === 'streaming'
    const trailers = response.trailers()
    if (trailers.errorType !== undefined) {
      inv.functionError = 'Unhandled'
      inv.errorType = trailers.errorType
    }
    inv.outcome = 'response'
    this.notify()
    return { status: 202, body: { status: 'OK' } }
  }

  runtimeError(
    requestId: string,
    errorType: string | undefined,
    body: Buffer
  ): ApiReply {
    const inv = this.sandbox?.invocation
    if (inv === undefined || inv.id !== requestId || !inv.delivered)
      return errorReply(
        400,
        'InvalidRequestID',
        `Invalid request ID: ${requestId}`
      )
    if (inv.outcome !== undefined)
      return errorReply(
        403,
        'InvalidStateTransition',
        'State transition from ResponseSent to ErrorResponseSent failed'
      )
    inv.outcome = 'error'
    inv.functionError = 'Unhandled'
    inv.errorType = errorType ?? 'Runtime.Unknown'
    inv.payload =
      body.length > 0
        ? body
        : Buffer.from(
            JSON.stringify({ errorType: inv.errorType, errorMessage: '' })
          )
    this.notify()
    return { status: 202, body: { status: 'OK' } }
  }

  runtimeInitError(errorType: string | undefined, _body: Buffer): ApiReply {
    const sandbox = this.sandbox
    if (sandbox === undefined || sandbox.phase !== 'init')
      return errorReply(
        403,
        'InvalidStateTransition',
        'init/error outside init'
      )
    sandbox.runtimeInitError = errorType ?? 'Runtime.Unknown'
    this.notify()
    return { status: 202, body: { status: 'OK' } }
  }

  extensionRegister(name: string | undefined, body: Buffer): ApiReply {
    const sandbox = this.sandbox
    if (
      sandbox === undefined ||
      sandbox.phase !== 'init' ||
      sandbox.registrationClosed
    )
      return errorReply(
        403,
        'Extension.InvalidStateTransition',
        'registration is closed'
      )
    if (name === undefined || name === '')
      return errorReply(
        403,
        'Extension.InvalidExtensionName',
        'Lambda-Extension-Name is missing'
      )
    let events: unknown
    try {
      events = (
        JSON.parse(body.toString('utf8') || '{}') as { events?: unknown }
      ).events
    } catch {
      return errorReply(400, 'InvalidRequest', 'the body is not JSON')
    }
    const invalid = invalidEvents(events ?? [])
    if (invalid !== undefined)
      return errorReply(403, 'Extension.InvalidEventType', invalid)
    // A name that matches no launched file registers an internal extension (started by the
    // runtime): the launched file then never counts as registered.
    let extension = sandbox.extensions.find(
      e => e.external && e.name === name && !e.registered
    )
    if (extension === undefined) {
      extension = {
        name,
        external: false,
        events: [],
        registered: false,
        queue: []
      }
      sandbox.extensions.push(extension)
    }
    extension.registered = true
    extension.events = (events ?? []) as string[]
    extension.id = randomUUID()
    this.notify()
    return {
      status: 200,
      headers: { 'Lambda-Extension-Identifier': extension.id },
      body: {
        functionName: this.spec.functionName,
        functionVersion: this.spec.version ?? '$LATEST',
        handler: (this.spec.imageConfig?.command ?? [])[0] ?? ''
      }
    }
  }

  extensionNext(identifier: string | undefined): Promise<ApiReply> {
    if (identifier === undefined)
      return Promise.resolve(
        errorReply(
          403,
          'Extension.MissingExtensionIdentifier',
          'Lambda-Extension-Identifier is missing'
        )
      )
    const extension = this.sandbox?.extensions.find(e => e.id === identifier)
    if (extension === undefined)
      return Promise.resolve(
        errorReply(
          403,
          'Extension.InvalidExtensionIdentifier',
          `unknown extension ${identifier}`
        )
      )
    return new Promise(resolve => {
      extension.parked = { resolve }
      this.flush(extension)
      this.notify()
    })
  }

  extensionError(
    kind: 'init' | 'exit',
    identifier: string | undefined,
    errorType: string | undefined,
    _body: Buffer
  ): ApiReply {
    const extension = this.sandbox?.extensions.find(e => e.id === identifier)
    if (extension === undefined)
      return errorReply(
        403,
        'Extension.InvalidExtensionIdentifier',
        'unknown extension'
      )
    if (kind === 'init')
      extension.initError = errorType ?? 'Extension.InitError'
    this.notify()
    return { status: 202, body: { status: 'OK' } }
  }

  // ---- plumbing -----------------------------------------------------------------------

  private write(line: string): void {
    this.lines.push(line)
    this.options.log?.(line)
  }

  private notify(): void {
    for (const w of [...this.waiters]) w()
  }

  /** Resolves with the first defined value of `decide`, re-checked on every change and tick. */
  private until<T>(decide: () => T | undefined): Promise<T> {
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
}

/** An X-Ray trace header value in Lambda's shape. */
function traceId(nowMs: number): string {
  const epoch = Math.floor(nowMs / 1000).toString(16)
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Sampled=0`
}
