/** Tar layers and ELF headers made in tests, byte by byte. */
import { gzipSync } from 'node:zlib'

export interface FixtureEntry {
  path: string
  /** 0 file (default), 5 directory, 2 symlink, 1 hard link. */
  type?: '0' | '5' | '2' | '1'
  mode?: number
  content?: Buffer | string
  linkTarget?: string
  /** Put the path in a pax header (x) rather than the ustar name field. */
  pax?: boolean
  /** Put the path in a GNU long-name entry (L). */
  gnuLongName?: boolean
}

function field(
  block: Buffer,
  offset: number,
  length: number,
  value: string
): void {
  block.write(value.slice(0, length), offset, 'utf8')
}

function octalField(
  block: Buffer,
  offset: number,
  length: number,
  value: number
): void {
  field(
    block,
    offset,
    length,
    `${value.toString(8).padStart(length - 1, '0')}\0`
  )
}

export function header(
  name: string,
  type: string,
  size: number,
  options: { mode?: number; linkTarget?: string; base256Size?: boolean } = {}
): Buffer {
  const block = Buffer.alloc(512)
  field(block, 0, 100, name)
  octalField(block, 100, 8, options.mode ?? 0o644)
  octalField(block, 108, 8, 0)
  octalField(block, 116, 8, 0)
  if (options.base256Size === true) {
    block[124] = 0x80
    let rest = size
    for (let i = 135; i > 124; i--) {
      block[i] = rest % 256
      rest = Math.floor(rest / 256)
    }
  } else {
    octalField(block, 124, 12, size)
  }
  octalField(block, 136, 12, 0)
  block.write(type, 156, 'latin1')
  field(block, 157, 100, options.linkTarget ?? '')
  block.write('ustar\0', 257, 'latin1')
  block.write('00', 263, 'latin1')
  block.fill(0x20, 148, 156)
  let sum = 0
  for (const byte of block) sum += byte
  octalField(block, 148, 7, sum)
  block[155] = 0x20
  return block
}

function padded(content: Buffer): Buffer {
  const padding = (512 - (content.length % 512)) % 512
  return Buffer.concat([content, Buffer.alloc(padding)])
}

function paxRecord(key: string, value: string): string {
  // The length counts bytes, the record's own digits included.
  const body = ` ${key}=${value}\n`
  let length = Buffer.byteLength(body) + 1
  while (Buffer.byteLength(`${length}${body}`) !== length) length++
  return `${length}${body}`
}

/** An uncompressed tar stream holding `entries`, ended by two zero blocks. */
export function tar(entries: FixtureEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const entry of entries) {
    const type = entry.type ?? '0'
    const content =
      typeof entry.content === 'string'
        ? Buffer.from(entry.content)
        : (entry.content ?? Buffer.alloc(0))
    const size = type === '0' ? content.length : 0
    let name = entry.path.replace(/^\//, '')
    if (entry.pax === true) {
      const records = Buffer.from(paxRecord('path', name))
      parts.push(header('PaxHeader/x', 'x', records.length), padded(records))
      name = 'ignored-by-pax'
    } else if (entry.gnuLongName === true) {
      const long = Buffer.from(`${name}\0`)
      parts.push(header('././@LongLink', 'L', long.length), padded(long))
      name = name.slice(0, 99)
    }
    parts.push(
      header(name, type, size, {
        mode: entry.mode ?? (type === '5' ? 0o755 : 0o644),
        ...(entry.linkTarget !== undefined && { linkTarget: entry.linkTarget })
      })
    )
    if (size > 0) parts.push(padded(content))
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

export function gzipTar(entries: FixtureEntry[]): Buffer {
  return gzipSync(tar(entries))
}

/** The first 64 bytes of an ELF file: class, byte order, e_machine. */
export function elfHeader(
  machine: number,
  options: { bits?: 32 | 64; bigEndian?: boolean } = {}
): Buffer {
  const bytes = Buffer.alloc(64)
  bytes.set([0x7f, 0x45, 0x4c, 0x46], 0)
  bytes[4] = options.bits === 32 ? 1 : 2
  bytes[5] = options.bigEndian === true ? 2 : 1
  bytes[6] = 1
  if (options.bigEndian === true) bytes.writeUInt16BE(2, 16)
  else bytes.writeUInt16LE(2, 16)
  if (options.bigEndian === true) bytes.writeUInt16BE(machine, 18)
  else bytes.writeUInt16LE(machine, 18)
  return bytes
}

export const X86_64_BINARY = Buffer.concat([
  elfHeader(62),
  Buffer.alloc(4096, 1)
])
export const AARCH64_BINARY = Buffer.concat([
  elfHeader(183),
  Buffer.alloc(4096, 2)
])

/**
 * Gzipped layers of a small image shaped like one on the AWS .NET base
 * image (config: Entrypoint /lambda-entrypoint.sh, Cmd MyApi): a base layer
 * for `architecture` and an app layer, optionally with an extension binary.
 */
export function lambdaDotnetLayers(
  architecture: 'amd64' | 'arm64',
  revision: string,
  options: {
    extension?: 'amd64' | 'arm64'
    /** The app's runtimeconfig.json; `{}` (no framework named) by default. */
    runtimeConfig?: string
  } = {}
): Buffer[] {
  const binary = architecture === 'arm64' ? AARCH64_BINARY : X86_64_BINARY
  const base = gzipTar([
    { path: 'bin/sh', content: binary, mode: 0o755 },
    {
      path: 'lambda-entrypoint.sh',
      content: '#!/bin/sh\nexec /var/runtime/bootstrap "$@"\n',
      mode: 0o755
    },
    {
      path: 'var/runtime/bootstrap',
      content: '#!/bin/sh\nexec /var/lang/bin/dotnet "$@"\n',
      mode: 0o755
    },
    { path: 'var/lang/bin/dotnet', content: binary, mode: 0o755 }
  ])
  const app: FixtureEntry[] = [
    { path: 'var/task/MyApi.dll', content: `MZ ${revision}` },
    {
      path: 'var/task/MyApi.runtimeconfig.json',
      content: options.runtimeConfig ?? '{}'
    }
  ]
  if (options.extension !== undefined) {
    app.push({
      path: 'opt/extensions/telemetry',
      content: options.extension === 'arm64' ? AARCH64_BINARY : X86_64_BINARY,
      mode: 0o755
    })
  }
  return [base, gzipTar(app)]
}
