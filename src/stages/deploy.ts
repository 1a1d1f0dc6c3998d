/**
 * Stage deploy: every function's $LATEST runs the image (or a new preview
 * function is created with it), then, with publish, a version of exactly
 * that code. An alias on $LATEST is pinned to a version first.
 */
import { getFunctionState, type FunctionState } from '../aws/lambda.js'
import { deployImage, waitForUpdate } from '../aws/lambda-update.js'
import {
  aliasDescription,
  pointAlias,
  publishVersion
} from '../aws/versions.js'
import type { CommonSpec, PreviewSpec } from '../inputs/types.js'
import { createPreview } from '../preview/first-deploy.js'
import { reconcilePreview } from '../preview/reconcile.js'
import { decide, latestAction } from '../decide/action.js'
import type { Image, TargetState } from '../targets.js'
import { DeployError, UpdateFailedError } from '../util/errors.js'
import { formatDuration } from '../util/time.js'
import type { RunContext } from './context.js'
import { stage } from './stage.js'
import { forEachTarget } from './each.js'

export const deployStage = stage({
  needs: ['targets', 'image'],
  run: async (ctx, { targets, image }) => {
    await ctx.phase('Deploy', () =>
      forEachTarget(ctx.cancelled, targets, target =>
        deployTarget(ctx, target, image)
      )
    )
  }
})

const hexOf = (digest: string): string => digest.replace(/^sha256:/, '')

async function deployTarget(
  ctx: RunContext,
  target: TargetState,
  image: Image
): Promise<void> {
  const { inputs } = ctx
  const log = target.log
  const action = decide(target, inputs, image)
  if (action.do === 'nothing') {
    log(
      `Alias ${action.alias} already serves ${image.digest} (version ${action.version}); no update needed.`
    )
    target.code = 'alias-up-to-date'
    target.version = action.version
    return
  }
  // rollback-to previous deploys nothing: its plan has no deploy stage.
  if (action.do === 'move-back') throw new Error('nothing to deploy')
  const fn = target.latest
  if (action.do === 'create-preview' || fn === undefined) {
    // Only a preview's function may not exist yet (the look-up refuses a
    // missing function otherwise).
    if (inputs.mode !== 'preview')
      throw new Error(`${target.name} was not found`)
    await createPreviewTarget(ctx, inputs, target, image)
    return
  }
  let current = fn
  if (fn.lastUpdateStatus === 'InProgress' || fn.state === 'Pending') {
    log(
      'Another update of the function is in progress; waiting for it to finish first.'
    )
    // The wait's last answer is the function as this deploy finds it.
    current = (
      await waitForUpdate(
        ctx.clients.lambda,
        fn.functionArn,
        { timeoutMs: inputs.waitTimeoutMs, log, budget: ctx.budget },
        ctx.deps.timing
      )
    ).observed
    target.replaced = current
    target.latest = current
  }
  if (
    inputs.mode === 'preview' &&
    (await reconcilePreview(
      ctx.clients.lambda,
      {
        production: target.production as FunctionState,
        previewArn: current.functionArn,
        waitTimeoutMs: inputs.waitTimeoutMs,
        log,
        isolation: inputs.isolation
      },
      ctx.deps.timing
    ))
  ) {
    // The settings changed, the code not yet: read what it now runs.
    current = await getFunctionState(ctx.clients.lambda, current.functionArn)
    target.latest = current
  }
  if (action.pinAlias && action.alias !== undefined)
    await pinAlias(ctx, target, current, action.alias.name)
  // The same decision, on $LATEST as this deploy found it once an update
  // in progress had finished.
  if (latestAction(current, image.digest) === 'up-to-date') {
    log(`The function already runs ${image.digest}; no update needed.`)
    target.code = 'up-to-date'
  } else {
    const started = ctx.deps.timing.now()
    // The intent is recorded before the call: a run killed while it waits
    // for the answer leaves the post step a (guarded) undo, and a lost
    // answer of an accepted update is found by reading the function back.
    target.code = 'updating'
    ctx.changed()
    const result = await deployImage(
      ctx.clients.lambda,
      fn.functionArn,
      image.uri,
      image.digest,
      {
        waitTimeoutMs: inputs.waitTimeoutMs,
        log,
        budget: ctx.budget,
        // From here on the function counts as changed, even if the wait
        // then times out: the undo puts it back.
        onAccepted: () => {
          target.code = 'updated'
          ctx.changed()
        }
      },
      ctx.deps.timing
    ).catch((error: unknown) => {
      // Lambda kept the previous image: nothing of this run's is live.
      if (error instanceof UpdateFailedError) target.code = 'refused'
      // Not accepted (the function shows no sign of our image): no change.
      if (target.code === 'updating') {
        target.code = 'pending'
        ctx.changed()
      }
      throw error
    })
    target.latest = result.after
    log(
      `Lambda applied the update in ${formatDuration(ctx.deps.timing.now() - started)} (${result.polls} polls); the function runs ${result.after.imageUri ?? image.digest}.`
    )
  }
  if (action.publish) await publish(ctx, target, fn, image)
}

