/**
 * The data plane: Function URLs (`/_url/<functionName>/<path>`) and HTTP APIs
 * (`/_apigw/<apiId>/<path>`) served by the function's image running in a container
 * (./containers.ts), one START / END / REPORT per request (./invocations.ts).
 *   - Function URL data plane, Lambda's rule since October 2025: AuthType AWS_IAM -> 403 for
 *     unsigned requests; AuthType NONE -> 403 unless the function's (or its alias's) policy lets
 *     Principal * both lambda:InvokeFunctionUrl (FunctionUrlAuthType NONE) and
 *     lambda:InvokeFunction (InvokedViaFunctionUrl true, or no condition). The 403 carries
 *     Lambda's body (URL_FORBIDDEN). createImageFunction adds both statements. The URL serves
 *     through its alias (./lambda-urls.ts).
 *   - Response streaming: a URL with InvokeMode RESPONSE_STREAM streams the app's answer; an app
 *     that streams behind a BUFFERED URL answers 200 with its raw stream (./response-stream.ts).
 *   - HTTP API: the data plane serves the integration's function; an IntegrationUri
 *     `...:function:<name>:<alias or version>` serves that qualifier (alias weights honoured per
 *     request).
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'

import { GetIntegrationsCommand } from '@aws-sdk/client-apigatewayv2'
import {
  GetFunctionUrlConfigCommand,
  GetPolicyCommand
} from '@aws-sdk/client-lambda'

import { DEFAULT_REGION, HOST, PUBLIC_HOST } from './config.js'
import {
  containerState,
  containers,
  exitedError,
  removeEntry
} from './containers.js'
import { ApiError, RuntimeError } from './errors.js'
import { errName, parseJson, readBody, sendJson, type Json } from './http.js'
import { registryImageConfig, UNKNOWN_IMAGE_CONFIG } from './image-refs.js'
import { logAppAnswer } from './app-log.js'
import { endInvocation, startInvocation } from './invocations.js'
import { fns } from './lambda-state.js'
import { moto } from './moto.js'
import { appStreams, httpIntegrationStream } from './response-stream.js'
import { resolveTarget, type Target } from './targets.js'

function runtimeErrorResponse(
  res: http.ServerResponse,
  e: RuntimeError,
  requestId: string = randomUUID()
): void {
  sendJson(
    res,
    502,
    {
      errorType: e.errorType,
      errorMessage: `RequestId: ${requestId} ${e.message}${e.detail ? ` ${e.detail}` : ''}`
    },
    { 'x-amzn-errortype': e.errorType, 'x-amzn-requestid': requestId }
  )
}

/**
 * Serve one data-plane request for function `fn` (qualifier: alias/version), path `rest`.
 * `urlInvokeMode`: a Function URL's InvokeMode; BUFFERED with an app that streams serves the
 * app's HTTP integration stream (prelude, 8 NUL bytes, body) as the body of a 200
 * (./response-stream.ts).
 */
