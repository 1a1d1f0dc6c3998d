/**
 * How the function is reached, asked of AWS. Its own module (loaded only by
 * runs that need it): the REST API and ALB SDK clients stay out of start-up.
 */
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway'
import type { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2'
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { failureText } from '../aws/call.js'
import { getFunctionUrl } from '../aws/function-url.js'
import { invokesFunction } from '../aws/function-arn.js'
import { targetGroupPages, targetHealth } from '../aws/load-balancers.js'
import { restApiPages, restApiResources } from '../aws/rest-apis.js'
import { EVERY_TIME, type ReadOnce } from '../util/read-once.js'
import { integrationsInvoking } from './http-api.js'
import {
  eventSourceForPayload,
  type Discovery,
  type Reach
} from './preflight/eventsource.js'

export interface EventSourceClients {
  lambda: LambdaClient
  /** HTTP APIs: the client is made on first use (src/aws/clients.ts). */
  apigateway: () => Promise<ApiGatewayV2Client>
  /** Without it, REST APIs are not looked at. */
  apigatewayRest?: APIGatewayClient | undefined
  /** Without it, ALB target groups are not looked at. */
  elb?: ElasticLoadBalancingV2Client | undefined
}

/** Bound on APIs / target groups looked at, so a large account stays quick. */
const MAX_LOOKUPS = 100

/**
 * How the function is reached: its Function URL, HTTP APIs and REST APIs
 * whose integrations invoke it, ALB target groups that target it.
 */
export async function discoverReach(
  clients: EventSourceClients,
  functionArn: string,
  once: ReadOnce = EVERY_TIME,
  /** Only the Function URL (its InvokeMode): event-source says the rest. */
  functionUrlOnly = false
): Promise<Discovery> {
  const reaches: Reach[] = []
  const problems: string[] = []
  const attempt = async (
    permission: string,
    lookup: () => Promise<void>
  ): Promise<void> => {
    try {
      await lookup()
    } catch (error) {
      problems.push(failureText(permission, error))
    }
  }
  await Promise.all([
    attempt('lambda:GetFunctionUrlConfig', async () => {
      const config = await once(`function-url ${functionArn}`, () =>
        getFunctionUrl(clients.lambda, functionArn)
      )
      if (config?.FunctionUrl !== undefined) {
        reaches.push({
          via: `Function URL ${config.FunctionUrl}`,
          eventSource: 'HttpApi',
          // Absent means BUFFERED, the default (AWS Lambda API reference,
          // GetFunctionUrlConfig / FunctionUrlConfig.InvokeMode).
          invokeMode: config.InvokeMode ?? 'BUFFERED'
        })
      }
    }),
    attempt('apigateway:GET', async () => {
      if (functionUrlOnly) return
      for await (const { api, integration } of integrationsInvoking(
        await clients.apigateway(),
        functionArn,
        once,
        MAX_LOOKUPS
      )) {
        const version = integration.PayloadFormatVersion ?? '2.0'
        reaches.push({
          via: `HTTP API ${api.Name ?? api.ApiId} (payload ${version})`,
          eventSource: eventSourceForPayload(version)
        })
      }
    }),
    attempt('apigateway:GET', async () => {
      const rest = clients.apigatewayRest
      if (rest === undefined || functionUrlOnly) return
      let looked = 0
      for await (const apis of restApiPages(rest)) {
        for (const api of apis) {
          if (api.id === undefined) continue
          if (++looked > MAX_LOOKUPS) return
          const resources = await restApiResources(rest, api.id)
          const invokes = resources.some(resource =>
            Object.values(resource.resourceMethods ?? {}).some(method =>
              invokesFunction(method.methodIntegration?.uri, functionArn)
            )
          )
          if (invokes) {
            reaches.push({
              via: `REST API ${api.name ?? api.id}`,
              eventSource: 'RestApi'
            })
          }
        }
      }
    }),
    attempt('elasticloadbalancing:DescribeTargetGroups', async () => {
      const elb = clients.elb
      if (elb === undefined || functionUrlOnly) return
      let looked = 0
      for await (const groups of targetGroupPages(elb)) {
        for (const group of groups) {
          if (
            group.TargetType !== 'lambda' ||
            group.TargetGroupArn === undefined
          )
            continue
          if (++looked > MAX_LOOKUPS) return
          const targets = (await targetHealth(elb, group.TargetGroupArn)).some(
            target => invokesFunction(target.Target?.Id, functionArn)
          )
          if (targets) {
            reaches.push({
              via: `ALB target group ${group.TargetGroupName ?? group.TargetGroupArn}`,
              eventSource: 'ApplicationLoadBalancer'
            })
          }
        }
      }
    })
  ])
  reaches.sort((a, b) => a.via.localeCompare(b.via))
  return { reaches, problems }
}
