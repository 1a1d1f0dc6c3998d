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
import { buildArgValuesToMask, realExec } from './build/docker.js'
import { startKeyParts } from './build/key-parts.js'
import type { Inputs, RunSpec, StageSpec } from './inputs/types.js'
import { describeRun } from './inputs/describe.js'
import { getInputs } from './inputs/read.js'
import { releasedAlias, runSpec } from './inputs/spec.js'
import { announceProxy } from './net/announce.js'
import { outboundFetch } from './net/fetch.js'
import { planRun, type StageName } from './plan.js'
import { runCleanup } from './preview/cleanup.js'
import { commentOnPullRequest } from './report/comment-on-pr.js'
import { STATE } from './post/saved-state.js'
import { renderSummary } from './report/summary.js'
import { reportOutputs, type Report } from './report/report.js'
import { canaryStage, moveAliasStage, preTrafficStage } from './stages/alias.js'
import {
  phaseRunner,
  type Dependencies,
  type PhaseRunner,
  type RunContext,
  type RunState,
  type Stage
} from './stages/context.js'
import { checkCredentialsLifetime } from './stages/credentials.js'
import { deployStage } from './stages/deploy.js'
import { diagnosticsStage } from './stages/diagnostics.js'
import { buildStage } from './stages/build.js'
import {
  checkImageStage,
  preflightAppStage,
  preflightImageStage
} from './stages/image.js'
import { lookUpStage } from './stages/look-up.js'
import { previewUrlStage } from './stages/preview-url.js'
import { reuseStage } from './stages/reuse.js'
import { smokeStage } from './stages/smoke.js'
import { whatWouldChangeStage } from './stages/what-would-change.js'
import { UNDO_SETTLE_MS, undoStage } from './stages/undo.js'
import { reportTargets } from './report/target-report.js'
import { pendingUndo, type Release } from './targets.js'
import { callBudget } from './util/budget.js'
import {
  CancelledError,
  cancellableTiming,
  processSignals
} from './util/cancel.js'
import { errorMessage } from './util/errors.js'
import { readOnce } from './util/read-once.js'
import { realTiming } from './util/time.js'

export type { Dependencies } from './stages/context.js'

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

/**
 * Shared poll budget for all functions of a run. Polls are GetFunction calls,
 * whose quota is 100 requests/s per account and region (it cannot be raised;
 * the other control-plane calls share a separate 15/s). 10 functions polled
 * every 500 ms need 20/s; 40 leaves the rest of the 100 to other deploys and
 * the console in the same account.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const POLLS_PER_SECOND = 40

/** What each stage of a deploy or preview plan runs. */
const STAGES: Record<Exclude<StageName, 'cleanup'>, Stage> = {
  'look-up': lookUpStage,
  reuse: reuseStage,
  'preflight-app': preflightAppStage,
  build: buildStage,
  'check-image': checkImageStage,
  'preflight-image': preflightImageStage,
  deploy: deployStage,
  'pre-traffic': preTrafficStage,
  canary: canaryStage,
  'move-alias': moveAliasStage,
  'preview-url': previewUrlStage,
  smoke: smokeStage,
  'what-would-change': whatWouldChangeStage
}

