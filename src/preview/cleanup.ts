/**
 * Removing a pull request's preview when it closes: the Function URL, the
 * function, and the pull request's image tags. Production is not read (its
 * configuration and versions carry its environment): deleting a tag of an
 * image that has other tags removes only that tag, and production never
 * runs an image tagged only for a pull request when previews have their own
 * repository (docs/permissions.md).
 */
import * as core from '@actions/core'
import type { ECRClient } from '@aws-sdk/client-ecr'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { DeployError } from '../util/errors.js'
import { listTaggedImages } from '../aws/ecr.js'
import { untagImages } from '../aws/preview-ecr.js'
import { deleteFunction, deleteFunctionUrl } from '../aws/preview-lambda.js'
import { getFunctionUrl } from '../aws/function-url.js'
import type { RepositoryRef } from '../inputs/types.js'
import { findFunction, previewTagProblem } from './create.js'
import { bareFunctionName, previewTagPrefix } from '../inputs/naming.js'
import { previewTarget, type Phase } from './target.js'
import type { Report } from '../report/report.js'
import type { Inputs } from '../inputs/types.js'

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
    const url = (await getFunctionUrl(lambda, request.previewName))?.FunctionUrl
    if (url !== undefined && request.listOnly === true) {
      removed.push(`Function URL ${url}`)
    } else if (url !== undefined) {
      await deleteFunctionUrl(lambda, request.previewName)
      removed.push(`Function URL ${url}`)
      request.log(`Deleted the Function URL ${url}.`)
    }
    if (request.listOnly !== true) {
      await deleteFunction(lambda, request.previewName)
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
  const { untagged, failures } = await untagImages(
    ecr,
    request.repository,
    deletable.map(image => image.imageTag)
  )
  for (const tag of untagged)
    removed.push(`image tag ${request.repository.name}:${tag}`)
  for (const failure of failures) {
    // Gone already (another cleanup run): nothing left to remove.
    if (failure.failureCode === 'ImageNotFound') continue
    kept.push(
      `image tag ${failure.imageTag ?? '?'} (${failure.failureCode ?? 'failed'}: ${failure.failureReason ?? ''})`
    )
  }
  if (images.length === 0) {
    request.log(
      `No ${previewTagPrefix(request.pullRequest)}* image tags in ${request.repository.name}.`
    )
  }
  return { removed, kept }
}

/**
 * The cleanup stage: removes (or, in a dry run, lists) the preview and
 * records what it removed in the report.
 */
export async function runCleanup(
  lambda: LambdaClient,
  ecr: ECRClient,
  inputs: Inputs,
  report: Report,
  phase: Phase,
  options: { remove: boolean } = { remove: true }
): Promise<CleanupResult> {
  const target = previewTarget(inputs)
  const listOnly = !options.remove
  report.previewFunctionName = target.name
  const log = (message: string): void => core.info(message)
  // Production is not read: its configuration carries its environment,
  // which the role of a pull request's cleanup must not see.
  const productionName = bareFunctionName(inputs.functionName)
  report.functionName = productionName
  const result = await phase(
    listOnly
      ? `What removing the preview of pull request #${target.pullRequest} would remove`
      : `Remove the preview of pull request #${target.pullRequest}`,
    () =>
      cleanupPreview(lambda, ecr, {
        productionName,
        previewName: target.name,
        pullRequest: target.pullRequest,
        repository: inputs.repository,
        log,
        listOnly
      })
  )
  if (listOnly) {
    report.wouldChange = result.removed.map(item => ({
      name: target.name,
      code: 'remove',
      publish: false,
      traffic: 'untouched',
      from: undefined,
      to: undefined,
      text: `would remove ${item}`
    }))
    for (const item of result.kept) core.info(`Would keep ${item}.`)
    log(
      result.removed.length === 0
        ? 'Dry run: nothing is left to remove.'
        : `Dry run: a real cleanup would remove:\n${result.removed.map(item => `  - ${item}`).join('\n')}`
    )
    return result
  }
  report.removed = result.removed
  for (const item of result.kept) core.warning(`Kept ${item}.`)
  log(
    result.removed.length === 0
      ? 'Nothing was left to remove.'
      : `Removed:\n${result.removed.map(item => `  - ${item}`).join('\n')}`
  )
  return result
}
