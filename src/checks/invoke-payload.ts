/**
 * Reading the function's answer to a synthetic request: the HTTP response an
 * ASP.NET Core app hosted for the event source returns in the Invoke payload,
 * or why there is none (a FunctionError, or an answer of the wrong shape).
 */
import { EVENT_SOURCE_FOR_INPUT } from './preflight/eventsource.js'
import type { EventSourceInput } from '../inputs/types.js'

export interface HttpAnswer {
  status: number
  /** Lower-case names; repeated values joined with ", ". */
  headers: Record<string, string>
  body: string
}

export type InvokeReading =
  { kind: 'answer'; answer: HttpAnswer } | { kind: 'error'; reason: string }

/** Why an invocation gave no HTTP answer, for callers that decide on it. */
export interface InvokeFailure {
  kind: 'error'
  reason: string
  /**
   * function-error: Lambda reported a FunctionError (crash, timeout, an
   * unhandled exception). wrong-shape: the function answered, but not like an
   * ASP.NET Core app hosted for this event source; retrying cannot help.
   */
  cause: 'function-error' | 'wrong-shape'
  /** The payload's errorType (e.g. Runtime.ExitError), when there is one. */
  errorType: string | undefined
}

export type InvokeInspection =
  { kind: 'answer'; answer: HttpAnswer } | InvokeFailure

const DESCRIBED_SOURCE: Record<EventSourceInput, string> = {
  'http-api': 'an API Gateway HTTP API (payload 2.0) or Function URL',
  'rest-api': 'an API Gateway REST API (payload 1.0)',
  alb: 'an Application Load Balancer'
}

function hostingHint(source: EventSourceInput): string {
  return (
    `The app's AddAWSLambdaHosting(LambdaEventSource.${EVENT_SOURCE_FOR_INPUT[source]}) must match how the function is invoked, ` +
    `or set event-source to the event source the app is hosted for.`
  )
}

const MAX_REASON = 500

function readable(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON)}…` : flat
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function stringField(
  record: Record<string, unknown>,
  name: string
): string | undefined {
  const value = record[name]
  return typeof value === 'string' ? value : undefined
}

function functionFailure(
  source: EventSourceInput,
  payload: string | undefined,
  functionError: string
): InvokeFailure {
  const parsed = parseJson(payload ?? '')
  if (!isRecord(parsed)) {
    const text = readable(payload ?? '')
    return {
      kind: 'error',
      cause: 'function-error',
      errorType: undefined,
      reason: text === '' ? functionError : `${functionError}: ${text}`
    }
  }
  const errorType = stringField(parsed, 'errorType')
  const message = readable(stringField(parsed, 'errorMessage') ?? '')
  const reason = [errorType ?? functionError, message]
    .filter(part => part !== '')
    .join(': ')
  // The app is hosted for another event source when the ASP.NET Core adapter
  // itself throws while turning the event into a request.
  const stack = parsed.stackTrace
  const inAdapter =
    Array.isArray(stack) &&
    stack.some(
      line =>
        typeof line === 'string' &&
        line.includes('Amazon.Lambda.AspNetCoreServer') &&
        line.includes('MarshallRequest')
    )
  if (inAdapter) {
    return {
      kind: 'error',
      cause: 'wrong-shape',
      errorType,
      reason: `${reason} (thrown while Amazon.Lambda.AspNetCoreServer read the ${source} event). ${hostingHint(source)}`
    }
  }
  return { kind: 'error', cause: 'function-error', errorType, reason }
}

/** An HTTP answer's headers: a proxy response's, or a streaming prelude's. */
export function headersOf(
  response: Record<string, unknown>
): Record<string, string> {
  const headers: Record<string, string> = {}
  if (isRecord(response.headers)) {
    for (const [name, value] of Object.entries(response.headers)) {
      if (typeof value === 'string' || typeof value === 'number') {
        headers[name.toLowerCase()] = String(value)
      }
    }
  }
  // API Gateway: for a name in both, the multi-value list wins.
  if (isRecord(response.multiValueHeaders)) {
    for (const [name, values] of Object.entries(response.multiValueHeaders)) {
      if (Array.isArray(values)) {
        headers[name.toLowerCase()] = values.map(String).join(', ')
      }
    }
  }
  // Payload 2.0 returns Set-Cookie headers as a separate cookies list.
  if (Array.isArray(response.cookies) && response.cookies.length > 0) {
    headers['set-cookie'] = response.cookies.map(String).join(', ')
  }
  return headers
}

/**
 * Everything readInvokePayload knows, including whether the failure can
 * heal: the narrow InvokeReading is what most callers need.
 */
export function inspectInvokePayload(
  source: EventSourceInput,
  payload: string | undefined,
  functionError: string | undefined
): InvokeInspection {
  if (functionError !== undefined && functionError !== '') {
    return functionFailure(source, payload, functionError)
  }
  const parsed = parseJson(payload ?? '')
  if (!isRecord(parsed) || typeof parsed.statusCode !== 'number') {
    const shown = readable(payload ?? '')
    return {
      kind: 'error',
      cause: 'wrong-shape',
      errorType: undefined,
      reason:
        `The function did not answer like an ASP.NET Core app hosted for ${DESCRIBED_SOURCE[source]}: ` +
        `expected a JSON object with a numeric statusCode, got ${shown === '' ? 'nothing' : shown}. ${hostingHint(source)}`
    }
  }
  const rawBody = parsed.body
  const text = typeof rawBody === 'string' ? rawBody : ''
  const body =
    parsed.isBase64Encoded === true
      ? Buffer.from(text, 'base64').toString('utf8')
      : text
  return {
    kind: 'answer',
    answer: { status: parsed.statusCode, headers: headersOf(parsed), body }
  }
}

/** The HTTP answer in an Invoke response's payload, or why there is none. */
export function readInvokePayload(
  source: EventSourceInput,
  payload: string | undefined,
  functionError: string | undefined
): InvokeReading {
  const inspection = inspectInvokePayload(source, payload, functionError)
  return inspection.kind === 'answer'
    ? inspection
    : { kind: 'error', reason: inspection.reason }
}
