/**
 * The SDK's requests behind a proxy, for real on loopback: an SDK client made
 * by clients.ts sends through a recording proxy (or past it, per NO_PROXY).
 */
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import {
  selfSignedCertificate,
  startRecordingProxy,
  startServer,
  type RecordingProxy,
  type TestServer
} from '../../__fixtures__/http-proxy.js'
import { HTTP_LIMITS, clientConfig } from '../../src/aws/clients.js'
import { ForwardingAgent, TunnelingAgent } from '../../src/net/agents.js'
import { proxySettings, type ProxyEnv } from '../../src/net/proxy.js'

const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }
const ACCOUNT =
  '{"AccountLimit":{"CodeSizeUnzipped":262144000},"AccountUsage":{}}'
const PATH = '/2016-08-19/account-settings'

let open: { close: () => Promise<void> }[] = []
const clients: LambdaClient[] = []
async function started<T extends { close: () => Promise<void> }>(
  thing: Promise<T>
): Promise<T> {
  const value = await thing
  open.push(value)
  return value
}
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await Promise.all(open.map(thing => thing.close()))
  open = []
})

function lambdaVia(env: ProxyEnv, endpoint: string): LambdaClient {
  const client = new LambdaClient({
    ...clientConfig('eu-west-1', HTTP_LIMITS, env),
    endpoint,
    credentials: CREDENTIALS,
    maxAttempts: 1
  })
  clients.push(client)
  return client
}

/** The message a call that must fail fails with. */
async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call
  } catch (error) {
    return error instanceof Error ? error.message : JSON.stringify(error)
  }
  throw new Error('the call succeeded')
}

const basic = (userPass: string): string =>
  `Basic ${Buffer.from(userPass).toString('base64')}`

describe('clientConfig', () => {
  it('without a proxy variable: no agents of its own, the SDK makes them as ever', () => {
    expect(clientConfig('eu-west-1', HTTP_LIMITS, { NO_PROXY: '*' })).toEqual({
      region: 'eu-west-1',
      customUserAgent: [['aspnet-lambda-deploy', '1']],
      maxAttempts: 4,
      requestHandler: { ...HTTP_LIMITS }
    })
  })

  it('with HTTPS_PROXY: proxy agents for both schemes, the limits kept', () => {
    const { requestHandler } = clientConfig('eu-west-1', HTTP_LIMITS, {
      HTTPS_PROXY: 'http://proxy.corp:3128'
    })
    expect(requestHandler).toMatchObject(HTTP_LIMITS)
    expect(requestHandler.httpsAgent).toBeInstanceOf(TunnelingAgent)
    expect(requestHandler.httpAgent).toBeInstanceOf(ForwardingAgent)
  })

  it('refuses a proxy it cannot use, naming the variable', () => {
    expect(() =>
      clientConfig('eu-west-1', HTTP_LIMITS, { HTTPS_PROXY: 'socks5://p:1' })
    ).toThrow(/HTTPS_PROXY uses socks5/)
  })
})

describe('an http endpoint (AWS_ENDPOINT_URL of a stand-in)', () => {
  let proxy: RecordingProxy
  let lambda: TestServer

  it('is forwarded through HTTP_PROXY in absolute form, with the credentials', async () => {
    proxy = await started(
      startRecordingProxy({ requireAuthorization: basic('ci:p@ss') })
    )
    lambda = await started(startServer(ACCOUNT))
    const proxyUrl = proxy.url.replace('//', '//ci:p%40ss@')

    const answer = await lambdaVia(
      { HTTP_PROXY: proxyUrl },
      `http://127.0.0.1:${lambda.port}`
    ).send(new GetAccountSettingsCommand({}))

    expect(answer.AccountLimit?.CodeSizeUnzipped).toBe(262144000)
    expect(proxy.requests).toEqual([
      `GET http://127.0.0.1:${lambda.port}${PATH}`
    ])
    expect(proxy.authorizations).toEqual([basic('ci:p@ss')])
    expect(lambda.requests).toEqual([`GET ${PATH}`])
  })

  it('goes directly when NO_PROXY names the host (loopback is not skipped by itself)', async () => {
    proxy = await started(startRecordingProxy())
    lambda = await started(startServer(ACCOUNT))
    const endpoint = `http://127.0.0.1:${lambda.port}`

    await lambdaVia(
      { HTTP_PROXY: proxy.url, NO_PROXY: 'example.com,127.0.0.1' },
      endpoint
    ).send(new GetAccountSettingsCommand({}))
    expect(proxy.requests).toEqual([])
    expect(lambda.requests).toEqual([`GET ${PATH}`])

    // The same call without NO_PROXY does reach the proxy.
    await lambdaVia({ HTTP_PROXY: proxy.url }, endpoint).send(
      new GetAccountSettingsCommand({})
    )
    expect(proxy.requests).toEqual([`GET ${endpoint}${PATH}`])
  })

  it('HTTPS_PROXY alone leaves http endpoints direct', async () => {
    proxy = await started(startRecordingProxy())
    lambda = await started(startServer(ACCOUNT))

    await lambdaVia(
      { HTTPS_PROXY: proxy.url },
      `http://127.0.0.1:${lambda.port}`
    ).send(new GetAccountSettingsCommand({}))

    expect(proxy.requests).toEqual([])
    expect(lambda.requests).toEqual([`GET ${PATH}`])
  })
})

