/**
 * CloudWatch Logs (SigV4 service `logs`, JSON 1.1): FilterLogEvents over what the functions'
 * execution environments wrote (./log-store.ts); every other operation goes to moto unchanged.
 *   - FilterLogEvents: logGroupName or logGroupIdentifier (name or log-group ARN), logStreamNames,
 *     logStreamNamePrefix, startTime / endTime (epoch ms, inclusive), limit (default and max 10000),
 *     nextToken (an offset), filterPattern: plain terms (each must appear, case-sensitive), "quoted
 *     phrases", `?a ?b` (any of them), `-term` (none of them), `%regex%`; JSON `{...}` and
 *     space-delimited `[...]` patterns are NOT supported and match every event. Answer:
 *     {events: [{logStreamName, timestamp, message, ingestionTime, eventId (56 digits)}] sorted by
 *     time, searchedLogStreams: [{logStreamName, searchedCompletely: true}], nextToken?}.
 *   - A group no function has written to goes to moto (a group created there answers from moto);
 *     otherwise 400 {"__type":"ResourceNotFoundException","message":"The specified log group does
 *     not exist."} with x-amzn-ErrorType.
 */
import { randomUUID } from 'node:crypto'
import type http from 'node:http'

import { parseJson, relay, sendJson, sha256Hex, type Json } from './http.js'
import {
  logGroups,
  pendingEnds,
  streamEvents,
  type LogEvent
} from './log-store.js'
import { forwardToMoto } from './moto.js'

/** CloudWatch Logs' JSON 1.1 error shape. */
function logsError(
  res: http.ServerResponse,
  status: number,
  type: string,
  message: string
): void {
  sendJson(
    res,
    status,
    { __type: type, message },
    {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-errortype': type,
      'x-amzn-requestid': randomUUID()
    }
  )
}

/**
 * A CloudWatch Logs filter pattern as a predicate. Supported: terms (all must appear), quoted
 * phrases, `?term` (any of them), `-term` (none of them), `%regex%`. JSON (`{...}`) and
 * space-delimited (`[...]`) patterns are not supported and match every event.
 */
function logFilter(pattern: string | undefined): (message: string) => boolean {
  const p = (pattern ?? '').trim()
  if (!p || p.startsWith('{') || p.startsWith('[')) return () => true
  const regex = /^%(.*)%$/.exec(p)
  if (regex?.[1] !== undefined) {
    const re = new RegExp(regex[1])
    return m => re.test(m)
  }
  const all: string[] = []
  const any: string[] = []
  const none: string[] = []
  for (const t of p.matchAll(/([?-])?(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    const term =
      t[2] !== undefined ? t[2].replace(/\\(.)/g, '$1') : (t[3] ?? '')
    if (!term) continue
    if (t[1] === '?') any.push(term)
    else if (t[1] === '-') none.push(term)
    else all.push(term)
  }
  return m =>
    all.every(t => m.includes(t)) &&
    !none.some(t => m.includes(t)) &&
    (any.length === 0 || any.some(t => m.includes(t)))
}

function eventId(stream: string, e: LogEvent, index: number): string {
  const h = BigInt(`0x${sha256Hex(`${stream}|${e.ts}|${index}|${e.message}`)}`)
  return (h % BigInt(10) ** BigInt(56)).toString().padStart(56, '0')
}

export async function handleLogsApi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer
): Promise<void> {
  const op = String(req.headers['x-amz-target'] ?? '')
    .split('.')
    .pop()
  if (op !== 'FilterLogEvents')
    return relay(res, await forwardToMoto(req, body))
  const input = parseJson(body) ?? {}
  await Promise.all([...pendingEnds])
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' && v !== '' ? v : undefined
  const num = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) ? v : undefined
  const identifier = str(input.logGroupIdentifier)
  const group =
    str(input.logGroupName) ??
    (identifier
      ? (/^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/.exec(
          identifier
        )?.[1] ?? identifier)
      : undefined)
  if (!group)
    return logsError(
      res,
      400,
      'InvalidParameterException',
      'Either logGroupName or logGroupIdentifier must be specified.'
    )
  const streams = logGroups.get(group)
  if (!streams?.size) {
    // Not a group a function wrote to: moto may know it (CreateLogGroup); else it does not exist.
    const r = await forwardToMoto(req, body)
    if (r.status < 300) return relay(res, r)
    return logsError(
      res,
      400,
      'ResourceNotFoundException',
      'The specified log group does not exist.'
    )
  }
  const names = Array.isArray(input.logStreamNames)
    ? (input.logStreamNames as unknown[]).filter(
        (n): n is string => typeof n === 'string'
      )
    : undefined
  const prefix = str(input.logStreamNamePrefix)
  const selected = [...streams.values()].filter(
    st =>
      (!names || names.includes(st.name)) &&
      (!prefix || st.name.startsWith(prefix))
  )
  const startTime = num(input.startTime)
  const endTime = num(input.endTime)
  const match = logFilter(str(input.filterPattern))
  const all: { e: LogEvent; out: Json }[] = []
  for (const st of selected) {
    const events = await streamEvents(st)
    events.forEach((e, i) => {
      const timestamp = Math.floor(e.ts)
      if (startTime !== undefined && timestamp < startTime) return
      if (endTime !== undefined && timestamp > endTime) return
      if (!match(e.message)) return
      all.push({
        e,
        out: {
          logStreamName: st.name,
          timestamp,
          message: e.message,
          ingestionTime: timestamp + 37,
          eventId: eventId(st.name, e, i)
        }
      })
    })
  }
  all.sort((a, b) => a.e.ts - b.e.ts || a.e.order - b.e.order)
  const limit = Math.max(1, Math.min(10000, num(input.limit) ?? 10000))
  let offset = 0
  const token = str(input.nextToken)
  if (token) {
    const o = (
      parseJson(Buffer.from(token, 'base64url')) as
        { offset?: unknown } | undefined
    )?.offset
    if (typeof o !== 'number')
      return logsError(
        res,
        400,
        'InvalidParameterException',
        'The specified nextToken is invalid.'
      )
    offset = o
  }
  const page = all.slice(offset, offset + limit).map(x => x.out)
  const out: Json = {
    events: page,
    searchedLogStreams: selected.map(st => ({
      logStreamName: st.name,
      searchedCompletely: true
    }))
  }
  if (offset + limit < all.length)
    out.nextToken = Buffer.from(
      JSON.stringify({ offset: offset + limit })
    ).toString('base64url')
  sendJson(res, 200, out, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID()
  })
}
