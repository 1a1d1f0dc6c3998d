/**
 * Removing a pull request's preview when it closes: the Function URL, the
 * function, and the pull request's image tags. Production is not read (its
 * configuration and versions carry its environment): deleting a tag of an
 * image that has other tags removes only that tag, and production never
 * runs an image tagged only for a pull request when previews have their own
 * repository (docs/permissions.md).
 */
import {
  BatchDeleteImageCommand,
  type ECRClient,
  type ImageIdentifier
} from '@aws-sdk/client-ecr'
import {
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import { DeployError, awsErrorName, describeAwsError } from '../util/errors.js'
import { listTaggedImages } from '../aws/ecr.js'
import type { RepositoryRef } from '../inputs/types.js'
import { findFunction, previewTagProblem } from './create.js'
import { previewTagPrefix } from '../inputs/naming.js'

export interface CleanupRequest {
  productionName: string
  previewName: string
  pullRequest: number
  repository: RepositoryRef
  log: (message: string) => void
  /** dry-run: find what would be removed, remove nothing. */
  listOnly?: boolean | undefined
}

export interface CleanupResult {
  removed: string[]
  kept: string[]
}

/**
 * This PR's image tags in the repository, with their digests, and the digests
 * among them that also carry a tag not of this PR (one listing).
 */
export async function listPreviewImages(
  ecr: ECRClient,
  repository: RepositoryRef,
  pullRequest: number
): Promise<{
  images: { imageTag: string; imageDigest: string }[]
  shared: Set<string>
}> {
  const prefix = previewTagPrefix(pullRequest)
  // ECR filters only on tagStatus; the prefix is matched here.
  const all = await listTaggedImages(ecr, repository)
  const images = all.filter(id => id.imageTag.startsWith(prefix))
  const ours = new Set(images.map(id => id.imageDigest))
  const shared = new Set(
    all
      .filter(id => ours.has(id.imageDigest) && !id.imageTag.startsWith(prefix))
      .map(id => id.imageDigest)
  )
  return { images, shared }
}

/**
 * Remove a pull request's preview: its Function URL, the function and the
 * pr-<n>- image tags. Refuses, before deleting anything, a function that is
 * not tagged as this PR's preview of this production function.
 */
export async function cleanupPreview(
  lambda: LambdaClient,
  ecr: ECRClient,
  request: CleanupRequest
): Promise<CleanupResult> {
  const removed: string[] = []
  const kept: string[] = []
  const fn = await findFunction(lambda, request.previewName)
  if (fn !== undefined) {
    const problem = previewTagProblem(
      request.previewName,
      fn.tags,
      request.productionName,
      request.pullRequest
    )
    if (problem !== undefined) throw new DeployError(problem)
  }
  const { images, shared: sharedDigests } = await listPreviewImages(
    ecr,
    request.repository,
    request.pullRequest
  )

  if (fn !== undefined) {
    let url: string | undefined
    try {
      url = (
        await lambda.send(
          new GetFunctionUrlConfigCommand({ FunctionName: request.previewName })
        )
      ).FunctionUrl
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') {
        throw new DeployError(
          describeAwsError('lambda:GetFunctionUrlConfig', error)
        )
      }
    }
    if (url !== undefined && request.listOnly === true) {
      removed.push(`Function URL ${url}`)
    } else if (url !== undefined) {
      try {
        await lambda.send(
          new DeleteFunctionUrlConfigCommand({
            FunctionName: request.previewName
          })
        )
      } catch (error) {
        if (awsErrorName(error) !== 'ResourceNotFoundException') {
          throw new DeployError(
            describeAwsError('lambda:DeleteFunctionUrlConfig', error)
          )
        }
      }
      removed.push(`Function URL ${url}`)
      request.log(`Deleted the Function URL ${url}.`)
    }
    if (request.listOnly !== true) {
      try {
        await lambda.send(
          new DeleteFunctionCommand({ FunctionName: request.previewName })
        )
      } catch (error) {
        if (awsErrorName(error) !== 'ResourceNotFoundException') {
          throw new DeployError(
            describeAwsError('lambda:DeleteFunction', error)
          )
        }
      }
      request.log(`Deleted the function ${fn.functionArn}.`)
    }
    removed.push(`function ${fn.functionArn}`)
  } else {
    request.log(`There is no function ${request.previewName}.`)
  }

  // ECR BatchDeleteImage: removing a tag from an image that has other tags
  // removes only the tag; the image goes with its last tag (ECR API
  // reference, BatchDeleteImage). An image this pull request shares with
  // another tag therefore stays.
  const deletable = images
  for (const image of images) {
    if (sharedDigests.has(image.imageDigest))
      request.log(
        `${image.imageDigest} has other tags besides ${image.imageTag}: only the tag is removed.`
      )
  }
  if (request.listOnly === true) {
    for (const image of deletable)
      removed.push(`image tag ${request.repository.name}:${image.imageTag}`)
    return { removed, kept }
  }
  for (let i = 0; i < deletable.length; i += 100) {
    const batch = deletable.slice(i, i + 100)
    let response: BatchDeleteImageCommandOutputLike
    try {
      response = await ecr.send(
        new BatchDeleteImageCommand({
          repositoryName: request.repository.name,
          ...(request.repository.registryId !== undefined && {
            registryId: request.repository.registryId
          }),
          imageIds: batch.map(image => ({ imageTag: image.imageTag }))
        })
      )
    } catch (error) {
      throw new DeployError(describeAwsError('ecr:BatchDeleteImage', error))
    }
    for (const id of response.imageIds ?? []) {
      if (id.imageTag !== undefined) {
        removed.push(`image tag ${request.repository.name}:${id.imageTag}`)
      }
    }
    for (const failure of response.failures ?? []) {
      // Gone already (another cleanup run): nothing left to remove.
      if (failure.failureCode === 'ImageNotFound') continue
      kept.push(
        `image tag ${failure.imageId?.imageTag ?? '?'} (${failure.failureCode ?? 'failed'}: ${failure.failureReason ?? ''})`
      )
    }
  }
  if (images.length === 0) {
    request.log(
      `No ${previewTagPrefix(request.pullRequest)}* image tags in ${request.repository.name}.`
    )
  }
  return { removed, kept }
}

interface BatchDeleteImageCommandOutputLike {
  imageIds?: ImageIdentifier[] | undefined
  failures?:
    | {
        imageId?: ImageIdentifier | undefined
        failureCode?: string | undefined
        failureReason?: string | undefined
      }[]
    | undefined
}
