/**
 * Lambda's control plane (SigV4 service `lambda`, REST JSON): each operation the gateway corrects
 * has its handler, everything else goes to moto unchanged. Moto runs with
 * MOTO_LAMBDA_STUB_ECR=true; the gateway validates image URIs itself (./image-refs.ts).
 *   - functions, code and configuration updates, permissions: ./lambda-functions.ts
 *     (update lifecycle: ./lambda-updates.ts)
 *   - reads (GetFunction, GetFunctionConfiguration, ListFunctions, ListVersionsByFunction):
 *     ./lambda-reads.ts
 *   - versions: ./lambda-versions.ts, aliases: ./lambda-aliases.ts
 *   - Function URL configs: ./lambda-urls.ts
 *   - Invoke: ./invoke.ts; InvokeWithResponseStream: ./response-stream.ts
 */
import type http from 'node:http'

import { ApiError, lambdaError } from './errors.js'
import { parseJson, relay } from './http.js'
import { handleInvoke } from './invoke.js'
import {
  LATEST_PUBLISHED,
  publishVersionToLatestPublished,
  readLatestPublished
} from './managed-instances.js'
import { handleAlias } from './lambda-aliases.js'
import { parseLambdaCall, type FunctionCall } from './lambda-call.js'
import {
  addPermission,
  createFunction,
  deleteFunction,
  deleteFunctionVersion,
  updateFunctionCode,
  updateFunctionConfiguration
} from './lambda-functions.js'
import { readFunctions } from './lambda-reads.js'
import { handleUrlConfig, listFunctionUrlConfigs } from './lambda-urls.js'
import { publishVersion } from './lambda-versions.js'
import { fns } from './lambda-state.js'
import { forwardToMoto } from './moto.js'
import { handleInvokeWithResponseStream } from './response-stream.js'

export async function handleLambdaApi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  region: string
): Promise<void> {
  const c = parseLambdaCall(req, res, body, region)
  const { method, segs, fn, qualifier, sub } = c
  // Handlers that are returned without `await` keep the gateway's old behaviour: an ApiError
  // they throw is not turned into Lambda's error shape below (it reaches the server's 500).
  try {
    // (fn is only set for /<api version>/functions/<function>/... paths.)
    if (segs[0] === '2021-10-31' && fn && (sub === 'url' || sub === 'urls')) {
      if (sub === 'urls' && method === 'GET')
        return listFunctionUrlConfigs(req, res, fn.name, region)
      return await handleUrlConfig({ ...c, fn })
    }
    if (method === 'POST' && segs[1] === 'functions' && segs.length === 2)
      return await createFunction(c)
    if (fn) {
      const f: FunctionCall = { ...c, fn }
      if (method === 'DELETE' && sub === undefined) {
        if (c.latest) return await deleteFunction(f)
        if (qualifier !== undefined && /^\d+$/.test(qualifier))
          return await deleteFunctionVersion(f, qualifier)
      }
      if (method === 'POST' && sub === 'policy') return await addPermission(f)
      if (method === 'PUT' && sub === 'code') return await updateFunctionCode(f)
      if (method === 'PUT' && sub === 'configuration')
        return await updateFunctionConfiguration(f)
      if (method === 'POST' && sub === 'versions') {
        const input = (parseJson(body) ?? {}) as { PublishTo?: string }
        if (input.PublishTo === 'LATEST_PUBLISHED')
          return await publishVersionToLatestPublished(f)
        return publishVersion(req, res, body, fn.name, region)
      }
      if (sub === 'aliases')
        return handleAlias(req, res, body, fn.name, segs[4], region)
      if (method === 'POST' && sub === 'invocations')
        return handleInvoke(req, res, body, fn.name, qualifier, region)
      if (method === 'POST' && sub === 'response-streaming-invocations')
        return await handleInvokeWithResponseStream(
          req,
          res,
          body,
          fn.name,
          qualifier,
          region
        )
    }
    if (method === 'GET' && segs[1] === 'functions') {
      await stalled(fn?.name)
      if (
        fn &&
        qualifier === LATEST_PUBLISHED &&
        (sub === undefined || sub === 'configuration')
      )
        return await readLatestPublished({ ...c, fn })
      return await readFunctions(c)
    }
    relay(res, await forwardToMoto(req, body))
  } catch (e) {
    if (e instanceof ApiError)
      return lambdaError(res, e.status, e.type, e.message, e.capitalMessage)
    throw e
  }
}

/** A stalled call (control `stall`): hold the answer back, as a hung connection would. */
async function stalled(name: string | undefined): Promise<void> {
  if (name === undefined) return
  const s = fns.get(name)
  if (s?.stall === undefined || s.stall.count <= 0) return
  s.stall.count--
  await new Promise(resolve => setTimeout(resolve, s.stall?.ms ?? 0))
}
