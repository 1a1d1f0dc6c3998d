/**
 * The local run (thin I/O around src/emulator/): the image, with the
 * function's configuration, through init and one synthetic request, then
 * stopped; what it saw is judged by ./verdict.ts. Docker is driven by argv
 * arrays only (src/emulator/processes.ts); environment values reach the
 * container through the docker client's environment, never argv.
 */
import { promises as fs } from 'node:fs'
import { hostArchitecture } from '../../emulator/container.js'
import { LambdaEmulator } from '../../emulator/emulator.js'
import { dockerCli, type DockerCli } from '../../emulator/processes.js'
import type { FunctionSpec } from '../../emulator/types.js'
import type { Architecture, EventSourceInput } from '../../inputs/types.js'
import { errorMessage } from '../../util/errors.js'
import {
  inspectInvokePayload,
  type InvokeInspection
} from '../invoke-payload.js'
import {
  isDynamicElf,
  localInitLimitMs,
  platformSupport,
  QEMU_HANDLER
} from './platform.js'
import type { LocalRunOutcome } from './verdict.js'

export interface LocalRunRequest {
  /** What the emulator runs: a local image id or reference (pulled or built). */
  spec: FunctionSpec
  managedInstances: boolean
  source: EventSourceInput
  /** The synthetic request, as the event source sends it. */
  event: string
  /** Labels (name=value) of the container, so that what is left of it can be found. */
  containerLabels?: readonly string[]
}

export interface LocalRunHost {
  docker?: DockerCli
  log: (line: string) => void
  /** Where a static busybox may be (the container's holder, docs/emulator.md). */
  holderCandidates?: readonly string[]
  binfmtDir?: string
  hostArchitecture?: Architecture
  /**
   * The container's removal, started when the run ends and not awaited (it takes about a
   * second and nothing after the run needs it): resolves true once docker removed it.
   */
  removed?: (removal: Promise<boolean>) => void
}

export const HOLDER_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox']
const BINFMT_DIR = '/proc/sys/fs/binfmt_misc'

async function enabledHandlers(dir: string): Promise<string[]> {
  const names = Object.values(QEMU_HANDLER)
  const enabled = await Promise.all(
    names.map(async name => {
      const text = await fs.readFile(`${dir}/${name}`, 'utf8').catch(() => '')
      return text.split('\n')[0]?.trim() === 'enabled' ? name : undefined
    })
  )
  return enabled.filter((n): n is string => n !== undefined)
}

/** A static busybox on this machine: it holds the container (docs/emulator.md). */
export async function findHolder(
  candidates: readonly string[]
): Promise<string | undefined> {
  for (const path of candidates) {
    const handle = await fs.open(path, 'r').catch(() => undefined)
    if (handle === undefined) continue
    try {
      const head = Buffer.alloc(4096)
      const { bytesRead } = await handle.read(head, 0, head.length, 0)
      if (!isDynamicElf(head.subarray(0, bytesRead))) return path
    } finally {
      await handle.close()
    }
  }
  return undefined
}

/** Whether this machine can run the image at all; why not, when it cannot. */
export async function localRunnable(
  architecture: Architecture,
  host: LocalRunHost
): Promise<
  | { runs: true; emulated: boolean; holder: string }
  | { runs: false; reason: string }
> {
  const docker = host.docker ?? dockerCli()
  const version = await docker.run([
    'version',
    '--format',
    '{{.Server.Version}}'
  ])
  if (version.code !== 0)
    return {
      runs: false,
      reason: `no Docker engine answers (${(version.stderr.trim().split('\n')[0] ?? '') || 'docker version failed'}).`
    }
  const support = platformSupport(
    architecture,
    host.hostArchitecture ?? hostArchitecture(process.arch),
    await enabledHandlers(host.binfmtDir ?? BINFMT_DIR)
  )
  if (!support.runs) return support
  const candidates = host.holderCandidates ?? HOLDER_CANDIDATES
  const holder = await findHolder(candidates)
  if (holder === undefined)
    return {
      runs: false,
      reason: `no static busybox at ${candidates.join(' or ')} to hold the container (install busybox-static, e.g. apt-get install busybox-static).`
    }
  return { runs: true, emulated: support.emulated, holder }
}

async function inspectionOf(
  source: EventSourceInput,
  payload: Buffer,
  streamed: boolean,
  functionError: string | undefined,
  errorType: string | undefined
): Promise<InvokeInspection> {
  if (!streamed)
    return inspectInvokePayload(source, payload.toString('utf8'), functionError)
  const { readStreamedAnswer } =
    await import('../../aws/lambda-stream-answer.js')
  return readStreamedAnswer({
    executedVersion: undefined,
    bytes: payload,
    cut: false,
    errorCode:
      functionError === undefined ? undefined : (errorType ?? 'Unhandled'),
    errorDetails:
      functionError === undefined ? undefined : payload.toString('utf8'),
    incomplete: false
  })
}

/**
 * Init, one request, stop. Throws only when docker itself fails (the image
 * cannot be found, the engine stops).
 */
export async function runLocally(
  request: LocalRunRequest,
  host: LocalRunHost,
  runnable: { emulated: boolean; holder: string }
): Promise<Extract<LocalRunOutcome, { kind: 'ran' }>> {
  const { spec } = request
  const emulator = await LambdaEmulator.start(spec, {
    ...(host.docker !== undefined ? { docker: host.docker } : {}),
    holderPath: runnable.holder,
    log: host.log,
    initLimitMs: localInitLimitMs(
      spec.timeout,
      request.managedInstances,
      runnable.emulated
    ),
    // The limit above already allows for QEMU: the emulator enforces it.
    hostArchitecture: spec.architecture,
    ...(request.containerLabels !== undefined
      ? { containerLabels: request.containerLabels }
      : {})
  })
  const base = {
    kind: 'ran' as const,
    emulated: runnable.emulated,
    managedInstances: request.managedInstances
  }
  try {
    const init = emulator.lastInit
    if (init === undefined) throw new Error('the emulator reported no init')
    if (init.failure !== undefined) return { ...base, init }
    const result = await emulator.invoke(request.event)
    const inspection = await inspectionOf(
      request.source,
      result.payload,
      result.streamed,
      result.functionError,
      result.errorType
    )
    return {
      ...base,
      init,
      answer: {
        functionError: result.functionError,
        errorType: result.errorType,
        payload: result.payload.subarray(0, 1000).toString('utf8'),
        inspection
      }
    }
  } finally {
    // SHUTDOWN to the extensions is awaited; the container's removal goes on in the background.
    const closing = await emulator
      .close({ removal: 'background' })
      .catch((error: unknown) => {
        host.log(`EMULATOR\tclosing: ${errorMessage(error)}`)
        return { removed: Promise.resolve(false) }
      })
    host.removed?.(closing.removed)
  }
}
