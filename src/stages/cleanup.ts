/**
 * The stages of a cleanup plan (mode cleanup): remove the pull request's
 * preview, or in a dry run list what a real cleanup would remove. Their
 * context is the cleanup's own: the clients and the inputs it reads, the
 * report, the phase runner; no deploy stage can run with it.
 */
import type { ECRClient } from '@aws-sdk/client-ecr'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import type { Inputs } from '../inputs/types.js'
import { runCleanup } from '../preview/cleanup.js'
import type { Report } from '../report/report.js'
import type { PhaseRunner } from './context.js'
import { stage, stageTable, type StageList } from './stage.js'

export interface CleanupContext {
  lambda: LambdaClient
  ecr: ECRClient
  inputs: Inputs
  report: Report
  phase: PhaseRunner
}

/** Stage cleanup: the preview's Function URL, function and image tags. */
export const cleanupStage = stage({
  run: async (ctx: CleanupContext) => {
    const { lambda, ecr, inputs, report, phase } = ctx
    await runCleanup(lambda, ecr, inputs, report, phase, { remove: true })
  }
})

/** Stage what-would-change of a dry cleanup: what it would remove. */
export const wouldRemoveStage = stage({
  run: async (ctx: CleanupContext) => {
    const { lambda, ecr, inputs, report, phase } = ctx
    await runCleanup(lambda, ecr, inputs, report, phase, { remove: false })
  }
})

export type CleanupStage = 'cleanup' | 'what-would-change'

export const CLEANUP_STAGES: StageList<CleanupContext, CleanupStage> =
  stageTable<CleanupContext, CleanupStage>()
    .then('cleanup', cleanupStage)
    .then('what-would-change', wouldRemoveStage)
    .done()
