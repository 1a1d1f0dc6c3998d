/**
 * dry-run: what a real run would change on one function, derived from the
 * function's TargetState as the look-up found it and from the image a real
 * run would deploy. Pure; the decisions mirror the deploy and alias stages
 * (an alias that already serves the digest is left alone, $LATEST that
 * already runs it is not updated, an alias on $LATEST is pinned first).
 */
import type { Inputs } from './inputs/types.js'
import type { WouldChange } from './report/would-change.js'
import type { TargetState } from './targets.js'
import { formatDuration } from './util/time.js'

export type DryRunRelease = Pick<
  Inputs,
  'alias' | 'canary' | 'publish' | 'source'
>

/** The image a real run would deploy. */
export interface PlannedImage {
  /** By digest; repository:tag when it was built here and not pushed. */
  uri: string
  /** Undefined when it was built here and not pushed (no digest in ECR yet). */
  digest: string | undefined
}

const served = (uri: string | undefined): string => uri ?? 'no image'

function canaryText(release: DryRunRelease): string {
  return release.canary === undefined
    ? ''
    : ` (canary ${release.canary.percent}% for ${formatDuration(release.canary.intervalMs)} first)`
}

/** What a real run would change on `t`. */
export function wouldChange(
  t: TargetState,
  release: DryRunRelease,
  image: PlannedImage | undefined
): WouldChange {
  const alias = release.alias
  const traffic = release.canary !== undefined ? 'canary' : 'moved'
  if (release.source.kind === 'previous')
    return {
      name: t.name,
      code: 'up-to-date',
      publish: false,
      traffic,
      from: t.aliasImageUri,
      to: t.versionImageUri,
      text: `rollback-to previous would move alias ${alias ?? ''} from version ${t.alias?.version ?? '?'} back to version ${t.version ?? '?'} (${served(t.versionImageUri)})${canaryText(release)}`
    }
  const to = image?.uri
  const digest = image?.digest
  if (
    alias !== undefined &&
    t.alias !== undefined &&
    digest !== undefined &&
    t.aliasImageUri?.endsWith(`@${digest}`) === true &&
    Object.keys(t.alias.weights).length === 0
  )
    return {
      name: t.name,
      code: 'alias-up-to-date',
      publish: false,
      traffic: 'untouched',
      from: t.aliasImageUri,
      to: t.aliasImageUri,
      text: `alias ${alias} already serves ${digest} (version ${t.alias.version}): nothing to do`
    }
  if (t.latest === undefined)
    return {
      name: t.name,
      code: 'create',
      publish: false,
      traffic: 'untouched',
      from: undefined,
      to,
      text: `would create the preview function ${t.name} (preview of ${t.production?.functionName ?? 'production'}, from preview-settings), running ${served(to)}, with its own Function URL`
    }
  const upToDate =
    digest !== undefined &&
    t.latest.imageDigest === digest &&
    t.latest.lastUpdateStatus === 'Successful'
  const steps: string[] = []
  if (alias !== undefined && t.alias?.version === '$LATEST')
    steps.push(
      `would pin alias ${alias} to a version of what $LATEST runs (${served(t.latest.imageUri)})`
    )
  steps.push(
    upToDate
      ? `$LATEST already runs ${digest}: no update`
      : `would update $LATEST from ${served(t.latest.imageUri)} to ${served(to)}`
  )
  if (release.publish)
    steps.push(
      upToDate ? 'would publish a version of it' : 'would publish a new version'
    )
  if (alias !== undefined)
    steps.push(
      t.alias === undefined
        ? `would create alias ${alias} on that version${canaryText(release)}`
        : `would move alias ${alias} from version ${t.alias.version} to that version${canaryText(release)}`
    )
  const nothing = upToDate && !release.publish && alias === undefined
  return {
    name: t.name,
    code: upToDate ? 'up-to-date' : 'update',
    publish: release.publish,
    traffic: alias === undefined ? 'untouched' : traffic,
    from: alias !== undefined ? t.aliasImageUri : t.latest.imageUri,
    to,
    text: nothing
      ? `already runs this digest (${digest ?? ''}): nothing to do`
      : steps.join(', then ')
  }
}
