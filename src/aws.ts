import { APIGatewayClient } from '@aws-sdk/client-api-gateway'
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2'
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { ECRClient } from '@aws-sdk/client-ecr'
import { LambdaClient } from '@aws-sdk/client-lambda'

export interface AwsClients {
  lambda: LambdaClient
  ecr: ECRClient
  apigateway: ApiGatewayV2Client
  /** REST APIs (API Gateway v1), for preflight's event source discovery. */
  apigatewayRest?: APIGatewayClient
  /** ALB target groups, for preflight's event source discovery. */
  elb?: ElasticLoadBalancingV2Client
}

const USER_AGENT: [string, string] = ['aspnet-lambda-deploy', '1']

/**
 * The one place SDK clients are made. Endpoints come from the standard
 * AWS_ENDPOINT_URL(_<SERVICE>) variables, credentials from the default chain.
 */
export function createClients(region: string): AwsClients {
  const config = {
    region,
    customUserAgent: [USER_AGENT],
    // The action does its own bounded retries where it matters; the SDK's
    // defaults cover throttling and transient network errors.
    maxAttempts: 4
  }
  return {
    lambda: new LambdaClient(config),
    ecr: new ECRClient(config),
    apigateway: new ApiGatewayV2Client(config),
    apigatewayRest: new APIGatewayClient(config),
    elb: new ElasticLoadBalancingV2Client(config)
  }
}
