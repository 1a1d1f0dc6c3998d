/**
 * Fixtures for end-to-end tests, the demo and the benchmark, against the local AWS stand-in
 * (scripts/local-aws.sh up; test/local-aws/gateway.ts). Node built-ins + the AWS SDK only.
 *
 *   const aws = localAwsEnv()                 // env of `scripts/local-aws.sh env` (also applied to process.env)
 *   await reset()                              // empty moto, forget gateway state, remove containers
 *   const fn = await createImageFunction({ functionName: 'api', repositoryName: 'api',
 *                                          architecture: 'arm64', functionUrl: true })
 *   const img = await buildAndPush({ repositoryName: 'api', tag: 'v2', architecture: 'arm64',
 *                                    contextDir: makeAppContext(dir, { body: 'v2' }) })
 *   await controlNextUpdate('api', { durationMs: 3000, failReason: 'boom', failReasonCode: 'InvalidImage' })
 *   await controlNextUpdate('api', { durationMs: 50_000, dropAnswer: true }) // accepted, answer lost
 *   await controlBeginUpdate('api', 5000)
 *   const history = await updates('api')      // [{ imageUri, startedAt, finishedAt, status, ... }]
 *   const m = await registryManifest('api', 'v2') // { mediaType, digest, architecture, os, ... }
 *   const r = await runAction({ inputs: { 'function-name': 'api', repository: 'api' } })
 *   // r: { exitCode, stdout, stderr, outputs, summary, state, annotations, post }
 *
 * Versions, aliases, Invoke, logs ("an alias `live` on version N, an HTTP API on the alias"):
 *   await updateCode('api', img.imageUri)     // UpdateFunctionCode + wait until Successful/Failed
 *   const v = await publishVersion('api')     // { version: '2', codeSha256, functionArn }
 *   await createAlias('api', 'live', v.version, { '3': 0.1 })   // weights optional
 *   await updateAlias('api', 'live', '3', {}) // {} removes the weights
 *   const a = await getAlias('api', 'live')
 *   const api = await createHttpApi(fn.functionArn, 'api', 'live') // integration on the alias
 *   const r = await invoke('api', 'live', httpApiEvent({ path: '/health' }))
 *   // r: { status, functionError, executedVersion, payload, log }  (also restApiEvent, albEvent)
 *   const events = await filterLogs('api', startTime) // FilterLogEvents on /aws/lambda/api
 */
import { execFileSync, spawn } from 'node:child_process'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand
} from '@aws-sdk/client-apigatewayv2'
import {
  CreateRepositoryCommand,
  ECRClient,
  GetAuthorizationTokenCommand
} from '@aws-sdk/client-ecr'
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilteredLogEvent
} from '@aws-sdk/client-cloudwatch-logs'
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  GetAliasCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type AliasConfiguration
} from '@aws-sdk/client-lambda'

import { makeAppContext } from './images.js'

export const REPO_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..'
)
export const ACCOUNT_ID = '123456789012'

// ---------------------------------------------------------------------------------------------
// environment

export interface LocalAwsEnv {
  /** AWS_ENDPOINT_URL, e.g. http://127.0.0.1:4566 */
  endpoint: string
  region: string
  /** Control API base, e.g. http://127.0.0.1:4566/_local */
  control: string
  /** Raw registry host:port (no auth), e.g. 127.0.0.1:4568 */
  registry: string
  /** ECR registry host as repositoryUri shows it, e.g. 127.0.0.1:4566 */
  ecrRegistry: string
  state: string
  /** Docker client to use (the shim: Debian's 20.10 client, BuildKit without buildx). */
  docker: string
  /** All variables `scripts/local-aws.sh env` exports (PATH already expanded). */
  vars: Record<string, string>
}

let cachedEnv: LocalAwsEnv | undefined

/** Parse `export NAME=value` lines (as printed by `local-aws.sh env`). */
export function parseExports(
  text: string,
  base: NodeJS.ProcessEnv = process.env
): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim())
    if (!m?.[1] || m[2] === undefined) continue
    let v = m[2]
    if (
      (v.startsWith('"') && v.endsWith('"')) ||
      (v.startsWith("'") && v.endsWith("'"))
    )
      v = v.slice(1, -1)
    v = v.replace(
      /\$\{(\w+)\}|\$(\w+)/g,
      (_, a: string | undefined, b: string | undefined) => {
        const k = (a ?? b) as string
        return vars[k] ?? base[k] ?? ''
      }
    )
    vars[m[1]] = v
  }
  return vars
}

/**
 * The stand-in's environment: from `scripts/local-aws.sh env` (the variables are also applied to
 * process.env so SDK clients made afterwards, and child processes, use the gateway).
 */
export function localAwsEnv(): LocalAwsEnv {
  if (cachedEnv) return cachedEnv
  const script = path.join(REPO_ROOT, 'scripts', 'local-aws.sh')
  const out = execFileSyncText('bash', [script, 'env'])
  const vars = parseExports(out)
  for (const [k, v] of Object.entries(vars)) process.env[k] = v
  const state = vars.LOCAL_AWS_STATE ?? '/tmp/aspnet-lambda-deploy-local-aws'
  const shim = path.join(state, 'bin', 'docker')
  const endpoint = vars.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566'
  cachedEnv = {
    endpoint,
    region: vars.AWS_REGION ?? 'us-east-1',
    control: vars.LOCAL_AWS_CONTROL ?? `${endpoint}/_local`,
    registry: vars.LOCAL_AWS_REGISTRY ?? '127.0.0.1:4568',
    ecrRegistry: new URL(endpoint).host,
    state,
    docker: existsSync(shim) ? shim : 'docker',
    vars
  }
  return cachedEnv
}

function execFileSyncText(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit']
  })
}

export interface AwsClients {
  ecr: ECRClient
  lambda: LambdaClient
  apigw: ApiGatewayV2Client
}

let cachedClients: AwsClients | undefined

/** SDK clients pointed at the gateway (explicit endpoint, test credentials). */
export function awsClients(): AwsClients {
  if (cachedClients) return cachedClients
  const e = localAwsEnv()
  const cfg = {
    region: e.region,
    endpoint: e.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
  }
  cachedClients = {
    ecr: new ECRClient(cfg),
    lambda: new LambdaClient(cfg),
    apigw: new ApiGatewayV2Client(cfg)
  }
  return cachedClients
}

