/**
 * Response streaming (moto has none):
 *   - InvokeWithResponseStream `POST /2021-11-15/functions/<fn>/response-streaming-invocations`
 *     (?Qualifier= as Invoke; AWS Lambda API reference, InvokeWithResponseStream,
 *     https://docs.aws.amazon.com/lambda/latest/api/API_InvokeWithResponseStream.html): runs the
 *     invocation as Invoke does (./invoke.ts) and answers 200 with X-Amz-Executed-Version and an
 *     `application/vnd.amazon.eventstream` body: PayloadChunk events (InvokeResponseStreamUpdate:
 *     the bytes the function wrote, in chunks of at most CHUNK_BYTES), then one InvokeComplete
 *     event (InvokeWithResponseStreamCompleteEvent: ErrorCode and ErrorDetails when the invocation
 *     failed, LogResult with X-Amz-Log-Type Tail). A function that does not stream sends its
 *     buffered payload as the chunks. A failed invocation sends no chunk: InvokeComplete carries
 *     its errorType as ErrorCode and its errorMessage as ErrorDetails. Unknown function / version
 *     / alias -> 404 ResourceNotFoundException, as Invoke. DryRun -> 204; Event is not accepted
 *     (the API reference lists RequestResponse and DryRun) -> 400 InvalidParameterValueException.
 *   - The event-stream framing (each message: total length and headers length, 4 bytes each,
 *     big-endian; the CRC32 of those 8 bytes; the headers (1-byte name length, name, type 7 =
 *     string, 2-byte value length, value); the payload; the CRC32 of everything before it),
 *     as AWS documents it ("Event stream encoding", e.g. Amazon Transcribe's event-stream.html and
 *     Amazon Lex V2's event-stream-encoding.html), headers `:message-type` event, `:event-type`
 *     PayloadChunk / InvokeComplete, `:content-type` application/octet-stream (the chunk's bytes
 *     are the event payload) / application/json (InvokeComplete's members as JSON). The AWS SDK
 *     v3's InvokeWithResponseStreamCommand decodes it (e2e/streaming.test.ts).
 *   - Which stand-in function streams: one whose runtime posts its answer with
 *     `Lambda-Runtime-Function-Response-Mode: streaming` (the emulator's InvokeResult.streamed).
 *     The test images labelled `local-aws.response-streaming=true` (test/local-aws/images.ts
 *     `streaming: true`) play an ASP.NET Core app hosted with `EnableResponseStreaming = true`:
 *     for each event their runtime posts Lambda's HTTP integration stream (content type
 *     application/vnd.awslambda.http-integration-response): a JSON prelude {statusCode, headers,
 *     cookies} (Amazon.Lambda.Core.ResponseStreaming.HttpResponseStreamPrelude,
 *     aws/aws-lambda-dotnet), 8 NUL bytes (DELIMITER_LEN = 8 in Lambda's Node.js runtime client,
 *     HttpResponseStream.js), then the body. So a buffered Invoke of it returns those bytes, not a
 *     proxy JSON (the preflight's app.invoke-mode explains why).
 *   - Function URLs (./data-plane.ts) with InvokeMode RESPONSE_STREAM serve a streaming app's
 *     status, headers and body as the prelude says; with InvokeMode BUFFERED a streaming app's
 *     bytes are the body of a 200 (what the preflight's app.invoke-mode warns about). A buffered app behind a RESPONSE_STREAM URL is served as
 *     before (not modelled). AWS Lambda developer guide, "Response streaming for Lambda
 *     functions" (configuration-response-streaming.html), the response streaming tutorial
 *     (response-streaming-tutorial.html) and "Invoking a response streaming enabled function using
 *     Lambda function URLs" (config-rs-invoke-furls.html: BUFFERED invokes the function with
 *     Invoke, RESPONSE_STREAM with InvokeWithResponseStream; Invoke still works on it).
 */
import { randomUUID } from 'node:crypto'
import type http from 'node:http'
import { crc32 } from 'node:zlib'

import { ApiError, lambdaError } from './errors.js'
import { parseJson } from './http.js'
import { tailLog } from './invocations.js'
import { runInvoke } from './invoke.js'
import { resolveTarget, type Target } from './targets.js'

/** Bytes per PayloadChunk event. */
const CHUNK_BYTES = 16 * 1024

/** One event-stream message with string headers (header value type 7). */
export function eventStreamMessage(
  headers: Record<string, string>,
  payload: Buffer
): Buffer {
  const headerBytes = Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const n = Buffer.from(name, 'utf8')
      const v = Buffer.from(value, 'utf8')
      const head = Buffer.alloc(1 + n.length + 1 + 2)
      head.writeUInt8(n.length, 0)
      n.copy(head, 1)
      head.writeUInt8(7, 1 + n.length)
      head.writeUInt16BE(v.length, 2 + n.length)
      return Buffer.concat([head, v])
    })
  )
  const total = 12 + headerBytes.length + payload.length + 4
  const prelude = Buffer.alloc(12)
  prelude.writeUInt32BE(total, 0)
  prelude.writeUInt32BE(headerBytes.length, 4)
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8)
  const message = Buffer.concat([
    prelude,
    headerBytes,
    payload,
    Buffer.alloc(4)
  ])
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4)
  return message
}

function payloadChunk(bytes: Buffer): Buffer {
  return eventStreamMessage(
    {
      ':event-type': 'PayloadChunk',
      ':content-type': 'application/octet-stream',
      ':message-type': 'event'
    },
    bytes
  )
}

function invokeComplete(complete: {
  ErrorCode?: string
  ErrorDetails?: string
  LogResult?: string
}): Buffer {
  return eventStreamMessage(
    {
      ':event-type': 'InvokeComplete',
      ':content-type': 'application/json',
      ':message-type': 'event'
    },
    Buffer.from(JSON.stringify(complete))
  )
}

export async function handleInvokeWithResponseStream(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  name: string,
  qualifier: string | undefined,
  region: string
): Promise<void> {
  let t: Target
  try {
    t = await resolveTarget(name, qualifier, region)
  } catch (e) {
    if (e instanceof ApiError)
      return lambdaError(res, e.status, e.type, e.message)
    throw e
  }
  const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse')
  if (type === 'DryRun') {
    res.writeHead(204, { 'x-amzn-requestid': randomUUID() })
    return void res.end()
  }
  if (type !== 'RequestResponse')
    return lambdaError(
      res,
      400,
      'InvalidParameterValueException',
      `Unsupported invocation type ${type} for InvokeWithResponseStream; use RequestResponse or DryRun.`
    )
  const out = await runInvoke(t, body)
  res.writeHead(200, {
    'Content-Type': 'application/vnd.amazon.eventstream',
    'Transfer-Encoding': 'chunked',
    'X-Amz-Executed-Version': t.version,
    'x-amzn-RequestId': out.inv.requestId
  })
  const complete: {
    ErrorCode?: string
    ErrorDetails?: string
    LogResult?: string
  } = {}
  if (out.functionError !== undefined) {
    const error = parseJson(out.payload)
    complete.ErrorCode =
      typeof error?.errorType === 'string' ? error.errorType : out.functionError
    if (typeof error?.errorMessage === 'string')
      complete.ErrorDetails = error.errorMessage
  } else {
    for (let at = 0; at < out.payload.length; at += CHUNK_BYTES)
      res.write(payloadChunk(out.payload.subarray(at, at + CHUNK_BYTES)))
  }
  if (String(req.headers['x-amz-log-type'] ?? '') === 'Tail')
    complete.LogResult = await tailLog(out.inv)
  res.end(invokeComplete(complete))
}
