import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { DescribeRegistryCommand } from '@aws-sdk/client-ecr'
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { NodeHttpHandler } from '@smithy/node-http-handler'

// Stands in for the logs SDK package, to see when it is loaded and what its
// client is made with.
let logsPackageLoads = 0
const madeWith: unknown[] = []
class FakeLogsClient {
  constructor(config: unknown) {
    madeWith.push(config)
  }
}
jest.unstable_mockModule('@aws-sdk/client-cloudwatch-logs', () => {
  logsPackageLoads++
  return { CloudWatchLogsClient: FakeLogsClient }
})
// The same for the HTTP API (API Gateway v2) SDK package.
let httpApiPackageLoads = 0
const httpApiMadeWith: unknown[] = []
class FakeHttpApiClient {
  constructor(config: unknown) {
    httpApiMadeWith.push(config)
  }
}
jest.unstable_mockModule('@aws-sdk/client-apigatewayv2', () => {
  httpApiPackageLoads++
  return { ApiGatewayV2Client: FakeHttpApiClient }
})

const { HTTP_LIMITS, clientConfig, createClients, createLogsClient } =
  await import('../../src/aws/clients.js')

describe('createLogsClient', () => {
  it('loads the logs SDK only when a logs client is asked for, and makes it as every client is made', async () => {
    const clients = createClients('eu-west-1')
    expect(logsPackageLoads).toBe(0)

    const logs = await createLogsClient('eu-west-1')

    expect(logs).toBeInstanceOf(FakeLogsClient)
    expect(logsPackageLoads).toBe(1)
    // No endpoint: the SDK takes it from AWS_ENDPOINT_URL(_CLOUDWATCH_LOGS).
    expect(madeWith).toEqual([
      {
        region: 'eu-west-1',
        customUserAgent: [['aspnet-lambda-deploy', '1']],
        maxAttempts: 4,
        requestHandler: {
          requestTimeout: 30_000,
          connectionTimeout: 5_000,
          throwOnRequestTimeout: true
        }
      }
    ])
    // The same options as the clients made at start-up.
    expect(await clients.lambda.config.region()).toBe('eu-west-1')
    expect(await clients.lambda.config.maxAttempts()).toBe(4)
    expect(clients.lambda.config.customUserAgent).toEqual([
      ['aspnet-lambda-deploy', '1']
    ])
    clients.lambda.destroy()
    clients.ecr.destroy()
  })
})

describe('the HTTP API client', () => {
  it('is made on first use only, once, as every client is made', async () => {
    const clients = createClients('eu-west-1')
    expect(httpApiPackageLoads).toBe(0)

    const [first, second] = await Promise.all([
      clients.apigateway(),
      clients.apigateway()
    ])

    expect(first).toBeInstanceOf(FakeHttpApiClient)
    expect(second).toBe(first)
    expect(httpApiPackageLoads).toBe(1)
    expect(httpApiMadeWith).toEqual([clientConfig('eu-west-1')])
    clients.lambda.destroy()
    clients.ecr.destroy()
  })
})

describe('request limits', () => {
  const servers: Server[] = []
  afterEach(async () => {
    await Promise.all(
      servers
        .splice(0)
        .map(server => new Promise(resolve => server.close(resolve)))
    )
  })

  /** A local endpoint: `answer` decides what each request gets. */
  async function endpoint(
    answer: (response: ServerResponse) => void
  ): Promise<string> {
    const server = createServer((_request, response) => answer(response))
    servers.push(server)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    return `http://127.0.0.1:${port}`
  }

  const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }

  it('bounds every request and its connection', () => {
    expect(clientConfig('eu-west-1').requestHandler).toEqual({
      requestTimeout: 30_000,
      connectionTimeout: 5_000,
      throwOnRequestTimeout: true
    })
  })

  it('makes the clients with those limits', async () => {
    const url = await endpoint(response => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('{}')
    })
    const saved = { ...process.env }
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey
    })
    const clients = createClients('eu-west-1')
    try {
      await clients.lambda.send(new GetAccountSettingsCommand({}))
      await clients.ecr.send(new DescribeRegistryCommand({}))
      for (const client of [clients.lambda, clients.ecr]) {
        const handler = client.config.requestHandler as NodeHttpHandler
        expect(handler).toBeInstanceOf(NodeHttpHandler)
        expect(handler.httpHandlerConfigs()).toMatchObject(HTTP_LIMITS)
      }
    } finally {
      process.env = saved
      clients.lambda.destroy()
      clients.ecr.destroy()
    }
  })

  it('fails a request that gets no answer in time, instead of waiting for ever', async () => {
    // Accepts the connection and never answers.
    const url = await endpoint(() => undefined)
    const lambda = new LambdaClient({
      ...clientConfig('eu-west-1', { ...HTTP_LIMITS, requestTimeout: 200 }),
      maxAttempts: 1,
      endpoint: url,
      credentials: CREDENTIALS
    })
    const started = Date.now()
    try {
      await expect(
        lambda.send(new GetAccountSettingsCommand({}))
      ).rejects.toMatchObject({ name: 'TimeoutError' })
      expect(Date.now() - started).toBeLessThan(3_000)
    } finally {
      lambda.destroy()
    }
  })
})
