/**
 * Images as ECR stores them: single-platform manifests of an ASP.NET app on
 * the AWS .NET base image, and OCI indexes with provenance attestations.
 */
import { createHash } from 'node:crypto'
import { imageConfigBlob, sha256Digest } from '../aws.js'
import { lambdaDotnetLayers } from '../layers.js'

export const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json'

/** An image as ECR stores it: a manifest by digest and its blobs. */
export interface StoredImage {
  digest: string
  mediaType: string
  manifest: string
  /** The config blob; undefined for an index. */
  config: string | undefined
  /** What `docker image inspect` reports for a local build of it. */
  platform: string
  /** Gzipped layer blobs, for preflight to read through the registry API. */
  layers?: Buffer[]
  /** For an index: the manifests it lists, stored with it. */
  children?: StoredImage[]
}

export const layerDigest = (layer: Buffer): string =>
  `sha256:${createHash('sha256').update(layer).digest('hex')}`

/**
 * The id docker gives a local build of the image: its config's digest. A real
 * config lists its layers; these fixture configs differ only by CPU, so the
 * manifest digest stands in for the layers.
 */
export const localImageId = (image: StoredImage): string =>
  `sha256:${createHash('sha256')
    .update(image.config ?? '')
    .update(image.digest)
    .digest('hex')}`

/**
 * A single-platform image of an ASP.NET app on the AWS .NET base image, as
 * buildx pushes it; `revision` makes its app layer (and digest) its own,
 * `extension` adds a Lambda extension binary built for that CPU, and
 * `runtimeConfig` is the app's runtimeconfig.json.
 */
export function storedImage(
  architecture: 'amd64' | 'arm64',
  revision: string,
  options: Parameters<typeof lambdaDotnetLayers>[2] = {}
): StoredImage {
  const config = imageConfigBlob(architecture)
  const layers = lambdaDotnetLayers(architecture, revision, options)
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_V2,
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: config.length,
      digest: sha256Digest(config)
    },
    layers: layers.map(layer => ({
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: layer.length,
      digest: layerDigest(layer)
    }))
  })
  return {
    digest: sha256Digest(manifest),
    mediaType: DOCKER_V2,
    manifest,
    config,
    platform: `linux/${architecture}`,
    layers
  }
}

/**
 * An OCI image index of `images`, each followed by a provenance attestation
 * manifest as BuildKit attaches them (platform unknown/unknown, annotated
 * with the image it is for: docs.docker.com/build/metadata/attestations/attestation-storage/),
 * as build-push-action pushes by default and Docker 29 pushes without --platform.
 */
export function imageIndex(images: StoredImage[]): StoredImage {
  const attestations = images.map(image => {
    const config = '{"architecture":"unknown","os":"unknown"}'
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        size: config.length,
        digest: sha256Digest(config)
      },
      layers: [
        {
          mediaType: 'application/vnd.in-toto+json',
          size: 2,
          digest: sha256Digest(`provenance of ${image.digest}`),
          annotations: {
            'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2'
          }
        }
      ]
    })
    return {
      digest: sha256Digest(manifest),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      manifest,
      config,
      platform: 'unknown/unknown'
    }
  })
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: images.flatMap((image, i) => {
      const [os = 'linux', architecture = 'amd64'] = image.platform.split('/')
      const attestation = attestations[i]
      return [
        {
          mediaType: image.mediaType,
          digest: image.digest,
          size: image.manifest.length,
          platform: { architecture, os }
        },
        ...(attestation === undefined
          ? []
          : [
              {
                mediaType: attestation.mediaType,
                digest: attestation.digest,
                size: attestation.manifest.length,
                annotations: {
                  'vnd.docker.reference.digest': image.digest,
                  'vnd.docker.reference.type': 'attestation-manifest'
                },
                platform: { architecture: 'unknown', os: 'unknown' }
              }
            ])
      ]
    })
  })
  return {
    digest: sha256Digest(manifest),
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifest,
    config: undefined,
    platform: images[0]?.platform ?? 'linux/amd64',
    children: [...images, ...attestations]
  }
}
