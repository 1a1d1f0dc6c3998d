/**
 * REST APIs (API Gateway v1): the account's APIs and their resources with
 * their methods (API Gateway API reference: GetRestApis, GetResources).
 */
import {
  GetResourcesCommand,
  paginateGetRestApis,
  type APIGatewayClient,
  type Resource,
  type RestApi
} from '@aws-sdk/client-api-gateway'
import { awsCall, awsPages } from './call.js'
import { APIGATEWAY_GET } from './http-apis.js'

/** The account's REST APIs, page by page (the SDK's paginator). */
export async function* restApiPages(
  rest: APIGatewayClient
): AsyncGenerator<RestApi[]> {
  for await (const page of awsPages(
    APIGATEWAY_GET,
    paginateGetRestApis({ client: rest }, {})
  ))
    yield page.items ?? []
}

/** The API's resources, each with its methods and their integrations. */
export async function restApiResources(
  rest: APIGatewayClient,
  restApiId: string
): Promise<Resource[]> {
  const answer = await awsCall(APIGATEWAY_GET, () =>
    rest.send(new GetResourcesCommand({ restApiId, embed: ['methods'] }))
  )
  return answer.items ?? []
}
