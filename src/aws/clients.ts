import type { APIGatewayClient } from '@aws-sdk/client-api-gateway'
import type { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2'
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { ECRClient } from '@aws-sdk/client-ecr'
import { LambdaClient } from '@aws-sdk/client-lambda'
import { proxyAgents } from '../net/agents.js'
import { proxySettings, type ProxyEnv } from '../net/proxy.js'

/** Clients only the event source discovery needs. */
export interface DiscoveryClients {
  /** REST APIs (API Gateway v1). */
  apigatewayRest?: APIGatewayClient | undefined
  /** ALB target groups. */
  elb?: ElasticLoadBalancingV2Client | undefined
}

export interface AwsClients extends DiscoveryClients {
  lambda: LambdaClient
  ecr: ECRClient
  /**
   * HTTP APIs (API Gateway v2), made on first use: only a function without
   * a Function URL, or a preflight of its event sources, looks for one.
   */
  apigateway: () => Promise<ApiGatewayV2Client>
  /**
   * Makes the discovery clients on first use: their SDK packages are loaded
   * only by runs that look for REST APIs and ALBs, which keeps start-up lean.
   */
  discoveryClients?: () => Promise<DiscoveryClients>
}

const USER_AGENT: [string, string] = ['aspnet-lambda-deploy', '1']

/**
 * How long one SDK request may take. The SDK's default is no limit at all,
 * so a connection that stalls would hold the run until the job times out.
 * The SDK makes its NodeHttpHandler from these options (no handler of our
 * own, so nothing more is bundled); throwOnRequestTimeout makes the request
 * limit an error the SDK retries, rather than only a logged warning.
 */
export const HTTP_LIMITS = {
  /** Every call the action makes is a small control-plane request. */
  requestTimeout: 30_000,
  connectionTimeout: 5_000,
  throwOnRequestTimeout: true
} as const

/**
 * What every client is made with. Behind a proxy (HTTPS_PROXY, HTTP_PROXY,
 * NO_PROXY: src/net/proxy.ts) the handler gets agents that go through it;
 * the SDK itself reads none of these variables.
 */
export function clientConfig(
  region: string,
  limits: {
    requestTimeout: number
    connectionTimeout: number
    throwOnRequestTimeout: boolean
  } = HTTP_LIMITS,
  env: ProxyEnv = process.env
) {
  const proxy = proxySettings(env)
  return {
    region,
    customUserAgent: [USER_AGENT],
    // The action does its own bounded retries where it matters; the SDK's
    // defaults cover throttling and transient network errors.
    maxAttempts: 4,
    requestHandler: {
      ...limits,
      ...(proxy && proxyAgents(proxy, limits.connectionTimeout))
    }
  }
}

/**
 * The one place SDK clients are made. Endpoints come from the standard
 * AWS_ENDPOINT_URL(_<SERVICE>) variables, credentials from the default chain.
 */
export function createClients(region: string): AwsClients {
  const config = clientConfig(region)
  let discovery: Promise<DiscoveryClients> | undefined
  let httpApis: Promise<ApiGatewayV2Client> | undefined
  return {
    lambda: new LambdaClient(config),
    ecr: new ECRClient(config),
    apigateway: () =>
      (httpApis ??= import('@aws-sdk/client-apigatewayv2').then(
        sdk => new sdk.ApiGatewayV2Client(config)
      )),
    discoveryClients: () =>
      (discovery ??= Promise.all([
        import('@aws-sdk/client-api-gateway'),
        import('@aws-sdk/client-elastic-load-balancing-v2')
      ]).then(([rest, elb]) => ({
        apigatewayRest: new rest.APIGatewayClient(config),
        elb: new elb.ElasticLoadBalancingV2Client(config)
      })))
  }
}

/** The clients for event source discovery: given ones, else made now. */
export async function withDiscoveryClients(
  clients: AwsClients
): Promise<AwsClients> {
  if (clients.discoveryClients === undefined) return clients
  return { ...clients, ...(await clients.discoveryClients()) }
}

/**
 * A CloudWatch Logs client, for the diagnostics of a failed run: its SDK
 * package is loaded only then, never at start-up.
 */
export async function createLogsClient(
  region: string
): Promise<CloudWatchLogsClient> {
  const logs = await import('@aws-sdk/client-cloudwatch-logs')
  return new logs.CloudWatchLogsClient(clientConfig(region))
}

/** A Lambda client alone: what the post step needs to finish an undo. */
export function createLambdaClient(region: string): LambdaClient {
  return new LambdaClient(clientConfig(region))
}

/**
 * A CloudWatch client, for canaries judged by alarms and Lambda's metrics:
 * its SDK package is loaded only by those runs.
 */
export async function createCloudWatchClient(
  region: string
): Promise<import('@aws-sdk/client-cloudwatch').CloudWatchClient> {
  const cloudwatch = await import('@aws-sdk/client-cloudwatch')
  return new cloudwatch.CloudWatchClient(clientConfig(region))
}
