/**
 * Lambda Managed Instances in the deploy stage (issue 24,
 * docs/managed-instances.md): a plain release publishes $LATEST to
 * $LATEST.PUBLISHED, which the function's unqualified invokes and Function
 * URL run, and waits for it to be Active; an alias release waits for its
 * numbered version to be Active before any check invokes it.
 * AWS docs: lambda-managed-instances-version-publishing,
 * lambda-managed-instances-deployments, lambda-managed-instances-scaling.
 */
import {
  ActivationFailedError,
  LATEST_PUBLISHED,
  publishToLatestPublished,
  waitForActivation
} from '../aws/managed-instances.js'
import type { Image, TargetState } from '../targets.js'
import { formatDuration } from '../util/time.js'
import type { RunContext } from './context.js'

/** The look-up's line about a Managed Instances function, if it is one. */
export function describeManaged(ctx: RunContext, target: TargetState): void {
  const arn = target.latest?.capacityProviderArn
  if (arn === undefined) return
  const provider = `Lambda Managed Instances function (capacity provider ${arn || 'unnamed'})`
  if (target.published === undefined) {
    target.log(
      `${target.name} is a ${provider}: the alias release publishes a numbered version and waits until it is Active before any check (up to ${formatDuration(ctx.inputs.activationTimeoutMs)}).`
    )
    return
  }
  const before = target.published.before
  target.log(
    `${target.name} is a ${provider}: callers get ${LATEST_PUBLISHED}, ` +
      (before === undefined
        ? 'which has never been published (unqualified invokes fail with NoPublishedVersionException until it is)'
        : `which runs ${before.imageUri ?? 'an unknown image'} (State ${before.state ?? '?'})`) +
      `; this run publishes $LATEST to it and waits until it is Active (up to ${formatDuration(ctx.inputs.activationTimeoutMs)}).`
  )
}

/**
 * Publish $LATEST (which runs `image`) to $LATEST.PUBLISHED and wait until
 * it is Active. PublishVersion with PublishTo LATEST_PUBLISHED after the
 * update, rather than UpdateFunctionCode's own PublishTo: the update is
 * verified first (checkDeployedDigest) while callers still get the previous
 * image, and PublishVersion's CodeSha256 makes Lambda refuse the publish if
 * someone else changed $LATEST in between (API reference, PublishVersion:
 * CodeSha256 "Only publish a version if the hash value matches").
 *
 * If the run dies right after the PublishVersion: Lambda activates the
 * image and moves traffic to it. The undo record (target.published, change
 * 'publishing') is saved before the call, so the post step re-publishes the
 * previous image if this one is still there.
 */
export async function publishManaged(
  ctx: RunContext,
  target: TargetState,
  image: Image
): Promise<void> {
  const published = target.published
  if (published === undefined) throw new Error('not a published release')
  const { lambda } = ctx.clients
  const log = target.log
  published.change = 'publishing'
  ctx.changed()
  const started = ctx.deps.timing.now()
  try {
    await publishToLatestPublished(
      lambda,
      target.arn,
      image.digest,
      `aspnet-lambda-deploy ${ctx.inputs.tag === '' ? image.digest : ctx.inputs.tag}`.slice(
        0,
        256
      ),
      { log },
      ctx.deps.timing
    )
  } catch (error) {
    // Refused: callers get what they had.
    published.change = 'none'
    ctx.changed()
    throw error
  }
  published.change = 'activating'
  ctx.changed()
  log(
    `Published ${image.digest} to ${LATEST_PUBLISHED}; waiting until it is Active (callers keep ${published.before?.imageUri ?? 'nothing'} until then).`
  )
  try {
    const active = await waitForActivation(
      lambda,
      target.arn,
      LATEST_PUBLISHED,
      { timeoutMs: ctx.inputs.activationTimeoutMs, log, budget: ctx.budget },
      ctx.deps.timing
    )
    log(
      `${LATEST_PUBLISHED} is Active after ${formatDuration(ctx.deps.timing.now() - started)} (${active.polls} polls): callers get ${image.uri}.`
    )
  } catch (error) {
    if (error instanceof ActivationFailedError) {
      published.change = 'failed'
      ctx.changed()
    }
    throw error
  }
  published.change = 'active'
  ctx.changed()
}

/**
 * An alias release of a Managed Instances function: the numbered version
 * just published is Pending until Lambda has started its execution
 * environments; a check invoking it before would fail.
 */
export async function waitForVersionActive(
  ctx: RunContext,
  target: TargetState,
  version: string
): Promise<void> {
  const started = ctx.deps.timing.now()
  const active = await waitForActivation(
    ctx.clients.lambda,
    target.arn,
    version,
    {
      timeoutMs: ctx.inputs.activationTimeoutMs,
      log: target.log,
      budget: ctx.budget
    },
    ctx.deps.timing
  )
  target.log(
    `Version ${version} is Active after ${formatDuration(ctx.deps.timing.now() - started)} (${active.polls} polls).`
  )
}

/**
 * The versions prune-versions never deletes for `target`: what its alias
 * serves (with its canary) and the version an undo would move it back to.
 */
export function servedVersions(target: TargetState): Set<string> {
  return new Set(
    [
      target.alias?.version,
      ...Object.keys(target.alias?.weights ?? {}),
      target.previousVersion,
      target.version
    ].filter((v): v is string => v !== undefined)
  )
}
