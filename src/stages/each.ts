import { NotStartedError } from '../util/cancel.js'
import { DeployError, errorMessage } from '../util/errors.js'
import { settleEach } from '../util/settle.js'
import type { TargetState } from '../targets.js'

/** Functions worked on at once; the rest wait for a free slot. */
export const MAX_PARALLEL = 10

/**
 * Run `work` for each target (bounded concurrency); a target whose work
 * throws records its own error. Throws one error naming every failure.
 * After `cancelled` aborts, no target waiting for a slot is started (it
 * records no error of its own: it never ran), and the run's cancel is
 * thrown once the started ones have ended.
 */
export async function forEachTarget(
  cancelled: AbortSignal,
  targets: readonly TargetState[],
  work: (target: TargetState) => Promise<void>
): Promise<void> {
  const results = await settleEach(targets, MAX_PARALLEL, work, cancelled)
  const failures: string[] = []
  let notStarted: NotStartedError | undefined
  results.forEach((result, i) => {
    const target = targets[i]
    if (result.status === 'fulfilled' || target === undefined) return
    if (result.reason instanceof NotStartedError) {
      notStarted ??= result.reason
      return
    }
    target.error = errorMessage(result.reason)
    failures.push(
      targets.length > 1 ? `${target.name}: ${target.error}` : target.error
    )
  })
  if (failures.length === 1) throw new DeployError(failures[0] ?? '')
  if (failures.length > 1)
    throw new DeployError(
      `${failures.length} of ${targets.length} functions failed:\n${failures.map(f => `- ${f}`).join('\n')}`
    )
  if (notStarted !== undefined) throw notStarted
}

/** Run `work` for each item (none started after a cancel); throws one error listing every failure. */
export async function eachOrThrow<T>(
  cancelled: AbortSignal,
  items: readonly T[],
  work: (item: T) => Promise<void>
): Promise<void> {
  const results = await settleEach(items, MAX_PARALLEL, work, cancelled)
  const failed = results.flatMap(r =>
    r.status === 'rejected' ? [errorMessage(r.reason)] : []
  )
  if (failed.length > 0) throw new DeployError(failed.join('\n'))
}
