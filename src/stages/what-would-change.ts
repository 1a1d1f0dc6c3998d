/**
 * Stage what-would-change (dry-run only): for each function, what a real run
 * would change, derived from what the look-up found and the image a real
 * run would deploy (src/would-change.ts). It changes nothing and requests
 * nothing of what serves: the checks that test a new release are recorded
 * as skipped, with the reason.
 */
import type { TargetState } from '../targets.js'
import { wouldChange, type PlannedImage } from '../would-change.js'
import type { RunContext } from './context.js'
import { releasedOf, stage, type StageInput } from './stage.js'

const SKIPPED = {
  state: 'skipped',
  reason:
    'dry run: nothing new serves, so nothing was requested (a real run tests what serves after its deploy)'
} as const

/** The image a real run would deploy: the checked one, or the tag this dry run built. */
function plannedImage(
  ctx: RunContext,
  run: StageInput<'found', 'image'>
): PlannedImage | undefined {
  if (run.image !== undefined)
    return { uri: run.image.uri, digest: run.image.digest }
  const repository = run.found.repository
  if (repository === undefined) return undefined
  return { uri: `${repository.uri}:${ctx.inputs.tag}`, digest: undefined }
}

export const whatWouldChangeStage = stage({
  needs: ['targets', 'found'],
  uses: ['image', 'previousImage'],
  run: (ctx, run) =>
    whatWouldChange(ctx, { found: run.found, ...releasedOf(run) })
})

async function whatWouldChange(
  ctx: RunContext,
  run: StageInput<'targets' | 'found', 'image'>
): Promise<void> {
  const { inputs } = ctx
  const image = plannedImage(ctx, run)
  await ctx.phase('What a real run would change', () => {
    for (const target of run.targets) {
      target.planned = wouldChange(target, inputs, image)
      skipChecks(ctx, target)
      target.log(`Dry run: ${target.name}: ${target.planned.text}.`)
    }
    ctx.log(
      'Dry run: nothing was changed; no undo is needed. Run again without dry-run to make these changes.'
    )
  })
}

function skipChecks(ctx: RunContext, target: TargetState): void {
  const { release } = ctx.inputs
  if (release.kind === 'alias') {
    target.checks.preTraffic = SKIPPED
    if (release.canary !== undefined) target.checks.canary = SKIPPED
  }
  target.checks.smoke = SKIPPED
}
