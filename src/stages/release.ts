import * as core from '@actions/core'
import { withDiscoveryClients } from '../aws/clients.js'
import { DeployError, errorMessage } from '../util/errors.js'
import { invokeCheck, type InvokeCheckResult } from '../checks/invoke.js'
import {
  deployImage,
  getFunctionState,
  waitForUpdate,
  type FunctionState
} from '../aws/lambda.js'
import { EVENT_SOURCE_FOR_INPUT } from '../checks/preflight/eventsource.js'
import { createPreview, previewTarget } from '../preview/run.js'
import { settleEach, type RunContext } from './context.js'
import { discoverSmokeUrl, joinUrl, smokeTest } from '../checks/smoke.js'
import type { CheckSummary, TargetReport } from '../report/summary.js'
import { formatDuration } from '../util/time.js'
import {
  aliasDescription,
  pointAlias,
  publishVersion,
  type AliasState
} from '../aws/versions.js'
import type { EventSourceInput } from '../inputs/types.js'

/** Functions deployed at once; the rest wait for a free slot. */
export const MAX_PARALLEL = 10

/** The image being deployed, checked. */
export interface Image {
  digest: string
  uri: string
  manifest: string
  configText: string
}

/** One function of the run, and what has been done to it so far. */
export interface Target {
  report: TargetReport
  /** preview mode: the production function the preview is created from. */
  production: FunctionState | undefined
  /** $LATEST at look-up; undefined for a preview not created yet. */
  fn: FunctionState | undefined
  /** What a $LATEST rollback restores. */
  replaced: FunctionState | undefined
  /** $LATEST after the deploy. */
  deployed: FunctionState | undefined
  /** The alias at look-up (alias deploys); undefined when it does not exist yet. */
  alias: AliasState | undefined
  /** The image of the alias's version at look-up. */
  aliasImageUri: string | undefined
  /** The version the alias moves to (the published one, or rollback-to previous). */
  version: string | undefined
  /** rollback-to previous: the image of that version. */
  versionImageUri?: string | undefined
  /** Nothing to do: the function (or alias) already serves the image. */
  unchanged: boolean
  latestChanged: boolean
  aliasChanged: boolean
  /** This function's own failure (not a rollback because of another). */
  failed: boolean
  log: (message: string) => void
}

export function newTarget(
  ctx: RunContext,
  fn: FunctionState | undefined,
  name: string,
  many: boolean,
  production?: FunctionState
): Target {
  return {
    production,
    report: {
      functionName: fn?.functionName ?? name,
      functionArn: fn?.functionArn ?? name,
      outcome: 'pending',
      previousImageUri: fn?.imageUri
    },
    fn,
    replaced: fn,
    deployed: undefined,
    alias: undefined,
    aliasImageUri: undefined,
    version: undefined,
    unchanged: false,
    latestChanged: false,
    aliasChanged: false,
    failed: false,
    log: many
      ? message => ctx.log(`[${fn?.functionName ?? name}] ${message}`)
      : ctx.log
  }
}

/**
 * Run `work` for each target (bounded concurrency); a target whose work
 * throws is marked failed. Throws one error naming every failure.
 */
export async function forEachTarget(
  targets: readonly Target[],
  work: (target: Target) => Promise<void>
): Promise<void> {
  const results = await settleEach(targets, MAX_PARALLEL, work)
  const failures: string[] = []
  results.forEach((result, i) => {
    const target = targets[i]
    if (result.status === 'fulfilled' || target === undefined) return
    target.failed = true
    target.report.error = errorMessage(result.reason)
    failures.push(
      targets.length > 1
        ? `${target.report.functionName}: ${target.report.error}`
        : target.report.error
    )
  })
  if (failures.length === 1) throw new DeployError(failures[0] ?? '')
  if (failures.length > 1)
    throw new DeployError(
      `${failures.length} of ${targets.length} functions failed:\n${failures.map(f => `- ${f}`).join('\n')}`
    )
}

const hexOf = (digest: string): string => digest.replace(/^sha256:/, '')

