/**
 * Manifest media types, and image indexes (OCI index, Docker manifest
 * list): their entries, and the one image in them a function of a given CPU
 * can run (pure).
 */
import { DeployError } from '../util/errors.js'
import { ociArchitecture } from '../build/platform.js'
import type { Architecture } from '../inputs/types.js'

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList:
    'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json'
} as const

export function isImageIndex(mediaType: string): boolean {
  return (
    mediaType === MEDIA_TYPES.ociIndex ||
    mediaType === MEDIA_TYPES.dockerManifestList
  )
}

/** One entry of an image index, as far as choosing an image needs it. */
export interface IndexEntry {
  digest: string
  mediaType: string
  /** `os/architecture[/variant]`, or `unknown/unknown` for an attestation. */
  platform: string
  /** A BuildKit attestation manifest (provenance, SBOM), not an image. */
  attestation: boolean
}

/** The entries of an OCI index or Docker manifest list. */
export function indexEntries(manifest: string): IndexEntry[] {
  let parsed: { manifests?: unknown }
  try {
    parsed = JSON.parse(manifest) as typeof parsed
  } catch {
    throw new DeployError('The image index is not valid JSON.')
  }
  if (!Array.isArray(parsed.manifests))
    throw new DeployError('The image index lists no manifests.')
  return (parsed.manifests as unknown[]).flatMap(entry => {
    if (typeof entry !== 'object' || entry === null) return []
    const e = entry as {
      digest?: unknown
      mediaType?: unknown
      platform?: { os?: unknown; architecture?: unknown; variant?: unknown }
      annotations?: Record<string, unknown>
    }
    if (typeof e.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(e.digest))
      return []
    const part = (v: unknown): string =>
      typeof v === 'string' && v !== '' ? v : 'unknown'
    const platform = [
      part(e.platform?.os),
      part(e.platform?.architecture),
      ...(typeof e.platform?.variant === 'string' && e.platform.variant !== ''
        ? [e.platform.variant]
        : [])
    ].join('/')
    return [
      {
        digest: e.digest,
        mediaType: typeof e.mediaType === 'string' ? e.mediaType : '',
        platform,
        // BuildKit marks them so (docs.docker.com/build/metadata/attestations/attestation-storage/).
        attestation:
          e.annotations?.['vnd.docker.reference.type'] ===
            'attestation-manifest' || platform === 'unknown/unknown'
      }
    ]
  })
}

/**
 * The image of an index that Lambda can run on the function: the one image
 * manifest for linux/<its CPU> (any variant: arm64 images say v8 or nothing),
 * attestation manifests aside. None, or more than one, is refused with what
 * the index holds. Lambda itself refuses indexes (aws/aws-lambda-roadmap#82),
 * so the run deploys that image manifest by its own digest.
 */
export function imageInIndex(
  ref: string,
  entries: readonly IndexEntry[],
  architecture: Architecture
): IndexEntry {
  const wanted = `linux/${ociArchitecture(architecture)}`
  const images = entries.filter(e => !e.attestation)
  const matching = images.filter(
    e => e.platform === wanted || e.platform.startsWith(`${wanted}/`)
  )
  const [only, ...more] = matching
  if (only !== undefined && more.length === 0) return only
  const held =
    images.length === 0
      ? 'no image at all'
      : images.map(e => `${e.platform} (${e.digest})`).join(', ')
  if (only === undefined) {
    throw new DeployError(
      `${ref} is an image index with no image for ${wanted}, the platform of the function's ${architecture}: it holds ${held}. ` +
        `Push an image built for ${wanted} (or name one by its digest).`
    )
  }
  throw new DeployError(
    `${ref} is an image index with ${matching.length} images for ${wanted}: ${held}. ` +
      'Name the one to deploy by its digest (image: repository@sha256:…).'
  )
}
