/**
 * Removing a pull request's preview when it closes: the Function URL, the
 * function, and the pull request's image tags that nothing else runs
 * (production's $LATEST and its published versions keep theirs).
 */
import {
  BatchDeleteImageCommand,
  ListImagesCommand,
  type ECRClient,
  type ImageIdentifier
} from '@aws-sdk/client-ecr'
import {
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  ListVersionsByFunctionCommand,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import { DeployError, awsErrorName, describeAwsError } from '../util/errors.js'
import type { RepositoryRef } from '../inputs/types.js'
import { findFunction, previewTagProblem } from './create.js'
import { previewTagPrefix } from './naming.js'

export interface CleanupRequest {
  productionName: string
  previewName: string
  pullRequest: number
  repository: RepositoryRef
  /** The digest production runs: its tags are never deleted. */
  productionDigest: string | undefined
  log: (message: string) => void
  /** dry-run: find what would be removed, remove nothing. */
  listOnly?: boolean | undefined
}

/**
 * Who still runs each image: production's $LATEST and every published
 * version of production (an alias points at versions, so this covers the
 * aliases). A version whose image is deleted can no longer be invoked.
 * CodeSha256 of a container image function is the image's digest.
 * undefined: the versions could not be listed, so nothing is known to be
 * unused.
 */
export async function imagesInUse(
  lambda: LambdaClient,
  productionName: string,
  productionDigest: string | undefined
): Promise<Map<string, string> | undefined> {
  const users = new Map<string, string>()
  if (productionDigest !== undefined) {
    users.set(productionDigest, `${productionName} ($LATEST)`)
  }
  let marker: string | undefined
  try {
    do {
      const page = await lambda.send(
        new ListVersionsByFunctionCommand({
          FunctionName: productionName,
          ...(marker !== undefined && { Marker: marker })
        })
      )
      for (const version of page?.Versions ?? []) {
        if (version.Version === '$LATEST' || version.CodeSha256 === undefined)
          continue
        const digest = `sha256:${version.CodeSha256}`
        if (!users.has(digest)) {
          users.set(
            digest,
            `${productionName} version ${version.Version ?? '?'}`
          )
        }
      }
      marker = page?.NextMarker
    } while (marker !== undefined)
  } catch (error) {
    // Production is gone: none of its versions uses anything.
    if (awsErrorName(error) === 'ResourceNotFoundException') return users
    return undefined
  }
  return users
}

export interface CleanupResult {
  removed: string[]
  kept: string[]
}

/** Tags of this PR's images in the repository, with their digests. */
export async function listPreviewImages(
  ecr: ECRClient,
  repository: RepositoryRef,
  pullRequest: number
): Promise<Required<Pick<ImageIdentifier, 'imageTag' | 'imageDigest'>>[]> {
  const prefix = previewTagPrefix(pullRequest)
  const found: { imageTag: string; imageDigest: string }[] = []
  let nextToken: string | undefined
  try {
    do {
      // ECR filters only on tagStatus; the prefix is matched here.
      const page = await ecr.send(
        new ListImagesCommand({
          repositoryName: repository.name,
          filter: { tagStatus: 'TAGGED' },
          ...(repository.registryId !== undefined && {
            registryId: repository.registryId
          }),
          ...(nextToken !== undefined && { nextToken })
        })
      )
      for (const id of page.imageIds ?? []) {
        if (
          id.imageTag?.startsWith(prefix) === true &&
          id.imageDigest !== undefined
        ) {
          found.push({ imageTag: id.imageTag, imageDigest: id.imageDigest })
        }
      }
      nextToken = page.nextToken
    } while (nextToken !== undefined)
  } catch (error) {
    if (awsErrorName(error) === 'RepositoryNotFoundException') return []
    throw new DeployError(describeAwsError('ecr:ListImages', error))
  }
  return found
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
  const images = await listPreviewImages(
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

  const users = await imagesInUse(
    lambda,
    request.productionName,
    request.productionDigest
  )
  const deletable = images.filter(image => {
    if (users === undefined) {
      kept.push(
        `image tag ${image.imageTag} (could not list ${request.productionName}'s versions with lambda:ListVersionsByFunction, so it may still be in use; left to the repository's lifecycle rule)`
      )
      return false
    }
    const user = users.get(image.imageDigest ?? '')
    if (user === undefined) return true
    kept.push(
      `image tag ${image.imageTag} (${image.imageDigest} is what ${user} runs; left to the repository's lifecycle rule)`
    )
    return false
  })
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
