/**
 * Local AWS stand-in gateway: ONE HTTP server (127.0.0.1:${LOCAL_AWS_PORT:-4566}) in front of
 * moto (AWS control plane, 127.0.0.1:4567) and a real Docker registry (127.0.0.1:4568), making them
 * behave like ECR and Lambda where moto does not. The action under test is pointed here only through
 * AWS_ENDPOINT_URL; it has no test-only code path. Started and stopped by scripts/local-aws.sh.
 *
 * Routing (first match wins):
 *   - `Authorization: AWS4-HMAC-SHA256 ...`  -> moto, with the ECR / Lambda / API Gateway fixes below.
 *   - `/_local/...`                          -> control API for tests (JSON, see below).
 *   - `/v2/...` (not SigV4)                  -> Docker registry API ("ECR's registry"), Basic auth with
 *                                               a token from ECR GetAuthorizationToken, streamed to 4568.
 *   - `/_url/<functionName>/<path>`          -> Function URL data plane (runs the image in a container).
 *   - `/_apigw/<apiId>/<path>`               -> HTTP API data plane (integration -> function -> container).
 * SigV4 service `logs` (CloudWatch Logs, JSON 1.1): FilterLogEvents is answered by the gateway (below),
 * every other operation goes to moto unchanged.
 *
 * ECR: GetAuthorizationToken hands out a fresh token (password) per call, proxyEndpoint
 * http://127.0.0.1:4566, expiresAt 12 h ahead. repositoryUri is 127.0.0.1:4566/<name>. Blob upload
 * and manifest PUT need the repository to exist in moto (404 NAME_UNKNOWN otherwise). Manifest PUT
 * by tag into an IMMUTABLE repository where the tag exists with another digest -> 400 TAG_INVALID
 * (ECR's wording); same digest is accepted. Accepted manifests are mirrored into moto with
 * PutImage(imageDigest = sha256(manifest bytes)) before the client gets its answer.
 *
 * Lambda (moto runs with MOTO_LAMBDA_STUB_ECR=true; the gateway validates image URIs itself):
 *   - CreateFunction / UpdateFunctionCode: ImageUri must name an image in (moto's) ECR by digest or
 *     tag, else 400 InvalidParameterValueException; an image index / manifest list -> 400
 *     InvalidParameterValueException "The image manifest, config or layer media type ... is not
 *     supported.". CodeSha256 is the manifest digest hex, Code.ResolvedImageUri
 *     <repositoryUri>@sha256:<hex>, CodeSize 0 (as Lambda reports for images).
 *   - UpdateFunctionCode / UpdateFunctionConfiguration start an update that stays InProgress for
 *     LOCAL_AWS_UPDATE_MS (default 1500) ms, then Successful (or Failed when injected; a failed code
 *     update restores the previous image). While InProgress, UpdateFunctionCode,
 *     UpdateFunctionConfiguration and PublishVersion answer 409 ResourceConflictException.
 *     RevisionId is emulated (changes when an update starts and ends; a stale one -> 412).
 *   - GetFunction / GetFunctionConfiguration / ListFunctions and the update responses carry
 *     State / LastUpdateStatus / LastUpdateStatusReason / LastUpdateStatusReasonCode accordingly.
 *   - Function URL configs: FunctionUrl http://127.0.0.1:4566/_url/<functionName>/; deleting a URL
 *     the function does not have -> 404 ResourceNotFoundException (moto: 204).
 *   - Function URL data plane: AuthType AWS_IAM -> 403 for unsigned requests; AuthType NONE -> 403
 *     unless the function's policy lets Principal * lambda:InvokeFunctionUrl (FunctionUrlAuthType
 *     NONE), which real Lambda requires (AddPermission; createImageFunction adds it).
 *   - DeleteFunction also stops the function's data-plane containers and forgets its update state
 *     (its log group stays, as in CloudWatch); DeleteFunction of a version forgets that version.
 *   - AddPermission with a StatementId the policy has -> 409 ResourceConflictException (moto: dup).
 *   - During an update, the data plane keeps serving the previous image (as Lambda does).
 *   - Function URL configs keep their Qualifier (moto ignores it): CreateFunctionUrlConfig with
 *     Qualifier=<alias> (the alias must exist, 404 otherwise; a version number -> 400) records it;
 *     Get/List/CreateFunctionUrlConfig report FunctionArn `...:function:<name>:<alias>`; Get, Update
 *     and Delete with another qualifier (or none) than the URL's -> 404. One URL config per function
 *     (moto keeps one; creating another replaces it). The URL serves through its alias.
 *
 * Lambda versions (moto's versions share ImageUri with $LATEST; the gateway records each version's
 * image when it is published: PublishVersion, UpdateFunctionCode or CreateFunction with Publish):
 *   - GetFunction / GetFunctionConfiguration of a version (Qualifier=N, FunctionName `name:N` or
 *     `arn:...:function:name:N`, or an alias: its primary version) and ListVersionsByFunction /
 *     ListFunctions(FunctionVersion=ALL) show the version's own Code.ImageUri,
 *     Code.ResolvedImageUri, CodeSha256 (manifest digest hex), State Active, LastUpdateStatus
 *     Successful and a RevisionId of its own.
 *   - PublishVersion: 409 while an update is InProgress; CodeSha256 given and not $LATEST's ->
 *     412 PreconditionFailedException "CodeSha256 (x) is different from current CodeSha256 in
 *     $LATEST (y). Please try again with the current CodeSha256."; nothing changed since the last
 *     published version (same digest, no UpdateFunctionConfiguration) -> that version again.
 * Aliases (stored by moto, checked and completed by the gateway):
 *   - CreateAlias / UpdateAlias / GetAlias / ListAliases round-trip Description and
 *     RoutingConfig.AdditionalVersionWeights (no RoutingConfig key without weights); RevisionId
 *     changes on every CreateAlias / UpdateAlias (moto never changes it); UpdateAlias with a stale
 *     RevisionId -> 412 PreconditionFailedException. UpdateAlias without RoutingConfig keeps it;
 *     `{AdditionalVersionWeights: {}}` removes it.
 *   - Duplicate CreateAlias -> 409 ResourceConflictException "Alias already exists: <alias arn>"
 *     (moto: ConflictException). FunctionVersion or a weighted version that does not exist -> 404
 *     ResourceNotFoundException "Function not found: <arn>:<version>"; a weighted version equal to
 *     FunctionVersion, weights with $LATEST, or more than one weighted version -> 400
 *     InvalidParameterValueException; a weight outside [0, 1] -> 400 ValidationException.
 * Invoke (moto: HTTP 500 for image functions) `POST /2015-03-31/functions/<fn>/invocations`
 * (<fn>: name, partial or full ARN, `name:qualifier`; or ?Qualifier=):
 *   - The qualifier ($LATEST when none, a version, an alias: a version picked at random by its
 *     AdditionalVersionWeights) selects the image, run as on the data plane below. Unknown
 *     function / version / alias -> 404 ResourceNotFoundException "Function not found: <arn>".
 *     While an update of $LATEST is InProgress, $LATEST runs the previous image.
 *   - X-Amz-Invocation-Type DryRun -> 204; Event -> 202 (runs in the background); otherwise 200
 *     with X-Amz-Executed-Version (the version that ran) and, with X-Amz-Log-Type Tail,
 *     X-Amz-Log-Result (base64 of the last 4 KB of this invocation's log lines).
 *   - The event is answered as ASP.NET Core's AddAWSLambdaHosting would: it becomes an HTTP request
 *     to the app (method, path, query string, headers, cookies, body with isBase64Encoded) and the
 *     app's response is wrapped in the event source's response shape:
 *       HTTP API 2.0 (version "2.0" + requestContext.http.method): rawPath, rawQueryString, headers,
 *         cookies -> {statusCode, headers (comma-joined), cookies (Set-Cookie values, when any),
 *         body, isBase64Encoded}
 *       ALB (httpMethod + path + requestContext.elb.targetGroupArn): query string passed on still
 *         encoded; headers or multiValueHeaders -> {statusCode, statusDescription "200 OK",
 *         headers or multiValueHeaders (as the request used), body, isBase64Encoded}
 *       REST API 1.0 (httpMethod + path, no elb; also HTTP API payload 1.0): (multiValue)
 *         queryStringParameters (URL-encoded again), (multiValue)headers -> {statusCode, headers
 *         (last value), multiValueHeaders, body, isBase64Encoded}
 *     Response header names keep the app's spelling. Bodies of text/*, *json*, *xml*, *javascript*
 *     content types (and empty bodies) are plain text, others base64 with isBase64Encoded true.
 *   - Function errors (HTTP 200, X-Amz-Function-Error: Unhandled, payload {errorType,errorMessage}):
 *     an event of none of these shapes -> NullReferenceException "Object reference not set to an
 *     instance of an object."; a payload that is not JSON -> JsonSerializerException; an environment
 *     that cannot start -> e.g. {"errorType":"Runtime.InvalidEntrypoint","errorMessage":"RequestId:
 *     <id> Error: fork/exec /bin/busybox: exec format error"} (Runtime.ExitError when the container
 *     exits); no answer within the function's Timeout -> Sandbox.Timedout.
 * API Gateway v2: apiEndpoint http://127.0.0.1:4566/_apigw/<apiId>. The data plane serves the
 * integration's function; an IntegrationUri `...:function:<name>:<alias or version>` serves that
 * qualifier (alias weights honoured per request).
 *
 * Data plane: each (function, version, image digest) gets its own environment, like Lambda's:
 *   docker run -d -p 127.0.0.1::8080 --label aspnet-lambda-deploy.local=1 127.0.0.1:4568/<repo>@<digest>
 * (test images serve HTTP on 8080; env AWS_LAMBDA_FUNCTION_NAME / _VERSION / _MEMORY_SIZE,
 * AWS_LAMBDA_LOG_GROUP_NAME / _STREAM_NAME). Ready when a GET / with header X-Local-Aws-Probe: 1
 * answers. At most 4 containers per function: the least recently used is removed first (its output
 * is kept for FilterLogEvents). An image whose config architecture differs from the function's
 * Architectures -> 502 Runtime.InvalidEntrypoint (exec format error), like Lambda. A container that
 * exits -> 502 Runtime.ExitError with its exit code and last log lines.
 *
 * CloudWatch Logs (log group /aws/lambda/<function>, one stream per environment, named like
 * Lambda's `YYYY/MM/DD/[<version>]<32 hex>` (UTC date, $LATEST or the version number)):
 *   - Events: every line the container wrote to stdout or stderr (`docker logs --timestamps`; the
 *     output of a removed container is kept), plus the lines Lambda writes itself, for Invoke and
 *     for every Function URL / HTTP API request:
 *       START RequestId: <uuid> Version: <$LATEST|N>
 *       END RequestId: <uuid>
 *       REPORT RequestId: <uuid>	Duration: 1.23 ms	Billed Duration: 2 ms	Memory Size: 512 MB	Max Memory Used: 48 MB
 *         (+ 	Init Duration: x ms on a cold start, + 	Status: error	Error Type: <type> on failure)
 *     and, when an environment cannot start (before its START):
 *       INIT_REPORT Init Duration: x ms	Phase: init	Status: error	Error Type: Runtime.InvalidEntrypoint
 *       IMAGE	Launch error: fork/exec /bin/busybox: exec format error	Entrypoint: [/bin/busybox httpd ...]	Cmd: []	WorkingDir: [/]
 *       RequestId: <uuid> Error: fork/exec /bin/busybox: exec format error
Runtime.InvalidEntrypoint
 *     (Invoke's function errors add `<ISO time>	<uuid>	fail	<exception type>: <message>`).
 *     Every message ends with "\n", as Lambda's do. Max Memory Used is a fixed 48 MB (or the memory
 *     size when smaller). END/REPORT are written 40 ms after the app answered, so the app's output
 *     (timestamped by Docker when it reads it) comes before them; FilterLogEvents waits for them.
 *   - FilterLogEvents: logGroupName or logGroupIdentifier (name or log-group ARN), logStreamNames,
 *     logStreamNamePrefix, startTime / endTime (epoch ms, inclusive), limit (default and max 10000),
 *     nextToken (an offset), filterPattern: plain terms (each must appear, case-sensitive), "quoted
 *     phrases", `?a ?b` (any of them), `-term` (none of them), `%regex%`; JSON `{...}` and
 *     space-delimited `[...]` patterns are NOT supported and match every event. Answer:
 *     {events: [{logStreamName, timestamp, message, ingestionTime, eventId (56 digits)}] sorted by
 *     time, searchedLogStreams: [{logStreamName, searchedCompletely: true}], nextToken?}.
 *   - A group no function has written to goes to moto (a group created there answers from moto);
 *     otherwise 400 {"__type":"ResourceNotFoundException","message":"The specified log group does
 *     not exist."} with x-amzn-ErrorType.
 *
 * Control API (JSON bodies and answers; function names, not ARNs):
 *   GET  /_local/health                        -> {"ok":true}
 *   POST /_local/reset                         moto /moto-api/reset, forget gateway state, remove
 *                                              gateway-started containers and registry repositories
 *   POST /_local/functions/<name>/next-update  {"durationMs"?:n,"failReason"?:s,"failReasonCode"?:s}
 *                                              applies to the next UpdateFunctionCode of <name>
 *   POST /_local/functions/<name>/begin-update {"durationMs":n} InProgress now, as if someone else
 *                                              had started an update (ends Successful)
 *   POST /_local/functions/<name>/settings     {"updateDurationMs":n|null} default duration for <name>
 *   GET  /_local/functions/<name>/updates      -> [{"imageUri","startedAt","finishedAt","status",
 *                                                 "source","reason"?,"reasonCode"?}] (epoch ms;
 *                                                 finishedAt null while InProgress)
 *   GET  /_local/functions/<name>/reads        -> [{"at","op","lastUpdateStatus"}]: every GetFunction /
 *                                                 GetFunctionConfiguration of $LATEST (epoch ms), so
 *                                                 a benchmark sees when a poller noticed an update end
 *   GET  /_local/functions/<name>/versions     -> [{"version","imageUri","digest","publishedAt"}]: the
 *                                                 image the gateway recorded for each published version
 *   GET  /_local/containers                    -> running data-plane containers [{"function",
 *                                                 "version","digest","logStream","id","port"}]
 *
 * Environment: LOCAL_AWS_PORT (4566), LOCAL_AWS_MOTO_PORT (4567), LOCAL_AWS_REGISTRY_PORT (4568),
 * LOCAL_AWS_REGISTRY_DIR (registry storage root, for reset), LOCAL_AWS_UPDATE_MS (1500),
 * LOCAL_AWS_COLD_START_MS (30000), LOCAL_AWS_DOCKER (docker client, default /usr/bin/docker),
 * LOCAL_AWS_REGION (region for registry-side ECR calls, default us-east-1).
 */
