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
 *   - DeleteFunction also stops the function's data-plane container and forgets its update state.
 *   - AddPermission with a StatementId the policy has -> 409 ResourceConflictException (moto: dup).
 *   - During an update, the data plane keeps serving the previous image (as Lambda does).
 * API Gateway v2: apiEndpoint http://127.0.0.1:4566/_apigw/<apiId>.
 *
 * Data plane: the function's current image (by digest) runs as
 *   docker run -d -p 127.0.0.1::8080 --label aspnet-lambda-deploy.local=1 127.0.0.1:4568/<repo>@<digest>
 * (test images serve HTTP on 8080). One container per function, replaced when the digest changes.
 * An image whose config architecture differs from the function's Architectures -> 502
 * Runtime.InvalidEntrypoint (exec format error), like Lambda. A container that exits -> 502
 * Runtime.ExitError with its exit code and last log lines.
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
 *   GET  /_local/containers                    -> running data-plane containers
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
import path from 'node:path'
import { promisify } from 'node:util'

import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  PutImageCommand
} from '@aws-sdk/client-ecr'
import {
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  UpdateFunctionCodeCommand
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

/** Architecture (amd64, arm64, ...) and entrypoint from an image's config blob. */
async function registryImageConfig(
  repository: string,
  digest: string
): Promise<{ architecture: string; entrypoint: string } | undefined> {
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
        config?: { Entrypoint?: string[] | null; Cmd?: string[] | null }
      }
    | undefined
  const argv = [...(cfg?.config?.Entrypoint ?? []), ...(cfg?.config?.Cmd ?? [])]
  return {
    architecture: cfg?.architecture ?? 'unknown',
    entrypoint: argv[0] ?? '/lambda-entrypoint.sh'
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
      reads: []
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
    // Function URL configs (moto has no ListFunctionUrlConfigs: built from GetFunctionUrlConfig)
    if (segs[0] === '2021-10-31' && fn && (sub === 'url' || sub === 'urls')) {
      if (sub === 'urls' && method === 'GET')
        return listFunctionUrlConfigs(req, res, fn.name, region)
      if (sub === 'url' && method === 'DELETE') {
        // moto answers 204 for a function without a URL; Lambda: 404.
        try {
          await moto(region).lambda.send(
            new GetFunctionUrlConfigCommand({ FunctionName: fn.name })
          )
        } catch (e) {
          if (errName(e) === 'ResourceNotFoundException')
            return lambdaError(
              res,
              404,
              'ResourceNotFoundException',
              'The resource you requested does not exist.'
            )
          throw e
        }
      }
      const r = await forwardToMoto(req, body)
      const out = r.status < 300 ? parseJson(r.body) : undefined
      if (!out) return relay(res, r)
      const fixUrl = (c: Json): void => {
        const arn = typeof c.FunctionArn === 'string' ? c.FunctionArn : fn.name
        const name = canonicalFunctionName(arn).name
        c.FunctionUrl = `http://${PUBLIC_HOST}/_url/${name}/`
      }
      if (sub === 'url') fixUrl(out)
      for (const c of (out.FunctionUrlConfigs as Json[] | undefined) ?? [])
        fixUrl(c)
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
        fnState(out.FunctionName, region)
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
        const entry = containers.get(fn.name)
        if (entry) {
          containers.delete(fn.name)
          await entry.ready.catch(() => undefined)
          await removeContainer(entry.id)
        }
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

    // UpdateFunctionConfiguration / PublishVersion: conflict while an update runs
    if (
      fn &&
      segs[1] === 'functions' &&
      ((method === 'PUT' && sub === 'configuration') ||
        (method === 'POST' && sub === 'versions'))
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
      if (input.RevisionId !== undefined && input.RevisionId !== s.revision) {
        return lambdaError(
          res,
          412,
          'PreconditionFailedException',
          'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id'
        )
      }
      const r = await forwardToMoto(req, body)
      const out = r.status < 300 ? parseJson(r.body) : undefined
      if (!out) return relay(res, r)
      if (sub === 'configuration') {
        startUpdate(s, 'UpdateFunctionConfiguration', null, null, {})
        await fixConfiguration(out, { latest: true, region })
      } else {
        await fixConfiguration(out, { latest: false, region })
      }
      return relay(res, r, out)
    }

    // GetFunction / GetFunctionConfiguration / ListFunctions / ListVersionsByFunction
    if (method === 'GET' && segs[1] === 'functions') {
      const r = await forwardToMoto(req, body)
      const out = r.status < 300 ? parseJson(r.body) : undefined
      if (!out) return relay(res, r)
      if (fn && sub === undefined) {
        const code = out.Code as Json | undefined
        const imageUri =
          typeof code?.ImageUri === 'string' ? code.ImageUri : undefined
        const cfg = out.Configuration as Json | undefined
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
        if (latest) recordRead(fn.name, region, 'GetFunction', cfg)
      } else if (fn && sub === 'configuration') {
        await fixConfiguration(out, { latest, region })
        if (latest) recordRead(fn.name, region, 'GetFunctionConfiguration', out)
      } else if (!fn || sub === 'versions') {
        for (const c of (out.Functions as Json[] | undefined) ?? []) {
          await fixConfiguration(c, {
            latest: !fn && c.Version === '$LATEST',
            region
          })
        }
        for (const c of (out.Versions as Json[] | undefined) ?? []) {
          await fixConfiguration(c, { latest: c.Version === '$LATEST', region })
        }
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
    cfg.FunctionUrl = `http://${PUBLIC_HOST}/_url/${name}/`
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
// data plane: containers

interface ContainerEntry {
  fn: string
  digest: string
  image: string
  id?: string
  port?: number
  ready: Promise<void>
  error?: RuntimeError
}

class RuntimeError extends Error {
  constructor(
    readonly errorType: string,
    message: string
  ) {
    super(message)
  }
}

const containers = new Map<string, ContainerEntry>() // function name -> entry

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

function exitedError(st: {
  exitCode: number
  error: string
  logs: string
}): RuntimeError {
  const text = `${st.error} ${st.logs}`
  if (/exec format error/.test(text)) {
    const arm =
      HOST_ARCH === 'amd64' &&
      !existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')
    return new RuntimeError(
      'Runtime.InvalidEntrypoint',
      `Error: fork/exec: exec format error${
        arm
          ? ' (local stand-in: cannot run arm64 images on this amd64 host: qemu-user-static is not registered in binfmt_misc; scripts/local-aws.sh up registers it when run as root)'
          : ''
      }. Logs: ${st.logs}`
    )
  }
  return new RuntimeError(
    'Runtime.ExitError',
    `Error: Runtime exited with error: exit status ${st.exitCode}${st.error ? ` (${st.error})` : ''}. Logs: ${st.logs}`
  )
}

function probe(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const r = http.request(
      { host: HOST, port, method: 'GET', path: '/', timeout: 2000 },
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
  fnArch: string
): Promise<void> {
  const cfg = await registryImageConfig(repo, entry.digest)
  if (!cfg)
    throw new RuntimeError(
      'Runtime.InvalidEntrypoint',
      `image ${entry.image} not found in the registry`
    )
  if (cfg.architecture !== lambdaArchToOci(fnArch)) {
    throw new RuntimeError(
      'Runtime.InvalidEntrypoint',
      `Error: fork/exec ${cfg.entrypoint}: exec format error (image architecture ${cfg.architecture}, function architecture ${fnArch})`
    )
  }
  const started = Date.now()
  entry.id = await docker([
    'run',
    '-d',
    '--platform',
    `linux/${cfg.architecture}`,
    '-p',
    `${HOST}::8080`,
    '--label',
    CONTAINER_LABEL,
    '--label',
    `aspnet-lambda-deploy.function=${entry.fn}`,
    '-e',
    `AWS_LAMBDA_FUNCTION_NAME=${entry.fn}`,
    entry.image
  ])
  let portOut = ''
  try {
    portOut = await docker(['port', entry.id, '8080/tcp'])
  } catch (e) {
    // A container that exited at once has no published port.
    const st = await containerState(entry.id)
    if (!st.running) throw exitedError(st)
    throw new RuntimeError(
      'Runtime.ExitError',
      `no port 8080 published: ${errMessage(e)}`
    )
  }
  const pm = /:(\d+)\s*$/m.exec(portOut.split('\n')[0] ?? '')
  if (!pm?.[1])
    throw new RuntimeError('Runtime.ExitError', `no port published: ${portOut}`)
  entry.port = Number(pm[1])
  let lastInspect = 0
  while (Date.now() - started < COLD_START_MS) {
    if (await probe(entry.port)) {
      log(
        `cold start ${entry.fn} ${entry.digest.slice(0, 19)} in ${Date.now() - started} ms (port ${entry.port})`
      )
      return
    }
    if (Date.now() - lastInspect > 300) {
      lastInspect = Date.now()
      const st = await containerState(entry.id)
      if (!st.running) throw exitedError(st)
    }
    await sleep(50)
  }
  throw new RuntimeError(
    'Runtime.InitError',
    `Error: the container did not answer on port 8080 within ${COLD_START_MS} ms`
  )
}

async function removeContainer(id: string | undefined): Promise<void> {
  if (!id) return
  try {
    await docker(['rm', '-f', id])
  } catch (e) {
    log(`docker rm ${id}: ${errMessage(e)}`)
  }
}

async function ensureContainer(
  fn: string,
  repo: string,
  digest: string,
  fnArch: string
): Promise<ContainerEntry> {
  const existing = containers.get(fn)
  if (existing && existing.digest === digest && !existing.error) {
    await existing.ready
    return existing
  }
  if (existing) {
    containers.delete(fn)
    await existing.ready.catch(() => undefined)
    void removeContainer(existing.id)
  }
  const entry: ContainerEntry = {
    fn,
    digest,
    image: `${RAW_REGISTRY}/${repo}@${digest}`,
    ready: Promise.resolve()
  }
  entry.ready = startContainer(entry, repo, fnArch)
  containers.set(fn, entry)
  try {
    await entry.ready
  } catch (e) {
    entry.error =
      e instanceof RuntimeError
        ? e
        : new RuntimeError('Runtime.Unknown', errMessage(e))
    if (containers.get(fn) === entry) containers.delete(fn)
    void removeContainer(entry.id)
    throw entry.error
  }
  return entry
}

function runtimeErrorResponse(res: http.ServerResponse, e: RuntimeError): void {
  const requestId = randomUUID()
  sendJson(
    res,
    502,
    {
      errorType: e.errorType,
      errorMessage: `RequestId: ${requestId} ${e.message}`
    },
    { 'x-amzn-errortype': e.errorType, 'x-amzn-requestid': requestId }
  )
}

/** Serve one data-plane request for function `fn`, path `rest` (starting with /). */
async function invokeOverHttp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  fn: string,
  rest: string,
  region: string
): Promise<void> {
  let imageUri: string | undefined
  let arch = 'x86_64'
  try {
    const f = await moto(region).lambda.send(
      new GetFunctionCommand({ FunctionName: fn })
    )
    imageUri = f.Code?.ImageUri
    arch = f.Configuration?.Architectures?.[0] ?? 'x86_64'
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException')
      return sendJson(res, 404, { Message: `Function not found: ${fn}` })
    throw e
  }
  const s = fns.get(fn)
  if (s?.current?.previousImageUri) imageUri = s.current.previousImageUri // old code serves until the update lands
  if (!imageUri)
    return sendJson(res, 502, { Message: `function ${fn} has no image` })
  let image: ResolvedImage
  try {
    image = await resolveImage(imageUri, region)
  } catch (e) {
    if (e instanceof ApiError)
      return runtimeErrorResponse(
        res,
        new RuntimeError('Runtime.InvalidImage', e.message)
      )
    throw e
  }
  let entry: ContainerEntry
  try {
    entry = await ensureContainer(fn, image.ref.repository, image.digest, arch)
  } catch (e) {
    if (e instanceof RuntimeError) return runtimeErrorResponse(res, e)
    throw e
  }
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
        if (containers.get(fn) === entry) containers.delete(fn)
        void removeContainer(entry.id)
        if (!res.headersSent) return runtimeErrorResponse(res, exitedError(st))
      }
      if (!res.headersSent)
        runtimeErrorResponse(
          res,
          new RuntimeError('Runtime.Unknown', `Error: ${err.message}`)
        )
      else res.destroy(err)
    })()
  })
  p.end(body)
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
  // Like Lambda: AWS_IAM answers unsigned requests with 403, and NONE needs the resource-based
  // policy statement that lets anyone lambda:InvokeFunctionUrl (AddPermission ... NONE).
  if (authType === 'AWS_IAM') {
    if (!/^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? ''))
      return sendJson(res, 403, { Message: 'Forbidden' })
  } else if (!(await allowsPublicUrlInvoke(fn))) {
    return sendJson(res, 403, { Message: 'Forbidden' })
  }
  await invokeOverHttp(req, res, fn, (m[2] ?? '/') + url.search, DEFAULT_REGION)
}

