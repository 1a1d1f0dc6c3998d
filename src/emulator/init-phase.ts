/**
 * The init phase: creates the container, starts the extensions in /opt/extensions, waits for
 * them to register, starts the runtime and waits for its first `next`, following `decideInit`
 * (lifecycle.ts). A failed init is logged (INIT_REPORT) and the environment shut down.
 * AWS docs: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html.
 */
import { randomBytes } from 'node:crypto'

import {
  EXTENSIONS_DIR,
  HOLDER_PATH,
  createArgs,
  execArgs,
  lambdaEnvironment,
  launchErrorOf,
  parseImageInspect,
  runtimeCommand
} from './container.js'
import { parseOdHex, wrongCpu } from './elf.js'
import {
  MAX_EXTENSIONS,
  decideInit,
  initLimitFor,
  type InitStep
} from './lifecycle.js'
import {
  emulatorLine,
  extensionLine,
  imageLaunchErrorLine,
  initReportLine
} from './log-lines.js'
import type { Extension, Sandbox, SandboxState } from './sandbox.js'
import { shutdown } from './shutdown-phase.js'
import type {
  Architecture,
  ExtensionReport,
  InitReport,
  SandboxFailure
} from './types.js'

export interface InitSettings {
  /** host:port of the Runtime and Extensions APIs (AWS_LAMBDA_RUNTIME_API). */
  apiAddress: string
  /** AWS_LAMBDA_LOG_STREAM_NAME. */
  streamName: string
  /** Host path of a static busybox, mounted read-only as the container's PID 1 holder. */
  holderPath?: string
  /** The init limit (default 10 s, Lambda's). */
  initLimitMs?: number
  hostArchitecture: Architecture
  /** Labels (name=value) of the container. */
  containerLabels?: readonly string[]
}

/**
 * Runs the init phase in a new container; `phase` is 'invoke' for the suppressed init inside
 * the first invoke after a failed one. Resolves with the failure, if any; throws only when
 * docker itself fails.
 */
