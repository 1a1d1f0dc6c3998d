/**
 * The data plane's execution environments: one warm sandbox per function + version + image
 * digest, run by the Lambda execution emulator (src/emulator, docs/emulator.md) as Lambda runs a
 * container image: the Runtime and Extensions APIs on 127.0.0.1, extensions from /opt/extensions,
 * the runtime (ENTRYPOINT + CMD) polling invocation/next, the init limit, the function timeout,
 * SHUTDOWN. Every line the environment writes (Lambda's own START / END / REPORT / INIT_REPORT /
 * EXTENSION lines and the processes' output) goes to the environment's log stream as it is
 * written, and to the listeners of `onEnvironmentLine` (the gateway's one place where the
 * emulator's lines meet the stand-in's logs).
 *   - The image is pulled from the stand-in's registry (127.0.0.1:<registry port>/<repo>@<digest>)
 *     and its container labelled with CONTAINER_LABEL, so that reset, shutdown and
 *     `scripts/local-aws.sh down` remove only this stand-in's containers.
 *   - An image whose config architecture differs from the function's Architectures fails before
 *     any container starts: Runtime.InvalidEntrypoint (exec format error) with Lambda's IMAGE
 *     Launch error line, as Lambda reports it.
 *   - Invokes of one environment run one at a time (queued), as one Lambda environment serves
 *     one request at a time. At most 4 environments per function: the least recently used is
 *     shut down first. An environment is shut down (SHUTDOWN spindown to its extensions) when its
 *     function or version is deleted, when the stand-in resets or stops; a new image digest
 *     (UpdateFunctionCode) gets a new environment and the old one is shut down.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'

import { LambdaEmulator } from '../../../src/emulator/emulator.js'
import { dockerCli } from '../../../src/emulator/processes.js'
import type { FunctionSpec, InvokeResult } from '../../../src/emulator/types.js'
import {
  ACCOUNT,
  CONTAINER_LABEL,
  DOCKER,
  INIT_LIMIT_MS,
  RAW_REGISTRY
} from './config.js'
import { RuntimeError } from './errors.js'
import { configurationKey } from './function-config.js'
import { errMessage, log } from './http.js'
import { registryImageConfig, type ImageConfig } from './image-refs.js'
import { newLogStream, nowMs, type LogStream } from './log-store.js'
import type { Target } from './targets.js'

const execFileP = promisify(execFile)

export interface ContainerEntry {
  key: string
  fn: string
  version: string
  digest: string
  image: string
  emulator?: LambdaEmulator
  ready: Promise<void>
  error?: RuntimeError
  stream: LogStream
  lastUsed: number
  /** The invokes of this environment, one after the other. */
  queue: Promise<unknown>
}

export const containers = new Map<string, ContainerEntry>() // `${fn}\n${version}\n${digest}` -> entry
const MAX_CONTAINERS_PER_FUNCTION = 4

/** A line an environment wrote, with the environment it came from. */
export interface EnvironmentLine {
  fn: string
  version: string
  stream: LogStream
  line: string
}

const lineListeners = new Set<(line: EnvironmentLine) => void>()

/** Every line any environment writes (Lambda's lines and the processes' output), as written. */
export function onEnvironmentLine(
  listener: (line: EnvironmentLine) => void
): () => void {
  lineListeners.add(listener)
  return () => lineListeners.delete(listener)
}

function lambdaArchToOci(a: string): string {
  return a === 'arm64' ? 'arm64' : a === 'x86_64' ? 'amd64' : a
}

function launchLine(cfg: ImageConfig, error: string): string {
  return `IMAGE\tLaunch error: ${error}\tEntrypoint: [${cfg.entrypointArgs.join(' ')}]\tCmd: [${cfg.cmd.join(' ')}]\tWorkingDir: [${cfg.workingDir}]`
}

/**
 * The one place the stand-in says how a function's sandbox is configured (the emulator's
 * FunctionSpec): name, image, architecture, memory, timeout, version, region, account. The
 * function's ImageConfig and Environment belong here too.
 */
