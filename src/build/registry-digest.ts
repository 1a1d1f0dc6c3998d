/**
 * The digest a base image's tag points at now, asked of its registry through
 * the registry HTTP API v2 (no docker, no pull): a HEAD of the manifest,
 * with the anonymous token flow public registries use (Docker Hub,
 * public.ecr.aws, mcr.microsoft.com) and the action's own ECR login for its
 * own registry. An image pinned with @sha256: is its digest.
 * https://distribution.github.io/distribution/spec/auth/token/
 */
import { createHash } from 'node:crypto'
import type { RegistryAuth } from '../aws/ecr.js'
import type { Fetch } from '../aws/ecr-image.js'
import { MEDIA_TYPES } from '../aws/image-index.js'
import { formatLimit, readBounded } from '../util/body.js'
import { networkErrorMessage } from '../util/errors.js'

export interface ImageReference {
  /** The registry host (with port) as docker addresses it; docker.io for Docker Hub. */
  registry: string
  repository: string
  tag: string | undefined
  digest: string | undefined
}

const DIGEST = /^sha256:[a-f0-9]{64}$/
const REPOSITORY =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/
const TAG = /^[\w][\w.-]{0,127}$/

/** Docker's reading of an image reference; undefined when it is not one. */
export function parseImageReference(text: string): ImageReference | undefined {
  let rest = text
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) return undefined
  }
  const slash = rest.indexOf('/')
  const first = slash < 0 ? '' : rest.slice(0, slash)
  const hasHost =
    slash >= 0 &&
    (first.includes('.') || first.includes(':') || first === 'localhost')
  let registry = hasHost ? first : 'docker.io'
  let path = hasHost ? rest.slice(slash + 1) : rest
  let tag: string | undefined
  const colon = path.lastIndexOf(':')
  if (colon >= 0) {
    tag = path.slice(colon + 1)
    path = path.slice(0, colon)
    if (!TAG.test(tag)) return undefined
  }
  if (registry === 'index.docker.io') registry = 'docker.io'
  if (registry === 'docker.io' && !path.includes('/')) path = `library/${path}`
  if (!REPOSITORY.test(path)) return undefined
  return {
    registry,
    repository: path,
    tag: tag ?? (digest === undefined ? 'latest' : undefined),
    digest
  }
}

/**
 * An ECR private registry host: `<account>.dkr.ecr.<region>.amazonaws.com`
 * (`.amazonaws.com.cn` in China), its FIPS name (`dkr.ecr-fips`) and its
 * dual-stack name (`<account>.dkr-ecr.<region>.on.aws`). It never answers
 * without a login.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html
 */
const PRIVATE_ECR =
  /^\d{12}\.dkr[.-]ecr(?:-fips)?\.[a-z0-9-]+\.(?:amazonaws\.com(?:\.cn)?|on\.aws)$/

/** Whether the image is in an ECR private registry (which needs a login). */
export function isPrivateEcrImage(reference: string): boolean {
  const registry = parseImageReference(reference)?.registry ?? ''
  return PRIVATE_ECR.test(registry)
}

/** Whether `registry` is the one the action's own login is for. */
function isOwnRegistry(
  registry: string | undefined,
  own: RegistryAuth | undefined
): own is RegistryAuth {
  return own !== undefined && new URL(own.endpoint).host === registry
}

/** Whether resolveDigest asks for the image with `own` login. */
export function usesLogin(
  reference: string,
  own: RegistryAuth | undefined
): boolean {
  return isOwnRegistry(parseImageReference(reference)?.registry, own)
}

/** Where the registry API of a docker registry name answers. */
export function registryBaseUrl(
  registry: string,
  own: RegistryAuth | undefined
): string {
  if (isOwnRegistry(registry, own)) return own.endpoint.replace(/\/+$/, '')
  if (registry === 'docker.io') return 'https://registry-1.docker.io'
  // Docker itself speaks plain HTTP to loopback registries.
  const host = registry.replace(/:\d+$/, '')
  const loopback =
    host === 'localhost' || /^127\./.test(host) || host === '[::1]'
  return `${loopback ? 'http' : 'https'}://${registry}`
}

const ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest
].join(', ')

/** One lookup never holds the run longer than this. */
export const LOOKUP_TIMEOUT_MS = 10_000

/**
 * Most of a manifest read: registries refuse larger ones (distribution's
 * and ECR's limit is 4 MiB; the OCI distribution spec asks registries to
 * accept at least that much). Any registry a FROM line names is asked, so
 * its answer is never trusted to end.
 */
export const MANIFEST_MAX_BYTES = 4 * 1024 * 1024
/** Most of a token service's answer read: a token is a few kilobytes. */
export const TOKEN_MAX_BYTES = 1024 * 1024

export type DigestLookup =
  { kind: 'digest'; digest: string } | { kind: 'failed'; reason: string }

/** A WWW-Authenticate challenge: its scheme and parameters. */
export function parseChallenge(
  header: string
): { scheme: string; params: Record<string, string> } | undefined {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header)
  if (match?.[1] === undefined) return undefined
  const params: Record<string, string> = {}
  for (const p of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g))
    params[(p[1] ?? '').toLowerCase()] = p[2] ?? ''
  return { scheme: match[1].toLowerCase(), params }
}

