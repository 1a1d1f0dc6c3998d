/**
 * The image's files as the pushed layers leave them: parse the manifest's
 * layer list, stream each layer blob (digest-verified, decompressed) through
 * the tar reader, stack the layers with OCI whiteouts into one file table,
 * and resolve paths through its links. Only what preflight needs is kept:
 * the first bytes of wanted files and of the PATH and extension directories,
 * the apps' runtimeconfig.json and the start of their deps.json in
 * /var/task, and the entries of the directories preflight looks through.
 */
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'
import { type RegistryAuth } from '../../aws/ecr.js'
import {
  BLOB_IDLE_TIMEOUT_MS,
  fetchBlob,
  idleTimeout,
  type Fetch
} from '../../aws/ecr-image.js'
import { DeployError, errorMessage } from '../../util/errors.js'
import { HEADER_BYTES } from './elf.js'
import { normalizePath, readTar, type TarEntry } from './tar.js'

/** Lambda starts every file directly in this directory as an extension. */
export const EXTENSIONS_DIR = '/opt/extensions'
/** Where the AWS base images keep the app (LAMBDA_TASK_ROOT). */
export const TASK_ROOT = '/var/task'
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
/**
 * How much of an app's <name>.runtimeconfig.json (whole: a few hundred
 * bytes) and <name>.deps.json (its runtimeTarget comes first) in /var/task
 * is kept, and the bound on all of them in one layer.
 */
const RUNTIMECONFIG_BYTES = 64 * 1024
const DEPS_HEAD_BYTES = 4 * 1024
const MAX_APP_CONFIG_BYTES = 1024 * 1024

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
  /**
   * Not read to its end: the image's uncompressed bytes reached the size
   * budget (this layer's files are then not known).
   */
  stopped?: boolean
}

/**
 * The uncompressed bytes read so far across one image's layers, shared by
 * the layers read at the same time: once it reaches `limit`, every read
 * stops, so a huge image or a gzip bomb costs at most `limit` bytes of work.
 */
export interface SizeBudget {
  readonly limit: number
  read: number
}

export function reachedLimit(budget: SizeBudget): boolean {
  return budget.read >= budget.limit
}

/** A layer not read (or not read to its end) because the budget ran out. */
export function stoppedScan(bytes: number): LayerScan {
  return {
    files: new Map(),
    whiteouts: [],
    opaque: [],
    bytes,
    unreadable: undefined,
    stopped: true
  }
}

class SizeLimitReached extends Error {
  constructor() {
    super('the image passed its size budget')
    this.name = 'SizeLimitReached'
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

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash <= 0 ? '/' : path.slice(0, slash)
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
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
  let appConfigBytes = 0
  /** The .NET version the app runs on is read from these (./dotnet-support.js). */
  const appConfig = (entry: TarEntry): number => {
    if (entry.type !== 'file' || parentOf(entry.path) !== TASK_ROOT) return 0
    const bytes = entry.path.endsWith('.runtimeconfig.json')
      ? RUNTIMECONFIG_BYTES
      : entry.path.endsWith('.deps.json')
        ? DEPS_HEAD_BYTES
        : 0
    const kept = Math.min(bytes, entry.size)
    if (kept === 0 || appConfigBytes + kept > MAX_APP_CONFIG_BYTES) return 0
    appConfigBytes += kept
    return kept
  }
  const stats = await readTar(
    tar,
    entry => Math.max(keepHead(entry) ? HEADER_BYTES : 0, appConfig(entry)),
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

/** Counts the uncompressed bytes against the budget, and stops at its limit. */
async function* metered(
  tar: AsyncIterable<Uint8Array>,
  budget: SizeBudget,
  counted: { bytes: number }
): AsyncGenerator<Uint8Array> {
  for await (const chunk of tar) {
    // Another layer may have used up the budget meanwhile.
    if (reachedLimit(budget)) throw new SizeLimitReached()
    budget.read += chunk.byteLength
    counted.bytes += chunk.byteLength
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

/**
 * Stream one layer blob through the decompressor and the tar reader. With a
 * `budget`, reading stops (and the scan says so) once the image's
 * uncompressed bytes reach its limit.
 */
export async function fetchAndScanLayer(
  auth: RegistryAuth,
  repositoryName: string,
  layer: LayerRef,
  wanted: Set<string>,
  fetchImpl: Fetch,
  budget: SizeBudget = { limit: Number.POSITIVE_INFINITY, read: 0 }
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
  const counted = { bytes: 0 }
  let scan: LayerScan
  try {
    if (decompressor === 'none') {
      try {
        scan = await scanLayer(metered(compressed, budget, counted), wanted)
      } catch (error) {
        compressed.destroy()
        throw error
      }
    } else {
      const inflate = decompressor()
      const feeding = pipeline(compressed, inflate)
      try {
        scan = await scanLayer(
          metered(inflate as AsyncIterable<Uint8Array>, budget, counted),
          wanted
        )
        await feeding
      } catch (error) {
        compressed.destroy()
        await feeding.catch(() => undefined)
        throw error
      }
    }
  } catch (error) {
    // Not a fault of the layer: the image is already too big to deploy.
    if (error instanceof SizeLimitReached) return stoppedScan(counted.bytes)
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
