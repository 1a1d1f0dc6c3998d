/**
 * The undo after a failure: every function this run changed is put back
 * (all of them, not only the one that failed): the alias to the version it
 * left, and $LATEST to the image it ran — also in alias deploys, so nothing
 * that calls the function unqualified keeps code a check rejected.
 *
 * Every undo is guarded: it puts back only what is still this run's change.
 * If someone else deployed meanwhile, their release is left as it is and
 * the function is reported superseded.
 */
import * as core from '@actions/core'
import { deployImage, waitForUpdate } from '../aws/lambda-update.js'
import { restoreConfiguration } from '../aws/lambda-config.js'
import { configFingerprint } from '../decide/configuration.js'
import { republishPrevious } from '../aws/republish.js'
import { getAlias, pointAlias } from '../aws/versions.js'
import { aliasHolder, latestHolder } from '../decide/ownership.js'
import { releasedAlias } from '../inputs/spec.js'
import {
  changedAlias,
  changedLatest,
  changedPublished,
  needsUndo,
  type Release,
  type TargetState
} from '../targets.js'
import type { RunSpec } from '../inputs/types.js'
import { pendingUndo } from '../post/pending-undo.js'
import { STATE } from '../post/saved-state.js'
import { releaseOf } from '../report/run-facts.js'
import { rollbackOf, shownUndo } from '../report/target-report.js'
import {
  ChangedMeanwhileError,
  DeployError,
  errorMessage
} from '../util/errors.js'
import { settleEach } from '../util/settle.js'
import { formatDuration } from '../util/time.js'
import type { RunContext } from './context.js'
import type { StageInput } from './stage.js'
import { MAX_PARALLEL } from './each.js'

/**
 * How long an undo waits for an update still in progress (a wait-timeout
 * that expired while Lambda was applying the new image) to settle before it
 * restores. Lambda applies an image update in seconds to a few minutes.
 */
export const UNDO_SETTLE_MS = 120_000

/** The alias back to the version it left, if it is still as this run set it. */
async function restoreAlias(
  ctx: RunContext,
  target: TargetState,
  alias: string
): Promise<string> {
  const previous = target.previousVersion
  if (previous === undefined) {
    throw new DeployError(
      `alias ${alias} did not exist before this run, so there is no earlier version to point it back to; it points to version ${target.alias?.version ?? '?'}.`
    )
  }
  const now = await getAlias(ctx.clients.lambda, target.arn, alias)
  const ours = target.alias
  const holder = aliasHolder(
    {
      revisionId: ours?.revisionId,
      routing: { version: ours?.version, weights: ours?.weights ?? {} },
      previousVersion: previous
    },
    now
  )
  if (holder === 'put-back' && now !== undefined) {
    target.alias = now
    return `alias ${alias} points to version ${previous} again`
  }
  if (holder !== 'ours' || now === undefined) {
    throw new ChangedMeanwhileError(
      `someone else changed alias ${alias} meanwhile (it points to version ${now?.version ?? '(deleted)'}); it is left as they set it.`
    )
  }
  target.alias = await pointAlias(
    ctx.clients.lambda,
    target.arn,
    alias,
    { version: previous, description: now.description ?? '' },
    now,
    { log: target.log },
    ctx.deps.timing
  )
  return `alias ${alias} points to version ${previous} again`
}

/**
 * $LATEST back to the image it ran, if it still runs this run's image:
 * first let an update in progress settle, then restore with the revision
 * just read, so a concurrent change makes Lambda refuse instead of being
 * overwritten.
 */
/** How long the undo may wait: shorter for a cancelled run. */
export interface UndoLimits {
  /** For an update in progress to settle before restoring. */
  settleMs: number
  /** For the restore to be applied. */
  waitTimeoutMs: number
  /**
   * The job was cancelled: an undo that does not end within these limits is
   * left to the post step, which the runner still runs, with more time.
   */
  cancelled?: boolean
}