// ---------------------------------------------------------------------------------------------
// control API

async function control(
  method: string,
  p: string,
  body?: unknown
): Promise<unknown> {
  const res = await fetch(`${localAwsEnv().control}${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await res.text()
  if (!res.ok)
    throw new Error(`control ${method} ${p}: HTTP ${res.status} ${text}`)
  return text ? (JSON.parse(text) as unknown) : undefined
}

/** Empty moto, forget the gateway's state, remove the containers it started. */
export async function reset(): Promise<void> {
  await control('POST', '/reset')
}

export interface NextUpdateOptions {
  durationMs?: number
  failReason?: string
  failReasonCode?: string
  /** Accept the update, then reset the connection with no answer (a lost answer). */
  dropAnswer?: boolean
}

/** Shape the next UpdateFunctionCode of `functionName` (duration, injected failure). */
export async function controlNextUpdate(
  functionName: string,
  opts: NextUpdateOptions
): Promise<void> {
  await control(
    'POST',
    `/functions/${encodeURIComponent(functionName)}/next-update`,
    opts
  )
}

/** Put the function into LastUpdateStatus InProgress now, as if someone else had started an update. */
export async function controlBeginUpdate(
  functionName: string,
  durationMs: number
): Promise<void> {
  await control(
    'POST',
    `/functions/${encodeURIComponent(functionName)}/begin-update`,
    { durationMs }
  )
}

/** The next `count` GetFunction calls of the function answer only after `ms` (a stalled call). */
export async function controlStall(
  functionName: string,
  stall: { count: number; ms: number }
): Promise<void> {
  await control(
    'POST',
    `/functions/${encodeURIComponent(functionName)}/stall`,
    stall
  )
}

/** Default update duration for one function (null: back to LOCAL_AWS_UPDATE_MS). */
export async function controlUpdateDuration(
  functionName: string,
  updateDurationMs: number | null
): Promise<void> {
  await control(
    'POST',
    `/functions/${encodeURIComponent(functionName)}/settings`,
    { updateDurationMs }
  )
}

/**
 * Move an image (by tag or digest) to ECR's archive storage class, as a lifecycle rule's
 * `transition` would: hidden from DescribeImages/ListImages unless the filter asks, 404 on pull
 * (the gateway's ./gateway/ecr-archive.ts). Returns its digest.
 */
export async function controlArchiveImage(
  repository: string,
  image: { imageTag: string } | { imageDigest: string }
): Promise<string> {
  const out = (await control(
    'POST',
    `/ecr/${encodeURIComponent(repository)}/archive`,
    image
  )) as { imageDigest: string }
  return out.imageDigest
}

/** How long an image restored with UpdateImageStorageClass(STANDARD) stays ACTIVATING. */
export async function controlActivationTime(
  activationMs: number
): Promise<void> {
  await control('POST', '/ecr/settings', { activationMs })
}

export interface UpdateRecord {
  imageUri: string | null
  /** epoch ms */
  startedAt: number
  /** epoch ms; null while InProgress */
  finishedAt: number | null
  status: 'InProgress' | 'Successful' | 'Failed'
  source: 'UpdateFunctionCode' | 'UpdateFunctionConfiguration' | 'begin-update'
  reason?: string
  reasonCode?: string
}

/** Every update the gateway ran for the function, oldest first. */
export async function updates(functionName: string): Promise<UpdateRecord[]> {
  return (await control(
    'GET',
    `/functions/${encodeURIComponent(functionName)}/updates`
  )) as UpdateRecord[]
}

export interface CallRecord {
  /** epoch ms */
  at: number
  /** lambda, ecr, logs, apigateway, sts, registry, function-url, http-api */
  service: string
  /** AWS's operation name (UpdateFunctionCode), or for the registry and data planes the method and kind */
  operation: string
  /** Lambda: the function (name or ARN) the call names. */
  resource?: string
  /** UpdateFunctionCode with DryRun: true (it changed nothing). */
  dryRun?: true
}

/** Every API operation, registry and data-plane request the gateway served since reset, in order. */
export async function calls(): Promise<CallRecord[]> {
  return (await control('GET', '/calls')) as CallRecord[]
}

// ---------------------------------------------------------------------------------------------
// raw registry

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

export interface RegistryManifest {
  mediaType: string
  /** sha256:<hex> of the manifest bytes */
  digest: string
  size: number
  /** single-image manifests: from the config blob */
  architecture?: string
  os?: string
  /** image index / manifest list: the platforms it lists */
  manifests?: {
    digest: string
    mediaType: string
    size: number
    platform?: { architecture?: string; os?: string }
  }[]
  raw: string
}

/** A manifest straight from the raw registry (no auth): media type, digest, config architecture. */
export async function registryManifest(
  repositoryName: string,
  reference: string
): Promise<RegistryManifest> {
  const base = `http://${localAwsEnv().registry}/v2/${repositoryName}`
  const res = await fetch(`${base}/manifests/${reference}`, {
    headers: { accept: MANIFEST_ACCEPT }
  })
  if (!res.ok)
    throw new Error(
      `registry: ${repositoryName}:${reference}: HTTP ${res.status} ${await res.text()}`
    )
  const buf = Buffer.from(await res.arrayBuffer())
  const mediaType = (res.headers.get('content-type') ?? '').split(';')[0] ?? ''
  const out: RegistryManifest = {
    mediaType,
    digest: `sha256:${createHash('sha256').update(buf).digest('hex')}`,
    size: buf.length,
    raw: buf.toString('utf8')
  }
  const json = JSON.parse(out.raw) as {
    config?: { digest: string }
    manifests?: RegistryManifest['manifests']
  }
  if (json.manifests) out.manifests = json.manifests
  if (json.config?.digest) {
    const c = await fetch(`${base}/blobs/${json.config.digest}`)
    if (c.ok) {
      const cfg = (await c.json()) as { architecture?: string; os?: string }
      if (cfg.architecture) out.architecture = cfg.architecture
      if (cfg.os) out.os = cfg.os
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// docker: login, build, push

/** `docker login` to the gateway's ECR registry with a fresh ECR token, in a private DOCKER_CONFIG. */
export async function dockerLogin(dockerConfigDir?: string): Promise<string> {
  const e = localAwsEnv()
  const dir =
    dockerConfigDir ?? mkdtempSync(path.join(os.tmpdir(), 'local-aws-docker-'))
  const auth = await awsClients().ecr.send(new GetAuthorizationTokenCommand({}))
  const data = auth.authorizationData?.[0]
  if (!data?.authorizationToken || !data.proxyEndpoint)
    throw new Error('GetAuthorizationToken returned no token')
  const [user, password] = Buffer.from(data.authorizationToken, 'base64')
    .toString('utf8')
    .split(':')
  await run(
    e.docker,
    [
      '--config',
      dir,
      'login',
      '--username',
      user ?? 'AWS',
      '--password-stdin',
      data.proxyEndpoint
    ],
    {
      input: password ?? ''
    }
  )
  return dir
}

interface RunResult {
  stdout: string
  stderr: string
}

function run(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', code => {
      if (code === 0) resolve({ stdout, stderr })
      else
        reject(
          new Error(
            `${cmd} ${args.join(' ')} exited ${code}\n${stdout}\n${stderr}`
          )
        )
    })
    child.stdin.end(opts.input ?? '')
  })
}

