/**
 * The data plane's execution environments: docker containers, one per function + version + image
 * digest, like Lambda's environments.
 *
 * Data plane: each (function, version, image digest) gets its own environment, like Lambda's:
 *   docker run -d -p 127.0.0.1::8080 --label aspnet-lambda-deploy.local=<gateway port> 127.0.0.1:4568/<repo>@<digest>
 * (test images serve HTTP on 8080; env AWS_LAMBDA_FUNCTION_NAME / _VERSION / _MEMORY_SIZE,
 * AWS_LAMBDA_LOG_GROUP_NAME / _STREAM_NAME). Ready when a GET / with header X-Local-Aws-Probe: 1
 * answers. At most 4 containers per function: the least recently used is removed first (its output
 * is kept for FilterLogEvents). An image whose config architecture differs from the function's
 * Architectures -> 502 Runtime.InvalidEntrypoint (exec format error), like Lambda. A container that
 * exits -> 502 Runtime.ExitError with its exit code and last log lines.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { promisify } from 'node:util'

import {
  COLD_START_MS,
  CONTAINER_LABEL,
  DOCKER,
  HOST,
  RAW_REGISTRY
} from './config.js'
import { RuntimeError } from './errors.js'
import { runArgs } from './function-config.js'
import { errMessage, log, sleep } from './http.js'
import { registryImageConfig, type ImageConfig } from './image-refs.js'
import {
  dockerLogEvents,
  logPlatform,
  newLogStream,
  nowMs,
  type LogStream
} from './log-store.js'
import type { Target } from './targets.js'

const execFileP = promisify(execFile)

export interface ContainerEntry {
  key: string
  fn: string
  version: string
  digest: string
  image: string
  id?: string
  port?: number
  ready: Promise<void>
  error?: RuntimeError
  stream: LogStream
  lastUsed: number
  /** Cold start duration (docker run until port 8080 answers) */
  initMs?: number
  /** The first REPORT carries Init Duration, the later ones do not. */
  initReported: boolean
}

export const containers = new Map<string, ContainerEntry>() // `${fn}\n${version}\n${digest}` -> entry
const MAX_CONTAINERS_PER_FUNCTION = 4

async function docker(args: string[], timeoutMs = 120000): Promise<string> {
  const { stdout } = await execFileP(DOCKER, args, {
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024
  })
  return stdout.trim()
}

const HOST_ARCH = process.arch === 'x64' ? 'amd64' : process.arch

function lambdaArchToOci(a: string): string {
  return a === 'arm64' ? 'arm64' : a === 'x86_64' ? 'amd64' : a
}

export async function containerState(id: string): Promise<{
  running: boolean
  exitCode: number
  error: string
  logs: string
}> {
  let running = false
  let exitCode = -1
  let error = ''
  try {
    const out = await docker([
      'inspect',
      '--format',
      '{{.State.Running}} {{.State.ExitCode}} {{.State.Error}}',
      id
    ])
    const [r, c, ...rest] = out.split(' ')
    running = r === 'true'
    exitCode = Number(c)
    error = rest.join(' ')
  } catch (e) {
    error = errMessage(e)
  }
  let logs = ''
  try {
    const { stdout, stderr } = await execFileP(
      DOCKER,
      ['logs', '--tail', '20', id],
      { timeout: 10000 }
    )
    logs = (stdout + stderr).trim()
  } catch {
    /* ignore */
  }
  return { running, exitCode, error, logs }
}

function launchLine(cfg: ImageConfig, error: string): string {
  return `IMAGE\tLaunch error: ${error}\tEntrypoint: [${cfg.entrypointArgs.join(' ')}]\tCmd: [${cfg.cmd.join(' ')}]\tWorkingDir: [${cfg.workingDir}]`
}

export function exitedError(
  st: {
    exitCode: number
    error: string
    logs: string
  },
  cfg: ImageConfig
): RuntimeError {
  const text = `${st.error} ${st.logs}`
  if (/exec format error/.test(text)) {
    const arm =
      HOST_ARCH === 'amd64' &&
      !existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')
    const error = `fork/exec ${cfg.entrypoint}: exec format error`
    return new RuntimeError(
      'Runtime.InvalidEntrypoint',
      `Error: ${error}`,
      `${
        arm
          ? '(local stand-in: cannot run arm64 images on this amd64 host: qemu-user-static is not registered in binfmt_misc; scripts/local-aws.sh up registers it when run as root) '
          : ''
      }Logs: ${st.logs}`,
      launchLine(cfg, error)
    )
  }
  return new RuntimeError(
    'Runtime.ExitError',
    `Error: Runtime exited with error: exit status ${st.exitCode}`,
    `${st.error ? `(${st.error}) ` : ''}Logs: ${st.logs}`
  )
}

function probe(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const r = http.request(
      {
        host: HOST,
        port,
        method: 'GET',
        path: '/',
        headers: { 'x-local-aws-probe': '1' },
        timeout: 2000
      },
      res => {
        res.resume()
        res.on('end', () => resolve(true))
        res.on('error', () => resolve(true))
      }
    )
    r.on('timeout', () => r.destroy(new Error('timeout')))
    r.on('error', () => resolve(false))
    r.end()
  })
}

