/** Stage preview-url: the preview function's own Function URL. */
import { ensureFunctionUrl } from '../preview/url.js'
import { stage } from './stage.js'

export const previewUrlStage = stage({
  needs: ['targets'],
  gives: ['previewUrl'],
  run: async (ctx, { targets }) => {
    const arn = targets[0]?.arn ?? ''
    const previewUrl = await ctx.phase('Preview URL', () =>
      ensureFunctionUrl(
        ctx.clients.lambda,
        arn,
        ctx.inputs.previewUrlAuth,
        ctx.log
      )
    )
    ctx.log(`Preview: ${previewUrl}`)
    return { previewUrl }
  }
})