export type LambdaArchitecture = 'x86_64' | 'arm64'

export function ociArch(a: LambdaArchitecture): 'amd64' | 'arm64' {
  return a === 'arm64' ? 'arm64' : 'amd64'
}

export interface BuildAndPushOptions {
  repositoryName: string
  tag: string
  /** Architecture to build for (the image's config architecture). */
  architecture: LambdaArchitecture
  /** Build context; default: a fresh makeAppContext() serving `body`. */
  contextDir?: string
  body?: string
  status?: number
  dockerConfigDir?: string
}

export interface PushedImage {
  repositoryName: string
  repositoryUri: string
  tag: string
  /** sha256:<hex> */
  digest: string
  /** <repositoryUri>@<digest> */
  imageUri: string
}

/**
 * Build (`docker build --platform linux/<arch>` with BuildKit via the Debian client) and push
 * through the gateway (docker login with an ECR token first).
 */
export async function buildAndPush(
  opts: BuildAndPushOptions
): Promise<PushedImage> {
  const e = localAwsEnv()
  const ctx =
    opts.contextDir ??
    makeAppContext(mkdtempSync(path.join(os.tmpdir(), 'local-aws-ctx-')), {
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      ...(opts.status !== undefined ? { status: opts.status } : {})
    })
  const config = opts.dockerConfigDir ?? (await dockerLogin())
  const repositoryUri = `${e.ecrRegistry}/${opts.repositoryName}`
  const ref = `${repositoryUri}:${opts.tag}`
  const env = { ...process.env, DOCKER_BUILDKIT: '1' }
  await run(
    e.docker,
    [
      '--config',
      config,
      'build',
      '--platform',
      `linux/${ociArch(opts.architecture)}`,
      '-t',
      ref,
      ctx
    ],
    { env }
  )
  const push = await run(e.docker, ['--config', config, 'push', ref], { env })
  const m = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)
  if (!m?.[1])
    throw new Error(`no digest in docker push output:\n${push.stdout}`)
  if (!opts.dockerConfigDir) rmSync(config, { recursive: true, force: true })
  return {
    repositoryName: opts.repositoryName,
    repositoryUri,
    tag: opts.tag,
    digest: m[1],
    imageUri: `${repositoryUri}@${m[1]}`
  }
}

/** A blob straight into the raw registry (POST for a session, then one PUT); its digest. */
async function pushRawBlob(
  repositoryName: string,
  bytes: Buffer
): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  const base = `http://${localAwsEnv().registry}`
  const start = await fetch(`${base}/v2/${repositoryName}/blobs/uploads/`, {
    method: 'POST'
  })
  const location = start.headers.get('location')
  if (start.status !== 202 || location === null)
    throw new Error(`blob upload: HTTP ${start.status} ${await start.text()}`)
  const url = new URL(location, base)
  url.searchParams.set('digest', digest)
  const res = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes
  })
  if (res.status !== 201)
    throw new Error(`blob upload: HTTP ${res.status} ${await res.text()}`)
  return digest
}

/**
 * A provenance attestation manifest for `imageDigest`, as BuildKit pushes it
 * (docs.docker.com/build/metadata/attestations/attestation-storage/): an OCI
 * image manifest whose config says unknown/unknown and whose one layer is an
 * in-toto statement about the image. Pushed by digest (no tag), as BuildKit
 * does; returns its index entry.
 */
async function pushAttestation(
  repositoryName: string,
  imageDigest: string
): Promise<Record<string, unknown>> {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [
        {
          name: `pkg:docker/${repositoryName}`,
          digest: { sha256: imageDigest.replace(/^sha256:/, '') }
        }
      ],
      predicate: {
        builder: { id: '' },
        buildType: 'https://mobyproject.org/buildkit@v1'
      }
    })
  )
  const layer = await pushRawBlob(repositoryName, statement)
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: [layer] }
    })
  )
  const configDigest = await pushRawBlob(repositoryName, config)
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: config.length
    },
    layers: [
      {
        mediaType: 'application/vnd.in-toto+json',
        digest: layer,
        size: statement.length,
        annotations: {
          'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2'
        }
      }
    ]
  })
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`
  const res = await fetch(
    `http://${localAwsEnv().registry}/v2/${repositoryName}/manifests/${digest}`,
    {
      method: 'PUT',
      headers: {
        'content-type': 'application/vnd.oci.image.manifest.v1+json'
      },
      body: manifest
    }
  )
  if (res.status !== 201)
    throw new Error(`attestation push: HTTP ${res.status} ${await res.text()}`)
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest,
    size: Buffer.byteLength(manifest),
    annotations: {
      'vnd.docker.reference.digest': imageDigest,
      'vnd.docker.reference.type': 'attestation-manifest'
    },
    platform: { architecture: 'unknown', os: 'unknown' }
  }
}

/**
 * Push an OCI image index (multi-platform) listing already-pushed manifests, through the gateway
 * (Basic auth with an ECR token). With `attestations`, each image is followed by a provenance
 * attestation manifest, as docker/build-push-action pushes by default. Returns its digest and URI.
 */
