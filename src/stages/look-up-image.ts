/**
 * The look-up's image in ECR: the digest of the image to deploy when it
 * may already exist (the tag of a build, the image or rollback-to input),
 * whatever its storage class, and the lifecycle rules that can remove it.
 * Nothing changes in AWS here.
 */
import * as core from '@actions/core'
import { findTagDigest, recentTags } from '../aws/ecr.js'
import {
  findImageById,
  findInactiveImage,
  type FoundImage,
  type ImageId
} from '../aws/ecr-archive.js'
import {
  lifecycleWarning,
  rulesThatCanRemove,
  type PolicyRead
} from '../aws/ecr-lifecycle.js'
import { DeployError, errorMessage } from '../util/errors.js'
import type { InactiveImage } from './archived.js'
import type { RunContext } from './context.js'

/**
 * The digest of the image to deploy when it may already exist: the tag
 * (build: reuse it), or the image / rollback-to input (must exist).
 */
export async function findExistingDigest(
  ctx: RunContext
): Promise<
  | { digest: string | undefined; tags?: string[]; inactive?: InactiveImage }
  | undefined
> {
  const { inputs } = ctx
  const { ecr } = ctx.clients
  const source = inputs.source
  if (source.kind === 'build')
    return { digest: await findTagDigest(ecr, inputs.repository, inputs.tag) }
  if (source.kind !== 'existing') return undefined
  const wanted = source.digest ?? source.tag ?? ''
  // An archived image is still this image: found, then restored or refused.
  const { image, unchecked } = await findAnyStatus(
    ctx,
    source.digest !== undefined
      ? { imageDigest: source.digest }
      : { imageTag: wanted }
  )
  if (image !== undefined)
    return {
      digest: image.digest,
      tags: image.tags,
      ...(image.status !== 'ACTIVE' && {
        inactive: {
          digest: image.digest,
          status: image.status,
          neededFor: `${source.input} ${wanted}`
        }
      })
    }
  const recent = await recentTags(ecr, inputs.repository, 10).catch(
    () => undefined
  )
  throw new DeployError(
    `${source.input} ${wanted}: there is no such image in ${inputs.repository.name}` +
      (source.input === 'rollback-to'
        ? ' (an ECR lifecycle policy may have expired it).'
        : '.') +
      (unchecked === undefined
        ? ''
        : ` Whether it is archived could not be checked (${unchecked}).`) +
      (recent === undefined
        ? ''
        : recent.length === 0
          ? ' The repository has no tagged images.'
          : ` The most recent tags still there: ${recent.join(', ')}.`)
  )
}

/**
 * An image by tag or digest, active or not: DescribeImages by id, and only
 * when that finds nothing, the listings of inactive images
 * (aws/ecr-archive.ts says why). A listing that fails leaves the answer
 * open rather than failing the look-up: `unchecked` says why.
 */
export async function findAnyStatus(
  ctx: RunContext,
  id: ImageId
): Promise<{ image: FoundImage | undefined; unchecked?: string }> {
  const { ecr } = ctx.clients
  const ref = ctx.inputs.repository
  const image = await findImageById(ecr, ref, id)
  if (image !== undefined) return { image }
  try {
    return { image: await findInactiveImage(ecr, ref, id) }
  } catch (error) {
    return { image: undefined, unchecked: errorMessage(error) }
  }
}

/**
 * The summary warns when a lifecycle rule can archive or expire the image
 * this run makes live (aws/ecr-lifecycle.ts says what is and is not read).
 */
export function warnLifecycle(
  ctx: RunContext,
  lifecycle: PolicyRead | undefined,
  digest: string | undefined,
  tags: string[] | undefined
): string[] {
  const { inputs } = ctx
  if (lifecycle === undefined || lifecycle.kind === 'none') return []
  if (lifecycle.kind === 'unreadable') {
    core.debug(`The lifecycle policy was not read: ${lifecycle.reason}`)
    return []
  }
  // The tags the live image will carry: this run's tag, or the image's own.
  const live =
    inputs.source.kind === 'build'
      ? [inputs.tag, ...(tags ?? [])]
      : (tags ?? [])
  const image = `${inputs.repository.name}${digest !== undefined ? `@${digest}` : `:${inputs.tag}`}${live.length > 0 ? ` (tags ${[...new Set(live)].join(', ')})` : ' (untagged)'}`
  const warnings = rulesThatCanRemove(lifecycle.text, [...new Set(live)]).map(
    rule => lifecycleWarning(inputs.repository.name, image, rule)
  )
  for (const warning of warnings) core.warning(warning)
  return warnings
}
