/**
 * The ECR call only a preview's cleanup makes: its pull request's tags
 * removed (docs/permissions.md grants it to the preview role only).
 */
import { BatchDeleteImageCommand, type ECRClient } from '@aws-sdk/client-ecr'
import type { RepositoryRef } from '../inputs/types.js'
import { awsCall } from './call.js'

/** What BatchDeleteImage did with the tags it was given. */
export interface UntagResult {
  untagged: string[]
  failures: {
    imageTag: string | undefined
    failureCode: string | undefined
    failureReason: string | undefined
  }[]
}

/**
 * Removes the tags, 100 per BatchDeleteImage (its limit). Removing a tag
 * from an image that has other tags removes only the tag; the image goes
 * with its last tag (ECR API reference, BatchDeleteImage).
 */
export async function untagImages(
  ecr: ECRClient,
  ref: RepositoryRef,
  tags: readonly string[]
): Promise<UntagResult> {
  const result: UntagResult = { untagged: [], failures: [] }
  for (let i = 0; i < tags.length; i += 100) {
    const batch = tags.slice(i, i + 100)
    const response = await awsCall('ecr:BatchDeleteImage', () =>
      ecr.send(
        new BatchDeleteImageCommand({
          repositoryName: ref.name,
          ...(ref.registryId !== undefined && { registryId: ref.registryId }),
          imageIds: batch.map(imageTag => ({ imageTag }))
        })
      )
    )
    for (const id of response.imageIds ?? [])
      if (id.imageTag !== undefined) result.untagged.push(id.imageTag)
    for (const failure of response.failures ?? [])
      result.failures.push({
        imageTag: failure.imageId?.imageTag,
        failureCode: failure.failureCode,
        failureReason: failure.failureReason
      })
  }
  return result
}
