import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'
import {
  BLOB_IDLE_TIMEOUT_MS,
  fetchBlob,
  idleTimeout,
  type Fetch,
  type RegistryAuth
} from '../../aws/ecr.js'
import { DeployError, errorMessage } from '../../util/errors.js'
import type { ImageConfigOverride } from '../../aws/lambda.js'
import { fail, pass, warn, type Check } from './checks.js'
import {
  HEADER_BYTES,
  expectedMachine,
  identify,
  machineName,
  type Executable
} from './elf.js'
import { normalizePath, readTar, type TarEntry } from './tar.js'
import type { Architecture } from '../../inputs/types.js'

/** Lambda's limit for an image, uncompressed, all layers. */
export const SIZE_LIMIT_BYTES = 10 * 1024 ** 3
/** Warn well before the limit. */
export const SIZE_WARNING_BYTES = 8 * 1024 ** 3
/** The AWS base images start everything through this script. */
export const AWS_BASE_ENTRYPOINT = '/lambda-entrypoint.sh'
const DOTNET_IN_BASE_IMAGE = '/var/lang/bin/dotnet'
const EXTENSIONS_DIR = '/opt/extensions'
const TASK_ROOT = '/var/task'
const BOOTSTRAP = '/var/runtime/bootstrap'
const DEFAULT_PATH =
  '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
/** Directories whose files' first bytes are kept (interpreters, PATH). */
const HEADER_DIRS = new Set([
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/local/bin',
  EXTENSIONS_DIR
])
/** Bound on what is remembered about links and /var/task entries. */
const MAX_RECORDS = 200_000

export interface StartConfig {
  architecture: string | undefined
  os: string | undefined
  entrypoint: string[]
  cmd: string[]
  env: string[]
  workingDir: string | undefined
}

export interface LayerRef {
  digest: string
  mediaType: string
  size: number
}

/** A file the image ends up with, as far as preflight cares. */
export interface ImageFile {
  type: TarEntry['type']
  mode: number
  size: number
  linkTarget: string | undefined
  head: Buffer | undefined
}

export type ImageFiles = Map<string, ImageFile>

/** What one layer adds, deletes and hides. */
export interface LayerScan {
  files: Map<string, ImageFile>
  /** Paths deleted by .wh.<name>. */
  whiteouts: string[]
  /** Directories made opaque by .wh..wh..opq. */
  opaque: string[]
  bytes: number
  unreadable: string | undefined
}

/**
 * What Lambda starts: the function's ImageConfig replaces the image's
 * ENTRYPOINT, CMD and WORKDIR field by field.
 */
export function applyOverride(
  start: StartConfig,
  override: ImageConfigOverride | undefined
): StartConfig {
  if (override === undefined) return start
  return {
    ...start,
    entrypoint:
      override.entryPoint !== undefined && override.entryPoint.length > 0
        ? override.entryPoint
        : start.entrypoint,
    cmd:
      override.command !== undefined && override.command.length > 0
        ? override.command
        : start.cmd,
    workingDir:
      override.workingDirectory !== undefined &&
      override.workingDirectory !== ''
        ? override.workingDirectory
        : start.workingDir
  }
}

export function parseStartConfig(json: string): StartConfig {
  const raw = JSON.parse(json) as {
    architecture?: unknown
    os?: unknown
    config?: {
      Entrypoint?: unknown
      Cmd?: unknown
      Env?: unknown
      WorkingDir?: unknown
    } | null
  }
  const strings = (value: unknown): string[] =>
    Array.isArray(value)
      ? value.filter((item): item is string => typeof item === 'string')
      : []
  const config = raw.config ?? {}
  return {
    architecture:
      typeof raw.architecture === 'string' ? raw.architecture : undefined,
    os: typeof raw.os === 'string' ? raw.os : undefined,
    entrypoint: strings(config.Entrypoint),
    cmd: strings(config.Cmd),
    env: strings(config.Env),
    workingDir:
      typeof config.WorkingDir === 'string' && config.WorkingDir !== ''
        ? config.WorkingDir
        : undefined
  }
}

