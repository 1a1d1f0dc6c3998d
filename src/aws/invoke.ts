/**
 * A synchronous Invoke of a version or alias (Lambda API reference, Invoke,
 * InvocationType RequestResponse).
 */
import {
  InvokeCommand,
  type InvokeCommandOutput,
  type LambdaClient
} from '@aws-sdk/client-lambda'

/**
 * One Invoke with a JSON event. Its errors come back as the SDK threw them,
 * not through awsCall: the Invoke check decides for each attempt whether
 * an error is retried, fails the check or stops the run
 * (invokeErrorAction in checks/invoke.ts), and names lambda:InvokeFunction
 * itself.
 */
export async function invokeRequestResponse(
  lambda: LambdaClient,
  request: { functionName: string; qualifier: string; payload: string },
  abortSignal: AbortSignal
): Promise<InvokeCommandOutput> {
  return lambda.send(
    new InvokeCommand({
      FunctionName: request.functionName,
      Qualifier: request.qualifier,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(request.payload)
    }),
    { abortSignal }
  )
}
