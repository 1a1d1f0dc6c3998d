import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  RemovePermissionCommand,
  UpdateFunctionUrlConfigCommand,
  LambdaClient,
  ResourceConflictException,
  ResourceNotFoundException
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { ensureFunctionUrl, publicUrlGrants } from '../../src/preview/url.js'

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
    lambdaMock.on(GetPolicyCommand).rejects(noPolicy())
    lambdaMock.on(AddPermissionCommand).resolves({ Statement: '{}' })
  }

  const noPolicy = () =>
    new ResourceNotFoundException({
      message: 'The resource you requested does not exist.',
      $metadata: { httpStatusCode: 404 }
    })

  /** A policy as GetPolicy returns it, with AWS's Condition blocks. */
  function policyOf(...statements: object[]): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Id: 'default',
      Statement: statements
    })
  }
  const URL_STATEMENT = {
    Sid: 'FunctionURLAllowPublicAccess',
    Effect: 'Allow',
    Principal: '*',
    Action: 'lambda:InvokeFunctionUrl',
    Resource: PREVIEW_ARN,
    Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } }
  }
  const INVOKE_STATEMENT = {
    Sid: 'FunctionURLAllowInvokeAction',
    Effect: 'Allow',
    Principal: '*',
    Action: 'lambda:InvokeFunction',
    Resource: PREVIEW_ARN,
    Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } }
  }
  const BOTH_ADDED = [
    {
      FunctionName: PREVIEW,
      StatementId: 'FunctionURLAllowPublicAccess',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE'
    },
    {
      FunctionName: PREVIEW,
      StatementId: 'FunctionURLAllowInvokeAction',
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true
    }
  ]

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
    // Since October 2025 a public URL needs both statements, or it answers 403.
    expect(permissions()).toEqual(BOTH_ADDED)
    expect(log).toEqual([
      `Added the public Function URL permissions lambda:InvokeFunctionUrl (FunctionURLAllowPublicAccess) and lambda:InvokeFunction (FunctionURLAllowInvokeAction) to ${PREVIEW}.`,
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
    expect(lambdaMock.commandCalls(GetPolicyCommand)).toEqual([])
  })

  it('reuses an existing public URL whose policy has both statements: no new URL, no permission', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: FUNCTION_URL,
      FunctionArn: PREVIEW_ARN,
      AuthType: 'NONE'
    })
    lambdaMock
      .on(GetPolicyCommand)
      .resolves({ Policy: policyOf(URL_STATEMENT, INVOKE_STATEMENT) })
    const log: string[] = []

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'NONE', m => log.push(m))
    ).resolves.toBe(FUNCTION_URL)

    expect(
      lambdaMock
        .commandCalls(GetFunctionUrlConfigCommand)
        .map(call => call.args[0].input)
    ).toEqual([{ FunctionName: PREVIEW }])
    expect(
      lambdaMock.commandCalls(GetPolicyCommand).map(call => call.args[0].input)
    ).toEqual([{ FunctionName: PREVIEW }])
    expect(created()).toEqual([])
    expect(permissions()).toEqual([])
    expect(log).toEqual([])
  })

  it('repairs an existing public URL made under the old rule: adds only the missing InvokeFunction statement', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: FUNCTION_URL,
      AuthType: 'NONE'
    })
    lambdaMock
      .on(GetPolicyCommand)
      .resolves({ Policy: policyOf(URL_STATEMENT) })
    lambdaMock.on(AddPermissionCommand).resolves({ Statement: '{}' })
    const log: string[] = []

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'NONE', m => log.push(m))
    ).resolves.toBe(FUNCTION_URL)

    expect(created()).toEqual([])
    expect(permissions()).toEqual([BOTH_ADDED[1]])
    expect(log).toEqual([
      `Added the public Function URL permission lambda:InvokeFunction (FunctionURLAllowInvokeAction) to ${PREVIEW}.`
    ])
  })

  it('repairs an existing public URL with no policy at all: adds both statements', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: FUNCTION_URL,
      AuthType: 'NONE'
    })
    lambdaMock.on(GetPolicyCommand).rejects(noPolicy())
    lambdaMock.on(AddPermissionCommand).resolves({ Statement: '{}' })

    await ensureFunctionUrl(lambda, PREVIEW, 'NONE', () => undefined)

    expect(permissions()).toEqual(BOTH_ADDED)
  })

  it('leaves the policy of an existing AWS_IAM URL alone', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: FUNCTION_URL,
      AuthType: 'AWS_IAM'
    })

    await ensureFunctionUrl(lambda, PREVIEW, 'AWS_IAM', () => undefined)

    expect(lambdaMock.commandCalls(GetPolicyCommand)).toEqual([])
    expect(permissions()).toEqual([])
  })

  it('fails when the policy cannot be read, adding nothing', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: FUNCTION_URL,
      AuthType: 'NONE'
    })
    lambdaMock
      .on(GetPolicyCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'not authorized to perform: lambda:GetPolicy',
          403
        )
      )

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'NONE', () => undefined)
    ).rejects.toThrow(/lambda:GetPolicy/)
    expect(permissions()).toEqual([])
  })

  it('changes a public URL an older version made to preview-url-auth AWS_IAM, and removes both public statements', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: FUNCTION_URL,
      AuthType: 'NONE'
    })
    lambdaMock.on(UpdateFunctionUrlConfigCommand).resolves({})
    lambdaMock.on(RemovePermissionCommand).resolves({})
    const log: string[] = []

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'AWS_IAM', m => log.push(m))
    ).resolves.toBe(FUNCTION_URL)

    expect(created()).toEqual([])
    expect(
      lambdaMock
        .commandCalls(UpdateFunctionUrlConfigCommand)
        .map(call => call.args[0].input)
    ).toEqual([{ FunctionName: PREVIEW, AuthType: 'AWS_IAM' }])
    expect(
      lambdaMock
        .commandCalls(RemovePermissionCommand)
        .map(call => call.args[0].input)
    ).toEqual([
      { FunctionName: PREVIEW, StatementId: 'FunctionURLAllowPublicAccess' },
      { FunctionName: PREVIEW, StatementId: 'FunctionURLAllowInvokeAction' }
    ])
    expect(permissions()).toEqual([])
    expect(log[0]).toBe(
      "Changed the Function URL's AuthType from NONE to AWS_IAM (preview-url-auth)."
    )
  })

  it('accepts a statement a concurrent run added between the read and the add', async () => {
    noUrlYet()
    lambdaMock
      .on(GetPolicyCommand)
      .rejectsOnce(noPolicy())
      .resolves({ Policy: policyOf(URL_STATEMENT, INVOKE_STATEMENT) })
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
    expect(permissions()).toHaveLength(2)
  })

  it('fails when a statement id is taken by a statement that does not grant the public call', async () => {
    noUrlYet()
    const narrow = {
      ...INVOKE_STATEMENT,
      Principal: { AWS: 'arn:aws:iam::123456789012:root' }
    }
    lambdaMock
      .on(GetPolicyCommand)
      .resolves({ Policy: policyOf(URL_STATEMENT, narrow) })
    lambdaMock.on(AddPermissionCommand).rejects(
      new ResourceConflictException({
        message:
          'The statement id (FunctionURLAllowInvokeAction) provided already exists.',
        $metadata: { httpStatusCode: 409 }
      })
    )

    await expect(
      ensureFunctionUrl(lambda, PREVIEW, 'NONE', () => undefined)
    ).rejects.toThrow(
      /statement FunctionURLAllowInvokeAction that does not grant lambda:InvokeFunction/
    )
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

describe('publicUrlGrants', () => {
  it('reads the statements as AWS writes them (Condition blocks) and as the stand-in keeps them (raw fields)', () => {
    const aws = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'lambda:InvokeFunctionUrl',
          Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } }
        },
        {
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'lambda:InvokeFunction',
          Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } }
        }
      ]
    })
    const raw = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'lambda:InvokeFunctionUrl',
          FunctionUrlAuthType: 'NONE'
        },
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'lambda:InvokeFunction',
          InvokedViaFunctionUrl: true
        }
      ]
    })
    const both = { invokeFunctionUrl: true, invokeFunction: true }
    expect(publicUrlGrants(aws)).toEqual(both)
    expect(publicUrlGrants(raw)).toEqual(both)
  })

  it('does not count statements for other principals, Deny statements, or an AWS_IAM URL grant', () => {
    const policy = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: 'lambda:InvokeFunction'
        },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 'lambda:InvokeFunction'
        },
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'lambda:InvokeFunctionUrl',
          Condition: {
            StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' }
          }
        },
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'lambda:InvokeFunction',
          Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:execute-api:*' } }
        }
      ]
    })
    expect(publicUrlGrants(policy)).toEqual({
      invokeFunctionUrl: false,
      invokeFunction: false
    })
    expect(publicUrlGrants(undefined)).toEqual({
      invokeFunctionUrl: false,
      invokeFunction: false
    })
    expect(publicUrlGrants('not json')).toEqual({
      invokeFunctionUrl: false,
      invokeFunction: false
    })
  })
})