export function sandboxSpec(target: Target, image: string): FunctionSpec {
  // The function's ImageConfig and variables, as Lambda runs them
  // (API_ImageConfig: each part overrides the image's own when set).
  const config = target.imageConfig
  return {
    functionName: target.fn,
    image,
    architecture: target.arch === 'arm64' ? 'arm64' : 'x86_64',
    memorySize: target.memoryMb,
    timeout: target.timeoutS,
    version: target.version,
    region: target.region,
    accountId: ACCOUNT,
    environment: { ...target.environment },
    ...(config !== undefined && {
      imageConfig: {
        ...(config.EntryPoint !== undefined && {
          entryPoint: config.EntryPoint
        }),
        ...(config.Command !== undefined && { command: config.Command }),
        ...(config.WorkingDirectory !== undefined &&
          config.WorkingDirectory !== '' && {
            workingDirectory: config.WorkingDirectory
          })
      }
    })
  }
}

/** The static busybox the emulator mounts as its containers' PID 1 holder. */
function holderPath(): string {
  return existsSync('/bin/busybox') ? '/bin/busybox' : '/usr/bin/busybox'
}

/** Pulls the image unless the engine has it already (a digest reference never changes). */
async function pull(image: string): Promise<void> {
  try {
    await execFileP(
      DOCKER,
      ['image', 'inspect', '--format', '{{.Id}}', image],
      {
        timeout: 30000
      }
    )
    return
  } catch {
    // not there yet
  }
  await execFileP(DOCKER, ['pull', '--quiet', image], {
    timeout: 120000,
    maxBuffer: 4 * 1024 * 1024
  })
}

async function startEnvironment(
  entry: ContainerEntry,
  repo: string,
  target: Target
): Promise<void> {
  const cfg = await registryImageConfig(repo, entry.digest)
  if (!cfg)
    throw new RuntimeError(
      'Runtime.InvalidEntrypoint',
      `image ${entry.image} not found in the registry`
    )
  if (cfg.architecture !== lambdaArchToOci(target.arch)) {
    const error = `fork/exec ${cfg.entrypoint}: exec format error`
    throw new RuntimeError(
      'Runtime.InvalidEntrypoint',
      `Error: ${error}`,
      `(image architecture ${cfg.architecture}, function architecture ${target.arch})`,
      launchLine(cfg, error)
    )
  }
  const started = Date.now()
  await pull(entry.image)
  entry.emulator = await LambdaEmulator.start(
    sandboxSpec(target, entry.image),
    {
      docker: dockerCli(DOCKER),
      holderPath: holderPath(),
      logStreamName: entry.stream.name,
      containerLabels: [
        CONTAINER_LABEL,
        `aspnet-lambda-deploy.function=${entry.fn}`,
        `aspnet-lambda-deploy.version=${entry.version}`
      ],
      ...(INIT_LIMIT_MS !== undefined ? { initLimitMs: INIT_LIMIT_MS } : {}),
      log: line => writeLine(entry, line)
    }
  )
  log(
    `environment ${entry.fn}:${entry.version} ${entry.digest.slice(0, 19)} ready in ${Date.now() - started} ms`
  )
}

function writeLine(entry: ContainerEntry, line: string): void {
  entry.stream.platform.push({
    ts: nowMs(),
    message: line.endsWith('\n') ? line : `${line}\n`,
    order: 0
  })
  for (const listener of lineListeners)
    listener({
      fn: entry.fn,
      version: entry.version,
      stream: entry.stream,
      line
    })
}

/** Shuts the environment down (SHUTDOWN spindown); its log stream stays. */
export async function removeEntry(entry: ContainerEntry): Promise<void> {
  await entry.ready.catch(() => undefined)
  await entry.queue.catch(() => undefined)
  const emulator = entry.emulator
  delete entry.emulator
  if (emulator === undefined) return
  try {
    await emulator.close()
  } catch (e) {
    log(`shutdown of ${entry.fn}:${entry.version}: ${errMessage(e)}`)
  }
}

