/**
 * Control API (JSON bodies and answers; function names, not ARNs):
 *   GET  /_local/health                        -> {"ok":true}
 *   POST /_local/reset                         moto /moto-api/reset, forget gateway state, remove
 *                                              gateway-started containers and registry repositories
 *   POST /_local/functions/<name>/next-update  {"durationMs"?:n,"failReason"?:s,"failReasonCode"?:s,
 *                                              "dropAnswer"?:true} applies to the next UpdateFunctionCode
 *                                              of <name>; dropAnswer: accepted, then the connection is
 *                                              reset with no answer (a lost answer)
 *   POST /_local/functions/<name>/begin-update {"durationMs":n} InProgress now, as if someone else
 *                                              had started an update (ends Successful)
 *   POST /_local/functions/<name>/settings     {"updateDurationMs":n|null} default duration for <name>
 *   POST /_local/functions/<name>/stall        {"count":n,"ms":n}: the next n GetFunction calls of
 *                                              <name> answer only after ms (a stalled connection)
 *   GET  /_local/functions/<name>/updates      -> [{"imageUri","startedAt","finishedAt","status",
 *                                                 "source","reason"?,"reasonCode"?}] (epoch ms;
 *                                                 finishedAt null while InProgress)
 *   GET  /_local/functions/<name>/reads        -> [{"at","op","lastUpdateStatus"}]: every GetFunction /
 *                                                 GetFunctionConfiguration of $LATEST (epoch ms), so
 *                                                 a benchmark sees when a poller noticed an update end
 *   GET  /_local/functions/<name>/versions     -> [{"version","imageUri","digest","publishedAt"}]: the
 *                                                 image the gateway recorded for each published version
 *   POST /_local/functions/<name>/managed-instances {"capacityProviderArn"?:s,"activationMs"?:n,
 *                                              "otherVersions"?:n}: <name> becomes a Lambda Managed
 *                                              Instances function (./managed-instances.ts);
 *                                              otherVersions: versions other functions hold on its
 *                                              capacity provider (they count toward the 100)
 *   GET  /_local/functions/<name>/managed-instances -> {"managed","capacityProviderArn",
 *                                                 "latestPublished","serving","versions":[{"version",
 *                                                 "digest","state","stateReasonCode"?}],...}
 *   POST /_local/functions/<name>/next-activation {"durationMs"?:n,"failReasonCode"?:s,
 *                                              "failReason"?:s}: the next published version of
 *                                              <name> stays Pending that long, then Active, or
 *                                              Failed with that StateReasonCode
 *   GET  /_local/containers                    -> running data-plane containers [{"function",
 *                                                 "version","digest","logStream","running"}]
 *   GET  /_local/calls                         -> [{"at","service","operation"}]: every AWS API
 *                                                 operation, registry request and data-plane request
 *                                                 served since reset, in order (./call-log.ts)
 *   POST /_local/ecr/<repository>/archive      {"imageTag"|"imageDigest"} -> {"imageDigest",
 *                                                 "imageStatus":"ARCHIVED"}: the image moves to the
 *                                                 archive storage class, as a lifecycle rule's
 *                                                 transition would (./ecr-archive.ts)
 *   POST /_local/ecr/settings                  {"activationMs":n}: how long a restored image
 *                                                 stays ACTIVATING (default 2000)
 */
import { existsSync, readdirSync, rmSync } from 'node:fs'
import type http from 'node:http'
import path from 'node:path'

import { GetFunctionCommand } from '@aws-sdk/client-lambda'

import {
  DEFAULT_UPDATE_MS,
  MOTO_PORT,
  PUBLIC_HOST,
  REGISTRY_DIR
} from './config.js'
import { callLog } from './call-log.js'
import { containers, removeAllContainers } from './containers.js'
import {
  errMessage,
  parseJson,
  rawRequest,
  readBody,
  sendJson,
  type Json
} from './http.js'
import {
  resetArchive,
  resolveImage,
  setActivationMs,
  transition
} from './ecr-archive.js'
import { stubShaToImage } from './image-refs.js'
import {
  canonicalFunctionName,
  conflictMessage,
  fnState,
  fns,
  inProgress,
  type FnState,
  type NextUpdate
} from './lambda-state.js'
import { startUpdate } from './lambda-updates.js'
import { logGroups } from './log-store.js'
import { managedSummary, markManaged } from './managed-instances.js'
import { resetMetrics } from './metrics.js'
import { moto } from './moto.js'

