/** One request to Lambda's REST API, parsed once for the handlers of ./lambda-*.ts. */
import type http from 'node:http'

import { PUBLIC_HOST } from './config.js'
import { canonicalFunctionName } from './lambda-state.js'

export interface FunctionRef {
  name: string
  qualifier?: string
}

export interface LambdaCall {
  req: http.IncomingMessage
  res: http.ServerResponse
  body: Buffer
  region: string
  method: string
  /** the path's segments: ['2015-03-31', 'functions', <function>, <sub>, ...] */
  segs: string[]
  /** the function the path names (name, partial or full ARN, `name:qualifier`) */
  fn: FunctionRef | undefined
  /** ?Qualifier=, else the one in the function's name */
  qualifier: string | undefined
  /** no qualifier, or $LATEST */
  latest: boolean
  /** the part of the function the path names: code, configuration, versions, aliases, policy, url... */
  sub: string | undefined
}

/** A call whose path names a function: /<api version>/functions/<function>/... */
export interface FunctionCall extends LambdaCall {
  fn: FunctionRef
}

export function parseLambdaCall(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  region: string
): LambdaCall {
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const method = req.method ?? 'GET'
  const segs = url.pathname.split('/').filter(Boolean)
  const qualifierParam = url.searchParams.get('Qualifier') ?? undefined
  const fnSeg = segs[1] === 'functions' ? segs[2] : undefined
  const fn = fnSeg !== undefined ? canonicalFunctionName(fnSeg) : undefined
  const qualifier = qualifierParam ?? fn?.qualifier
  const latest = qualifier === undefined || qualifier === '$LATEST'
  const sub = segs[3]
  return { req, res, body, region, method, segs, fn, qualifier, latest, sub }
}