/**
 * The digest `reference` points at now. `stop` ends the lookup early (a
 * run that no longer needs it): it then reports a failure, never rejects.
 */
export async function resolveDigest(
  reference: string,
  own: RegistryAuth | undefined,
  fetchImpl: Fetch,
  stop?: AbortSignal
): Promise<DigestLookup> {
  const ref = parseImageReference(reference)
  if (ref === undefined)
    return {
      kind: 'failed',
      reason: `"${reference}" is not an image reference`
    }
  if (ref.digest !== undefined) return { kind: 'digest', digest: ref.digest }
  const base = registryBaseUrl(ref.registry, own)
  const url = `${base}/v2/${ref.repository}/manifests/${ref.tag ?? 'latest'}`
  const timeout = AbortSignal.timeout(LOOKUP_TIMEOUT_MS)
  const signal = stop === undefined ? timeout : AbortSignal.any([timeout, stop])
  try {
    let authorization: string | undefined
    let response = await fetchImpl(url, {
      method: 'HEAD',
      headers: { Accept: ACCEPT },
      signal
    })
    if (response.status === 401) {
      const answer = await answerChallenge(
        response.headers.get('www-authenticate') ?? '',
        ref,
        own,
        fetchImpl,
        signal
      )
      if (typeof answer !== 'string') return answer
      authorization = answer
      response = await fetchImpl(url, {
        method: 'HEAD',
        headers: { Accept: ACCEPT, Authorization: authorization },
        signal
      })
    }
    if (!response.ok)
      return {
        kind: 'failed',
        reason: `${ref.registry} answered HTTP ${response.status} for ${reference}`
      }
    const digest = response.headers.get('docker-content-digest') ?? ''
    if (DIGEST.test(digest)) return { kind: 'digest', digest }
    return await digestOfBody(url, authorization, fetchImpl, signal, reference)
  } catch (error) {
    return {
      kind: 'failed',
      reason: `${ref.registry} could not be asked for ${reference}: ${networkErrorMessage(error)}`
    }
  }
}

/** A registry that sends no Docker-Content-Digest: the digest of the manifest itself. */
async function digestOfBody(
  url: string,
  authorization: string | undefined,
  fetchImpl: Fetch,
  signal: AbortSignal,
  reference: string
): Promise<DigestLookup> {
  const response = await fetchImpl(url, {
    headers: {
      Accept: ACCEPT,
      ...(authorization !== undefined && { Authorization: authorization })
    },
    signal
  })
  if (!response.ok)
    return {
      kind: 'failed',
      reason: `the registry sent no digest for ${reference}`
    }
  const read = await readBounded(response, MANIFEST_MAX_BYTES)
  if (read.cut)
    return {
      kind: 'failed',
      reason: `the registry sent more than ${formatLimit(MANIFEST_MAX_BYTES)} for the manifest of ${reference}; a manifest is far smaller, so it was not read further`
    }
  const body = read.bytes
  return {
    kind: 'digest',
    digest: `sha256:${createHash('sha256').update(body).digest('hex')}`
  }
}

/** The Authorization header a 401 asks for, or why there is none. */
async function answerChallenge(
  header: string,
  ref: ImageReference,
  own: RegistryAuth | undefined,
  fetchImpl: Fetch,
  signal: AbortSignal
): Promise<string | DigestLookup> {
  const challenge = parseChallenge(header)
  if (challenge?.scheme === 'basic') {
    if (!isOwnRegistry(ref.registry, own))
      return {
        kind: 'failed',
        reason: `${ref.registry} needs a login this action does not have`
      }
    const basic = Buffer.from(`${own.username}:${own.password}`).toString(
      'base64'
    )
    return `Basic ${basic}`
  }
  if (challenge?.scheme !== 'bearer' || challenge.params.realm === undefined)
    return {
      kind: 'failed',
      reason: `${ref.registry} asked for an authentication this action does not speak`
    }
  const tokenUrl = new URL(challenge.params.realm)
  if (challenge.params.service !== undefined)
    tokenUrl.searchParams.set('service', challenge.params.service)
  tokenUrl.searchParams.set(
    'scope',
    challenge.params.scope ?? `repository:${ref.repository}:pull`
  )
  const response = await fetchImpl(tokenUrl, { signal })
  if (!response.ok)
    return {
      kind: 'failed',
      reason: `${ref.registry}'s token service answered HTTP ${response.status} (a private image?)`
    }
  const read = await readBounded(response, TOKEN_MAX_BYTES)
  if (read.cut)
    return {
      kind: 'failed',
      reason: `${ref.registry}'s token service sent more than ${formatLimit(TOKEN_MAX_BYTES)}; it was not read further`
    }
  let body: { token?: unknown; access_token?: unknown } | null
  try {
    body = JSON.parse(read.bytes.toString('utf8')) as typeof body
  } catch {
    body = null
  }
  const token = body?.token ?? body?.access_token
  if (typeof token !== 'string')
    return { kind: 'failed', reason: `${ref.registry} gave no token` }
  return `Bearer ${token}`
}
