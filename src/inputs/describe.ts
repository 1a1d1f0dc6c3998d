/** The run as the inputs ask for it, in one line for the log. Pure. */
import { formatDuration } from '../util/time.js'
import type { Inputs } from './types.js'

/** One line: which functions, which image, which release. */
export function describeRun(inputs: Inputs): string {
  const names =
    inputs.functionNames.length > 1
      ? `Functions ${inputs.functionNames.join(', ')}`
      : `Function ${inputs.functionName}`
  const image =
    inputs.source.kind === 'previous'
      ? `rollback-to previous (alias ${inputs.alias ?? ''})`
      : inputs.source.kind === 'existing'
        ? `${inputs.source.input} ${inputs.source.digest ?? inputs.source.tag ?? ''} (no build)`
        : `tag ${inputs.tag}`
  const release =
    inputs.alias !== undefined
      ? `, alias ${inputs.alias}${inputs.canary !== undefined ? ` (canary ${inputs.canary.percent}% for ${formatDuration(inputs.canary.intervalMs)})` : ''}`
      : inputs.publish
        ? ', publish a version'
        : ''
  const prune =
    inputs.pruneVersions !== undefined
      ? `, prune versions beyond the newest ${inputs.pruneVersions} before publishing`
      : ''
  return `${inputs.dryRun ? 'Dry run (nothing will be changed): ' : ''}${names}, repository ${inputs.repository.name || '—'}, ${image}, region ${inputs.region}${release}${prune}`
}