import { execFile } from 'node:child_process'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'

import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  PutImageCommand
} from '@aws-sdk/client-ecr'
import {
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  UpdateFunctionCodeCommand,
  type AliasConfiguration,
  type GetFunctionCommandOutput
} from '@aws-sdk/client-lambda'
import {
  ApiGatewayV2Client,
  GetIntegrationsCommand
} from '@aws-sdk/client-apigatewayv2'

const execFileP = promisify(execFile)

const PORT = Number(process.env.LOCAL_AWS_PORT ?? 4566)
const MOTO_PORT = Number(process.env.LOCAL_AWS_MOTO_PORT ?? 4567)
const REGISTRY_PORT = Number(process.env.LOCAL_AWS_REGISTRY_PORT ?? 4568)
const REGISTRY_DIR = process.env.LOCAL_AWS_REGISTRY_DIR ?? ''
const HOST = '127.0.0.1'
const PUBLIC_HOST = `${HOST}:${PORT}`
const RAW_REGISTRY = `${HOST}:${REGISTRY_PORT}`
const DEFAULT_UPDATE_MS = Number(process.env.LOCAL_AWS_UPDATE_MS ?? 1500)
const COLD_START_MS = Number(process.env.LOCAL_AWS_COLD_START_MS ?? 30000)
const DOCKER =
  process.env.LOCAL_AWS_DOCKER ??
  (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker')
const DEFAULT_REGION = process.env.LOCAL_AWS_REGION ?? 'us-east-1'
const ACCOUNT = '123456789012'
const CONTAINER_LABEL = 'aspnet-lambda-deploy.local=1'
const TOKEN_TTL_MS = 12 * 3600 * 1000

const INDEX_MEDIA_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
])
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

// ---------------------------------------------------------------------------------------------
// small helpers

type Json = Record<string, unknown>

function log(...args: unknown[]): void {
  console.log(new Date().toISOString(), ...args)
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  const data = Buffer.from(JSON.stringify(body))
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(data.length),
    ...headers
  })
  res.end(data)
}

/** A Lambda (restJson1) error as the SDK parses it: x-amzn-errortype + {"Type","message"}. */
function lambdaError(
  res: http.ServerResponse,
  status: number,
  type: string,
  message: string
): void {
  sendJson(
    res,
    status,
    { Type: 'User', message },
    { 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() }
  )
}

function registryError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string
): void {
  sendJson(
    res,
    status,
    { errors: [{ code, message }] },
    { 'docker-distribution-api-version': 'registry/2.0' }
  )
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

function errName(e: unknown): string {
  return e instanceof Error ? e.name : ''
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  /** header names as sent, and values: [name, value, name, value, ...] */
  rawHeaders?: string[]
  body: Buffer
}

/** One buffered HTTP request (moto, registry, containers). */
function rawRequest(
  port: number,
  method: string,
  reqPath: string,
  headers: http.OutgoingHttpHeaders,
  body?: Buffer,
  timeoutMs = 60000
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: HOST, port, method, path: reqPath, headers, timeout: timeoutMs },
      res => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks)
          })
        )
        res.on('error', reject)
      }
    )
    r.on('timeout', () => r.destroy(new Error(`timeout after ${timeoutMs} ms`)))
    r.on('error', reject)
    r.end(body)
  })
}

/** Relay a buffered response, optionally with a rewritten JSON body. */
function relay(
  res: http.ServerResponse,
  r: RawResponse,
  newBody?: unknown
): void {
  const headers: http.OutgoingHttpHeaders = {}
  for (const [k, v] of Object.entries(r.headers)) {
    if (
      [
        'content-length',
        'transfer-encoding',
        'connection',
        'keep-alive',
        'date',
        'server'
      ].includes(k)
    )
      continue
    if (v !== undefined) headers[k] = v
  }
  const body =
    newBody === undefined ? r.body : Buffer.from(JSON.stringify(newBody))
  headers['content-length'] = String(body.length)
  res.writeHead(r.status, headers)
  res.end(body)
}

function parseJson(buf: Buffer): Json | undefined {
  try {
    const v: unknown = JSON.parse(buf.toString('utf8'))
    return v !== null && typeof v === 'object' ? (v as Json) : undefined
  } catch {
    return undefined
  }
}

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

// ---------------------------------------------------------------------------------------------
// SDK clients talking to moto directly (region per request)

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const motoEndpoint = `http://${HOST}:${MOTO_PORT}`
const clients = new Map<
  string,
  { ecr: ECRClient; lambda: LambdaClient; apigw: ApiGatewayV2Client }
>()
function moto(region: string = DEFAULT_REGION): {
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

// ---------------------------------------------------------------------------------------------
// ECR tokens

const tokens = new Map<string, number>() // base64("AWS:<password>") -> expiry epoch ms

function registryAuthorized(req: http.IncomingMessage): boolean {
  const h = req.headers.authorization ?? ''
  const m = /^Basic\s+(\S+)$/i.exec(h)
  if (!m?.[1]) return false
  const exp = tokens.get(m[1])
  return exp !== undefined && exp > Date.now()
}

// ---------------------------------------------------------------------------------------------
// images: URI parsing, validation, registry reads

interface ImageRef {
  uri: string
  host: string
  repository: string
  tag?: string
  digest?: string
}

function parseImageUri(uri: string): ImageRef | undefined {
  const m =
    /^([^/]+)\/([a-z0-9][a-z0-9._/-]*?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(
      uri
    )
  if (!m?.[1] || !m[2]) return undefined
  const ref: ImageRef = { uri, host: m[1], repository: m[2] }
  if (m[3]) ref.tag = m[3]
  if (m[4]) ref.digest = m[4]
  return ref
}

function isOurRegistryHost(host: string): boolean {
  return (
    host === PUBLIC_HOST ||
    host === `localhost:${PORT}` ||
    /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/.test(host)
  )
}

interface ResolvedImage {
  ref: ImageRef
  digest: string // sha256:...
  mediaType: string
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string
  ) {
    super(message)
  }
}

/** Fetch a manifest from the raw registry: media type and bytes. */
async function registryManifest(
  repository: string,
  reference: string
): Promise<{ mediaType: string; body: Buffer; digest: string } | undefined> {
  const r = await rawRequest(
    REGISTRY_PORT,
    'GET',
    `/v2/${repository}/manifests/${reference}`,
    {
      accept: MANIFEST_ACCEPT
    }
  )
  if (r.status !== 200) return undefined
  const mediaType = String(r.headers['content-type'] ?? '').split(';')[0] ?? ''
  return { mediaType, body: r.body, digest: `sha256:${sha256Hex(r.body)}` }
}

interface ImageConfig {
  /** amd64, arm64, ... */
  architecture: string
  /** the program Lambda starts (argv[0] of ENTRYPOINT + CMD) */
  entrypoint: string
  entrypointArgs: string[]
  cmd: string[]
  workingDir: string
}

const UNKNOWN_IMAGE_CONFIG: ImageConfig = {
  architecture: 'unknown',
  entrypoint: '/lambda-entrypoint.sh',
  entrypointArgs: [],
  cmd: [],
  workingDir: ''
}

/** Architecture (amd64, arm64, ...), entrypoint, cmd and working dir from an image's config blob. */
async function registryImageConfig(
  repository: string,
  digest: string
): Promise<ImageConfig | undefined> {
  const m = await registryManifest(repository, digest)
  if (!m) return undefined
  const manifest = parseJson(m.body) as
    { config?: { digest?: string } } | undefined
  const cfgDigest = manifest?.config?.digest
  if (!cfgDigest) return undefined
  const r = await rawRequest(
    REGISTRY_PORT,
    'GET',
    `/v2/${repository}/blobs/${cfgDigest}`,
    {}
  )
  if (r.status !== 200) return undefined
  const cfg = parseJson(r.body) as
    | {
        architecture?: string
        config?: {
          Entrypoint?: string[] | null
          Cmd?: string[] | null
          WorkingDir?: string | null
        }
      }
    | undefined
  const entrypointArgs = cfg?.config?.Entrypoint ?? []
  const cmd = cfg?.config?.Cmd ?? []
  const argv = [...entrypointArgs, ...cmd]
  return {
    architecture: cfg?.architecture ?? 'unknown',
    entrypoint: argv[0] ?? '/lambda-entrypoint.sh',
    entrypointArgs,
    cmd,
    workingDir: cfg?.config?.WorkingDir ?? ''
  }
}

/** Lambda's checks of an ImageUri at CreateFunction / UpdateFunctionCode. */
async function resolveImage(
  uri: string,
  region: string
): Promise<ResolvedImage> {
  const ref = parseImageUri(uri)
  if (!ref || !isOurRegistryHost(ref.host)) {
    throw new ApiError(
      400,
      'InvalidParameterValueException',
      `Source image ${uri} is not valid. Provide a valid source image.`
    )
  }
  const notFound = new ApiError(
    400,
    'InvalidParameterValueException',
    `Source image ${uri} does not exist. Provide a valid source image.`
  )
  let digest: string | undefined
  let motoMediaType: string | undefined
  try {
    const imageId = ref.digest
      ? { imageDigest: ref.digest }
      : { imageTag: ref.tag ?? 'latest' }
    const d = await moto(region).ecr.send(
      new DescribeImagesCommand({
        repositoryName: ref.repository,
        imageIds: [imageId]
      })
    )
    const img = d.imageDetails?.[0]
    digest = img?.imageDigest
    motoMediaType = img?.imageManifestMediaType
  } catch (e) {
    if (
      ['RepositoryNotFoundException', 'ImageNotFoundException'].includes(
        errName(e)
      )
    )
      throw notFound
    throw e
  }
  if (!digest) throw notFound
  const fromRegistry = await registryManifest(ref.repository, digest)
  const mediaType = fromRegistry?.mediaType ?? motoMediaType ?? ''
  if (INDEX_MEDIA_TYPES.has(mediaType)) {
    throw new ApiError(
      400,
      'InvalidParameterValueException',
      `The image manifest, config or layer media type for the source image ${uri} is not supported.`
    )
  }
  const resolved = { ref, digest, mediaType }
  stubShaToImage.set(sha256Hex(uri), resolved)
  return resolved
}

/**
 * moto (stub mode) reports CodeSha256 = sha256(ImageUri string); map it back to the image.
 * Filled whenever the gateway resolves a URI; refilled from GetFunction when missing.
 */
const stubShaToImage = new Map<string, ResolvedImage>()

// ---------------------------------------------------------------------------------------------
// Lambda update state

type UpdateStatus = 'InProgress' | 'Successful' | 'Failed'

interface UpdateRecord {
  imageUri: string | null
  startedAt: number
  finishedAt: number | null
  status: UpdateStatus
  source: 'UpdateFunctionCode' | 'UpdateFunctionConfiguration' | 'begin-update'
  reason?: string
  reasonCode?: string
}

interface NextUpdate {
  durationMs?: number
  failReason?: string
  failReasonCode?: string
}

interface FnState {
  name: string
  region: string
  updates: UpdateRecord[]
  current?:
    | {
        record: UpdateRecord
        previousImageUri: string | null
        timer: NodeJS.Timeout
      }
    | undefined
  last?: {
    status: 'Successful' | 'Failed'
    reason?: string
    reasonCode?: string
  }
  next?: NextUpdate | undefined
  durationMs?: number
  busy: boolean
  revision: string
  /** Reads of $LATEST (GetFunction/GetFunctionConfiguration): when, and what they reported. */
  reads: ReadRecord[]
  /** Published versions and the image $LATEST had when each was published. */
  versions: Map<string, VersionRecord>
  /** UpdateFunctionConfiguration since the last published version (PublishVersion publishes). */
  configChangedSincePublish: boolean
  /** Alias name -> RevisionId (moto never changes an alias's RevisionId). */
  aliasRevisions: Map<string, string>
  /** Qualifier of the function's URL config (moto ignores CreateFunctionUrlConfig's Qualifier). */
  urlQualifier?: string | undefined
}

interface VersionRecord {
  version: string
  /** ImageUri $LATEST had when the version was published */
  imageUri: string
  image: ResolvedImage
  revision: string
  publishedAt: number
}

interface ReadRecord {
  at: number
  op: 'GetFunction' | 'GetFunctionConfiguration'
  lastUpdateStatus: string | undefined
}

const MAX_READS = 10_000

/** Remember a read of $LATEST, so a benchmark can tell when a poller saw an update finish. */
function recordRead(
  name: string,
  region: string,
  op: ReadRecord['op'],
  configuration: Json | undefined
): void {
  const s = fnState(name, region)
  const status = configuration?.LastUpdateStatus
  s.reads.push({
    at: Date.now(),
    op,
    lastUpdateStatus: typeof status === 'string' ? status : undefined
  })
  if (s.reads.length > MAX_READS) s.reads.splice(0, s.reads.length - MAX_READS)
}

const fns = new Map<string, FnState>()

function fnState(name: string, region: string = DEFAULT_REGION): FnState {
  let s = fns.get(name)
  if (!s) {
    s = {
      name,
      region,
      updates: [],
      busy: false,
      revision: randomUUID(),
      reads: [],
      versions: new Map(),
      configChangedSincePublish: false,
      aliasRevisions: new Map()
    }
    fns.set(name, s)
  }
  return s
}

/** Function name from a path segment: name, partial ARN (acct:function:name) or full ARN. */
function canonicalFunctionName(seg: string): {
  name: string
  qualifier?: string
} {
  const s = decodeURIComponent(seg)
  const parts = s.split(':')
  let name = s
  let qualifier: string | undefined
  if (s.startsWith('arn:')) {
    name = parts[6] ?? s
    qualifier = parts[7]
  } else if (parts.length >= 3 && parts[1] === 'function') {
    name = parts[2] ?? s
    qualifier = parts[3]
  } else if (parts.length === 2) {
    name = parts[0] ?? s
    qualifier = parts[1]
  }
  return qualifier ? { name, qualifier } : { name }
}

function inProgress(s: FnState | undefined): boolean {
  return !!s && (s.busy || s.current !== undefined)
}

function conflictMessage(name: string, region: string): string {
  return `The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`
}

function startUpdate(
  s: FnState,
  source: UpdateRecord['source'],
  imageUri: string | null,
  previousImageUri: string | null,
  opts: NextUpdate
): UpdateRecord {
  const durationMs = opts.durationMs ?? s.durationMs ?? DEFAULT_UPDATE_MS
  const record: UpdateRecord = {
    imageUri,
    startedAt: Date.now(),
    finishedAt: null,
    status: 'InProgress',
    source
  }
  s.updates.push(record)
  s.revision = randomUUID()
  const fail =
    opts.failReason !== undefined || opts.failReasonCode !== undefined
  const timer = setTimeout(() => {
    void finishUpdate(s, record, previousImageUri, fail ? opts : undefined)
  }, durationMs)
  s.current = { record, previousImageUri, timer }
  log(
    `update ${s.name} ${source} ${imageUri ?? ''} for ${durationMs} ms${fail ? ' (will fail)' : ''}`
  )
  return record
}

async function finishUpdate(
  s: FnState,
  record: UpdateRecord,
  previousImageUri: string | null,
  fail: NextUpdate | undefined
): Promise<void> {
  if (fns.get(s.name) !== s) return // reset meanwhile
  if (fail) {
    const reason = fail.failReason ?? 'The update failed.'
    const reasonCode = fail.failReasonCode ?? 'InvalidImage'
    if (previousImageUri && record.source === 'UpdateFunctionCode') {
      try {
        // Lambda keeps the previous code when an update fails.
        await moto(s.region).lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: s.name,
            ImageUri: previousImageUri
          })
        )
      } catch (e) {
        log(
          `restore of ${s.name} to ${previousImageUri} failed: ${errMessage(e)}`
        )
      }
    }
    if (fns.get(s.name) !== s) return
    record.status = 'Failed'
    record.reason = reason
    record.reasonCode = reasonCode
    s.last = { status: 'Failed', reason, reasonCode }
  } else {
    record.status = 'Successful'
    s.last = { status: 'Successful' }
  }
  record.finishedAt = Date.now()
  s.current = undefined
  s.revision = randomUUID()
  log(`update ${s.name} ${record.status}`)
}

