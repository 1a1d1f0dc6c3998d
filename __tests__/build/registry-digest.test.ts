import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import { httpFetch } from '../../src/net/http-fetch.js'
import {
  parseChallenge,
  parseImageReference,
  registryBaseUrl,
  resolveDigest
} from '../../src/build/registry-digest.js'
import type { Fetch } from '../../src/aws/ecr-image.js'

const DIGEST = `sha256:${'1'.repeat(64)}`
const OWN = {
  username: 'AWS',
  password: 'pw',
  endpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com'
}

describe('parseImageReference', () => {
  it.each([
    [
      'ubuntu',
      { registry: 'docker.io', repository: 'library/ubuntu', tag: 'latest' }
    ],
    [
      'docker/dockerfile:1',
      { registry: 'docker.io', repository: 'docker/dockerfile', tag: '1' }
    ],
    [
      'public.ecr.aws/lambda/dotnet:8',
      { registry: 'public.ecr.aws', repository: 'lambda/dotnet', tag: '8' }
    ],
    [
      'mcr.microsoft.com/dotnet/sdk:8.0-bookworm-slim',
      {
        registry: 'mcr.microsoft.com',
        repository: 'dotnet/sdk',
        tag: '8.0-bookworm-slim'
      }
    ],
    [
      '127.0.0.1:5000/base:1',
      { registry: '127.0.0.1:5000', repository: 'base', tag: '1' }
    ],
    [
      'localhost/base',
      { registry: 'localhost', repository: 'base', tag: 'latest' }
    ],
    [
      `alpine:3@${DIGEST}`,
      {
        registry: 'docker.io',
        repository: 'library/alpine',
        tag: '3',
        digest: DIGEST
      }
    ],
    [
      `alpine@${DIGEST}`,
      {
        registry: 'docker.io',
        repository: 'library/alpine',
        tag: undefined,
        digest: DIGEST
      }
    ]
  ])('%p', (text, expected) => {
    expect(parseImageReference(text)).toEqual({
      digest: undefined,
      ...expected
    })
  })

  it.each(['UPPER/case:1', 'alpine@sha256:short', 'a:b:c', 'a:-bad'])(
    '%p is not a reference',
    text => {
      expect(parseImageReference(text)).toBeUndefined()
    }
  )
})

describe('registryBaseUrl', () => {
  it.each([
    ['docker.io', 'https://registry-1.docker.io'],
    ['public.ecr.aws', 'https://public.ecr.aws'],
    ['127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['localhost:5000', 'http://localhost:5000'],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', OWN.endpoint]
  ])('%p → %p', (registry, url) => {
    expect(registryBaseUrl(registry, OWN)).toBe(url)
  })
})

describe('parseChallenge', () => {
  it('reads a Bearer challenge', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws"'
      )
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://public.ecr.aws/token/',
        service: 'public.ecr.aws',
        scope: 'aws'
      }
    })
  })
})

interface Call {
  url: string
  method: string
  authorization: string | undefined
}

/** A registry that wants `auth` on manifests; answers with `digest`. */
function registry(
  auth: 'none' | 'bearer' | 'basic',
  options: { digestHeader?: boolean; tokenStatus?: number } = {}
): { fetch: Fetch; calls: Call[] } {
  const calls: Call[] = []
  const fetchImpl: Fetch = (input, init) => {
    const url = input instanceof Request ? input.url : input.toString()
    const headers = new Headers(init?.headers)
    const authorization = headers.get('authorization') ?? undefined
    calls.push({ url, method: init?.method ?? 'GET', authorization })
    if (url.startsWith('https://auth.example/token'))
      return Promise.resolve(
        new Response(JSON.stringify({ token: 'T' }), {
          status: options.tokenStatus ?? 200
        })
      )
    const allowed =
      auth === 'none' ||
      (auth === 'bearer' && authorization === 'Bearer T') ||
      (auth === 'basic' &&
        authorization === `Basic ${Buffer.from('AWS:pw').toString('base64')}`)
    if (!allowed)
      return Promise.resolve(
        new Response('', {
          status: 401,
          headers: {
            'www-authenticate':
              auth === 'bearer'
                ? 'Bearer realm="https://auth.example/token",service="reg.example"'
                : 'Basic realm="x"'
          }
        })
      )
    const body = '{"schemaVersion":2}'
    return Promise.resolve(
      new Response(init?.method === 'HEAD' ? null : body, {
        status: 200,
        headers:
          options.digestHeader === false
            ? {}
            : { 'docker-content-digest': DIGEST }
      })
    )
  }
  return { fetch: fetchImpl, calls }
}

