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
import type { Inputs } from './inputs/types.js'
import { getInputs } from './inputs/read.js'
import { announceProxy } from './net/announce.js'
import { outboundFetch } from './net/fetch.js'
import { planRun, type StageName } from './plan.js'
import { runCleanup } from './preview/cleanup.js'
import { previewTarget } from './preview/target.js'
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
import {
  buildStage,
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
import { pendingUndo, reportTargets } from './targets.js'
import { callBudget } from './util/budget.js'
import {
  CancelledError,
  cancellableTiming,
  processSignals
} from './util/cancel.js'
import { errorMessage } from './util/errors.js'
import { readOnce } from './util/read-once.js'
import { formatDuration, realTiming } from './util/time.js'

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
    await runPlan(
      runContext(deps, inputs, report, phase, state, cancel.signal),
      state,
      cancel.signal
    )
  } catch (error) {
    report.error = errorMessage(error)
    core.setFailed(report.error)
  } finally {
    stopListening()
    if (inputs !== undefined) {
      // A verified release has nothing to put back. After a failure, what is
      // still this run's change and not put back is left to the post step
      // (a cancelled run's undo may not have had the time).
      if (report.error === undefined) core.saveState(STATE.undo, '[]')
      else saveUndo(inputs, state)
      reportTargets(
        report,
        state.targets,
        { alias: inputs.alias },
        state.image,
        report.error !== undefined
      )
      if (inputs.mode !== 'deploy' && !inputs.dryRun)
        await commentOnPullRequest(inputs, report, deps.env, deps.fetch)
      else if (inputs.mode !== 'deploy')
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
function saveUndo(inputs: Inputs, state: RunState): void {
  core.saveState(
    STATE.undo,
    JSON.stringify(
      inputs.rollbackOnFailure
        ? pendingUndo(
            state.targets,
            { alias: inputs.alias },
            state.image,
            inputs.region
          )
        : []
    )
  )
}

function runContext(
  deps: Dependencies,
  inputs: Inputs,
  report: Report,
  phase: PhaseRunner,
  state: RunState,
  cancelled: AbortSignal
): RunContext {
  report.functionName = inputs.functionName
  if (inputs.dryRun) report.dryRun = true
  if (inputs.mode !== 'deploy') {
    report.productionFunctionName = inputs.functionName
    report.previewFunctionName = previewTarget(inputs).name
  }
  if (inputs.mode !== 'cleanup') {
    report.imageTag = inputs.tag === '' ? undefined : inputs.tag
    report.alias = inputs.alias
  }
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
  ctx: RunContext,
  state: RunState,
  cancelled: AbortSignal
): Promise<void> {
  const plan = planRun(ctx.inputs)
  if (ctx.inputs.mode === 'cleanup') {
    const { lambda, ecr } = ctx.clients
    // A dry run's plan has no cleanup stage: it lists what would go.
    await runCleanup(lambda, ecr, ctx.inputs, ctx.report, ctx.phase, {
      remove: plan.includes('cleanup')
    })
    return
  }
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
    await checkCredentialsLifetime(ctx)
    for (const name of plan) {
      if (cancelled.aborted) throw new CancelledError(String(cancelled.reason))
      stage = name
      if (name === 'deploy') await checkCredentialsLifetime(ctx)
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

/** One line: which functions, which image, which release. */
function describeRun(inputs: Inputs): string {
  const names =
    inputs.functionNames.length > 1
      ? `Functions ${inputs.functionNames.join(', ')}`
      : `Function ${inputs.functionName}`
  const image =
    inputs.source.kind === 'previous'
      ? `rollback-to previous (alias ${inputs.alias ?? ''})`
      : inputs.source.kind === 'existing'
        ? `${inputs.source.input} ${inputs.source.digest ?? inputs.source.tag ?? ''} (no build)`
        : `tag ${inputs.tag}`
  const release =
    inputs.alias !== undefined
      ? `, alias ${inputs.alias}${inputs.canary !== undefined ? ` (canary ${inputs.canary.percent}% for ${formatDuration(inputs.canary.intervalMs)})` : ''}`
      : inputs.publish
        ? ', publish a version'
        : ''
  return `${inputs.dryRun ? 'Dry run (nothing will be changed): ' : ''}${names}, repository ${inputs.repository.name || '—'}, ${image}, region ${inputs.region}${release}`
}
