/**
 * HTTP APIs (API Gateway v2): the account's APIs, their integrations and
 * stages (API Gateway v2 API reference: GetApis, GetIntegrations,
 * GetStages). The SDK has no paginator for GetApis (its v2 client pages only
 * ListRoutingRules), so its pages are walked here by NextToken. Every call
 * needs `apigateway:GET` on the resource.
 */
import {
  GetApisCommand,
  GetIntegrationsCommand,
  GetStagesCommand,
  type Api,
  type ApiGatewayV2Client,
  type Integration
} from '@aws-sdk/client-apigatewayv2'
import { EVERY_TIME, type ReadOnce } from '../util/read-once.js'
import { awsCall } from './call.js'

/** The IAM action of every API Gateway read. */
export const APIGATEWAY_GET = 'apigateway:GET'

/** The account's APIs (HTTP and WebSocket), page by page; `once` shares each page within a run. */
export async function* apiPages(
  apigateway: ApiGatewayV2Client,
  once: ReadOnce = EVERY_TIME
): AsyncGenerator<Api[]> {
  let nextToken: string | undefined
  do {
    const token = nextToken
    const page = await once(`apis ${token ?? ''}`, () =>
      awsCall(APIGATEWAY_GET, () =>
        apigateway.send(
          new GetApisCommand(token !== undefined ? { NextToken: token } : {})
        )
      )
    )
    yield page.Items ?? []
    nextToken = page.NextToken
  } while (nextToken !== undefined)
}

/** The API's integrations; `once` shares them within a run. */
export async function apiIntegrations(
  apigateway: ApiGatewayV2Client,
  apiId: string,
  once: ReadOnce = EVERY_TIME
): Promise<Integration[]> {
  const answer = await once(`integrations ${apiId}`, () =>
    awsCall(APIGATEWAY_GET, () =>
      apigateway.send(new GetIntegrationsCommand({ ApiId: apiId }))
    )
  )
  return answer.Items ?? []
}

/** The names of the API's stages ('$default' for the default one). */
export async function apiStageNames(
  apigateway: ApiGatewayV2Client,
  apiId: string
): Promise<string[]> {
  const answer = await awsCall(APIGATEWAY_GET, () =>
    apigateway.send(new GetStagesCommand({ ApiId: apiId }))
  )
  return (answer.Items ?? []).map(stage => stage.StageName ?? '')
}
