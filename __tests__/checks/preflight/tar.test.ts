import { gunzipSync } from 'node:zlib'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { describe, expect, it } from '@jest/globals'
import { gzipTar, header, tar } from '../../../__fixtures__/layers.js'
import {
  TarFormatError,
  normalizePath,
  readTar,
  type TarEntry
} from '../../../src/checks/preflight/tar.js'

function* chunks(data: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) {
    yield data.subarray(offset, offset + size)
  }
}

async function entriesOf(
  data: Buffer,
  chunkSize = 4096,
  want = 8
): Promise<{ entry: TarEntry; head: string | undefined }[]> {
  const seen: { entry: TarEntry; head: string | undefined }[] = []
  await readTar(
    chunks(data, chunkSize),
    () => want,
    (entry, head) => seen.push({ entry, head: head?.toString('utf8') })
  )
  return seen
}

describe('normalizePath', () => {
  it.each([
    ['./opt/extensions/x', '/opt/extensions/x'],
    ['/var//task/', '/var/task'],
    ['a/b/../c', '/a/c'],
    ['../../etc/passwd', '/etc/passwd'],
    ['.', '/']
  ])('%s → %s', (input, expected) => {
    expect(normalizePath(input)).toBe(expected)
  })
})

describe('readTar', () => {
  const layer = tar([
    { path: 'opt/', type: '5' },
    { path: 'opt/extensions/ext', content: 'extension bytes', mode: 0o755 },
    { path: 'bin/sh', type: '2', linkTarget: 'busybox' },
    { path: 'bin/ash', type: '1', linkTarget: 'bin/busybox' }
  ])

  it.each([1, 7, 512, 513, 100_000])(
    'reads types, modes, sizes, links and the first bytes in %i-byte chunks',
    async chunkSize => {
      expect(await entriesOf(layer, chunkSize)).toEqual([
        {
          entry: {
            path: '/opt',
            type: 'directory',
            mode: 0o755,
            size: 0,
            linkTarget: undefined
          },
          head: undefined
        },
        {
          entry: {
            path: '/opt/extensions/ext',
            type: 'file',
            mode: 0o755,
            size: 15,
            linkTarget: undefined
          },
          head: 'extensio'
        },
        {
          entry: {
            path: '/bin/sh',
            type: 'symlink',
            mode: 0o644,
            size: 0,
            linkTarget: 'busybox'
          },
          head: undefined
        },
        {
          entry: {
            path: '/bin/ash',
            type: 'hardlink',
            mode: 0o644,
            size: 0,
            linkTarget: '/bin/busybox'
          },
          head: undefined
        }
      ])
    }
  )

  it('takes the path from a pax header, and a GNU long name, over the ustar name', async () => {
    const longDir = `var/task/${'very-long-directory-name/'.repeat(8)}`
    const seen = await entriesOf(
      tar([
        { path: `${longDir}App.dll`, content: 'MZ', pax: true },
        { path: `${longDir}Other.dll`, content: 'MZ', gnuLongName: true },
        { path: 'short', content: 'x' }
      ])
    )
    expect(seen.map(s => s.entry.path)).toEqual([
      `/${longDir}App.dll`,
      `/${longDir}Other.dll`,
      '/short'
    ])
  })

  it('reads a multi-byte path from a pax header (its lengths count bytes)', async () => {
    const path = `var/task/päth/${'ü'.repeat(60)}/App.dll`
    const seen = await entriesOf(
      tar([
        { path, content: 'MZ', pax: true },
        { path: 'next', content: 'x' }
      ]),
      7
    )
    expect(seen.map(s => [s.entry.path, s.head])).toEqual([
      [`/${path}`, 'MZ'],
      ['/next', 'x']
    ])
  })

  it('counts every byte of the stream as the uncompressed size', async () => {
    const stats = await readTar(
      chunks(layer, 100),
      () => 0,
      () => undefined
    )
    expect(stats).toEqual({ bytes: layer.length, entries: 4 })
  })

  it('reads a gzipped layer through gunzip', async () => {
    const gz = gzipTar([{ path: 'opt/extensions/a', content: '#!/bin/sh\n' }])
    const seen: string[] = []
    await readTar(
      Readable.from([gz]).pipe(createGunzip()),
      () => 16,
      (entry, head) => seen.push(`${entry.path}:${head?.toString() ?? ''}`)
    )
    expect(seen).toEqual(['/opt/extensions/a:#!/bin/sh\n'])
    expect(gunzipSync(gz).length).toBe(
      tar([{ path: 'opt/extensions/a', content: '#!/bin/sh\n' }]).length
    )
  })

  it('refuses a stream that is not tar', async () => {
    await expect(
      readTar(
        chunks(Buffer.alloc(1024, 0x41), 512),
        () => 0,
        () => undefined
      )
    ).rejects.toThrow(TarFormatError)
  })

  // layer: /opt's header (0-511), ext's header (512-1023), its 15 bytes of
  // content (1024-1038) and their padding (to 1535), /bin/sh's header…
  it.each([
    ['its content', 1030],
    ['its padding', 1100]
  ])(
    'refuses a layer cut off in the middle of a file (in %s), handing over only the entries before it',
    async (_, cut) => {
      const seen: string[] = []
      await expect(
        readTar(
          chunks(layer.subarray(0, cut), 64),
          () => 4,
          entry => seen.push(entry.path)
        )
      ).rejects.toThrow(
        new TarFormatError(
          'the layer ends in the middle of /opt/extensions/ext'
        )
      )
      expect(seen).toEqual(['/opt'])
    }
  )

  it('refuses a layer cut off in the middle of a header, after the entries before it', async () => {
    const seen: string[] = []
    await expect(
      readTar(
        chunks(layer.subarray(0, 1536 + 100), 64),
        () => 0,
        entry => seen.push(entry.path)
      )
    ).rejects.toThrow(
      new TarFormatError('the layer ends in the middle of a tar header')
    )
    expect(seen).toEqual(['/opt', '/opt/extensions/ext'])
  })

  it("passes the caller's own error through as it is, and stops reading", async () => {
    const stop = new Error('enough')
    let pulled = 0
    function* source(): Generator<Buffer> {
      for (const chunk of chunks(layer, 512)) {
        pulled++
        yield chunk
      }
    }
    await expect(
      readTar(
        source(),
        () => 0,
        () => {
          throw stop
        }
      )
    ).rejects.toBe(stop)
    // The layer has 10 blocks; reading stopped soon after the first entry.
    expect(pulled).toBeLessThan(6)
  })

  it("passes the stream's own error through as it is", async () => {
    const broken = new Error('connection reset')
    async function* source(): AsyncGenerator<Buffer> {
      yield layer.subarray(0, 1536)
      await Promise.resolve()
      throw broken
    }
    await expect(
      readTar(
        source(),
        () => 0,
        () => undefined
      )
    ).rejects.toBe(broken)
  })

  it('streams a 9 GiB file without holding it: only the wanted head is kept', async () => {
    const size = 9 * 1024 ** 3
    const chunk = Buffer.alloc(8 * 1024 * 1024, 0x5a)
    let produced = 0
    function* huge(): Generator<Buffer> {
      // base-256 size: 9 GiB does not fit in the 11 octal digits of ustar.
      yield header('var/task/huge.bin', '0', size, { base256Size: true })
      for (let left = size; left > 0; left -= chunk.length) {
        const part = left >= chunk.length ? chunk : chunk.subarray(0, left)
        produced += part.length
        yield part
      }
      yield tar([{ path: 'opt/extensions/after', content: 'tail' }])
    }
    const heapBefore =
      process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
    const seen: { path: string; size: number; head: number }[] = []
    const stats = await readTar(
      huge(),
      () => 64,
      (entry, head) =>
        seen.push({
          path: entry.path,
          size: entry.size,
          head: head?.length ?? 0
        })
    )
    const heapAfter =
      process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
    expect(produced).toBe(size)
    expect(seen).toEqual([
      { path: '/var/task/huge.bin', size, head: 64 },
      { path: '/opt/extensions/after', size: 4, head: 4 }
    ])
    expect(stats.bytes).toBeGreaterThan(size)
    // 9 GiB cannot be held in a Buffer at all; the reader kept ~64 bytes.
    expect(heapAfter - heapBefore).toBeLessThan(64 * 1024 * 1024)
  })
})
