/**
 * A function's Function URL, as the checks and previews read it (Lambda API
 * reference, GetFunctionUrlConfig).
 */
import {
  GetFunctionUrlConfigCommand,
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