async function restoreLatest(
  ctx: RunContext,
  target: TargetState,
  digest: string,
  limits: UndoLimits
): Promise<string> {
  const previous = target.replaced?.imageUri
  const previousDigest = target.replaced?.imageDigest
  if (previous === undefined || previousDigest === undefined) {
    throw new DeployError(
      'the function ran no image before this deploy, so there is nothing to restore.'
    )
  }
  const settled = await waitForUpdate(
    ctx.clients.lambda,
    target.arn,
    { timeoutMs: limits.settleMs, log: target.log, budget: ctx.budget },
    ctx.deps.timing
  ).catch((error: unknown) => {
    throw new DeployError(
      `Lambda was still applying the update after ${formatDuration(limits.settleMs)} more, so it could not be put back: the untested image ${digest} may go live (${errorMessage(error)}).`
    )
  })
  const now = settled.observed
  target.latest = now
  const holder = latestHolder({ digest, previousDigest }, now.imageDigest)
  if (holder === 'put-back') {
    // The update failed and Lambda kept the old image, or someone put it back.
    return `runs the previous image ${previous}`
  }
  if (holder !== 'ours') {
    throw new ChangedMeanwhileError(
      `someone else deployed ${now.imageUri ?? 'another image'} meanwhile; it is left as it is.`
    )
  }
  target.log(`Restoring the previous image ${previous}.`)
  const result = await deployImage(
    ctx.clients.lambda,
    target.arn,
    previous,
    previousDigest,
    {
      waitTimeoutMs: limits.waitTimeoutMs,
      log: target.log,
      budget: ctx.budget,
      revisionId: now.revisionId
    },
    ctx.deps.timing
  )
  target.latest = result.after
  return `runs the previous image ${previous} again`
}

/** Put one target back: its alias, then $LATEST. Says what it did. */
async function restore(
  ctx: RunContext,
  target: TargetState,
  digest: string,
  limits: UndoLimits
): Promise<string> {
  const done: string[] = []
  const alias = releasedAlias(ctx.inputs.release)
  // An alias someone else moved since is theirs: left alone.
  if (
    alias !== undefined &&
    changedAlias(target) &&
    target.supersededBy === undefined
  )
    done.push(await restoreAlias(ctx, target, alias))
  // The configuration before the code, as the deploy changed them.
  const configuration = target.configuration
  if (configuration !== undefined)
    done.push(
      (alias !== undefined ? '$LATEST ' : '') +
        (await restoreConfiguration(
          ctx.clients.lambda,
          {
            functionArn: target.arn,
            applied: configFingerprint(configuration.applied),
            previous: configFingerprint(configuration.previous),
            restore: configuration.previous
          },
          {
            settleMs: limits.settleMs,
            waitTimeoutMs: limits.waitTimeoutMs,
            log: target.log
          },
          ctx.deps.timing
        ))
    )
  if (changedLatest(target))
    done.push(
      (alias !== undefined || target.published !== undefined
        ? '$LATEST '
        : '') + (await restoreLatest(ctx, target, digest, limits))
    )
  if (changedPublished(target)) {
    const before = target.published?.before
    if (before?.imageUri === undefined || before.imageDigest === undefined)
      throw new DeployError(
        `nothing was published to $LATEST.PUBLISHED before this run, so there is no earlier release to publish again; it runs ${digest}.`
      )
    const result = await republishPrevious(
      ctx.clients.lambda,
      target.arn,
      {
        ourDigest: digest,
        restoreImageUri: before.imageUri,
        restoreDigest: before.imageDigest
      },
      {
        // A cancelled run has only the runner's grace: the post step
        // finishes the wait.
        timeoutMs:
          limits.cancelled === true
            ? limits.waitTimeoutMs
            : ctx.inputs.activationTimeoutMs,
        log: target.log,
        budget: ctx.budget
      },
      ctx.deps.timing
    )
    if (result.kind === 'activating')
      throw new StillActivatingError([...done, result.text].join('; '))
    done.push(result.text)
  }
  return done.join('; ')
}