async function invokeOverHttp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  fn: string,
  qualifier: string | undefined,
  rest: string,
  region: string,
  urlInvokeMode?: string
): Promise<void> {
  let target: Target
  try {
    target = await resolveTarget(fn, qualifier, region)
  } catch (e) {
    if (e instanceof ApiError && e.type === 'ResourceNotFoundException')
      return sendJson(res, 404, { Message: `Function not found: ${fn}` })
    // Managed Instances: nothing published, or the version is not Active
    // (./managed-instances.ts; the URL's answer is the stand-in's choice)
    if (e instanceof ApiError)
      return sendJson(
        res,
        e.status,
        { Message: e.message },
        { 'x-amzn-errortype': e.type }
      )
    throw e
  }
  const rawStream = urlInvokeMode === 'BUFFERED' && (await appStreams(target))
  const { inv, error } = await startInvocation(target)
  if (error || !inv.entry)
    return runtimeErrorResponse(
      res,
      error ?? new RuntimeError('Runtime.Unknown', 'no environment'),
      inv.requestId
    )
  const entry = inv.entry
  res.on('close', () => endInvocation(inv))
  const body = await readBody(req)
  const headers = { ...req.headers, host: `${HOST}:${entry.port}` }
  delete headers['transfer-encoding']
  headers['content-length'] = String(body.length)
  const p = http.request(
    {
      host: HOST,
      port: entry.port,
      method: req.method,
      path: rest,
      headers,
      timeout: 60000
    },
    pr => {
      if (rawStream) {
        const chunks: Buffer[] = []
        pr.on('data', (c: Buffer) => chunks.push(c))
        pr.on('end', () => {
          const bytes = httpIntegrationStream({
            status: pr.statusCode ?? 502,
            headers: pr.headers,
            rawHeaders: pr.rawHeaders,
            body: Buffer.concat(chunks)
          })
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': String(bytes.length)
          })
          res.end(bytes)
        })
        return
      }
      logAppAnswer(
        inv,
        {
          method: req.method ?? 'GET',
          origin: `https://${String(req.headers.host ?? PUBLIC_HOST)}`,
          path: rest,
          contentType: req.headers['content-type'],
          contentLength: body.length > 0 ? body.length : undefined
        },
        { status: pr.statusCode ?? 502, headers: pr.headers }
      )
      res.writeHead(pr.statusCode ?? 502, pr.headers)
      pr.pipe(res)
    }
  )
  p.on('timeout', () => p.destroy(new Error('timeout')))
  p.on('error', err => {
    void (async () => {
      const st = entry.id ? await containerState(entry.id) : undefined
      if (st && !st.running) {
        if (containers.get(entry.key) === entry) containers.delete(entry.key)
        void removeEntry(entry)
        const cfg = await registryImageConfig(
          target.image?.ref.repository ?? '',
          entry.digest
        )
        const rte = exitedError(st, cfg ?? UNKNOWN_IMAGE_CONFIG)
        endInvocation(inv, rte.errorType)
        if (!res.headersSent)
          return runtimeErrorResponse(res, rte, inv.requestId)
      }
      endInvocation(inv, 'Runtime.Unknown')
      if (!res.headersSent)
        runtimeErrorResponse(
          res,
          new RuntimeError('Runtime.Unknown', `Error: ${err.message}`),
          inv.requestId
        )
      else res.destroy(err)
    })()
  })
  p.end(body)
}

export async function handleFunctionUrl(
  req: http.IncomingMessage,
  res: http.ServerResponse
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const m = /^\/_url\/([^/]+)(\/.*)?$/.exec(url.pathname)
  if (!m?.[1]) return sendJson(res, 404, { Message: 'Not Found' })
  const fn = decodeURIComponent(m[1])
  // The URL exists only while the function has a Function URL config.
  let authType: string | undefined
  try {
    authType = (
      await moto().lambda.send(
        new GetFunctionUrlConfigCommand({ FunctionName: fn })
      )
    ).AuthType
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException')
      return sendJson(res, 403, URL_FORBIDDEN)
    throw e
  }
  const qualifier = fns.get(fn)?.urlQualifier
  // Like Lambda: AWS_IAM answers unsigned requests with 403, and NONE needs the resource-based
  // policy statements that let anyone call it (both, since October 2025).
  if (authType === 'AWS_IAM') {
    if (!/^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? ''))
      return sendJson(res, 403, URL_FORBIDDEN)
  } else if (!(await allowsPublicUrlInvoke(fn, qualifier))) {
    return sendJson(res, 403, URL_FORBIDDEN)
  }
  await invokeOverHttp(
    req,
    res,
    fn,
    qualifier,
    (m[2] ?? '/') + url.search,
    DEFAULT_REGION,
    fns.get(fn)?.urlInvokeMode ?? 'BUFFERED'
  )
}

/** Lambda's body for a Function URL request its auth refuses. */
export const URL_FORBIDDEN = {
  Message:
    'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html'
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value]
}

/** A condition key's values in any operator block (StringEquals, Bool, ...). */
function conditionValues(st: Json, key: string): unknown[] {
  const condition = st.Condition as Json | undefined
  if (condition === null || typeof condition !== 'object') return []
  return Object.values(condition).flatMap(block =>
    block !== null && typeof block === 'object'
      ? listOf((block as Json)[key])
      : []
  )
}