/** Rewrite a FunctionConfiguration object as Lambda would show it. */
async function fixConfiguration(
  c: Json,
  opts: { latest: boolean; region: string; imageUri?: string }
): Promise<void> {
  const name = typeof c.FunctionName === 'string' ? c.FunctionName : ''
  if (c.PackageType === 'Image') {
    const image = await imageForStubSha(
      typeof c.CodeSha256 === 'string' ? c.CodeSha256 : '',
      name,
      opts.region,
      opts.imageUri
    )
    if (image) c.CodeSha256 = image.digest.replace(/^sha256:/, '')
    c.CodeSize = 0
  }
  if (!opts.latest) return
  const s = fns.get(name)
  c.State = 'Active'
  delete c.StateReason
  delete c.StateReasonCode
  delete c.LastUpdateStatusReason
  delete c.LastUpdateStatusReasonCode
  if (s?.current) {
    c.LastUpdateStatus = 'InProgress'
  } else if (s?.last?.status === 'Failed') {
    c.LastUpdateStatus = 'Failed'
    if (s.last.reason) c.LastUpdateStatusReason = s.last.reason
    if (s.last.reasonCode) c.LastUpdateStatusReasonCode = s.last.reasonCode
  } else {
    c.LastUpdateStatus = 'Successful'
  }
  c.RevisionId = (s ?? fnState(name, opts.region)).revision
}

async function imageForStubSha(
  codeSha: string,
  name: string,
  region: string,
  imageUri: string | undefined
): Promise<ResolvedImage | undefined> {
  const known = stubShaToImage.get(codeSha)
  if (known) return known
  try {
    let uri = imageUri
    if (!uri) {
      const f = await moto(region).lambda.send(
        new GetFunctionCommand({ FunctionName: name })
      )
      uri = f.Code?.ImageUri
    }
    if (uri && sha256Hex(uri) === codeSha)
      return await resolveImage(uri, region)
  } catch (e) {
    log(`cannot resolve image of ${name}: ${errMessage(e)}`)
  }
  return undefined
}

function fixCode(code: Json, image: ResolvedImage | undefined): void {
  if (!image) return
  code.ResolvedImageUri = `${image.ref.host}/${image.ref.repository}@${image.digest}`
}

// ---------------------------------------------------------------------------------------------
// SigV4 -> moto

function sigV4Scope(
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

function forwardToMoto(
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
  relay(res, await forwardToMoto(req, body))
}

async function handleEcrApi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  region: string
): Promise<void> {
  const target = String(req.headers['x-amz-target'] ?? '')
  const op = target.split('.').pop() ?? ''
  const r = await forwardToMoto(req, body)
  const out = r.status === 200 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  const fixUri = (repo: Json): void => {
    if (typeof repo.repositoryName === 'string')
      repo.repositoryUri = `${PUBLIC_HOST}/${repo.repositoryName}`
  }
  if (op === 'GetAuthorizationToken') {
    const list = (out.authorizationData as Json[] | undefined) ?? []
    for (const a of list) {
      const token = Buffer.from(
        `AWS:${randomBytes(24).toString('base64url')}`
      ).toString('base64')
      const expires = Date.now() + TOKEN_TTL_MS
      tokens.set(token, expires)
      a.authorizationToken = token
      a.proxyEndpoint = `http://${PUBLIC_HOST}`
      a.expiresAt = expires / 1000
    }
    void region
  } else if (op === 'CreateRepository' && out.repository) {
    fixUri(out.repository as Json)
  } else if (op === 'DescribeRepositories') {
    for (const repo of (out.repositories as Json[] | undefined) ?? [])
      fixUri(repo)
  } else if (op === 'DeleteRepository' && out.repository) {
    fixUri(out.repository as Json)
  }
  relay(res, r, out)
}

async function handleLambdaApi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  region: string
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const method = req.method ?? 'GET'
  const segs = url.pathname.split('/').filter(Boolean) // ['2015-03-31','functions',name,...]
  const qualifierParam = url.searchParams.get('Qualifier') ?? undefined
  const fnSeg = segs[1] === 'functions' ? segs[2] : undefined
  const fn = fnSeg !== undefined ? canonicalFunctionName(fnSeg) : undefined
  const qualifier = qualifierParam ?? fn?.qualifier
  const latest = qualifier === undefined || qualifier === '$LATEST'
  const sub = segs[3]

  try {
    // Function URL configs (moto has no ListFunctionUrlConfigs: built from GetFunctionUrlConfig;
    // moto ignores Qualifier: the gateway keeps it, one URL config per function)
    if (segs[0] === '2021-10-31' && fn && (sub === 'url' || sub === 'urls')) {
      if (sub === 'urls' && method === 'GET')
        return listFunctionUrlConfigs(req, res, fn.name, region)
      const urlQualifier =
        qualifier === undefined || qualifier === '$LATEST'
          ? undefined
          : qualifier
      const noUrl = (): void =>
        lambdaError(
          res,
          404,
          'ResourceNotFoundException',
          'The resource you requested does not exist.'
        )
      if (method === 'POST' && urlQualifier !== undefined) {
        // A URL's qualifier is an alias (or $LATEST); the alias must exist.
        if (/^\d+$/.test(urlQualifier))
          return lambdaError(
            res,
            400,
            'InvalidParameterValueException',
            `Function URLs cannot be attached to a function version (${urlQualifier}); use an alias.`
          )
        if (!(await motoAlias(fn.name, urlQualifier, region)))
          return lambdaError(
            res,
            404,
            'ResourceNotFoundException',
            `Function not found: ${functionArn(fn.name, region, urlQualifier)}`
          )
      }
      if (method !== 'POST') {
        if ((fns.get(fn.name)?.urlQualifier ?? undefined) !== urlQualifier)
          return noUrl()
        if (method === 'DELETE') {
          // moto answers 204 for a function without a URL; Lambda: 404.
          try {
            await moto(region).lambda.send(
              new GetFunctionUrlConfigCommand({ FunctionName: fn.name })
            )
          } catch (e) {
            if (errName(e) === 'ResourceNotFoundException') return noUrl()
            throw e
          }
        }
      }
      const r = await forwardToMoto(req, body)
      if (r.status < 300 && method === 'POST')
        fnState(fn.name, region).urlQualifier = urlQualifier
      if (r.status < 300 && method === 'DELETE') {
        const st = fns.get(fn.name)
        if (st) st.urlQualifier = undefined
      }
      const out = r.status < 300 ? parseJson(r.body) : undefined
      if (!out) return relay(res, r)
      fixUrlConfig(out, fn.name, region)
      return relay(res, r, out)
    }

    // CreateFunction
    if (method === 'POST' && segs[1] === 'functions' && segs.length === 2) {
      const input = parseJson(body) as
        { Code?: { ImageUri?: string }; FunctionName?: string } | undefined
      let image: ResolvedImage | undefined
      if (input?.Code?.ImageUri)
        image = await resolveImage(input.Code.ImageUri, region)
      const r = await forwardToMoto(req, body)
      const out = r.status < 300 ? parseJson(r.body) : undefined
      if (!out) return relay(res, r)
      if (typeof out.FunctionName === 'string') {
        const old = fns.get(out.FunctionName)
        if (old?.current) clearTimeout(old.current.timer)
        fns.delete(out.FunctionName)
        const s = fnState(out.FunctionName, region)
        // Publish: true -> version 1 carries the image the function was created with
        if (
          image &&
          typeof out.Version === 'string' &&
          /^\d+$/.test(out.Version)
        )
          recordVersion(s, out.Version, image)
      }
      await fixConfiguration(out, {
        latest: true,
        region,
        ...(image ? { imageUri: image.ref.uri } : {})
      })
      return relay(res, r, out)
    }

    // DeleteFunction: the data plane stops serving it at once
    if (
      method === 'DELETE' &&
      fn &&
      sub === undefined &&
      segs[1] === 'functions' &&
      latest
    ) {
      const r = await forwardToMoto(req, body)
      if (r.status < 300) {
        const s = fns.get(fn.name)
        if (s?.current) clearTimeout(s.current.timer)
        fns.delete(fn.name)
        await removeFunctionContainers(fn.name)
      }
      return relay(res, r)
    }

    // DeleteFunction of a version: forget its image and stop its environments
    if (
      method === 'DELETE' &&
      fn &&
      sub === undefined &&
      segs[1] === 'functions' &&
      qualifier !== undefined &&
      /^\d+$/.test(qualifier)
    ) {
      const r = await forwardToMoto(req, body)
      if (r.status < 300) {
        fns.get(fn.name)?.versions.delete(qualifier)
        const gone = [...containers.values()].filter(
          e => e.fn === fn.name && e.version === qualifier
        )
        for (const e of gone) containers.delete(e.key)
        await Promise.all(gone.map(e => removeEntry(e)))
      }
      return relay(res, r)
    }

    // AddPermission: a statement id that exists -> 409 like Lambda (moto adds a duplicate)
    if (
      method === 'POST' &&
      fn &&
      sub === 'policy' &&
      segs[1] === 'functions'
    ) {
      const input = (parseJson(body) ?? {}) as { StatementId?: string }
      const policy = await moto(region)
        .lambda.send(new GetPolicyCommand({ FunctionName: fn.name }))
        .then(p => p.Policy)
        .catch(() => undefined)
      const statements =
        policy !== undefined
          ? ((
              parseJson(Buffer.from(policy)) as
                { Statement?: { Sid?: string }[] } | undefined
            )?.Statement ?? [])
          : []
      if (statements.some(st => st.Sid === input.StatementId))
        return lambdaError(
          res,
          409,
          'ResourceConflictException',
          `The statement id (${input.StatementId ?? ''}) provided already exists. Please provide a new statement id, or remove the existing statement.`
        )
    }

    // UpdateFunctionCode
    if (method === 'PUT' && fn && sub === 'code' && segs[1] === 'functions') {
      const s = fnState(fn.name, region)
      if (inProgress(s))
        return lambdaError(
          res,
          409,
          'ResourceConflictException',
          conflictMessage(fn.name, region)
        )
      s.busy = true
      try {
        const input = (parseJson(body) ?? {}) as {
          ImageUri?: string
          RevisionId?: string
          DryRun?: boolean
          Publish?: boolean
        }
        if (input.RevisionId !== undefined && input.RevisionId !== s.revision) {
          return lambdaError(
            res,
            412,
            'PreconditionFailedException',
            'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id'
          )
        }
        let previousImageUri: string | null = null
        try {
          const cur = await moto(region).lambda.send(
            new GetFunctionCommand({ FunctionName: fn.name })
          )
          previousImageUri = cur.Code?.ImageUri ?? null
        } catch (e) {
          if (errName(e) === 'ResourceNotFoundException')
            return relay(res, await forwardToMoto(req, body))
          throw e
        }
        let image: ResolvedImage | undefined
        if (input.ImageUri) image = await resolveImage(input.ImageUri, region)
        if (input.DryRun) {
          const r = await forwardToMoto(
            req,
            Buffer.alloc(0),
            `/2015-03-31/functions/${encodeURIComponent(fn.name)}/configuration`
          )
          const out = r.status < 300 ? parseJson(r.body) : undefined
          if (!out) return relay(res, r)
          await fixConfiguration(out, { latest: true, region })
          return relay(res, { ...r, status: 200 }, out)
        }
        const r = await forwardToMoto(req, body)
        const out = r.status < 300 ? parseJson(r.body) : undefined
        if (!out) return relay(res, r)
        // Publish: true -> the new version carries the new image
        if (
          input.Publish &&
          image &&
          typeof out.Version === 'string' &&
          /^\d+$/.test(out.Version) &&
          !s.versions.has(out.Version)
        ) {
          recordVersion(s, out.Version, image)
          s.configChangedSincePublish = false
        }
        const next = s.next ?? {}
        s.next = undefined
        startUpdate(
          s,
          'UpdateFunctionCode',
          input.ImageUri ?? null,
          previousImageUri,
          next
        )
        await fixConfiguration(out, {
          latest: true,
          region,
          ...(image ? { imageUri: image.ref.uri } : {})
        })
        return relay(res, r, out)
      } finally {
        s.busy = false
      }
    }

    // UpdateFunctionConfiguration: conflict while an update runs
    if (
      fn &&
      segs[1] === 'functions' &&
      method === 'PUT' &&
      sub === 'configuration'
    ) {
      const s = fnState(fn.name, region)
      if (inProgress(s))
        return lambdaError(
          res,
          409,
          'ResourceConflictException',
          conflictMessage(fn.name, region)
        )
      const input = (parseJson(body) ?? {}) as { RevisionId?: string }
      if (input.RevisionId !== undefined && input.RevisionId !== s.revision)
        return staleRevision(res)
      const r = await forwardToMoto(req, body)
      const out = r.status < 300 ? parseJson(r.body) : undefined
      if (!out) return relay(res, r)
      s.configChangedSincePublish = true
      startUpdate(s, 'UpdateFunctionConfiguration', null, null, {})
      await fixConfiguration(out, { latest: true, region })
      return relay(res, r, out)
    }

    // PublishVersion
    if (
      fn &&
      segs[1] === 'functions' &&
      method === 'POST' &&
      sub === 'versions'
    )
      return publishVersion(req, res, body, fn.name, region)

    // Aliases
    if (fn && segs[1] === 'functions' && sub === 'aliases')
      return handleAlias(req, res, body, fn.name, segs[4], region)

    // Invoke
    if (
      fn &&
      segs[1] === 'functions' &&
      method === 'POST' &&
      sub === 'invocations'
    )
      return handleInvoke(req, res, body, fn.name, qualifier, region)

    // GetFunction / GetFunctionConfiguration / ListFunctions / ListVersionsByFunction
    if (method === 'GET' && segs[1] === 'functions') {
      // A qualified read of a version or an alias: answered from the version's own record.
      let version: VersionRecord | undefined
      if (fn && !latest && (sub === undefined || sub === 'configuration')) {
        const v = await versionOfQualifier(fn.name, qualifier ?? '', region)
        if (v && v !== '$LATEST')
          version = await versionRecord(fn.name, v, region)
      }
      const r = await forwardToMoto(req, body)
      const out = r.status < 300 ? parseJson(r.body) : undefined
      if (!out) return relay(res, r)
      if (fn && sub === undefined) {
        const code = out.Code as Json | undefined
        const imageUri =
          typeof code?.ImageUri === 'string' ? code.ImageUri : undefined
        const cfg = out.Configuration as Json | undefined
        if (version) {
          if (cfg) fixVersionConfiguration(cfg, version)
          if (code) {
            code.ImageUri = version.imageUri
            fixCode(code, version.image)
          }
        } else {
          if (cfg)
            await fixConfiguration(cfg, {
              latest,
              region,
              ...(imageUri ? { imageUri } : {})
            })
          if (code && imageUri) {
            const image = await imageForStubSha(
              sha256Hex(imageUri),
              fn.name,
              region,
              imageUri
            )
            fixCode(code, image)
          }
        }
        if (latest) recordRead(fn.name, region, 'GetFunction', cfg)
      } else if (fn && sub === 'configuration') {
        if (version) fixVersionConfiguration(out, version)
        else await fixConfiguration(out, { latest, region })
        if (latest) recordRead(fn.name, region, 'GetFunctionConfiguration', out)
      } else if (!fn || sub === 'versions') {
        const fixAny = async (c: Json, isLatest: boolean): Promise<void> => {
          const name = typeof c.FunctionName === 'string' ? c.FunctionName : ''
          const v = typeof c.Version === 'string' ? c.Version : '$LATEST'
          const rec =
            v !== '$LATEST' ? await versionRecord(name, v, region) : undefined
          if (rec) fixVersionConfiguration(c, rec)
          else await fixConfiguration(c, { latest: isLatest, region })
        }
        for (const c of (out.Functions as Json[] | undefined) ?? [])
          await fixAny(c, !fn && c.Version === '$LATEST')
        for (const c of (out.Versions as Json[] | undefined) ?? [])
          await fixAny(c, c.Version === '$LATEST')
      }
      return relay(res, r, out)
    }

    relay(res, await forwardToMoto(req, body))
  } catch (e) {
    if (e instanceof ApiError)
      return lambdaError(res, e.status, e.type, e.message)
    throw e
  }
}

