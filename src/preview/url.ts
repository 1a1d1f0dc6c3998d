/** The preview's Function URL, and the permission a public one needs. */
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import { DeployError, awsErrorName, describeAwsError } from '../util/errors.js'
import type { UrlAuthType } from '../inputs/types.js'

/**
 * The preview's Function URL, created when missing. An AuthType NONE URL
 * also needs the public lambda:InvokeFunctionUrl permission, or every
 * request gets 403.
 */
export async function ensureFunctionUrl(
  lambda: LambdaClient,
  functionName: string,
  authType: UrlAuthType,
  log: (message: string) => void
): Promise<string> {
  try {
    const existing = await lambda.send(
      new GetFunctionUrlConfigCommand({ FunctionName: functionName })
    )
    if (existing.FunctionUrl !== undefined) {
      if (existing.AuthType !== authType) {
        log(
          `The Function URL of ${functionName} keeps its AuthType ${existing.AuthType ?? '?'}; preview-url-auth (${authType}) applies when the URL is created.`
        )
      }
      return existing.FunctionUrl
    }
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceNotFoundException') {
      throw new DeployError(
        describeAwsError('lambda:GetFunctionUrlConfig', error)
      )
    }
  }
  let url: string | undefined
  try {
    const created = await lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: functionName,
        AuthType: authType
      })
    )
    url = created.FunctionUrl
  } catch (error) {
    throw new DeployError(
      describeAwsError('lambda:CreateFunctionUrlConfig', error)
    )
  }
  if (url === undefined) {
    throw new DeployError(
      `Lambda returned no Function URL for ${functionName}.`
    )
  }
  if (authType === 'NONE') {
    try {
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: functionName,
          StatementId: 'FunctionURLAllowPublicAccess',
          Action: 'lambda:InvokeFunctionUrl',
          Principal: '*',
          FunctionUrlAuthType: 'NONE'
        })
      )
    } catch (error) {
      // The statement is there already (a URL deleted and made again).
      if (awsErrorName(error) !== 'ResourceConflictException') {
        throw new DeployError(describeAwsError('lambda:AddPermission', error))
      }
    }
  }
  log(`Created the Function URL ${url} (AuthType ${authType}).`)
  return url
}
