/**
 * Images this run needs that ECR has archived (or is still restoring): the
 * image to deploy (image, rollback-to), the image an undo would put back on
 * $LATEST, a build reused by its key tag. An archived image cannot be
 * pulled, so Lambda could deploy neither it nor an undo to it (ECR user
 * guide, archive-image.html). Found at look-up, before any change: refused
 * with the command that restores it, or (restore-archived: true) restored
 * with UpdateImageStorageClass and waited for until it is ACTIVE.
 */
import {
  isImageActive,
  restoreCommand,
  restoreImage,
  type ImageStatus
} from '../aws/ecr-archive.js'
import type { RepositoryRef } from '../inputs/types.js'
import { DeployError } from '../util/errors.js'
import { again, done, poll } from '../util/poll.js'
import { formatDuration } from '../util/time.js'
import type { RunContext } from './context.js'

/** An image the run needs that is not active. */
export interface InactiveImage {
  digest: string
  status: Exclude<ImageStatus, 'ACTIVE'>
  /** What the run needs it for, e.g. "rollback-to v1" or "the undo of fn". */
  neededFor: string
}

/**
 * How long a restore is waited for. AWS does not document how long
 * ACTIVATING lasts; a run that needs longer fails before any change of the
 * function, and the restore goes on: a re-run finds the image active.
 */
export const RESTORE_TIMEOUT_MS = 30 * 60_000
export const RESTORE_POLL_MS = 15_000

export type ArchivedDecision =
  | { do: 'refuse'; message: string }
  | { do: 'restore'; images: InactiveImage[] }
  | { do: 'say-would-restore'; message: string }

function described(image: InactiveImage, ref: RepositoryRef): string {
  return image.status === 'ARCHIVED'
    ? `${image.neededFor}: ${ref.name}@${image.digest} is archived in ECR`
    : `${image.neededFor}: ${ref.name}@${image.digest} is being restored from ECR's archive (ACTIVATING)`
}

/** What to do about the inactive images a run needs (pure). */
export function decideArchived(
  images: readonly InactiveImage[],
  ref: RepositoryRef,
  options: { restoreArchived: boolean; dryRun: boolean }
): ArchivedDecision | undefined {
  if (images.length === 0) return undefined
  if (!options.restoreArchived) {
    const lines = images.map(image =>
      image.status === 'ARCHIVED'
        ? `${described(image, ref)}: it cannot be pulled, so Lambda cannot run it. Restore it with\n  ${restoreCommand(ref, image.digest)}\nwait until its imageStatus is ACTIVE, and run again.`
        : `${described(image, ref)}: it cannot be pulled until it is ACTIVE. Run again once it is.`
    )
    return {
      do: 'refuse',
      message: `${lines.join('\n')}\nNothing was changed. With restore-archived: true this action restores archived images itself and waits until they are active.`
    }
  }
  if (options.dryRun)
    return {
      do: 'say-would-restore',
      message: `Dry run: a real run would restore ${images
        .map(
          image =>
            `${ref.name}@${image.digest} (${image.neededFor}, ${image.status})`
        )
        .join(
          ', '
        )} from ECR's archive (UpdateImageStorageClass to STANDARD) and wait until it is ACTIVE; until then its manifest cannot be read, so it is not checked.`
    }
  return { do: 'restore', images: [...images] }
}

/**
 * Refuse, say, or restore and wait. Called at the end of the look-up, once
 * every other check passed, so that a refused run restores nothing.
 */
export async function settleArchived(
  ctx: RunContext,
  ref: RepositoryRef,
  images: readonly InactiveImage[]
): Promise<void> {
  const decision = decideArchived(images, ref, ctx.inputs)
  if (decision === undefined) return
  if (decision.do === 'refuse') throw new DeployError(decision.message)
  if (decision.do === 'say-would-restore') {
    ctx.log(decision.message)
    return
  }
  const { ecr } = ctx.clients
  for (const image of decision.images) {
    if (image.status === 'ARCHIVED') {
      const status = await restoreImage(ecr, ref, image.digest)
      ctx.log(
        `restore-archived: ${described(image, ref)}; restoring it (UpdateImageStorageClass to STANDARD: ${status}).`
      )
    } else {
      ctx.log(
        `restore-archived: ${described(image, ref)}; waiting until it is ACTIVE.`
      )
    }
  }
  const started = ctx.deps.timing.now()
  for (const image of decision.images) {
    const outcome = await poll(
      async () =>
        (await isImageActive(ecr, ref, image.digest)) ? done(true) : again,
      {
        timeoutMs: Math.max(
          0,
          RESTORE_TIMEOUT_MS - (ctx.deps.timing.now() - started)
        ),
        intervalMs: RESTORE_POLL_MS
      },
      ctx.deps.timing
    )
    if (outcome.kind === 'deadline')
      throw new DeployError(
        `${ref.name}@${image.digest} (${image.neededFor}) was not ACTIVE ${formatDuration(RESTORE_TIMEOUT_MS)} after its restore began; nothing was changed. The restore goes on in ECR: run again once DescribeImages shows it ACTIVE.`
      )
    ctx.log(
      `${ref.name}@${image.digest} is ACTIVE again after ${formatDuration(ctx.deps.timing.now() - started)}.`
    )
  }
}
