/**
 * Stage smoke: an HTTP request to every function's endpoint (smoke-url, or
 * its Function URL / HTTP API), retried through cold starts.
 */
import * as core from '@actions/core'
import { discoverSmokeUrl, joinUrl, smokeTest } from '../checks/smoke.js'
import { DeployError } from '../util/errors.js'
import type { RunContext, RunState } from './context.js'
import { forEachTarget } from './each.js'
import { confirmStillOurs } from './still-ours.js'

export async function smokeStage(
  ctx: RunContext,
  run: RunState
): Promise<void> {
  const { deps, inputs } = ctx
  const { lambda, apigateway } = ctx.clients
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
    // One smoke-url is one endpoint: test it once, for the first function.
    const tested = given !== undefined ? targets.slice(0, 1) : targets
    await forEachTarget(tested, async target => {
      const log = target.log
      let base = given
      if (base === undefined) {
        const found = await discoverSmokeUrl(
          lambda,
          apigateway,
          target.arn,
          message => core.warning(message),
          inputs.alias,
          ctx.once
        )
        if (found === undefined) {
          target.checks.smoke = {
            state: 'skipped',
            reason: 'no smoke-url, Function URL or HTTP API found'
          }
          core.warning(
            `Smoke test skipped${targets.length > 1 ? ` for ${target.name}` : ''}: no smoke-url was given and the function has no Function URL or HTTP API integration that accepts unsigned requests. Set smoke-url to test the deployed app.`
          )
          return
        }
        log(
          `Smoke-testing the ${found.source === 'function-url' ? 'Function URL' : 'HTTP API'} ${found.url}`
        )
        base = found.url
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
          log,
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
      // Pass or fail, the answer counts only if it came from this release.
      await confirmStillOurs(ctx, target, 'smoke test', {
        digest: run.image?.digest
      }).catch((error: unknown) => {
        target.checks.smoke = {
          state: 'failed',
          url,
          status: result.status,
          attempts: result.attempts.length,
          reason: `void: ${target.supersededBy ?? 'someone else changed the function'}`
        }
        throw error
      })
      if (!result.pass)
        throw new DeployError(`Smoke test failed: ${result.reason}`)
    })
  })
}