// ---------------------------------------------------------------------------------------------
// Lambda versions and aliases

function staleRevision(res: http.ServerResponse): void {
  lambdaError(
    res,
    412,
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id'
  )
}

function recordVersion(
  s: FnState,
  version: string,
  image: ResolvedImage
): VersionRecord {
  const rec: VersionRecord = {
    version,
    imageUri: image.ref.uri,
    image,
    revision: randomUUID(),
    publishedAt: Date.now()
  }
  s.versions.set(version, rec)
  log(`version ${s.name}:${version} = ${image.digest}`)
  return rec
}

/** A published version's configuration as Lambda shows it: its own image, Active, Successful. */
function fixVersionConfiguration(c: Json, rec: VersionRecord): void {
  c.CodeSha256 = rec.image.digest.replace(/^sha256:/, '')
  c.CodeSize = 0
  c.Version = rec.version
  c.State = 'Active'
  c.LastUpdateStatus = 'Successful'
  delete c.StateReason
  delete c.StateReasonCode
  delete c.LastUpdateStatusReason
  delete c.LastUpdateStatusReasonCode
  c.RevisionId = rec.revision
}

/**
 * The record of a published version; versions the gateway did not see published (none, normally)
 * are recovered from moto's CodeSha256 (sha256 of the version's ImageUri in stub mode).
 */
async function versionRecord(
  name: string,
  version: string,
  region: string
): Promise<VersionRecord | undefined> {
  const s = fnState(name, region)
  const known = s.versions.get(version)
  if (known) return known
  try {
    const c = await moto(region).lambda.send(
      new GetFunctionConfigurationCommand({
        FunctionName: name,
        Qualifier: version
      })
    )
    const image = stubShaToImage.get(c.CodeSha256 ?? '')
    if (image && c.Version === version) return recordVersion(s, version, image)
  } catch (e) {
    if (errName(e) !== 'ResourceNotFoundException') throw e
  }
  return undefined
}

async function motoAlias(
  name: string,
  alias: string,
  region: string
): Promise<AliasConfiguration | undefined> {
  try {
    return await moto(region).lambda.send(
      new GetAliasCommand({ FunctionName: name, Name: alias })
    )
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException') return undefined
    throw e
  }
}

/** $LATEST, a version number, or the primary version of an alias (undefined: no such alias). */
async function versionOfQualifier(
  name: string,
  qualifier: string,
  region: string
): Promise<string | undefined> {
  if (qualifier === '$LATEST' || /^\d+$/.test(qualifier)) return qualifier
  return (await motoAlias(name, qualifier, region))?.FunctionVersion
}

/** The image $LATEST runs now (moto's ImageUri, resolved to its digest). */
async function latestImage(
  name: string,
  region: string
): Promise<ResolvedImage | undefined> {
  const f = await moto(region).lambda.send(
    new GetFunctionCommand({ FunctionName: name })
  )
  const uri = f.Code?.ImageUri
  return uri ? resolveImage(uri, region) : undefined
}

async function publishVersion(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  name: string,
  region: string
): Promise<void> {
  const s = fnState(name, region)
  if (inProgress(s))
    return lambdaError(
      res,
      409,
      'ResourceConflictException',
      conflictMessage(name, region)
    )
  const input = (parseJson(body) ?? {}) as {
    RevisionId?: string
    CodeSha256?: string
  }
  if (input.RevisionId !== undefined && input.RevisionId !== s.revision)
    return staleRevision(res)
  let image: ResolvedImage | undefined
  try {
    image = await latestImage(name, region)
  } catch (e) {
    // moto gives the function-not-found answer
    if (errName(e) === 'ResourceNotFoundException')
      return relay(res, await forwardToMoto(req, body))
    throw e
  }
  const current = image?.digest.replace(/^sha256:/, '') ?? ''
  if (input.CodeSha256 !== undefined && input.CodeSha256 !== current)
    return lambdaError(
      res,
      412,
      'PreconditionFailedException',
      `CodeSha256 (${input.CodeSha256}) is different from current CodeSha256 in $LATEST (${current}). Please try again with the current CodeSha256.`
    )
  // Nothing changed since the last published version: Lambda returns that version.
  const last = [...s.versions.values()].sort(
    (a, b) => Number(b.version) - Number(a.version)
  )[0]
  if (
    last &&
    image &&
    last.image.digest === image.digest &&
    !s.configChangedSincePublish
  ) {
    const r = await forwardToMoto(
      req,
      Buffer.alloc(0),
      `/2015-03-31/functions/${encodeURIComponent(name)}/configuration?Qualifier=${last.version}`
    )
    const out = r.status < 300 ? parseJson(r.body) : undefined
    if (out) {
      fixVersionConfiguration(out, last)
      return relay(res, { ...r, status: 201 }, out)
    }
  }
  const r = await forwardToMoto(req, body)
  const out = r.status < 300 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  const version = typeof out.Version === 'string' ? out.Version : ''
  let rec = s.versions.get(version)
  if (!rec && image && /^\d+$/.test(version))
    rec = recordVersion(s, version, image)
  s.configChangedSincePublish = false
  if (rec) fixVersionConfiguration(out, rec)
  else await fixConfiguration(out, { latest: false, region })
  relay(res, r, out)
}

/** An alias as Lambda shows it: the gateway's RevisionId, no RoutingConfig without weights. */
function fixAlias(a: Json, s: FnState): void {
  const name = typeof a.Name === 'string' ? a.Name : ''
  const rev = s.aliasRevisions.get(name)
  if (rev) a.RevisionId = rev
  else if (typeof a.RevisionId === 'string')
    s.aliasRevisions.set(name, a.RevisionId)
  const weights = (a.RoutingConfig as Json | null | undefined)
    ?.AdditionalVersionWeights as Json | null | undefined
  if (!weights || Object.keys(weights).length === 0) delete a.RoutingConfig
  if (a.Description === null) a.Description = ''
}

/** Lambda's checks of an alias's FunctionVersion and RoutingConfig; an error message or undefined. */
async function aliasProblem(
  name: string,
  region: string,
  functionVersion: string | undefined,
  routing: unknown
): Promise<ApiError | undefined> {
  const notFound = (v: string): ApiError =>
    new ApiError(
      404,
      'ResourceNotFoundException',
      `Function not found: ${functionArn(name, region, v)}`
    )
  if (functionVersion !== undefined && functionVersion !== '$LATEST') {
    if (!/^\d+$/.test(functionVersion))
      return new ApiError(
        400,
        'InvalidParameterValueException',
        `Invalid function version ${functionVersion}.`
      )
    if (!(await versionRecord(name, functionVersion, region)))
      return notFound(functionVersion)
  }
  const weights = (routing as { AdditionalVersionWeights?: unknown } | null)
    ?.AdditionalVersionWeights
  if (weights === undefined || weights === null) return undefined
  const entries = Object.entries(weights as Record<string, unknown>)
  if (entries.length > 1)
    return new ApiError(
      400,
      'InvalidParameterValueException',
      'Number of items in AdditionalVersionWeights cannot be greater than 1'
    )
  for (const [v, w] of entries) {
    if (typeof w !== 'number' || !(w >= 0 && w <= 1))
      return new ApiError(
        400,
        'ValidationException',
        `1 validation error detected: Value '${String(w)}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]`
      )
    if (functionVersion === '$LATEST')
      return new ApiError(
        400,
        'InvalidParameterValueException',
        '$LATEST is not supported for an alias pointing to more than 1 version'
      )
    if (!/^\d+$/.test(v))
      return new ApiError(
        400,
        'InvalidParameterValueException',
        `Invalid function version ${v}.`
      )
    if (v === functionVersion)
      return new ApiError(
        400,
        'InvalidParameterValueException',
        `Invalid function version ${v}. Function version ${v} is already included in routing configuration.`
      )
    if (!(await versionRecord(name, v, region))) return notFound(v)
  }
  return undefined
}

