/**
 * Pure argv builders for the docker CLI and the environment Lambda gives its processes.
 *
 * How processes start: the container's PID 1 is a holder (a static busybox mounted read-only
 * from the host at HOLDER_PATH) that lists /opt/extensions and then sleeps; the emulator then
 * starts each /opt/extensions file and, once they have registered, the runtime (the function's ImageConfig EntryPoint + Command
 * else the image's own) with `docker exec`, as Lambda's service starts them itself rather than
 * the image. Each `docker exec` client is the process's handle: its exit status is the process's,
 * its output the process's output. The network is the host's (`--network host`) so that the
 * Runtime API, like Lambda's, is on 127.0.0.1 in the sandbox and the emulator binds loopback only.
 * Environment values reach docker through the client's environment (`-e NAME`), never argv.
 * Environment variables: AWS docs "Defined runtime environment variables"
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 */
import { readFileSync } from 'node:fs'

import type { Architecture, FunctionSpec } from './types.js'

export const HOLDER_PATH = '/.lambda-emulator/busybox'
export const EXTENSIONS_DIR = '/opt/extensions'

/** The parts of `docker image inspect` the emulator reads. */
export interface ImageFacts {
  entrypoint: string[]
  cmd: string[]
  workingDir: string
  architecture: string
}

export function parseImageInspect(json: string): ImageFacts {
  const parsed: unknown = JSON.parse(json)
  const first: unknown = Array.isArray(parsed) ? parsed[0] : undefined
  if (typeof first !== 'object' || first === null)
    throw new Error('docker image inspect returned no image')
  const image = first as {
    Architecture?: string
    Config?: {
      Entrypoint?: string[] | null
      Cmd?: string[] | null
      WorkingDir?: string
    }
  }
  return {
    entrypoint: image.Config?.Entrypoint ?? [],
    cmd: image.Config?.Cmd ?? [],
    workingDir: image.Config?.WorkingDir ?? '',
    architecture: image.Architecture ?? 'amd64'
  }
}

/** The process Lambda starts: ImageConfig overrides each part of the image's config. */
export function runtimeCommand(
  spec: FunctionSpec,
  image: ImageFacts
): { entrypoint: string[]; cmd: string[]; workingDir: string } {
  const c = spec.imageConfig
  return {
    entrypoint: c?.entryPoint ?? image.entrypoint,
    cmd: c?.command ?? image.cmd,
    workingDir: c?.workingDirectory ?? (image.workingDir || '/')
  }
}

export function platformOf(architecture: Architecture): string {
  return architecture === 'arm64' ? 'linux/arm64' : 'linux/amd64'
}

/** The line the holder prints once it has read /opt/extensions, before it sleeps. */
export const HOLDER_READY = 'lambda-emulator-ready'

/**
 * What the holder (PID 1, busybox sh) runs: one line per /opt/extensions entry (`extension:`
 * and its name) followed by its first 20 bytes in hex (`head:`, for the ELF check), the ready
 * line, then `exec sleep`. So the listing costs no `docker exec` of its own: it is part of the
 * container's start. A constant: nothing of the image or the function is spliced into it
 * (entry names reach od only as the quoted "$f"). A dangling link is listed, as Lambda tries to
 * start it.
 */
export const HOLDER_SCRIPT = [
  `b=${HOLDER_PATH}`,
  `for f in ${EXTENSIONS_DIR}/*; do`,
  '  [ -e "$f" ] || [ -L "$f" ] || continue',
  `  echo "extension:\${f#${EXTENSIONS_DIR}/}"`,
  '  echo head: $($b od -An -tx1 -N20 "$f" 2>/dev/null)',
  'done',
  `echo ${HOLDER_READY}`,
  'exec $b sleep 2147483647'
].join('\n')

/** An /opt/extensions entry as the holder listed it, with its first bytes. */
export interface ListedExtension {
  name: string
  head: string
}

/** The holder's lines before HOLDER_READY: the entries, sorted, at most `max` of them. */
export function parseHolderListing(
  lines: readonly string[],
  max: number
): ListedExtension[] {
  const listed: ListedExtension[] = []
  for (const line of lines) {
    if (line.startsWith('extension:'))
      listed.push({ name: line.slice('extension:'.length), head: '' })
    else if (line.startsWith('head:')) {
      const last = listed[listed.length - 1]
      if (last !== undefined) last.head = line.slice('head:'.length).trim()
    }
  }
  return listed
    .filter(e => e.name !== '')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, max)
}