describe('an https endpoint', () => {
  let tls: { key: string; cert: string }
  beforeAll(() => {
    tls = selfSignedCertificate()
  })

  it('goes through a CONNECT tunnel, and TLS is end to end with the endpoint', async () => {
    const proxy = await started(
      startRecordingProxy({ requireAuthorization: basic('ci:pw') })
    )
    const lambda = await started(startServer(ACCOUNT, tls))
    const settings = proxySettings({
      HTTPS_PROXY: proxy.url.replace('//', '//ci:pw@')
    })
    if (settings === undefined) throw new Error('no settings')
    const client = new LambdaClient({
      region: 'eu-west-1',
      endpoint: `https://127.0.0.1:${lambda.port}`,
      credentials: CREDENTIALS,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        httpsAgent: new TunnelingAgent(settings, 5000, { ca: tls.cert })
      })
    })
    clients.push(client)

    const answer = await client.send(new GetAccountSettingsCommand({}))

    expect(answer.AccountLimit?.CodeSizeUnzipped).toBe(262144000)
    expect(proxy.requests).toEqual([`CONNECT 127.0.0.1:${lambda.port}`])
    expect(proxy.authorizations).toEqual([basic('ci:pw')])
    // The endpoint saw the request itself: the proxy only carried bytes.
    expect(lambda.requests).toEqual([`GET ${PATH}`])
  })

  it("says which proxy refused the tunnel to AWS's endpoint, without its credentials", async () => {
    const proxy = await started(startRecordingProxy({ refuseConnect: 403 }))
    const client = lambdaVia(
      { HTTPS_PROXY: proxy.url.replace('//', '//ci:hunter2@') },
      'https://lambda.eu-west-1.amazonaws.com'
    )

    const error = await failure(client.send(new GetAccountSettingsCommand({})))

    expect(proxy.requests).toEqual([
      'CONNECT lambda.eu-west-1.amazonaws.com:443'
    ])
    expect(error).toContain(
      `The proxy ${proxy.url} refused a tunnel to lambda.eu-west-1.amazonaws.com:443: HTTP 403 Refused`
    )
    expect(error).not.toContain('hunter2')
  })

  it('a 407 says the proxy wants credentials', async () => {
    const proxy = await started(
      startRecordingProxy({ requireAuthorization: basic('ci:right') })
    )
    const client = lambdaVia(
      { HTTPS_PROXY: proxy.url.replace('//', '//ci:wrong@') },
      'https://lambda.eu-west-1.amazonaws.com'
    )

    const error = await failure(client.send(new GetAccountSettingsCommand({})))

    expect(error).toMatch(
      /HTTP 407 Proxy Authentication Required: the proxy wants credentials/
    )
  })

  it('a proxy that does not answer: a clear error, no hang', async () => {
    const client = lambdaVia(
      { HTTPS_PROXY: 'http://127.0.0.1:9' },
      'https://lambda.eu-west-1.amazonaws.com'
    )
    const error = await failure(client.send(new GetAccountSettingsCommand({})))
    expect(error).toMatch(
      /Could not reach the proxy http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/
    )
  })
})
