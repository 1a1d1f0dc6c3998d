/**
 * The data plane's translation (pure): an HTTP request to a Function URL or an HTTP API becomes
 * the event Lambda sends the function (payload format 2.0), and the function's answer becomes the
 * HTTP response. AWS docs: "Invoking Lambda function URLs", request and response payloads
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads), and API
 * Gateway "Create AWS Lambda proxy integrations for HTTP APIs", payload format version 2.0
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
 *   - Request: version "2.0", routeKey "$default", rawPath, rawQueryString, cookies (the Cookie
 *     header split at "; ", the header itself left out), headers with lower-case names (repeated
 *     ones comma-joined), queryStringParameters (repeated ones comma-joined), requestContext
 *     {accountId, apiId, domainName, domainPrefix, http {method, path, protocol, sourceIp,
 *     userAgent}, requestId, routeKey, stage "$default", time, timeEpoch}, body (text for text
 *     content types, else base64) and isBase64Encoded.
 *   - Response: a JSON object with statusCode is used as given: headers, cookies (each a
 *     Set-Cookie), body (decoded when isBase64Encoded); any other answer is a 200
 *     application/json with the answer as its body.
 *   - Streamed answers (an app hosted with EnableResponseStreaming) are Lambda's HTTP integration
 *     stream: a JSON prelude {statusCode, headers, cookies}, 8 NUL bytes, then the body.
 */
import type http from 'node:http'

export interface HttpRequestFacts {
  method: string
  /** The path and query as the function sees them (after /_url/<fn> or /_apigw/<id>). */
  pathAndQuery: string
  /** Node's rawHeaders: name, value, name, value ... */
  rawHeaders: readonly string[]
  body: Buffer
  sourceIp: string
  /** The URL's or the API's id (requestContext.apiId). */
  apiId: string
  domainName: string
  accountId: string
  requestId: string
  now: Date
}

export interface HttpAnswer {
  status: number
  /** name, value pairs (a name may repeat, e.g. set-cookie) */
  headers: [string, string][]
  body: Buffer
}

const TEXT_CONTENT = /^text\/|json|xml|javascript|x-www-form-urlencoded/i

function queryParameters(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined
  const out: Record<string, string> = {}
  for (const [k, v] of new URLSearchParams(raw))
    out[k] = out[k] === undefined ? v : `${out[k]},${v}`
  return out
}

/** The payload format 2.0 event of an HTTP request. */
export function payloadV2Event(r: HttpRequestFacts): Record<string, unknown> {
  const q = r.pathAndQuery.indexOf('?')
  const rawPath = q < 0 ? r.pathAndQuery : r.pathAndQuery.slice(0, q)
  const rawQueryString = q < 0 ? '' : r.pathAndQuery.slice(q + 1)
  const headers: Record<string, string> = {}
  const cookies: string[] = []
  for (let i = 0; i + 1 < r.rawHeaders.length; i += 2) {
    const name = (r.rawHeaders[i] ?? '').toLowerCase()
    const value = r.rawHeaders[i + 1] ?? ''
    if (name === 'cookie') {
      cookies.push(...value.split(/;\s*/).filter(c => c !== ''))
      continue
    }
    headers[name] =
      headers[name] === undefined ? value : `${headers[name]},${value}`
  }
  const contentType = headers['content-type'] ?? ''
  const text = r.body.length === 0 || TEXT_CONTENT.test(contentType)
  const query = queryParameters(rawQueryString)
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query !== undefined ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: r.accountId,
      apiId: r.apiId,
      domainName: r.domainName,
      domainPrefix: r.domainName.split('.')[0] ?? r.domainName,
      http: {
        method: r.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: r.sourceIp,
        userAgent: headers['user-agent'] ?? ''
      },
      requestId: r.requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(r.now),
      timeEpoch: r.now.getTime()
    },
    ...(r.body.length > 0
      ? { body: r.body.toString(text ? 'utf8' : 'base64') }
      : {}),
    isBase64Encoded: !text
  }
}

const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec'
]

/** requestContext.time: `06/Dec/2026:16:30:00 +0000` */
function clfTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()] ?? ''}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function headerPairs(headers: unknown, cookies: unknown): [string, string][] {
  const out: [string, string][] = []
  if (isRecord(headers))
    for (const [k, v] of Object.entries(headers))
      if (
        typeof v === 'string' ||
        typeof v === 'number' ||
        typeof v === 'boolean'
      )
        out.push([k, String(v)])
  if (Array.isArray(cookies))
    for (const c of cookies) out.push(['set-cookie', String(c)])
  return out
}

/** The HTTP response for a buffered answer (payload format 2.0 response). */
export function answerOfPayload(payload: Buffer): HttpAnswer {
  let parsed: unknown
  try {
    parsed = JSON.parse(payload.toString('utf8'))
  } catch {
    parsed = undefined
  }
  if (isRecord(parsed) && typeof parsed.statusCode === 'number') {
    const raw = typeof parsed.body === 'string' ? parsed.body : ''
    return {
      status: parsed.statusCode,
      headers: headerPairs(parsed.headers, parsed.cookies),
      body: Buffer.from(
        raw,
        parsed.isBase64Encoded === true ? 'base64' : 'utf8'
      )
    }
  }
  return {
    status: 200,
    headers: [['content-type', 'application/json']],
    body: payload
  }
}

/** The HTTP response a streamed answer stands for: the prelude's status and headers, the body. */
export function answerOfStream(bytes: Buffer): HttpAnswer {
  const end = bytes.indexOf(Buffer.alloc(8))
  if (end < 0) return { status: 200, headers: [], body: bytes }
  let prelude: unknown
  try {
    prelude = JSON.parse(bytes.subarray(0, end).toString('utf8'))
  } catch {
    prelude = undefined
  }
  const p = isRecord(prelude) ? prelude : {}
  return {
    status: typeof p.statusCode === 'number' ? p.statusCode : 200,
    headers: headerPairs(p.headers, p.cookies),
    body: bytes.subarray(end + 8)
  }
}

/** Writes an answer (repeated names kept, e.g. several Set-Cookie). */
export function sendAnswer(res: http.ServerResponse, a: HttpAnswer): void {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of a.headers) {
    const lower = name.toLowerCase()
    if (lower === 'content-length' || lower === 'transfer-encoding') continue
    const key =
      Object.keys(headers).find(k => k.toLowerCase() === lower) ?? name
    const existing = headers[key]
    headers[key] =
      existing === undefined
        ? value
        : lower === 'set-cookie'
          ? [...(Array.isArray(existing) ? existing : [existing]), value]
          : `${Array.isArray(existing) ? existing.join(',') : existing},${value}`
  }
  headers['content-length'] = String(a.body.length)
  res.writeHead(a.status, headers)
  res.end(a.body)
}
