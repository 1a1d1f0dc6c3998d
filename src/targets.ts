/**
 * One state per function of the run, and everything derived from it.
 *
 * Stages write what they found or did into a function's `TargetState` (what
 * $LATEST and the alias served when the run began, what this run changed,
 * which checks passed, what the undo did). The per-function outcome, what it
 * serves at the end, whether the run updated it, and the command that undoes
 * the deploy are pure functions of that state: nothing else records them.
 */
import type { FunctionState, Log } from './aws/lambda.js'
import type { AliasState } from './aws/versions.js'
import type { ConfigDiff, ConfigSnapshot } from './decide/configuration.js'
import type {
  CanarySignalSummary,
  CheckSummary,
  SmokeSummary,
  TargetOutcome,
  TargetReport
} from './report/report.js'
import type { WouldChange } from './report/would-change.js'

/** The image being deployed, checked. */
export interface Image {
  digest: string
  uri: string
  manifest: string
  configText: string
}

/**
 * What the deploy stage found or did to $LATEST:
 * pending: not reached; up-to-date: it already ran the image;
 * alias-up-to-date: the alias already serves the image (nothing to do at
 * all); created: a new preview function runs it; updating: this run's
 * UpdateFunctionCode is sent and its answer not yet known (a run killed
 * then leaves a guarded undo: the update may have been accepted); updated: this run's
 * UpdateFunctionCode was accepted (it counts as changed from then on, even
 * while Lambda is still applying it); refused: Lambda could not apply the
 * update and kept the previous image; superseded:
 * this run updated $LATEST, then someone else put other code there.
 */
export type CodeChange =
  | 'pending'
  | 'up-to-date'
  | 'alias-up-to-date'
  | 'created'
  | 'updating'
  | 'updated'
  | 'refused'
  | 'superseded'

/** What this run did to the alias's traffic: a canary share, or all of it. */
export type TrafficChange = 'untouched' | 'canary' | 'moved'

/**
 * The undo after a failure: not needed or not tried; done (and the known
 * good release verified); it failed; someone else's deploy serves now,
 * which an undo never overwrites; or the job was cancelled and the undo did
 * not end within the runner's grace, so the post step finishes it.
 */
export type UndoResult =
  'none' | 'restored' | 'failed' | 'superseded' | 'left-to-post' | 'activating'

/**
 * Lambda Managed Instances, plain deploys: callers get $LATEST.PUBLISHED,
 * which only a publish changes (lambda-managed-instances-version-publishing).
 * none: not published; publishing: PublishVersion sent, its answer not known
 * (it may have been accepted: the undo is guarded); activating: accepted,
 * Lambda activates it and moves traffic to it once Active, whether or not
 * the run is still there; active: callers get it; failed: it never became
 * Active, callers kept what they had.
 */
export type PublishChange =
  'none' | 'publishing' | 'activating' | 'active' | 'failed'

/** What callers of a Managed Instances function got, and this run's publish. */
export interface PublishedRelease {
  /** $LATEST.PUBLISHED when the run began; undefined: nothing published yet. */
  before:
    | {
        imageUri: string | undefined
        imageDigest: string | undefined
        state: string | undefined
      }
    | undefined
  change: PublishChange
}

/** One function of the run. */
export interface TargetState {
  /** The function's name and ARN (the preview's, once it exists). */
  name: string
  arn: string
  log: Log
  /** preview mode: the production function the preview is created from. */
  production: FunctionState | undefined
  /** $LATEST as this run last saw it; undefined for a preview not created yet. */
  latest: FunctionState | undefined
  /** $LATEST before this run changed it: what a $LATEST undo restores. */
  replaced: FunctionState | undefined
  /** alias deploys: the alias as this run last saw it (undefined: none yet). */
  alias: AliasState | undefined
  /** The image of the alias's version when the run began. */
  aliasImageUri: string | undefined
  /** The version the alias served before this run (the pinned one for $LATEST). */
  previousVersion: string | undefined
  /** The version the alias moves to: the published one, or rollback-to previous. */
  version: string | undefined
  /** rollback-to previous: the image of that version. */
  versionImageUri: string | undefined
  code: CodeChange
  traffic: TrafficChange
  undo: UndoResult
  /** This function's own failure (not an undo because another failed). */
  error: string | undefined
  /**
   * Someone else changed what the function (or alias) serves during this
   * run: what serves now is theirs. Checks made since are void, and an undo
   * leaves it alone.
   */
  supersededBy: string | undefined
  checks: {
    preTraffic?: CheckSummary | undefined
    canary?: CheckSummary | undefined
    /** canary-alarms and the built-in signals, as they judged the canary. */
    canarySignals?: CanarySignalSummary[] | undefined
    smoke?: SmokeSummary | undefined
  }
  aliasArn: string | undefined
  diagnostics: TargetReport['diagnostics']
  /** dry-run: what a real run would change (this run changes nothing). */
  planned?: WouldChange | undefined
  /**
   * This run's UpdateFunctionConfiguration (configuration inputs): sent
   * with its answer not known yet (updating: a run killed then leaves a
   * guarded undo), or accepted; what it replaced (what an undo restores)
   * and what it applied. Values stay here: only names are ever shown.
   */
  configuration?: ConfigurationChange | undefined
  /**
   * Lambda Managed Instances functions released without an alias: what
   * $LATEST.PUBLISHED served and this run's publish (undefined otherwise).
   */
  published?: PublishedRelease | undefined
}