/** Does the function's policy let everyone invoke its AuthType NONE Function URL? */
async function allowsPublicUrlInvoke(fn: string): Promise<boolean> {
  let policy: string | undefined
  try {
    policy = (
      await moto().lambda.send(new GetPolicyCommand({ FunctionName: fn }))
    ).Policy
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException') return false
    throw e
  }
  const statements =
    (parseJson(Buffer.from(policy ?? '')) as { Statement?: Json[] } | undefined)
      ?.Statement ?? []
  return statements.some(st => {
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
}

async function handleHttpApi(
  req: http.IncomingMessage,
  res: http.ServerResponse
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const m = /^\/_apigw\/([^/]+)(\/.*)?$/.exec(url.pathname)
  if (!m?.[1]) return sendJson(res, 404, { message: 'Not Found' })
  let fn: string | undefined
  try {
    const ints = await moto().apigw.send(
      new GetIntegrationsCommand({ ApiId: m[1] })
    )
    for (const i of ints.Items ?? []) {
      const fm = /function:([^:/]+)/.exec(i.IntegrationUri ?? '')
      if (fm?.[1]) {
        fn = fm[1]
        break
      }
    }
  } catch (e) {
    if (errName(e) === 'NotFoundException')
      return sendJson(res, 404, { message: 'Not Found' })
    throw e
  }
  if (!fn) return sendJson(res, 500, { message: 'Internal Server Error' })
  await invokeOverHttp(req, res, fn, (m[2] ?? '/') + url.search, DEFAULT_REGION)
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
        digest: c.digest,
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
