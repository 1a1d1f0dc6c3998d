/**
 * Stage what-would-change (dry-run only): for each function, what a real run
 * would change, derived from what the look-up found and the image a real
 * run would deploy (src/would-change.ts). It changes nothing and requests
 * nothing of what serves: the checks that test a new release are recorded
 * as skipped, with the reason.
 */
import { askToUpdateCode } from '../aws/lambda-update.js'
import {
  askedLine,
  type LambdaAsked,
  type WouldChange
} from '../report/would-change.js'
import type { TargetState } from '../targets.js'
import { DeployError } from '../util/errors.js'
import { imageToAsk, wouldChange, type PlannedImage } from '../would-change.js'
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
  // Dry run with restore-archived: the image a real run restores first.
  const { existingDigest, unrestored = [] } = run.found
  const archived =
    existingDigest !== undefined && unrestored.includes(existingDigest)
  await ctx.phase('What a real run would change', async () => {
    for (const target of run.targets) {
      const planned = wouldChange(target, inputs, image)
      const asked = await askLambda(ctx, target, planned, image, archived)
      target.planned = asked === undefined ? planned : { ...planned, asked }
      skipChecks(ctx, target)
      target.log(`Dry run: ${target.name}: ${planned.text}.`)
      if (asked !== undefined)
        target.log(`Dry run: ${target.name}: ${askedLine(asked)}.`)
    }
    ctx.log(
      'Dry run: nothing was changed; no undo is needed. Run again without dry-run to make these changes.'
    )
  })
  const failing = run.targets.filter(
    t =>
      t.planned?.asked?.answer === 'denied' ||
      t.planned?.asked?.answer === 'refused'
  )
  if (failing.length > 0)
    throw new DeployError(
      `Dry run: a real run would fail on ${failing.map(t => t.name).join(', ')}: ${failing
        .map(t => `${t.name}: ${t.planned?.asked?.message ?? ''}`)
        .join('; ')}`
    )
}

/**
 * Ask Lambda, with `DryRun: true`, whether the code update a real run would
 * make is allowed (aws/lambda-update.ts: askToUpdateCode).
 */
async function askLambda(
  ctx: RunContext,
  target: TargetState,
  planned: WouldChange,
  image: PlannedImage | undefined,
  archived: boolean
): Promise<LambdaAsked | undefined> {
  const ask = imageToAsk(target, planned, image, archived)
  if (ask === undefined) return undefined
  const answer = await askToUpdateCode(
    ctx.clients.lambda,
    target.arn,
    ask.imageUri
  )
  return {
    ...ask,
    answer: answer.answer,
    message: answer.answer === 'allowed' ? undefined : answer.message
  }
}

function skipChecks(ctx: RunContext, target: TargetState): void {
  const { release } = ctx.inputs
  if (release.kind === 'alias') {
    target.checks.preTraffic = SKIPPED
    if (release.canary !== undefined) target.checks.canary = SKIPPED
  }
  target.checks.smoke = SKIPPED
}
