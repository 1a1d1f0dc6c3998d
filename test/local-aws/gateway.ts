/**
 * Local AWS stand-in gateway: ONE HTTP server (127.0.0.1:${LOCAL_AWS_PORT:-4566}) in front of
 * moto (AWS control plane, 127.0.0.1:4567) and a real Docker registry (127.0.0.1:4568), making them
 * behave like ECR and Lambda where moto does not. The action under test is pointed here only through
 * AWS_ENDPOINT_URL; it has no test-only code path. Started and stopped by scripts/local-aws.sh.
 *
 * Routing (first match wins):
 *   - `Authorization: AWS4-HMAC-SHA256 ...`  -> moto, with the ECR / Lambda / API Gateway fixes of the
 *                                               modules below.
 *   - `/_local/...`                          -> control API for tests (JSON, ./gateway/control.ts).
 *   - `/v2/...` (not SigV4)                  -> Docker registry API ("ECR's registry"), Basic auth with
 *                                               a token from ECR GetAuthorizationToken, streamed to 4568.
 *   - `/_url/<functionName>/<path>`          -> Function URL data plane (runs the image in a container).
 *   - `/_apigw/<apiId>/<path>`               -> HTTP API data plane (integration -> function -> container).
 * SigV4 service `logs` (CloudWatch Logs, JSON 1.1): FilterLogEvents is answered by the gateway
 * (./gateway/logs.ts), every other operation goes to moto unchanged.
 *
 * Each service the stand-in imitates has its module under ./gateway/, with what it models:
 *   ecr-api.ts         ECR's JSON API (tokens, repository URIs)
 *   registry.ts        ECR's registry (Basic auth, pushes mirrored into moto)
 *   lambda-api.ts      Lambda's control plane (routes to lambda-functions, -reads, -versions,
 *                      -aliases, -urls; state and updates in lambda-state.ts, lambda-updates.ts)
 *   invoke.ts          Invoke (events: invoke-events.ts)
 *   data-plane.ts      Function URLs and HTTP APIs served by the running images
 *   targets.ts, invocations.ts, containers.ts   which image runs, START/END/REPORT, docker
 *   logs.ts            CloudWatch Logs FilterLogEvents (what was written: log-store.ts)
 *   metrics.ts         AWS/Lambda metrics of every invocation; CloudWatch metric reads (exact
 *                      dimension match); alarms go to moto
 *   managed-instances.ts  Lambda Managed Instances: $LATEST.PUBLISHED, PublishTo, activation,
 *                      the versions quota (hooked into the lambda-* modules and targets.ts)
 *   apigw-api.ts       API Gateway v2's apiEndpoint
 *   control.ts         the /_local control API for tests
 *   call-log.ts        every API operation served since reset (GET /_local/calls)
 *   config.ts, http.ts, errors.ts, moto.ts, image-refs.ts   shared settings and plumbing
 *
 * Environment: LOCAL_AWS_PORT (4566), LOCAL_AWS_MOTO_PORT (4567), LOCAL_AWS_REGISTRY_PORT (4568),
 * LOCAL_AWS_REGISTRY_DIR (registry storage root, for reset), LOCAL_AWS_UPDATE_MS (1500),
 * LOCAL_AWS_INIT_LIMIT_MS (the environments' init limit; default Lambda's 10 s), LOCAL_AWS_DOCKER (docker client, default /usr/bin/docker),
 * LOCAL_AWS_REGION (region for registry-side ECR calls, default us-east-1).
 */
import http from 'node:http'

import { handleApigwApi } from './gateway/apigw-api.js'
import { recordCall } from './gateway/call-log.js'
import {
  HOST,
  MOTO_PORT,
  PORT,
  PUBLIC_HOST,
  REGISTRY_PORT
} from './gateway/config.js'
import { removeAllContainers } from './gateway/containers.js'
import { handleControl } from './gateway/control.js'
import { handleFunctionUrl, handleHttpApi } from './gateway/data-plane.js'
import { handleEcrApi } from './gateway/ecr-api.js'
import { errMessage, log, readBody, relay, sendJson } from './gateway/http.js'
import { handleLambdaApi } from './gateway/lambda-api.js'
import { fns } from './gateway/lambda-state.js'
import { handleLogsApi } from './gateway/logs.js'
import { handleCloudWatchApi } from './gateway/metrics.js'
import { forwardToMoto, sigV4Scope } from './gateway/moto.js'
import { handleRegistry } from './gateway/registry.js'

async function handleAws(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  scope: { region: string; service: string }
): Promise<void> {
  const body = await readBody(req)
  if (scope.service === 'ecr') return handleEcrApi(req, res, body, scope.region)
  if (scope.service === 'lambda')
    return handleLambdaApi(req, res, body, scope.region)
  if (scope.service === 'apigateway') return handleApigwApi(req, res, body)
  if (scope.service === 'logs') return handleLogsApi(req, res, body)
  if (scope.service === 'monitoring')
    return handleCloudWatchApi(req, res, body, scope.region)
  relay(res, await forwardToMoto(req, body))
}

const server = http.createServer((req, res) => {
  const scope = sigV4Scope(req)
  recordCall(req, scope)
  const p = req.url ?? '/'
  let handler: Promise<void>
  if (scope) handler = handleAws(req, res, scope)
  else if (p.startsWith('/_local/')) handler = handleControl(req, res)
  else if (p === '/v2' || p.startsWith('/v2/'))
    handler = handleRegistry(req, res)
  else if (p.startsWith('/_url/')) handler = handleFunctionUrl(req, res)
  else if (p.startsWith('/_apigw/')) handler = handleHttpApi(req, res)
  else
    handler = Promise.resolve(
      sendJson(res, 404, { message: `local-aws gateway: no route for ${p}` })
    )
  handler.catch((e: unknown) => {
    log(
      `error ${req.method} ${p}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`
    )
    if (!res.headersSent)
      sendJson(res, 500, { message: `local-aws gateway: ${errMessage(e)}` })
    else res.destroy()
  })
})
server.keepAliveTimeout = 65000
server.requestTimeout = 0

server.listen(PORT, HOST, () =>
  log(
    `local-aws gateway on http://${PUBLIC_HOST} (moto ${MOTO_PORT}, registry ${REGISTRY_PORT})`
  )
)

function shutdown(): void {
  log('shutting down')
  server.close()
  for (const s of fns.values()) if (s.current) clearTimeout(s.current.timer)
  void removeAllContainers().finally(() => process.exit(0))
  setTimeout(() => process.exit(0), 10000).unref()
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
