import * as core from '@actions/core'
import type { AwsClients } from '../aws/clients.js'
import type { CallBudget } from '../util/budget.js'
import type { Exec } from '../build/docker.js'
import type { Fetch } from '../aws/ecr.js'
import type { ReadOnce } from '../util/read-once.js'
import type { Report } from '../report/summary.js'
import { formatDuration, type Timing } from '../util/time.js'
import type { Inputs } from '../inputs/types.js'

export interface Dependencies {
  clients: (region: string) => AwsClients
  exec: Exec
  timing: Timing
  fetch: Fetch
  env: NodeJS.ProcessEnv
  readInput: (name: string) => string
}

/** Runs each phase in its own log group, timed, recorded in the report. */
export function phaseRunner(report: Report, timing: Timing) {
  return async <T>(name: string, body: () => T | Promise<T>): Promise<T> =>
    core.group(name, async () => {
      const started = timing.now()
      try {
        const result = await body()
        const durationMs = timing.now() - started
        report.phases.push({ name, durationMs, outcome: 'ok' })
        core.info(`${name}: done in ${formatDuration(durationMs)}`)
        return result
      } catch (error) {
        const durationMs = timing.now() - started
        report.phases.push({ name, durationMs, outcome: 'failed' })
        core.info(`${name}: failed after ${formatDuration(durationMs)}`)
        throw error
      }
    })
}

export type PhaseRunner = ReturnType<typeof phaseRunner>

/** What every phase of one run works with. */
export interface RunContext {
  deps: Dependencies
  inputs: Inputs
  report: Report
  phase: PhaseRunner
  clients: AwsClients
  log: (message: string) => void
  /** Polls of all functions share it: Lambda's limits are per account. */
  budget: CallBudget
  /** When the run began: the logs of a failure are read from here on. */
  startedAt: number
  /** Answers shared within the run (how the functions are reached). */
  once: ReadOnce
}

/**
 * Run `work` for every item with at most `limit` at once; every item runs
 * (a failure does not stop the others) and the results keep their order.
 */
export async function settleEach<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(
    items.length
  )
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      try {
        results[index] = {
          status: 'fulfilled',
          value: await work(items[index] as T, index)
        }
      } catch (reason) {
        results[index] = { status: 'rejected', reason }
      }
    }
  }
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker)
  )
  return results
}
