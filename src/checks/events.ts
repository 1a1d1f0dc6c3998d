/**
 * The request events the function's event source would send (API Gateway
 * HTTP API payload 2.0 or Function URL, REST API payload 1.0, ALB), built for
 * the pre-traffic checks that invoke the function directly.
 */
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

interface HeaderStyle {
  /**
   * HTTP API payload 2.0 and ALB send lower-case names (the caller's too);
   * REST API payload 1.0 keeps the canonical case and the caller's names
   * as sent.
   */
  lowerCase: boolean
  /** HTTP API payload 2.0 reports the (empty) body's length. */
  contentLength: boolean
}

/** The headers the event source puts in front of the request's own. */
function forwardedHeaders(
  host: string,
  request: SyntheticRequest,
  context: SyntheticContext,
  style: HeaderStyle
): Record<string, string> {
  const added: Record<string, string> = {
    Accept: '*/*',
    ...(style.contentLength && { 'Content-Length': '0' }),
    Host: host,
    'User-Agent': PRETRAFFIC_USER_AGENT,
    'X-Amzn-Trace-Id': traceId(context.now, context.requestId),
    'X-Forwarded-For': SOURCE_IP,
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https'
  }
  const own = request.headers ?? {}
  return style.lowerCase
    ? { ...lowerCaseKeys(added), ...lowerCaseKeys(own) }
    : { ...added, ...own }
}

function httpApiEvent(
  request: SyntheticRequest,
  target: Target,
  context: SyntheticContext
): Record<string, unknown> {
  const { region, account, partition } = arnParts(context.functionArn)
  const domainName = `${API_ID}.execute-api.${region}.${dnsSuffix(partition)}`
  const method = request.method.toUpperCase()
  const headers = forwardedHeaders(domainName, request, context, {
    lowerCase: true,
    contentLength: true
  })
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
  const headers = forwardedHeaders(domainName, request, context, {
    lowerCase: false,
    contentLength: false
  })
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
    headers: forwardedHeaders(
      `pretraffic.${region}.elb.${dnsSuffix(partition)}`,
      request,
      context,
      { lowerCase: true, contentLength: false }
    ),
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