/**
 * `docker container run` of the holder, attached: the client is the container's handle (its
 * output is HOLDER_SCRIPT's listing, it ends when the container is removed). `--pull never`:
 * the image is the local one that was built or pulled, never fetched here; `--cidfile`: the
 * container's id, for its cgroup files.
 */
export function holderRunArgs(
  spec: FunctionSpec,
  containerName: string,
  holderHostPath: string,
  cidFile: string,
  labels: readonly string[] = []
): string[] {
  return [
    'container',
    'run',
    '--pull',
    'never',
    '--sig-proxy=false',
    '--cidfile',
    cidFile,
    '--name',
    containerName,
    // The caller's labels (name=value), e.g. so that a stand-in finds its own containers.
    ...labels.flatMap(l => ['--label', l]),
    '--network',
    'host',
    '--platform',
    platformOf(spec.architecture),
    // Lambda's root file system is read-only; /tmp is writable.
    '--read-only',
    '--tmpfs',
    '/tmp',
    '--memory',
    `${spec.memorySize}m`,
    '--volume',
    `${holderHostPath}:${HOLDER_PATH}:ro`,
    '--entrypoint',
    HOLDER_PATH,
    '--',
    spec.image,
    'sh',
    '-c',
    HOLDER_SCRIPT
  ]
}

/** `docker exec` of one process; env names only (values come from the client's environment). */
export function execArgs(
  containerName: string,
  envNames: readonly string[],
  workingDir: string | undefined,
  argv: readonly string[]
): string[] {
  return [
    'container',
    'exec',
    ...envNames.flatMap(n => ['--env', n]),
    ...(workingDir === undefined ? [] : ['--workdir', workingDir]),
    containerName,
    ...argv
  ]
}

export interface LambdaEnvironment {
  runtime: Record<string, string>
  extension: Record<string, string>
}

/** Lambda's reserved variables over the function's own. */
export function lambdaEnvironment(
  spec: FunctionSpec,
  runtimeApi: string,
  handler: string | undefined,
  logStreamName: string
): LambdaEnvironment {
  const region = spec.region ?? 'us-east-1'
  const common: Record<string, string> = {
    ...(spec.environment ?? {}),
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: spec.version ?? '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    LAMBDA_RUNTIME_DIR: '/var/runtime'
  }
  const runtime: Record<string, string> = {
    ...common,
    LAMBDA_TASK_ROOT: '/var/task'
  }
  if (handler !== undefined) runtime._HANDLER = handler
  return { runtime, extension: common }
}

/** `2026/12/06/[$LATEST]0123…` */
export function logStreamName(now: Date, version: string, hex: string): string {
  const d = now.toISOString().slice(0, 10).replaceAll('-', '/')
  return `${d}/[${version}]${hex}`
}

/** Host architecture in Lambda's names. */
export function hostArchitecture(nodeArch: string): Architecture {
  return nodeArch === 'arm64' ? 'arm64' : 'x86_64'
}

/** docker exec could not start the process (as opposed to the process exiting): why. */
export function launchErrorOf(
  exitCode: number | null,
  output: string
): string | undefined {
  if (exitCode !== 126 && exitCode !== 127) return undefined
  const m =
    /unable to start container process: (.*?)(?:: unknown)?\s*$/m.exec(
      output
    ) ?? /exec failed: (.*?)(?:: unknown)?\s*$/m.exec(output)
  return m?.[1]
}

/**
 * Where the Docker host keeps a container's peak memory: cgroup v2 with the systemd driver
 * (GitHub's runners), cgroup v2 with the cgroupfs driver, cgroup v1.
 */
export function peakMemoryFiles(containerId: string): string[] {
  return [
    `/sys/fs/cgroup/system.slice/docker-${containerId}.scope/memory.peak`,
    `/sys/fs/cgroup/docker/${containerId}/memory.peak`,
    `/sys/fs/cgroup/memory/docker/${containerId}/memory.max_usage_in_bytes`
  ]
}

/**
 * REPORT's Max Memory Used: the container's peak memory in MB (at most the memory size), read
 * from the host's cgroup files; undefined when none is readable (a remote Docker engine), so the
 * field is left out rather than invented.
 */
export function maxMemoryUsedMb(
  containerId: string | undefined,
  memorySize: number,
  read: (path: string) => string | undefined = readHostFile
): number | undefined {
  if (containerId === undefined || !/^[0-9a-f]{64}$/.test(containerId))
    return undefined
  for (const file of peakMemoryFiles(containerId)) {
    const bytes = Number(read(file)?.trim())
    if (Number.isFinite(bytes) && bytes > 0)
      return Math.min(memorySize, Math.ceil(bytes / (1024 * 1024)))
  }
  return undefined
}

function readHostFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
