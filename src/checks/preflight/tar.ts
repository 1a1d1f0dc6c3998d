/**
 * A streaming tar reader for image layers: ustar, GNU long names (L/K) and
 * pax headers (path, linkpath, size). It keeps only the 512-byte header being
 * read and the first bytes of the files the caller asks for; everything else
 * is counted and dropped, so memory stays bounded whatever the layer size.
 */

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
/** Long names and pax records beyond this are not a real image. */
const MAX_METADATA_BYTES = 1024 * 1024

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

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length)
  const end = field.indexOf(0)
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8')
}

function octal(block: Buffer, start: number, length: number): number {
  const first = block[start] ?? 0
  if ((first & 0x80) !== 0) {
    // GNU base-256: big-endian binary after the marker bit.
    let value = first & 0x7f
    for (let i = start + 1; i < start + length; i++) {
      value = value * 256 + (block[i] ?? 0)
    }
    return value
  }
  const digits = text(block, start, length).trim()
  if (digits === '') return 0
  if (!/^[0-7]+$/.test(digits)) {
    throw new TarFormatError(`bad octal field "${digits}"`)
  }
  return parseInt(digits, 8)
}

function checksumOk(block: Buffer): boolean {
  const stored = octal(block, 148, 8)
  let sum = 0
  for (let i = 0; i < BLOCK; i++) {
    sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0)
  }
  return sum === stored
}

/** pax records: "<len> <key>=<value>\n". */
export function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>()
  let offset = 0
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset)
    if (space < 0) break
    const length = Number(data.subarray(offset, space).toString('ascii'))
    if (!Number.isInteger(length) || length <= 0) {
      throw new TarFormatError('bad pax record length')
    }
    const record = data
      .subarray(space + 1, offset + length - 1)
      .toString('utf8')
    const equals = record.indexOf('=')
    if (equals > 0)
      records.set(record.slice(0, equals), record.slice(equals + 1))
    offset += length
  }
  return records
}

function entryType(flag: string): EntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '':
    case '7':
      return 'file'
    case '5':
      return 'directory'
    case '2':
      return 'symlink'
    case '1':
      return 'hardlink'
    default:
      return 'other'
  }
}

interface Pending {
  entry: TarEntry | undefined
  /** Metadata entry (pax x/g, GNU L/K) whose content is collected whole. */
  meta: 'x' | 'g' | 'L' | 'K' | undefined
  /** Content bytes still to read (excluding padding). */
  remaining: number
  /** Padding after the content. */
  padding: number
  keep: number
  kept: Buffer[]
  keptBytes: number
}

/**
 * Read a tar stream; `onEntry` gets each entry with the first
 * `want(entry)` bytes of its content (undefined when 0 were wanted).
 */
export async function readTar(
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  want: WantBytes,
  onEntry: (entry: TarEntry, head: Buffer | undefined) => void
): Promise<TarStats> {
  let header = Buffer.alloc(0)
  let pending: Pending | undefined
  let ended = false
  let bytes = 0
  let entries = 0
  // Overrides from pax / GNU headers for the next entry.
  let nextPath: string | undefined
  let nextLink: string | undefined
  let nextSize: number | undefined

  const finish = (current: Pending): void => {
    const content =
      current.keptBytes > 0 ? Buffer.concat(current.kept) : undefined
    if (current.meta !== undefined) {
      const data = content ?? Buffer.alloc(0)
      if (current.meta === 'x') {
        const records = parsePax(data)
        nextPath = records.get('path') ?? nextPath
        nextLink = records.get('linkpath') ?? nextLink
        const size = records.get('size')
        if (size !== undefined) nextSize = Number(size)
      } else if (current.meta === 'L') {
        nextPath = text(data, 0, data.length)
      } else if (current.meta === 'K') {
        nextLink = text(data, 0, data.length)
      }
      return
    }
    if (current.entry !== undefined) {
      entries++
      onEntry(current.entry, content)
    }
  }

  const startEntry = (block: Buffer): Pending | undefined => {
    if (block.every(byte => byte === 0)) {
      ended = true
      return undefined
    }
    if (!checksumOk(block)) {
      throw new TarFormatError(
        `header checksum mismatch at byte ${bytes - BLOCK}: not a tar stream, or a corrupt layer`
      )
    }
    const flag = String.fromCharCode(block[156] ?? 0)
    const magic = text(block, 257, 6)
    const prefix = magic === 'ustar' ? text(block, 345, 155) : ''
    const name = text(block, 0, 100)
    const size = nextSize ?? octal(block, 124, 12)
    const content = flag === '5' || flag === '1' || flag === '2' ? 0 : size
    const padding = (BLOCK - (content % BLOCK)) % BLOCK
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > MAX_METADATA_BYTES) {
        throw new TarFormatError(`a ${size}-byte tar metadata entry`)
      }
      // A global header's size is its own; only x/L/K affect the next entry.
      return {
        entry: undefined,
        meta: flag,
        remaining: size,
        padding,
        keep: size,
        kept: [],
        keptBytes: 0
      }
    }
    const type = entryType(flag)
    const rawLink = nextLink ?? text(block, 157, 100)
    const path = normalizePath(
      nextPath ?? (prefix !== '' ? `${prefix}/${name}` : name)
    )
    const entry: TarEntry = {
      path,
      type,
      mode: octal(block, 100, 8) & 0o7777,
      size: content,
      linkTarget:
        type === 'hardlink'
          ? normalizePath(rawLink)
          : type === 'symlink'
            ? rawLink
            : undefined
    }
    nextPath = undefined
    nextLink = undefined
    nextSize = undefined
    const keep = content > 0 ? Math.min(content, Math.max(0, want(entry))) : 0
    return {
      entry,
      meta: undefined,
      remaining: content,
      padding,
      keep,
      kept: [],
      keptBytes: 0
    }
  }

  for await (const chunk of stream) {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    bytes += data.length
    while (data.length > 0) {
      if (ended) {
        data = data.subarray(data.length)
        break
      }
      if (pending === undefined) {
        const needed = BLOCK - header.length
        const take = data.subarray(0, needed)
        header =
          header.length === 0
            ? Buffer.from(take)
            : Buffer.concat([header, take])
        data = data.subarray(take.length)
        if (header.length < BLOCK) break
        const block = header
        header = Buffer.alloc(0)
        pending = startEntry(block)
        if (
          pending !== undefined &&
          pending.remaining + pending.padding === 0
        ) {
          finish(pending)
          pending = undefined
        }
        continue
      }
      if (pending.remaining > 0) {
        const take = Math.min(pending.remaining, data.length)
        if (pending.keptBytes < pending.keep) {
          const slice = data.subarray(
            0,
            Math.min(take, pending.keep - pending.keptBytes)
          )
          // Copy: the stream may reuse its chunk buffers.
          pending.kept.push(Buffer.from(slice))
          pending.keptBytes += slice.length
        }
        pending.remaining -= take
        data = data.subarray(take)
        if (pending.remaining > 0) break
      }
      if (pending.padding > 0) {
        const take = Math.min(pending.padding, data.length)
        pending.padding -= take
        data = data.subarray(take)
        if (pending.padding > 0) break
      }
      finish(pending)
      pending = undefined
    }
  }
  if (pending !== undefined || header.length > 0) {
    throw new TarFormatError(
      `the layer ends in the middle of ${pending?.entry?.path ?? 'a tar header'}`
    )
  }
  return { bytes, entries }
}