/**
 * Update $LATEST (or create the preview) and wait until it runs the image;
 * then, with publish, publish a version of exactly that code.
 */
async function deployTarget(
  ctx: RunContext,
  target: Target,
  image: Image
): Promise<void> {
  const { deps, inputs, report } = ctx
  const { lambda } = ctx.clients
  const log = target.log
  const waitTimeoutMs = inputs.waitTimeoutMs
  const fn = target.fn
  if (
    inputs.alias !== undefined &&
    target.alias !== undefined &&
    target.aliasImageUri?.endsWith(`@${image.digest}`) === true &&
    Object.keys(target.alias.weights).length === 0
  ) {
    log(
      `Alias ${inputs.alias} already serves ${image.digest} (version ${target.alias.version}); no update needed.`
    )
    target.unchanged = true
    target.version = target.alias.version
    target.report.updated = false
    target.report.version = target.alias.version
    return
  }
  if (fn === undefined) {
    const preview = previewTarget(inputs)
    const started = deps.timing.now()
    const created = await createPreview(
      lambda,
      {
        production: target.production as FunctionState,
        previewName: preview.name,
        pullRequest: preview.pullRequest,
        imageUri: image.uri,
        digest: image.digest,
        waitTimeoutMs,
        log
      },
      deps.timing
    )
    target.report.updated = true
    target.report.functionName = created.functionName
    target.report.functionArn = created.functionArn
    report.functionName = created.functionName
    report.functionArn = created.functionArn
    target.deployed = created
    log(
      `The preview function is Active after ${formatDuration(deps.timing.now() - started)} and runs ${created.imageUri ?? image.digest}.`
    )
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
        lambda,
        fn.functionArn,
        { timeoutMs: waitTimeoutMs, log, budget: ctx.budget },
        deps.timing
      )
    ).observed
    target.replaced = current
    target.report.previousImageUri = current.imageUri
  }
  if (inputs.alias !== undefined && target.alias?.version === '$LATEST')
    await pinAlias(ctx, target, current)
  if (
    current.imageDigest === image.digest &&
    current.lastUpdateStatus === 'Successful'
  ) {
    log(`The function already runs ${image.digest}; no update needed.`)
    target.report.updated = false
    target.deployed = current
  } else {
    const started = deps.timing.now()
    const result = await deployImage(
      lambda,
      fn.functionArn,
      image.uri,
      image.digest,
      { waitTimeoutMs, log, budget: ctx.budget },
      deps.timing
    )
    target.latestChanged = true
    target.report.updated = true
    target.deployed = result.after
    log(
      `Lambda applied the update in ${formatDuration(deps.timing.now() - started)} (${result.polls} polls); the function runs ${result.after.imageUri ?? image.digest}.`
    )
  }
  if (!inputs.publish) return
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
    // is theirs, and a rollback must not put the old image over it.
    const now = await getFunctionState(lambda, fn.functionArn).catch(
      () => undefined
    )
    if (target.latestChanged && now?.imageDigest !== image.digest) {
      target.latestChanged = false
      // What it serves is theirs, not the image deployed here.
      if (now !== undefined) target.deployed = now
      log(
        `$LATEST now runs ${now?.imageUri ?? 'another image'}, put there by someone else; it is left as it is.`
      )
    }
    throw error
  }
  const ready = await waitForUpdate(
    lambda,
    published.versionArn,
    { timeoutMs: waitTimeoutMs, log, budget: ctx.budget },
    deps.timing
  )
  if (ready.status === 'Failed') {
    throw new DeployError(
      `Version ${published.version} of ${fn.functionName} did not become active: ${ready.reasonCode ?? 'Failed'}: ${(ready.reason ?? 'no reason given').replace(/\.+$/, '')}.`
    )
  }
  target.version = published.version
  target.report.version = published.version
  log(`Published version ${published.version} (${published.versionArn}).`)
  if (inputs.alias !== undefined && target.alias?.version === published.version)
    target.report.updated ||= Object.keys(target.alias.weights).length > 0
}

