import {
  GetRestApisCommand,
  GetResourcesCommand,
  type APIGatewayClient
} from '@aws-sdk/client-api-gateway'
import {
  GetApisCommand,
  GetIntegrationsCommand,
  type ApiGatewayV2Client
} from '@aws-sdk/client-apigatewayv2'
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client
} from '@aws-sdk/client-elastic-load-balancing-v2'
import {
  GetFunctionUrlConfigCommand,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import { awsErrorName, describeAwsError } from '../errors.js'
import type { EventSourceInput } from '../inputs.js'
import { invokesFunction } from '../lambda.js'
import { EVERY_TIME, type ReadOnce } from '../read-once.js'
import { fail, pass, warn, type Check } from './checks.js'

/** The values of Amazon.Lambda.AspNetCoreServer.Hosting's LambdaEventSource. */
export type LambdaEventSource =
  'HttpApi' | 'RestApi' | 'ApplicationLoadBalancer'

/** One way requests reach the function, and what the app must expect from it. */
export interface Reach {
  via: string
  eventSource: LambdaEventSource
}

export interface Discovery {
  reaches: Reach[]
  /** Lookups that could not be made (denied, failed). */
  problems: string[]
}

export const EVENT_SOURCE_FOR_INPUT: Record<
  EventSourceInput,
  LambdaEventSource
> = {
  'http-api': 'HttpApi',
  'rest-api': 'RestApi',
  alb: 'ApplicationLoadBalancer'
}

/** HTTP API integrations: payload 2.0 is HttpApi, 1.0 is the REST API shape. */
export function eventSourceForPayload(
  version: string | undefined
): LambdaEventSource {
  return version === '1.0' ? 'RestApi' : 'HttpApi'
}

export interface EventSourceClients {
  lambda: LambdaClient
  apigateway: ApiGatewayV2Client
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
  once: ReadOnce = EVERY_TIME
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
      if (awsErrorName(error) === 'ResourceNotFoundException') return
      problems.push(describeAwsError(permission, error))
    }
  }
  await Promise.all([
    attempt('lambda:GetFunctionUrlConfig', async () => {
      const config = await once(`function-url ${functionArn}`, () =>
        clients.lambda.send(
          new GetFunctionUrlConfigCommand({ FunctionName: functionArn })
        )
      )
      if (config.FunctionUrl !== undefined) {
        reaches.push({
          via: `Function URL ${config.FunctionUrl}`,
          eventSource: 'HttpApi'
        })
      }
    }),
    attempt('apigateway:GET', async () => {
      let nextToken: string | undefined
      let looked = 0
      do {
        const token = nextToken
        const apis = await once(`apis ${token ?? ''}`, () =>
          clients.apigateway.send(
            new GetApisCommand(token !== undefined ? { NextToken: token } : {})
          )
        )
        for (const api of apis.Items ?? []) {
          if (api.ProtocolType !== 'HTTP' || api.ApiId === undefined) continue
          if (++looked > MAX_LOOKUPS) return
          const apiId = api.ApiId
          const integrations = await once(`integrations ${apiId}`, () =>
            clients.apigateway.send(
              new GetIntegrationsCommand({ ApiId: apiId })
            )
          )
          for (const integration of integrations.Items ?? []) {
            if (!invokesFunction(integration.IntegrationUri, functionArn))
              continue
            const version = integration.PayloadFormatVersion ?? '2.0'
            reaches.push({
              via: `HTTP API ${api.Name ?? api.ApiId} (payload ${version})`,
              eventSource: eventSourceForPayload(version)
            })
          }
        }
        nextToken = apis.NextToken
      } while (nextToken !== undefined)
    }),
    attempt('apigateway:GET', async () => {
      const rest = clients.apigatewayRest
      if (rest === undefined) return
      let position: string | undefined
      let looked = 0
      do {
        const apis = await rest.send(
          new GetRestApisCommand(position !== undefined ? { position } : {})
        )
        for (const api of apis.items ?? []) {
          if (api.id === undefined) continue
          if (++looked > MAX_LOOKUPS) return
          const resources = await rest.send(
            new GetResourcesCommand({ restApiId: api.id, embed: ['methods'] })
          )
          const invokes = (resources.items ?? []).some(resource =>
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
        position = apis.position
      } while (position !== undefined)
    }),
    attempt('elasticloadbalancing:DescribeTargetGroups', async () => {
      const elb = clients.elb
      if (elb === undefined) return
      let marker: string | undefined
      let looked = 0
      do {
        const groups = await elb.send(
          new DescribeTargetGroupsCommand(
            marker !== undefined ? { Marker: marker } : {}
          )
        )
        for (const group of groups.TargetGroups ?? []) {
          if (
            group.TargetType !== 'lambda' ||
            group.TargetGroupArn === undefined
          )
            continue
          if (++looked > MAX_LOOKUPS) return
          const health = await elb.send(
            new DescribeTargetHealthCommand({
              TargetGroupArn: group.TargetGroupArn
            })
          )
          const targets = (health.TargetHealthDescriptions ?? []).some(target =>
            invokesFunction(target.Target?.Id, functionArn)
          )
          if (targets) {
            reaches.push({
              via: `ALB target group ${group.TargetGroupName ?? group.TargetGroupArn}`,
              eventSource: 'ApplicationLoadBalancer'
            })
          }
        }
        marker = groups.NextMarker
      } while (marker !== undefined)
    })
  ])
  reaches.sort((a, b) => a.via.localeCompare(b.via))
  return { reaches, problems }
}

const TITLE = 'LambdaEventSource matches how the function is reached'

/**
 * The app's LambdaEventSource against the event-source input, or else what
 * discovery found. A mismatch deploys fine and then fails every request
 * (aws/aws-lambda-dotnet#1209).
 */
export function eventSourceCheck(
  app: LambdaEventSource | undefined,
  declared: EventSourceInput | undefined,
  discovery: Discovery | undefined
): Check {
  const id = 'app.event-source'
  if (app === undefined) {
    return warn(
      id,
      TITLE,
      'No AddAWSLambdaHosting(LambdaEventSource.<X>) call found in the source, so the event source was not compared.'
    )
  }
  const uses = `The app uses LambdaEventSource.${app}`
  if (declared !== undefined) {
    const expected = EVENT_SOURCE_FOR_INPUT[declared]
    return expected === app
      ? pass(id, TITLE, `${uses}; event-source is ${declared}.`)
      : fail(
          id,
          TITLE,
          `${uses} but event-source is ${declared}, which sends LambdaEventSource.${expected} requests: every request would fail. Call AddAWSLambdaHosting(LambdaEventSource.${expected}), or correct event-source.`
        )
  }
  const reaches = discovery?.reaches ?? []
  const problems = discovery?.problems ?? []
  if (reaches.length === 0) {
    return warn(
      id,
      TITLE,
      `${uses}; no Function URL, API Gateway API or ALB target group invoking the function was found${problems.length > 0 ? ` (${problems.join('; ')})` : ''}. Set event-source to check it.`
    )
  }
  const wrong = reaches.filter(reach => reach.eventSource !== app)
  const list = (items: Reach[]): string =>
    items.map(reach => `${reach.via} → ${reach.eventSource}`).join(', ')
  if (wrong.length > 0) {
    const needed = [...new Set(wrong.map(reach => reach.eventSource))]
    return fail(
      id,
      TITLE,
      `${uses} but the function is reached through ${list(wrong)}: those requests would fail (aws/aws-lambda-dotnet#1209). ` +
        (needed.length === 1 && wrong.length === reaches.length
          ? `Call AddAWSLambdaHosting(LambdaEventSource.${needed[0] ?? ''}), or set event-source if discovery is wrong.`
          : 'One app serves one event source: put each behind the same kind of front end, or set event-source if discovery is wrong.')
    )
  }
  return pass(id, TITLE, `${uses}; reached through ${list(reaches)}.`)
}
