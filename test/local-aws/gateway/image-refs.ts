/**
 * Images as Lambda sees them: an ImageUri parsed and checked against (moto's) ECR, manifests and
 * config blobs read from the raw registry, and moto's stub CodeSha256 mapped back to the image.
 */
import { DescribeImagesCommand } from '@aws-sdk/client-ecr'
import { GetFunctionCommand } from '@aws-sdk/client-lambda'

import {
  INDEX_MEDIA_TYPES,
  MANIFEST_ACCEPT,
  PORT,
  PUBLIC_HOST,
  REGISTRY_PORT
} from './config.js'
import { ApiError } from './errors.js'
import {
  errMessage,
  errName,
  log,
  parseJson,
  rawRequest,
  sha256Hex,
  type Json
} from './http.js'
import { moto } from './moto.js'

export interface ImageRef {
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

export interface ResolvedImage {
  ref: ImageRef
  digest: string // sha256:...
  mediaType: string
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

export interface ImageConfig {
  /** amd64, arm64, ... */
  architecture: string
  /** the program Lambda starts (argv[0] of ENTRYPOINT + CMD) */
  entrypoint: string
  entrypointArgs: string[]
  cmd: string[]
  workingDir: string
}

export const UNKNOWN_IMAGE_CONFIG: ImageConfig = {
  architecture: 'unknown',
  entrypoint: '/lambda-entrypoint.sh',
  entrypointArgs: [],
  cmd: [],
  workingDir: ''
}

/** An image's config blob from the registry, parsed. */
async function registryConfigBlob(
  repository: string,
  digest: string
): Promise<Json | undefined> {
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
  return parseJson(r.body)
}

/** Architecture (amd64, arm64, ...), entrypoint, cmd and working dir from an image's config blob. */
export async function registryImageConfig(
  repository: string,
  digest: string
): Promise<ImageConfig | undefined> {
  const cfg = (await registryConfigBlob(repository, digest)) as
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
export async function resolveImage(
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
export const stubShaToImage = new Map<string, ResolvedImage>()

export async function imageForStubSha(
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

export function fixCode(code: Json, image: ResolvedImage | undefined): void {
  if (!image) return
  code.ResolvedImageUri = `${image.ref.host}/${image.ref.repository}@${image.digest}`
}
