/**
 * Invoke (moto: HTTP 500 for image functions) `POST /2015-03-31/functions/<fn>/invocations`
 * (<fn>: name, partial or full ARN, `name:qualifier`; or ?Qualifier=):
 *   - The qualifier ($LATEST when none, a version, an alias: a version picked at random by its
 *     AdditionalVersionWeights) selects the image, run as on the data plane below. Unknown
 *     function / version / alias -> 404 ResourceNotFoundException "Function not found: <arn>".
 *     While an update of $LATEST is InProgress, $LATEST runs the previous image.
 *   - X-Amz-Invocation-Type DryRun -> 204; Event -> 202 (runs in the background); otherwise 200
 *     with X-Amz-Executed-Version (the version that ran) and, with X-Amz-Log-Type Tail,
 *     X-Amz-Log-Result (base64 of the last 4 KB of this invocation's log lines).
 *   - The event becomes an HTTP request to the app, the answer the event source's response shape
 *     (./invoke-events.ts).
 *     content types (and empty bodies) are plain text, others base64 with isBase64Encoded true.
 *   - Function errors (HTTP 200, X-Amz-Function-Error: Unhandled, payload {errorType,errorMessage}):
 *     an event of none of these shapes -> NullReferenceException "Object reference not set to an
 *     instance of an object."; a payload that is not JSON -> JsonSerializerException; an environment
 *     that cannot start -> e.g. {"errorType":"Runtime.InvalidEntrypoint","errorMessage":"RequestId:
 *     <id> Error: fork/exec /bin/busybox: exec format error"} (Runtime.ExitError when the container
 *     exits); no answer within the function's Timeout -> Sandbox.Timedout.
 *   - An app that streams (./response-stream.ts) answers with its HTTP integration stream (JSON
 *     prelude, 8 NUL bytes, body), buffered: not a proxy JSON.
 */
import { randomUUID } from 'node:crypto'
import type http from 'node:http'

import {
  containerState,
  containers,
  exitedError,
  removeEntry
} from './containers.js'
import { ApiError, lambdaError, RuntimeError } from './errors.js'
import {
  errMessage,
  log,
  rawRequest,
  type Json,
  type RawResponse
} from './http.js'
import { registryImageConfig, UNKNOWN_IMAGE_CONFIG } from './image-refs.js'
import {
  endInvocation,
  startInvocation,
  tailLog,
  type Invocation
} from './invocations.js'
import {
  eventKind,
  eventToRequest,
  responseToEvent,
  type AppRequest
} from './invoke-events.js'
import { logAppAnswer } from './app-log.js'
import { logPlatform } from './log-store.js'
import { appStreams, httpIntegrationStream } from './response-stream.js'
import { resolveTarget, type Target } from './targets.js'

export interface InvokeResult {
  inv: Invocation
  payload: Buffer
  functionError?: string
}

function functionErrorResult(
  inv: Invocation,
  errorType: string,
  errorMessage: string
): InvokeResult {
  // Read when END/REPORT are written (after this returns): the Errors metric counts it.
  inv.failed = true
  return {
    inv,
    functionError: 'Unhandled',
    payload: Buffer.from(JSON.stringify({ errorType, errorMessage }))
  }
}

/**
 * One invocation with an event: START, the app's answer in the event source's shape (or, for an
 * app that streams, `streams`, its HTTP integration stream: ./response-stream.ts), END, REPORT.
 */
export async function runInvoke(
  t: Target,
  eventBody: Buffer,
  streams = false
): Promise<InvokeResult> {
  const { inv, error } = await startInvocation(t)
  if (error || !inv.entry)
    return functionErrorResult(
      inv,
      error?.errorType ?? 'Runtime.Unknown',
      `RequestId: ${inv.requestId} ${error?.message ?? 'no environment'}`
    )
  const entry = inv.entry
  // What ASP.NET Core's Lambda hosting logs when it throws.
  const appFailure = (errorType: string, message: string): InvokeResult => {
    logPlatform(
      inv.stream,
      `${new Date().toISOString()}\t${inv.requestId}\tfail\t${errorType}: ${message}`,
      1
    )
    endInvocation(inv)
    return functionErrorResult(
      inv,
      errorType.split('.').pop() ?? errorType,
      message
    )
  }
  let ev: unknown
  try {
    ev = JSON.parse(eventBody.toString('utf8') || 'null')
  } catch (e) {
    return appFailure(
      'Amazon.Lambda.Serialization.SystemTextJson.JsonSerializerException',
      `Error converting the Lambda event JSON payload to type Amazon.Lambda.APIGatewayEvents.APIGatewayHttpApiV2ProxyRequest: ${errMessage(e)}`
    )
  }
  const kind =
    ev !== null && typeof ev === 'object' && !Array.isArray(ev)
      ? eventKind(ev as Json)
      : undefined
  if (!kind)
    return appFailure(
      'System.NullReferenceException',
      'Object reference not set to an instance of an object.'
    )
  let request: AppRequest
  try {
    request = eventToRequest(kind, ev as Json)
  } catch (e) {
    return appFailure('System.ArgumentException', errMessage(e))
  }
  let r: RawResponse
  try {
    r = await rawRequest(
      entry.port ?? 0,
      request.method,
      request.path,
      request.headers,
      request.body,
      t.timeoutS * 1000
    )
  } catch (e) {
    if (/^timeout after/.test(errMessage(e))) {
      const msg = `Task timed out after ${t.timeoutS.toFixed(2)} seconds`
      logPlatform(
        inv.stream,
        `${new Date().toISOString()} ${inv.requestId} ${msg}`,
        1
      )
      endInvocation(inv, 'Sandbox.Timedout')
      return functionErrorResult(
        inv,
        'Sandbox.Timedout',
        `RequestId: ${inv.requestId} Error: ${msg}`
      )
    }
    const st = entry.id ? await containerState(entry.id) : undefined
    let rte = new RuntimeError('Runtime.Unknown', `Error: ${errMessage(e)}`)
    if (st && !st.running) {
      if (containers.get(entry.key) === entry) containers.delete(entry.key)
      void removeEntry(entry)
      const cfg = await registryImageConfig(
        t.image?.ref.repository ?? '',
        entry.digest
      )
      rte = exitedError(st, cfg ?? UNKNOWN_IMAGE_CONFIG)
    }
    logPlatform(
      inv.stream,
      `RequestId: ${inv.requestId} ${rte.message}\n${rte.errorType}`,
      1
    )
    endInvocation(inv, rte.errorType)
    return functionErrorResult(
      inv,
      rte.errorType,
      `RequestId: ${inv.requestId} ${rte.message}`
    )
  }
  logAppAnswer(
    inv,
    {
      method: request.method,
      origin: `https://${String(request.headers.host ?? 'localhost')}`,
      path: request.path,
      contentType: request.headers['content-type']?.toString(),
      contentLength: request.body.length > 0 ? request.body.length : undefined
    },
    { status: r.status, headers: r.headers }
  )
  endInvocation(inv)
  return {
    inv,
    payload: streams
      ? httpIntegrationStream(r)
      : Buffer.from(
          JSON.stringify(responseToEvent(kind, r, request.multiValueHeaders))
        )
  }
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
  const streams = await appStreams(t)
  if (type === 'Event') {
    void runInvoke(t, body, streams).catch((e: unknown) =>
      log(`async invoke of ${name}: ${errMessage(e)}`)
    )
    res.writeHead(202, {
      'x-amzn-requestid': randomUUID(),
      'content-length': '0'
    })
    return void res.end()
  }
  const out = await runInvoke(t, body, streams)
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
