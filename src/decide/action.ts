/**
 * What a run does to one function, decided once from what the look-up
 * found and the image the run deploys. Pure. The deploy and alias stages
 * carry the action out, the dry run reports it (src/would-change.ts), and
 * the image preflight is skipped when every function already serves the
 * image (`everyServes`): the three ask this one module, never a copy.
 */
import type { FunctionState } from '../aws/lambda.js'
import type {
  Canary,
  FunctionConfigInputs,
  Release,
  StageSpec
} from '../inputs/types.js'
import type { TargetState } from '../targets.js'
import { configDiff, wantedConfig, type ConfigDiff } from './configuration.js'

/**
 * What decide needs of the run: its release, where the image comes from,
 * and the configuration inputs (absent: the configuration is left alone).
 */
export type DecideRelease = Pick<StageSpec, 'release' | 'source'> & {
  functionConfig?: FunctionConfigInputs | undefined
}

/**
 * The image the run deploys: its digest is undefined only for an image a
 * dry run built and did not push (no digest in ECR yet), which no function
 * can already serve.
 */
export interface DecideImage {
  digest: string | undefined
}

/** What happens to the alias: moved (or created) to the new version. */
export interface AliasMove {
  name: string
  /** The version it serves now; undefined: it does not exist yet. */
  from: string | undefined
  canary: Canary | undefined
}

/**
 * nothing: the alias already serves the image (all of its traffic) — no
 * update, no version, no move;
 * create-preview: a first preview: the function is created with the image;
 * create: a deploy to a function that does not exist, with role given: it
 * is created with the image and the configuration inputs;
 * deploy: $LATEST runs the image (updated, or it already does), then
 * `publish`: a numbered version of it (publish input, alias releases), or
 * for a Managed Instances function without an alias $LATEST.PUBLISHED,
 * what its callers get; then with an alias, the alias moves to it (first
 * pinned when it points to $LATEST);
 * move-back: rollback-to previous: the alias moves back to the version it
 * left (the look-up found it), nothing is deployed.
 */
export type TargetAction =
  | { do: 'nothing'; alias: string; version: string }
  | { do: 'create-preview' }
  | { do: 'create'; publish: PublishStep; alias: AliasMove | undefined }
  | {
      do: 'deploy'
      latest: LatestAction
      /**
       * What the configuration inputs change (undefined: nothing), applied
       * before the code so that a version published after captures both.
       */
      configuration?: ConfigDiff | undefined
      /** The alias points to $LATEST: pinned to a version of it first. */
      pinAlias: boolean
      publish: PublishStep
      alias: AliasMove | undefined
    }
  | { do: 'move-back'; alias: AliasMove; to: string | undefined }

/**
 * What is published after $LATEST runs the image: nothing; a numbered
 * version; or $LATEST.PUBLISHED (PublishVersion with PublishTo
 * LATEST_PUBLISHED), which a Managed Instances function's callers get.
 */
export type PublishStep = 'none' | 'version' | 'latest-published'

/**
 * How the run releases to `t`: the run's release, except that a plain
 * release (no alias) of a Lambda Managed Instances function publishes to
 * $LATEST.PUBLISHED, the version its unqualified invokes and Function URL
 * run (lambda-managed-instances-version-publishing).
 */
export function targetRelease(
  t: Pick<TargetState, 'latest'>,
  release: Release
): Release {
  return release.kind === 'latest' &&
    t.latest?.capacityProviderArn !== undefined
    ? { kind: 'published' }
    : release
}

/**
 * $LATEST.PUBLISHED already serves `digest`: it runs it and is Active (a
 * version still activating or failed does not serve it yet).
 */
export function publishedServes(
  t: Pick<TargetState, 'published'>,
  digest: string | undefined
): boolean {
  const before = t.published?.before
  return (
    digest !== undefined &&
    before?.imageDigest === digest &&
    before.state === 'Active'
  )
}

