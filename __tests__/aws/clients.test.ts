import { describe, expect, it, jest } from '@jest/globals'

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

const { createClients, createLogsClient } =
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
        maxAttempts: 4
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
    clients.apigateway.destroy()
  })
})
