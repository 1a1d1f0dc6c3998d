/**
 * fetch over node:http and node:https, for every outbound call made without
 * a proxy (./fetch.ts). Node's own fetch (undici) parses HTTP with llhttp
 * compiled to WebAssembly: the first request compiles it, and V8's
 * background tier-up of that module holds the process at exit until it is
 * done — about a tenth of a second of every run on a 2-core runner, for a
 * handful of small requests. node:http parses natively.
 *
 * What the action's callers use, with fetch's meaning: method, headers,
 * a string or byte body, `signal` (the request and the body reading end
 * with its reason), `redirect` follow (20 hops; 303, and 301/302 after a
 * POST, become GET without a body; Authorization and Cookie are dropped
 * when a hop leaves the origin) or manual (the 3xx response itself);
 * gzip/deflate/br bodies are decoded. Network errors reject like fetch:
 * TypeError "fetch failed" with the cause. The body is a byte stream read
 * with backpressure: a slow reader pauses the socket, nothing is buffered
 * ahead beyond 64 KiB.
 */
import http from 'node:http'
import https from 'node:https'
import { Readable } from 'node:stream'
import zlib from 'node:zlib'

const MAX_REDIRECTS = 20
const REDIRECT = new Set([301, 302, 303, 307, 308])
const NO_BODY = new Set([101, 103, 204, 205, 304])
/** Bytes queued ahead of the reader before the socket is paused. */
const READ_AHEAD = 64 * 1024

export const httpFetch: typeof fetch = async (input, init = {}) => {
  if (typeof input !== 'string' && !(input instanceof URL))
    throw new TypeError('This fetch takes a URL, not a Request.')
  const signal = init.signal ?? undefined
  signal?.throwIfAborted()
  let url = new URL(input)
  let method = (init.method ?? 'GET').toUpperCase()
  let body = requestBody(init.body)
  const headers = new Headers(init.headers)
  if (!headers.has('accept')) headers.set('accept', '*/*')
  if (!headers.has('user-agent')) headers.set('user-agent', 'node')
  const redirect = init.redirect ?? 'follow'
  for (let hop = 0; ; hop++) {
    const response = await send(url, method, headers, body, signal)
    const location = response.headers.location
    if (
      redirect === 'manual' ||
      !REDIRECT.has(response.statusCode ?? 0) ||
      location === undefined
    )
      return toResponse(response, method, url, hop > 0, signal)
    response.resume()
    if (redirect === 'error' || hop >= MAX_REDIRECTS)
      throw new TypeError('fetch failed', {
        cause: new Error(
          redirect === 'error'
            ? `redirected to ${location} (redirect: error)`
            : `more than ${MAX_REDIRECTS} redirects`
        )
      })
    const next = new URL(location, url)
    const status = response.statusCode ?? 0
    if (
      status === 303 ||
      ((status === 301 || status === 302) && method === 'POST')
    ) {
      if (method !== 'HEAD') method = 'GET'
      body = undefined
      for (const name of ['content-type', 'content-length', 'content-encoding'])
        headers.delete(name)
    }
    if (next.origin !== url.origin) {
      headers.delete('authorization')
      headers.delete('cookie')
      headers.delete('proxy-authorization')
    }
    url = next
  }
}

function requestBody(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  if (body instanceof Uint8Array) return Buffer.from(body)
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body))
  throw new TypeError('This fetch sends a string or bytes as the body.')
}

/** One request; resolves with the response head, its body still unread. */
function send(
  url: URL,
  method: string,
  headers: Headers,
  body: Buffer | undefined,
  signal: AbortSignal | undefined
): Promise<http.IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return Promise.reject(
      new TypeError('fetch failed', {
        cause: new Error(`unsupported protocol ${url.protocol}`)
      })
    )
  const outgoing: Record<string, string> = {}
  headers.forEach((value, name) => (outgoing[name] = value))
  if (body !== undefined) outgoing['content-length'] = String(body.length)
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method,
      headers: outgoing
    })
    const onAbort = (): void => {
      request.destroy()
      reject(signal?.reason as Error)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    request.once('response', response => {
      signal?.removeEventListener('abort', onAbort)
      resolve(response)
    })
    request.once('error', error => {
      signal?.removeEventListener('abort', onAbort)
      reject(
        signal?.aborted === true
          ? (signal.reason as Error)
          : new TypeError('fetch failed', { cause: error })
      )
    })
    request.end(body)
  })
}

function toResponse(
  message: http.IncomingMessage,
  method: string,
  url: URL,
  redirected: boolean,
  signal: AbortSignal | undefined
): Response {
  const status = message.statusCode ?? 0
  const headers = new Headers()
  const raw = message.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i] ?? '', raw[i + 1] ?? '')
    } catch {
      // A header a Response cannot hold (an invalid name or value) is left out.
    }
  }
  if (status < 200 || status > 599) {
    message.destroy()
    throw new TypeError('fetch failed', {
      cause: new Error(`invalid response status ${status}`)
    })
  }
  const empty = method === 'HEAD' || NO_BODY.has(status)
  if (empty) message.resume()
  const response = new Response(
    empty ? null : byteStream(decoded(message), message, signal),
    { status, statusText: reasonPhrase(message.statusMessage), headers }
  )
  Object.defineProperty(response, 'url', { value: url.href })
  Object.defineProperty(response, 'redirected', { value: redirected })
  return response
}

/** The status line's reason, when it is one a Response can carry. */
function reasonPhrase(text: string | undefined): string {
  return text !== undefined && /^[\t\x20-\x7e\x80-\xff]*$/.test(text)
    ? text
    : ''
}

/** The body as sent, decoded when the server compressed it. */
function decoded(message: http.IncomingMessage): Readable {
  const encoding = (message.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase()
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined
  if (decoder === undefined) return message
  message.on('error', error => decoder.destroy(error))
  return message.pipe(decoder)
}

/**
 * A byte stream the reader pulls: the source is paused whenever 64 KiB
 * wait unread. Ends with the signal's reason when it aborts, and with
 * "terminated" when the connection closes before the body's end.
 */
function byteStream(
  source: Readable,
  message: http.IncomingMessage,
  signal: AbortSignal | undefined
): ReadableStream<Uint8Array> {
  let settled = false
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const fail = (error: unknown): void => {
          if (settled) return
          settled = true
          signal?.removeEventListener('abort', onAbort)
          controller.error(error)
          message.destroy()
          source.destroy()
        }
        const onAbort = (): void => fail(signal?.reason)
        if (signal?.aborted === true) return onAbort()
        signal?.addEventListener('abort', onAbort, { once: true })
        source.on('data', (chunk: Buffer) => {
          if (settled) return
          controller.enqueue(
            new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
          )
          if ((controller.desiredSize ?? 0) <= 0) source.pause()
        })
        source.once('end', () => {
          if (settled) return
          settled = true
          signal?.removeEventListener('abort', onAbort)
          controller.close()
        })
        // As fetch: a body cut short (a reset, a close before its end, a
        // broken compressed stream) fails the read with "terminated".
        source.once('error', error =>
          fail(new TypeError('terminated', { cause: error }))
        )
        message.once('close', () => {
          if (!message.complete)
            fail(
              new TypeError('terminated', {
                cause: new Error('other side closed')
              })
            )
        })
      },
      pull() {
        source.resume()
      },
      cancel() {
        settled = true
        message.destroy()
        source.destroy()
      }
    },
    { highWaterMark: READ_AHEAD, size: chunk => chunk.byteLength }
  )
}
