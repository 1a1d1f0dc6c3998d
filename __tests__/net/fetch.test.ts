/**
 * Every fetch the action makes (the smoke test, the registry API, the GitHub
 * API) behind a proxy, for real on loopback through a recording proxy.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import {
  selfSignedCertificate,
  startRecordingProxy,
  startServer,
  type RecordingProxy,
  type TestServer
} from '../../__fixtures__/http-proxy.js'

jest.unstable_mockModule('@actions/core', () => core)
const { fetchBlob } = await import('../../src/aws/ecr-image.js')
const { smokeTest } = await import('../../src/checks/smoke.js')
const { tokenIdentity } = await import('../../src/report/github-comments.js')
const { defaultDependencies } = await import('../../src/main.js')
const { outboundFetch } = await import('../../src/net/fetch.js')
const { httpFetch } = await import('../../src/net/http-fetch.js')
const { realTiming } = await import('../../src/util/time.js')

let open: { close: () => Promise<void> }[] = []
async function started<T extends { close: () => Promise<void> }>(
  thing: Promise<T>
): Promise<T> {
  const value = await thing
  open.push(value)
  return value
}
afterEach(async () => {
  await Promise.all(open.map(thing => thing.close()))
  open = []
})

const basic = (userPass: string): string =>
  `Basic ${Buffer.from(userPass).toString('base64')}`

describe('outboundFetch', () => {
  it('is the node:http fetch when no proxy variable is set', () => {
    expect(outboundFetch({})).toBe(httpFetch)
    expect(outboundFetch({ NO_PROXY: '*', HTTPS_PROXY: ' ' })).toBe(httpFetch)
  })

  it('forwards http URLs through HTTP_PROXY with its credentials', async () => {
    const proxy = await started(
      startRecordingProxy({ requireAuthorization: basic('ci:p@ss') })
    )
    const app = await started(startServer('{"ok":true}'))
    const fetch = outboundFetch({
      HTTP_PROXY: proxy.url.replace('//', '//ci:p%40ss@')
    })

    const response = await fetch(`http://127.0.0.1:${app.port}/health?x=1`)

    expect(await response.json()).toEqual({ ok: true })
    expect(proxy.requests).toEqual([
      `GET http://127.0.0.1:${app.port}/health?x=1`
    ])
    expect(proxy.authorizations).toEqual([basic('ci:p@ss')])
    expect(app.requests).toEqual(['GET /health?x=1'])
  })

  it('goes directly to what NO_PROXY names, and decides again on each redirect hop', async () => {
    const proxy = await started(startRecordingProxy())
    const target = await started(startServer('"landed"'))
    const redirect = http.createServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/to` })
      res.end()
    })
    await new Promise<void>(resolve => redirect.listen(0, '127.0.0.1', resolve))
    open.push({
      close: () => new Promise(resolve => redirect.close(() => resolve()))
    })
    const from = (redirect.address() as AddressInfo).port
    const fetch = outboundFetch({
      http_proxy: proxy.url,
      no_proxy: `127.0.0.1:${target.port}`
    })

    const response = await fetch(`http://127.0.0.1:${from}/from`)

    expect(await response.json()).toBe('landed')
    // The first hop through the proxy, the second (NO_PROXY) directly.
    expect(proxy.requests).toEqual([`GET http://127.0.0.1:${from}/from`])
    expect(target.requests).toEqual(['GET /to'])
  })

  it('reads a whole forwarded body slowly from a proxy that closes after each response (tinyproxy)', async () => {
    const proxy = await started(
      startRecordingProxy({ closeWithoutSaying: true })
    )
    const big = 'x'.repeat(2 * 1024 * 1024)
    const app = await started(startServer(big))
    const fetch = outboundFetch({ HTTP_PROXY: proxy.url })

    const response = await fetch(`http://127.0.0.1:${app.port}/blob`)
    let read = 0
    // A reader slower than the network, as the layer scan is.
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      read += chunk.length
      await new Promise(resolve => setTimeout(resolve, 5))
    }

    expect(read).toBe(big.length)
    expect(proxy.requests).toEqual([`GET http://127.0.0.1:${app.port}/blob`])
  })

  it('tunnels https URLs through HTTPS_PROXY: TLS is with the server itself', async () => {
    const proxy = await started(startRecordingProxy())
    const app = await started(startServer('{}', selfSignedCertificate()))
    const fetch = outboundFetch({ HTTPS_PROXY: proxy.url })

    const error = await fetch(`https://127.0.0.1:${app.port}/`).catch(
      (e: unknown) => e as Error
    )

    expect(proxy.requests).toEqual([`CONNECT 127.0.0.1:${app.port}`])
    // The test server's own certificate came back through the tunnel.
    expect(String((error as Error).cause)).toMatch(/self[- ]signed certificate/)
  })
})

describe('the fetches of the action go through the proxy', () => {
  let proxy: RecordingProxy
  let server: TestServer
  const env = (): NodeJS.ProcessEnv => ({ HTTP_PROXY: proxy.url })

  it('the smoke test', async () => {
    proxy = await started(startRecordingProxy())
    server = await started(startServer('Healthy'))

    const result = await smokeTest(
      {
        url: `http://127.0.0.1:${server.port}/health`,
        expected: { status: 200, body: { kind: 'substring', text: 'Healthy' } },
        timeoutMs: 5000,
        log: () => {},
        fetch: outboundFetch(env())
      },
      realTiming
    )

    expect(result.pass).toBe(true)
    expect(proxy.requests).toEqual([
      `GET http://127.0.0.1:${server.port}/health`
    ])
  })

  it('a blob from the registry API', async () => {
    proxy = await started(startRecordingProxy())
    server = await started(startServer('{"architecture":"amd64"}'))
    const digest = `sha256:${'a'.repeat(64)}`

    const response = await fetchBlob(
      {
        username: 'AWS',
        password: 'token',
        endpoint: `http://127.0.0.1:${server.port}`
      },
      'web',
      digest,
      'the image config',
      outboundFetch(env())
    )

    expect(await response.json()).toEqual({ architecture: 'amd64' })
    expect(proxy.requests).toEqual([
      `GET http://127.0.0.1:${server.port}/v2/web/blobs/${digest}`
    ])
  })

  it('the GitHub API', async () => {
    proxy = await started(startRecordingProxy())
    server = await started(startServer('{"login":"octocat"}'))

    const login = await tokenIdentity({
      apiUrl: `http://127.0.0.1:${server.port}`,
      token: 'ghs_x',
      repository: 'o/r',
      issueNumber: 1,
      fetch: outboundFetch(env())
    })

    expect(login).toBe('octocat')
    expect(proxy.requests).toEqual([`GET http://127.0.0.1:${server.port}/user`])
  })

  it("run()'s default dependencies give every stage the proxied fetch", async () => {
    proxy = await started(startRecordingProxy())
    server = await started(startServer('{}'))
    const saved = process.env.HTTP_PROXY
    process.env.HTTP_PROXY = proxy.url
    try {
      const { fetch } = defaultDependencies()
      await (await fetch(`http://127.0.0.1:${server.port}/any`)).text()
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY
      else process.env.HTTP_PROXY = saved
    }
    expect(proxy.requests).toEqual([`GET http://127.0.0.1:${server.port}/any`])
  })
})
