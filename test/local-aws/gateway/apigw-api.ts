/**
 * API Gateway v2's API (SigV4 service `apigateway`): moto answers; apiEndpoint is
 * http://127.0.0.1:4566/_apigw/<apiId>, served by the data plane (./data-plane.ts).
 */
import type http from 'node:http'

import { PUBLIC_HOST } from './config.js'
import { parseJson, relay, type Json } from './http.js'
import { forwardToMoto } from './moto.js'

export async function handleApigwApi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer
): Promise<void> {
  const r = await forwardToMoto(req, body)
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const out =
    r.status < 300 && /^\/v2\/apis(\/[^/]+)?\/?$/.test(url.pathname)
      ? parseJson(r.body)
      : undefined
  if (!out) return relay(res, r)
  const fix = (a: Json): void => {
    if (typeof a.apiId === 'string' && 'apiEndpoint' in a)
      a.apiEndpoint = `http://${PUBLIC_HOST}/_apigw/${a.apiId}`
  }
  fix(out)
  for (const a of (out.items as Json[] | undefined) ?? []) fix(a)
  relay(res, r, out)
}
