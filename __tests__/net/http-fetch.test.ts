/**
 * The fetch the action uses without a proxy, for real against servers on
 * loopback: what the callers rely on from fetch (status, headers, bodies,
 * redirects, abort, errors) and reading a large body with backpressure.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import zlib from 'node:zlib'
import { afterEach, describe, expect, it } from '@jest/globals'
import {
  selfSignedCertificate,
  startServer
} from '../../__fixtures__/http-proxy.js'
import { httpFetch } from '../../src/net/http-fetch.js'

interface Seen {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

interface Server {
  url: string
  seen: Seen[]
  close: () => Promise<void>
}

let open: { close: () => Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.map(thing => thing.close()))
  open = []
})

/** A server that records each request and answers with `handle`. */
async function serve(
  handle: (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    seen: Seen
  ) => void
): Promise<Server> {
  const seen: Seen[] = []
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const record = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      seen.push(record)
      handle(request, response, record)
    })
  })
  await new Promise<void>(resolve =>
    server.listen(0, '127.0.0.1', () => resolve())
  )
  const result = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
  open.push(result)
  return result
}

const redirectTo = (
  response: http.ServerResponse,
  status: number,
  location: string
): void => {
  response.writeHead(status, { Location: location })
  response.end('moved')
}

describe('httpFetch', () => {
  it('answers with the status, every header and the body, like fetch', async () => {
    const server = await serve((_, response) => {
      response.setHeader('Set-Cookie', ['a=1', 'b=2'])
      response.writeHead(201, 'Made', { 'Content-Type': 'text/plain' })
      response.end('hello')
    })

    const response = await httpFetch(`${server.url}/path?q=1`, {
      headers: { 'X-Trace': 'abc' }
    })

    expect(response.status).toBe(201)
    expect(response.statusText).toBe('Made')
    expect(response.ok).toBe(true)
    expect(response.headers.get('content-type')).toBe('text/plain')
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(response.url).toBe(`${server.url}/path?q=1`)
    expect(response.redirected).toBe(false)
    expect(await response.text()).toBe('hello')
    expect(server.seen[0]).toMatchObject({
      method: 'GET',
      url: '/path?q=1',
      headers: { 'x-trace': 'abc', accept: '*/*', 'user-agent': 'node' }
    })
  })

  it('sends a string body with its length; PATCH and JSON read back', async () => {
    const server = await serve((_, response, seen) => {
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end(JSON.stringify({ got: JSON.parse(seen.body) as unknown }))
    })
    const body = JSON.stringify({ body: 'héllo' })

    const response = await httpFetch(`${server.url}/comments/1`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body
    })

    expect(await response.json()).toEqual({ got: { body: 'héllo' } })
    expect(server.seen[0]?.method).toBe('PATCH')
    expect(server.seen[0]?.headers['content-length']).toBe(
      String(Buffer.byteLength(body))
    )
  })

  it('HEAD, 204 and 304 have no body', async () => {
    const server = await serve((request, response) => {
      const status =
        request.url === '/none' ? 204 : request.url === '/same' ? 304 : 200
      response.writeHead(status, { 'Docker-Content-Digest': 'sha256:abc' })
      response.end(status === 200 ? 'ignored for HEAD' : undefined)
    })

    const head = await httpFetch(`${server.url}/`, { method: 'HEAD' })
    const none = await httpFetch(`${server.url}/none`)
    const same = await httpFetch(`${server.url}/same`)

    expect(head.headers.get('docker-content-digest')).toBe('sha256:abc')
    expect(head.body).toBeNull()
    expect(none.status).toBe(204)
    expect(none.body).toBeNull()
    expect(same.status).toBe(304)
  })

  it('decodes a gzip, deflate or br body', async () => {
    const text = 'compressed '.repeat(100)
    const server = await serve((request, response) => {
      const encoding = request.url?.slice(1) ?? ''
      const encoded =
        encoding === 'gzip'
          ? zlib.gzipSync(text)
          : encoding === 'deflate'
            ? zlib.deflateSync(text)
            : zlib.brotliCompressSync(text)
      response.writeHead(200, { 'Content-Encoding': encoding })
      response.end(encoded)
    })

    for (const encoding of ['gzip', 'deflate', 'br'])
      expect(await (await httpFetch(`${server.url}/${encoding}`)).text()).toBe(
        text
      )
  })

  describe('redirects', () => {
    it('follows them, keeping the method and body for 307', async () => {
      const server = await serve((request, response) => {
        if (request.url === '/a') redirectTo(response, 302, '/b')
        else if (request.url === '/b') redirectTo(response, 307, '/c')
        else response.end('arrived')
      })

      const get = await httpFetch(`${server.url}/a`)
      const put = await httpFetch(`${server.url}/b`, {
        method: 'PUT',
        body: 'x'
      })

      expect(await get.text()).toBe('arrived')
      expect(get.redirected).toBe(true)
      expect(get.url).toBe(`${server.url}/c`)
      expect(await put.text()).toBe('arrived')
      expect(server.seen.slice(3).map(s => [s.method, s.url, s.body])).toEqual([
        ['PUT', '/b', 'x'],
        ['PUT', '/c', 'x']
      ])
    })

    it('turns a POST into a GET without its body after 303', async () => {
      const server = await serve((request, response) => {
        if (request.url === '/post') redirectTo(response, 303, '/result')
        else response.end('done')
      })

      const response = await httpFetch(`${server.url}/post`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"a":1}'
      })

      expect(await response.text()).toBe('done')
      expect(server.seen[1]).toMatchObject({ method: 'GET', body: '' })
      expect(server.seen[1]?.headers['content-type']).toBeUndefined()
    })

    it('keeps Authorization on the same origin and drops it for another', async () => {
      // Registry blobs redirect to storage elsewhere: the registry's
      // credentials must not follow them there.
      const storage = await serve((_, response) => response.end('blob'))
      const registry = await serve((request, response) => {
        if (request.url === '/v2/blob') redirectTo(response, 307, '/v2/blob/1')
        else redirectTo(response, 307, `${storage.url}/bucket/blob`)
      })

      const response = await httpFetch(`${registry.url}/v2/blob`, {
        headers: { Authorization: 'Basic c2VjcmV0', 'X-Keep': 'yes' }
      })

      expect(await response.text()).toBe('blob')
      expect(registry.seen.map(s => s.headers.authorization)).toEqual([
        'Basic c2VjcmV0',
        'Basic c2VjcmV0'
      ])
      expect(storage.seen[0]?.headers.authorization).toBeUndefined()
      expect(storage.seen[0]?.headers['x-keep']).toBe('yes')
    })

    it('manual: answers with the redirect itself', async () => {
      const server = await serve((_, response) =>
        redirectTo(response, 302, '/login')
      )

      const response = await httpFetch(server.url, { redirect: 'manual' })

      expect(response.status).toBe(302)
      expect(response.headers.get('location')).toBe('/login')
      expect(server.seen).toHaveLength(1)
    })

    it('fails after 20 hops, and at once with redirect: error', async () => {
      const server = await serve((request, response) =>
        redirectTo(response, 302, `/${Number(request.url?.slice(1)) + 1}`)
      )

      const loop = await httpFetch(`${server.url}/0`).catch(
        (e: unknown) => e as Error
      )
      const seenByLoop = server.seen.length
      const refused = await httpFetch(`${server.url}/0`, {
        redirect: 'error'
      }).catch((e: unknown) => e as Error)

      expect(loop).toBeInstanceOf(TypeError)
      expect(String((loop as Error).cause)).toMatch(/more than 20 redirects/)
      expect(seenByLoop).toBe(21)
      expect(String((refused as Error).cause)).toMatch(/redirect: error/)
      expect(server.seen.length - seenByLoop).toBe(1)
    })
  })

  describe('failures', () => {
    it('a refused connection rejects as fetch does: TypeError "fetch failed" with the cause', async () => {
      const server = await serve((_, response) => response.end())
      await server.close()
      open = []

      const error = await httpFetch(server.url).catch(
        (e: unknown) => e as Error
      )

      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toBe('fetch failed')
      expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe(
        'ECONNREFUSED'
      )
    })

    it('checks the certificate of an https server', async () => {
      const server = await startServer('{}', selfSignedCertificate())
      open.push(server)

      const error = await httpFetch(`https://127.0.0.1:${server.port}/`).catch(
        (e: unknown) => e as Error
      )

      expect((error as Error).message).toBe('fetch failed')
      expect(String((error as Error).cause)).toMatch(
        /self[- ]signed certificate/
      )
    })

    it('an abort before the answer rejects with the signal’s reason', async () => {
      const controller = new AbortController()
      const reason = new DOMException('took too long', 'TimeoutError')
      // The server never answers; it aborts the request once it has it.
      await serve(() => controller.abort(reason)).then(async server => {
        const error = await httpFetch(server.url, {
          signal: controller.signal
        }).catch((e: unknown) => e)
        expect(error).toBe(reason)
      })
    })

    it('an already aborted signal sends nothing', async () => {
      const server = await serve((_, response) => response.end())
      const error = await httpFetch(server.url, {
        signal: AbortSignal.abort(new Error('stop'))
      }).catch((e: unknown) => e as Error)

      expect((error as Error).message).toBe('stop')
      expect(server.seen).toHaveLength(0)
    })

    it('an abort while the body is read ends the read with the reason', async () => {
      const controller = new AbortController()
      const server = await serve((_, response) => {
        response.writeHead(200)
        response.write('first part')
      })

      const response = await httpFetch(server.url, {
        signal: controller.signal
      })
      const reader = response.body!.getReader()
      const first = (await reader.read()) as { value?: Uint8Array }
      controller.abort(new Error('cancelled by the run'))
      const error = await reader.read().catch((e: unknown) => e as Error)

      expect(Buffer.from(first.value ?? []).toString()).toBe('first part')
      expect((error as Error).message).toBe('cancelled by the run')
      expect(server.seen).toHaveLength(1)
    })

    it('a connection closed before the body’s end fails the read', async () => {
      const server = await serve((_, response) => {
        response.writeHead(200, { 'Content-Length': '100' })
        response.write('only ten b', () => response.socket?.destroy())
      })

      const response = await httpFetch(server.url)
      const error = await response.text().catch((e: unknown) => e as Error)

      expect(String(error)).toMatch(/terminated/)
    })

    it('takes URLs, not Request objects', async () => {
      await expect(
        httpFetch(new Request('http://127.0.0.1/') as unknown as string)
      ).rejects.toThrow(/takes a URL/)
    })
  })

  it('reads a large body with backpressure: a slow reader pauses the sender', async () => {
    // 64 MiB offered; the reader takes one chunk and stops. The server must
    // find the connection full long before it has written everything (a
    // reader-side buffer without backpressure would take it all).
    const total = 64 * 1024 * 1024
    const chunk = Buffer.alloc(64 * 1024, 7)
    let written = 0
    let outcome: (value: 'blocked' | 'finished') => void = () => undefined
    const result = new Promise<'blocked' | 'finished'>(r => (outcome = r))
    const server = await serve((_, response) => {
      response.writeHead(200, { 'Content-Length': String(total) })
      const pump = (): void => {
        while (written < total) {
          written += chunk.length
          if (!response.write(chunk)) {
            // Full: give the client time to drain before calling it blocked.
            const timer = setTimeout(() => outcome('blocked'), 300)
            response.once('drain', () => {
              clearTimeout(timer)
              pump()
            })
            return
          }
        }
        response.end()
        outcome('finished')
      }
      pump()
    })

    const response = await httpFetch(server.url)
    const reader = response.body!.getReader()
    const first = (await reader.read()) as { value?: Uint8Array }

    expect(first.value?.byteLength).toBeGreaterThan(0)
    expect(await result).toBe('blocked')
    expect(written).toBeLessThan(total / 4)
    await reader.cancel()
  })
})
