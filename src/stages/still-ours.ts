/**
 * A check only counts if it checked this run's code: after a check, read
 * again what the function (or its alias) serves. If someone else changed it
 * meanwhile, the check answered for their release, not ours.
 */
import { getFunctionState } from '../aws/lambda.js'
import {
  LATEST_PUBLISHED,
  readLatestPublished
} from '../aws/managed-instances.js'
import { getAlias } from '../aws/versions.js'
import { aliasHolder, latestHolder } from '../decide/ownership.js'
import type { TargetState } from '../targets.js'
import { DeployError } from '../util/errors.js'
import type { RunContext } from './context.js'

/** What a check relied on: this run's image, and the alias's split. */
export interface StillOurs {
  digest: string | undefined
  weights?: Record<string, number>
  /**
   * Alias releases: $LATEST was relied on as well (a smoke-url that may
   * reach it), so it must still run `digest`.
   */
  latestToo?: boolean
}

/**
 * What serves instead of this run's release; undefined when it is still
 * ours. Covers every qualifier the check relied on: the alias (or $LATEST),
 * and $LATEST as well when `latestToo`.
 */
export async function servedInstead(
  ctx: RunContext,
  target: TargetState,
  expected: StillOurs
): Promise<string | undefined> {
  const { release } = ctx.inputs
  if (release.kind === 'alias') {
    const instead = await aliasInstead(ctx, target, release.name, expected)
    if (instead !== undefined || expected.latestToo !== true) return instead
    return latestInstead(ctx, target, expected.digest)
  }
  // Lambda Managed Instances: callers get $LATEST.PUBLISHED, not $LATEST.
  if (target.published !== undefined)
    return publishedInstead(ctx, target, expected.digest)
  return latestInstead(ctx, target, expected.digest)
}

async function publishedInstead(
  ctx: RunContext,
  target: TargetState,
  digest: string | undefined
): Promise<string | undefined> {
  const now = await readLatestPublished(ctx.clients.lambda, target.arn)
  if (latestHolder({ digest }, now?.imageDigest) === 'ours') return undefined
  return now === undefined
    ? `nothing is published to ${LATEST_PUBLISHED} any more`
    : `${LATEST_PUBLISHED} now runs ${now.imageUri ?? 'another image'}`
}

async function aliasInstead(
  ctx: RunContext,
  target: TargetState,
  alias: string,
  expected: StillOurs
): Promise<string | undefined> {
  const now = await getAlias(ctx.clients.lambda, target.arn, alias)
  const ours = target.alias
  const holder = aliasHolder(
    {
      revisionId: ours?.revisionId,
      routing: { version: ours?.version, weights: expected.weights ?? {} }
    },
    now
  )
  if (holder === 'ours') return undefined
  return now === undefined
    ? `alias ${alias} was deleted`
    : `alias ${alias} now points to version ${now.version}${Object.keys(now.weights).length > 0 ? ` with ${JSON.stringify(now.weights)}` : ''}`
}

async function latestInstead(
  ctx: RunContext,
  target: TargetState,
  digest: string | undefined
): Promise<string | undefined> {
  const now = await getFunctionState(ctx.clients.lambda, target.arn)
  target.latest = now
  if (latestHolder({ digest }, now.imageDigest) === 'ours') return undefined
  return `$LATEST now runs ${now.imageUri ?? 'another image'}`
}

/**
 * After a check of `target`: if someone else's release serves now, the
 * check is void; the function is marked superseded (an undo leaves it
 * alone) and the run fails saying so.
 */
export async function confirmStillOurs(
  ctx: RunContext,
  target: TargetState,
  check: string,
  expected: StillOurs
): Promise<void> {
  const instead = await servedInstead(ctx, target, expected)
  if (instead === undefined) return
  target.supersededBy = `${instead}, put there by someone else during the ${check}`
  throw new DeployError(
    `${target.name} was changed by someone else during the ${check}: ${instead}. The ${check} checked their release, not this one, so it does not count; their release is left as it is.`
  )
}
