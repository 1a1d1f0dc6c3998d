/**
 * Stage smoke: an HTTP request to every function's endpoint (smoke-url, or
 * its Function URL / HTTP API), retried through cold starts; a function no
 * HTTP endpoint reaches is invoked directly with a synthetic request. Every
 * check is void if someone else's release answered it.
 */
import * as core from '@actions/core'
import { discoverSmokeUrl, joinUrl, smokeTest } from '../checks/smoke.js'
import { urlPermissionHint } from '../aws/function-url.js'
import { releasedAlias } from '../inputs/spec.js'
import { DeployError } from '../util/errors.js'
import type { SmokeSummary } from '../report/report.js'
import type { RunContext } from './context.js'
import { releasedOf, stage, type StageInput } from './stage.js'
import type { TargetState } from '../targets.js'
import { forEachTarget } from './each.js'
import { checkVersion } from './synthetic-request.js'
import { confirmStillOurs } from './still-ours.js'

export const smokeStage = stage({
  needs: ['targets'],
  uses: ['image', 'previousImage'],
  run: (ctx, run) => smoke(ctx, releasedOf(run))
})

async function smoke(
  ctx: RunContext,
  run: StageInput<'targets', 'image'>
): Promise<void> {
  const { deps, inputs } = ctx
  const targets = run.targets
  await ctx.phase('Smoke test', async () => {
    if (!inputs.smokeTest) {
      for (const target of targets)
        target.checks.smoke = {
          state: 'skipped',
          reason: 'smoke-test is false'
        }
      ctx.log('Smoke test disabled.')
      return
    }
    let given = inputs.smokeUrl
    if (inputs.mode === 'preview' && given !== undefined) {
      // smoke-url names production's address; a preview is tested where it
      // is served.
      core.warning(
        `smoke-url (${given}) is ignored in preview mode: the smoke test requests the preview function's own URL.`
      )
      given = undefined
    }
    // smoke-url is one endpoint, the first function's; every other function
    // (and any function no HTTP endpoint of the released qualifier reaches)
    // is checked by a direct Invoke with a synthetic request: never silently
    // unchecked, and never by an endpoint that serves other code.
    await forEachTarget(ctx.cancelled, targets, async (target: TargetState) => {
      const endpoint =
        given !== undefined
          ? target === targets[0]
            ? await givenUrl(ctx, target, given)
            : undefined
          : await discoverUrl(ctx, target)
      if (endpoint === undefined) {
        await invokeInstead(ctx, run, target)
        return
      }
      const url = joinUrl(endpoint.url, inputs.smokePath)
      const result = await smokeTest(
        {
          url,
          expected: {
            status: inputs.smokeExpectStatus,
            body: inputs.smokeExpectBody
          },
          timeoutMs: inputs.smokeTimeoutMs,
          log: target.log,
          fetch: deps.fetch
        },
        deps.timing
      )
      // A smoke-url whose qualifier the run cannot tell may reach other
      // code: the released qualifier is invoked directly as well.
      const direct =
        endpoint.reached === null
          ? await invokeReleased(ctx, target)
          : undefined
      // A public URL without both permissions of the 2025 rule: say which
      // permissions, and the commands that add them.
      const reason =
        result.urlAuthRefused === true
          ? `${result.reason}. ${urlPermissionHint(
              target.name,
              endpoint.reached === null || endpoint.reached === '$LATEST'
                ? undefined
                : endpoint.reached
            )}`
          : result.reason
      target.checks.smoke = {
        state: result.pass && direct?.state !== 'failed' ? 'passed' : 'failed',
        url,
        status: result.status,
        attempts: result.attempts.length,
        reason,
        reached: endpoint.reached,
        direct
      }
      await confirmOrVoid(ctx, run, target, endpoint.reached === null)
      if (!result.pass) throw new DeployError(`Smoke test failed: ${reason}`)
      if (direct?.state === 'failed')
        throw new DeployError(
          `Smoke test (direct Invoke of ${direct.qualifier}, since which qualifier ${given ?? ''} reaches is not known) failed: ${direct.reason}`
        )
    })
  })
}

/** Where a check reaches: an endpoint, and the qualifier it serves (if known). */
interface Endpoint {
  url: string
  /** '$LATEST', the alias; null: not known (a smoke-url of its own). */
  reached: string | null
}

/** The qualifier this run released: the alias, or $LATEST. */
function releasedQualifier(ctx: RunContext): string {
  return releasedAlias(ctx.inputs.release) ?? '$LATEST'
}

/**
 * smoke-url, the workflow's choice, is always used. It reaches the released
 * qualifier when it is that qualifier's own Function URL; any other address
 * (a custom domain, a load balancer) may serve other code.
 */