export interface ConfigurationChange {
  state: 'updating' | 'updated'
  previous: ConfigSnapshot
  applied: ConfigSnapshot
  diff: ConfigDiff
}

export function newTarget(
  fn: FunctionState | undefined,
  name: string,
  log: Log,
  production?: FunctionState
): TargetState {
  return {
    name: fn?.functionName ?? name,
    arn: fn?.functionArn ?? name,
    log,
    production,
    latest: fn,
    replaced: fn,
    alias: undefined,
    aliasImageUri: undefined,
    previousVersion: undefined,
    version: undefined,
    versionImageUri: undefined,
    code: 'pending',
    traffic: 'untouched',
    undo: 'none',
    error: undefined,
    supersededBy: undefined,
    checks: {},
    aliasArn: undefined,
    diagnostics: undefined
  }
}

/** How the run as a whole is released: through an alias, or on $LATEST. */
export interface Release {
  alias: string | undefined
}

/** Later stages leave it alone: its alias already serves the image. */
export const isUpToDate = (t: TargetState): boolean =>
  t.code === 'alias-up-to-date'

/** The alias still has to move to the target's new version. */
export const needsMove = (t: TargetState): boolean =>
  !isUpToDate(t) && t.version !== undefined

/**
 * This run's UpdateFunctionCode was accepted, or sent with its answer not
 * known yet: $LATEST may run the image. (The undo is guarded: it puts back
 * only what runs this run's image.)
 */
export const changedLatest = (t: TargetState): boolean =>
  t.code === 'updated' || t.code === 'updating'

/** This run changed (or may have changed) $LATEST's configuration. */
export const changedConfiguration = (t: TargetState): boolean =>
  t.configuration !== undefined

/**
 * Managed Instances: this run's publish to $LATEST.PUBLISHED was accepted,
 * or sent with its answer not known; a version that failed to activate
 * never served.
 */
export const changedPublished = (t: TargetState): boolean =>
  t.published !== undefined &&
  (t.published.change === 'publishing' ||
    t.published.change === 'activating' ||
    t.published.change === 'active')

/** This run changed the alias's traffic (a canary share, or all of it). */
export const changedAlias = (t: TargetState): boolean =>
  t.traffic !== 'untouched'

/**
 * Whether an undo has something to put back: $LATEST if this run changed it
 * (the undo itself checks it is still ours), the alias unless someone else
 * has moved it since.
 */
export function needsUndo(t: TargetState): boolean {
  return (
    changedLatest(t) ||
    changedConfiguration(t) ||
    changedPublished(t) ||
    (changedAlias(t) && t.supersededBy === undefined)
  )
}

/**
 * This run changed what serves the function's traffic (before any undo):
 * the alias for alias deploys, $LATEST.PUBLISHED for Managed Instances
 * functions, $LATEST otherwise.
 */
export function changedServing(t: TargetState, release: Release): boolean {
  if (release.alias !== undefined) return changedAlias(t)
  return t.published !== undefined
    ? changedPublished(t)
    : changedLatest(t) || changedConfiguration(t)
}

/** Whether it still serves this run's change: changed and not put back. */
export function servesChange(t: TargetState, release: Release): boolean {
  return (
    changedServing(t, release) &&
    t.undo !== 'restored' &&
    t.undo !== 'superseded' &&
    t.supersededBy === undefined
  )
}

/** Whether this run updated the function; undefined while undecided. */
export function updatedOf(t: TargetState): boolean | undefined {
  if (
    t.traffic !== 'untouched' ||
    t.code === 'created' ||
    t.code === 'updated' ||
    t.code === 'superseded' ||
    t.configuration?.state === 'updated'
  )
    return true
  if (t.code === 'up-to-date' || t.code === 'alias-up-to-date') return false
  // A dry run decided what it would do, and did none of it.
  if (t.planned !== undefined) return false
  return undefined
}

/** The per-function result, once the run is over. */
export function outcomeOf(
  t: TargetState,
  release: Release,
  runFailed: boolean
): TargetOutcome {
  if (!runFailed) return updatedOf(t) === true ? 'deployed' : 'unchanged'
  if (t.undo === 'failed') return 'rollback-failed'
  if (t.undo === 'left-to-post') return 'rollback-pending'
  if (t.undo === 'activating') return 'rollback-activating'
  if (t.supersededBy !== undefined || t.undo === 'superseded')
    return 'superseded'
  if (!changedServing(t, release)) return 'stopped'
  if (t.undo === 'restored')
    return t.error !== undefined ? 'rolled-back' : 'reverted'
  return 'failed'
}

/** What the function (or its alias) serves at the end, as far as this run knows. */
export function servingOf(
  t: TargetState,
  image: Image | undefined
): { imageUri: string | undefined; version: string | undefined } {
  if (t.alias !== undefined)
    return {
      version: t.alias.version,
      imageUri:
        t.alias.version === t.version
          ? (image?.uri ?? t.aliasImageUri)
          : t.aliasImageUri
    }
  if (t.published !== undefined)
    return {
      version: undefined,
      imageUri: servesChange(t, { alias: undefined })
        ? (image?.uri ?? t.published.before?.imageUri)
        : t.published.before?.imageUri
    }
  return {
    version: undefined,
    imageUri: servesChange(t, { alias: undefined })
      ? (image?.uri ?? t.latest?.imageUri)
      : t.latest?.imageUri
  }
}
