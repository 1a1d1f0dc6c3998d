import { EVENT_SOURCE_FOR_INPUT } from './preflight/eventsource.js'
import type { EventSourceInput } from '../inputs/types.js'

/** A request to send to the function as its event source would. */
export interface SyntheticRequest {
  method: string
  /** The request target: a path, possibly with ?query. */
  path: string
  headers?: Record<string, string>
}

export interface SyntheticContext {
  functionArn: string
  now: Date
  requestId: string
}

export const PRETRAFFIC_USER_AGENT = 'aspnet-lambda-deploy-pretraffic'

/** A plausible API id (10 lower-case characters, like API Gateway's). */
const API_ID = 'pretraffic'
/** The REST API stage: requestContext.path starts with it, as on execute-api. */
export const REST_API_STAGE = 'prod'
const SOURCE_IP = '127.0.0.1'

interface ArnParts {
  partition: string
  region: string
  account: string
}

/** Partition, region and account of a Lambda ARN; placeholders otherwise. */
export function arnParts(functionArn: string): ArnParts {
  const match = /^arn:([\w-]+):lambda:([\w-]+):(\d{12}):function:/.exec(
    functionArn
  )
  return {
    partition: match?.[1] ?? 'aws',
    region: match?.[2] ?? 'us-east-1',
    account: match?.[3] ?? '000000000000'
  }
}

function dnsSuffix(partition: string): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'
}

interface Target {
  path: string
  rawQuery: string
  /** Name and value of each query parameter, in order, as sent (encoded). */
  query: [string, string][]
}

function splitTarget(target: string): Target {
  const withoutFragment = target.split('#')[0] ?? ''
  const question = withoutFragment.indexOf('?')
  const rawPath =
    question < 0 ? withoutFragment : withoutFragment.slice(0, question)
  const rawQuery = question < 0 ? '' : withoutFragment.slice(question + 1)
  const query = rawQuery
    .split('&')
    .filter(pair => pair !== '')
    .map((pair): [string, string] => {
      const equals = pair.indexOf('=')
      return equals < 0
        ? [pair, '']
        : [pair.slice(0, equals), pair.slice(equals + 1)]
    })
  return {
    path: rawPath.startsWith('/') ? rawPath : `/${rawPath}`,
    rawQuery,
    query
  }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
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

/** API Gateway's request time: 12/Mar/2020:19:03:58 +0000. */
export function apiGatewayTime(now: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0')
  return (
    `${two(now.getUTCDate())}/${MONTHS[now.getUTCMonth()] ?? ''}/${now.getUTCFullYear()}:` +
    `${two(now.getUTCHours())}:${two(now.getUTCMinutes())}:${two(now.getUTCSeconds())} +0000`
  )
}

/** An X-Ray trace header derived from the request id, so it is stable. */
function traceId(now: Date, requestId: string): string {
  const seconds = Math.floor(now.getTime() / 1000).toString(16)
  const hex = Array.from(requestId)
    .map(c => c.charCodeAt(0).toString(16))
    .join('')
    .replace(/[^0-9a-f]/g, '')
    .padEnd(24, '0')
    .slice(0, 24)
  return `Root=1-${seconds}-${hex}`
}

function lowerCaseKeys(
  headers: Record<string, string>
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])
  )
}

function httpApiEvent(
  request: SyntheticRequest,
  target: Target,
  context: SyntheticContext
): Record<string, unknown> {
  const { region, account, partition } = arnParts(context.functionArn)
  const domainName = `${API_ID}.execute-api.${region}.${dnsSuffix(partition)}`
  const method = request.method.toUpperCase()
  const headers = {
    accept: '*/*',
    'content-length': '0',
    host: domainName,
    'user-agent': PRETRAFFIC_USER_AGENT,
    'x-amzn-trace-id': traceId(context.now, context.requestId),
    'x-forwarded-for': SOURCE_IP,
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
    ...lowerCaseKeys(request.headers ?? {})
  }
  // Payload 2.0 joins repeated parameters with commas and omits the map
  // when there is no query string.
  const parameters: Record<string, string> = {}
  for (const [name, value] of target.query) {
    const key = decode(name)
    const previous = parameters[key]
    parameters[key] =
      previous === undefined ? decode(value) : `${previous},${decode(value)}`
  }
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: target.path,
    rawQueryString: target.rawQuery,
    headers,
    ...(target.query.length > 0 && { queryStringParameters: parameters }),
    requestContext: {
      accountId: account,
      apiId: API_ID,
      domainName,
      domainPrefix: API_ID,
      http: {
        method,
        path: target.path,
        protocol: 'HTTP/1.1',
        sourceIp: SOURCE_IP,
        userAgent: headers['user-agent']
      },
      requestId: context.requestId,
      routeKey: '$default',
      // $default: Amazon.Lambda.AspNetCoreServer sets no path base.
      stage: '$default',
      time: apiGatewayTime(context.now),
      timeEpoch: context.now.getTime()
    },
    isBase64Encoded: false
  }
}

