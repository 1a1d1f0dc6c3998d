import { describe, expect, it } from '@jest/globals'
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { getFunctionState } from '../../../src/aws/lambda.js'

describe("getFunctionState reads the function's ImageConfig for preflight", () => {
  it.each([
    [undefined, undefined],
    [
      { EntryPoint: ['/app/run'], Command: ['Api'], WorkingDirectory: '/app' },
      { entryPoint: ['/app/run'], command: ['Api'], workingDirectory: '/app' }
    ]
  ])('%j → %j', async (imageConfig, expected) => {
    const lambda = new LambdaClient({ region: 'eu-west-1' })
    mockClient(lambda)
      .on(GetFunctionCommand)
      .resolves({
        Configuration: {
          FunctionName: 'api',
          PackageType: 'Image',
          ...(imageConfig !== undefined && {
            ImageConfigResponse: { ImageConfig: imageConfig }
          })
        }
      })
    expect((await getFunctionState(lambda, 'api')).imageConfig).toEqual(
      expected
    )
  })
})
