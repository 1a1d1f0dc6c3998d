/**
 * The context every stage of a deploy or preview run works with, made once
 * per run: the dependencies (with waits that end when the run is
 * cancelled), the clients of the run's region, the shared poll budget, and
 * the hook that records what the post step must put back after each change.
 */
import * as core from '@actions/core'
import type { StageSpec } from '../inputs/types.js'
import type { Report } from '../report/report.js'
import { callBudget } from '../util/budget.js'
import { cancellableTiming } from '../util/cancel.js'
import { readOnce } from '../util/read-once.js'
import type { Dependencies, PhaseRunner, RunContext } from './context.js'
import { releasedOf, type Facts } from './stage.js'
import { saveUndo } from './undo.js'

/**
 * Shared poll budget for all functions of a run. Polls are GetFunction calls,
 * whose quota is 100 requests/s per account and region (it cannot be raised;
 * the other control-plane calls share a separate 15/s). 10 functions polled
 * every 500 ms need 20/s; 40 leaves the rest of the 100 to other deploys and
 * the console in the same account.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const POLLS_PER_SECOND = 40

export function runContext(
  deps: Dependencies,
  inputs: StageSpec,
  report: Report,
  phase: PhaseRunner,
  /** The plan runner's record of what the stages gave so far. */
  facts: Partial<Facts>,
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
    changed: () => saveUndo(inputs, releasedOf(facts))
  }
}
