/** Stage preview-url: the preview function's own Function URL. */
import { ensureFunctionUrl } from '../preview/url.js'
import type { RunContext, RunState } from './context.js'

export async function previewUrlStage(
  ctx: RunContext,
  run: RunState
): Promise<void> {
  const arn = run.targets[0]?.arn ?? ''
  ctx.report.previewUrl = await ctx.phase('Preview URL', () =>
    ensureFunctionUrl(
      ctx.clients.lambda,
      arn,
      ctx.inputs.previewUrlAuth,
      ctx.log
    )
  )
  ctx.log(`Preview: ${ctx.report.previewUrl}`)
}
