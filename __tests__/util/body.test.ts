import { describe, expect, it } from '@jest/globals'
import { formatLimit, readBounded } from '../../src/util/body.js'

/** A body of these chunks, recording how far it was read and whether it was cancelled. */
function streamed(chunks: Iterable<Uint8Array>): {
  response: Response
  pulled: () => number
  cancelled: () => boolean
} {
  const iterator = chunks[Symbol.iterator]()
  let pulls = 0
  let cancelled = false
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = iterator.next()
      if (next.done === true) {
        controller.close()
        return
      }
      pulls++
      controller.enqueue(next.value)
    },
    cancel() {
      cancelled = true
    }
  })
  return {
    response: new Response(body),
    pulled: () => pulls,
    cancelled: () => cancelled
  }
}

function* endless(chunk: Uint8Array): Generator<Uint8Array> {
  for (;;) yield chunk
}

describe('readBounded', () => {
  it.each<[string, string, number, string, boolean]>([
    ['a short body whole', 'Healthy', 100, 'Healthy', false],
    ['an empty body', '', 100, '', false],
    ['a body of exactly the limit', '0123456789', 10, '0123456789', false],
    ['the limit of a longer body', '0123456789A', 10, '0123456789', true],
    ['nothing of a body with a zero limit', 'x', 0, '', true]
  ])('reads %s', async (_label, text, limit, expected, cut) => {
    const read = await readBounded(new Response(text), limit)
    expect(read.bytes.toString('utf8')).toBe(expected)
    expect(read.cut).toBe(cut)
  })

  it('reads no body as empty', async () => {
    await expect(
      readBounded(new Response(null, { status: 204 }), 10)
    ).resolves.toEqual({ bytes: Buffer.alloc(0), cut: false })
  })

  it('cuts inside a chunk and joins the chunks before it', async () => {
    const body = streamed(
      ['abc', 'def', 'ghi', 'jkl', 'mno'].map(t => Buffer.from(t))
    )
    const read = await readBounded(body.response, 7)
    expect(read.bytes.toString()).toBe('abcdefg')
    expect(read.cut).toBe(true)
    expect(body.cancelled()).toBe(true)
  })

  it('stops an endless body at the limit and cancels it', async () => {
    const body = streamed(endless(new Uint8Array(64 * 1024).fill(0x61)))
    const read = await readBounded(body.response, 1024 * 1024)
    expect(read.bytes).toHaveLength(1024 * 1024)
    expect(read.cut).toBe(true)
    expect(body.cancelled()).toBe(true)
    // 16 chunks fill the limit; the 17th shows there is more. The stream
    // may pull one ahead, no more.
    expect(body.pulled()).toBeLessThanOrEqual(18)
  })

  it('passes on an error of the body (a timeout while reading)', async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new DOMException('timed out', 'TimeoutError'))
      }
    })
    await expect(readBounded(new Response(body), 10)).rejects.toThrow(
      'timed out'
    )
  })
})

describe('formatLimit', () => {
  it.each<[number, string]>([
    [1024 * 1024, '1 MiB'],
    [16 * 1024 * 1024, '16 MiB'],
    [512 * 1024, '512 KiB'],
    [1536 * 1024, '1536 KiB'],
    [100, '100 bytes'],
    [1025, '1025 bytes']
  ])('%p → %p', (bytes, text) => {
    expect(formatLimit(bytes)).toBe(text)
  })
})