async function handleAlias(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  name: string,
  aliasSeg: string | undefined,
  region: string
): Promise<void> {
  const method = req.method ?? 'GET'
  const s = fnState(name, region)
  const alias =
    aliasSeg !== undefined ? decodeURIComponent(aliasSeg) : undefined
  const input = (parseJson(body) ?? {}) as {
    Name?: string
    FunctionVersion?: string
    RoutingConfig?: unknown
    RevisionId?: string
  }
  if (method === 'POST' && alias === undefined) {
    // CreateAlias
    const newName = input.Name ?? ''
    try {
      await moto(region).lambda.send(
        new GetFunctionCommand({ FunctionName: name })
      )
    } catch (e) {
      if (errName(e) === 'ResourceNotFoundException')
        return relay(res, await forwardToMoto(req, body))
      throw e
    }
    if (await motoAlias(name, newName, region))
      return lambdaError(
        res,
        409,
        'ResourceConflictException',
        `Alias already exists: ${functionArn(name, region, newName)}`
      )
    const problem = await aliasProblem(
      name,
      region,
      input.FunctionVersion ?? '',
      input.RoutingConfig
    )
    if (problem)
      return lambdaError(res, problem.status, problem.type, problem.message)
    const r = await forwardToMoto(req, body)
    const out = r.status < 300 ? parseJson(r.body) : undefined
    if (!out) return relay(res, r)
    s.aliasRevisions.set(newName, randomUUID())
    fixAlias(out, s)
    return relay(res, { ...r, status: 201 }, out)
  }
  if (method === 'PUT' && alias !== undefined) {
    // UpdateAlias
    const current = await motoAlias(name, alias, region)
    if (!current) return relay(res, await forwardToMoto(req, body))
    const revision =
      s.aliasRevisions.get(alias) ?? current.RevisionId ?? randomUUID()
    if (input.RevisionId !== undefined && input.RevisionId !== revision)
      return staleRevision(res)
    const problem = await aliasProblem(
      name,
      region,
      input.FunctionVersion ?? current.FunctionVersion,
      input.RoutingConfig !== undefined
        ? input.RoutingConfig
        : current.RoutingConfig
    )
    if (problem)
      return lambdaError(res, problem.status, problem.type, problem.message)
    const r = await forwardToMoto(req, body)
    const out = r.status < 300 ? parseJson(r.body) : undefined
    if (!out) return relay(res, r)
    s.aliasRevisions.set(alias, randomUUID())
    fixAlias(out, s)
    return relay(res, { ...r, status: 200 }, out)
  }
  const r = await forwardToMoto(req, body)
  if (method === 'DELETE' && alias !== undefined && r.status < 300)
    s.aliasRevisions.delete(alias)
  const out = r.status < 300 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  if (alias !== undefined) fixAlias(out, s)
  for (const a of (out.Aliases as Json[] | undefined) ?? []) fixAlias(a, s)
  relay(res, { ...r, status: 200 }, out)
}

function functionArn(name: string, region: string, qualifier?: string): string {
  return `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}${qualifier !== undefined ? `:${qualifier}` : ''}`
}

/** FunctionUrl on the gateway; FunctionArn qualified as the URL was created. */
function fixUrlConfig(c: Json, name: string, region: string): void {
  c.FunctionUrl = `http://${PUBLIC_HOST}/_url/${name}/`
  c.FunctionArn = functionArn(name, region, fns.get(name)?.urlQualifier)
}

async function listFunctionUrlConfigs(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  name: string,
  region: string
): Promise<void> {
  const r = await forwardToMoto(
    req,
    Buffer.alloc(0),
    `/2021-10-31/functions/${encodeURIComponent(name)}/url`
  )
  const cfg = r.status < 300 ? parseJson(r.body) : undefined // moto answers 201 here
  if (cfg) {
    fixUrlConfig(cfg, name, region)
    return sendJson(res, 200, { FunctionUrlConfigs: [cfg] })
  }
  try {
    await moto(region).lambda.send(
      new GetFunctionCommand({ FunctionName: name })
    )
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException') {
      return lambdaError(
        res,
        404,
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`
      )
    }
    throw e
  }
  sendJson(res, 200, { FunctionUrlConfigs: [] })
}

async function handleApigwApi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer
): Promise<void> {
  const r = await forwardToMoto(req, body)
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const out =
    r.status < 300 && /^\/v2\/apis(\/[^/]+)?\/?$/.test(url.pathname)
      ? parseJson(r.body)
      : undefined
  if (!out) return relay(res, r)
  const fix = (a: Json): void => {
    if (typeof a.apiId === 'string' && 'apiEndpoint' in a)
      a.apiEndpoint = `http://${PUBLIC_HOST}/_apigw/${a.apiId}`
  }
  fix(out)
  for (const a of (out.items as Json[] | undefined) ?? []) fix(a)
  relay(res, r, out)
}

// ---------------------------------------------------------------------------------------------
// registry front (ECR's registry)

async function repositoryExists(
  name: string
): Promise<{ exists: boolean; immutable: boolean }> {
  try {
    const d = await moto().ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: [name] })
    )
    const m = d.repositories?.[0]?.imageTagMutability ?? 'MUTABLE'
    return { exists: true, immutable: m.startsWith('IMMUTABLE') }
  } catch (e) {
    if (errName(e) === 'RepositoryNotFoundException')
      return { exists: false, immutable: false }
    throw e
  }
}

function nameUnknown(res: http.ServerResponse, name: string): void {
  registryError(
    res,
    404,
    'NAME_UNKNOWN',
    `The repository with name '${name}' does not exist in the registry with id '${ACCOUNT}'`
  )
}

function streamToRegistry(
  req: http.IncomingMessage,
  res: http.ServerResponse
): void {
  const headers = { ...req.headers }
  delete headers.authorization
  const p = http.request(
    {
      host: HOST,
      port: REGISTRY_PORT,
      method: req.method,
      path: req.url,
      headers
    },
    pr => {
      res.writeHead(pr.statusCode ?? 502, pr.headers)
      pr.pipe(res)
    }
  )
  p.on('error', e => {
    if (!res.headersSent)
      registryError(res, 502, 'UNAVAILABLE', `registry: ${e.message}`)
    else res.destroy(e)
  })
  req.pipe(p)
}

async function handleRegistry(
  req: http.IncomingMessage,
  res: http.ServerResponse
): Promise<void> {
  if (!registryAuthorized(req)) {
    res.setHeader('www-authenticate', 'Basic realm="local-ecr"')
    return registryError(res, 401, 'UNAUTHORIZED', 'authentication required')
  }
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const method = req.method ?? 'GET'
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.*)$/.exec(url.pathname)
  if (
    m?.[1] &&
    m[2] === 'blobs' &&
    method === 'POST' &&
    m[3]?.startsWith('uploads')
  ) {
    if (!(await repositoryExists(m[1])).exists) return nameUnknown(res, m[1])
  }
  if (m?.[1] && m[2] === 'manifests' && method === 'PUT' && m[3]) {
    return putManifest(req, res, m[1], decodeURIComponent(m[3]))
  }
  streamToRegistry(req, res)
}

function manifestMediaType(body: Buffer): string {
  const t = parseJson(body)?.mediaType
  return typeof t === 'string'
    ? t
    : 'application/vnd.docker.distribution.manifest.v2+json'
}

async function putManifest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  repo: string,
  ref: string
): Promise<void> {
  const body = await readBody(req)
  const digest = `sha256:${sha256Hex(body)}`
  const isTag = !ref.startsWith('sha256:')
  const repoInfo = await repositoryExists(repo)
  if (!repoInfo.exists) return nameUnknown(res, repo)
  let tagAlreadyHere = false
  if (isTag) {
    try {
      const d = await moto().ecr.send(
        new DescribeImagesCommand({
          repositoryName: repo,
          imageIds: [{ imageTag: ref }]
        })
      )
      const existing = d.imageDetails?.[0]?.imageDigest
      if (existing && existing !== digest && repoInfo.immutable) {
        return registryError(
          res,
          400,
          'TAG_INVALID',
          `The image tag '${ref}' already exists in the '${repo}' repository and cannot be overwritten because the repository is immutable.`
        )
      }
      tagAlreadyHere = existing === digest
    } catch (e) {
      if (errName(e) !== 'ImageNotFoundException') throw e
    }
  } else if (ref !== digest) {
    return registryError(
      res,
      400,
      'DIGEST_INVALID',
      `provided digest ${ref} does not match the manifest ${digest}`
    )
  }
  const headers = { ...req.headers }
  delete headers.authorization
  delete headers['transfer-encoding']
  headers['content-length'] = String(body.length)
  const r = await rawRequest(
    REGISTRY_PORT,
    'PUT',
    req.url ?? '/',
    headers,
    body
  )
  if (r.status >= 300) return relay(res, r)
  const mediaType =
    String(req.headers['content-type'] ?? '').split(';')[0] ||
    manifestMediaType(body)
  // Mirror into moto's ECR (skip when that exact image/tag is already there).
  let known = false
  try {
    const d = await moto().ecr.send(
      new DescribeImagesCommand({
        repositoryName: repo,
        imageIds: [{ imageDigest: digest }]
      })
    )
    const tags = d.imageDetails?.[0]?.imageTags ?? []
    known = !isTag || tags.includes(ref)
  } catch (e) {
    if (errName(e) !== 'ImageNotFoundException') throw e
  }
  if (!known && !tagAlreadyHere) {
    try {
      await moto().ecr.send(
        new PutImageCommand({
          repositoryName: repo,
          imageManifest: body.toString('utf8'),
          imageManifestMediaType: mediaType,
          imageDigest: digest,
          ...(isTag ? { imageTag: ref } : {})
        })
      )
    } catch (e) {
      if (errName(e) !== 'ImageAlreadyExistsException') {
        log(`PutImage mirror of ${repo}@${digest} failed: ${errMessage(e)}`)
        return registryError(
          res,
          500,
          'UNKNOWN',
          `mirror into ECR failed: ${errMessage(e)}`
        )
      }
    }
  }
  log(`pushed ${repo}:${ref} ${digest} (${mediaType})`)
  relay(res, r)
}

// ---------------------------------------------------------------------------------------------
// CloudWatch Logs: what the function's execution environments wrote

interface LogEvent {
  /** epoch ms, fractional */
  ts: number
  message: string
  /** tie-break for equal ts: 0 START/INIT, 1 app output, 2 END, 3 REPORT */
  order: number
}

interface LogStream {
  group: string
  name: string
  /** Lines Lambda itself writes (START, END, REPORT, INIT_REPORT, errors) */
  platform: LogEvent[]
  /** The environment's container: its output is read with `docker logs --timestamps` */
  containerId?: string
  /** The container's output, kept when the container is removed */
  containerLogs?: LogEvent[]
}

/** log group name -> stream name -> stream */
const logGroups = new Map<string, Map<string, LogStream>>()

const nowMs = (): number => performance.timeOrigin + performance.now()

const pad2 = (n: number): string => String(n).padStart(2, '0')

/** A new stream in /aws/lambda/<fn>, named like Lambda's: YYYY/MM/DD/[<version>]<32 hex>. */
function newLogStream(fn: string, version: string): LogStream {
  const d = new Date()
  const day = `${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())}`
  const stream: LogStream = {
    group: `/aws/lambda/${fn}`,
    name: `${day}/[${version}]${randomBytes(16).toString('hex')}`,
    platform: []
  }
  let streams = logGroups.get(stream.group)
  if (!streams) {
    streams = new Map()
    logGroups.set(stream.group, streams)
  }
  streams.set(stream.name, stream)
  return stream
}

function logPlatform(stream: LogStream, message: string, order = 0): void {
  stream.platform.push({
    ts: nowMs(),
    message: message.endsWith('\n') ? message : `${message}\n`,
    order
  })
}

/** `docker logs --timestamps` of a container (stdout and stderr) as log events. */
async function dockerLogEvents(id: string): Promise<LogEvent[]> {
  let out: { stdout: string; stderr: string }
  try {
    out = await execFileP(DOCKER, ['logs', '--timestamps', id], {
      timeout: 15000,
      maxBuffer: 64 * 1024 * 1024
    })
  } catch {
    return []
  }
  const events: LogEvent[] = []
  for (const line of `${out.stdout}\n${out.stderr}`.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z ?(.*)$/.exec(line)
    if (!m?.[1]) continue
    events.push({
      ts: Date.parse(`${m[1]}Z`) + Number(`0${m[2] ?? ''}`) * 1000,
      message: `${(m[3] ?? '').replace(/\r$/, '')}\n`,
      order: 1
    })
  }
  return events
}

async function streamEvents(stream: LogStream): Promise<LogEvent[]> {
  const app =
    stream.containerLogs ??
    (stream.containerId ? await dockerLogEvents(stream.containerId) : [])
  return [...stream.platform, ...app].sort(
    (a, b) => a.ts - b.ts || a.order - b.order
  )
}

/** CloudWatch Logs' JSON 1.1 error shape. */
function logsError(
  res: http.ServerResponse,
  status: number,
  type: string,
  message: string
): void {
  sendJson(
    res,
    status,
    { __type: type, message },
    {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-errortype': type,
      'x-amzn-requestid': randomUUID()
    }
  )
}

/**
 * A CloudWatch Logs filter pattern as a predicate. Supported: terms (all must appear), quoted
 * phrases, `?term` (any of them), `-term` (none of them), `%regex%`. JSON (`{...}`) and
 * space-delimited (`[...]`) patterns are not supported and match every event.
 */
