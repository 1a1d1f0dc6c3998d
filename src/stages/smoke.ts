/**
 * Stage smoke: an HTTP request to every function's endpoint (smoke-url, or
 * its Function URL / HTTP API), retried through cold starts; a function no
 * HTTP endpoint reaches is invoked directly with a synthetic request. Every
 * check is void if someone else's release answered it.
 */
import * as core from '@actions/core'
import { discoverSmokeUrl, joinUrl, smokeTest } from '../checks/smoke.js'
import { DeployError } from '../util/errors.js'
import type { RunContext, RunState } from './context.js'
import type { TargetState } from '../targets.js'
import { forEachTarget } from './each.js'
import { checkVersion } from './synthetic-request.js'
import { confirmStillOurs } from './still-ours.js'

export async function smokeStage(
  ctx: RunContext,
  run: RunState
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
    // (and any function no HTTP endpoint reaches) is checked by a direct
    // Invoke with a synthetic request: never silently unchecked.
    await forEachTarget(ctx.cancelled, targets, async (target: TargetState) => {
      const base =
        given !== undefined
          ? target === targets[0]
            ? given
            : undefined
          : await discoverUrl(ctx, target)
      if (base === undefined) {
        await invokeInstead(ctx, run, target)
        return
      }
      const url = joinUrl(base, inputs.smokePath)
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
      target.checks.smoke = {
        state: result.pass ? 'passed' : 'failed',
        url,
        status: result.status,
        attempts: result.attempts.length,
        reason: result.reason
      }
      await confirmOrVoid(ctx, run, target)
      if (!result.pass)
        throw new DeployError(`Smoke test failed: ${result.reason}`)
    })
  })
}

/** The function's own HTTP endpoint (Function URL or HTTP API), if any. */
async function discoverUrl(
  ctx: RunContext,
  target: TargetState
): Promise<string | undefined> {
  const found = await discoverSmokeUrl(
    ctx.clients.lambda,
    ctx.clients.apigateway,
    target.arn,
    message => core.warning(message),
    ctx.inputs.alias,
    ctx.once
  )
  if (found === undefined) return undefined
  target.log(
    `Smoke-testing the ${found.source === 'function-url' ? 'Function URL' : 'HTTP API'} ${found.url}`
  )
  return found.url
}

/**
 * No HTTP endpoint to request: invoke what serves (the alias's new version,
 * or $LATEST) with a synthetic request for the app's event source instead.
 */
async function invokeInstead(
  ctx: RunContext,
  run: RunState,
  target: TargetState
): Promise<void> {
  const qualifier =
    ctx.inputs.alias !== undefined
      ? (target.version ?? ctx.inputs.alias)
      : '$LATEST'
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
    reason: result.reason
  }
  await confirmOrVoid(ctx, run, target)
  if (!result.pass)
    throw new DeployError(`Smoke test (direct Invoke) failed: ${result.reason}`)
}

/** Pass or fail, a check counts only if it reached this run's release. */
async function confirmOrVoid(
  ctx: RunContext,
  run: RunState,
  target: TargetState
): Promise<void> {
  await confirmStillOurs(ctx, target, 'smoke test', {
    digest: run.image?.digest
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