/**
 * Which of the two public statements a list of policy statements grants. moto keeps
 * FunctionUrlAuthType / InvokedViaFunctionUrl as raw fields of the statement; IAM puts them in a
 * Condition. InvokeFunction to anyone without any condition covers URL calls too.
 */
export function publicGrants(statements: Json[]): {
  invokeFunctionUrl: boolean
  invokeFunction: boolean
} {
  const anyone = statements.filter(st => {
    const principal = st.Principal
    return (
      st.Effect !== 'Deny' &&
      (principal === '*' ||
        listOf((principal as Json | undefined)?.AWS).includes('*'))
    )
  })
  const grants = (st: Json, action: string): boolean =>
    listOf(st.Action).some(a => a === action || a === 'lambda:*' || a === '*')
  return {
    invokeFunctionUrl: anyone.some(
      st =>
        grants(st, 'lambda:InvokeFunctionUrl') &&
        (st.FunctionUrlAuthType === 'NONE' ||
          conditionValues(st, 'lambda:FunctionUrlAuthType').includes('NONE'))
    ),
    invokeFunction: anyone.some(
      st =>
        grants(st, 'lambda:InvokeFunction') &&
        (st.InvokedViaFunctionUrl === true ||
          st.InvokedViaFunctionUrl === 'true' ||
          conditionValues(st, 'lambda:InvokedViaFunctionUrl').some(
            v => v === true || v === 'true'
          ) ||
          (st.Condition === undefined &&
            st.FunctionUrlAuthType === undefined &&
            st.InvokedViaFunctionUrl === undefined))
    )
  }
}

/** Does the function's policy (and its alias's) let everyone invoke its AuthType NONE URL? */
async function allowsPublicUrlInvoke(
  fn: string,
  qualifier: string | undefined
): Promise<boolean> {
  const statements: Json[] = []
  for (const q of qualifier !== undefined
    ? [undefined, qualifier]
    : [undefined]) {
    let policy: string | undefined
    try {
      policy = (
        await moto().lambda.send(
          new GetPolicyCommand({
            FunctionName: fn,
            ...(q !== undefined ? { Qualifier: q } : {})
          })
        )
      ).Policy
    } catch (e) {
      if (errName(e) === 'ResourceNotFoundException') continue
      throw e
    }
    statements.push(
      ...((
        parseJson(Buffer.from(policy ?? '')) as
          { Statement?: Json[] } | undefined
      )?.Statement ?? [])
    )
  }
  const grants = publicGrants(statements)
  return grants.invokeFunctionUrl && grants.invokeFunction
}

export async function handleHttpApi(
  req: http.IncomingMessage,
  res: http.ServerResponse
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const m = /^\/_apigw\/([^/]+)(\/.*)?$/.exec(url.pathname)
  if (!m?.[1]) return sendJson(res, 404, { message: 'Not Found' })
  let fn: string | undefined
  let qualifier: string | undefined
  try {
    const ints = await moto().apigw.send(
      new GetIntegrationsCommand({ ApiId: m[1] })
    )
    for (const i of ints.Items ?? []) {
      // arn:aws:lambda:<region>:<account>:function:<name>[:<alias or version>], also inside an
      // arn:aws:apigateway:...:lambda:path/2015-03-31/functions/<that>/invocations URI
      const fm = /function:([^:/]+)(?::([^:/]+))?/.exec(i.IntegrationUri ?? '')
      if (fm?.[1]) {
        fn = fm[1]
        qualifier = fm[2]
        break
      }
    }
  } catch (e) {
    if (errName(e) === 'NotFoundException')
      return sendJson(res, 404, { message: 'Not Found' })
    throw e
  }
  if (!fn) return sendJson(res, 500, { message: 'Internal Server Error' })
  await invokeOverHttp(
    req,
    res,
    fn,
    qualifier,
    (m[2] ?? '/') + url.search,
    DEFAULT_REGION
  )
}