export async function runInit(
  state: SandboxState,
  settings: InitSettings,
  phase: 'init' | 'invoke'
): Promise<SandboxFailure | undefined> {
  const { spec, docker } = state
  const host = settings.hostArchitecture
  const inspect = await docker.run(['image', 'inspect', spec.image])
  if (inspect.code !== 0)
    throw new Error(
      `docker image inspect ${spec.image}: ${inspect.stderr.trim()}`
    )
  const image = parseImageInspect(inspect.stdout)
  const command = runtimeCommand(spec, image)
  const env = lambdaEnvironment(
    spec,
    settings.apiAddress,
    command.cmd[0],
    settings.streamName
  )
  const container = `lambda-emulator-${randomBytes(6).toString('hex')}`
  const created = await docker.run(
    createArgs(
      spec,
      container,
      settings.holderPath ?? '/bin/busybox',
      settings.containerLabels
    )
  )
  if (created.code !== 0)
    throw new Error(`docker container create: ${created.stderr.trim()}`)
  const started = await docker.run(['container', 'start', container])
  if (started.code !== 0) {
    await docker.run(['container', 'rm', '--force', container])
    throw new Error(`docker container start: ${started.stderr.trim()}`)
  }
  const containerId = created.stdout.trim()
  const sandbox: Sandbox = {
    container,
    ...(containerId !== '' ? { containerId } : {}),
    phase: 'init',
    extensions: [],
    runtimeStarted: false,
    registrationClosed: false
  }
  state.sandbox = sandbox
  const t0 = state.now()
  const limitMs = initLimitFor(
    phase,
    spec.architecture,
    host,
    spec.timeout,
    settings.initLimitMs
  )
  if (limitMs === undefined)
    state.write(
      emulatorLine(
        `${spec.architecture} image on a ${host} host runs under QEMU emulation: the init limit is not enforced`
      )
    )
  await launchExtensions(state, sandbox, env.extension)
  let step: InitStep
  for (;;) {
    step = await state.until(() => {
      const s = decideInit({
        extensions: sandbox.extensions.map(e => ({
          name: e.name,
          external: e.external,
          registered: e.registered,
          waiting: state.waiting(e),
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
        elapsedMs: state.now() - t0,
        limitMs
      })
      return s.kind === 'wait' ? undefined : s
    })
    if (step.kind !== 'start-runtime') break
    launchRuntime(state, sandbox, command, env.runtime)
    sandbox.runtimeStarted = true
  }
  const durationMs = state.now() - t0
  const extensions = writeExtensionLines(state, sandbox)
  state.lastInit = {
    phase,
    durationMs,
    limitMs,
    ...(step.kind === 'fail' ? { failure: step.failure } : {}),
    runtime: runtimeStateOf(sandbox),
    ...(sandbox.runtimeExitCode !== undefined
      ? { runtimeExitCode: sandbox.runtimeExitCode }
      : {}),
    extensions
  }
  if (step.kind === 'ready') {
    sandbox.phase = 'ready'
    sandbox.initDurationMs = durationMs
    return undefined
  }
  if (step.failure.errorType === 'Runtime.InvalidEntrypoint')
    state.write(
      imageLaunchErrorLine(
        step.failure.message,
        command.entrypoint,
        command.cmd,
        command.workingDir
      )
    )
  state.write(initReportLine(durationMs, phase, step.failure))
  await shutdown(state, 'failure')
  return step.failure
}

/** Starts every file in /opt/extensions (lexical order, at most 10) with `docker exec`. */
async function launchExtensions(
  state: SandboxState,
  sandbox: Sandbox,
  env: Record<string, string>
): Promise<void> {
  const listed = await state.docker.run(
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
    const head = await state.docker.run(
      execArgs(sandbox.container, [], undefined, [
        HOLDER_PATH,
        'od',
        '-An',
        '-tx1',
        '-N20',
        path
      ])
    )
    const cpu = wrongCpu(parseOdHex(head.stdout), state.spec.architecture)
    if (cpu !== undefined) {
      state.write(`${path}: cannot execute binary file`)
      extension.wrongCpu = cpu
      continue
    }
    const proc = state.docker.start(
      execArgs(sandbox.container, Object.keys(env), undefined, [path]),
      env,
      line => state.write(line)
    )
    void proc.exited.then(r => {
      extension.exitCode = r.code
      state.notify()
    })
  }
}

/** Starts ENTRYPOINT + CMD with `docker exec`; a launch error or exit is noted on the sandbox. */
function launchRuntime(
  state: SandboxState,
  sandbox: Sandbox,
  command: { entrypoint: string[]; cmd: string[]; workingDir: string },
  env: Record<string, string>
): void {
  const argv = [...command.entrypoint, ...command.cmd]
  if (argv.length === 0) {
    sandbox.runtimeLaunchError = 'no ENTRYPOINT or CMD'
    return
  }
  const proc = state.docker.start(
    execArgs(sandbox.container, Object.keys(env), command.workingDir, argv),
    env,
    line => state.write(line)
  )
  void proc.exited.then(r => {
    const launch = launchErrorOf(r.code, r.tail)
    if (launch !== undefined) sandbox.runtimeLaunchError = launch
    else sandbox.runtimeExitCode = r.code
    state.notify()
  })
}

function runtimeStateOf(sandbox: Sandbox): InitReport['runtime'] {
  if (sandbox.runtimeLaunchError !== undefined) return 'launch-error'
  if (sandbox.runtimeExitCode !== undefined) return 'exited'
  if (sandbox.runtimeParked !== undefined) return 'waiting'
  return sandbox.runtimeStarted ? 'running' : 'not-started'
}

/** One EXTENSION line per extension, in the state init left it in. */
function writeExtensionLines(
  state: SandboxState,
  sandbox: Sandbox
): ExtensionReport[] {
  const reports: ExtensionReport[] = []
  for (const e of sandbox.extensions) {
    const extensionState =
      e.registered && state.waiting(e)
        ? 'Ready'
        : e.registered
          ? 'Registered'
          : 'Started'
    const crashed = e.wrongCpu !== undefined || e.exitCode !== undefined
    const errorType = crashed ? 'Extension.Crash' : e.initError
    state.write(extensionLine(e.name, extensionState, e.events, errorType))
    reports.push({
      name: e.name,
      state: extensionState,
      events: [...e.events],
      ...(errorType !== undefined ? { errorType } : {})
    })
  }
  return reports
}
