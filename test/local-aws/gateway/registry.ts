/**
 * ECR's registry: `/v2/...` (not SigV4) with Basic auth (a token from ECR GetAuthorizationToken,
 * ./ecr-api.ts), streamed to the raw Docker registry on 127.0.0.1:4568. Blob upload and manifest
 * PUT need the repository to exist in moto (404 NAME_UNKNOWN otherwise). Manifest PUT by tag into
 * an IMMUTABLE repository where the tag exists with another digest -> 400 TAG_INVALID (ECR's
 * wording); same digest is accepted. Accepted manifests are mirrored into moto with
 * PutImage(imageDigest = sha256(manifest bytes)) before the client gets its answer. A manifest
 * GET/HEAD of an archived (or still ACTIVATING) image answers 404 (./ecr-archive.ts).
 */
import http from 'node:http'

import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  PutImageCommand
} from '@aws-sdk/client-ecr'

import { ACCOUNT, HOST, PUBLIC_HOST, REGISTRY_PORT } from './config.js'
import { registryAuthorized } from './ecr-api.js'
import {
  hasInactiveImages,
  imageStatus,
  markPushed,
  resolveImage
} from './ecr-archive.js'
import {
  errMessage,
  errName,
  log,
  parseJson,
  rawRequest,
  readBody,
  relay,
  sendJson,
  sha256Hex
} from './http.js'
import { moto } from './moto.js'

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

export async function handleRegistry(
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
  // "Archived images cannot be pulled. Requests to pull the archived image will fail with a 404
  // error" (ECR userguide, archive-image.html); ACTIVATING is not pullable yet either.
  if (
    m?.[1] &&
    m[2] === 'manifests' &&
    (method === 'GET' || method === 'HEAD') &&
    m[3] &&
    hasInactiveImages(m[1])
  ) {
    const ref = decodeURIComponent(m[3])
    const digest = ref.startsWith('sha256:')
      ? ref
      : await resolveImage(m[1], { imageTag: ref })
    if (digest !== undefined && imageStatus(m[1], digest) !== 'ACTIVE')
      return registryError(
        res,
        404,
        'MANIFEST_UNKNOWN',
        `Requested image not found: ${m[1]}@${digest} is ${imageStatus(m[1], digest)}`
      )
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
  // Re-pushing an archived image restores it (archive-image.html).
  markPushed(repo, digest)
  log(`pushed ${repo}:${ref} ${digest} (${mediaType})`)
  relay(res, r)
}
