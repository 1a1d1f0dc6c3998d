/**
 * Invoke (moto: HTTP 500 for image functions) `POST /2015-03-31/functions/<fn>/invocations`
 * (<fn>: name, partial or full ARN, `name:qualifier`; or ?Qualifier=):
 *   - The qualifier ($LATEST when none, a version, an alias: a version picked at random by its
 *     AdditionalVersionWeights) selects the image, run in its execution environment through the
 *     Lambda execution emulator (./invocations.ts, ./containers.ts). Unknown function / version /
 *     alias -> 404 ResourceNotFoundException "Function not found: <arn>". While an update of
 *     $LATEST is InProgress, $LATEST runs the previous image.
 *   - X-Amz-Invocation-Type DryRun -> 204; Event -> 202 (runs in the background); otherwise 200
 *     with X-Amz-Executed-Version (the version that ran) and, with X-Amz-Log-Type Tail,
 *     X-Amz-Log-Result (base64 of the last 4 KB of this invocation's log lines).
 *   - The payload is the event as the caller sent it; the answer is what the runtime posted
 *     (invocation/{id}/response), or its error (invocation/{id}/error) with X-Amz-Function-Error:
 *     Unhandled, or the environment's failure ({"errorType":"Runtime.ExitError" |
 *     "Sandbox.Timedout" | "Runtime.InvalidEntrypoint" | ..., "errorMessage":"RequestId: <id>
 *     Error: ..."}). The test images' runtime (test/local-aws/app-runtime) answers HTTP API 2.0,
 *     REST API 1.0 and ALB events as AddAWSLambdaHosting does, and NullReferenceException /
 *     JsonSerializerException for others. AWS docs: "Invoke" (API reference),
 *     https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html.
 *   - A runtime that answers in the streaming response mode (an app hosted with
 *     EnableResponseStreaming) gives a buffered Invoke its raw bytes (./response-stream.ts).
 */
import { randomUUID } from 'node:crypto'
import type http from 'node:http'

import { ApiError, lambdaError } from './errors.js'
import { errMessage, log } from './http.js'
import { invokeTarget, tailLog, type InvokeOutcome } from './invocations.js'
import { resolveTarget, type Target } from './targets.js'

export type InvokeResult = InvokeOutcome

/** One invocation with an event: the environment's answer (./invocations.ts). */
export function runInvoke(t: Target, eventBody: Buffer): Promise<InvokeResult> {
  return invokeTarget(t, eventBody)
}

export async function handleInvoke(
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
      return lambdaError(res, e.status, e.type, e.message, e.capitalMessage)
    throw e
  }
  const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse')
  if (type === 'DryRun') {
    res.writeHead(204, { 'x-amzn-requestid': randomUUID() })
    return void res.end()
  }
  if (type === 'Event') {
    void runInvoke(t, body).catch((e: unknown) =>
      log(`async invoke of ${name}: ${errMessage(e)}`)
    )
    res.writeHead(202, {
      'x-amzn-requestid': randomUUID(),
      'content-length': '0'
    })
    return void res.end()
  }
  const out = await runInvoke(t, body)
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(out.payload.length),
    'X-Amz-Executed-Version': t.version,
    'x-amzn-RequestId': out.inv.requestId
  }
  if (out.functionError) headers['X-Amz-Function-Error'] = out.functionError
  if (String(req.headers['x-amz-log-type'] ?? '') === 'Tail')
    headers['X-Amz-Log-Result'] = await tailLog(out.inv)
  res.writeHead(200, headers)
  res.end(out.payload)
}