export async function pushImageIndex(
  repositoryName: string,
  tag: string,
  digests: string[],
  options: { attestations?: boolean } = {}
): Promise<PushedImage> {
  const e = localAwsEnv()
  const manifests: Record<string, unknown>[] = []
  for (const d of digests) {
    const m = await registryManifest(repositoryName, d)
    manifests.push({
      mediaType: m.mediaType,
      digest: m.digest,
      size: m.size,
      platform: { architecture: m.architecture ?? 'amd64', os: m.os ?? 'linux' }
    })
    if (options.attestations === true)
      manifests.push(await pushAttestation(repositoryName, m.digest))
  }
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests
  })
  const auth = await awsClients().ecr.send(new GetAuthorizationTokenCommand({}))
  const token = auth.authorizationData?.[0]?.authorizationToken ?? ''
  const res = await fetch(
    `${e.endpoint}/v2/${repositoryName}/manifests/${tag}`,
    {
      method: 'PUT',
      headers: {
        authorization: `Basic ${token}`,
        'content-type': 'application/vnd.oci.image.index.v1+json'
      },
      body
    }
  )
  if (res.status !== 201)
    throw new Error(`index push: HTTP ${res.status} ${await res.text()}`)
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`
  const repositoryUri = `${e.ecrRegistry}/${repositoryName}`
  return {
    repositoryName,
    repositoryUri,
    tag,
    digest,
    imageUri: `${repositoryUri}@${digest}`
  }
}

// ---------------------------------------------------------------------------------------------
// IAM (no IAM client in node_modules: a small SigV4-signed query call)

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** POST a form-encoded query-protocol call (IAM, STS) signed with SigV4. */
export async function signedQueryCall(
  service: string,
  params: Record<string, string>
): Promise<{ status: number; body: string }> {
  const e = localAwsEnv()
  const url = new URL(e.endpoint.endsWith('/') ? e.endpoint : `${e.endpoint}/`)
  const body = new URLSearchParams(params).toString()
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
  const date = amzDate.slice(0, 8)
  const region = service === 'iam' ? 'us-east-1' : e.region
  const scope = `${date}/${region}/${service}/aws4_request`
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    host: url.host,
    'x-amz-content-sha256': sha256Hex(body),
    'x-amz-date': amzDate
  }
  const names = Object.keys(headers).sort()
  const canonical = [
    'POST',
    url.pathname,
    '',
    names.map(n => `${n}:${headers[n]}`).join('\n') + '\n',
    names.join(';'),
    headers['x-amz-content-sha256']
  ].join('\n')
  const toSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    sha256Hex(canonical)
  ].join('\n')
  const secret = process.env.AWS_SECRET_ACCESS_KEY ?? 'test'
  const key = hmac(
    hmac(hmac(hmac(`AWS4${secret}`, date), region), service),
    'aws4_request'
  )
  const signature = createHmac('sha256', key).update(toSign).digest('hex')
  const accessKey = process.env.AWS_ACCESS_KEY_ID ?? 'test'
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`
  delete headers.host
  const res = await fetch(url, { method: 'POST', headers, body })
  return { status: res.status, body: await res.text() }
}

/** IAM CreateRole (moto's Lambda needs the role to exist); an existing role is fine. */
export async function ensureRole(
  roleName = 'local-aws-lambda-role'
): Promise<string> {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole'
      }
    ]
  })
  const r = await signedQueryCall('iam', {
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: roleName,
    AssumeRolePolicyDocument: policy
  })
  if (r.status !== 200 && !r.body.includes('EntityAlreadyExists'))
    throw new Error(`IAM CreateRole: HTTP ${r.status} ${r.body}`)
  return `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}`
}

// ---------------------------------------------------------------------------------------------
// functions

export interface CreateImageFunctionOptions {
  functionName: string
  repositoryName: string
  architecture: LambdaArchitecture
  /** default IMMUTABLE */
  tagMutability?: 'IMMUTABLE' | 'MUTABLE'
  /** create a Function URL (default false) */
  functionUrl?: boolean
  /**
   * The public URL's resource-policy statements (default both; 'url-only':
   * only lambda:InvokeFunctionUrl, as URLs made before October 2025 had).
   */
  urlPermissions?: 'both' | 'url-only'
  /** tag of the initial image (default 'initial') */
  tag?: string
  /** body the initial image serves at / (default 'initial <functionName>') */
  body?: string
  /** build context of the initial image (default: makeAppContext with `body`) */
  contextDir?: string
  /** create the repository only if missing (default true: an existing one is reused) */
  reuseRepository?: boolean
}

export interface ImageFunction {
  functionName: string
  functionArn: string
  repositoryName: string
  repositoryUri: string
  architecture: LambdaArchitecture
  roleArn: string
  initialTag: string
  /** sha256:<hex> of the initial image */
  initialDigest: string
  initialImageUri: string
  functionUrl?: string
}

/**
 * IAM role, ECR repository, an initial image built for `architecture` and pushed through the
 * gateway, CreateFunction (PackageType Image, ImageUri by digest), optional Function URL.
 */
export async function createImageFunction(
  opts: CreateImageFunctionOptions
): Promise<ImageFunction> {
  const { ecr, lambda } = awsClients()
  const roleArn = await ensureRole()
  try {
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: opts.repositoryName,
        imageTagMutability: opts.tagMutability ?? 'IMMUTABLE'
      })
    )
  } catch (err) {
    if (!(
      err instanceof Error &&
      err.name === 'RepositoryAlreadyExistsException' &&
      opts.reuseRepository !== false
    ))
      throw err
  }
  const tag = opts.tag ?? 'initial'
  const image = await buildAndPush({
    repositoryName: opts.repositoryName,
    tag,
    architecture: opts.architecture,
    body: opts.body ?? `initial ${opts.functionName}\n`,
    ...(opts.contextDir ? { contextDir: opts.contextDir } : {})
  })
  const created = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: opts.functionName,
      PackageType: 'Image',
      Code: { ImageUri: image.imageUri },
      Role: roleArn,
      Architectures: [opts.architecture],
      Timeout: 30,
      MemorySize: 512
    })
  )
  await waitUntilFunctionActiveV2(
    { client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
    { FunctionName: opts.functionName }
  )
  const out: ImageFunction = {
    functionName: opts.functionName,
    functionArn:
      created.FunctionArn ??
      `arn:aws:lambda:${localAwsEnv().region}:${ACCOUNT_ID}:function:${opts.functionName}`,
    repositoryName: opts.repositoryName,
    repositoryUri: image.repositoryUri,
    architecture: opts.architecture,
    roleArn,
    initialTag: tag,
    initialDigest: image.digest,
    initialImageUri: image.imageUri
  }
  if (opts.functionUrl) {
    const u = await lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: opts.functionName,
        AuthType: 'NONE'
      })
    )
    if (u.FunctionUrl) out.functionUrl = u.FunctionUrl
    // A public URL also needs both resource-based permissions, as in Lambda since October 2025.
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: opts.functionName,
        StatementId: 'FunctionURLAllowPublicAccess',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE'
      })
    )
    if (opts.urlPermissions !== 'url-only')
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: opts.functionName,
          StatementId: 'FunctionURLAllowInvokeAction',
          Action: 'lambda:InvokeFunction',
          Principal: '*',
          InvokedViaFunctionUrl: true
        })
      )
  }
  return out
}

