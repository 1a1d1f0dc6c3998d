/**
 * moto, the AWS control plane behind the gateway: SDK clients talking to it directly (region per
 * request), and SigV4 requests forwarded to it as they came.
 */
import type http from 'node:http'

import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2'
import { ECRClient } from '@aws-sdk/client-ecr'
import { LambdaClient } from '@aws-sdk/client-lambda'

import { DEFAULT_REGION, HOST, MOTO_PORT } from './config.js'
import { rawRequest, type RawResponse } from './http.js'

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const motoEndpoint = `http://${HOST}:${MOTO_PORT}`
const clients = new Map<
  string,
  { ecr: ECRClient; lambda: LambdaClient; apigw: ApiGatewayV2Client }
>()
export function moto(region: string = DEFAULT_REGION): {
  ecr: ECRClient
  lambda: LambdaClient
  apigw: ApiGatewayV2Client
} {
  let c = clients.get(region)
  if (!c) {
    const cfg = { region, endpoint: motoEndpoint, credentials, maxAttempts: 1 }
    c = {
      ecr: new ECRClient(cfg),
      lambda: new LambdaClient(cfg),
      apigw: new ApiGatewayV2Client(cfg)
    }
    clients.set(region, c)
  }
  return c
}

export function sigV4Scope(
  req: http.IncomingMessage
): { region: string; service: string } | undefined {
  const h = req.headers.authorization ?? ''
  const m =
    /^AWS4-HMAC-SHA256\s+Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
      h
    )
  if (!m?.[1] || !m[2]) return undefined
  return { region: m[1], service: m[2] }
}

export function forwardToMoto(
  req: http.IncomingMessage,
  body: Buffer,
  pathOverride?: string
): Promise<RawResponse> {
  const headers = { ...req.headers }
  delete headers['content-length']
  delete headers['transfer-encoding']
  delete headers.expect
  headers['content-length'] = String(body.length)
  return rawRequest(
    MOTO_PORT,
    req.method ?? 'GET',
    pathOverride ?? req.url ?? '/',
    headers,
    body
  )
}
