/**
 * Every request the gateway served since the last reset, named the way AWS names the operation
 * (service + operation: `lambda` `UpdateFunctionCode`, `ecr` `DescribeImages`), or for the registry
 * and the data planes by method and kind (`registry` `PUT manifests`, `function-url` `GET`). Tests
 * read it through GET /_local/calls, e.g. to prove that a dry run made no mutating call. Control
 * routes (/_local/...) are not recorded.
 */
import type http from 'node:http'

export interface CallRecord {
  /** epoch ms */
  at: number
  service: string
  operation: string
  /** Lambda: the function (name or ARN) the call names, decoded. */
  resource?: string
  /**
   * UpdateFunctionCode with `DryRun: true`: Lambda validates the request and
   * the caller's permissions and changes nothing (API_UpdateFunctionCode).
   */
  dryRun?: true
}

/** The function a Lambda REST path names: /functions/<name>/... or /tags/<arn> (pure). */
export function lambdaResourceOf(url: string): string | undefined {
  const path = (url.split('?')[0] ?? url).replace(/^\/\d{4}-\d{2}-\d{2}/, '')
  const match = /^\/(?:functions|tags)\/([^/]+)/.exec(path)
  if (match?.[1] === undefined) return undefined
  try {
    return decodeURIComponent(match[1])
  } catch {
    return match[1]
  }
}

export const callLog: CallRecord[] = []

/** Lambda's REST operations: method and path (after the API version) -> operation name. */
const LAMBDA_OPERATIONS: [string, RegExp, string][] = [
  ['GET', /^\/functions\/?$/, 'ListFunctions'],
  ['POST', /^\/functions\/?$/, 'CreateFunction'],
  ['GET', /^\/functions\/[^/]+\/?$/, 'GetFunction'],
  ['DELETE', /^\/functions\/[^/]+\/?$/, 'DeleteFunction'],
  ['GET', /^\/functions\/[^/]+\/configuration$/, 'GetFunctionConfiguration'],
  ['PUT', /^\/functions\/[^/]+\/configuration$/, 'UpdateFunctionConfiguration'],
  ['PUT', /^\/functions\/[^/]+\/code$/, 'UpdateFunctionCode'],
  ['GET', /^\/functions\/[^/]+\/versions$/, 'ListVersionsByFunction'],
  ['POST', /^\/functions\/[^/]+\/versions$/, 'PublishVersion'],
  ['GET', /^\/functions\/[^/]+\/aliases$/, 'ListAliases'],
  ['POST', /^\/functions\/[^/]+\/aliases$/, 'CreateAlias'],
  ['GET', /^\/functions\/[^/]+\/aliases\/[^/]+$/, 'GetAlias'],
  ['PUT', /^\/functions\/[^/]+\/aliases\/[^/]+$/, 'UpdateAlias'],
  ['DELETE', /^\/functions\/[^/]+\/aliases\/[^/]+$/, 'DeleteAlias'],
  ['GET', /^\/functions\/[^/]+\/policy$/, 'GetPolicy'],
  ['POST', /^\/functions\/[^/]+\/policy$/, 'AddPermission'],
  ['DELETE', /^\/functions\/[^/]+\/policy\/[^/]+$/, 'RemovePermission'],
  ['POST', /^\/functions\/[^/]+\/invocations$/, 'Invoke'],
  [
    'POST',
    /^\/functions\/[^/]+\/response-streaming-invocations$/,
    'InvokeWithResponseStream'
  ],
  ['GET', /^\/functions\/[^/]+\/url$/, 'GetFunctionUrlConfig'],
  ['POST', /^\/functions\/[^/]+\/url$/, 'CreateFunctionUrlConfig'],
  ['PUT', /^\/functions\/[^/]+\/url$/, 'UpdateFunctionUrlConfig'],
  ['DELETE', /^\/functions\/[^/]+\/url$/, 'DeleteFunctionUrlConfig'],
  ['GET', /^\/functions\/[^/]+\/urls$/, 'ListFunctionUrlConfigs'],
  ['GET', /^\/tags\/.+$/, 'ListTags'],
  ['POST', /^\/tags\/.+$/, 'TagResource'],
  ['DELETE', /^\/tags\/.+$/, 'UntagResource']
]

/** API Gateway v2's REST operations this project uses. */
const APIGW_OPERATIONS: [string, RegExp, string][] = [
  ['GET', /^\/v2\/apis$/, 'GetApis'],
  ['GET', /^\/v2\/apis\/[^/]+$/, 'GetApi'],
  ['GET', /^\/v2\/apis\/[^/]+\/integrations$/, 'GetIntegrations'],
  ['GET', /^\/v2\/apis\/[^/]+\/stages$/, 'GetStages'],
  ['GET', /^\/v2\/apis\/[^/]+\/routes$/, 'GetRoutes']
]

function restOperation(
  table: [string, RegExp, string][],
  method: string,
  path: string
): string {
  const found = table.find(([m, re]) => m === method && re.test(path))
  return found?.[2] ?? `${method} ${path}`
}

/** The operation a request names (pure; exported for its test). */
export function operationOf(
  service: string,
  method: string,
  url: string,
  target: string | undefined
): string {
  const path = url.split('?')[0] ?? url
  if (target !== undefined && target !== '')
    return target.split('.').pop() ?? target
  if (service === 'lambda')
    return restOperation(
      LAMBDA_OPERATIONS,
      method,
      path.replace(/^\/\d{4}-\d{2}-\d{2}/, '')
    )
  if (service === 'apigateway')
    return restOperation(APIGW_OPERATIONS, method, path)
  if (service === 'registry') {
    const kind = /^\/v2\/.+\/(manifests|blobs\/uploads|blobs|tags)\b/.exec(
      path
    )?.[1]
    return `${method} ${kind ?? path}`
  }
  return method
}

/** Record one request (SigV4 scope, or the registry / data planes by path). */
export function recordCall(
  req: http.IncomingMessage,
  scope: { service: string } | undefined
): void {
  const url = req.url ?? '/'
  const method = req.method ?? 'GET'
  const service =
    scope?.service ??
    (url === '/v2' || url.startsWith('/v2/')
      ? 'registry'
      : url.startsWith('/_url/')
        ? 'function-url'
        : url.startsWith('/_apigw/')
          ? 'http-api'
          : undefined)
  if (service === undefined) return
  const target = req.headers['x-amz-target']
  const resource = service === 'lambda' ? lambdaResourceOf(url) : undefined
  const record: CallRecord = {
    at: Date.now(),
    service,
    operation: operationOf(
      service,
      method,
      url,
      typeof target === 'string' ? target : undefined
    ),
    ...(resource !== undefined && { resource })
  }
  callLog.push(record)
  recordOf.set(req, record)
}

/** The record of each request, for what only its body tells (DryRun). */
const recordOf = new WeakMap<http.IncomingMessage, CallRecord>()

/** Mark the request's record as a dry run (it changed nothing). */
export function markDryRun(req: http.IncomingMessage): void {
  const record = recordOf.get(req)
  if (record !== undefined) record.dryRun = true
}
