import { DeployError, errorMessage } from '../util/errors.js'
import { settleEach } from '../util/settle.js'
import type { TargetState } from '../targets.js'

/** Functions worked on at once; the rest wait for a free slot. */
export const MAX_PARALLEL = 10

/**
 * Run `work` for each target (bounded concurrency); a target whose work
 * throws records its own error. Throws one error naming every failure.
 */
export async function forEachTarget(
  targets: readonly TargetState[],
  work: (target: TargetState) => Promise<void>
): Promise<void> {
  const results = await settleEach(targets, MAX_PARALLEL, work)
  const failures: string[] = []
  results.forEach((result, i) => {
    const target = targets[i]
    if (result.status === 'fulfilled' || target === undefined) return
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
}

/** Run `work` for each item; throws one error listing every failure. */
export async function eachOrThrow<T>(
  items: readonly T[],
  work: (item: T) => Promise<void>
): Promise<void> {
  const results = await settleEach(items, MAX_PARALLEL, work)
  const failed = results.flatMap(r =>
    r.status === 'rejected' ? [errorMessage(r.reason)] : []
  )
  if (failed.length > 0) throw new DeployError(failed.join('\n'))
}