/**
 * An alias on $LATEST would serve the new code the moment $LATEST changes:
 * first pin it to a version of the code it serves now.
 */
async function pinAlias(
  ctx: RunContext,
  target: Target,
  current: FunctionState
): Promise<void> {
  const alias = ctx.inputs.alias ?? ''
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
  target.report.previousVersion = pinned.version
  target.log(
    `Alias ${alias} pointed to $LATEST, which is about to change: pinned it to version ${pinned.version} (the code it serves) so no traffic sees the new code before its checks.`
  )
}

/** Phase: deploy the image to every function. */
export async function deployPhase(
  ctx: RunContext,
  targets: Target[],
  image: Image
): Promise<void> {
  await ctx.phase('Deploy', () =>
    forEachTarget(targets, target => deployTarget(ctx, target, image))
  )
}

/** How requests reach the app, for the pre-traffic check's synthetic event. */
async function eventSourceOf(
  ctx: RunContext,
  target: Target
): Promise<EventSourceInput> {
  if (ctx.inputs.eventSource !== undefined) return ctx.inputs.eventSource
  const { discoverReach } = await import('../checks/reach.js')
  const discovery = await discoverReach(
    await withDiscoveryClients(ctx.clients),
    target.report.functionArn,
    ctx.once
  )
  const found = discovery.reaches[0]?.eventSource
  const input = (
    Object.entries(EVENT_SOURCE_FOR_INPUT) as [EventSourceInput, string][]
  ).find(([, source]) => source === found)?.[0]
  return input ?? 'http-api'
}

function checkSummary(result: InvokeCheckResult): CheckSummary {
  return {
    state: result.pass ? 'passed' : 'failed',
    status: result.status,
    attempts: result.attempts,
    reason: result.reason
  }
}

/** Invoke the target's new version with a synthetic request. */
async function checkVersion(
  ctx: RunContext,
  target: Target,
  timeoutMs: number
): Promise<InvokeCheckResult> {
  const { inputs, deps } = ctx
  const source = await eventSourceOf(ctx, target)
  return invokeCheck(
    ctx.clients.lambda,
    {
      functionName: target.report.functionArn,
      qualifier: target.version ?? '$LATEST',
      source,
      path: inputs.smokePath,
      expected: {
        status: inputs.smokeExpectStatus,
        body: inputs.smokeExpectBody
      },
      timeoutMs,
      log: target.log
    },
    deps.timing
  )
}

const needsMove = (target: Target): boolean =>
  !target.unchanged && target.version !== undefined

/** Phase: invoke each new version directly before any traffic reaches it. */
export async function preTrafficPhase(
  ctx: RunContext,
  targets: Target[]
): Promise<void> {
  const pending = targets.filter(needsMove)
  if (pending.length === 0) return
  await ctx.phase('Pre-traffic check', () =>
    forEachTarget(pending, async target => {
      target.log(
        `Invoking version ${target.version ?? '?'} with a synthetic ${ctx.inputs.smokePath} request; alias ${ctx.inputs.alias ?? ''} still serves version ${target.alias?.version ?? '(none yet)'}.`
      )
      const result = await checkVersion(ctx, target, ctx.inputs.smokeTimeoutMs)
      target.report.preTraffic = checkSummary(result)
      if (!result.pass) {
        target.report.outcome = 'stopped'
        throw new DeployError(
          `Pre-traffic check of version ${target.version ?? '?'} failed: ${result.reason.trim().replace(/\.$/, '')}. The alias ${ctx.inputs.alias ?? ''} was not moved: no traffic reached the new version.`
        )
      }
    })
  )
}

