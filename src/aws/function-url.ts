/**
 * A function's Function URL, as the checks and previews read it (Lambda API
 * reference, GetFunctionUrlConfig).
 */
import {
  GetFunctionUrlConfigCommand,
  type AddPermissionCommandInput,
  type GetFunctionUrlConfigCommandOutput,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import { absent, awsCall } from './call.js'

/** The function's (or the qualifier's) Function URL configuration; undefined when it has none. */
export async function getFunctionUrl(
  lambda: LambdaClient,
  functionName: string,
  qualifier?: string
): Promise<GetFunctionUrlConfigCommandOutput | undefined> {
  return awsCall(
    'lambda:GetFunctionUrlConfig',
    () =>
      lambda.send(
        new GetFunctionUrlConfigCommand({
          FunctionName: functionName,
          ...(qualifier !== undefined && { Qualifier: qualifier })
        })
      ),
    { ResourceNotFoundException: absent }
  )
}

/**
 * The two statements Lambda needs before anyone may call an AuthType NONE
 * URL. Since October 2025 a URL needs both lambda:InvokeFunctionUrl and
 * lambda:InvokeFunction (the latter only through the URL); with only the
 * first, every request gets 403. The statement ids are the ones the console
 * uses, so a URL made there is recognised as complete.
 */
export const PUBLIC_URL_STATEMENTS = {
  invokeFunctionUrl: {
    StatementId: 'FunctionURLAllowPublicAccess',
    Action: 'lambda:InvokeFunctionUrl',
    Principal: '*',
    FunctionUrlAuthType: 'NONE'
  },
  invokeFunction: {
    StatementId: 'FunctionURLAllowInvokeAction',
    Action: 'lambda:InvokeFunction',
    Principal: '*',
    InvokedViaFunctionUrl: true
  }
} as const satisfies Record<
  string,
  Omit<AddPermissionCommandInput, 'FunctionName'>
>

/**
 * Lambda's answer when a Function URL's authorization refuses a request:
 * 403 with a message that points at urls-auth (an AuthType NONE URL whose
 * function policy lacks one of the two statements above, or an unsigned
 * request to an AWS_IAM URL).
 */
export function refusedByUrlAuth(status: number, body: string): boolean {
  return (
    status === 403 && /Function URL authorization|urls-auth\.html/.test(body)
  )
}

/**
 * What to tell a user whose public Function URL answered that 403: both
 * permissions, and the commands that add them (`qualifier`: the alias the
 * URL belongs to). AWS: "Control access to Lambda function URLs"
 * (urls-auth); since October 2025 new URLs need both, and since
 * 2026-11-01 every URL does.
 */
export function urlPermissionHint(
  functionName: string,
  qualifier: string | undefined
): string {
  const on = qualifier === undefined ? '' : ` --qualifier ${qualifier}`
  const { invokeFunctionUrl, invokeFunction } = PUBLIC_URL_STATEMENTS
  return (
    `The Function URL refused the request (403 Forbidden): a public (AuthType NONE) URL needs its function's resource-based policy to allow both ${invokeFunctionUrl.Action} and ${invokeFunction.Action} to everyone (the second only through the URL) — required for new URLs since October 2025 and for every URL since 2026-11-01. ` +
    `Add the one that is missing (aws lambda get-policy --function-name ${functionName}${on} shows which): ` +
    `aws lambda add-permission --function-name ${functionName}${on} --statement-id ${invokeFunctionUrl.StatementId} --action ${invokeFunctionUrl.Action} --principal '*' --function-url-auth-type NONE; ` +
    `aws lambda add-permission --function-name ${functionName}${on} --statement-id ${invokeFunction.StatementId} --action ${invokeFunction.Action} --principal '*' --invoked-via-function-url. ` +
    'See https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html.'
  )
}
