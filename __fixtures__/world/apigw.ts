/** The world's API Gateway v2: HTTP APIs and their integrations. */
import {
  ApiGatewayV2Client,
  GetApisCommand,
  GetIntegrationsCommand,
  GetStagesCommand,
  type Api,
  type Integration
} from '@aws-sdk/client-apigatewayv2'
import { mockClient } from 'aws-sdk-client-mock'
import { REGION } from '../aws.js'
import type { Handle } from './calls.js'

/** An ApiGatewayV2Client answering from `apis`. */
export function apigatewayClient(
  apis: { api: Api; integrations: Integration[] }[],
  handle: Handle
): ApiGatewayV2Client {
  const apigateway = new ApiGatewayV2Client({ region: REGION })
  mockClient(apigateway)
    .on(GetApisCommand)
    .callsFake(
      handle('apigateway:GetApis', () => ({ Items: apis.map(a => a.api) }))
    )
    .on(GetIntegrationsCommand)
    .callsFake(
      handle('apigateway:GetIntegrations', (input: { ApiId?: string }) => ({
        Items: apis.find(a => a.api.ApiId === input.ApiId)?.integrations ?? []
      }))
    )
    .on(GetStagesCommand)
    .callsFake(
      handle('apigateway:GetStages', () => ({
        Items: [{ StageName: '$default' }]
      }))
    )
  return apigateway
}