/** Phase: a share of the alias's traffic on the new version, while checking it. */
export async function canaryPhase(
  ctx: RunContext,
  targets: Target[]
): Promise<void> {
  const canary = ctx.inputs.canary
  const alias = ctx.inputs.alias
  if (canary === undefined || alias === undefined) return
  const pending = targets.filter(t => needsMove(t) && t.alias !== undefined)
  if (pending.length === 0) return
  const { deps } = ctx
  await ctx.phase(`Canary (${canary.percent}%)`, async () => {
    await forEachTarget(pending, async target => {
      const current = target.alias as AliasState
      target.alias = await pointAlias(
        ctx.clients.lambda,
        target.report.functionArn,
        alias,
        {
          version: current.version,
          weights: { [target.version ?? '']: canary.percent / 100 }
        },
        current,
        { log: target.log },
        deps.timing
      )
      target.aliasChanged = true
      target.log(
        `Alias ${alias}: ${canary.percent}% of traffic to version ${target.version ?? '?'}, the rest to ${current.version}, for ${formatDuration(canary.intervalMs)}.`
      )
    })
    const checkEveryMs = Math.min(
      30_000,
      Math.max(1000, Math.round(canary.intervalMs / 4))
    )
    const started = deps.timing.now()
    let checks = 0
    for (;;) {
      const remaining = canary.intervalMs - (deps.timing.now() - started)
      if (remaining <= 0) break
      await deps.timing.sleep(Math.min(checkEveryMs, remaining))
      checks++
      await forEachTarget(pending, async target => {
        const result = await checkVersion(ctx, target, checkEveryMs)
        target.report.canary = checkSummary(result)
        if (!result.pass)
          throw new DeployError(
            `Canary check ${checks} of version ${target.version ?? '?'} failed: ${result.reason}.`
          )
      })
    }
    for (const target of pending)
      target.log(`Canary passed ${checks} check(s).`)
  })
}

/** Phase: every alias to its new version, recording the one it leaves. */
export async function moveAliasPhase(
  ctx: RunContext,
  targets: Target[],
  image: { digest: string }
): Promise<void> {
  const alias = ctx.inputs.alias
  if (alias === undefined) return
  const pending = targets.filter(needsMove)
  if (pending.length === 0) return
  await ctx.phase(`Move alias ${alias}`, () =>
    forEachTarget(pending, async target => {
      const before = target.alias
      const leaving = before?.version
      target.alias = await pointAlias(
        ctx.clients.lambda,
        target.report.functionArn,
        alias,
        {
          version: target.version ?? '',
          description: aliasDescription(leaving, image.digest)
        },
        before,
        { log: target.log },
        ctx.deps.timing
      )
      target.aliasChanged = true
      target.report.aliasArn = target.alias.aliasArn
      target.report.updated = true
      target.log(
        `Alias ${alias} now points to version ${target.version ?? '?'}${leaving === undefined ? ' (created)' : ` (was ${leaving})`}.`
      )
    })
  )
}

/** Phase: the HTTP smoke test of every function. */
export async function smokePhase(
  ctx: RunContext,
  targets: Target[]
): Promise<void> {
  const { deps, inputs, report } = ctx
  const { lambda, apigateway } = ctx.clients
  await ctx.phase('Smoke test', async () => {
    if (!inputs.smokeTest) {
      for (const target of targets)
        target.report.smoke = {
          state: 'skipped',
          reason: 'smoke-test is false'
        }
      report.smoke = { state: 'skipped', reason: 'smoke-test is false' }
      ctx.log('Smoke test disabled.')
      return
    }
    let given = inputs.smokeUrl
    if (inputs.mode === 'preview' && given !== undefined) {
      // smoke-url names production's address; a preview is tested where it
      // is served.
      core.warning(
        `smoke-url (${given}) is ignored in preview mode: the smoke test requests the preview function's own URL.`
      )
      given = undefined
    }
    // One smoke-url is one endpoint: test it once, for the first function.
    const tested = given !== undefined ? targets.slice(0, 1) : targets
    await forEachTarget(tested, async target => {
      const log = target.log
      let base = given
      if (base === undefined) {
        const found = await discoverSmokeUrl(
          lambda,
          apigateway,
          target.report.functionArn,
          message => core.warning(message),
          inputs.alias,
          ctx.once
        )
        if (found === undefined) {
          target.report.smoke = {
            state: 'skipped',
            reason: 'no smoke-url, Function URL or HTTP API found'
          }
          core.warning(
            `Smoke test skipped${targets.length > 1 ? ` for ${target.report.functionName}` : ''}: no smoke-url was given and the function has no Function URL or HTTP API integration that accepts unsigned requests. Set smoke-url to test the deployed app.`
          )
          return
        }
        log(
          `Smoke-testing the ${found.source === 'function-url' ? 'Function URL' : 'HTTP API'} ${found.url}`
        )
        base = found.url
      }
      const url = joinUrl(base, inputs.smokePath)
      const result = await smokeTest(
        {
          url,
          expected: {
            status: inputs.smokeExpectStatus,
            body: inputs.smokeExpectBody
          },
          timeoutMs: inputs.smokeTimeoutMs,
          log,
          fetch: deps.fetch
        },
        deps.timing
      )
      target.report.smoke = {
        state: result.pass ? 'passed' : 'failed',
        url,
        status: result.status,
        attempts: result.attempts.length,
        reason: result.reason
      }
      if (!result.pass)
        throw new DeployError(`Smoke test failed: ${result.reason}`)
    }).finally(() => {
      report.smoke = targets[0]?.report.smoke
    })
  })
}