/**
 * An HTTP API whose $default route integrates the function (AWS_PROXY). Returns id and endpoint.
 * `qualifier` (an alias or version) makes the integration `<functionArn>:<qualifier>`; a
 * qualified `functionArn` works as well.
 */
export async function createHttpApi(
  functionArn: string,
  name = 'local-aws-api',
  qualifier?: string
): Promise<{ apiId: string; apiEndpoint: string }> {
  const { apigw } = awsClients()
  const api = await apigw.send(
    new CreateApiCommand({ Name: name, ProtocolType: 'HTTP' })
  )
  if (!api.ApiId) throw new Error('CreateApi returned no ApiId')
  const integ = await apigw.send(
    new CreateIntegrationCommand({
      ApiId: api.ApiId,
      IntegrationType: 'AWS_PROXY',
      IntegrationUri:
        qualifier !== undefined ? `${functionArn}:${qualifier}` : functionArn,
      PayloadFormatVersion: '2.0'
    })
  )
  await apigw.send(
    new CreateRouteCommand({
      ApiId: api.ApiId,
      RouteKey: '$default',
      Target: `integrations/${integ.IntegrationId}`
    })
  )
  return { apiId: api.ApiId, apiEndpoint: api.ApiEndpoint ?? '' }
}

// ---------------------------------------------------------------------------------------------
// running the action as the GitHub runner does

export interface RunActionOptions {
  /** Action inputs by name as in action.yml ('function-name': 'api'). action.yml defaults apply. */
  inputs: Record<string, string>
  /** Extra environment (wins over everything else). */
  env?: Record<string, string>
  /** GITHUB_SHA (default: 40 random hex digits). */
  sha?: string
  /** GITHUB_WORKSPACE and working directory (default: a fresh temp dir). */
  workspace?: string
  /** Entry point (default <repo>/dist/index.js). */
  entry?: string
  /** Run the post step (default true; the runner's default post-if is always()). */
  post?: boolean
  /** Kill the step after this long (default 10 minutes). */
  timeoutMs?: number
  /**
   * While the main step runs: when its output first matches `when`, do
   * something (someone else deploys), or cancel the job as the runner does —
   * SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that — and then run the
   * post step as the runner still does.
   */
  during?: {
    when: RegExp
    cancel?: boolean
    run?: () => Promise<void>
  }
}

/** The runner's cancel: SIGINT, then SIGTERM after 7.5 s, then SIGKILL after 2.5 s more. */
export const RUNNER_CANCEL_MS = { term: 7500, kill: 2500 }

export interface StepResult {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  state: Record<string, string>
  /** ::error / ::warning / ::notice workflow commands the step printed */
  annotations: { level: 'error' | 'warning' | 'notice'; message: string }[]
  durationMs: number
}

export interface ActionResult extends StepResult {
  /** The post step (undefined when not run). Its outputs are ignored by the runner. */
  post?: StepResult
  /** Main and post step summaries, as the job summary shows them. */
  jobSummary: string
  workspace: string
  sha: string
}

/** The file action.yml's `runs:` names for the main or the post step. */
export function actionEntry(
  step: 'main' | 'post',
  actionYml = path.join(REPO_ROOT, 'action.yml')
): string {
  const text = readFileSync(actionYml, 'utf8')
  const runs = /^runs:\n((?: {2}.*\n?)*)/m.exec(text)?.[1] ?? ''
  const file = new RegExp(`^ {2}${step}:\\s*'?([^'\\n]+)'?`, 'm').exec(
    runs
  )?.[1]
  if (file === undefined) throw new Error(`action.yml has no runs.${step}`)
  return path.join(REPO_ROOT, file.trim())
}

/**
 * The Node major action.yml's `runs.using` names (`node24` → 24): the runtime
 * GitHub starts both steps on.
 */
export function actionNodeMajor(
  actionYml = path.join(REPO_ROOT, 'action.yml')
): number {
  const using = /^runs:\n(?: {2}.*\n)*? {2}using:\s*'?node(\d+)'?/m.exec(
    readFileSync(actionYml, 'utf8')
  )?.[1]
  if (using === undefined)
    throw new Error('action.yml has no runs.using: nodeNN')
  return Number(using)
}

/**
 * Refuses to run the bundle on another Node major than the runner's: the
 * tests would then prove the action on a runtime it never runs on.
 * `scripts/use-node.sh` puts the right one first on PATH.
 */
export function assertRunnerNode(
  version = process.versions.node,
  major = actionNodeMajor()
): void {
  const have = Number(version.split('.')[0])
  if (have !== major)
    throw new Error(
      `the action runs on node${major} (action.yml runs.using) but these tests run on Node ${version}: run them through scripts/use-node.sh (npm run test:all does)`
    )
}

/** Inputs with a `default:` in action.yml (the runner sets INPUT_* for them when not given). */
export function actionDefaults(
  actionYml = path.join(REPO_ROOT, 'action.yml')
): Record<string, string> {
  const defaults: Record<string, string> = {}
  let inInputs = false
  let current: string | undefined
  for (const line of readFileSync(actionYml, 'utf8').split('\n')) {
    if (/^\S/.test(line)) {
      inInputs = /^inputs:\s*$/.test(line)
      current = undefined
      continue
    }
    if (!inInputs) continue
    const name = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line)
    if (name?.[1]) {
      current = name[1]
      continue
    }
    const def = /^ {4}default:\s*(.*)$/.exec(line)
    if (current && def?.[1] !== undefined) {
      let v = def[1].trim()
      if (v.startsWith("'") && v.endsWith("'"))
        v = v.slice(1, -1).replace(/''/g, "'")
      else if (v.startsWith('"') && v.endsWith('"')) v = JSON.parse(v) as string
      defaults[current] = v
    }
  }
  return defaults
}