function restApiEvent(
  request: SyntheticRequest,
  target: Target,
  context: SyntheticContext
): Record<string, unknown> {
  const { region, account, partition } = arnParts(context.functionArn)
  const domainName = `${API_ID}.execute-api.${region}.${dnsSuffix(partition)}`
  const method = request.method.toUpperCase()
  const headers: Record<string, string> = {
    Accept: '*/*',
    Host: domainName,
    'User-Agent': PRETRAFFIC_USER_AGENT,
    'X-Amzn-Trace-Id': traceId(context.now, context.requestId),
    'X-Forwarded-For': SOURCE_IP,
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...request.headers
  }
  const multiValueHeaders = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, [value]])
  )
  // Payload 1.0 decodes parameters; the single-value map keeps the last one.
  const single: Record<string, string> = {}
  const multi: Record<string, string[]> = {}
  for (const [name, value] of target.query) {
    const key = decode(name)
    single[key] = decode(value)
    multi[key] = [...(multi[key] ?? []), decode(value)]
  }
  const hasQuery = target.query.length > 0
  // The root is its own resource; everything else matches /{proxy+}.
  const isRoot = target.path === '/'
  const resource = isRoot ? '/' : '/{proxy+}'
  return {
    resource,
    path: target.path,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? single : null,
    multiValueQueryStringParameters: hasQuery ? multi : null,
    pathParameters: isRoot ? null : { proxy: target.path.slice(1) },
    stageVariables: null,
    requestContext: {
      resourceId: 'pretrf',
      resourcePath: resource,
      httpMethod: method,
      extendedRequestId: context.requestId,
      requestTime: apiGatewayTime(context.now),
      path: `/${REST_API_STAGE}${target.path}`,
      accountId: account,
      protocol: 'HTTP/1.1',
      stage: REST_API_STAGE,
      domainPrefix: API_ID,
      requestTimeEpoch: context.now.getTime(),
      requestId: context.requestId,
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: SOURCE_IP,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: headers['User-Agent'],
        user: null
      },
      domainName,
      apiId: API_ID
    },
    body: null,
    isBase64Encoded: false
  }
}

function albEvent(
  request: SyntheticRequest,
  target: Target,
  context: SyntheticContext
): Record<string, unknown> {
  const { region, account, partition } = arnParts(context.functionArn)
  // ALB passes query parameters as sent, without decoding; the last wins.
  const parameters: Record<string, string> = {}
  for (const [name, value] of target.query) parameters[name] = value
  return {
    requestContext: {
      elb: {
        targetGroupArn: `arn:${partition}:elasticloadbalancing:${region}:${account}:targetgroup/aspnet-lambda-deploy-pretraffic/0123456789abcdef`
      }
    },
    httpMethod: request.method.toUpperCase(),
    path: target.path,
    queryStringParameters: parameters,
    headers: {
      accept: '*/*',
      host: `pretraffic.${region}.elb.${dnsSuffix(partition)}`,
      'user-agent': PRETRAFFIC_USER_AGENT,
      'x-amzn-trace-id': traceId(context.now, context.requestId),
      'x-forwarded-for': SOURCE_IP,
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...lowerCaseKeys(request.headers ?? {})
    },
    body: '',
    isBase64Encoded: false
  }
}

/**
 * The event API Gateway (HTTP API payload 2.0 or Function URL, REST API
 * payload 1.0) or an ALB would send for `request`, close enough to the real
 * thing that Amazon.Lambda.AspNetCoreServer's translation for that
 * LambdaEventSource turns it into the same HttpContext.
 */
export function syntheticEvent(
  source: EventSourceInput,
  request: SyntheticRequest,
  context: SyntheticContext
): Record<string, unknown> {
  const target = splitTarget(request.path)
  switch (source) {
    case 'http-api':
      return httpApiEvent(request, target, context)
    case 'rest-api':
      return restApiEvent(request, target, context)
    case 'alb':
      return albEvent(request, target, context)
  }
}

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

function headersOf(response: Record<string, unknown>): Record<string, string> {
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
