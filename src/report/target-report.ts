/**
 * The part of the report that speaks of each function, derived from its
 * state at the end of the run (src/targets.ts): its outcome, what it served
 * before and serves now, and the commands that undo the deploy by hand.
 */
import {
  changedAlias,
  changedLatest,
  outcomeOf,
  servingOf,
  updatedOf,
  type Image,
  type Release,
  type TargetState
} from '../targets.js'
import type { Report, TargetReport } from './report.js'

/** The command that moves the alias back to the version it left. */
function aliasUndo(t: TargetState, alias: string): string | undefined {
  return t.previousVersion === undefined
    ? undefined
    : `aws lambda update-alias --function-name ${t.arn} --name ${alias} --function-version ${t.previousVersion} --routing-config 'AdditionalVersionWeights={}'`
}

/** The command that puts back the image $LATEST ran before this run. */
function latestUndo(t: TargetState): string | undefined {
  const previous = t.replaced?.imageUri
  return previous === undefined
    ? undefined
    : `aws lambda update-function-code --function-name ${t.arn} --image-uri ${previous}`
}

/** The command that puts back what the deploy replaced, by hand. */
export function undoCommand(
  t: TargetState,
  release: Release
): string | undefined {
  return release.alias !== undefined
    ? aliasUndo(t, release.alias)
    : latestUndo(t)
}

/**
 * The undo commands the summary shows: after a success, for a function the
 * run updated (the alias, for alias deploys); after a failure, for every
 * part this run changed — the alias and $LATEST — restored or not (a
 * restored one shows what the undo did, by hand). Never for what someone
 * else changed meanwhile.
 */
export function shownUndo(
  t: TargetState,
  release: Release,
  runFailed: boolean
): string | undefined {
  if (!runFailed)
    return updatedOf(t) === true ? undoCommand(t, release) : undefined
  if (t.supersededBy !== undefined || t.undo === 'superseded') return undefined
  const commands = [
    release.alias !== undefined && changedAlias(t)
      ? aliasUndo(t, release.alias)
      : undefined,
    changedLatest(t) ? latestUndo(t) : undefined
  ].filter((c): c is string => c !== undefined)
  return commands.length === 0 ? undefined : commands.join('\n')
}

/** What the function served when the run began (or before this run's change). */
function previousImageOf(t: TargetState, release: Release): string | undefined {
  return release.alias !== undefined ? t.aliasImageUri : t.replaced?.imageUri
}

/** The report of one function at the end of the run, derived from its state. */
export function targetReport(
  t: TargetState,
  release: Release,
  image: Image | undefined,
  runFailed: boolean
): TargetReport {
  const serving = servingOf(t, image)
  return {
    functionName: t.name,
    functionArn: t.arn,
    outcome: outcomeOf(t, release, runFailed),
    updated: updatedOf(t),
    previousImageUri: previousImageOf(t, release),
    previousVersion: t.previousVersion,
    version: t.version,
    aliasArn: t.aliasArn,
    preTraffic: t.checks.preTraffic,
    canary: t.checks.canary,
    smoke: t.checks.smoke,
    servingImageUri: serving.imageUri,
    servingVersion: serving.version,
    error: t.error,
    undo: shownUndo(t, release, runFailed),
    diagnostics: t.diagnostics,
    wouldChange: t.planned
  }
}

/**
 * The per-function part of the report, and the run-level fields that speak
 * of the first function (function-arn, previous-image-uri, smoke-url …).
 */
export function reportTargets(
  report: Report,
  targets: readonly TargetState[],
  release: Release,
  image: Image | undefined,
  runFailed: boolean
): void {
  // No function found (or a cleanup): nothing to say about functions.
  if (targets.length === 0) return
  report.targets = targets.map(t => targetReport(t, release, image, runFailed))
  const first = targets[0]
  const firstReport = report.targets[0]
  if (first === undefined || firstReport === undefined) return
  report.functionName = first.name
  report.functionArn = first.latest?.functionArn
  report.previousImageUri = firstReport.previousImageUri
  report.smoke = first.checks.smoke
  report.updated = anyUpdated(targets)
  const planned = targets.flatMap(t =>
    t.planned === undefined ? [] : [t.planned]
  )
  if (planned.length > 0) report.wouldChange = planned
}

/** Whether the run updated any function; undefined when none was decided. */
export function anyUpdated(
  targets: readonly TargetState[]
): boolean | undefined {
  const known = targets
    .map(updatedOf)
    .filter((u): u is boolean => u !== undefined)
  return known.length === 0 ? undefined : known.some(Boolean)
}

/**
 * What the undo of a failed run did, from the functions' undo results: rolled
 * back when every function it changed was put back (or found superseded) and
 * at least one was put back — to the first one's version or image.
 */
export function rollbackOf(
  targets: readonly TargetState[],
  release: Release
): { rolledBack: boolean; rolledBackTo: string | undefined } {
  const first = targets.find(t => t.undo === 'restored')
  const allRestored = !targets.some(
    t => t.undo === 'failed' || t.undo === 'left-to-post'
  )
  // Nothing restored (all superseded) is no rollback.
  if (!allRestored || first === undefined)
    return { rolledBack: false, rolledBackTo: undefined }
  return {
    rolledBack: true,
    rolledBackTo:
      release.alias !== undefined && changedAlias(first)
        ? `version ${first.previousVersion ?? '?'}`
        : first.replaced?.imageUri
  }
}
