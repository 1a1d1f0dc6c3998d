import * as core from '@actions/core'
import type { AwsClients } from '../aws/clients.js'
import type { Architecture, StageSpec } from '../inputs/types.js'
import type { Exec } from '../build/docker.js'
import type { RegistryAuth, Repository } from '../aws/ecr.js'
import type { Fetch } from '../aws/ecr-image.js'
import type { FunctionState } from '../aws/lambda.js'
import type { Report } from '../report/report.js'
import type { CallBudget } from '../util/budget.js'
import type { OnCancel } from '../util/cancel.js'
import type { ReadOnce } from '../util/read-once.js'
import { formatDuration, type Timing } from '../util/time.js'

export interface Dependencies {
  clients: (region: string) => AwsClients
  exec: Exec
  timing: Timing
  fetch: Fetch
  env: NodeJS.ProcessEnv
  readInput: (name: string) => string
  /** The runner's cancel signals (SIGINT, SIGTERM). */
  onCancel: OnCancel
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

/** What every stage of one run works with. */
export interface RunContext {
  /** The stages' dependencies: their waits end early on a cancel. */
  deps: Dependencies
  /** The dependencies the undo runs with: never cancelled. */
  undoDeps: Dependencies
  /**
   * Aborts when the job is cancelled: every worker pool checks it before
   * it starts the next function (forEachTarget), so nothing queued changes.
   */
  cancelled: AbortSignal
  inputs: StageSpec
  /** Run-level facts for the summary (image, builder, phases, preflight). */
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
  /**
   * Stages call it as soon as AWS accepted a change, so that a run killed
   * right after still leaves the post step what to put back.
   */
  changed: () => void
}

/** What the look-up found besides the functions. */
export interface Found {
  /** The first function named by function-name (in preview mode, only read). */
  production: FunctionState
  /** Undefined for rollback-to: previous, which needs no image from ECR. */
  repository: Repository | undefined
  /** The digest of the tag (build), or of the image / rollback-to input. */
  existingDigest: string | undefined
  auth: RegistryAuth | undefined
  architecture: Architecture
  /**
   * Dry run with restore-archived: the archived images a real run would
   * restore first; their manifests cannot be read, so they are not checked.
   */
  unrestored?: string[]
  /** Lifecycle rules that can archive or expire the image made live. */
  lifecycleWarnings?: string[]
}