/** First preview of a pull request: the function is created with the image. */
async function createPreviewTarget(
  ctx: RunContext,
  inputs: CommonSpec & PreviewSpec,
  target: TargetState,
  image: Image
): Promise<void> {
  const { deps } = ctx
  const { preview } = inputs
  const started = deps.timing.now()
  const created = await createPreview(
    ctx.clients.lambda,
    {
      production: target.production as FunctionState,
      previewName: preview.name,
      pullRequest: preview.pullRequest,
      imageUri: image.uri,
      digest: image.digest,
      // Look-up resolved it: architecture, or Lambda's default x86_64.
      architecture: (target.production as FunctionState).architecture,
      waitTimeoutMs: inputs.waitTimeoutMs,
      log: target.log,
      isolation: inputs.isolation
    },
    deps.timing
  )
  target.code = 'created'
  target.name = created.functionName
  target.arn = created.functionArn
  target.latest = created
  target.log(
    `The preview function is Active after ${formatDuration(deps.timing.now() - started)} and runs ${created.imageUri ?? image.digest}.`
  )
}

/** Publish a version of exactly the deployed code, and wait until it is active. */
async function publish(
  ctx: RunContext,
  target: TargetState,
  fn: FunctionState,
  image: Image
): Promise<void> {
  const { inputs, deps } = ctx
  const { lambda } = ctx.clients
  const log = target.log
  let published
  try {
    published = await publishVersion(
      lambda,
      fn.functionArn,
      hexOf(image.digest),
      `aspnet-lambda-deploy ${inputs.tag === '' ? image.digest : inputs.tag}`.slice(
        0,
        256
      ),
      { log },
      deps.timing
    )
  } catch (error) {
    // Refused because someone else changed $LATEST meanwhile: what runs now
    // is theirs, and an undo must not put the old image over it.
    const now = await getFunctionState(lambda, fn.functionArn).catch(
      () => undefined
    )
    if (target.code === 'updated' && now?.imageDigest !== image.digest) {
      target.code = 'superseded'
      target.supersededBy = `$LATEST now runs ${now?.imageUri ?? 'another image'}, put there by someone else`
      if (now !== undefined) target.latest = now
      log(`${target.supersededBy}; it is left as it is.`)
    }
    throw error
  }
  const ready = await waitForUpdate(
    lambda,
    published.versionArn,
    { timeoutMs: inputs.waitTimeoutMs, log, budget: ctx.budget },
    deps.timing
  )
  if (ready.status === 'Failed') {
    throw new DeployError(
      `Version ${published.version} of ${fn.functionName} did not become active: ${ready.reasonCode ?? 'Failed'}: ${(ready.reason ?? 'no reason given').replace(/\.+$/, '')}.`
    )
  }
  target.version = published.version
  log(`Published version ${published.version} (${published.versionArn}).`)
}

/**
 * An alias on $LATEST would serve the new code the moment $LATEST changes:
 * first pin it to a version of the code it serves now.
 */
async function pinAlias(
  ctx: RunContext,
  target: TargetState,
  current: FunctionState,
  alias: string
): Promise<void> {
  if (current.imageDigest === undefined) return
  const pinned = await publishVersion(
    ctx.clients.lambda,
    current.functionArn,
    hexOf(current.imageDigest),
    `aspnet-lambda-deploy: what alias ${alias} served on $LATEST`.slice(0, 256),
    { log: target.log },
    ctx.deps.timing
  )
  target.alias = await pointAlias(
    ctx.clients.lambda,
    current.functionArn,
    alias,
    {
      version: pinned.version,
      description: aliasDescription(undefined, current.imageDigest)
    },
    target.alias,
    { log: target.log },
    ctx.deps.timing
  )
  target.previousVersion = pinned.version
  target.log(
    `Alias ${alias} pointed to $LATEST, which is about to change: pinned it to version ${pinned.version} (the code it serves) so no traffic sees the new code before its checks.`
  )
}