function logFilter(pattern: string | undefined): (message: string) => boolean {
  const p = (pattern ?? '').trim()
  if (!p || p.startsWith('{') || p.startsWith('[')) return () => true
  const regex = /^%(.*)%$/.exec(p)
  if (regex?.[1] !== undefined) {
    const re = new RegExp(regex[1])
    return m => re.test(m)
  }
  const all: string[] = []
  const any: string[] = []
  const none: string[] = []
  for (const t of p.matchAll(/([?-])?(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    const term =
      t[2] !== undefined ? t[2].replace(/\\(.)/g, '$1') : (t[3] ?? '')
    if (!term) continue
    if (t[1] === '?') any.push(term)
    else if (t[1] === '-') none.push(term)
    else all.push(term)
  }
  return m =>
    all.every(t => m.includes(t)) &&
    !none.some(t => m.includes(t)) &&
    (any.length === 0 || any.some(t => m.includes(t)))
}

function eventId(stream: string, e: LogEvent, index: number): string {
  const h = BigInt(`0x${sha256Hex(`${stream}|${e.ts}|${index}|${e.message}`)}`)
  return (h % BigInt(10) ** BigInt(56)).toString().padStart(56, '0')
}

async function handleLogsApi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer
): Promise<void> {
  const op = String(req.headers['x-amz-target'] ?? '')
    .split('.')
    .pop()
  if (op !== 'FilterLogEvents')
    return relay(res, await forwardToMoto(req, body))
  const input = parseJson(body) ?? {}
  await Promise.all([...pendingEnds])
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' && v !== '' ? v : undefined
  const num = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) ? v : undefined
  const identifier = str(input.logGroupIdentifier)
  const group =
    str(input.logGroupName) ??
    (identifier
      ? (/^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/.exec(
          identifier
        )?.[1] ?? identifier)
      : undefined)
  if (!group)
    return logsError(
      res,
      400,
      'InvalidParameterException',
      'Either logGroupName or logGroupIdentifier must be specified.'
    )
  const streams = logGroups.get(group)
  if (!streams?.size) {
    // Not a group a function wrote to: moto may know it (CreateLogGroup); else it does not exist.
    const r = await forwardToMoto(req, body)
    if (r.status < 300) return relay(res, r)
    return logsError(
      res,
      400,
      'ResourceNotFoundException',
      'The specified log group does not exist.'
    )
  }
  const names = Array.isArray(input.logStreamNames)
    ? (input.logStreamNames as unknown[]).filter(
        (n): n is string => typeof n === 'string'
      )
    : undefined
  const prefix = str(input.logStreamNamePrefix)
  const selected = [...streams.values()].filter(
    st =>
      (!names || names.includes(st.name)) &&
      (!prefix || st.name.startsWith(prefix))
  )
  const startTime = num(input.startTime)
  const endTime = num(input.endTime)
  const match = logFilter(str(input.filterPattern))
  const all: { e: LogEvent; out: Json }[] = []
  for (const st of selected) {
    const events = await streamEvents(st)
    events.forEach((e, i) => {
      const timestamp = Math.floor(e.ts)
      if (startTime !== undefined && timestamp < startTime) return
      if (endTime !== undefined && timestamp > endTime) return
      if (!match(e.message)) return
      all.push({
        e,
        out: {
          logStreamName: st.name,
          timestamp,
          message: e.message,
          ingestionTime: timestamp + 37,
          eventId: eventId(st.name, e, i)
        }
      })
    })
  }
  all.sort((a, b) => a.e.ts - b.e.ts || a.e.order - b.e.order)
  const limit = Math.max(1, Math.min(10000, num(input.limit) ?? 10000))
  let offset = 0
  const token = str(input.nextToken)
  if (token) {
    const o = (
      parseJson(Buffer.from(token, 'base64url')) as
        { offset?: unknown } | undefined
    )?.offset
    if (typeof o !== 'number')
      return logsError(
        res,
        400,
        'InvalidParameterException',
        'The specified nextToken is invalid.'
      )
    offset = o
  }
  const page = all.slice(offset, offset + limit).map(x => x.out)
  const out: Json = {
    events: page,
    searchedLogStreams: selected.map(st => ({
      logStreamName: st.name,
      searchedCompletely: true
    }))
  }
  if (offset + limit < all.length)
    out.nextToken = Buffer.from(
      JSON.stringify({ offset: offset + limit })
    ).toString('base64url')
  sendJson(res, 200, out, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID()
  })
}

// ---------------------------------------------------------------------------------------------
// data plane: containers (one per function + version + image digest, like Lambda's environments)

interface ContainerEntry {
  key: string
  fn: string
  version: string
  digest: string
  image: string
  id?: string
  port?: number
  ready: Promise<void>
  error?: RuntimeError
  stream: LogStream
  lastUsed: number
  /** Cold start duration (docker run until port 8080 answers) */
  initMs?: number
  /** The first REPORT carries Init Duration, the later ones do not. */
  initReported: boolean
}

class RuntimeError extends Error {
  /** The log stream of the environment that failed (INIT_REPORT written there). */
  stream?: LogStream
  constructor(
    readonly errorType: string,
    message: string,
    /** Local stand-in explanation, added to data-plane answers but not to Lambda's payloads. */
    readonly detail = '',
    /** The `IMAGE\tLaunch error: ...` line Lambda logs when the entrypoint cannot run. */
    readonly launch = ''
  ) {
    super(message)
  }
}

const containers = new Map<string, ContainerEntry>() // `${fn}\n${version}\n${digest}` -> entry
const MAX_CONTAINERS_PER_FUNCTION = 4

async function docker(args: string[], timeoutMs = 120000): Promise<string> {
  const { stdout } = await execFileP(DOCKER, args, {
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024
  })
  return stdout.trim()
}

const HOST_ARCH = process.arch === 'x64' ? 'amd64' : process.arch

function lambdaArchToOci(a: string): string {
  return a === 'arm64' ? 'arm64' : a === 'x86_64' ? 'amd64' : a
}

async function containerState(id: string): Promise<{
  running: boolean
  exitCode: number
  error: string
  logs: string
}> {
  let running = false
  let exitCode = -1
  let error = ''
  try {
    const out = await docker([
      'inspect',
      '--format',
      '{{.State.Running}} {{.State.ExitCode}} {{.State.Error}}',
      id
    ])
    const [r, c, ...rest] = out.split(' ')
    running = r === 'true'
    exitCode = Number(c)
    error = rest.join(' ')
  } catch (e) {
    error = errMessage(e)
  }
  let logs = ''
  try {
    const { stdout, stderr } = await execFileP(
      DOCKER,
      ['logs', '--tail', '20', id],
      { timeout: 10000 }
    )
    logs = (stdout + stderr).trim()
  } catch {
    /* ignore */
  }
  return { running, exitCode, error, logs }
}

function launchLine(cfg: ImageConfig, error: string): string {
  return `IMAGE\tLaunch error: ${error}\tEntrypoint: [${cfg.entrypointArgs.join(' ')}]\tCmd: [${cfg.cmd.join(' ')}]\tWorkingDir: [${cfg.workingDir}]`
}

function exitedError(
  st: {
    exitCode: number
    error: string
    logs: string
  },
  cfg: ImageConfig
): RuntimeError {
  const text = `${st.error} ${st.logs}`
  if (/exec format error/.test(text)) {
    const arm =
      HOST_ARCH === 'amd64' &&
      !existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')
    const error = `fork/exec ${cfg.entrypoint}: exec format error`
    return new RuntimeError(
      'Runtime.InvalidEntrypoint',
      `Error: ${error}`,
      `${
        arm
          ? '(local stand-in: cannot run arm64 images on this amd64 host: qemu-user-static is not registered in binfmt_misc; scripts/local-aws.sh up registers it when run as root) '
          : ''
      }Logs: ${st.logs}`,
      launchLine(cfg, error)
    )
  }
  return new RuntimeError(
    'Runtime.ExitError',
    `Error: Runtime exited with error: exit status ${st.exitCode}`,
    `${st.error ? `(${st.error}) ` : ''}Logs: ${st.logs}`
  )
}

function probe(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const r = http.request(
      {
        host: HOST,
        port,
        method: 'GET',
        path: '/',
        headers: { 'x-local-aws-probe': '1' },
        timeout: 2000
      },
      res => {
        res.resume()
        res.on('end', () => resolve(true))
        res.on('error', () => resolve(true))
      }
    )
    r.on('timeout', () => r.destroy(new Error('timeout')))
    r.on('error', () => resolve(false))
    r.end()
  })
}

async function startContainer(
  entry: ContainerEntry,
  repo: string,
  target: Target
): Promise<void> {
  const cfg = await registryImageConfig(repo, entry.digest)
  if (!cfg)
    throw new RuntimeError(
      'Runtime.InvalidEntrypoint',
      `image ${entry.image} not found in the registry`
    )
  if (cfg.architecture !== lambdaArchToOci(target.arch)) {
    const error = `fork/exec ${cfg.entrypoint}: exec format error`
    throw new RuntimeError(
      'Runtime.InvalidEntrypoint',
      `Error: ${error}`,
      `(image architecture ${cfg.architecture}, function architecture ${target.arch})`,
      launchLine(cfg, error)
    )
  }
  const started = Date.now()
  // The gateway picks the host port itself: one docker CLI call fewer per
  // cold start (docker port), which adds up when ten functions start at once.
  const port = await freePort()
  entry.id = await docker([
    'run',
    '-d',
    '--platform',
    `linux/${cfg.architecture}`,
    '-p',
    `${HOST}:${port}:8080`,
    '--label',
    CONTAINER_LABEL,
    '--label',
    `aspnet-lambda-deploy.function=${entry.fn}`,
    '--label',
    `aspnet-lambda-deploy.version=${entry.version}`,
    '-e',
    `AWS_LAMBDA_FUNCTION_NAME=${entry.fn}`,
    '-e',
    `AWS_LAMBDA_FUNCTION_VERSION=${entry.version}`,
    '-e',
    `AWS_LAMBDA_FUNCTION_MEMORY_SIZE=${target.memoryMb}`,
    '-e',
    `AWS_LAMBDA_LOG_GROUP_NAME=${entry.stream.group}`,
    '-e',
    `AWS_LAMBDA_LOG_STREAM_NAME=${entry.stream.name}`,
    entry.image
  ])
  entry.stream.containerId = entry.id
  entry.port = port
  let lastInspect = Date.now()
  while (Date.now() - started < COLD_START_MS) {
    if (await probe(entry.port)) {
      log(
        `cold start ${entry.fn}:${entry.version} ${entry.digest.slice(0, 19)} in ${Date.now() - started} ms (port ${entry.port})`
      )
      return
    }
    // docker inspect + logs cost CPU that starting containers need: look
    // only when the app has been silent for a while.
    if (Date.now() - lastInspect > 1000) {
      lastInspect = Date.now()
      const st = await containerState(entry.id)
      if (!st.running) throw exitedError(st, cfg)
    }
    await sleep(50)
  }
  throw new RuntimeError(
    'Runtime.InitError',
    `Error: the container did not answer on port 8080 within ${COLD_START_MS} ms`
  )
}

/** A free TCP port on the loopback address, for a container's 8080. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      const port =
        typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

async function removeContainer(id: string | undefined): Promise<void> {
  if (!id) return
  try {
    await docker(['rm', '-f', id])
  } catch (e) {
    log(`docker rm ${id}: ${errMessage(e)}`)
  }
}

/** Keep what the container wrote (for FilterLogEvents), then remove it. */
async function removeEntry(entry: ContainerEntry): Promise<void> {
  await entry.ready.catch(() => undefined)
  if (!entry.id) return
  if (!entry.stream.containerLogs)
    entry.stream.containerLogs = await dockerLogEvents(entry.id)
  delete entry.stream.containerId
  await removeContainer(entry.id)
}

async function removeFunctionContainers(fn: string): Promise<void> {
  const gone = [...containers.values()].filter(e => e.fn === fn)
  for (const e of gone) containers.delete(e.key)
  await Promise.all(gone.map(e => removeEntry(e)))
}

async function ensureContainer(target: Target): Promise<ContainerEntry> {
  const image = target.image
  if (!image) throw new RuntimeError('Runtime.InvalidImage', 'no image')
  const key = `${target.fn}\n${target.version}\n${image.digest}`
  const existing = containers.get(key)
  if (existing && !existing.error) {
    existing.lastUsed = Date.now()
    await existing.ready
    return existing
  }
  // At most a few environments per function: the least recently used go first.
  const mine = [...containers.values()]
    .filter(e => e.fn === target.fn)
    .sort((a, b) => a.lastUsed - b.lastUsed)
  while (mine.length >= MAX_CONTAINERS_PER_FUNCTION) {
    const old = mine.shift()
    if (!old) break
    containers.delete(old.key)
    void removeEntry(old)
  }
  const entry: ContainerEntry = {
    key,
    fn: target.fn,
    version: target.version,
    digest: image.digest,
    image: `${RAW_REGISTRY}/${image.ref.repository}@${image.digest}`,
    ready: Promise.resolve(),
    stream: newLogStream(target.fn, target.version),
    lastUsed: Date.now(),
    initReported: false
  }
  const t0 = nowMs()
  entry.ready = startContainer(entry, image.ref.repository, target)
  containers.set(key, entry)
  try {
    await entry.ready
    entry.initMs = nowMs() - t0
  } catch (e) {
    const err =
      e instanceof RuntimeError
        ? e
        : new RuntimeError('Runtime.Unknown', errMessage(e))
    err.stream = entry.stream
    entry.error = err
    logPlatform(
      entry.stream,
      `INIT_REPORT Init Duration: ${(nowMs() - t0).toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${err.errorType}`
    )
    if (err.launch) logPlatform(entry.stream, err.launch)
    if (containers.get(key) === entry) containers.delete(key)
    void removeEntry(entry)
    throw err
  }
  return entry
}

// ---------------------------------------------------------------------------------------------
// invocations: which version runs, and Lambda's START / END / REPORT lines around each request

interface Target {
  fn: string
  /** the version that runs: $LATEST or a number (an alias resolved by its routing weights) */
  version: string
  image?: ResolvedImage
  imageError?: RuntimeError
  arch: string
  memoryMb: number
  timeoutS: number
}

/** An alias's version for one invocation: AdditionalVersionWeights honoured at random. */
function pickVersion(alias: AliasConfiguration): string {
  const r = Math.random()
  let acc = 0
  for (const [v, w] of Object.entries(
    alias.RoutingConfig?.AdditionalVersionWeights ?? {}
  )) {
    acc += w
    if (r < acc) return v
  }
  return alias.FunctionVersion ?? '$LATEST'
}

/**
 * What runs for `name` + qualifier ($LATEST, a version, an alias): ApiError 404 when the function,
 * version or alias does not exist. While an update of $LATEST is InProgress, $LATEST runs the
 * previous image.
 */
