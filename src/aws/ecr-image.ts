/**
 * The pushed image as Lambda will see it: its manifest from ECR (one
 * single-platform manifest; an index is resolved to its one image for the
 * function's platform), its config blob from the registry API (bounded reads
 * with an idle timeout), and its platform against the function's architecture.
 */
import { createHash } from 'node:crypto'
import { BatchGetImageCommand, type ECRClient } from '@aws-sdk/client-ecr'
import { DeployError, networkErrorMessage } from '../util/errors.js'
import { formatLimit, readBounded } from '../util/body.js'
import { ociArchitecture } from '../build/platform.js'
import type { Architecture } from '../inputs/types.js'
import { awsCall } from './call.js'
import type { RegistryAuth, Repository } from './ecr.js'
import {
  MEDIA_TYPES,
  imageInIndex,
  indexEntries,
  isImageIndex,
  type IndexEntry
} from './image-index.js'

const ACCEPTED_MEDIA_TYPES = Object.values(MEDIA_TYPES)

export interface ImageManifest {
  mediaType: string
  manifest: string
}

export async function getImageManifest(
  ecr: ECRClient,
  repository: Repository,
  digest: string
): Promise<ImageManifest> {
  const response = await awsCall('ecr:BatchGetImage', () =>
    ecr.send(
      new BatchGetImageCommand({
        repositoryName: repository.name,
        registryId: repository.registryId,
        imageIds: [{ imageDigest: digest }],
        acceptedMediaTypes: ACCEPTED_MEDIA_TYPES
      })
    )
  )
  const image = response.images?.[0]
  if (image?.imageManifest === undefined) {
    const failure = response.failures?.[0]
    throw new DeployError(
      `ECR has no image ${repository.name}@${digest}` +
        (failure !== undefined
          ? ` (${failure.failureCode}: ${failure.failureReason})`
          : '') +
        '.'
    )
  }
  const mediaType =
    image.imageManifestMediaType ?? mediaTypeOf(image.imageManifest) ?? ''
  return { mediaType, manifest: image.imageManifest }
}

function mediaTypeOf(manifest: string): string | undefined {
  try {
    const parsed = JSON.parse(manifest) as { mediaType?: unknown }
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined
  } catch {
    return undefined
  }
}

/** The image manifest to deploy, and the index it came from, if any. */
export interface ResolvedImage {
  digest: string
  image: ImageManifest
  index?: { digest: string; mediaType: string; entries: IndexEntry[] }
}

/**
 * The manifest under `digest`; for an index, the manifest of its one image
 * for the function's platform, read by that image's own digest.
 */
export async function resolveImageManifest(
  ecr: ECRClient,
  repository: Repository,
  digest: string,
  architecture: Architecture,
  read?: ImageManifest
): Promise<ResolvedImage> {
  const image = read ?? (await getImageManifest(ecr, repository, digest))
  if (!isImageIndex(image.mediaType)) return { digest, image }
  const entries = indexEntries(image.manifest)
  const child = imageInIndex(
    `${repository.uri}@${digest}`,
    entries,
    architecture
  )
  return {
    digest: child.digest,
    image: await getImageManifest(ecr, repository, child.digest),
    index: { digest, mediaType: image.mediaType, entries }
  }
}

export interface ManifestCheck {
  configDigest: string
  /** Uncompressed size is unknown here; this is the sum of compressed layers. */
  compressedSize: number
}

/**
 * Lambda accepts a single-platform Docker v2 or OCI image manifest. An image
 * index is rejected by UpdateFunctionCode with a media-type error: an index
 * is resolved to its image first (resolveImageManifest), so one here is an
 * index inside an index.
 */
export function checkManifest(image: ImageManifest): ManifestCheck {
  const { mediaType } = image
  if (isImageIndex(mediaType)) {
    throw new DeployError(
      `The image is an image index (${mediaType}) inside an image index, not a single-platform image manifest. ` +
        'Lambda rejects it ("image manifest, config or layer media type ... is not supported"). ' +
        'Push an index whose entry for the platform is an image manifest, or name that manifest by its digest.'
    )
  }
  if (
    mediaType !== MEDIA_TYPES.dockerManifest &&
    mediaType !== MEDIA_TYPES.ociManifest
  ) {
    throw new DeployError(
      `The pushed image has manifest media type "${mediaType}", which Lambda does not accept ` +
        `(it needs ${MEDIA_TYPES.dockerManifest} or ${MEDIA_TYPES.ociManifest}).`
    )
  }
  let parsed: { config?: { digest?: unknown }; layers?: { size?: unknown }[] }
  try {
    parsed = JSON.parse(image.manifest) as typeof parsed
  } catch {
    throw new DeployError('The pushed image manifest is not valid JSON.')
  }
  const configDigest = parsed.config?.digest
  if (typeof configDigest !== 'string') {
    throw new DeployError('The pushed image manifest names no config blob.')
  }
  const compressedSize = (parsed.layers ?? []).reduce(
    (sum, layer) => sum + (typeof layer.size === 'number' ? layer.size : 0),
    0
  )
  return { configDigest, compressedSize }
}

export interface ImageConfig {
  architecture: string | undefined
  os: string | undefined
}

