/**
 * Reading a streamed answer (InvokeWithResponseStream) as the HTTP response
 * it carries, in the same shape as a buffered Invoke's (checks/invoke-payload).
 *
 * A streaming ASP.NET Core app (Amazon.Lambda.AspNetCoreServer with
 * `EnableResponseStreaming`) writes its response as Lambda's HTTP integration
 * stream, content type application/vnd.awslambda.http-integration-response:
 * a JSON prelude ({statusCode, headers, multiValueHeaders, cookies};
 * Amazon.Lambda.Core.ResponseStreaming.HttpResponseStreamPrelude in
 * aws/aws-lambda-dotnet), then 8 NUL bytes, then the body. The same framing
 * Lambda's Node.js runtime writes (aws-lambda-nodejs-runtime-interface-client,
 * HttpResponseStream.js: DELIMITER_LEN = 8), and what a Function URL with
 * InvokeMode RESPONSE_STREAM turns into status, headers and body (AWS Lambda
 * developer guide, "Response streaming for Lambda functions",
 * configuration-response-streaming.html).
 */
import { headersOf, type InvokeInspection } from '../checks/invoke-payload.js'
import {
  invokeStreaming,
  type StreamedInvoke,
  type StreamedInvokeRequest
} from './lambda-stream.js'
import type { LambdaClient } from '@aws-sdk/client-lambda'

/** The prelude ends at the first 8 NUL bytes (JSON text holds no NUL). */
export const PRELUDE_DELIMITER = Buffer.alloc(8)

const MAX_SHOWN = 300

function shown(bytes: Buffer): string {
  const text = bytes
    .toString('utf8')
    .replace(/\0/g, '\\0')
    .replace(/\s+/g, ' ')
    .trim()
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const HOSTING_HINT =
  'A streaming app is hosted with AddAWSLambdaHosting(LambdaEventSource.HttpApi, options => options.EnableResponseStreaming = true) ' +
  '(Amazon.Lambda.AspNetCoreServer.Hosting 2.x); a buffered app needs its Function URL InvokeMode BUFFERED ' +
  '(aws lambda update-function-url-config --invoke-mode BUFFERED).'

/**
 * The HTTP answer in a streamed invocation, or why there is none:
 * - InvokeComplete with an ErrorCode: the function failed (function-error,
 *   errorType = ErrorCode, so Runtime.ExitError and the like stop retries);
 * - no 8-NUL delimiter, or a prelude that is not a JSON object with a numeric
 *   statusCode: the function does not stream like an ASP.NET Core app
 *   (wrong-shape; a buffered app's proxy JSON is named as such);
 * - a stream cut at the byte limit keeps its first bytes as the body.
 */
export function readStreamedAnswer(streamed: StreamedInvoke): InvokeInspection {
  if (streamed.errorCode !== undefined) {
    const details = streamed.errorDetails ?? ''
    return {
      kind: 'error',
      cause: 'function-error',
      errorType: streamed.errorCode,
      reason:
        details === ''
          ? `the stream ended with ${streamed.errorCode}`
          : `the stream ended with ${streamed.errorCode}: ${details.slice(0, MAX_SHOWN)}`
    }
  }
  if (streamed.incomplete) {
    // The connection ended before Lambda said the invocation was over.
    return {
      kind: 'error',
      cause: 'function-error',
      errorType: undefined,
      reason: `the stream ended after ${streamed.bytes.length} bytes without InvokeComplete`
    }
  }
  const bytes = streamed.bytes
  const end = bytes.indexOf(PRELUDE_DELIMITER)
  if (end < 0) {
    if (streamed.cut) {
      return wrongShape(
        `no HTTP prelude in the first ${bytes.length} bytes of the stream (no 8 NUL bytes after a JSON prelude)`
      )
    }
    const whole = parseJson(bytes)
    const buffered = isRecord(whole) && typeof whole.statusCode === 'number'
    return wrongShape(
      buffered
        ? `the function answered with a buffered proxy response (${shown(bytes)}), not a stream: a Function URL with InvokeMode RESPONSE_STREAM would send that JSON as the body`
        : `the stream has no HTTP prelude (a JSON object, then 8 NUL bytes); got ${bytes.length === 0 ? 'nothing' : shown(bytes)}`
    )
  }
  const preludeBytes = bytes.subarray(0, end)
  const prelude = parseJson(preludeBytes)
  if (!isRecord(prelude)) {
    return wrongShape(
      `the stream's HTTP prelude is not a JSON object: ${shown(preludeBytes)}`
    )
  }
  const status = prelude.statusCode
  if (status !== undefined && typeof status !== 'number') {
    return wrongShape(
      `the stream's HTTP prelude has a statusCode that is not a number: ${shown(preludeBytes)}`
    )
  }
  return {
    kind: 'answer',
    answer: {
      // HttpResponseStreamPrelude leaves statusCode out when the app set
      // none; the Function URL answers 200 then.
      status: status ?? 200,
      headers: headersOf(prelude),
      body: bytes.subarray(end + PRELUDE_DELIMITER.length).toString('utf8')
    }
  }
}

/**
 * Bytes in the HTTP streaming format: a JSON object, then 8 NUL bytes. What a
 * buffered Invoke of a streaming app returns (Lambda invokes it with Invoke
 * unless asked for a stream: AWS Lambda developer guide,
 * config-rs-invoke-furls.html).
 */
export function isHttpResponseStream(bytes: Buffer): boolean {
  const end = bytes.indexOf(PRELUDE_DELIMITER)
  return end >= 0 && isRecord(parseJson(bytes.subarray(0, end)))
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

function wrongShape(what: string): InvokeInspection {
  return {
    kind: 'error',
    cause: 'wrong-shape',
    errorType: undefined,
    reason: `The function did not stream like an ASP.NET Core app with response streaming: ${what}. ${HOSTING_HINT}`
  }
}

/** How much of a streamed answer is read: the checks look at its start. */
export const MAX_STREAM_BYTES = 1024 * 1024

/**
 * Invoke with InvokeWithResponseStream and read the HTTP answer, as
 * inspectInvokePayload does for a buffered Invoke.
 */
export async function invokeStreamedAnswer(
  lambda: LambdaClient,
  request: Omit<StreamedInvokeRequest, 'maxBytes'>,
  abortSignal: AbortSignal
): Promise<{
  executedVersion: string | undefined
  inspection: InvokeInspection
}> {
  const streamed = await invokeStreaming(
    lambda,
    { ...request, maxBytes: MAX_STREAM_BYTES },
    abortSignal
  )
  return {
    executedVersion: streamed.executedVersion,
    inspection: readStreamedAnswer(streamed)
  }
}