async function resolveTarget(
  name: string,
  qualifier: string | undefined,
  region: string
): Promise<Target> {
  let f: GetFunctionCommandOutput
  try {
    f = await moto(region).lambda.send(
      new GetFunctionCommand({ FunctionName: name })
    )
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException')
      throw new ApiError(
        404,
        'ResourceNotFoundException',
        `Function not found: ${functionArn(name, region)}`
      )
    throw e
  }
  const cfg = f.Configuration
  const base = {
    fn: name,
    arch: cfg?.Architectures?.[0] ?? 'x86_64',
    memoryMb: cfg?.MemorySize ?? 128,
    timeoutS: cfg?.Timeout ?? 3
  }
  const notFound = (q: string): ApiError =>
    new ApiError(
      404,
      'ResourceNotFoundException',
      `Function not found: ${functionArn(name, region, q)}`
    )
  let q = qualifier ?? '$LATEST'
  if (q !== '$LATEST' && !/^\d+$/.test(q)) {
    const alias = await motoAlias(name, q, region)
    if (!alias) throw notFound(q)
    q = pickVersion(alias)
  }
  if (q === '$LATEST') {
    let uri = f.Code?.ImageUri
    const s = fns.get(name)
    if (s?.current?.previousImageUri) uri = s.current.previousImageUri // old code serves until the update lands
    if (!uri)
      return {
        ...base,
        version: q,
        imageError: new RuntimeError(
          'Runtime.InvalidImage',
          `function ${name} has no image`
        )
      }
    try {
      return { ...base, version: q, image: await resolveImage(uri, region) }
    } catch (e) {
      if (e instanceof ApiError)
        return {
          ...base,
          version: q,
          imageError: new RuntimeError('Runtime.InvalidImage', e.message)
        }
      throw e
    }
  }
  const rec = await versionRecord(name, q, region)
  if (!rec) throw notFound(q)
  return { ...base, version: q, image: rec.image }
}

interface Invocation {
  requestId: string
  stream: LogStream
  target: Target
  startedAt: number
  endedAt?: number
  /** END / REPORT written (after LOG_SETTLE_MS) */
  ending?: Promise<void>
  /** where this invocation's log starts (the init of a cold start) */
  logFrom: number
  entry?: ContainerEntry
  initMs?: number
}

/**
 * Get an environment for the target and write START; when none can start, write what Lambda
 * writes for a failed init (START, the error, END, REPORT with Status: error) and return the error.
 */
async function startInvocation(
  t: Target
): Promise<{ inv: Invocation; error?: RuntimeError }> {
  const requestId = randomUUID()
  const begun = nowMs()
  try {
    if (t.imageError) throw t.imageError
    const entry = await ensureContainer(t)
    entry.lastUsed = Date.now()
    const inv: Invocation = {
      requestId,
      stream: entry.stream,
      target: t,
      startedAt: nowMs(),
      logFrom: begun,
      entry
    }
    if (!entry.initReported && entry.initMs !== undefined) {
      inv.initMs = entry.initMs
      inv.logFrom = 0
      entry.initReported = true
    }
    logPlatform(
      inv.stream,
      `START RequestId: ${requestId} Version: ${t.version}`
    )
    return { inv }
  } catch (e) {
    const err =
      e instanceof RuntimeError
        ? e
        : new RuntimeError('Runtime.Unknown', errMessage(e))
    let stream = err.stream
    if (!stream) {
      stream = newLogStream(t.fn, t.version)
      logPlatform(
        stream,
        `INIT_REPORT Init Duration: ${(nowMs() - begun).toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${err.errorType}`
      )
    }
    const inv: Invocation = {
      requestId,
      stream,
      target: t,
      startedAt: nowMs(),
      logFrom: begun - 1
    }
    logPlatform(stream, `START RequestId: ${requestId} Version: ${t.version}`)
    logPlatform(
      stream,
      `RequestId: ${requestId} ${err.message}\n${err.errorType}`,
      1
    )
    endInvocation(inv, err.errorType)
    return { inv, error: err }
  }
}

/**
 * How long END / REPORT wait after the app answered: Docker timestamps a line when its log driver
 * reads it, a few ms after the app wrote it; Lambda flushes the app's output before END.
 */
const LOG_SETTLE_MS = 40
/** END / REPORT lines not written yet (FilterLogEvents waits for them). */
const pendingEnds = new Set<Promise<void>>()

function endInvocation(inv: Invocation, errorType?: string): void {
  if (inv.ending) return
  const d = nowMs() - inv.startedAt
  const mem = inv.target.memoryMb
  const settle = inv.entry?.id !== undefined
  inv.ending = (settle ? sleep(LOG_SETTLE_MS) : Promise.resolve()).then(() =>
    writeEnd(inv, d, mem, errorType)
  )
  const p = inv.ending
  pendingEnds.add(p)
  void p.finally(() => pendingEnds.delete(p))
}

function writeEnd(
  inv: Invocation,
  d: number,
  mem: number,
  errorType: string | undefined
): void {
  logPlatform(inv.stream, `END RequestId: ${inv.requestId}`, 2)
  logPlatform(
    inv.stream,
    `REPORT RequestId: ${inv.requestId}\tDuration: ${d.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(d))} ms\tMemory Size: ${mem} MB\tMax Memory Used: ${Math.min(mem, 48)} MB${
      inv.initMs !== undefined
        ? `\tInit Duration: ${inv.initMs.toFixed(2)} ms`
        : ''
    }${errorType ? `\tStatus: error\tError Type: ${errorType}` : ''}`,
    3
  )
  inv.endedAt = nowMs()
}

/** The invocation's log (init of a cold start, START .. REPORT), last 4 KB, base64: X-Amz-Log-Result. */
async function tailLog(inv: Invocation): Promise<string> {
  await inv.ending
  const from = inv.logFrom
  const to = inv.endedAt ?? nowMs()
  const events = (await streamEvents(inv.stream)).filter(
    e => e.ts >= from && e.ts <= to
  )
  const text = Buffer.from(events.map(e => e.message).join(''))
  return text.subarray(Math.max(0, text.length - 4096)).toString('base64')
}

function runtimeErrorResponse(
  res: http.ServerResponse,
  e: RuntimeError,
  requestId: string = randomUUID()
): void {
  sendJson(
    res,
    502,
    {
      errorType: e.errorType,
      errorMessage: `RequestId: ${requestId} ${e.message}${e.detail ? ` ${e.detail}` : ''}`
    },
    { 'x-amzn-errortype': e.errorType, 'x-amzn-requestid': requestId }
  )
}

/** Serve one data-plane request for function `fn` (qualifier: alias/version), path `rest`. */
async function invokeOverHttp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  fn: string,
  qualifier: string | undefined,
  rest: string,
  region: string
): Promise<void> {
  let target: Target
  try {
    target = await resolveTarget(fn, qualifier, region)
  } catch (e) {
    if (e instanceof ApiError)
      return sendJson(res, 404, { Message: `Function not found: ${fn}` })
    throw e
  }
  const { inv, error } = await startInvocation(target)
  if (error || !inv.entry)
    return runtimeErrorResponse(
      res,
      error ?? new RuntimeError('Runtime.Unknown', 'no environment'),
      inv.requestId
    )
  const entry = inv.entry
  res.on('close', () => endInvocation(inv))
  const body = await readBody(req)
  const headers = { ...req.headers, host: `${HOST}:${entry.port}` }
  delete headers['transfer-encoding']
  headers['content-length'] = String(body.length)
  const p = http.request(
    {
      host: HOST,
      port: entry.port,
      method: req.method,
      path: rest,
      headers,
      timeout: 60000
    },
    pr => {
      res.writeHead(pr.statusCode ?? 502, pr.headers)
      pr.pipe(res)
    }
  )
  p.on('timeout', () => p.destroy(new Error('timeout')))
  p.on('error', err => {
    void (async () => {
      const st = entry.id ? await containerState(entry.id) : undefined
      if (st && !st.running) {
        if (containers.get(entry.key) === entry) containers.delete(entry.key)
        void removeEntry(entry)
        const cfg = await registryImageConfig(
          target.image?.ref.repository ?? '',
          entry.digest
        )
        const rte = exitedError(st, cfg ?? UNKNOWN_IMAGE_CONFIG)
        endInvocation(inv, rte.errorType)
        if (!res.headersSent)
          return runtimeErrorResponse(res, rte, inv.requestId)
      }
      endInvocation(inv, 'Runtime.Unknown')
      if (!res.headersSent)
        runtimeErrorResponse(
          res,
          new RuntimeError('Runtime.Unknown', `Error: ${err.message}`),
          inv.requestId
        )
      else res.destroy(err)
    })()
  })
  p.end(body)
}

// ---------------------------------------------------------------------------------------------
// Invoke: a Lambda event -> an HTTP request to the app -> the event source's response shape,
// as ASP.NET Core's AddAWSLambdaHosting (Amazon.Lambda.AspNetCoreServer) does

type EventKind = 'http-api-v2' | 'rest-api-v1' | 'alb'

function eventKind(ev: Json): EventKind | undefined {
  const rc = (ev.requestContext ?? {}) as Json
  const httpCtx = rc.http as Json | undefined
  if (ev.version === '2.0' && typeof httpCtx?.method === 'string')
    return 'http-api-v2'
  if (typeof ev.httpMethod === 'string' && typeof ev.path === 'string') {
    const elb = rc.elb as Json | undefined
    return typeof elb?.targetGroupArn === 'string' ? 'alb' : 'rest-api-v1'
  }
  return undefined
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-connection'
])

function scalar(x: unknown): string {
  return typeof x === 'string' ||
    typeof x === 'number' ||
    typeof x === 'boolean'
    ? String(x)
    : JSON.stringify(x)
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v as Json))
      if (x !== null && x !== undefined) out[k] = scalar(x)
  return out
}

function listRecord(v: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v as Json))
      if (Array.isArray(x)) out[k] = x.map(scalar)
  return out
}

interface AppRequest {
  method: string
  path: string
  headers: http.OutgoingHttpHeaders
  body: Buffer
  multiValueHeaders: boolean
}

/** The HTTP request an event stands for (method, path and query, headers, cookies, body). */
function eventToRequest(kind: EventKind, ev: Json): AppRequest {
  const rc = (ev.requestContext ?? {}) as Json
  const headers: http.OutgoingHttpHeaders = {}
  let method: string
  let p: string
  let query: string
  let multiValueHeaders = false
  if (kind === 'http-api-v2') {
    const h = (rc.http ?? {}) as Json
    method = scalar(h.method)
    p =
      typeof ev.rawPath === 'string'
        ? ev.rawPath
        : typeof h.path === 'string'
          ? h.path
          : '/'
    if (typeof ev.rawQueryString === 'string') query = ev.rawQueryString
    else
      query = Object.entries(stringRecord(ev.queryStringParameters))
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
        .join('&')
    for (const [k, v] of Object.entries(stringRecord(ev.headers)))
      headers[k.toLowerCase()] = v
    if (Array.isArray(ev.cookies) && ev.cookies.length)
      headers.cookie = ev.cookies.map(String).join('; ')
  } else {
    method = scalar(ev.httpMethod)
    p = scalar(ev.path)
    // ALB passes the query string as the client sent it (still encoded); API Gateway decodes it.
    const enc = kind === 'alb' ? (s: string): string => s : encodeURIComponent
    const mvq = listRecord(ev.multiValueQueryStringParameters)
    const pairs: string[] = []
    if (Object.keys(mvq).length) {
      for (const [k, vs] of Object.entries(mvq))
        for (const v of vs) pairs.push(`${enc(k)}=${enc(v)}`)
    } else {
      for (const [k, v] of Object.entries(
        stringRecord(ev.queryStringParameters)
      ))
        pairs.push(`${enc(k)}=${enc(v)}`)
    }
    query = pairs.join('&')
    const mvh = listRecord(ev.multiValueHeaders)
    if (ev.multiValueHeaders && typeof ev.multiValueHeaders === 'object') {
      multiValueHeaders = true
      for (const [k, vs] of Object.entries(mvh))
        headers[k.toLowerCase()] = vs.length === 1 ? (vs[0] ?? '') : vs
    } else {
      for (const [k, v] of Object.entries(stringRecord(ev.headers)))
        headers[k.toLowerCase()] = v
    }
  }
  for (const h of HOP_BY_HOP) delete headers[h]
  const raw = typeof ev.body === 'string' ? ev.body : ''
  const body = ev.isBase64Encoded
    ? Buffer.from(raw, 'base64')
    : Buffer.from(raw, 'utf8')
  headers['content-length'] = String(body.length)
  return {
    method,
    path: `${p.startsWith('/') ? p : `/${p}`}${query ? `?${query}` : ''}`,
    headers,
    body,
    multiValueHeaders
  }
}

const TEXT_CONTENT = /^text\/|json|xml|javascript/i

/** The app's HTTP response in the event source's response shape. */
function responseToEvent(
  kind: EventKind,
  r: RawResponse,
  multiValueRequest: boolean
): Json {
  const multi: Record<string, string[]> = {}
  const raw = r.rawHeaders ?? []
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i] ?? ''
    if (HOP_BY_HOP.has(k.toLowerCase())) continue
    const existing = Object.keys(multi).find(
      x => x.toLowerCase() === k.toLowerCase()
    )
    ;(multi[existing ?? k] ??= []).push(raw[i + 1] ?? '')
  }
  const contentType =
    Object.entries(multi).find(
      ([k]) => k.toLowerCase() === 'content-type'
    )?.[1]?.[0] ?? ''
  const text = r.body.length === 0 || TEXT_CONTENT.test(contentType)
  const body = text ? r.body.toString('utf8') : r.body.toString('base64')
  const single: Record<string, string> = {}
  for (const [k, vs] of Object.entries(multi))
    single[k] = vs[vs.length - 1] ?? ''
  if (kind === 'http-api-v2') {
    const headers: Record<string, string> = {}
    let cookies: string[] = []
    for (const [k, vs] of Object.entries(multi)) {
      if (k.toLowerCase() === 'set-cookie') cookies = vs
      else headers[k] = vs.join(',')
    }
    return {
      statusCode: r.status,
      headers,
      ...(cookies.length ? { cookies } : {}),
      body,
      isBase64Encoded: !text
    }
  }
  if (kind === 'rest-api-v1')
    return {
      statusCode: r.status,
      headers: single,
      multiValueHeaders: multi,
      body,
      isBase64Encoded: !text
    }
  return {
    statusCode: r.status,
    statusDescription:
      `${r.status} ${http.STATUS_CODES[r.status] ?? ''}`.trim(),
    ...(multiValueRequest ? { multiValueHeaders: multi } : { headers: single }),
    body,
    isBase64Encoded: !text
  }
}

