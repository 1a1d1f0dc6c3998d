/**
 * dry-run: what a real run would change on one function: the action the
 * deploy would carry out (src/decide/action.ts, the same decision), told
 * in words. Pure.
 */
import {
  decide,
  type AliasMove,
  type DecideRelease,
  type TargetAction
} from './decide/action.js'
import { describeDiff } from './decide/configuration.js'
import type { LambdaAsked, WouldChange } from './report/would-change.js'
import type { TargetState } from './targets.js'
import { formatDuration } from './util/time.js'

export type DryRunRelease = DecideRelease

/** The image a real run would deploy. */
export interface PlannedImage {
  /** By digest; repository:tag when it was built here and not pushed. */
  uri: string
  /** Undefined when it was built here and not pushed (no digest in ECR yet). */
  digest: string | undefined
}

const served = (uri: string | undefined): string => uri ?? 'no image'

function canaryText(alias: AliasMove): string {
  return alias.canary === undefined
    ? ''
    : ` (canary ${alias.canary.percent}% for ${formatDuration(alias.canary.intervalMs)} first)`
}

const trafficOf = (alias: AliasMove): 'canary' | 'moved' =>
  alias.canary !== undefined ? 'canary' : 'moved'

/** What a real run would change on `t`. */
export function wouldChange(
  t: TargetState,
  release: DryRunRelease,
  image: PlannedImage | undefined
): WouldChange {
  return describe(t, decide(t, release, image), image)
}

/** The action, in words, with the images it moves between. */
export function describe(
  t: TargetState,
  action: TargetAction,
  image: PlannedImage | undefined
): WouldChange {
  const to = image?.uri
  switch (action.do) {
    case 'move-back':
      return {
        name: t.name,
        code: 'up-to-date',
        publish: false,
        traffic: trafficOf(action.alias),
        from: t.aliasImageUri,
        to: t.versionImageUri,
        text: `rollback-to previous would move alias ${action.alias.name} from version ${action.alias.from ?? '?'} back to version ${action.to ?? '?'} (${served(t.versionImageUri)})${canaryText(action.alias)}`
      }
    case 'nothing':
      return {
        name: t.name,
        code: 'alias-up-to-date',
        publish: false,
        traffic: 'untouched',
        from: t.aliasImageUri,
        to: t.aliasImageUri,
        text: `alias ${action.alias} already serves ${image?.digest ?? ''} (version ${action.version}): nothing to do`
      }
    case 'create-preview':
      return {
        name: t.name,
        code: 'create',
        publish: false,
        traffic: 'untouched',
        from: undefined,
        to,
        text: `would create the preview function ${t.name} (preview of ${t.production?.functionName ?? 'production'}, from preview-settings), running ${served(to)}, with its own Function URL`
      }
    case 'create':
      return {
        name: t.name,
        code: 'create',
        publish: action.publish !== 'none',
        traffic: action.alias === undefined ? 'untouched' : 'moved',
        from: undefined,
        to,
        text:
          `would create the function ${t.name} (package type Image, with role and the configuration inputs), running ${served(to)}` +
          (action.publish !== 'none' ? ', then publish a version' : '') +
          (action.alias !== undefined
            ? `, then create alias ${action.alias.name} on it`
            : '')
      }
    case 'deploy':
      return describeDeploy(t, action, image)
  }
}

function describeDeploy(
  t: TargetState,
  action: Extract<TargetAction, { do: 'deploy' }>,
  image: PlannedImage | undefined
): WouldChange {
  const to = image?.uri
  const upToDate = action.latest === 'up-to-date'
  const alias = action.alias
  const steps: string[] = []
  if (action.pinAlias && alias !== undefined)
    steps.push(
      `would pin alias ${alias.name} to a version of what $LATEST runs (${served(t.latest?.imageUri)})`
    )
  if (action.configuration !== undefined)
    steps.push(
      `would update the configuration: ${describeDiff(action.configuration)}`
    )
  steps.push(
    upToDate
      ? `$LATEST already runs ${image?.digest ?? ''}: no update`
      : `would update $LATEST from ${served(t.latest?.imageUri)} to ${served(to)}`
  )
  if (action.publish === 'version')
    steps.push(
      upToDate ? 'would publish a version of it' : 'would publish a new version'
    )
  if (action.publish === 'latest-published')
    steps.push(
      `would publish it to $LATEST.PUBLISHED (PublishVersion with PublishTo LATEST_PUBLISHED: Lambda Managed Instances, capacity provider ${t.latest?.capacityProviderArn ?? '?'}), which callers get, from ${served(t.published?.before?.imageUri)}, and wait until it is Active`
    )
  if (alias !== undefined)
    steps.push(
      alias.from === undefined
        ? `would create alias ${alias.name} on that version${canaryText(alias)}`
        : `would move alias ${alias.name} from version ${alias.from} to that version${canaryText(alias)}`
    )
  const nothing =
    upToDate &&
    action.publish === 'none' &&
    alias === undefined &&
    action.configuration === undefined
  return {
    name: t.name,
    code: upToDate ? 'up-to-date' : 'update',
    publish: action.publish !== 'none',
    traffic: alias === undefined ? 'untouched' : trafficOf(alias),
    from:
      alias !== undefined
        ? t.aliasImageUri
        : t.published !== undefined
          ? t.published.before?.imageUri
          : t.latest?.imageUri,
    to,
    text: nothing
      ? `already runs this digest (${image?.digest ?? ''}): nothing to do`
      : steps.join(', then ')
  }
}

/**
 * The image a dry run asks Lambda to deploy with `DryRun: true`, for a
 * function whose code a real run would update: the image a real run would
 * deploy, or, when ECR cannot serve it yet (this dry run built it and
 * pushed nothing; or it is archived, and a real run restores it first), the
 * image the function runs now, which still proves that the role may update
 * the function's code from its repository.
 */
export function imageToAsk(
  t: TargetState,
  planned: WouldChange,
  image: PlannedImage | undefined,
  archived = false
): Pick<LambdaAsked, 'imageUri' | 'substitute'> | undefined {
  if (planned.code !== 'update') return undefined
  const substitute = archived
    ? 'archived'
    : image?.digest === undefined
      ? 'not pushed'
      : undefined
  if (image !== undefined && substitute === undefined)
    return { imageUri: image.uri, substitute }
  const current = t.latest?.imageUri
  return current === undefined ? undefined : { imageUri: current, substitute }
}
