/**
 * The alias stages: pre-traffic (the new version invoked directly before
 * any traffic reaches it), canary (a share of the traffic while it is
 * checked), move-alias (all of it, recording the version it leaves).
 */
import {
  aliasDescription,
  pointAlias,
  type AliasState
} from '../aws/versions.js'
import { needsMove } from '../targets.js'
import { DeployError } from '../util/errors.js'
import { again, poll } from '../util/poll.js'
import { formatDuration } from '../util/time.js'
import type { RunContext } from './context.js'
import { releasedOf, stage, type StageInput } from './stage.js'
import { forEachTarget } from './each.js'
import { confirmStillOurs } from './still-ours.js'
import { checkSummary, checkVersion } from './synthetic-request.js'

/** Stage pre-traffic: invoke each new version before any traffic reaches it. */
export const preTrafficStage = stage({
  needs: ['targets'],
  run: (ctx, run) => preTraffic(ctx, run)
})

async function preTraffic(
  ctx: RunContext,
  run: StageInput<'targets', never>
): Promise<void> {
  const { release } = ctx.inputs
  if (release.kind !== 'alias') return
  const pending = run.targets.filter(needsMove)
  if (pending.length === 0) return
  await ctx.phase('Pre-traffic check', () =>
    forEachTarget(ctx.cancelled, pending, async target => {
      target.log(
        `Invoking version ${target.version ?? '?'} with a synthetic ${ctx.inputs.smokePath} request; alias ${release.name} still serves version ${target.alias?.version ?? '(none yet)'}.`
      )
      const result = await checkVersion(ctx, target, ctx.inputs.smokeTimeoutMs)
      target.checks.preTraffic = checkSummary(result)
      if (!result.pass) {
        throw new DeployError(
          `Pre-traffic check of version ${target.version ?? '?'} failed: ${result.reason.trim().replace(/\.$/, '')}. The alias ${release.name} was not moved: no traffic reached the new version.`
        )
      }
    })
  )
}

/** Stage canary: a share of the alias's traffic on the new version, while checking it. */
export const canaryStage = stage({
  needs: ['targets'],
  run: (ctx, run) => canary(ctx, run)
})

async function canary(
  ctx: RunContext,
  run: StageInput<'targets', never>
): Promise<void> {
  const { release } = ctx.inputs
  if (release.kind !== 'alias' || release.canary === undefined) return
  const { canary, name: alias } = release
  const pending = run.targets.filter(t => needsMove(t) && t.alias !== undefined)
  if (pending.length === 0) return
  const { deps } = ctx
  await ctx.phase(`Canary (${canary.percent}%)`, async () => {
    await forEachTarget(ctx.cancelled, pending, async target => {
      const current = target.alias as AliasState
      target.alias = await pointAlias(
        ctx.clients.lambda,
        target.arn,
        alias,
        {
          version: current.version,
          weights: { [target.version ?? '']: canary.percent / 100 }
        },
        current,
        { log: target.log },
        deps.timing
      )
      target.traffic = 'canary'
      ctx.changed()
      target.log(
        `Alias ${alias}: ${canary.percent}% of traffic to version ${target.version ?? '?'}, the rest to ${current.version}, for ${formatDuration(canary.intervalMs)}.`
      )
    })
    const checkEveryMs = Math.min(
      30_000,
      Math.max(1000, Math.round(canary.intervalMs / 4))
    )
    // Check every interval until the canary period ends; the first failing
    // check stops it.
    const { attempts: checks } = await poll(
      async ({ attempt: check }) => {
        await forEachTarget(ctx.cancelled, pending, async target => {
          const result = await checkVersion(ctx, target, checkEveryMs)
          target.checks.canary = checkSummary(result)
          // The split must still be ours: otherwise someone else's release
          // took the traffic, and this check says nothing about ours.
          await confirmStillOurs(ctx, target, 'canary', {
            digest: undefined,
            weights: target.alias?.weights ?? {}
          }).catch((error: unknown) => {
            target.checks.canary = {
              state: 'failed',
              status: result.status,
              attempts: result.attempts,
              reason: `void: ${target.supersededBy ?? 'someone else moved the alias'}`
            }
            throw error
          })
          if (!result.pass)
            throw new DeployError(
              `Canary check ${check} of version ${target.version ?? '?'} failed: ${result.reason}.`
            )
        })
        return again
      },
      {
        timeoutMs: canary.intervalMs,
        intervalMs: checkEveryMs,
        waitFirst: true
      },
      deps.timing
    )
    for (const target of pending)
      target.log(`Canary passed ${checks} check(s).`)
  })
}

/** Stage move-alias: every alias to its new version, recording the one it leaves. */
export const moveAliasStage = stage({
  needs: ['targets'],
  uses: ['image', 'previousImage'],
  run: (ctx, run) => moveAlias(ctx, releasedOf(run))
})

async function moveAlias(
  ctx: RunContext,
  run: StageInput<'targets', 'image'>
): Promise<void> {
  const { release } = ctx.inputs
  if (release.kind !== 'alias') return
  const alias = release.name
  const pending = run.targets.filter(needsMove)
  if (pending.length === 0) return
  const digest = run.image?.digest ?? ''
  await ctx.phase(`Move alias ${alias}`, () =>
    forEachTarget(ctx.cancelled, pending, async target => {
      const before = target.alias
      const leaving = before?.version
      target.alias = await pointAlias(
        ctx.clients.lambda,
        target.arn,
        alias,
        {
          version: target.version ?? '',
          description: aliasDescription(leaving, digest)
        },
        before,
        { log: target.log },
        ctx.deps.timing
      )
      target.traffic = 'moved'
      ctx.changed()
      target.aliasArn = target.alias.aliasArn
      target.log(
        `Alias ${alias} now points to version ${target.version ?? '?'}${leaving === undefined ? ' (created)' : ` (was ${leaving})`}.`
      )
    })
  )
}