/** The runner's input variable name: INPUT_ + upper case, spaces to '_', dashes kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** Parse a file-command file (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV): name=value and name<<DELIM. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n').map(l => l.replace(/\r$/, ''))
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line === '') continue
    const eq = line.indexOf('=')
    const hd = line.indexOf('<<')
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      out[line.slice(0, eq)] = line.slice(eq + 1)
    } else if (hd >= 0) {
      const name = line.slice(0, hd)
      const delimiter = line.slice(hd + 2)
      if (!name || !delimiter)
        throw new Error(`invalid file command line: ${line}`)
      const value: string[] = []
      let closed = false
      for (i++; i < lines.length; i++) {
        if (lines[i] === delimiter) {
          closed = true
          break
        }
        value.push(lines[i] ?? '')
      }
      if (!closed)
        throw new Error(
          `file command: no closing delimiter '${delimiter}' for '${name}'`
        )
      out[name] = value.join('\n')
    } else {
      throw new Error(`invalid file command line: ${line}`)
    }
  }
  return out
}

function parseAnnotations(stdout: string): StepResult['annotations'] {
  const out: StepResult['annotations'] = []
  for (const line of stdout.split('\n')) {
    const m = /^::(error|warning|notice)(?: [^:]*)?::(.*)$/.exec(
      line.replace(/\r$/, '')
    )
    if (m?.[1] && m[2] !== undefined) {
      out.push({
        level: m[1] as 'error' | 'warning' | 'notice',
        message: m[2]
          .replace(/%0D/g, '\r')
          .replace(/%0A/g, '\n')
          .replace(/%25/g, '%')
      })
    }
  }
  return out
}

async function runStep(
  entry: string,
  env: NodeJS.ProcessEnv,
  dir: string,
  stepName: string,
  cwd: string,
  timeoutMs: number,
  during?: RunActionOptions['during']
): Promise<StepResult> {
  const files = {
    GITHUB_OUTPUT: path.join(dir, `${stepName}-output`),
    GITHUB_STATE: path.join(dir, `${stepName}-state`),
    GITHUB_STEP_SUMMARY: path.join(dir, `${stepName}-summary`),
    GITHUB_ENV: path.join(dir, `${stepName}-env`),
    GITHUB_PATH: path.join(dir, `${stepName}-path`)
  }
  for (const f of Object.values(files)) writeFileSync(f, '')
  assertRunnerNode()
  const started = Date.now()
  const { code, stdout, stderr } = await new Promise<{
    code: number
    stdout: string
    stderr: string
  }>((resolve, reject) => {
    const child = spawn(process.execPath, [entry], {
      cwd,
      env: { ...env, ...files },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let so = ''
    let se = ''
    let triggered = false
    const timers: NodeJS.Timeout[] = []
    child.stdout.on('data', (d: Buffer) => {
      so += d.toString()
      if (during === undefined || triggered || !during.when.test(so)) return
      triggered = true
      if (during.run !== undefined)
        during.run().catch((error: unknown) => {
          se += `\n[runAction] during-step action failed: ${String(error)}\n`
        })
      if (during.cancel === true) {
        child.kill('SIGINT')
        timers.push(
          setTimeout(() => child.kill('SIGTERM'), RUNNER_CANCEL_MS.term),
          setTimeout(
            () => child.kill('SIGKILL'),
            RUNNER_CANCEL_MS.term + RUNNER_CANCEL_MS.kill
          )
        )
      }
    })
    child.stderr.on('data', (d: Buffer) => (se += d.toString()))
    const timer = setTimeout(() => {
      se += `\n[runAction] ${stepName} step killed after ${timeoutMs} ms\n`
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', err => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (c, signal) => {
      clearTimeout(timer)
      for (const t of timers) clearTimeout(t)
      resolve({ code: c ?? (signal ? 128 : 1), stdout: so, stderr: se })
    })
  })
  return {
    exitCode: code,
    stdout,
    stderr,
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state: parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    annotations: parseAnnotations(stdout),
    durationMs: Date.now() - started
  }
}

/**
 * Run the action's main step (`node dist/index.js`) as the runner does, then its post step (same
 * file, STATE_<name> from what main wrote to GITHUB_STATE). Environment: the stand-in's variables,
 * INPUT_* (action.yml defaults applied), GITHUB_* / RUNNER_* of a push build on Linux.
 */
export async function runAction(opts: RunActionOptions): Promise<ActionResult> {
  const e = localAwsEnv()
  const entry = opts.entry ?? actionEntry('main')
  const postEntry = opts.entry ?? actionEntry('post')
  if (!existsSync(entry))
    throw new Error(`${entry} does not exist (npm run package)`)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'local-aws-run-'))
  const runnerTemp = path.join(dir, 'runner-temp')
  mkdirSync(runnerTemp)
  const workspace = opts.workspace ?? path.join(dir, 'workspace')
  mkdirSync(workspace, { recursive: true })
  const sha = opts.sha ?? randomBytes(20).toString('hex')

  const base: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (
      /^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_)/.test(k) ||
      k === 'NODE_OPTIONS' ||
      k.startsWith('JEST_')
    )
      continue
    base[k] = v
  }
  Object.assign(base, e.vars, {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_SHA: sha,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REPOSITORY: 'local/aspnet-lambda-deploy-e2e',
    GITHUB_REPOSITORY_OWNER: 'local',
    GITHUB_RUN_ID: String(Date.now()),
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTION: 'deploy',
    GITHUB_ACTOR: 'local',
    GITHUB_WORKFLOW: 'e2e',
    GITHUB_WORKSPACE: workspace,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: process.arch === 'arm64' ? 'ARM64' : 'X64',
    RUNNER_NAME: 'local-aws',
    RUNNER_TOOL_CACHE: path.join(dir, 'tool-cache')
  })
  // local-run off unless a test asks: the test images speak the Runtime API
  // now (issue 29 part 2), but a local run adds seconds to each of the
  // suite's runs and each scenario tests its own concern; the local run's
  // own guarantees are e2e/local-run.test.ts's (default auto there).
  const inputs = { ...actionDefaults(), 'local-run': 'off', ...opts.inputs }
  for (const [name, value] of Object.entries(inputs))
    base[inputEnvName(name)] = value
  Object.assign(base, opts.env ?? {})

  const timeoutMs = opts.timeoutMs ?? 10 * 60 * 1000
  const main = await runStep(
    entry,
    base,
    dir,
    'main',
    workspace,
    timeoutMs,
    opts.during
  )
  let post: StepResult | undefined
  if (opts.post !== false) {
    const postEnv: NodeJS.ProcessEnv = { ...base }
    for (const [k, v] of Object.entries(main.state)) postEnv[`STATE_${k}`] = v
    post = await runStep(postEntry, postEnv, dir, 'post', workspace, timeoutMs)
  }
  return {
    ...main,
    ...(post ? { post } : {}),
    jobSummary: main.summary + (post?.summary ?? ''),
    workspace,
    sha
  }
}

