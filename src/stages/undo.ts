/**
 * The undo after a failure: every function whose serving this run changed
 * is put back (all of them, not only the one that failed): the alias to the
 * version it left, $LATEST to the image it ran.
 */
import * as core from '@actions/core'
import { deployImage } from '../aws/lambda.js'
import { pointAlias } from '../aws/versions.js'
import {
  changedServing,
  undoCommand,
  type Release,
  type TargetState
} from '../targets.js'
import { DeployError, errorMessage } from '../util/errors.js'
import { settleEach } from '../util/settle.js'
import type { RunContext, RunState } from './context.js'
import { MAX_PARALLEL } from './each.js'

/** Put one target back; says what it serves again. */
async function restore(ctx: RunContext, target: TargetState): Promise<string> {
  const { inputs, deps } = ctx
  const alias = inputs.alias
  if (alias !== undefined && target.traffic !== 'untouched') {
    const previous = target.previousVersion
    if (previous === undefined) {
      throw new DeployError(
        `alias ${alias} did not exist before this run, so there is no earlier version to point it back to; it points to version ${target.alias?.version ?? '?'}.`
      )
    }
    target.alias = await pointAlias(
      ctx.clients.lambda,
      target.arn,
      alias,
      {
        version: previous,
        description: target.alias?.description ?? ''
      },
      target.alias,
      { log: target.log },
      deps.timing
    )
    return `alias ${alias} points to version ${previous} again`
  }
  const previous = target.replaced?.imageUri
  const previousDigest = target.replaced?.imageDigest
  if (previous === undefined || previousDigest === undefined) {
    throw new DeployError(
      'the function ran no image before this deploy, so there is nothing to restore.'
    )
  }
  target.log(`Restoring the previous image ${previous}.`)
  const result = await deployImage(
    ctx.clients.lambda,
    target.arn,
    previous,
    previousDigest,
    {
      waitTimeoutMs: inputs.waitTimeoutMs,
      log: target.log,
      budget: ctx.budget
    },
    deps.timing
  )
  target.latest = result.after
  return `runs the previous image ${previous} again`
}

/**
 * After a failure: undo what this run changed, then fail with what
 * happened (the cause, and what the undo did).
 */
export async function undoStage(
  ctx: RunContext,
  run: RunState,
  cause: unknown
): Promise<never> {
  const { inputs, report } = ctx
  const release: Release = { alias: inputs.alias }
  const changed = run.targets.filter(t => changedServing(t, release))
  if (changed.length === 0) {
    report.rolledBack = false
    throw cause
  }
  if (!inputs.rollbackOnFailure) {
    report.rolledBack = false
    const commands = changed
      .map(t => undoCommand(t, release))
      .filter((c): c is string => c !== undefined)
    throw new DeployError(
      `${errorMessage(cause)}\nrollback-on-failure is false: ${changed.map(t => t.name).join(', ')} keep${changed.length === 1 ? 's' : ''} the new release.` +
        (commands.length > 0
          ? ` To restore by hand: ${commands.join(' ; ')}`
          : '')
    )
  }
  const lines: string[] = []
  let allRestored = true
  await ctx
    .phase('Roll back', async () => {
      const results = await settleEach(changed, MAX_PARALLEL, target =>
        restore(ctx, target)
      )
      results.forEach((result, i) => {
        const target = changed[i] as TargetState
        if (result.status === 'fulfilled') {
          target.undo = 'restored'
          lines.push(`${target.name} ${result.value}.`)
          target.log(`Rolled back: ${result.value}.`)
        } else {
          allRestored = false
          target.undo = 'failed'
          const command = undoCommand(target, release)
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
  report.rolledBack = allRestored
  const first = changed[0]
  if (allRestored && first !== undefined)
    report.rolledBackTo =
      inputs.alias !== undefined
        ? `version ${first.previousVersion ?? '?'}`
        : first.replaced?.imageUri
  throw new DeployError(
    `${errorMessage(cause)}\n${allRestored ? 'Rolled back: ' : ''}${lines.join('\n')}`
  )
}