interface InvokeResult {
  inv: Invocation
  payload: Buffer
  functionError?: string
}

function functionErrorResult(
  inv: Invocation,
  errorType: string,
  errorMessage: string
): InvokeResult {
  return {
    inv,
    functionError: 'Unhandled',
    payload: Buffer.from(JSON.stringify({ errorType, errorMessage }))
  }
}

/** One invocation with an event: START, the app's answer in the event source's shape, END, REPORT. */
async function runInvoke(t: Target, eventBody: Buffer): Promise<InvokeResult> {
  const { inv, error } = await startInvocation(t)
  if (error || !inv.entry)
    return functionErrorResult(
      inv,
      error?.errorType ?? 'Runtime.Unknown',
      `RequestId: ${inv.requestId} ${error?.message ?? 'no environment'}`
    )
  const entry = inv.entry
  // What ASP.NET Core's Lambda hosting logs when it throws.
  const appFailure = (errorType: string, message: string): InvokeResult => {
    logPlatform(
      inv.stream,
      `${new Date().toISOString()}\t${inv.requestId}\tfail\t${errorType}: ${message}`,
      1
    )
    endInvocation(inv)
    return functionErrorResult(
      inv,
      errorType.split('.').pop() ?? errorType,
      message
    )
  }
  let ev: unknown
  try {
    ev = JSON.parse(eventBody.toString('utf8') || 'null')
  } catch (e) {
    return appFailure(
      'Amazon.Lambda.Serialization.SystemTextJson.JsonSerializerException',
      `Error converting the Lambda event JSON payload to type Amazon.Lambda.APIGatewayEvents.APIGatewayHttpApiV2ProxyRequest: ${errMessage(e)}`
    )
  }
  const kind =
    ev !== null && typeof ev === 'object' && !Array.isArray(ev)
      ? eventKind(ev as Json)
      : undefined
  if (!kind)
    return appFailure(
      'System.NullReferenceException',
      'Object reference not set to an instance of an object.'
    )
  let request: AppRequest
  try {
    request = eventToRequest(kind, ev as Json)
  } catch (e) {
    return appFailure('System.ArgumentException', errMessage(e))
  }
  let r: RawResponse
  try {
    r = await rawRequest(
      entry.port ?? 0,
      request.method,
      request.path,
      request.headers,
      request.body,
      t.timeoutS * 1000
    )
  } catch (e) {
    if (/^timeout after/.test(errMessage(e))) {
      const msg = `Task timed out after ${t.timeoutS.toFixed(2)} seconds`
      logPlatform(
        inv.stream,
        `${new Date().toISOString()} ${inv.requestId} ${msg}`,
        1
      )
      endInvocation(inv, 'Sandbox.Timedout')
      return functionErrorResult(
        inv,
        'Sandbox.Timedout',
        `RequestId: ${inv.requestId} Error: ${msg}`
      )
    }
    const st = entry.id ? await containerState(entry.id) : undefined
    let rte = new RuntimeError('Runtime.Unknown', `Error: ${errMessage(e)}`)
    if (st && !st.running) {
      if (containers.get(entry.key) === entry) containers.delete(entry.key)
      void removeEntry(entry)
      const cfg = await registryImageConfig(
        t.image?.ref.repository ?? '',
        entry.digest
      )
      rte = exitedError(st, cfg ?? UNKNOWN_IMAGE_CONFIG)
    }
    logPlatform(
      inv.stream,
      `RequestId: ${inv.requestId} ${rte.message}\n${rte.errorType}`,
      1
    )
    endInvocation(inv, rte.errorType)
    return functionErrorResult(
      inv,
      rte.errorType,
      `RequestId: ${inv.requestId} ${rte.message}`
    )
  }
  endInvocation(inv)
  return {
    inv,
    payload: Buffer.from(
      JSON.stringify(responseToEvent(kind, r, request.multiValueHeaders))
    )
  }
}

async function handleInvoke(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  name: string,
  qualifier: string | undefined,
  region: string
): Promise<void> {
  let t: Target
  try {
    t = await resolveTarget(name, qualifier, region)
  } catch (e) {
    if (e instanceof ApiError)
      return lambdaError(res, e.status, e.type, e.message)
    throw e
  }
  const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse')
  if (type === 'DryRun') {
    res.writeHead(204, { 'x-amzn-requestid': randomUUID() })
    return void res.end()
  }
  if (type === 'Event') {
    void runInvoke(t, body).catch((e: unknown) =>
      log(`async invoke of ${name}: ${errMessage(e)}`)
    )
    res.writeHead(202, {
      'x-amzn-requestid': randomUUID(),
      'content-length': '0'
    })
    return void res.end()
  }
  const out = await runInvoke(t, body)
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(out.payload.length),
    'X-Amz-Executed-Version': t.version,
    'x-amzn-RequestId': out.inv.requestId
  }
  if (out.functionError) headers['X-Amz-Function-Error'] = out.functionError
  if (String(req.headers['x-amz-log-type'] ?? '') === 'Tail')
    headers['X-Amz-Log-Result'] = await tailLog(out.inv)
  res.writeHead(200, headers)
  res.end(out.payload)
}

async function handleFunctionUrl(
  req: http.IncomingMessage,
  res: http.ServerResponse
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const m = /^\/_url\/([^/]+)(\/.*)?$/.exec(url.pathname)
  if (!m?.[1]) return sendJson(res, 404, { Message: 'Not Found' })
  const fn = decodeURIComponent(m[1])
  // The URL exists only while the function has a Function URL config.
  let authType: string | undefined
  try {
    authType = (
      await moto().lambda.send(
        new GetFunctionUrlConfigCommand({ FunctionName: fn })
      )
    ).AuthType
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException')
      return sendJson(res, 403, { Message: 'Forbidden' })
    throw e
  }
  const qualifier = fns.get(fn)?.urlQualifier
  // Like Lambda: AWS_IAM answers unsigned requests with 403, and NONE needs the resource-based
  // policy statement that lets anyone lambda:InvokeFunctionUrl (AddPermission ... NONE).
  if (authType === 'AWS_IAM') {
    if (!/^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? ''))
      return sendJson(res, 403, { Message: 'Forbidden' })
  } else if (!(await allowsPublicUrlInvoke(fn, qualifier))) {
    return sendJson(res, 403, { Message: 'Forbidden' })
  }
  await invokeOverHttp(
    req,
    res,
    fn,
    qualifier,
    (m[2] ?? '/') + url.search,
    DEFAULT_REGION
  )
}

/** Does the function's policy (or its alias's) let everyone invoke its AuthType NONE URL? */
async function allowsPublicUrlInvoke(
  fn: string,
  qualifier: string | undefined
): Promise<boolean> {
  for (const q of qualifier !== undefined
    ? [undefined, qualifier]
    : [undefined]) {
    let policy: string | undefined
    try {
      policy = (
        await moto().lambda.send(
          new GetPolicyCommand({
            FunctionName: fn,
            ...(q !== undefined ? { Qualifier: q } : {})
          })
        )
      ).Policy
    } catch (e) {
      if (errName(e) === 'ResourceNotFoundException') continue
      throw e
    }
    const statements =
      (
        parseJson(Buffer.from(policy ?? '')) as
          { Statement?: Json[] } | undefined
      )?.Statement ?? []
    const allowed = statements.some(st => {
      const principal = st.Principal
      const anyone =
        principal === '*' || (principal as Json | undefined)?.AWS === '*'
      // moto keeps FunctionUrlAuthType on the statement; IAM puts it in a Condition.
      const condition = JSON.stringify(st.Condition ?? {})
      return (
        st.Effect !== 'Deny' &&
        st.Action === 'lambda:InvokeFunctionUrl' &&
        anyone &&
        (st.FunctionUrlAuthType === 'NONE' ||
          condition.includes('"lambda:FunctionUrlAuthType":"NONE"'))
      )
    })
    if (allowed) return true
  }
  return false
}

async function handleHttpApi(
  req: http.IncomingMessage,
  res: http.ServerResponse
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const m = /^\/_apigw\/([^/]+)(\/.*)?$/.exec(url.pathname)
  if (!m?.[1]) return sendJson(res, 404, { message: 'Not Found' })
  let fn: string | undefined
  let qualifier: string | undefined
  try {
    const ints = await moto().apigw.send(
      new GetIntegrationsCommand({ ApiId: m[1] })
    )
    for (const i of ints.Items ?? []) {
      // arn:aws:lambda:<region>:<account>:function:<name>[:<alias or version>], also inside an
      // arn:aws:apigateway:...:lambda:path/2015-03-31/functions/<that>/invocations URI
      const fm = /function:([^:/]+)(?::([^:/]+))?/.exec(i.IntegrationUri ?? '')
      if (fm?.[1]) {
        fn = fm[1]
        qualifier = fm[2]
        break
      }
    }
  } catch (e) {
    if (errName(e) === 'NotFoundException')
      return sendJson(res, 404, { message: 'Not Found' })
    throw e
  }
  if (!fn) return sendJson(res, 500, { message: 'Internal Server Error' })
  await invokeOverHttp(
    req,
    res,
    fn,
    qualifier,
    (m[2] ?? '/') + url.search,
    DEFAULT_REGION
  )
}

// ---------------------------------------------------------------------------------------------
// control API

async function removeAllContainers(): Promise<void> {
  for (const e of containers.values()) await e.ready.catch(() => undefined)
  containers.clear()
  try {
    const ids = (
      await docker(['ps', '-aq', '--filter', `label=${CONTAINER_LABEL}`])
    )
      .split('\n')
      .filter(Boolean)
    if (ids.length) await docker(['rm', '-f', ...ids])
  } catch (e) {
    log(`container cleanup: ${errMessage(e)}`)
  }
}

async function handleControl(
  req: http.IncomingMessage,
  res: http.ServerResponse
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const method = req.method ?? 'GET'
  const body = await readBody(req)
  const input = parseJson(body) ?? {}
  if (url.pathname === '/_local/health') return sendJson(res, 200, { ok: true })
  if (url.pathname === '/_local/reset' && method === 'POST') {
    await rawRequest(MOTO_PORT, 'POST', '/moto-api/reset', {})
    for (const s of fns.values()) if (s.current) clearTimeout(s.current.timer)
    fns.clear()
    stubShaToImage.clear()
    logGroups.clear()
    await removeAllContainers()
    if (REGISTRY_DIR) {
      const repos = path.join(REGISTRY_DIR, 'docker/registry/v2/repositories')
      if (existsSync(repos))
        for (const d of readdirSync(repos))
          rmSync(path.join(repos, d), { recursive: true, force: true })
    }
    return sendJson(res, 200, { ok: true })
  }
  if (url.pathname === '/_local/containers' && method === 'GET') {
    return sendJson(
      res,
      200,
      [...containers.values()].map(c => ({
        function: c.fn,
        version: c.version,
        digest: c.digest,
        logStream: c.stream.name,
        id: c.id,
        port: c.port
      }))
    )
  }
  const m = /^\/_local\/functions\/([^/]+)\/([a-z-]+)$/.exec(url.pathname)
  if (m?.[1] && m[2]) {
    const name = canonicalFunctionName(m[1]).name
    const s = fnState(name)
    const num = (v: unknown): number | undefined =>
      typeof v === 'number' && Number.isFinite(v) ? v : undefined
    const str = (v: unknown): string | undefined =>
      typeof v === 'string' ? v : undefined
    if (m[2] === 'next-update' && method === 'POST') {
      const next: NextUpdate = {}
      const d = num(input.durationMs)
      const fr = str(input.failReason)
      const fc = str(input.failReasonCode)
      if (d !== undefined) next.durationMs = d
      if (fr !== undefined) next.failReason = fr
      if (fc !== undefined) next.failReasonCode = fc
      s.next = next
      return sendJson(res, 200, { ok: true, next })
    }
    if (m[2] === 'begin-update' && method === 'POST') {
      if (inProgress(s))
        return sendJson(res, 409, { message: conflictMessage(name, s.region) })
      let imageUri: string | null = null
      try {
        const f = await moto(s.region).lambda.send(
          new GetFunctionCommand({ FunctionName: name })
        )
        imageUri = f.Code?.ImageUri ?? null
      } catch (e) {
        return sendJson(res, 404, { message: errMessage(e) })
      }
      const d = num(input.durationMs)
      const rec = startUpdate(
        s,
        'begin-update',
        imageUri,
        imageUri,
        d !== undefined ? { durationMs: d } : {}
      )
      return sendJson(res, 200, rec)
    }
    if (m[2] === 'settings' && method === 'POST') {
      const d = num(input.updateDurationMs)
      if (d === undefined) delete s.durationMs
      else s.durationMs = d
      return sendJson(res, 200, {
        ok: true,
        updateDurationMs: s.durationMs ?? DEFAULT_UPDATE_MS
      })
    }
    if (m[2] === 'updates' && method === 'GET')
      return sendJson(res, 200, s.updates)
    if (m[2] === 'reads' && method === 'GET') return sendJson(res, 200, s.reads)
    if (m[2] === 'versions' && method === 'GET')
      return sendJson(
        res,
        200,
        [...s.versions.values()].map(v => ({
          version: v.version,
          imageUri: v.imageUri,
          digest: v.image.digest,
          publishedAt: v.publishedAt
        }))
      )
  }
  sendJson(res, 404, { message: `no control route ${method} ${url.pathname}` })
}

// ---------------------------------------------------------------------------------------------
// server

const server = http.createServer((req, res) => {
  const scope = sigV4Scope(req)
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