export function parseLayers(manifest: string): LayerRef[] {
  const parsed = JSON.parse(manifest) as {
    layers?: { digest?: unknown; mediaType?: unknown; size?: unknown }[]
  }
  return (parsed.layers ?? []).map(layer => ({
    digest: typeof layer.digest === 'string' ? layer.digest : '',
    mediaType: typeof layer.mediaType === 'string' ? layer.mediaType : '',
    size: typeof layer.size === 'number' ? layer.size : 0
  }))
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash <= 0 ? '/' : path.slice(0, slash)
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** Where Lambda would look for the program: absolute, relative to WorkingDir, or on PATH. */
export function programCandidates(
  program: string,
  start: StartConfig
): string[] {
  if (program.startsWith('/')) return [normalizePath(program)]
  if (program.includes('/')) {
    return [normalizePath(`${start.workingDir ?? '/'}/${program}`)]
  }
  const pathVar =
    start.env.find(entry => entry.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH
  return pathVar
    .split(':')
    .filter(dir => dir !== '')
    .map(dir => normalizePath(`${dir}/${program}`))
}

/** The argv Lambda starts: ENTRYPOINT then CMD. */
export function startArgv(start: StartConfig): string[] {
  return [...start.entrypoint, ...start.cmd]
}

export function usesAwsBaseEntrypoint(start: StartConfig): boolean {
  return start.entrypoint[0] === AWS_BASE_ENTRYPOINT
}

/** Paths whose first bytes preflight needs. */
export function wantedPaths(start: StartConfig): Set<string> {
  const wanted = new Set<string>([
    BOOTSTRAP,
    DOTNET_IN_BASE_IMAGE,
    AWS_BASE_ENTRYPOINT
  ])
  const program = startArgv(start)[0]
  if (program !== undefined) {
    for (const candidate of programCandidates(program, start))
      wanted.add(candidate)
  }
  const handler = start.cmd[0]
  if (handler !== undefined && !handler.includes('/')) {
    const assembly = handler.split('::')[0] ?? handler
    wanted.add(normalizePath(`${TASK_ROOT}/${assembly}`))
    wanted.add(normalizePath(`${TASK_ROOT}/${assembly}.dll`))
  }
  return wanted
}

/** Directories whose every file is remembered, so absence there is real. */
function coveredDirs(wanted: Set<string>): Set<string> {
  return new Set([
    ...HEADER_DIRS,
    TASK_ROOT,
    ...[...wanted].map(path => parentOf(path))
  ])
}

/** A file at one of these paths would replace a directory preflight reads. */
function ancestorsOf(dirs: Set<string>): Set<string> {
  const ancestors = new Set<string>()
  for (const dir of dirs) {
    for (let path = dir; path !== '/'; path = parentOf(path))
      ancestors.add(path)
  }
  return ancestors
}

/**
 * Did preflight remember every file at this path's place? Only then is a
 * missing file really missing from the image.
 */
export function isCovered(path: string, wanted: Set<string>): boolean {
  return (
    wanted.has(path) ||
    HEADER_DIRS.has(parentOf(path)) ||
    parentOf(path) === TASK_ROOT
  )
}

function isWhiteout(path: string): boolean {
  return baseName(path).startsWith('.wh.')
}

/** Read one layer's tar stream: what it adds (as far as wanted), deletes and hides. */
export async function scanLayer(
  tar: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  wanted: Set<string>
): Promise<LayerScan> {
  const files = new Map<string, ImageFile>()
  const whiteouts: string[] = []
  const opaque: string[] = []
  let records = 0
  const ancestors = ancestorsOf(coveredDirs(wanted))
  const keepHead = (entry: TarEntry): boolean =>
    entry.type === 'file' &&
    (wanted.has(entry.path) || HEADER_DIRS.has(parentOf(entry.path)))
  const stats = await readTar(
    tar,
    entry => (keepHead(entry) ? HEADER_BYTES : 0),
    (entry, head) => {
      const name = baseName(entry.path)
      if (name === '.wh..wh..opq') {
        opaque.push(parentOf(entry.path))
        return
      }
      if (isWhiteout(entry.path)) {
        whiteouts.push(
          normalizePath(`${parentOf(entry.path)}/${name.slice('.wh.'.length)}`)
        )
        return
      }
      const parent = parentOf(entry.path)
      const remember =
        keepHead(entry) ||
        (entry.type !== 'directory' && ancestors.has(entry.path)) ||
        wanted.has(entry.path) ||
        parent === EXTENSIONS_DIR ||
        parent === TASK_ROOT ||
        entry.type === 'symlink' ||
        entry.type === 'hardlink'
      if (!remember || records >= MAX_RECORDS) return
      records++
      files.set(entry.path, {
        type: entry.type,
        mode: entry.mode,
        size: entry.size,
        linkTarget: entry.linkTarget,
        head
      })
    }
  )
  return { files, whiteouts, opaque, bytes: stats.bytes, unreadable: undefined }
}

function removeTree(files: ImageFiles, path: string): void {
  files.delete(path)
  const prefix = path === '/' ? '/' : `${path}/`
  for (const key of [...files.keys()]) {
    if (key.startsWith(prefix)) files.delete(key)
  }
}

/** Stack layers bottom to top, applying OCI whiteouts. */
export function mergeLayers(layers: LayerScan[]): ImageFiles {
  const files: ImageFiles = new Map()
  for (const layer of layers) {
    for (const dir of layer.opaque) {
      const prefix = dir === '/' ? '/' : `${dir}/`
      for (const key of [...files.keys()]) {
        if (key.startsWith(prefix)) files.delete(key)
      }
    }
    for (const path of layer.whiteouts) removeTree(files, path)
    for (const [path, file] of layer.files) {
      if (file.type !== 'directory') removeTree(files, path)
      files.set(path, file)
    }
  }
  // A hard link's content is its target's.
  for (const [path, file] of files) {
    if (file.type !== 'hardlink' || file.linkTarget === undefined) continue
    const target = files.get(file.linkTarget)
    if (target !== undefined && target.type === 'file') {
      files.set(path, { ...target, linkTarget: file.linkTarget })
    }
  }
  return files
}

export interface Resolved {
  path: string
  file: ImageFile | undefined
}

/** Follow symlinks (in any component) the way the kernel would, up to 40 hops. */
export function resolvePath(files: ImageFiles, path: string): Resolved {
  let current = normalizePath(path)
  for (let hops = 0; hops < 40; hops++) {
    const parts = current.split('/').filter(part => part !== '')
    let prefix = ''
    let redirected = false
    for (let i = 0; i < parts.length; i++) {
      prefix = `${prefix}/${parts[i] ?? ''}`
      const file = files.get(prefix)
      if (file?.type === 'symlink' && file.linkTarget !== undefined) {
        const target = file.linkTarget.startsWith('/')
          ? file.linkTarget
          : `${parentOf(prefix)}/${file.linkTarget}`
        current = normalizePath(`${target}/${parts.slice(i + 1).join('/')}`)
        redirected = true
        break
      }
    }
    if (!redirected) return { path: current, file: files.get(current) }
  }
  return { path: current, file: undefined }
}

function describeExecutable(what: Executable): string {
  if (what.kind === 'elf')
    return `a ${what.bits}-bit ${what.machineName} ELF binary`
  if (what.kind === 'script') return `a script for ${what.interpreter}`
  return what.reason
}

export interface ExecutableVerdict {
  result: Check['result']
  message: string
}

/**
 * Can Lambda exec this file on the function's CPU? ELF machine, executable
 * bit, and for a #! script its interpreter.
 */
export function judgeExecutable(
  files: ImageFiles,
  path: string,
  architecture: Architecture,
  fix: string,
  covered: (path: string) => boolean = () => true,
  depth = 0
): ExecutableVerdict {
  const resolved = resolvePath(files, path)
  const shown = resolved.path === path ? path : `${path} (→ ${resolved.path})`
  const file = resolved.file
  const cpu = `${architecture} (${machineName(expectedMachine(architecture))})`
  if (file === undefined && !covered(resolved.path)) {
    return {
      result: 'warn',
      message: `${shown} is outside the directories preflight reads, so its CPU was not checked.`
    }
  }
  if (file === undefined) {
    return { result: 'fail', message: `${shown} is not in the image. ${fix}` }
  }
  if (file.type !== 'file') {
    return {
      result: 'fail',
      message: `${shown} is a ${file.type}, not an executable file. ${fix}`
    }
  }
  if ((file.mode & 0o111) === 0) {
    return {
      result: 'fail',
      message: `${shown} is not executable (mode ${file.mode.toString(8)}): Lambda cannot start it. Make it executable (chmod +x, or COPY --chmod=755).`
    }
  }
  if (file.head === undefined) {
    return {
      result: 'warn',
      message: `${shown}: its first bytes were not read, so its CPU is unknown.`
    }
  }
  const what = identify(file.head)
  if (what.kind === 'elf') {
    if (what.machine !== expectedMachine(architecture)) {
      return {
        result: 'fail',
        message: `${shown} is ${describeExecutable(what)} but the function runs on ${cpu}: Lambda cannot start it (exec format error). ${fix}`
      }
    }
    return { result: 'pass', message: `${shown}: ${describeExecutable(what)}` }
  }
  if (what.kind === 'script') {
    if (!what.interpreter.startsWith('/') || depth > 2) {
      return {
        result: 'pass',
        message: `${shown}: ${describeExecutable(what)}`
      }
    }
    const interpreter = judgeExecutable(
      files,
      what.interpreter,
      architecture,
      `Its interpreter must exist for ${cpu}.`,
      covered,
      depth + 1
    )
    return {
      result: interpreter.result,
      message: `${shown}: ${describeExecutable(what)}; ${interpreter.message}`
    }
  }
  return {
    result: 'fail',
    message: `${shown} is ${what.reason}: Lambda cannot exec it. ${fix}`
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  return `${(bytes / 1024).toFixed(1)} KiB`
}

export function sizeCheck(bytes: number): Check {
  const title = 'Image size (uncompressed)'
  const size = formatBytes(bytes)
  if (bytes >= SIZE_LIMIT_BYTES) {
    return fail(
      'image.size',
      title,
      `${size}, over Lambda's 10 GiB limit for an image: UpdateFunctionCode would be refused. Make the image smaller (multi-stage build, publish only the app, no SDK in the final stage).`
    )
  }
  if (bytes >= SIZE_WARNING_BYTES) {
    return warn(
      'image.size',
      title,
      `${size}, close to Lambda's 10 GiB limit (warning from 8 GiB). Large images also start slower.`
    )
  }
  return pass('image.size', title, `${size} of Lambda's 10 GiB limit`)
}

/** Every check of the image's files: pure, over what the layers held. */
export function imageChecks(
  start: StartConfig,
  files: ImageFiles,
  architecture: Architecture,
  uncompressedBytes: number
): Check[] {
  const checks: Check[] = []
  const target = architecture === 'arm64' ? 'linux-arm64' : 'linux-x64'
  const rebuild = `Build it for ${target} (in a Dockerfile: ARG TARGETARCH and -a $TARGETARCH).`
  const argv = startArgv(start)
  const program = argv[0]
  const wanted = wantedPaths(start)
  const covered = (path: string): boolean => isCovered(path, wanted)

  // The entrypoint.
  if (program === undefined) {
    checks.push(
      fail(
        'image.entrypoint',
        'Entrypoint',
        'The image has neither ENTRYPOINT nor CMD: Lambda has nothing to start. Base the final stage on public.ecr.aws/lambda/dotnet:<version>, or set ENTRYPOINT.'
      )
    )
  } else {
    const candidates = programCandidates(program, start)
    const found =
      candidates.find(path => resolvePath(files, path).file !== undefined) ??
      candidates[0] ??
      program
    const verdict = judgeExecutable(
      files,
      found,
      architecture,
      rebuild,
      covered
    )
    checks.push({
      id: 'image.entrypoint',
      title: 'Entrypoint',
      result: verdict.result,
      message: `${JSON.stringify(argv)}: ${verdict.message}`
    })
  }

  // /var/runtime/bootstrap, when present.
  if (resolvePath(files, BOOTSTRAP).file !== undefined) {
    const verdict = judgeExecutable(
      files,
      BOOTSTRAP,
      architecture,
      rebuild,
      covered
    )
    checks.push({
      id: 'image.bootstrap',
      title: 'Runtime bootstrap',
      ...verdict
    })
  }

  // CMD on the AWS .NET base image: the assembly to run.
  const dotnetBase =
    usesAwsBaseEntrypoint(start) &&
    resolvePath(files, DOTNET_IN_BASE_IMAGE).file !== undefined
  if (dotnetBase) {
    checks.push(handlerCheck(start, files, architecture))
  } else {
    checks.push(
      pass(
        'image.cmd',
        'CMD',
        program === undefined
          ? 'no CMD'
          : usesAwsBaseEntrypoint(start)
            ? `${JSON.stringify(start.cmd)} on an AWS base image without .NET in /var/lang: not checked as an assembly name`
            : `the image has its own entrypoint ${JSON.stringify(start.entrypoint[0] ?? program)}; CMD ${JSON.stringify(start.cmd)} is passed to it`
      )
    )
  }

  // Extensions: every file directly in /opt/extensions.
  const extensions = [...files.keys()]
    .filter(path => parentOf(path) === EXTENSIONS_DIR)
    .sort()
  if (extensions.length === 0) {
    checks.push(
      pass('image.extensions', 'Extensions', `nothing in ${EXTENSIONS_DIR}`)
    )
  }
  for (const path of extensions) {
    const file = files.get(path)
    if (file?.type === 'directory') {
      checks.push(
        warn(
          `image.extension:${path}`,
          `Extension ${baseName(path)}`,
          `${path} is a directory: Lambda only starts files directly in ${EXTENSIONS_DIR}, so nothing in it runs.`
        )
      )
      continue
    }
    const verdict = judgeExecutable(
      files,
      path,
      architecture,
      `Copy the extension built for ${target} (in a Dockerfile: pick it by ARG TARGETARCH).`,
      covered
    )
    checks.push({
      id: `image.extension:${path}`,
      title: `Extension ${baseName(path)}`,
      ...verdict
    })
  }

  checks.push(sizeCheck(uncompressedBytes))
  return checks
}

function handlerCheck(
  start: StartConfig,
  files: ImageFiles,
  architecture: Architecture
): Check {
  const title = 'CMD names the app assembly'
  const handler = start.cmd[0]
  const assemblies = [...files.keys()]
    .filter(
      path =>
        parentOf(path) === TASK_ROOT && path.endsWith('.runtimeconfig.json')
    )
    .map(path => baseName(path).slice(0, -'.runtimeconfig.json'.length))
    .sort()
  const hint =
    assemblies.length > 0
      ? ` Apps in ${TASK_ROOT}: ${assemblies.join(', ')}.`
      : ''
  if (handler === undefined || handler === '') {
    return fail(
      'image.cmd',
      title,
      `The image runs on the AWS .NET base image but has no CMD: set CMD ["<YourAssemblyName>"].${hint}`
    )
  }
  if (handler.includes('::')) {
    const assembly = handler.split('::')[0] ?? handler
    return fail(
      'image.cmd',
      title,
      `CMD is the handler string "${handler}"; an app that calls AddAWSLambdaHosting is started by its assembly name: CMD ["${assembly}"] (aws/aws-lambda-dotnet#1032).`
    )
  }
  const dll = `${TASK_ROOT}/${handler}.dll`
  if (resolvePath(files, dll).file === undefined) {
    return fail(
      'image.cmd',
      title,
      `CMD is "${handler}" but ${dll} is not in the image: the CMD must be the assembly name of the app, and the publish output must be copied to ${TASK_ROOT} (COPY --from=build /app \${LAMBDA_TASK_ROOT}).${hint}`
    )
  }
  const appHost = resolvePath(files, `${TASK_ROOT}/${handler}`).file
  if (appHost?.type === 'file' && appHost.head !== undefined) {
    const what = identify(appHost.head)
    if (what.kind === 'elf' && what.machine !== expectedMachine(architecture)) {
      return warn(
        'image.cmd',
        title,
        `${dll} exists, but the app host ${TASK_ROOT}/${handler} is ${describeExecutable(what)} while the function runs on ${architecture}: the app was published for the other CPU, so native dependencies next to it may be too. Publish with -a $TARGETARCH (ARG TARGETARCH).`
      )
    }
  }
  return pass('image.cmd', title, `CMD "${handler}": ${dll} is in the image`)
}

// ------------------------------------------------------------------ I/O

async function* hashing(
  body: AsyncIterable<Uint8Array>,
  hash: ReturnType<typeof createHash>,
  onChunk: () => void
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    onChunk()
    hash.update(chunk)
    yield chunk
  }
}

type Decompressor = () => NodeJS.ReadWriteStream

function decompressorFor(mediaType: string): Decompressor | 'none' | undefined {
  if (/gzip/.test(mediaType)) return () => zlib.createGunzip()
  if (/zstd/.test(mediaType)) {
    const zstd = (
      zlib as { createZstdDecompress?: () => NodeJS.ReadWriteStream }
    ).createZstdDecompress
    return zstd === undefined ? undefined : () => zstd()
  }
  if (/\.tar$|tar$/.test(mediaType)) return 'none'
  return undefined
}

/** Stream one layer blob through the decompressor and the tar reader. */
export async function fetchAndScanLayer(
  auth: RegistryAuth,
  repositoryName: string,
  layer: LayerRef,
  wanted: Set<string>,
  fetchImpl: Fetch
): Promise<LayerScan> {
  const decompressor = decompressorFor(layer.mediaType)
  if (decompressor === undefined) {
    return {
      files: new Map(),
      whiteouts: [],
      opaque: [],
      bytes: 0,
      unreadable: `layer ${layer.digest} has media type ${layer.mediaType}, which this runtime cannot decompress`
    }
  }
  const idle = idleTimeout(BLOB_IDLE_TIMEOUT_MS)
  const response = await fetchBlob(
    auth,
    repositoryName,
    layer.digest,
    layer.digest,
    fetchImpl,
    idle.signal
  )
  if (response.body === null) {
    idle.clear()
    throw new DeployError(`The registry sent no content for ${layer.digest}.`)
  }
  const hash = createHash('sha256')
  const compressed = Readable.from(hashing(response.body, hash, idle.touch))
  let scan: LayerScan
  try {
    if (decompressor === 'none') {
      scan = await scanLayer(compressed, wanted)
    } else {
      const inflate = decompressor()
      const feeding = pipeline(compressed, inflate)
      try {
        scan = await scanLayer(inflate as AsyncIterable<Uint8Array>, wanted)
        await feeding
      } catch (error) {
        compressed.destroy()
        await feeding.catch(() => undefined)
        throw error
      }
    }
  } catch (error) {
    if (error instanceof DeployError) throw error
    throw new DeployError(
      `Could not read layer ${layer.digest} of the pushed image: ${errorMessage(error)}`
    )
  } finally {
    idle.clear()
  }
  const actual = `sha256:${hash.digest('hex')}`
  if (actual !== layer.digest) {
    throw new DeployError(
      `The registry returned layer content whose digest is ${actual}, not ${layer.digest}.`
    )
  }
  return scan
}

export interface ImagePreflight {
  checks: Check[]
  uncompressedBytes: number
  layers: number
}

/** Run `work` over items with at most `limit` at a time, results in order. */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const workers = Array.from(
    { length: Math.min(limit, items.length) },
    async () => {
      while (next < items.length) {
        const index = next++
        results[index] = await work(items[index] as T)
      }
    }
  )
  await Promise.all(workers)
  return results
}

/**
 * Read the pushed image through the registry API (config and every layer,
 * streamed) and check what Lambda will start.
 */
export async function preflightImage(
  auth: RegistryAuth,
  repositoryName: string,
  manifest: string,
  /** The config blob, as read (and verified) by the image check. */
  configText: string,
  architecture: Architecture,
  fetchImpl: Fetch,
  override?: ImageConfigOverride
): Promise<ImagePreflight> {
  const start = applyOverride(parseStartConfig(configText), override)
  const layers = parseLayers(manifest)
  const wanted = wantedPaths(start)
  const scans = await mapLimit(layers, 3, layer =>
    fetchAndScanLayer(auth, repositoryName, layer, wanted, fetchImpl)
  )
  const files = mergeLayers(scans)
  const uncompressedBytes = scans.reduce((sum, scan) => sum + scan.bytes, 0)
  const checks = imageChecks(start, files, architecture, uncompressedBytes)
  const unreadable = scans.flatMap(scan =>
    scan.unreadable === undefined ? [] : [scan.unreadable]
  )
  if (unreadable.length > 0) {
    checks.push(
      warn(
        'image.layers',
        'Layers read',
        `${unreadable.join('; ')}: the checks above miss its files.`
      )
    )
  }
  return { checks, uncompressedBytes, layers: layers.length }
}
