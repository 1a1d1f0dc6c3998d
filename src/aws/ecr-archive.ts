/**
 * Images in ECR's archive storage class. An archived image "cannot be
 * pulled. Requests to pull the archived image will fail with a 404 error";
 * it can still be described and listed with status ARCHIVED, and restored
 * (ECR user guide, "Archiving an image", archive-image.html). DescribeImages
 * and ListImages return only ACTIVE images unless their filter's
 * `imageStatus` asks for ARCHIVED, ACTIVATING or ANY (API reference,
 * DescribeImagesFilter, ListImagesFilter). UpdateImageStorageClass with
 * targetStorageClass STANDARD restores one; its status is ACTIVATING until
 * it is ACTIVE (API reference, UpdateImageStorageClass). Lambda marks a
 * function Failed when it cannot pull its image, so an archived image must
 * be found, and restored or refused, before anything changes.
 */
import {
  DescribeImagesCommand,
  paginateDescribeImages,
  UpdateImageStorageClassCommand,
  type ECRClient,
  type ImageDetail
} from '@aws-sdk/client-ecr'
import type { RepositoryRef } from '../inputs/types.js'
import { absent, awsCall, awsPages } from './call.js'

export type ImageStatus = 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING'

/** An image of the repository by tag or digest, whatever its status. */
export interface FoundImage {
  digest: string
  tags: string[]
  status: ImageStatus
}

export type ImageId = { imageTag: string } | { imageDigest: string }

/** Pages of 1,000 read per status when looking for an inactive image. */
export const INACTIVE_PAGES = 5

function statusOf(detail: ImageDetail): ImageStatus {
  const status = detail.imageStatus
  return status === 'ARCHIVED' || status === 'ACTIVATING' ? status : 'ACTIVE'
}

function matches(detail: ImageDetail, id: ImageId): boolean {
  return 'imageTag' in id
    ? (detail.imageTags ?? []).includes(id.imageTag)
    : detail.imageDigest === id.imageDigest
}

function found(detail: ImageDetail): FoundImage | undefined {
  if (detail.imageDigest === undefined) return undefined
  return {
    digest: detail.imageDigest,
    tags: detail.imageTags ?? [],
    status: statusOf(detail)
  }
}

/**
 * The image a tag or digest names, active or not; undefined when the
 * repository has no such image (or no such repository: its own check says so).
 *
 * First the usual DescribeImages by id, which finds an active image in one
 * call (and reads imageStatus, should ECR return an archived one there too).
 * Only when that finds nothing: DescribeImages listings filtered on
 * imageStatus ARCHIVED, then ACTIVATING. The filter is documented for
 * listings; the API reference does not say whether it applies when imageIds
 * are given, so the look-up does not rely on that. The listings are bounded
 * (INACTIVE_PAGES of 1,000 each): a repository with more archived images than
 * that may not be searched to the end, and then the image counts as missing.
 */
export async function findImageAnyStatus(
  ecr: ECRClient,
  ref: RepositoryRef,
  id: ImageId
): Promise<FoundImage | undefined> {
  return (await findImageById(ecr, ref, id)) ?? findInactiveImage(ecr, ref, id)
}

/** DescribeImages by tag or digest: the image when ECR returns it (by default, only an ACTIVE one). */
export async function findImageById(
  ecr: ECRClient,
  ref: RepositoryRef,
  id: ImageId
): Promise<FoundImage | undefined> {
  const response = await awsCall(
    'ecr:DescribeImages',
    () =>
      ecr.send(
        new DescribeImagesCommand({
          repositoryName: ref.name,
          imageIds: [id],
          ...(ref.registryId !== undefined && { registryId: ref.registryId })
        })
      ),
    {
      // The repository check reports a missing repository with the fix.
      RepositoryNotFoundException: absent,
      ImageNotFoundException: absent
    }
  )
  const detail = response?.imageDetails?.[0]
  return detail === undefined ? undefined : found(detail)
}

/** An ARCHIVED or ACTIVATING image by tag or digest, from the filtered listings. */
export async function findInactiveImage(
  ecr: ECRClient,
  ref: RepositoryRef,
  id: ImageId
): Promise<FoundImage | undefined> {
  for (const imageStatus of ['ARCHIVED', 'ACTIVATING'] as const) {
    let pages = 0
    let noRepository = false
    const listing = awsPages(
      'ecr:DescribeImages',
      paginateDescribeImages(
        { client: ecr, pageSize: 1000 },
        {
          repositoryName: ref.name,
          filter: { imageStatus },
          ...(ref.registryId !== undefined && { registryId: ref.registryId })
        }
      ),
      // The repository check reports a missing repository with the fix.
      {
        RepositoryNotFoundException: () => {
          noRepository = true
          return 'end'
        }
      }
    )
    for await (const page of listing) {
      const detail = (page.imageDetails ?? []).find(d => matches(d, id))
      if (detail !== undefined) {
        const image = found(detail)
        // A listing filtered on a status returns images of that status.
        if (image !== undefined)
          return {
            ...image,
            status:
              detail.imageStatus === undefined ? imageStatus : image.status
          }
      }
      if (++pages >= INACTIVE_PAGES) break
    }
    if (noRepository) return undefined
  }
  return undefined
}

/** Whether DescribeImages, which by default returns only ACTIVE images, has it active. */
export async function isImageActive(
  ecr: ECRClient,
  ref: RepositoryRef,
  digest: string
): Promise<boolean> {
  const image = await findImageById(ecr, ref, { imageDigest: digest })
  return image?.status === 'ACTIVE'
}

/**
 * UpdateImageStorageClass to STANDARD: the archived image starts to come
 * back (ACTIVATING). If the run dies right after, the restore goes on by
 * itself and nothing needs undoing: the image only becomes pullable again
 * (and is billed as standard storage).
 */
export async function restoreImage(
  ecr: ECRClient,
  ref: RepositoryRef,
  digest: string
): Promise<ImageStatus> {
  const response = await awsCall('ecr:UpdateImageStorageClass', () =>
    ecr.send(
      new UpdateImageStorageClassCommand({
        repositoryName: ref.name,
        imageId: { imageDigest: digest },
        targetStorageClass: 'STANDARD',
        ...(ref.registryId !== undefined && { registryId: ref.registryId })
      })
    )
  )
  const status = response.imageStatus
  return status === 'ARCHIVED' || status === 'ACTIVE' ? status : 'ACTIVATING'
}

/** The AWS CLI command that restores the image (what restoreImage calls). */
export function restoreCommand(ref: RepositoryRef, digest: string): string {
  return [
    'aws ecr update-image-storage-class',
    ...(ref.registryId !== undefined
      ? [`--registry-id ${ref.registryId}`]
      : []),
    `--repository-name ${ref.name}`,
    `--image-id imageDigest=${digest}`,
    '--target-storage-class STANDARD'
  ].join(' ')
}