export async function run(
  deps: Dependencies = defaultDependencies()
): Promise<void> {
  const report: Report = { phases: [] }
  const phase = phaseRunner(report, deps.timing)
  const state: RunState = {
    targets: [],
    found: undefined,
    digest: undefined,
    image: undefined
  }
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
        runContext(deps, spec, report, phase, state, cancel.signal),
        state,
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
      if (report.error === undefined) core.saveState(STATE.undo, '[]')
      else saveUndo(spec, state)
      reportTargets(
        report,
        state.targets,
        releaseOf(spec),
        state.image,
        report.error !== undefined
      )
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

/**
 * What the post step must still put back, as this run's state says. With
 * rollback-on-failure false the workflow asked to keep a failed release:
 * then nothing is ever left for the post step to put back.
 */
function saveUndo(spec: RunSpec, state: RunState): void {
  core.saveState(
    STATE.undo,
    JSON.stringify(
      spec.rollbackOnFailure
        ? pendingUndo(state.targets, releaseOf(spec), state.image, spec.region)
        : []
    )
  )
}

/** How the report reads the release: the alias, if any. */
function releaseOf(spec: RunSpec): Release {
  return {
    alias: spec.mode === 'cleanup' ? undefined : releasedAlias(spec.release)
  }
}

/** Run-level facts of the report that the inputs give. */
function recordRun(report: Report, spec: RunSpec): void {
  report.functionName = spec.functionName
  if (spec.dryRun) report.dryRun = true
  if (spec.mode !== 'deploy') {
    report.productionFunctionName = spec.functionName
    report.previewFunctionName = spec.preview.name
  }
  if (spec.mode !== 'cleanup') {
    report.imageTag = spec.tag === '' ? undefined : spec.tag
    report.alias = releasedAlias(spec.release)
  }
}

function runContext(
  deps: Dependencies,
  inputs: StageSpec,
  report: Report,
  phase: PhaseRunner,
  state: RunState,
  cancelled: AbortSignal
): RunContext {
  return {
    // Every wait of the stages ends early when the run is cancelled.
    deps: { ...deps, timing: cancellableTiming(deps.timing, cancelled) },
    undoDeps: deps,
    cancelled,
    inputs,
    report,
    phase,
    clients: deps.clients(inputs.region),
    log: message => core.info(message),
    budget: callBudget(POLLS_PER_SECOND, deps.timing),
    startedAt: deps.timing.now(),
    once: readOnce(),
    changed: () => saveUndo(inputs, state)
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
  state: RunState,
  cancelled: AbortSignal
): Promise<void> {
  // reuse-unchanged-image: hashing the context and asking registries for
  // the base images need nothing from AWS, so they run while the look-up
  // waits on it (issue 16).
  if (plan.includes('reuse'))
    state.keyParts = startKeyParts(ctx.inputs, ctx.deps, { early: true })
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
      if (name !== 'cleanup') await STAGES[name](ctx, state)
    }
  } catch (error) {
    const cause = cancelled.aborted
      ? new CancelledError(
          `${String(cancelled.reason)}, during stage ${stage ?? 'look-up'}`
        )
      : error
    // Nothing was found (or it was a dry run), so nothing can have changed.
    if (state.targets.length === 0 || ctx.inputs.dryRun) throw cause
    // The undo is never cancelled: its pools start every function.
    const undoCtx: RunContext = {
      ...ctx,
      deps: ctx.undoDeps,
      cancelled: new AbortController().signal
    }
    if (!cancelled.aborted) await diagnosticsStage(undoCtx, state)
    await undoStage(
      undoCtx,
      state,
      cause,
      cancelled.aborted
        ? CANCEL_UNDO_LIMITS
        : { settleMs: UNDO_SETTLE_MS, waitTimeoutMs: ctx.inputs.waitTimeoutMs }
    )
  } finally {
    // After a failed look-up, nothing started with it holds the process.
    state.keyParts?.stop()
  }
}

function readInputs(deps: Dependencies, phase: PhaseRunner): Promise<Inputs> {
  return phase('Read inputs', () => {
    announceProxy(deps.env, core)
    const parsed = getInputs(deps.readInput, deps.env)
    // Masked before anything can print them: build secrets, and the values
    // of build-args that look like secrets (the docker command line is
    // logged, and a FROM may name an image through a build-arg).
    for (const secret of parsed.secrets) core.setSecret(secret.value)
    for (const value of buildArgValuesToMask(parsed.buildArgs))
      core.setSecret(value)
    core.info(describeRun(parsed))
    for (const deprecation of parsed.deprecations ?? [])
      core.warning(deprecation)
    if (parsed.mode === 'preview' && parsed.reuseUnchanged)
      core.info(
        'reuse-unchanged-image does not apply to previews: a preview neither reuses nor records build-<key> tags.'
      )
    if (parsed.preview !== undefined) {
      core.info(
        `Mode ${parsed.mode}: pull request #${parsed.pullRequest ?? '?'}, preview function ${parsed.preview.name}`
      )
      if (parsed.preview.shortened)
        core.warning(
          `The preview function name "${parsed.preview.full}" is longer than Lambda's 64 characters; using "${parsed.preview.name}" (cut, with a hash of the full name).`
        )
    }
    return parsed
  })
}
