/**
 * The init phase: starts the container (its holder lists /opt/extensions as it starts), starts
 * the extensions found there, waits for
 * them to register, starts the runtime and waits for its first `next`, following `decideInit`
 * (lifecycle.ts). A failed init is logged (INIT_REPORT) and the environment shut down.
 * AWS docs: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html.
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

import {
  EXTENSIONS_DIR,
  HOLDER_READY,
  execArgs,
  holderRunArgs,
  lambdaEnvironment,
  launchErrorOf,
  parseHolderListing,
  parseImageInspect,
  runtimeCommand,
  type ListedExtension
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
  const container = `lambda-emulator-${randomBytes(6).toString('hex')}`
  // The image's config and the container's start (with the /opt/extensions listing) at once:
  // neither waits for the other.
  const [inspect, holder] = await Promise.all([
    docker.run(['image', 'inspect', spec.image]),
    startHolder(
      state,
      spec,
      container,
      settings.holderPath ?? '/bin/busybox',
      settings.containerLabels
    )
  ])
  if (inspect.code !== 0 || !holder.ok) {
    await docker.run(['container', 'rm', '--force', container])
    throw new Error(
      inspect.code !== 0
        ? `docker image inspect ${spec.image}: ${inspect.stderr.trim()}`
        : `docker container run: ${'output' in holder ? holder.output : ''}`
    )
  }
  const image = parseImageInspect(inspect.stdout)
  const command = runtimeCommand(spec, image)
  const env = lambdaEnvironment(
    spec,
    settings.apiAddress,
    command.cmd[0],
    settings.streamName
  )
  const containerId = holder.containerId
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
  launchExtensions(state, sandbox, holder.listing, env.extension)
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

/**
 * Starts the holder: `docker container run` of the container, attached; resolves once the holder
 * has listed /opt/extensions (HOLDER_READY), or with docker's reason when the container ended
 * before (no such image, a refused option).
 */
async function startHolder(
  state: SandboxState,
  spec: SandboxState['spec'],
  container: string,
  holderPath: string,
  labels: readonly string[] | undefined
): Promise<
  | { ok: true; listing: ListedExtension[]; containerId: string }
  | { ok: false; output: string }
> {
  const cidDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lambda-emulator-'))
  const cidFile = path.join(cidDir, 'cid')
  try {
    const started = await new Promise<
      { ok: true; lines: string[] } | { ok: false; output: string }
    >(resolve => {
      const lines: string[] = []
      let ready = false
      const proc = state.docker.start(
        holderRunArgs(spec, container, holderPath, cidFile, labels),
        {},
        line => {
          if (ready) return
          if (line === HOLDER_READY) {
            ready = true
            resolve({ ok: true, lines })
          } else lines.push(line)
        }
      )
      void proc.exited.then(r => {
        if (!ready)
          resolve({
            ok: false,
            output: r.stderr.trim() || r.tail.trim() || `exit status ${r.code}`
          })
      })
    })
    if (!started.ok) return started
    const containerId = await fs
      .readFile(cidFile, 'utf8')
      .then(t => t.trim())
      .catch(() => '')
    return {
      ok: true,
      listing: parseHolderListing(started.lines, MAX_EXTENSIONS),
      containerId
    }
  } finally {
    await fs.rm(cidDir, { recursive: true, force: true })
  }
}

/** Starts every file in /opt/extensions (lexical order, at most 10) with `docker exec`. */
function launchExtensions(
  state: SandboxState,
  sandbox: Sandbox,
  listing: readonly ListedExtension[],
  env: Record<string, string>
): void {
  for (const { name, head } of listing) {
    const file = `${EXTENSIONS_DIR}/${name}`
    const extension: Extension = {
      name,
      external: true,
      events: [],
      registered: false,
      queue: []
    }
    sandbox.extensions.push(extension)
    const cpu = wrongCpu(parseOdHex(head), state.spec.architecture)
    if (cpu !== undefined) {
      state.write(`${file}: cannot execute binary file`)
      extension.wrongCpu = cpu
      continue
    }
    const proc = state.docker.start(
      execArgs(sandbox.container, Object.keys(env), undefined, [file]),
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