async function givenUrl(
  ctx: RunContext,
  target: TargetState,
  given: string
): Promise<Endpoint> {
  const own = await discoverSmokeUrl(
    ctx.clients.lambda,
    ctx.clients.apigateway,
    target.arn,
    message => core.warning(message),
    releasedAlias(ctx.inputs.release),
    ctx.once,
    { functionUrlOnly: true }
  )
  const reached =
    own !== undefined && sameOrigin(own.url, given)
      ? releasedQualifier(ctx)
      : null
  target.log(
    reached !== null
      ? `Smoke-testing smoke-url ${given}, the Function URL of ${reached}.`
      : `Smoke-testing smoke-url ${given}; which qualifier it reaches is not known, so ${releasedQualifier(ctx)} is also invoked directly.`
  )
  return { url: given, reached }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin
  } catch {
    return false
  }
}

/**
 * The function's own HTTP endpoint (Function URL or HTTP API) of the
 * released qualifier, if any: one of another qualifier serves other code.
 */
async function discoverUrl(
  ctx: RunContext,
  target: TargetState
): Promise<Endpoint | undefined> {
  const found = await discoverSmokeUrl(
    ctx.clients.lambda,
    ctx.clients.apigateway,
    target.arn,
    message => core.warning(message),
    releasedAlias(ctx.inputs.release),
    ctx.once
  )
  if (found === undefined) return undefined
  const reached = releasedQualifier(ctx)
  target.log(
    `Smoke-testing the ${found.source === 'function-url' ? 'Function URL' : 'HTTP API'} ${found.url} (it reaches ${reached})`
  )
  return { url: found.url, reached }
}

/** The qualifier a direct Invoke of the released code names. */
function invokedQualifierOf(ctx: RunContext, target: TargetState): string {
  const { release } = ctx.inputs
  return release.kind === 'alias' ? (target.version ?? release.name) : '$LATEST'
}

/** The released qualifier, invoked directly with a synthetic request. */
async function invokeReleased(
  ctx: RunContext,
  target: TargetState
): Promise<NonNullable<Extract<SmokeSummary, { url: string }>['direct']>> {
  const qualifier = invokedQualifierOf(ctx, target)
  const result = await checkVersion(
    ctx,
    target,
    ctx.inputs.smokeTimeoutMs,
    qualifier
  )
  return {
    qualifier,
    state: result.pass ? 'passed' : 'failed',
    status: result.status,
    attempts: result.attempts,
    reason: result.reason
  }
}

/**
 * No HTTP endpoint to request: invoke what serves (the alias's new version,
 * or $LATEST) with a synthetic request for the app's event source instead.
 */
async function invokeInstead(
  ctx: RunContext,
  run: StageInput<'targets', 'image'>,
  target: TargetState
): Promise<void> {
  const qualifier = invokedQualifierOf(ctx, target)
  target.log(
    `No HTTP endpoint to smoke-test: invoking ${target.arn}:${qualifier} with a synthetic ${ctx.inputs.smokePath} request instead.`
  )
  const result = await checkVersion(
    ctx,
    target,
    ctx.inputs.smokeTimeoutMs,
    qualifier
  )
  target.checks.smoke = {
    state: result.pass ? 'passed' : 'failed',
    url: `${target.arn}:${qualifier} (direct Invoke)`,
    status: result.status,
    attempts: result.attempts,
    reason: result.reason,
    reached: qualifier
  }
  await confirmOrVoid(ctx, run, target, false)
  if (!result.pass)
    throw new DeployError(`Smoke test (direct Invoke) failed: ${result.reason}`)
}

/**
 * Pass or fail, a check counts only if it reached this run's release: the
 * released qualifier is read again and, when a smoke-url of unknown
 * qualifier was relied on in an alias release, $LATEST too (if it ran this
 * run's image: the unqualified address is the likeliest other one).
 */
async function confirmOrVoid(
  ctx: RunContext,
  run: StageInput<'targets', 'image'>,
  target: TargetState,
  unknownQualifier: boolean
): Promise<void> {
  const digest = run.image?.digest
  await confirmStillOurs(ctx, target, 'smoke test', {
    digest,
    latestToo:
      unknownQualifier &&
      ctx.inputs.release.kind === 'alias' &&
      digest !== undefined &&
      target.latest?.imageDigest === digest
  }).catch((error: unknown) => {
    const smoke = target.checks.smoke
    if (smoke !== undefined && smoke.state !== 'skipped')
      target.checks.smoke = {
        ...smoke,
        state: 'failed',
        reason: `void: ${target.supersededBy ?? 'someone else changed the function'}`
      }
    throw error
  })
}