export interface ReadRecord {
  /** epoch ms */
  at: number
  op: 'GetFunction' | 'GetFunctionConfiguration'
  lastUpdateStatus: string | undefined
}

/** Every GetFunction / GetFunctionConfiguration of the function's $LATEST the gateway answered. */
export async function reads(functionName: string): Promise<ReadRecord[]> {
  return (await control(
    'GET',
    `/functions/${encodeURIComponent(functionName)}/reads`
  )) as ReadRecord[]
}

/** Run `scripts/local-aws.sh up|down|status`; true when it succeeded (status: is up). */
export function localAwsCommand(command: 'up' | 'down' | 'status'): boolean {
  try {
    execFileSync(
      'bash',
      [path.join(REPO_ROOT, 'scripts', 'local-aws.sh'), command],
      {
        stdio: command === 'status' ? 'ignore' : 'inherit'
      }
    )
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------
// versions, aliases, Invoke, CloudWatch Logs (gateway: versions carry their own image, Invoke runs
// the version's image and answers like ASP.NET Core's Lambda hosting, FilterLogEvents reads what
// the function's containers wrote plus Lambda's START/END/REPORT lines)

let cachedLogs: CloudWatchLogsClient | undefined

/** A CloudWatch Logs client pointed at the gateway. */
export function logsClient(): CloudWatchLogsClient {
  if (cachedLogs) return cachedLogs
  const e = localAwsEnv()
  cachedLogs = new CloudWatchLogsClient({
    region: e.region,
    endpoint: e.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
  })
  return cachedLogs
}

/** Wait until the function's last update is no longer InProgress (Lambda's waiter, 1 s polls). */
export async function waitForUpdated(
  functionName: string,
  maxWaitSeconds = 60
): Promise<void> {
  await waitUntilFunctionUpdatedV2(
    {
      client: awsClients().lambda,
      maxWaitTime: maxWaitSeconds,
      minDelay: 1,
      maxDelay: 1
    },
    { FunctionName: functionName }
  )
}

/** UpdateFunctionCode to `imageUri` and wait until the update has finished. */
export async function updateCode(
  functionName: string,
  imageUri: string
): Promise<void> {
  await awsClients().lambda.send(
    new UpdateFunctionCodeCommand({
      FunctionName: functionName,
      ImageUri: imageUri
    })
  )
  await waitForUpdated(functionName)
}

export interface PublishedVersion {
  /** "1", "2", ... */
  version: string
  /** manifest digest hex of the version's image */
  codeSha256: string
  /** arn:aws:lambda:...:function:<name>:<version> */
  functionArn: string
}

/**
 * PublishVersion of $LATEST (after waiting for a running update to finish, unless wait: false).
 * `codeSha256` is passed as the CodeSha256 guard.
 */
export async function publishVersion(
  functionName: string,
  opts: { codeSha256?: string; description?: string; wait?: boolean } = {}
): Promise<PublishedVersion> {
  if (opts.wait !== false) await waitForUpdated(functionName)
  const out = await awsClients().lambda.send(
    new PublishVersionCommand({
      FunctionName: functionName,
      ...(opts.codeSha256 !== undefined ? { CodeSha256: opts.codeSha256 } : {}),
      ...(opts.description !== undefined
        ? { Description: opts.description }
        : {})
    })
  )
  if (!out.Version) throw new Error('PublishVersion returned no Version')
  return {
    version: out.Version,
    codeSha256: out.CodeSha256 ?? '',
    functionArn: out.FunctionArn ?? ''
  }
}

/**
 * CreateAlias `name` -> `version`; `weights` is RoutingConfig.AdditionalVersionWeights
 * (e.g. { '3': 0.1 } sends 10 % of invocations to version 3).
 */
export async function createAlias(
  functionName: string,
  name: string,
  version: string,
  weights?: Record<string, number>,
  description?: string
): Promise<AliasConfiguration> {
  return awsClients().lambda.send(
    new CreateAliasCommand({
      FunctionName: functionName,
      Name: name,
      FunctionVersion: version,
      ...(weights
        ? { RoutingConfig: { AdditionalVersionWeights: weights } }
        : {}),
      ...(description !== undefined ? { Description: description } : {})
    })
  )
}

/** UpdateAlias `name` -> `version` with these weights ({} removes them; undefined keeps them). */
export async function updateAlias(
  functionName: string,
  name: string,
  version: string,
  weights?: Record<string, number>,
  revisionId?: string
): Promise<AliasConfiguration> {
  return awsClients().lambda.send(
    new UpdateAliasCommand({
      FunctionName: functionName,
      Name: name,
      FunctionVersion: version,
      ...(weights
        ? { RoutingConfig: { AdditionalVersionWeights: weights } }
        : {}),
      ...(revisionId !== undefined ? { RevisionId: revisionId } : {})
    })
  )
}

export async function getAlias(
  functionName: string,
  name: string
): Promise<AliasConfiguration> {
  return awsClients().lambda.send(
    new GetAliasCommand({ FunctionName: functionName, Name: name })
  )
}

export interface InvokeResult {
  /** HTTP status of the Invoke call (200; 202 Event; 204 DryRun) */
  status: number
  /** 'Unhandled' when the function failed */
  functionError: string | undefined
  /** the version that ran ($LATEST, or the number an alias routed to) */
  executedVersion: string | undefined
  /** the payload, parsed as JSON when it is JSON (else the text) */
  payload: unknown
  /** X-Amz-Log-Result decoded (LogType Tail), else undefined */
  log: string | undefined
}

/**
 * Invoke `functionName` (qualifier: $LATEST, a version or an alias; undefined: unqualified) with
 * `event` (an object is sent as JSON; a string as it is). LogType Tail unless tail: false.
 */
export async function invoke(
  functionName: string,
  qualifier: string | undefined,
  event: unknown,
  opts: {
    invocationType?: 'RequestResponse' | 'Event' | 'DryRun'
    tail?: boolean
  } = {}
): Promise<InvokeResult> {
  const out = await awsClients().lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      ...(qualifier !== undefined ? { Qualifier: qualifier } : {}),
      Payload: Buffer.from(
        typeof event === 'string' ? event : JSON.stringify(event)
      ),
      LogType: opts.tail === false ? 'None' : 'Tail',
      ...(opts.invocationType ? { InvocationType: opts.invocationType } : {})
    })
  )
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : ''
  let payload: unknown = text
  try {
    payload = text ? (JSON.parse(text) as unknown) : text
  } catch {
    /* not JSON: the text */
  }
  return {
    status: out.StatusCode ?? 0,
    functionError: out.FunctionError,
    executedVersion: out.ExecutedVersion,
    payload,
    log: out.LogResult
      ? Buffer.from(out.LogResult, 'base64').toString('utf8')
      : undefined
  }
}