describe('resolveDigest', () => {
  it('uses the digest an image is pinned to without asking', async () => {
    const { fetch, calls } = registry('none')
    expect(await resolveDigest(`alpine@${DIGEST}`, OWN, fetch)).toEqual({
      kind: 'digest',
      digest: DIGEST
    })
    expect(calls).toEqual([])
  })

  it('asks for an anonymous token when the registry wants one', async () => {
    const { fetch, calls } = registry('bearer')
    expect(
      await resolveDigest('reg.example/lambda/dotnet:8', undefined, fetch)
    ).toEqual({ kind: 'digest', digest: DIGEST })
    expect(calls.map(c => [c.method, c.url, c.authorization])).toEqual([
      ['HEAD', 'https://reg.example/v2/lambda/dotnet/manifests/8', undefined],
      [
        'GET',
        'https://auth.example/token?service=reg.example&scope=repository%3Alambda%2Fdotnet%3Apull',
        undefined
      ],
      ['HEAD', 'https://reg.example/v2/lambda/dotnet/manifests/8', 'Bearer T']
    ])
  })

  it("logs in to the action's own ECR registry with its credentials", async () => {
    const { fetch } = registry('basic')
    expect(
      await resolveDigest(
        '123456789012.dkr.ecr.us-east-1.amazonaws.com/base:1',
        OWN,
        fetch
      )
    ).toEqual({ kind: 'digest', digest: DIGEST })
  })

  it('does not send ECR credentials to another registry', async () => {
    const { fetch, calls } = registry('basic')
    expect(await resolveDigest('other.example/base:1', OWN, fetch)).toEqual({
      kind: 'failed',
      reason: 'other.example needs a login this action does not have'
    })
    expect(calls.every(c => c.authorization === undefined)).toBe(true)
  })

  it('hashes the manifest when the registry sends no digest header', async () => {
    const { fetch } = registry('none', { digestHeader: false })
    const result = await resolveDigest('reg.example/a:1', undefined, fetch)
    expect(result).toEqual({
      kind: 'digest',
      digest:
        'sha256:' +
        (await import('node:crypto'))
          .createHash('sha256')
          .update('{"schemaVersion":2}')
          .digest('hex')
    })
  })

  it.each<[string, Fetch]>([
    [
      'a private image (token refused)',
      registry('bearer', { tokenStatus: 403 }).fetch
    ],
    ['a network error', () => Promise.reject(new Error('ECONNREFUSED'))],
    ['a missing tag', () => Promise.resolve(new Response('', { status: 404 }))]
  ])('fails, not throws, on %s', async (_what, fetchImpl) => {
    const result = await resolveDigest('reg.example/a:1', undefined, fetchImpl)
    expect(result.kind).toBe('failed')
  })
})

describe('resolveDigest: a registry whose answer never ends', () => {
  let server: http.Server | undefined
  afterEach(async () => {
    server?.closeAllConnections()
    await new Promise(resolve => server?.close(resolve))
    server = undefined
  })

  /**
   * A loopback registry: HEAD answers without a digest header (or 401 with
   * a token realm on the same server), then GET of the manifest or of the
   * token streams zeros for as long as anyone reads. Counts what it sent.
   */
  async function endless(what: 'manifest' | 'token'): Promise<{
    host: string
    sent: () => number
    closed: Promise<void>
  }> {
    let sent = 0
    let closed!: () => void
    const closedPromise = new Promise<void>(resolve => (closed = resolve))
    const chunk = Buffer.alloc(64 * 1024)
    const stream = (response: http.ServerResponse): void => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.on('close', closed)
      const more = (): void => {
        while (!response.destroyed && response.write(chunk))
          sent += chunk.length
        if (!response.destroyed) {
          sent += chunk.length
          response.once('drain', more)
        }
      }
      more()
    }
    server = http.createServer((request, response) => {
      const host = request.headers.host ?? ''
      if (request.url?.startsWith('/token')) return stream(response)
      if (what === 'token' && request.headers.authorization === undefined) {
        response.writeHead(401, {
          'www-authenticate': `Bearer realm="http://${host}/token",service="x"`
        })
        return response.end()
      }
      if (request.method === 'HEAD') return response.writeHead(200).end()
      stream(response)
    })
    await new Promise<void>(resolve => server?.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return {
      host: `127.0.0.1:${port}`,
      sent: () => sent,
      closed: closedPromise
    }
  }

  it.each([
    [
      'manifest' as const,
      /the registry sent more than 4 MiB for the manifest of 127\.0\.0\.1:\d+\/base:1; a manifest is far smaller/
    ],
    [
      'token' as const,
      /127\.0\.0\.1:\d+'s token service sent more than 1 MiB; it was not read further/
    ]
  ])(
    'stops reading the %s at its limit and hangs up',
    async (what, reason) => {
      const registryServer = await endless(what)

      const result = await resolveDigest(
        `${registryServer.host}/base:1`,
        undefined,
        httpFetch
      )

      expect(result).toEqual({
        kind: 'failed',
        reason: expect.stringMatching(reason)
      })
      await registryServer.closed
      // Read up to the limit, plus what was in flight: nowhere near endless.
      expect(registryServer.sent()).toBeLessThan(16 * 1024 * 1024)
    },
    5_000
  )
})
