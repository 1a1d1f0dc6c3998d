/**
 * The undo records the main step hands to the post step: what this run
 * changed and has not put back, derived from each function's state
 * (src/targets.ts). The post step (post/undo.ts) puts them back if the run
 * is killed before its own undo ends.
 */
import { configFingerprint } from '../decide/configuration.js'
import {
  changedAlias,
  changedLatest,
  changedPublished,
  needsUndo,
  type Image,
  type Release,
  type TargetState
} from '../targets.js'
import type { UndoRecord } from './saved-state.js'

/**
 * What this run changed and has not put back (or seen taken over): what the
 * post step must put back if the run is killed before its own undo ends.
 */
export function pendingUndo(
  targets: readonly TargetState[],
  release: Release,
  image: Image | undefined,
  region: string
): UndoRecord[] {
  return targets.flatMap(t => {
    if (!needsUndo(t) || t.undo === 'restored' || t.undo === 'superseded')
      return []
    const records: UndoRecord[] = []
    if (
      release.alias !== undefined &&
      changedAlias(t) &&
      t.supersededBy === undefined &&
      t.previousVersion !== undefined &&
      t.version !== undefined
    )
      records.push({
        kind: 'alias',
        region,
        functionArn: t.arn,
        alias: release.alias,
        ourVersion: t.version,
        previousVersion: t.previousVersion,
        ...(t.alias?.revisionId !== undefined && {
          revisionId: t.alias.revisionId
        })
      })
    // Before the code's record: the post step puts the configuration back
    // first, as the deploy changed it first.
    if (t.configuration !== undefined)
      records.push({
        kind: 'configuration',
        region,
        functionArn: t.arn,
        applied: configFingerprint(t.configuration.applied),
        previous: configFingerprint(t.configuration.previous),
        restore: t.configuration.previous
      })
    const previous = t.replaced
    if (
      changedLatest(t) &&
      image !== undefined &&
      previous?.imageUri !== undefined &&
      previous.imageDigest !== undefined
    )
      records.push({
        kind: 'latest',
        region,
        functionArn: t.arn,
        ourDigest: image.digest,
        restoreImageUri: previous.imageUri,
        restoreDigest: previous.imageDigest
      })
    const before = t.published?.before
    if (
      changedPublished(t) &&
      image !== undefined &&
      before?.imageUri !== undefined &&
      before.imageDigest !== undefined
    )
      records.push({
        kind: 'published',
        region,
        functionArn: t.arn,
        ourDigest: image.digest,
        restoreImageUri: before.imageUri,
        restoreDigest: before.imageDigest
      })
    return records
  })
}
