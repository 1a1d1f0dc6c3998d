/**
 * Function URL configs (moto has no ListFunctionUrlConfigs: built from GetFunctionUrlConfig;
 * moto ignores Qualifier: the gateway keeps it, one URL config per function):
 *   - Function URL configs: FunctionUrl http://127.0.0.1:4566/_url/<functionName>/; deleting a URL
 *     the function does not have -> 404 ResourceNotFoundException (moto: 204).
 *   - Function URL configs keep their Qualifier (moto ignores it): CreateFunctionUrlConfig with
 *     Qualifier=<alias> (the alias must exist, 404 otherwise; a version number -> 400) records it;
 *     Get/List/CreateFunctionUrlConfig report FunctionArn `...:function:<name>:<alias>`; Get, Update
 *     and Delete with another qualifier (or none) than the URL's -> 404. One URL config per function
 *     (moto keeps one; creating another replaces it). The URL serves through its alias.
 *   - InvokeMode (moto: always "Buffered"; UpdateFunctionUrlConfig ignores it) is kept by the
 *     gateway: BUFFERED unless Create/Update asked for RESPONSE_STREAM (AWS Lambda API reference,
 *     CreateFunctionUrlConfig / UpdateFunctionUrlConfig: InvokeMode BUFFERED | RESPONSE_STREAM,
 *     default BUFFERED); the data plane streams accordingly (./response-stream.ts).
 */
import type http from 'node:http'

import {
  GetFunctionCommand,
  GetFunctionUrlConfigCommand
} from '@aws-sdk/client-lambda'

import { ACCOUNT, PUBLIC_HOST } from './config.js'
import { lambdaError } from './errors.js'
import { errName, parseJson, relay, sendJson, type Json } from './http.js'
import { motoAlias } from './lambda-aliases.js'
import type { FunctionCall } from './lambda-call.js'
import { fnState, fns, functionArn } from './lambda-state.js'
import { forwardToMoto, moto } from './moto.js'

/** Create, Get, Update and DeleteFunctionUrlConfig. */
export async function handleUrlConfig(c: FunctionCall): Promise<void> {
  const { req, res, body, method, fn, qualifier, region } = c
  const urlQualifier =
    qualifier === undefined || qualifier === '$LATEST' ? undefined : qualifier
  const noUrl = (): void =>
    lambdaError(
      res,
      404,
      'ResourceNotFoundException',
      'The resource you requested does not exist.'
    )
  if (method === 'POST' && urlQualifier !== undefined) {
    // A URL's qualifier is an alias (or $LATEST); the alias must exist.
    if (/^\d+$/.test(urlQualifier))
      return lambdaError(
        res,
        400,
        'InvalidParameterValueException',
        `Function URLs cannot be attached to a function version (${urlQualifier}); use an alias.`
      )
    if (!(await motoAlias(fn.name, urlQualifier, region)))
      return lambdaError(
        res,
        404,
        'ResourceNotFoundException',
        `Function not found: ${functionArn(fn.name, region, urlQualifier)}`
      )
  }
  if (method !== 'POST') {
    if ((fns.get(fn.name)?.urlQualifier ?? undefined) !== urlQualifier)
      return noUrl()
    if (method === 'DELETE') {
      // moto answers 204 for a function without a URL; Lambda: 404.
      try {
        await moto(region).lambda.send(
          new GetFunctionUrlConfigCommand({ FunctionName: fn.name })
        )
      } catch (e) {
        if (errName(e) === 'ResourceNotFoundException') return noUrl()
        throw e
      }
    }
  }
  const requested =
    method === 'POST' || method === 'PUT'
      ? parseJson(body)?.InvokeMode
      : undefined
  const asked =
    requested === 'BUFFERED' || requested === 'RESPONSE_STREAM'
      ? requested
      : undefined
  const r = await forwardToMoto(req, body)
  if (r.status < 300 && method === 'POST') {
    fnState(fn.name, region).urlQualifier = urlQualifier
    fnState(fn.name, region).urlInvokeMode = asked ?? 'BUFFERED'
  }
  if (r.status < 300 && method === 'PUT' && asked !== undefined)
    fnState(fn.name, region).urlInvokeMode = asked
  if (r.status < 300 && method === 'DELETE') {
    const st = fns.get(fn.name)
    if (st) st.urlQualifier = undefined
  }
  const out = r.status < 300 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  fixUrlConfig(out, fn.name, region)
  return relay(res, r, out)
}

/** FunctionUrl on the gateway; FunctionArn qualified as the URL was created. */
function fixUrlConfig(c: Json, name: string, region: string): void {
  c.FunctionUrl = `http://${PUBLIC_HOST}/_url/${name}/`
  c.FunctionArn = functionArn(name, region, fns.get(name)?.urlQualifier)
  c.InvokeMode = fns.get(name)?.urlInvokeMode ?? 'BUFFERED'
}

export async function listFunctionUrlConfigs(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  name: string,
  region: string
): Promise<void> {
  const r = await forwardToMoto(
    req,
    Buffer.alloc(0),
    `/2021-10-31/functions/${encodeURIComponent(name)}/url`
  )
  const cfg = r.status < 300 ? parseJson(r.body) : undefined // moto answers 201 here
  if (cfg) {
    fixUrlConfig(cfg, name, region)
    return sendJson(res, 200, { FunctionUrlConfigs: [cfg] })
  }
  try {
    await moto(region).lambda.send(
      new GetFunctionCommand({ FunctionName: name })
    )
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException') {
      return lambdaError(
        res,
        404,
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`
      )
    }
    throw e
  }
  sendJson(res, 200, { FunctionUrlConfigs: [] })
}
