/**
 * One more tag on an image already in ECR, without docker: BatchGetImage its
 * manifest and PutImage it under the new tag, as AWS documents for retagging.
 * No layer moves; ECR accepts a new tag on an existing manifest in an
 * IMMUTABLE repository too (only moving a tag is refused).
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-retag.html
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html
 */
import {
  DescribeImagesCommand,
  PutImageCommand,
  type ECRClient
} from '@aws-sdk/client-ecr'
import type { RepositoryRef } from '../inputs/types.js'
import { absent, awsCall } from './call.js'
import { findTagDigest, type Repository } from './ecr.js'
import { getImageManifest, type ImageManifest } from './ecr-image.js'

export type TagOutcome =
  /** The tag now names the image. */
  | { kind: 'tagged' }
  /** It already did (another run tagged it first): nothing changed. */
  | { kind: 'already' }
  /** The tag names another image, and the repository never moves a tag. */
  | { kind: 'taken'; digest: string | undefined }

/** Put `tag` on the image `digest` of the repository (its manifest, if read already). */
export async function tagImage(
  ecr: ECRClient,
  repository: Repository,
  digest: string,
  tag: string,
  manifest?: ImageManifest
): Promise<TagOutcome> {
  const image = manifest ?? (await getImageManifest(ecr, repository, digest))
  return awsCall<TagOutcome, TagOutcome | Promise<TagOutcome>>(
    'ecr:PutImage',
    async () => {
      await ecr.send(
        new PutImageCommand({
          repositoryName: repository.name,
          registryId: repository.registryId,
          imageManifest: image.manifest,
          imageManifestMediaType: image.mediaType,
          // ECR checks the manifest against it (ImageDigestDoesNotMatchException).
          imageDigest: digest,
          imageTag: tag
        })
      )
      return { kind: 'tagged' }
    },
    {
      // "The specified image has already been pushed, and there were no
      // changes to the manifest or image tag after the last push."
      ImageAlreadyExistsException: () => ({ kind: 'already' }),
      ImageTagAlreadyExistsException: async () => {
        const other = await findTagDigest(
          ecr,
          { name: repository.name, registryId: repository.registryId },
          tag
        )
        return other === digest
          ? { kind: 'already' }
          : { kind: 'taken', digest: other }
      }
    }
  )
}

/** The image a tag names, with all its tags; undefined when the tag is free. */
export async function findTaggedImage(
  ecr: ECRClient,
  ref: RepositoryRef,
  tag: string
): Promise<{ digest: string; tags: string[] } | undefined> {
  const response = await awsCall(
    'ecr:DescribeImages',
    () =>
      ecr.send(
        new DescribeImagesCommand({
          repositoryName: ref.name,
          imageIds: [{ imageTag: tag }],
          ...(ref.registryId !== undefined && { registryId: ref.registryId })
        })
      ),
    { ImageNotFoundException: absent }
  )
  const detail = response?.imageDetails?.[0]
  if (detail?.imageDigest === undefined) return undefined
  return { digest: detail.imageDigest, tags: detail.imageTags ?? [] }
}
