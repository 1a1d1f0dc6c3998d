import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ResourceConflictException,
  ResourceNotFoundException
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { ensureFunctionUrl } from '../../src/preview/url.js'

const lambdaMock = mockClient(LambdaClient)
const lambda = new LambdaClient({ region: 'eu-west-1' })

const PREVIEW = 'my-api-pr-7'
const PREVIEW_ARN = `arn:aws:lambda:eu-west-1:123456789012:function:${PREVIEW}`

/** An AWS SDK error as the client throws it. */
function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status }
  })
}

beforeEach(() => {
  lambdaMock.reset()
})

describe('ensureFunctionUrl', () => {
  const FUNCTION_URL = 'https://abcdefghij.lambda-url.eu-west-1.on.aws/'
  const noUrl = () =>
    new ResourceNotFoundException({
      message: 'The resource you requested does not exist.',
      $metadata: { httpStatusCode: 404 }
    })

  function noUrlYet(): void {
    lambdaMock.on(GetFunctionUrlConfigCommand).rejects(noUrl())
    lambdaMock
      .on(CreateFunctionUrlConfigCommand)
      .callsFake((input: { AuthType?: string }) =>
        Promise.resolve({
          FunctionUrl: FUNCTION_URL,
          FunctionArn: PREVIEW_ARN,
          AuthType: input.AuthType,
          CreationTime: '2024-03-02T09:30:00.000Z'
        })
      )
    lambdaMock.on(AddPermissionCommand).resolves({ Statement: '{}' })
  }

  const created = () =>
    lambdaMock
      .commandCalls(CreateFunctionUrlConfigCommand)
      .map(call => call.args[0].input)
  const permissions = () =>
    lambdaMock
      .commandCalls(AddPermissionCommand)
      .map(call => call.args[0].input)

  it('AuthType NONE: creates a public URL and the permission that lets anyone call it', async () => {
    noUrlYet()
    const log: string[] = []

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'NONE', m => log.push(m))
    ).resolves.toBe(FUNCTION_URL)

    expect(created()).toEqual([{ FunctionName: PREVIEW, AuthType: 'NONE' }])
    expect(permissions()).toEqual([
      {
        FunctionName: PREVIEW,
        StatementId: 'FunctionURLAllowPublicAccess',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE'
      }
    ])
    expect(log).toEqual([
      `Created the Function URL ${FUNCTION_URL} (AuthType NONE).`
    ])
  })

  it('AuthType AWS_IAM: creates a URL for signed requests only, with no public permission', async () => {
    noUrlYet()

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'AWS_IAM', () => undefined)
    ).resolves.toBe(FUNCTION_URL)

    expect(created()).toEqual([{ FunctionName: PREVIEW, AuthType: 'AWS_IAM' }])
    expect(permissions()).toEqual([])
  })

  it('reuses an existing URL as it is: no new URL, no permission', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: FUNCTION_URL,
      FunctionArn: PREVIEW_ARN,
      AuthType: 'NONE'
    })
    const log: string[] = []

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'NONE', m => log.push(m))
    ).resolves.toBe(FUNCTION_URL)

    expect(
      lambdaMock
        .commandCalls(GetFunctionUrlConfigCommand)
        .map(call => call.args[0].input)
    ).toEqual([{ FunctionName: PREVIEW }])
    expect(created()).toEqual([])
    expect(permissions()).toEqual([])
    expect(log).toEqual([])
  })

  it('keeps the auth type of an existing URL, and says preview-url-auth applies only to a new one', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: FUNCTION_URL,
      AuthType: 'NONE'
    })
    const log: string[] = []

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'AWS_IAM', m => log.push(m))
    ).resolves.toBe(FUNCTION_URL)

    expect(created()).toEqual([])
    expect(log).toEqual([
      `The Function URL of ${PREVIEW} keeps its AuthType NONE; preview-url-auth (AWS_IAM) applies when the URL is created.`
    ])
  })

  it('accepts a public statement that is already there (a URL deleted and made again)', async () => {
    noUrlYet()
    lambdaMock.on(AddPermissionCommand).rejects(
      new ResourceConflictException({
        message:
          'The statement id (FunctionURLAllowPublicAccess) provided already exists.',
        $metadata: { httpStatusCode: 409 }
      })
    )

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'NONE', () => undefined)
    ).resolves.toBe(FUNCTION_URL)
    expect(permissions()).toHaveLength(1)
  })

  it('fails when the public permission cannot be added: the URL would answer 403', async () => {
    noUrlYet()
    lambdaMock
      .on(AddPermissionCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'not authorized to perform: lambda:AddPermission',
          403
        )
      )

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'NONE', () => undefined)
    ).rejects.toThrow(/lambda:AddPermission/)
  })

  it('fails on a look-up error other than no URL, creating nothing', async () => {
    lambdaMock
      .on(GetFunctionUrlConfigCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'not authorized to perform: lambda:GetFunctionUrlConfig',
          403
        )
      )

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'NONE', () => undefined)
    ).rejects.toThrow(/lambda:GetFunctionUrlConfig/)
    expect(created()).toEqual([])
  })
})
