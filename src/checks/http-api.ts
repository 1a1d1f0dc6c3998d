/**
 * HTTP APIs (API Gateway v2) in front of a function: the one walk over the
 * account's APIs and their integrations that the smoke test (where to send
 * its request) and the reach discovery (which event sources the app must
 * handle) both take. Loaded only by runs that look for an HTTP API, so the
 * API Gateway SDK stays out of start-up.
 */
import type {
  Api,
  ApiGatewayV2Client,
  Integration
} from '@aws-sdk/client-apigatewayv2'
import { invokedQualifier, invokesFunction } from '../aws/function-arn.js'
import { apiIntegrations, apiPages, apiStageNames } from '../aws/http-apis.js'
import { EVERY_TIME, type ReadOnce } from '../util/read-once.js'

export interface HttpApiIntegration {
  api: Api & { ApiId: string }
  integration: Integration
}

/**
 * Each integration of an HTTP API that invokes the function, in the order
 * AWS lists the APIs; at most `limit` APIs are looked at.
 */
export async function* integrationsInvoking(
  apigateway: ApiGatewayV2Client,
  functionArn: string,
  once: ReadOnce = EVERY_TIME,
  limit = Number.POSITIVE_INFINITY
): AsyncGenerator<HttpApiIntegration> {
  let looked = 0
  for await (const apis of apiPages(apigateway, once)) {
    for (const api of apis) {
      if (api.ProtocolType !== 'HTTP' || api.ApiId === undefined) continue
      if (++looked > limit) return
      const apiId = api.ApiId
      for (const integration of await apiIntegrations(apigateway, apiId, once))
        if (invokesFunction(integration.IntegrationUri, functionArn))
          yield { api: { ...api, ApiId: apiId }, integration }
    }
  }
}

/** Where an HTTP API serves: its default endpoint and the stage's path. */
export interface HttpApiEndpoint {
  endpoint: string
  /** '' for the $default stage. */
  stage: string
}

/**
 * The first HTTP API that invokes the function with exactly `qualifier`
 * ('$LATEST': the unqualified ARN; an integration on another alias or
 * version serves other code) and can be called at its default endpoint
 * (with the execute-api endpoint disabled it answers 403 to everything;
 * only the API's custom domain reaches the function).
 */
export async function httpApiEndpoint(
  apigateway: ApiGatewayV2Client,
  functionArn: string,
  qualifier: string,
  warn: (message: string) => void,
  once: ReadOnce = EVERY_TIME
): Promise<HttpApiEndpoint | undefined> {
  const seen = new Set<string>()
  for await (const { api, integration } of integrationsInvoking(
    apigateway,
    functionArn,
    once
  )) {
    if (invokedQualifier(integration.IntegrationUri, functionArn) !== qualifier)
      continue
    if (seen.has(api.ApiId) || api.ApiEndpoint === undefined) continue
    seen.add(api.ApiId)
    if (api.DisableExecuteApiEndpoint === true) {
      warn(
        `HTTP API ${api.Name ?? api.ApiId} invokes the function but its default endpoint is disabled, so it is not used; set smoke-url to the API's custom domain.`
      )
      continue
    }
    const names = await apiStageNames(apigateway, api.ApiId)
    return {
      endpoint: api.ApiEndpoint,
      stage: names.includes('$default') ? '' : (names[0] ?? '')
    }
  }
  return undefined
}
