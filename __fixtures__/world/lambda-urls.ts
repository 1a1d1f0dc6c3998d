/**
 * The world's Lambda Function URL and resource policy calls: a URL on
 * $LATEST or an alias with its auth type, and the permissions (the two
 * public ones included) that decide whether anyone may call it.
 */
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  RemovePermissionCommand,
  UpdateFunctionUrlConfigCommand,
  type AddPermissionCommandInput,
  type CreateFunctionUrlConfigCommandInput,
  type FunctionUrlAuthType,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import type { AwsClientStub } from 'aws-sdk-client-mock'
import type { Handle } from './calls.js'
import { conflict, notFound } from './lambda-errors.js'
import type { FakeFunction, FakeUrl } from './lambda-function.js'
import { functionUrlOf } from './names.js'

const urlConfig = (f: FakeFunction, url: FakeUrl) => ({
  FunctionUrl: url.address ?? functionUrlOf(f.name),
  FunctionArn:
    url.qualifier === undefined ? f.arn : `${f.arn}:${url.qualifier}`,
  AuthType: url.authType ?? 'NONE',
  ...(url.invokeMode !== undefined && { InvokeMode: url.invokeMode }),
  CreationTime: '2024-03-01T12:00:00.000Z',
  LastModifiedTime: '2024-03-01T12:00:00.000Z'
})

/** Answer the URL and permission calls on `stub`. */
export function lambdaUrls(
  stub: AwsClientStub<LambdaClient>,
  target: (name: string | undefined) => { fn: FakeFunction },
  handle: Handle
): void {
  stub
    .on(GetFunctionUrlConfigCommand)
    .callsFake(
      handle(
        'lambda:GetFunctionUrlConfig',
        (input: { FunctionName?: string; Qualifier?: string }) => {
          const { fn: f } = target(input.FunctionName)
          if (f.url === undefined || f.url.qualifier !== input.Qualifier)
            throw notFound('The resource you requested does not exist.')
          return urlConfig(f, f.url)
        }
      )
    )
    .on(CreateFunctionUrlConfigCommand)
    .callsFake(
      handle(
        'lambda:CreateFunctionUrlConfig',
        (input: CreateFunctionUrlConfigCommandInput) => {
          const { fn: f } = target(input.FunctionName)
          if (f.url !== undefined)
            throw conflict(
              `FunctionUrlConfig exists for this Lambda function: ${f.arn}`
            )
          f.url = {
            qualifier: input.Qualifier,
            ...(input.AuthType !== undefined && { authType: input.AuthType })
          }
          return urlConfig(f, f.url)
        }
      )
    )
    .on(DeleteFunctionUrlConfigCommand)
    .callsFake(
      handle(
        'lambda:DeleteFunctionUrlConfig',
        (input: { FunctionName?: string }) => {
          const { fn: f } = target(input.FunctionName)
          if (f.url === undefined)
            throw notFound('The resource you requested does not exist.')
          f.url = undefined
          return {}
        }
      )
    )
    .on(GetPolicyCommand)
    .callsFake(
      handle('lambda:GetPolicy', (input: { FunctionName?: string }) => {
        const { fn: f } = target(input.FunctionName)
        if (f.permissions.length === 0)
          throw notFound('The resource you requested does not exist.')
        return { Policy: f.policyText(), RevisionId: 'policy-1' }
      })
    )
    .on(AddPermissionCommand)
    .callsFake(
      handle('lambda:AddPermission', (input: AddPermissionCommandInput) => {
        const { fn: f } = target(input.FunctionName)
        if (f.permissions.some(p => p.StatementId === input.StatementId))
          throw conflict(
            `The statement id (${input.StatementId ?? ''}) provided already exists. Please provide a new statement id, or remove the existing statement.`
          )
        f.permissions.push({ ...input })
        return {
          Statement: JSON.stringify({
            Sid: input.StatementId,
            Effect: 'Allow',
            Principal: input.Principal,
            Action: input.Action,
            Resource: f.arn
          })
        }
      })
    )
    .on(UpdateFunctionUrlConfigCommand)
    .callsFake(
      handle(
        'lambda:UpdateFunctionUrlConfig',
        (input: { FunctionName?: string; AuthType?: FunctionUrlAuthType }) => {
          const { fn: f } = target(input.FunctionName)
          if (f.url === undefined)
            throw notFound('The resource you requested does not exist.')
          if (input.AuthType !== undefined) f.url.authType = input.AuthType
          return urlConfig(f, f.url)
        }
      )
    )
    .on(RemovePermissionCommand)
    .callsFake(
      handle(
        'lambda:RemovePermission',
        (input: { FunctionName?: string; StatementId?: string }) => {
          const { fn: f } = target(input.FunctionName)
          const at = f.permissions.findIndex(
            p => p.StatementId === input.StatementId
          )
          if (at < 0)
            throw notFound('The resource you requested does not exist.')
          f.permissions.splice(at, 1)
          return {}
        }
      )
    )
}