/** The command that puts back what the deploy replaced, by hand. */
export function undoCommand(
  target: Target,
  alias: string | undefined
): string | undefined {
  const arn = target.report.functionArn
  if (alias !== undefined) {
    const previous = target.report.previousVersion
    return previous === undefined
      ? undefined
      : `aws lambda update-alias --function-name ${arn} --name ${alias} --function-version ${previous} --routing-config 'AdditionalVersionWeights={}'`
  }
  const previous = target.replaced?.imageUri
  return previous === undefined
    ? undefined
    : `aws lambda update-function-code --function-name ${arn} --image-uri ${previous}`
}

/** What a target serves now, recorded in its report. */
export function recordServing(target: Target, image: Image | undefined): void {
  const r = target.report
  if (target.alias !== undefined) {
    r.servingVersion = target.alias.version
    r.servingImageUri =
      target.alias.version === target.version
        ? (image?.uri ?? target.aliasImageUri)
        : target.aliasImageUri
    return
  }
  r.servingImageUri = target.latestChanged
    ? (image?.uri ?? target.deployed?.imageUri)
    : (target.deployed?.imageUri ?? target.fn?.imageUri)
}

/** Put one target back: the alias to its previous version, or $LATEST to its previous image. */
async function restore(ctx: RunContext, target: Target): Promise<string> {
  const { inputs, deps } = ctx
  const { lambda } = ctx.clients
  const alias = inputs.alias
  if (alias !== undefined && target.aliasChanged) {
    const previous = target.report.previousVersion
    if (previous === undefined) {
      throw new DeployError(
        `alias ${alias} did not exist before this run, so there is no earlier version to point it back to; it points to version ${target.alias?.version ?? '?'}.`
      )
    }
    target.alias = await pointAlias(
      lambda,
      target.report.functionArn,
      alias,
      {
        version: previous,
        description: target.alias?.description ?? ''
      },
      target.alias,
      { log: target.log },
      deps.timing
    )
    target.aliasChanged = false
    return `alias ${alias} points to version ${previous} again`
  }
  const previous = target.replaced?.imageUri
  const previousDigest = target.replaced?.imageDigest
  if (previous === undefined || previousDigest === undefined) {
    throw new DeployError(
      'the function ran no image before this deploy, so there is nothing to restore.'
    )
  }
  target.log(`Restoring the previous image ${previous}.`)
  const result = await deployImage(
    lambda,
    target.report.functionArn,
    previous,
    previousDigest,
    {
      waitTimeoutMs: inputs.waitTimeoutMs,
      log: target.log,
      budget: ctx.budget
    },
    deps.timing
  )
  target.latestChanged = false
  target.deployed = result.after
  return `runs the previous image ${previous} again`
}