export async function removeFunctionContainers(fn: string): Promise<void> {
  const gone = [...containers.values()].filter(e => e.fn === fn)
  for (const e of gone) containers.delete(e.key)
  await Promise.all(gone.map(e => removeEntry(e)))
}

/** Stop the environments of one published version (DeleteFunction of that version). */
export async function removeVersionContainers(
  fn: string,
  version: string
): Promise<void> {
  const gone = [...containers.values()].filter(
    e => e.fn === fn && e.version === version
  )
  for (const e of gone) containers.delete(e.key)
  await Promise.all(gone.map(e => removeEntry(e)))
}

export async function ensureContainer(target: Target): Promise<ContainerEntry> {
  const image = target.image
  if (!image) throw new RuntimeError('Runtime.InvalidImage', 'no image')
  // A new environment or ImageConfig starts a new environment, as on Lambda.
  const configuration = configurationKey(target.environment, target.imageConfig)
  const key = `${target.fn}\n${target.version}\n${image.digest}\n${configuration}`
  const existing = containers.get(key)
  if (existing && !existing.error) {
    existing.lastUsed = Date.now()
    await existing.ready
    return existing
  }
  const mine = [...containers.values()]
    .filter(e => e.fn === target.fn)
    .sort((a, b) => a.lastUsed - b.lastUsed)
  // The code of this version changed: its old environment goes.
  for (const old of mine.filter(e => e.version === target.version)) {
    containers.delete(old.key)
    void removeEntry(old)
  }
  const others = mine.filter(e => e.version !== target.version)
  while (others.length >= MAX_CONTAINERS_PER_FUNCTION) {
    const old = others.shift()
    if (!old) break
    containers.delete(old.key)
    void removeEntry(old)
  }
  const entry: ContainerEntry = {
    key,
    fn: target.fn,
    version: target.version,
    digest: image.digest,
    image: `${RAW_REGISTRY}/${image.ref.repository}@${image.digest}`,
    ready: Promise.resolve(),
    stream: newLogStream(target.fn, target.version),
    lastUsed: Date.now(),
    queue: Promise.resolve()
  }
  entry.ready = startEnvironment(entry, image.ref.repository, target)
  containers.set(key, entry)
  try {
    await entry.ready
  } catch (e) {
    const err =
      e instanceof RuntimeError
        ? e
        : new RuntimeError('Runtime.Unknown', errMessage(e))
    err.stream = entry.stream
    entry.error = err
    if (containers.get(key) === entry) containers.delete(key)
    throw err
  }
  return entry
}

/** Runs one invoke in the environment, after the ones before it. */
export function invokeIn(
  entry: ContainerEntry,
  event: Buffer,
  onStart: () => void = () => undefined
): Promise<InvokeResult> {
  const run = entry.queue.then(async () => {
    const emulator = entry.emulator
    if (emulator === undefined)
      throw new RuntimeError(
        'Runtime.Unknown',
        'Error: the environment is gone'
      )
    onStart()
    return emulator.invoke(event)
  })
  entry.queue = run.catch(() => undefined)
  return run
}

/** Every environment this gateway started (reset, shutdown); other stand-ins' are left alone. */
export async function removeAllContainers(): Promise<void> {
  const all = [...containers.values()]
  containers.clear()
  await Promise.all(all.map(e => removeEntry(e)))
  try {
    const { stdout } = await execFileP(
      DOCKER,
      ['ps', '-aq', '--filter', `label=${CONTAINER_LABEL}`],
      { timeout: 30000 }
    )
    const ids = stdout.split('\n').filter(Boolean)
    if (ids.length)
      await execFileP(DOCKER, ['rm', '-f', ...ids], { timeout: 60000 })
  } catch (e) {
    log(`container cleanup: ${errMessage(e)}`)
  }
}
