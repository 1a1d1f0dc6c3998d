/**
 * Invoke's events: a Lambda event -> an HTTP request to the app -> the event source's response
 * shape, as ASP.NET Core's AddAWSLambdaHosting (Amazon.Lambda.AspNetCoreServer) does.
 *   - The event is answered as ASP.NET Core's AddAWSLambdaHosting would: it becomes an HTTP request
 *     to the app (method, path, query string, headers, cookies, body with isBase64Encoded) and the
 *     app's response is wrapped in the event source's response shape:
 *       HTTP API 2.0 (version "2.0" + requestContext.http.method): rawPath, rawQueryString, headers,
 *         cookies -> {statusCode, headers (comma-joined), cookies (Set-Cookie values, when any),
 *         body, isBase64Encoded}
 *       ALB (httpMethod + path + requestContext.elb.targetGroupArn): query string passed on still
 *         encoded; headers or multiValueHeaders -> {statusCode, statusDescription "200 OK",
 *         headers or multiValueHeaders (as the request used), body, isBase64Encoded}
 *       REST API 1.0 (httpMethod + path, no elb; also HTTP API payload 1.0): (multiValue)
 *         queryStringParameters (URL-encoded again), (multiValue)headers -> {statusCode, headers
 *         (last value), multiValueHeaders, body, isBase64Encoded}
 *     Response header names keep the app's spelling. Bodies of text/*, *json*, *xml*, *javascript*
 */
import http from 'node:http'

import type { Json, RawResponse } from './http.js'

type EventKind = 'http-api-v2' | 'rest-api-v1' | 'alb'

export function eventKind(ev: Json): EventKind | undefined {
  const rc = (ev.requestContext ?? {}) as Json
  const httpCtx = rc.http as Json | undefined
  if (ev.version === '2.0' && typeof httpCtx?.method === 'string')
    return 'http-api-v2'
  if (typeof ev.httpMethod === 'string' && typeof ev.path === 'string') {
    const elb = rc.elb as Json | undefined
    return typeof elb?.targetGroupArn === 'string' ? 'alb' : 'rest-api-v1'
  }
  return undefined
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-connection'
])

function scalar(x: unknown): string {
  return typeof x === 'string' ||
    typeof x === 'number' ||
    typeof x === 'boolean'
    ? String(x)
    : JSON.stringify(x)
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v as Json))
      if (x !== null && x !== undefined) out[k] = scalar(x)
  return out
}

function listRecord(v: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v as Json))
      if (Array.isArray(x)) out[k] = x.map(scalar)
  return out
}

export interface AppRequest {
  method: string
  path: string
  headers: http.OutgoingHttpHeaders
  body: Buffer
  multiValueHeaders: boolean
}

/** The HTTP request an event stands for (method, path and query, headers, cookies, body). */
export function eventToRequest(kind: EventKind, ev: Json): AppRequest {
  const rc = (ev.requestContext ?? {}) as Json
  const headers: http.OutgoingHttpHeaders = {}
  let method: string
  let p: string
  let query: string
  let multiValueHeaders = false
  if (kind === 'http-api-v2') {
    const h = (rc.http ?? {}) as Json
    method = scalar(h.method)
    p =
      typeof ev.rawPath === 'string'
        ? ev.rawPath
        : typeof h.path === 'string'
          ? h.path
          : '/'
    if (typeof ev.rawQueryString === 'string') query = ev.rawQueryString
    else
      query = Object.entries(stringRecord(ev.queryStringParameters))
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
        .join('&')
    for (const [k, v] of Object.entries(stringRecord(ev.headers)))
      headers[k.toLowerCase()] = v
    if (Array.isArray(ev.cookies) && ev.cookies.length)
      headers.cookie = ev.cookies.map(String).join('; ')
  } else {
    method = scalar(ev.httpMethod)
    p = scalar(ev.path)
    // ALB passes the query string as the client sent it (still encoded); API Gateway decodes it.
    const enc = kind === 'alb' ? (s: string): string => s : encodeURIComponent
    const mvq = listRecord(ev.multiValueQueryStringParameters)
    const pairs: string[] = []
    if (Object.keys(mvq).length) {
      for (const [k, vs] of Object.entries(mvq))
        for (const v of vs) pairs.push(`${enc(k)}=${enc(v)}`)
    } else {
      for (const [k, v] of Object.entries(
        stringRecord(ev.queryStringParameters)
      ))
        pairs.push(`${enc(k)}=${enc(v)}`)
    }
    query = pairs.join('&')
    const mvh = listRecord(ev.multiValueHeaders)
    if (ev.multiValueHeaders && typeof ev.multiValueHeaders === 'object') {
      multiValueHeaders = true
      for (const [k, vs] of Object.entries(mvh))
        headers[k.toLowerCase()] = vs.length === 1 ? (vs[0] ?? '') : vs
    } else {
      for (const [k, v] of Object.entries(stringRecord(ev.headers)))
        headers[k.toLowerCase()] = v
    }
  }
  for (const h of HOP_BY_HOP) delete headers[h]
  const raw = typeof ev.body === 'string' ? ev.body : ''
  const body = ev.isBase64Encoded
    ? Buffer.from(raw, 'base64')
    : Buffer.from(raw, 'utf8')
  headers['content-length'] = String(body.length)
  return {
    method,
    path: `${p.startsWith('/') ? p : `/${p}`}${query ? `?${query}` : ''}`,
    headers,
    body,
    multiValueHeaders
  }
}

const TEXT_CONTENT = /^text\/|json|xml|javascript/i

/** The app's HTTP response in the event source's response shape. */
export function responseToEvent(
  kind: EventKind,
  r: RawResponse,
  multiValueRequest: boolean
): Json {
  const multi: Record<string, string[]> = {}
  const raw = r.rawHeaders ?? []
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i] ?? ''
    if (HOP_BY_HOP.has(k.toLowerCase())) continue
    const existing = Object.keys(multi).find(
      x => x.toLowerCase() === k.toLowerCase()
    )
    ;(multi[existing ?? k] ??= []).push(raw[i + 1] ?? '')
  }
  const contentType =
    Object.entries(multi).find(
      ([k]) => k.toLowerCase() === 'content-type'
    )?.[1]?.[0] ?? ''
  const text = r.body.length === 0 || TEXT_CONTENT.test(contentType)
  const body = text ? r.body.toString('utf8') : r.body.toString('base64')
  const single: Record<string, string> = {}
  for (const [k, vs] of Object.entries(multi))
    single[k] = vs[vs.length - 1] ?? ''
  if (kind === 'http-api-v2') {
    const headers: Record<string, string> = {}
    let cookies: string[] = []
    for (const [k, vs] of Object.entries(multi)) {
      if (k.toLowerCase() === 'set-cookie') cookies = vs
      else headers[k] = vs.join(',')
    }
    return {
      statusCode: r.status,
      headers,
      ...(cookies.length ? { cookies } : {}),
      body,
      isBase64Encoded: !text
    }
  }
  if (kind === 'rest-api-v1')
    return {
      statusCode: r.status,
      headers: single,
      multiValueHeaders: multi,
      body,
      isBase64Encoded: !text
    }
  return {
    statusCode: r.status,
    statusDescription:
      `${r.status} ${http.STATUS_CODES[r.status] ?? ''}`.trim(),
    ...(multiValueRequest ? { multiValueHeaders: multi } : { headers: single }),
    body,
    isBase64Encoded: !text
  }
}