/** FilterLogEvents on /aws/lambda/<functionName> from `startTime` (epoch ms), every page. */
export async function filterLogs(
  functionName: string,
  startTime?: number,
  opts: {
    filterPattern?: string
    endTime?: number
    logStreamNamePrefix?: string
  } = {}
): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = []
  let nextToken: string | undefined
  do {
    const out = await logsClient().send(
      new FilterLogEventsCommand({
        logGroupName: `/aws/lambda/${functionName}`,
        ...(startTime !== undefined ? { startTime } : {}),
        ...(opts.endTime !== undefined ? { endTime: opts.endTime } : {}),
        ...(opts.filterPattern !== undefined
          ? { filterPattern: opts.filterPattern }
          : {}),
        ...(opts.logStreamNamePrefix !== undefined
          ? { logStreamNamePrefix: opts.logStreamNamePrefix }
          : {}),
        ...(nextToken ? { nextToken } : {})
      })
    )
    events.push(...(out.events ?? []))
    nextToken = out.nextToken
  } while (nextToken)
  return events
}

export interface SyntheticRequest {
  method?: string
  /** path, may carry a query string: '/orders?id=1&tag=a' */
  path?: string
  headers?: Record<string, string>
  cookies?: string[]
  body?: string | Buffer
}

function splitPath(p: string): { path: string; query: string } {
  const i = p.indexOf('?')
  return i < 0
    ? { path: p, query: '' }
    : { path: p.slice(0, i), query: p.slice(i + 1) }
}

function eventBody(body: string | Buffer | undefined): {
  body: string | null
  isBase64Encoded: boolean
} {
  if (body === undefined) return { body: null, isBase64Encoded: false }
  if (typeof body === 'string') return { body, isBase64Encoded: false }
  return { body: body.toString('base64'), isBase64Encoded: true }
}

function queryParams(query: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [k, v] of new URLSearchParams(query)) (out[k] ??= []).push(v)
  return out
}

/** An API Gateway HTTP API (payload format 2.0) event. */
export function httpApiEvent(
  r: SyntheticRequest = {}
): Record<string, unknown> {
  const method = r.method ?? 'GET'
  const { path: p, query } = splitPath(r.path ?? '/')
  const qs = queryParams(query)
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: p,
    rawQueryString: query,
    ...(r.cookies ? { cookies: r.cookies } : {}),
    headers: { host: 'local.execute-api', ...(r.headers ?? {}) },
    ...(query
      ? {
          queryStringParameters: Object.fromEntries(
            Object.entries(qs).map(([k, v]) => [k, v.join(',')])
          )
        }
      : {}),
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: 'local',
      domainName: 'local.execute-api',
      http: {
        method,
        path: p,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'aspnet-lambda-deploy'
      },
      requestId: randomBytes(8).toString('hex'),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now()
    },
    ...eventBody(r.body)
  }
}

/** An API Gateway REST API (payload format 1.0) event. */
export function restApiEvent(
  r: SyntheticRequest = {}
): Record<string, unknown> {
  const method = r.method ?? 'GET'
  const { path: p, query } = splitPath(r.path ?? '/')
  const qs = queryParams(query)
  const headers: Record<string, string> = {
    Host: 'local.execute-api',
    ...(r.headers ?? {})
  }
  if (r.cookies) headers.Cookie = r.cookies.join('; ')
  return {
    resource: '/{proxy+}',
    path: p,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, [v]])
    ),
    queryStringParameters: query
      ? Object.fromEntries(Object.entries(qs).map(([k, v]) => [k, v.at(-1)]))
      : null,
    multiValueQueryStringParameters: query ? qs : null,
    pathParameters: { proxy: p.replace(/^\//, '') },
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: 'local',
      resourcePath: '/{proxy+}',
      httpMethod: method,
      path: `/prod${p}`,
      stage: 'prod',
      requestId: randomBytes(8).toString('hex'),
      identity: { sourceIp: '127.0.0.1' }
    },
    ...eventBody(r.body)
  }
}

/**
 * An Application Load Balancer event; multiValue: true for a target group with multi-value
 * headers (the answer then uses multiValueHeaders too).
 */
export function albEvent(
  r: SyntheticRequest = {},
  multiValue = false
): Record<string, unknown> {
  const method = r.method ?? 'GET'
  const { path: p, query } = splitPath(r.path ?? '/')
  const headers: Record<string, string> = {
    host: 'local.elb',
    ...Object.fromEntries(
      Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])
    )
  }
  if (r.cookies) headers.cookie = r.cookies.join('; ')
  // ALB passes the query string still URL-encoded.
  const raw: Record<string, string[]> = {}
  for (const pair of query ? query.split('&') : []) {
    const [k = '', v = ''] = pair.split('=')
    ;(raw[k] ??= []).push(v)
  }
  return {
    requestContext: {
      elb: {
        targetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT_ID}:targetgroup/local/0123456789abcdef`
      }
    },
    httpMethod: method,
    path: p,
    ...(multiValue
      ? {
          multiValueQueryStringParameters: raw,
          multiValueHeaders: Object.fromEntries(
            Object.entries(headers).map(([k, v]) => [k, [v]])
          )
        }
      : {
          queryStringParameters: Object.fromEntries(
            Object.entries(raw).map(([k, v]) => [k, v.at(-1) ?? ''])
          ),
          headers
        }),
    ...eventBody(r.body)
  }
}