/**
 * Managed Instances: the undo published the previous image again, and the
 * wait ended before Lambda had activated it.
 */
class StillActivatingError extends DeployError {}

/**
 * Whether a failed run's undo runs: once the look-up found the functions,
 * and never in a dry run, which changed nothing.
 */
export function undoRuns(
  run: StageInput<'targets', never>,
  dryRun: boolean
): boolean {
  return run.targets.length > 0 && !dryRun
}

/**
 * After a failure: undo what this run changed, then fail with what
 * happened (the cause, and what the undo did).
 */
export async function undoStage(
  ctx: RunContext,
  run: StageInput<'targets', 'image'>,
  cause: unknown,
  limits: UndoLimits
): Promise<never> {
  const { inputs } = ctx
  const release: Release = { alias: releasedAlias(inputs.release) }
  const changed = run.targets.filter(needsUndo)
  if (changed.length === 0) throw cause
  if (!inputs.rollbackOnFailure) {
    const commands = changed
      .map(t => shownUndo(t, release, true))
      .filter((c): c is string => c !== undefined)
    throw new DeployError(
      `${errorMessage(cause)}\nrollback-on-failure is false: ${changed.map(t => t.name).join(', ')} keep${changed.length === 1 ? 's' : ''} the new release.` +
        (commands.length > 0
          ? ` To restore by hand: ${commands.join(' ; ')}`
          : '')
    )
  }
  const digest = run.image?.digest ?? ''
  const lines: string[] = []
  let allRestored = true
  await ctx
    .phase('Roll back', async () => {
      const results = await settleEach(changed, MAX_PARALLEL, target =>
        restore(ctx, target, digest, limits)
      )
      results.forEach((result, i) => {
        const target = changed[i] as TargetState
        if (result.status === 'fulfilled') {
          target.undo = 'restored'
          lines.push(`${target.name} ${result.value}.`)
          target.log(`Rolled back: ${result.value}.`)
        } else if (
          result.reason instanceof StillActivatingError &&
          limits.cancelled !== true
        ) {
          allRestored = false
          target.undo = 'activating'
          lines.push(`${target.name}: ${errorMessage(result.reason)}.`)
          core.warning(lines.at(-1) ?? '')
        } else if (result.reason instanceof ChangedMeanwhileError) {
          target.undo = 'superseded'
          target.supersededBy = errorMessage(result.reason)
          lines.push(`${target.name}: not rolled back: ${target.supersededBy}`)
          core.warning(lines.at(-1) ?? '')
        } else if (limits.cancelled === true) {
          allRestored = false
          target.undo = 'left-to-post'
          lines.push(
            `${target.name}: not put back within the cancelled job's grace (${errorMessage(result.reason)}); the post step puts it back (see its log).`
          )
          core.warning(lines.at(-1) ?? '')
        } else {
          allRestored = false
          target.undo = 'failed'
          const command = shownUndo(target, release, true)
          lines.push(
            `ROLLBACK FAILED for ${target.name}: ${errorMessage(result.reason)}` +
              (command !== undefined ? ` Restore it by hand: ${command}` : '')
          )
          core.error(lines.at(-1) ?? '')
        }
      })
      if (!allRestored) throw new DeployError('A rollback failed.')
    })
    .catch(() => undefined)
  const rolledBack = rollbackOf(changed, release).rolledBack
  throw new DeployError(
    `${errorMessage(cause)}\n${rolledBack ? 'Rolled back: ' : ''}${lines.join('\n')}`
  )
}

/**
 * What the post step must still put back, as this run's state says. With
 * rollback-on-failure false the workflow asked to keep a failed release:
 * then nothing is ever left for the post step to put back.
 */
export function saveUndo(
  spec: RunSpec,
  state: StageInput<'targets', 'image'>
): void {
  core.saveState(
    STATE.undo,
    JSON.stringify(
      spec.rollbackOnFailure
        ? pendingUndo(state.targets, releaseOf(spec), state.image, spec.region)
        : []
    )
  )
}