async function startContainer(
  entry: ContainerEntry,
  repo: string,
  target: Target
): Promise<void> {
  // The function's variables and ImageConfig (./function-config.ts).
  const run = runArgs(target.environment, target.imageConfig)
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
  // The gateway picks the host port itself: one docker CLI call fewer per
  // cold start (docker port), which adds up when ten functions start at once.
  const port = await freePort()
  entry.id = await docker([
    'run',
    '-d',
    '--platform',
    `linux/${cfg.architecture}`,
    '-p',
    `${HOST}:${port}:8080`,
    '--label',
    CONTAINER_LABEL,
    '--label',
    `aspnet-lambda-deploy.function=${entry.fn}`,
    '--label',
    `aspnet-lambda-deploy.version=${entry.version}`,
    '-e',
    `AWS_LAMBDA_FUNCTION_NAME=${entry.fn}`,
    '-e',
    `AWS_LAMBDA_FUNCTION_VERSION=${entry.version}`,
    '-e',
    `AWS_LAMBDA_FUNCTION_MEMORY_SIZE=${target.memoryMb}`,
    '-e',
    `AWS_LAMBDA_LOG_GROUP_NAME=${entry.stream.group}`,
    '-e',
    `AWS_LAMBDA_LOG_STREAM_NAME=${entry.stream.name}`,
    ...run.options,
    entry.image,
    ...run.command
  ])
  entry.stream.containerId = entry.id
  entry.port = port
  let lastInspect = Date.now()
  while (Date.now() - started < COLD_START_MS) {
    if (await probe(entry.port)) {
      log(
        `cold start ${entry.fn}:${entry.version} ${entry.digest.slice(0, 19)} in ${Date.now() - started} ms (port ${entry.port})`
      )
      return
    }
    // docker inspect + logs cost CPU that starting containers need: look
    // only when the app has been silent for a while.
    if (Date.now() - lastInspect > 1000) {
      lastInspect = Date.now()
      const st = await containerState(entry.id)
      if (!st.running) throw exitedError(st, cfg)
    }
    await sleep(50)
  }
  throw new RuntimeError(
    'Runtime.InitError',
    `Error: the container did not answer on port 8080 within ${COLD_START_MS} ms`
  )
}

/** A free TCP port on the loopback address, for a container's 8080. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      const port =
        typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

async function removeContainer(id: string | undefined): Promise<void> {
  if (!id) return
  try {
    await docker(['rm', '-f', id])
  } catch (e) {
    log(`docker rm ${id}: ${errMessage(e)}`)
  }
}

/** Keep what the container wrote (for FilterLogEvents), then remove it. */
export async function removeEntry(entry: ContainerEntry): Promise<void> {
  await entry.ready.catch(() => undefined)
  if (!entry.id) return
  if (!entry.stream.containerLogs)
    entry.stream.containerLogs = await dockerLogEvents(entry.id)
  delete entry.stream.containerId
  await removeContainer(entry.id)
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
  const run = runArgs(target.environment, target.imageConfig)
  const key = `${target.fn}\n${target.version}\n${image.digest}\n${run.key}`
  const existing = containers.get(key)
  if (existing && !existing.error) {
    existing.lastUsed = Date.now()
    await existing.ready
    return existing
  }
  // At most a few environments per function: the least recently used go first.
  const mine = [...containers.values()]
    .filter(e => e.fn === target.fn)
    .sort((a, b) => a.lastUsed - b.lastUsed)
  while (mine.length >= MAX_CONTAINERS_PER_FUNCTION) {
    const old = mine.shift()
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
    initReported: false
  }
  const t0 = nowMs()
  entry.ready = startContainer(entry, image.ref.repository, target)
  containers.set(key, entry)
  try {
    await entry.ready
    entry.initMs = nowMs() - t0
  } catch (e) {
    const err =
      e instanceof RuntimeError
        ? e
        : new RuntimeError('Runtime.Unknown', errMessage(e))
    err.stream = entry.stream
    entry.error = err
    logPlatform(
      entry.stream,
      `INIT_REPORT Init Duration: ${(nowMs() - t0).toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${err.errorType}`
    )
    if (err.launch) logPlatform(entry.stream, err.launch)
    if (containers.get(key) === entry) containers.delete(key)
    void removeEntry(entry)
    throw err
  }
  return entry
}

/** Every container this gateway started (reset, shutdown); other stand-ins' are left alone. */
export async function removeAllContainers(): Promise<void> {
  for (const e of containers.values()) await e.ready.catch(() => undefined)
  containers.clear()
  try {
    const ids = (
      await docker(['ps', '-aq', '--filter', `label=${CONTAINER_LABEL}`])
    )
      .split('\n')
      .filter(Boolean)
    if (ids.length) await docker(['rm', '-f', ...ids])
  } catch (e) {
    log(`container cleanup: ${errMessage(e)}`)
  }
}
