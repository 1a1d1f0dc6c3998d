/**
 * The data plane: Function URLs (`/_url/<functionName>/<path>`) and HTTP APIs
 * (`/_apigw/<apiId>/<path>`): each request becomes a payload format 2.0 event
 * (./http-events.ts) that the function's execution environment runs through the Lambda execution
 * emulator (./invocations.ts, ./containers.ts), one START / END / REPORT per request.
 *   - Function URL data plane, Lambda's rule since October 2025: AuthType AWS_IAM -> 403 for
 *     unsigned requests; AuthType NONE -> 403 unless the function's (or its alias's) policy lets
 *     Principal * both lambda:InvokeFunctionUrl (FunctionUrlAuthType NONE) and
 *     lambda:InvokeFunction (InvokedViaFunctionUrl true, or no condition). The 403 carries
 *     Lambda's body (URL_FORBIDDEN). createImageFunction adds both statements. The URL serves
 *     through its alias (./lambda-urls.ts).
 *   - Response streaming: an answer the runtime streamed is served as its prelude says (status,
 *     headers, cookies, then the body); behind a BUFFERED URL it answers 200 with the raw stream
 *     (./response-stream.ts).
 *   - HTTP API: the data plane serves the integration's function; an IntegrationUri
 *     `...:function:<name>:<alias or version>` serves that qualifier (alias weights honoured per
 *     request).
 */
import { randomUUID } from 'node:crypto'
import type http from 'node:http'

import { GetIntegrationsCommand } from '@aws-sdk/client-apigatewayv2'
import {
  GetFunctionUrlConfigCommand,
  GetPolicyCommand
} from '@aws-sdk/client-lambda'

import { ACCOUNT, DEFAULT_REGION, HOST, PUBLIC_HOST } from './config.js'
import { ApiError } from './errors.js'
import { errName, parseJson, readBody, sendJson, type Json } from './http.js'
import {
  answerOfPayload,
  answerOfStream,
  payloadV2Event,
  sendAnswer
} from './http-events.js'
import { invokeTarget } from './invocations.js'
import { fns } from './lambda-state.js'
import { moto } from './moto.js'
import { resolveTarget, type Target } from './targets.js'

function runtimeErrorResponse(
  res: http.ServerResponse,
  errorType: string,
  errorMessage: string,
  requestId: string
): void {
  sendJson(
    res,
    502,
    { errorType, errorMessage },
    { 'x-amzn-errortype': errorType, 'x-amzn-requestid': requestId }
  )
}

/**
 * Serve one data-plane request for function `fn` (qualifier: alias/version), path `rest`: the
 * request becomes a payload format 2.0 event (./http-events.ts), the function's environment runs
 * it (./invocations.ts), its answer becomes the response. A function error or a failed
 * environment -> 502 {errorType, errorMessage}. `urlInvokeMode`: a Function URL's InvokeMode; a
 * streamed answer behind a BUFFERED URL is served raw (prelude, 8 NUL bytes, body) as the body of
 * a 200 (./response-stream.ts); otherwise as the prelude says.
 */
async function invokeOverHttp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  fn: string,
  qualifier: string | undefined,
  rest: string,
  region: string,
  apiId: string,
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
  const body = await readBody(req)
  const event = payloadV2Event({
    method: req.method ?? 'GET',
    pathAndQuery: rest,
    rawHeaders: req.rawHeaders,
    body,
    sourceIp: req.socket.remoteAddress ?? HOST,
    apiId,
    domainName: PUBLIC_HOST,
    accountId: ACCOUNT,
    requestId: randomUUID(),
    now: new Date()
  })
  const out = await invokeTarget(target, Buffer.from(JSON.stringify(event)))
  if (out.functionError !== undefined) {
    const error = parseJson(out.payload)
    const errorType =
      typeof error?.errorType === 'string'
        ? error.errorType
        : (out.errorType ?? 'Unhandled')
    const errorMessage =
      typeof error?.errorMessage === 'string' ? error.errorMessage : ''
    return runtimeErrorResponse(
      res,
      errorType,
      `${errorMessage}${out.detail ? ` ${out.detail}` : ''}`,
      out.inv.requestId
    )
  }
  if (out.streamed && urlInvokeMode === 'BUFFERED')
    return sendAnswer(res, {
      status: 200,
      headers: [['content-type', 'application/json']],
      body: out.payload
    })
  sendAnswer(
    res,
    out.streamed ? answerOfStream(out.payload) : answerOfPayload(out.payload)
  )
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
    fn,
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
    DEFAULT_REGION,
    m[1]
  )
}
