/**
 * Reads an image layer's tar stream for preflight with tar-stream (ustar, GNU
 * long names, pax headers, base-256 sizes: docs/dependencies.md says why the
 * library and what this adapter adds). Only the first bytes of the files the
 * caller asks for are kept; everything else is counted and dropped, and the
 * stream is read with backpressure, so memory stays bounded whatever the
 * layer size.
 */
import type { Header } from 'tar-stream'

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other'

export interface TarEntry {
  /** Absolute, normalized: /opt/extensions/ext. */
  path: string
  type: EntryType
  /** Permission bits (mode & 0o7777). */
  mode: number
  /** Content size in bytes. */
  size: number
  /** Symlink target as written, or the normalized path a hard link points at. */
  linkTarget: string | undefined
}

/** How many bytes of an entry's content to hand back (0: none). */
export type WantBytes = (entry: TarEntry) => number

export interface TarStats {
  /** Bytes of tar stream read: the layer's uncompressed size. */
  bytes: number
  entries: number
}

const BLOCK = 512

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TarFormatError'
  }
}

/** /a/./b//c/ → /a/b/c; ../ cannot climb above /. */
export function normalizePath(path: string): string {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') parts.pop()
    else parts.push(part)
  }
  return `/${parts.join('/')}`
}

function entryType(type: Header['type'] | null): EntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file'
    case 'directory':
      return 'directory'
    case 'symlink':
      return 'symlink'
    case 'link':
      return 'hardlink'
    default:
      return 'other'
  }
}

function entryOf(header: Header): TarEntry {
  const type = entryType(header.type)
  const link = header.linkname ?? ''
  return {
    path: normalizePath(header.name),
    type,
    mode: header.mode & 0o7777,
    // Links and directories have no content, whatever the size field says.
    size: type === 'file' || type === 'other' ? header.size : 0,
    linkTarget:
      type === 'hardlink'
        ? normalizePath(link)
        : type === 'symlink'
          ? link
          : undefined
  }
}

const padded = (size: number): number => Math.ceil(size / BLOCK) * BLOCK

/**
 * Read a tar stream; `onEntry` gets each entry with the first
 * `want(entry)` bytes of its content (undefined when 0 were wanted).
 * Errors of the stream itself and of `want`/`onEntry` come out as they are;
 * what tar-stream refuses comes out as a TarFormatError.
 */
export async function readTar(
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  want: WantBytes,
  onEntry: (entry: TarEntry, head: Buffer | undefined) => void
): Promise<TarStats> {
  // Headers need the ustar or GNU magic, as every image builder writes them.
  // Loaded when a layer is read: a lazy chunk, off the start-up path.
  const { extract: tarExtract } = await import('tar-stream')
  const extract = tarExtract()
  let tarFailure: Error | undefined
  extract.on('error', error => {
    tarFailure ??= error
  })
  const entriesIn = extract[Symbol.asyncIterator]()

  let bytes = 0
  let sourceFailure: { error: unknown } | undefined
  const drainedOrClosed = (): Promise<void> =>
    new Promise(resolve => {
      const done = (): void => {
        extract.off('drain', done)
        extract.off('close', done)
        resolve()
      }
      extract.on('drain', done)
      extract.on('close', done)
    })
  const feed = (async () => {
    for await (const chunk of stream) {
      if (extract.destroying) return
      bytes += chunk.byteLength
      // A view, not a copy: only the wanted head is copied, below.
      const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      if (!extract.write(data)) await drainedOrClosed()
    }
    extract.end(undefined)
  })().catch((error: unknown) => {
    sourceFailure = { error }
    extract.destroy(error instanceof Error ? error : new Error(String(error)))
  })

  let entries = 0
  /**
   * An entry is handed over once the next header (or the end) has been
   * read: a layer cut off in an entry's padding is refused before the entry
   * counts, as it is for a cut in its content.
   */
  let held: { entry: TarEntry; head: Buffer | undefined } | undefined
  /** The last entry begun, and the stream offset where its padding ends. */
  let last: { path: string; end: number } | undefined
  const handOver = (): void => {
    if (held === undefined) return
    entries++
    const { entry, head } = held
    held = undefined
    onEntry(entry, head)
  }
  try {
    for (;;) {
      const next = await entriesIn.next()
      if (next.done === true) break
      handOver()
      const item = next.value
      const entry = entryOf(item.header)
      // tar-stream reads header.size bytes of content (0 for directories).
      const content = entry.type === 'directory' ? 0 : item.header.size
      last = { path: entry.path, end: item.offset + BLOCK + padded(content) }
      const keep =
        entry.size > 0 ? Math.min(entry.size, Math.max(0, want(entry))) : 0
      const kept: Buffer[] = []
      let keptBytes = 0
      for await (const data of item as AsyncIterable<Buffer>) {
        if (keptBytes < keep) {
          // Copy: the stream may reuse its chunk buffers.
          const slice = Buffer.from(data.subarray(0, keep - keptBytes))
          kept.push(slice)
          keptBytes += slice.length
        }
      }
      held = { entry, head: keptBytes > 0 ? Buffer.concat(kept) : undefined }
    }
  } catch (error) {
    extract.destroy()
    if (sourceFailure !== undefined) throw sourceFailure.error
    if (tarFailure === undefined || error !== tarFailure) throw error
    const cutIn = last !== undefined && bytes < last.end ? last.path : undefined
    // The held entry was read to its end: the fault is in what follows.
    if (cutIn === undefined) handOver()
    throw new TarFormatError(
      /unexpected end of data/i.test(tarFailure.message)
        ? `the layer ends in the middle of ${cutIn ?? 'a tar header'}`
        : `not a tar stream, or a corrupt layer: ${tarFailure.message}`
    )
  }
  await feed
  if (sourceFailure !== undefined) throw sourceFailure.error
  handOver()
  return { bytes, entries }
}