export type Fetch = typeof fetch

/** Give up on a registry response that sends nothing for this long. */
export const BLOB_IDLE_TIMEOUT_MS = 60_000

/**
 * Most of an image config read. Real configs are kilobytes (a long build
 * history makes them tens); the registry is not trusted to send only that.
 */
export const CONFIG_MAX_BYTES = 4 * 1024 * 1024

/**
 * A blob (config or layer) from the registry API, with the same Basic
 * credentials docker used. ECR answers with a redirect to S3; fetch drops the
 * Authorization header on that cross-origin hop, as S3 requires. `what`
 * names the blob in errors ("the image config sha256:…"). Without a
 * `signal`, the request and its body get BLOB_IDLE_TIMEOUT_MS in all.
 */
export async function fetchBlob(
  auth: RegistryAuth,
  repositoryName: string,
  digest: string,
  what: string,
  fetchImpl: Fetch = fetch,
  signal?: AbortSignal
): Promise<Response> {
  const url = `${auth.endpoint.replace(/\/+$/, '')}/v2/${repositoryName}/blobs/${digest}`
  const basic = Buffer.from(`${auth.username}:${auth.password}`).toString(
    'base64'
  )
  let response: Response
  try {
    response = await fetchImpl(url, {
      headers: { Authorization: `Basic ${basic}` },
      redirect: 'follow',
      signal: signal ?? AbortSignal.timeout(BLOB_IDLE_TIMEOUT_MS)
    })
  } catch (error) {
    throw new DeployError(
      `Could not read ${what} from the registry at ${auth.endpoint}: ${networkErrorMessage(error)}`
    )
  }
  if (!response.ok) {
    throw new DeployError(
      `Reading ${what} from the registry answered HTTP ${response.status}.`
    )
  }
  return response
}

/**
 * An AbortSignal that fires when `touch` has not been called for `idleMs`:
 * a large layer may take long, but a stalled connection must not hang the run.
 */
export function idleTimeout(idleMs: number): {
  signal: AbortSignal
  touch: () => void
  clear: () => void
} {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const touch = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(
      () =>
        controller.abort(
          new Error(`no data from the registry for ${idleMs / 1000}s`)
        ),
      idleMs
    )
    timer.unref()
  }
  touch()
  return {
    signal: controller.signal,
    touch,
    clear: () => clearTimeout(timer)
  }
}

/**
 * The image config blob, read through the registry API with the same
 * credentials docker used (ECR's BatchGetImage returns only the manifest),
 * verified against its digest.
 */
export async function fetchImageConfigText(
  auth: RegistryAuth,
  repositoryName: string,
  configDigest: string,
  fetchImpl: Fetch = fetch
): Promise<string> {
  const response = await fetchBlob(
    auth,
    repositoryName,
    configDigest,
    `the image config ${configDigest}`,
    fetchImpl,
    AbortSignal.timeout(BLOB_IDLE_TIMEOUT_MS)
  )
  let read
  try {
    read = await readBounded(response, CONFIG_MAX_BYTES)
  } catch (error) {
    throw new DeployError(
      `Could not read the image config ${configDigest} from the registry at ${auth.endpoint}: ${networkErrorMessage(error)}`
    )
  }
  if (read.cut) {
    throw new DeployError(
      `The registry sent more than ${formatLimit(CONFIG_MAX_BYTES)} for the image config ${configDigest}; an image config is far smaller, so it was not read further.`
    )
  }
  const bytes = read.bytes
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  if (actual !== configDigest) {
    throw new DeployError(
      `The registry returned an image config whose digest is ${actual}, not ${configDigest}.`
    )
  }
  return bytes.toString('utf8')
}

export function parseImageConfig(text: string): ImageConfig {
  let config: { architecture?: unknown; os?: unknown }
  try {
    config = JSON.parse(text) as typeof config
  } catch {
    throw new DeployError('The image config is not valid JSON.')
  }
  return {
    architecture:
      typeof config.architecture === 'string' ? config.architecture : undefined,
    os: typeof config.os === 'string' ? config.os : undefined
  }
}

export async function fetchImageConfig(
  auth: RegistryAuth,
  repositoryName: string,
  configDigest: string,
  fetchImpl: Fetch = fetch
): Promise<ImageConfig> {
  return parseImageConfig(
    await fetchImageConfigText(auth, repositoryName, configDigest, fetchImpl)
  )
}

/** The image must be linux/<the function's CPU>, or Lambda fails at init. */
export function checkImagePlatform(
  config: ImageConfig,
  architecture: Architecture
): void {
  const expected = ociArchitecture(architecture)
  if (config.os !== undefined && config.os !== 'linux') {
    throw new DeployError(
      `The image is built for os "${config.os}"; Lambda runs linux images only.`
    )
  }
  if (config.architecture !== expected) {
    throw new DeployError(
      `The image is built for ${config.os ?? 'linux'}/${config.architecture ?? 'unknown'} but the function runs on ${architecture} (linux/${expected}). ` +
        'Deploying it would fail with "exec format error" (Runtime.InvalidEntrypoint). ' +
        `Rebuild for linux/${expected}, or use another tag.`
    )
  }
}
