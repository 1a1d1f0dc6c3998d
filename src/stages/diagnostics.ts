/**
 * After a failure: the lines of the failed functions' logs that explain it,
 * in the log and the summary. Never fails the run by itself.
 */
import * as core from '@actions/core'
import { errorMessage } from '../util/errors.js'
import { withCommandsStopped } from '../util/stop-commands.js'
import type { RunContext } from './context.js'
import type { StageInput } from './stage.js'

export async function diagnosticsStage(
  ctx: RunContext,
  run: StageInput<'targets', never>
): Promise<void> {
  const failed = run.targets.filter(t => t.error !== undefined)
  if (failed.length === 0) return
  await ctx
    .phase('Diagnostics', async () => {
      // Loaded only when a run fails: keeps the action's start-up lean.
      const { readDiagnostics, formatDiagnostics } =
        await import('../aws/logs.js')
      await Promise.all(
        failed.map(async target => {
          const found = await readDiagnostics(
            target.arn,
            ctx.inputs.region,
            ctx.startedAt,
            {
              // Alias deploys: only the new version's streams. Otherwise
              // the failure is on $LATEST.
              ...(ctx.inputs.release.kind === 'alias' &&
                target.version !== undefined && { version: target.version }),
              timing: ctx.deps.timing
            }
          )
          target.diagnostics = {
            lines: found.lines.map(line => line.message),
            note: found.note
          }
          // The lines are the app's (request data included): no line may
          // act as a workflow command on the job.
          withCommandsStopped(core.info, () => {
            for (const line of formatDiagnostics(found)) target.log(line)
          })
        })
      )
    })
    .catch((error: unknown) =>
      core.warning(`Could not read the logs: ${errorMessage(error)}`)
    )
}
