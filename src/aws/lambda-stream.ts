/**
 * InvokeWithResponseStream: a direct call of a function that streams its
 * response (a Function URL with InvokeMode RESPONSE_STREAM; an ASP.NET Core
 * app with Hosting 2.x `EnableResponseStreaming`).
 *
 * AWS Lambda API reference, InvokeWithResponseStream
 * (https://docs.aws.amazon.com/lambda/latest/api/API_InvokeWithResponseStream.html):
 * POST /2021-11-15/functions/<name>/response-streaming-invocations?Qualifier=,
 * needs the permission lambda:InvokeFunction; the answer carries
 * X-Amz-Executed-Version and an event stream of
 * InvokeWithResponseStreamResponseEvent
 * (API_InvokeWithResponseStreamResponseEvent.html): PayloadChunk events
 * (API_InvokeResponseStreamUpdate.html: Payload, a chunk of the bytes the
 * function wrote), then one InvokeComplete
 * (API_InvokeWithResponseStreamCompleteEvent.html: ErrorCode, ErrorDetails,
 * LogResult) when the stream has ended. The SDK decodes the
 * application/vnd.amazon.eventstream framing into those events.
 */
import {
  InvokeWithResponseStreamCommand,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import type { ReadOnce } from '../util/read-once.js'
import { getFunctionUrl } from './function-url.js'

export interface StreamedInvoke {
  /** The version Lambda ran (X-Amz-Executed-Version). */
  executedVersion: string | undefined
  /** The payload chunks, joined: at most `maxBytes`. */
  bytes: Buffer
  /** The function wrote more than `maxBytes`; the rest was not read. */
  cut: boolean
  /** InvokeComplete's ErrorCode: the invocation failed (e.g. Sandbox.Timedout). */
  errorCode: string | undefined
  errorDetails: string | undefined
  /** The stream ended without an InvokeComplete event. */
  incomplete: boolean
}

export interface StreamedInvokeRequest {
  functionName: string
  qualifier: string
  payload: Uint8Array
  /** How many bytes of the stream to keep; reading stops past them. */
  maxBytes: number
}

/**
 * Invoke with InvokeWithResponseStream and read the event stream up to
 * `maxBytes` of payload. Throws what the SDK throws (no permission, no such
 * version, throttling): the caller maps it as for Invoke.
 */
export async function invokeStreaming(
  lambda: LambdaClient,
  request: StreamedInvokeRequest,
  abortSignal: AbortSignal
): Promise<StreamedInvoke> {
  const response = await lambda.send(
    new InvokeWithResponseStreamCommand({
      FunctionName: request.functionName,
      Qualifier: request.qualifier,
      InvocationType: 'RequestResponse',
      Payload: request.payload
    }),
    { abortSignal }
  )
  const chunks: Buffer[] = []
  let length = 0
  let cut = false
  let complete:
    | { ErrorCode?: string | undefined; ErrorDetails?: string | undefined }
    | undefined
  for await (const event of response.EventStream ?? []) {
    if (event.PayloadChunk !== undefined) {
      const payload = event.PayloadChunk.Payload
      if (payload === undefined || payload.byteLength === 0) continue
      const room = request.maxBytes - length
      if (payload.byteLength > room) {
        chunks.push(Buffer.from(payload.subarray(0, room)))
        length += room
        cut = true
        // Leaving the loop closes the stream: nothing more is read.
        break
      }
      chunks.push(Buffer.from(payload))
      length += payload.byteLength
    } else if (event.InvokeComplete !== undefined) {
      complete = event.InvokeComplete
    }
  }
  return {
    executedVersion: response.ExecutedVersion,
    bytes: Buffer.concat(chunks),
    cut,
    errorCode: nonEmpty(complete?.ErrorCode),
    errorDetails: nonEmpty(complete?.ErrorDetails),
    incomplete: complete === undefined && !cut
  }
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text
}

/**
 * Does the Function URL of the function (or of `qualifier`, an alias) stream
 * (InvokeMode RESPONSE_STREAM; absent means BUFFERED: AWS Lambda API
 * reference, FunctionUrlConfig)? No URL, or one the run may not read: false.
 * Shares its answer, through `once`, with the smoke test's and the
 * preflight's GetFunctionUrlConfig of the same URL.
 */
export async function functionUrlStreams(
  lambda: LambdaClient,
  functionArn: string,
  qualifier: string | undefined,
  once: ReadOnce
): Promise<boolean> {
  // The same read as the smoke test's and the preflight's (getFunctionUrl:
  // no URL is undefined), so that whichever asks first, the others get an
  // answer they understand.
  const config = await once(
    `function-url ${functionArn}${qualifier === undefined ? '' : ` ${qualifier}`}`,
    () => getFunctionUrl(lambda, functionArn, qualifier)
  ).catch(
    // No lambda:GetFunctionUrlConfig: the smoke test's look-up of the same
    // URL reports it; here it only means "not known to stream".
    () => undefined
  )
  return config?.InvokeMode === 'RESPONSE_STREAM'
}
