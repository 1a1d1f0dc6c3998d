/**
 * One digest of what `docker build` sends from the context: every path the
 * .dockerignore lets through, with its type, permission bits (the executable
 * bit reaches the image), size and content, or a symlink's target. Files are
 * streamed, several at a time; directories every exception leaves out are
 * not walked at all. Modification times are left out: a fresh checkout
 * gives every file a new one, and the app is the same.
 */
import { createHash, type Hash } from 'node:crypto'
import {
  closeSync,
  lstatSync,
  openSync,
  promises as fs,
  readdirSync,
  readlinkSync,
  readSync
} from 'node:fs'
import * as path from 'node:path'
import {
  canSkipDirectory,
  isExcluded,
  parseDockerignore,
  type IgnorePattern
} from './dockerignore.js'

export interface ContextDigest {
  digest: string
  /** Files, symlinks and directories hashed. */
  entries: number
  bytes: number
  /** Which ignore file applied, if any. */
  ignoreFile: string | undefined
}

/**
 * The ignore file docker uses: `<Dockerfile>.dockerignore` beside the
 * Dockerfile wins over the context's `.dockerignore`.
 * https://docs.docker.com/build/concepts/context/#filename-and-location
 */
export async function ignoreFileFor(
  context: string,
  dockerfile: string
): Promise<string | undefined> {
  for (const candidate of [
    `${dockerfile}.dockerignore`,
    path.join(context, '.dockerignore')
  ]) {
    try {
      if ((await fs.stat(candidate)).isFile()) return candidate
    } catch {
      // not there: the next one
    }
  }
  return undefined
}

interface Entry {
  path: string
  /** Type, permission bits and size, or a symlink's target. */
  line: string
  file: { path: string; size: number } | undefined
}

/**
 * Paths under `dir` the patterns let through, in a stable order. Synchronous
 * calls: for thousands of small files they take a third of the time of
 * promises (no thread pool round trip per file); the walk yields now and
 * then so the base image lookups running beside it progress.
 */
async function walk(
  root: string,
  relative: string,
  patterns: readonly IgnorePattern[],
  out: Entry[],
  slice: Slicer
): Promise<void> {
  const dir = relative === '' ? root : path.join(root, relative)
  const names = readdirSync(dir).sort()
  for (const name of names) {
    const rel = relative === '' ? name : `${relative}/${name}`
    const full = path.join(root, rel)
    const stat = lstatSync(full)
    const excluded = isExcluded(patterns, rel)
    const mode = (stat.mode & 0o7777).toString(8)
    if (stat.isDirectory()) {
      if (excluded && canSkipDirectory(patterns, rel)) continue
      const at = out.length
      await walk(root, rel, patterns, out, slice)
      // An excluded directory is still sent as the parent of what an
      // exception brings back.
      if (!excluded || out.length > at)
        out.splice(at, 0, { path: rel, line: `d ${mode}`, file: undefined })
    } else if (excluded) {
      continue
    } else if (stat.isSymbolicLink()) {
      out.push({ path: rel, line: `l ${readlinkSync(full)}`, file: undefined })
    } else if (stat.isFile()) {
      out.push({
        path: rel,
        line: `f ${mode} ${stat.size}`,
        file: { path: full, size: stat.size }
      })
    }
    // Sockets and pipes are not sent.
    if (slice.due()) await slice.pause()
  }
}

/**
 * The hash shares the thread with the run's AWS calls (it starts with the
 * look-up): it pauses every few milliseconds, so that their answers are
 * read as they come rather than after a long stretch of files.
 */
const SLICE_MS = 2

interface Slicer {
  /** Whether the current slice is used up. */
  due: () => boolean
  /** Lets other work run; a stopped hash ends here (it rejects). */
  pause: () => Promise<void>
}

function slicer(signal: AbortSignal | undefined): Slicer {
  let started = performance.now()
  return {
    due: () => performance.now() - started >= SLICE_MS,
    pause: async () => {
      await new Promise(resolve => setImmediate(resolve))
      signal?.throwIfAborted()
      started = performance.now()
    }
  }
}

/** Read through one buffer: no file is ever held in memory whole. */
const CHUNK_BYTES = 256 * 1024

/** Adds the file's bytes to the hash; how many there were. */
function hashFileInto(hash: Hash, file: string, buffer: Buffer): number {
  const fd = openSync(file, 'r')
  let total = 0
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null)
      hash.update(buffer.subarray(0, read))
      total += read
      // A regular file reads short only at its end: no read of 0 to confirm.
      if (read < buffer.length) break
    }
  } finally {
    closeSync(fd)
  }
  return total
}

/**
 * The context's paths the build is sent (files, symlinks, directories), in
 * the order they are hashed: what e2e/dockerignore.test.ts compares with a
 * real build's context.
 */
export async function contextPaths(
  context: string,
  dockerfile: string
): Promise<string[]> {
  const ignoreFile = await ignoreFileFor(context, dockerfile)
  const patterns =
    ignoreFile === undefined
      ? []
      : parseDockerignore(await fs.readFile(ignoreFile, 'utf8'))
  const entries: Entry[] = []
  await walk(context, '', patterns, entries, slicer(undefined))
  return entries.map(entry => entry.path)
}

/**
 * The digest of the context as the build sees it. With `signal`, an abort
 * ends the hash at its next pause (it rejects with the signal's reason).
 */
export async function hashContext(
  context: string,
  dockerfile: string,
  signal?: AbortSignal
): Promise<ContextDigest> {
  const ignoreFile = await ignoreFileFor(context, dockerfile)
  const patterns =
    ignoreFile === undefined
      ? []
      : parseDockerignore(await fs.readFile(ignoreFile, 'utf8'))
  const entries: Entry[] = []
  const slice = slicer(signal)
  await walk(context, '', patterns, entries, slice)
  const digest = createHash('sha256')
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
  let bytes = 0
  for (const entry of entries) {
    digest.update(`${JSON.stringify(entry.path)} ${entry.line}\n`)
    if (entry.file !== undefined) {
      const read = hashFileInto(digest, entry.file.path, buffer)
      // The size is in the line: a file that changed meanwhile must not collide.
      if (read !== entry.file.size) digest.update(`read ${read}\n`)
      bytes += read
    }
    if (slice.due()) await slice.pause()
  }
  return {
    digest: `sha256:${digest.digest('hex')}`,
    entries: entries.length,
    bytes,
    ignoreFile
  }
}