function publishStep(
  t: TargetState,
  release: Release,
  digest: string | undefined
): PublishStep {
  switch (release.kind) {
    // An alias release always publishes the version it moves the alias to.
    case 'alias':
      return 'version'
    case 'latest':
      return release.publish ? 'version' : 'none'
    case 'published':
      return publishedServes(t, digest) ? 'none' : 'latest-published'
    default: {
      const unknown: never = release
      return unknown
    }
  }
}

/** What $LATEST needs: an update, or nothing (it already runs the image). */
export type LatestAction = 'update' | 'up-to-date'

/**
 * The alias serves `digest` with all of its traffic. An alias that still
 * splits its traffic (a canary left on) does not: a run moves all of it.
 */
export function aliasServes(t: TargetState, digest: string): boolean {
  return (
    t.alias !== undefined &&
    t.aliasImageUri?.endsWith(`@${digest}`) === true &&
    Object.keys(t.alias.weights).length === 0
  )
}

/**
 * $LATEST runs `digest`, and its last update succeeded (a failed update
 * shows the new digest while Lambda runs the old code).
 */
export function latestAction(
  fn: FunctionState,
  digest: string | undefined
): LatestAction {
  return digest !== undefined &&
    fn.imageDigest === digest &&
    fn.lastUpdateStatus === 'Successful'
    ? 'up-to-date'
    : 'update'
}

/** What the run does to `t`. */
export function decide(
  t: TargetState,
  spec: DecideRelease,
  image: DecideImage | undefined
): TargetAction {
  const release = targetRelease(t, spec.release)
  const alias: AliasMove | undefined =
    release.kind === 'alias'
      ? { name: release.name, from: t.alias?.version, canary: release.canary }
      : undefined
  if (spec.source.kind === 'previous' && alias !== undefined)
    return { do: 'move-back', alias, to: t.version }
  const digest = image?.digest
  const publish = publishStep(t, release, digest)
  // Only a preview target has a production function; a deploy's missing
  // function is created only when the look-up kept it (role given).
  if (t.latest === undefined)
    return t.production !== undefined
      ? { do: 'create-preview' }
      : { do: 'create', publish, alias }
  const configuration = configurationChange(t, spec.functionConfig)
  if (
    alias !== undefined &&
    t.alias !== undefined &&
    digest !== undefined &&
    aliasServes(t, digest) &&
    configuration === undefined
  )
    return { do: 'nothing', alias: alias.name, version: t.alias.version }
  return {
    do: 'deploy',
    latest: latestAction(t.latest, digest),
    ...(configuration !== undefined && { configuration }),
    pinAlias: alias !== undefined && t.alias?.version === '$LATEST',
    publish,
    alias
  }
}

/** What the configuration inputs would change on $LATEST as the run found it. */
export function configurationChange(
  t: TargetState,
  inputs: FunctionConfigInputs | undefined
): ConfigDiff | undefined {
  const current = t.latest?.config
  if (inputs === undefined || current === undefined) return undefined
  const diff = configDiff(current, wantedConfig(current, inputs))
  return diff.settings.length === 0 ? undefined : diff
}

/**
 * The function already serves the image as the run would leave it: the
 * alias (all of its traffic) for alias releases, $LATEST.PUBLISHED for a
 * Managed Instances function, $LATEST otherwise.
 */
export function alreadyServes(action: TargetAction): boolean {
  return (
    action.do === 'nothing' ||
    (action.do === 'deploy' &&
      action.alias === undefined &&
      action.configuration === undefined &&
      action.latest === 'up-to-date' &&
      action.publish !== 'latest-published')
  )
}

/**
 * Every function already serves the image: a re-run then has nothing for
 * the image preflight to prevent.
 */
export function everyServes(
  targets: readonly TargetState[],
  release: DecideRelease,
  digest: string
): boolean {
  return targets.every(t => alreadyServes(decide(t, release, { digest })))
}