export async function handleControl(
  req: http.IncomingMessage,
  res: http.ServerResponse
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${PUBLIC_HOST}`)
  const method = req.method ?? 'GET'
  const body = await readBody(req)
  const input = parseJson(body) ?? {}
  if (url.pathname === '/_local/health') return sendJson(res, 200, { ok: true })
  if (url.pathname === '/_local/reset' && method === 'POST') return reset(res)
  if (url.pathname === '/_local/containers' && method === 'GET')
    return listContainers(res)
  if (url.pathname === '/_local/calls' && method === 'GET')
    return sendJson(res, 200, callLog)
  if (url.pathname === '/_local/ecr/settings' && method === 'POST') {
    const ms = num(input.activationMs)
    if (ms === undefined)
      return sendJson(res, 400, { message: 'activationMs (ms) is required' })
    return sendJson(res, 200, { ok: true, activationMs: setActivationMs(ms) })
  }
  const archive = /^\/_local\/ecr\/(.+)\/archive$/.exec(url.pathname)
  if (archive?.[1] && method === 'POST')
    return archiveImage(res, decodeURIComponent(archive[1]), input)
  const m = /^\/_local\/functions\/([^/]+)\/([a-z-]+)$/.exec(url.pathname)
  if (m?.[1] && m[2]) {
    const s = fnState(canonicalFunctionName(m[1]).name)
    const route = functionRoutes.get(`${method} ${m[2]}`)
    if (route) return route(res, s, input)
  }
  sendJson(res, 404, { message: `no control route ${method} ${url.pathname}` })
}

async function reset(res: http.ServerResponse): Promise<void> {
  await rawRequest(MOTO_PORT, 'POST', '/moto-api/reset', {})
  for (const s of fns.values()) if (s.current) clearTimeout(s.current.timer)
  fns.clear()
  callLog.length = 0
  stubShaToImage.clear()
  logGroups.clear()
  resetArchive()
  resetMetrics()
  await removeAllContainers()
  if (REGISTRY_DIR) {
    const repos = path.join(REGISTRY_DIR, 'docker/registry/v2/repositories')
    if (existsSync(repos))
      for (const d of readdirSync(repos))
        rmSync(path.join(repos, d), { recursive: true, force: true })
  }
  return sendJson(res, 200, { ok: true })
}

async function archiveImage(
  res: http.ServerResponse,
  repository: string,
  input: Json
): Promise<void> {
  const imageTag = str(input.imageTag)
  const imageDigest = str(input.imageDigest)
  const digest = await resolveImage(repository, {
    ...(imageTag !== undefined && { imageTag }),
    ...(imageDigest !== undefined && { imageDigest })
  })
  if (digest === undefined)
    return sendJson(res, 404, {
      message: `no image ${imageTag ?? imageDigest ?? '?'} in ${repository}`
    })
  const status = transition(repository, digest, 'ARCHIVE')
  if (typeof status !== 'string')
    return sendJson(res, 409, { message: status.unsupported })
  return sendJson(res, 200, { imageDigest: digest, imageStatus: status })
}

function listContainers(res: http.ServerResponse): void {
  return sendJson(
    res,
    200,
    [...containers.values()].map(c => ({
      function: c.fn,
      version: c.version,
      digest: c.digest,
      logStream: c.stream.name,
      running: c.emulator !== undefined
    }))
  )
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : undefined

type FunctionRoute = (
  res: http.ServerResponse,
  s: FnState,
  input: Json
) => void | Promise<void>

/** `<method> <route>` of /_local/functions/<name>/<route> -> handler */
const functionRoutes = new Map<string, FunctionRoute>([
  ['POST next-update', nextUpdate],
  ['POST begin-update', beginUpdate],
  ['POST settings', settings],
  [
    'POST stall',
    (res, s, input) => {
      s.stall = { count: num(input.count) ?? 1, ms: num(input.ms) ?? 60_000 }
      sendJson(res, 200, { ok: true, stall: s.stall })
    }
  ],
  [
    'POST managed-instances',
    (res, s, input) => {
      const capacityProviderArn = str(input.capacityProviderArn)
      const activationMs = num(input.activationMs)
      const otherVersions = num(input.otherVersions)
      markManaged(s, {
        ...(capacityProviderArn !== undefined && { capacityProviderArn }),
        ...(activationMs !== undefined && { activationMs }),
        ...(otherVersions !== undefined && { otherVersions })
      })
      sendJson(res, 200, managedSummary(s))
    }
  ],
  ['GET managed-instances', (res, s) => sendJson(res, 200, managedSummary(s))],
  [
    'POST next-activation',
    (res, s, input) => {
      if (!s.managed)
        return sendJson(res, 409, {
          message: `${s.name} is not a Managed Instances function`
        })
      const durationMs = num(input.durationMs)
      const failReasonCode = str(input.failReasonCode)
      const failReason = str(input.failReason)
      s.managed.next = {
        ...(durationMs !== undefined && { durationMs }),
        ...(failReasonCode !== undefined && { failReasonCode }),
        ...(failReason !== undefined && { failReason })
      }
      sendJson(res, 200, { ok: true, next: s.managed.next })
    }
  ],
  ['GET updates', (res, s) => sendJson(res, 200, s.updates)],
  ['GET reads', (res, s) => sendJson(res, 200, s.reads)],
  [
    'GET versions',
    (res, s) =>
      sendJson(
        res,
        200,
        [...s.versions.values()].map(v => ({
          version: v.version,
          imageUri: v.imageUri,
          digest: v.image.digest,
          publishedAt: v.publishedAt
        }))
      )
  ]
])

function nextUpdate(res: http.ServerResponse, s: FnState, input: Json): void {
  const next: NextUpdate = {}
  const d = num(input.durationMs)
  const fr = str(input.failReason)
  const fc = str(input.failReasonCode)
  if (d !== undefined) next.durationMs = d
  if (fr !== undefined) next.failReason = fr
  if (fc !== undefined) next.failReasonCode = fc
  if (input.dropAnswer === true) next.dropAnswer = true
  s.next = next
  return sendJson(res, 200, { ok: true, next })
}

async function beginUpdate(
  res: http.ServerResponse,
  s: FnState,
  input: Json
): Promise<void> {
  const name = s.name
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

function settings(res: http.ServerResponse, s: FnState, input: Json): void {
  const d = num(input.updateDurationMs)
  if (d === undefined) delete s.durationMs
  else s.durationMs = d
  return sendJson(res, 200, {
    ok: true,
    updateDurationMs: s.durationMs ?? DEFAULT_UPDATE_MS
  })
}
