/**
 * Reading a fetch response's body without trusting its size: a server may
 * send far more than anyone needs (an error page streaming for ever, a huge
 * download where a short answer was expected).
 */

export interface BoundedBody {
  /** At most the limit's worth of bytes, from the start of the body. */
  bytes: Buffer
  /** The body went on past the limit; the rest was not read. */
  cut: boolean
}

/**
 * The first `maxBytes` of the body. Past them the stream is cancelled, so
 * the connection stops sending.
 */
export async function readBounded(
  response: Response,
  maxBytes: number
): Promise<BoundedBody> {
  if (response.body === null) return { bytes: Buffer.alloc(0), cut: false }
  const reader: ReadableStreamDefaultReader<Uint8Array> =
    response.body.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  let cut = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      const room = maxBytes - length
      if (value.byteLength > room) {
        chunks.push(value.subarray(0, room))
        length += room
        cut = true
        break
      }
      chunks.push(value)
      length += value.byteLength
    }
  } finally {
    if (cut) await reader.cancel().catch(() => undefined)
    else reader.releaseLock()
  }
  return { bytes: Buffer.concat(chunks, length), cut }
}

/** 1 MiB, 512 KiB, 100 bytes: for messages about a limit. */
export function formatLimit(bytes: number): string {
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) {
    return `${bytes / 1024 ** 2} MiB`
  }
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`
  return `${bytes} bytes`
}