/** Whether a rollback of this target would change what serves traffic. */
function servesChange(ctx: RunContext, target: Target): boolean {
  return ctx.inputs.alias !== undefined
    ? target.aliasChanged
    : target.latestChanged
}

/**
 * After a failure: put back every function this run changed (all of them,
 * not only the one that failed), then fail with what happened.
 */
export async function rollBackAll(
  ctx: RunContext,
  targets: Target[],
  image: Image | undefined,
  cause: unknown
): Promise<never> {
  const { inputs, report } = ctx
  const changed = targets.filter(t => servesChange(ctx, t))
  for (const target of targets) {
    if (target.report.outcome === 'pending' && target.failed)
      target.report.outcome = servesChange(ctx, target) ? 'failed' : 'stopped'
  }
  const finish = (): void => {
    for (const target of targets) {
      recordServing(target, image)
      // A restored target keeps its command: the summary shows what the
      // rollback did, by hand.
      target.report.undo = changed.includes(target)
        ? undoCommand(target, inputs.alias)
        : undefined
    }
  }
  if (changed.length === 0) {
    report.rolledBack = false
    for (const target of targets)
      if (target.report.outcome === 'pending') target.report.outcome = 'stopped'
    finish()
    throw cause
  }
  if (!inputs.rollbackOnFailure) {
    report.rolledBack = false
    for (const target of changed) target.report.outcome = 'failed'
    finish()
    const commands = changed
      .map(t => t.report.undo)
      .filter((c): c is string => c !== undefined)
    throw new DeployError(
      `${errorMessage(cause)}\nrollback-on-failure is false: ${changed.map(t => t.report.functionName).join(', ')} keep${changed.length === 1 ? 's' : ''} the new release.` +
        (commands.length > 0
          ? ` To restore by hand: ${commands.join(' ; ')}`
          : '')
    )
  }
  const lines: string[] = []
  let allRestored = true
  await ctx
    .phase('Roll back', async () => {
      const results = await settleEach(changed, MAX_PARALLEL, target =>
        restore(ctx, target)
      )
      results.forEach((result, i) => {
        const target = changed[i] as Target
        const command = undoCommand(target, inputs.alias)
        if (result.status === 'fulfilled') {
          target.report.outcome = target.failed ? 'rolled-back' : 'reverted'
          lines.push(`${target.report.functionName} ${result.value}.`)
          target.log(`Rolled back: ${result.value}.`)
        } else {
          allRestored = false
          target.report.outcome = 'rollback-failed'
          lines.push(
            `ROLLBACK FAILED for ${target.report.functionName}: ${errorMessage(result.reason)}` +
              (command !== undefined ? ` Restore it by hand: ${command}` : '')
          )
          core.error(lines.at(-1) ?? '')
        }
      })
      if (!allRestored) throw new DeployError('A rollback failed.')
    })
    .catch(() => undefined)
  for (const target of targets)
    if (target.report.outcome === 'pending') target.report.outcome = 'stopped'
  finish()
  report.rolledBack = allRestored
  const first = changed[0]
  if (allRestored && first !== undefined)
    report.rolledBackTo =
      inputs.alias !== undefined
        ? `version ${first.report.previousVersion ?? '?'}`
        : first.replaced?.imageUri
  throw new DeployError(
    `${errorMessage(cause)}\n${allRestored ? 'Rolled back: ' : ''}${lines.join('\n')}`
  )
}

/** After a success: what each function serves, and how to undo it. */
export function finishTargets(
  ctx: RunContext,
  targets: Target[],
  image: Image | undefined
): void {
  for (const target of targets) {
    target.report.outcome = target.unchanged
      ? 'unchanged'
      : target.report.updated === false
        ? 'unchanged'
        : 'deployed'
    recordServing(target, image)
    // Only a deploy that changed something has something to undo.
    target.report.undo =
      target.report.updated === true
        ? undoCommand(target, ctx.inputs.alias)
        : undefined
  }
}
