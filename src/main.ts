/**
 * The plan runner. A run reads its inputs, decides its plan (src/plan.ts),
 * and runs the plan's stages in order (src/stages/), each in its own log
 * group. On a failure it reads the failed functions' logs and undoes what
 * the run changed. Whatever happens, the outputs, the job summary and (for
 * previews) the pull request comment are derived from the state of each
 * function (src/targets.ts). This is the only place that fails the job.
 */
import * as core from '@actions/core'
import { createClients } from './aws/clients.js'
import { realExec } from './build/docker.js'
import { startKeyParts } from './build/key-parts.js'
import type { Inputs, RunSpec } from './inputs/types.js'
import { runSpec } from './inputs/spec.js'
import { outboundFetch } from './net/fetch.js'
import { planRun, type StageName } from './plan.js'
import { runCleanup } from './preview/cleanup.js'
import { STATE } from './post/saved-state.js'
import { commentOnPullRequest } from './report/comment-on-pr.js'
import { reportOutputs, type Report } from './report/report.js'
import { recordRun, releaseOf } from './report/run-facts.js'
import { renderSummary } from './report/summary.js'
import { assembleReport } from './report/assemble.js'
import {
  phaseRunner,
  type Dependencies,
  type RunContext
} from './stages/context.js'
import { checkCredentialsLifetime } from './stages/credentials.js'
import { diagnosticsStage } from './stages/diagnostics.js'
import { STAGES } from './stages/plan-stages.js'
import { readInputs } from './stages/read-inputs.js'
import { runContext } from './stages/run-context.js'
import { releasedOf, runStage, type Facts } from './stages/stage.js'
import { UNDO_SETTLE_MS, saveUndo, undoRuns, undoStage } from './stages/undo.js'
import { CancelledError, processSignals } from './util/cancel.js'
import { errorMessage } from './util/errors.js'
import { realTiming } from './util/time.js'

export type { Dependencies } from './stages/context.js'
export { POLLS_PER_SECOND } from './stages/run-context.js'

export function defaultDependencies(): Dependencies {
  return {
    clients: createClients,
    exec: realExec,
    timing: realTiming,
    fetch: outboundFetch(process.env),
    env: process.env,
    readInput: name => core.getInput(name),
    onCancel: processSignals
  }
}

export async function run(
  deps: Dependencies = defaultDependencies()
): Promise<void> {
  const report: Report = { phases: [] }
  const phase = phaseRunner(report, deps.timing)
  // What the stages gave so far; only the plan runner holds it.
  const facts: Partial<Facts> = {}
  let inputs: Inputs | undefined
  let spec: RunSpec | undefined
  const cancel = new AbortController()
  const stopListening = deps.onCancel(signal => {
    if (cancel.signal.aborted) return
    core.warning(
      `Cancel requested (${signal}): starting no new work; putting back what this run changed.`
    )
    cancel.abort(signal)
  })
  try {
    inputs = await readInputs(deps, phase)
    spec = runSpec(inputs)
    recordRun(report, spec)
    const plan = planRun(inputs)
    if (spec.mode === 'cleanup') {
      const { lambda, ecr } = deps.clients(spec.region)
      // A dry run's plan has no cleanup stage: it lists what would go.
      await runCleanup(lambda, ecr, inputs, report, phase, {
        remove: plan.includes('cleanup')
      })
    } else
      await runPlan(
        plan,
        inputs,
        runContext(deps, spec, report, phase, facts, cancel.signal),
        facts,
        cancel.signal
      )
  } catch (error) {
    report.error = errorMessage(error)
    core.setFailed(report.error)
  } finally {
    stopListening()
    if (inputs !== undefined && spec !== undefined) {
      // A verified release has nothing to put back. After a failure, what is
      // still this run's change and not put back is left to the post step
      // (a cancelled run's undo may not have had the time).
      const released = releasedOf(facts)
      if (report.error === undefined) core.saveState(STATE.undo, '[]')
      else saveUndo(spec, released)
      const failed = report.error !== undefined
      assembleReport(report, {
        ...released,
        release: releaseOf(spec),
        previous: facts.previousImage !== undefined,
        previewUrl: facts.previewUrl,
        lifecycleWarnings: facts.found?.lifecycleWarnings ?? [],
        failed,
        undone: failed && undoRuns(released, spec.dryRun)
      })
      if (spec.mode !== 'deploy' && !spec.dryRun)
        await commentOnPullRequest(inputs, report, deps.env, deps.fetch)
      else if (spec.mode !== 'deploy')
        core.info('Dry run: the pull request comment is left as it is.')
    }
    for (const [name, value] of Object.entries(reportOutputs(report)))
      core.setOutput(name, value)
    try {
      await core.summary.addRaw(renderSummary(report)).write()
    } catch (error) {
      core.warning(`Could not write the job summary: ${errorMessage(error)}`)
    }
  }
}

/** How long a cancelled run's undo may wait, within the runner's grace. */
const CANCEL_UNDO_LIMITS = {
  settleMs: 3000,
  waitTimeoutMs: 4000,
  cancelled: true
}

/**
 * Run the plan's stages; after a failure or a cancel, explain it and undo
 * the run's changes. The undo itself is never cancelled: it runs on the
 * real clock, within the runner's grace when the run was cancelled.
 */
async function runPlan(
  plan: readonly StageName[],
  inputs: Inputs,
  ctx: RunContext,
  facts: Partial<Facts>,
  cancelled: AbortSignal
): Promise<void> {
  // reuse-unchanged-image: hashing the context and asking registries for
  // the base images need nothing from AWS, so they run while the look-up
  // waits on it (issue 16).
  if (plan.includes('reuse'))
    facts.keyParts = startKeyParts(ctx.inputs, ctx.deps, { early: true })
  let stage: StageName | undefined
  try {
    // A plan that cannot end before the credentials expire is refused
    // before anything changes: now, and again once the build's time is
    // known, right before the first change.
    await checkCredentialsLifetime(ctx, inputs)
    for (const name of plan) {
      if (cancelled.aborted) throw new CancelledError(String(cancelled.reason))
      stage = name
      if (name === 'deploy') await checkCredentialsLifetime(ctx, inputs)
      if (name !== 'cleanup') await runStage(STAGES, name, ctx, facts)
    }
  } catch (error) {
    const cause = cancelled.aborted
      ? new CancelledError(
          `${String(cancelled.reason)}, during stage ${stage ?? 'look-up'}`
        )
      : error
    // Nothing was found (or it was a dry run), so nothing can have changed.
    const released = releasedOf(facts)
    if (!undoRuns(released, ctx.inputs.dryRun)) throw cause
    // The undo is never cancelled: its pools start every function.
    const undoCtx: RunContext = {
      ...ctx,
      deps: ctx.undoDeps,
      cancelled: new AbortController().signal
    }
    if (!cancelled.aborted) await diagnosticsStage(undoCtx, released)
    await undoStage(
      undoCtx,
      released,
      cause,
      cancelled.aborted
        ? CANCEL_UNDO_LIMITS
        : { settleMs: UNDO_SETTLE_MS, waitTimeoutMs: ctx.inputs.waitTimeoutMs }
    )
  } finally {
    // After a failed look-up, nothing started with it holds the process.
    facts.keyParts?.stop()
  }
}
