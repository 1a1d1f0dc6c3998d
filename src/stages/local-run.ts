/**
 * The local run (issue 30, docs/preflight.md#the-local-run): the image that
 * will be deployed, run as Lambda would (src/emulator/) with the function's
 * configuration, before anything changes. A build runs it between `docker
 * build` and the push (`localRunBeforePush`); the `local-run` stage then
 * proves the pushed image is the one that ran (the pushed config's digest
 * is the built image's id), or pulls the image by digest (`image`, a reused
 * tag, `rollback-to`, a buildx build) and runs that.
 */
import { createHash, randomUUID } from 'node:crypto'
import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as core from '@actions/core'
import { functionEnvironment, type FunctionState } from '../aws/lambda.js'
import { dockerLogin, prepareDockerConfig } from '../build/docker.js'
import { platformFor } from '../build/platform.js'
import { arnParts, syntheticEvent } from '../checks/events.js'
import type { Check, CheckResult } from '../checks/preflight/checks.js'
import {
  localRunnable,
  runLocally,
  type LocalRunHost
} from '../checks/local-run/run.js'
import {
  classifyLocalRun,
  type LocalRunOutcome,
  type LocalRunVerdict
} from '../checks/local-run/verdict.js'
import { everyServes } from '../decide/action.js'
import { dockerCli } from '../emulator/processes.js'
import type { FunctionSpec } from '../emulator/types.js'
import { LOCAL_RUN_LABEL, STATE } from '../post/saved-state.js'
import { DeployError } from '../util/errors.js'
import type { Found, RunContext } from './context.js'
import { stage, type LocalRunHandoff } from './stage.js'
import type { Image, TargetState } from '../targets.js'

/** What the local run reads of the look-up. */
interface LookedUp {
  targets: readonly TargetState[]
  found: Found
}
import { registryOf } from './image.js'
import { eventSourceOf } from './synthetic-request.js'

const TITLE = 'Local run (as Lambda would)'
/** What each of the function's variables is set to, unless local-run-environment: real. */
export const PLACEHOLDER = 'local-run-placeholder'
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN'
]

/** The hook a build calls between its build and its push. */
export type BeforePush = (image: { ref: string; id: string }) => Promise<void>

/**
 * The build's hook, or undefined when nothing will run: local-run off, or
 * auto where Docker cannot run the image (said once, here; a buildx build
 * then pushes as it builds, with no --load).
 */
export async function localRunBeforePush(
  ctx: RunContext,
  run: LookedUp,
  handoff: LocalRunHandoff
): Promise<BeforePush | undefined> {
  const mode = ctx.inputs.localRun
  if (mode === 'off') return undefined
  if (mode === 'auto') {
    const runnable = await runnableHere(ctx, run.found.architecture)
    if (!runnable.runs) {
      report(
        ctx,
        { kind: 'cannot-run', reason: runnable.reason },
        "the build's image"
      )
      handoff.skipped = true
      return undefined
    }
  }
  return async image => {
    await judge(
      ctx,
      run,
      image.id,
      `the build's image ${image.id}, before its push`
    )
    handoff.imageId = image.id
  }
}

/** The image id of a classic store: the digest of its config. */
function configDigest(configText: string): string {
  return `sha256:${createHash('sha256').update(configText).digest('hex')}`
}

/** Stage local-run. */
export const localRunStage = stage({
  needs: ['targets', 'found'],
  uses: ['image', 'localRun'],
  run: (ctx, { targets, found, image, localRun }) =>
    localRunOf(ctx, { targets, found }, image, localRun ?? {})
})

async function localRunOf(
  ctx: RunContext,
  run: LookedUp,
  image: Image | undefined,
  handoff: LocalRunHandoff
): Promise<void> {
  const { inputs, log } = ctx
  // A dry run's build ran it already, or check-image said why not.
  if (image === undefined) return
  if (everyServes(run.targets, inputs, image.digest)) {
    log('Local run skipped: the function already runs this image.')
    return
  }
  // The build found Docker cannot run the image here, and said so.
  if (handoff.skipped === true) return
  const ran = handoff.imageId
  if (ran !== undefined) {
    // classic store: the image id is the config's digest; containerd store: the manifest's
    if (ran === configDigest(image.configText) || ran === image.digest) {
      log(
        `The local run before the push ran ${ran}: the pushed ${image.uri} has that ${ran === image.digest ? 'digest' : 'config digest'}, so it is the image that ran.`
      )
      return
    }
    log(
      `The local run before the push ran ${ran}, which cannot be proven to be ${image.uri} (config ${configDigest(image.configText)}): running the pushed image, pulled by digest.`
    )
  }
  await pulled(ctx, run, image.uri, async ref =>
    judge(ctx, run, ref, `${image.uri}, pulled by digest`)
  )
}

/** Pulls `uri` (repository@digest) with a login of its own, removed at the end. */
async function pulled(
  ctx: RunContext,
  run: LookedUp,
  uri: string,
  body: (ref: string) => Promise<void>
): Promise<void> {
  const { deps } = ctx
  const { architecture } = run.found
  const runnable = await runnableHere(ctx, architecture)
  if (!runnable.runs) {
    report(ctx, { kind: 'cannot-run', reason: runnable.reason }, uri)
    return
  }
  const { repository, auth } = registryOf(run.found)
  const workDir = await prepareDockerConfig(deps.env.RUNNER_TEMP ?? os.tmpdir())
  try {
    const env = { DOCKER_CONFIG: workDir }
    const registry = repository.uri.split('/')[0] ?? repository.uri
    await dockerLogin(deps.exec, registry, auth.username, auth.password, env)
    const pull = await deps.exec(
      'docker',
      ['pull', '--platform', platformFor(architecture), uri],
      { env }
    )
    if (pull.exitCode !== 0)
      throw new DeployError(
        `docker pull ${uri} for the local run failed: ${(pull.stderr.trim() || pull.stdout.trim()).split('\n').slice(-3).join(' ')}`
      )
  } finally {
    // The login is this stage's own: nothing of it stays on disk.
    await fs.rm(workDir, { recursive: true, force: true })
  }
  await body(uri)
}

/**
 * Whether Docker can run the image here, asked once per run and architecture
 * (`docker version` and the binfmt files): the build's hook and the stage
 * both ask.
 */
const runnableOf = new WeakMap<
  RunContext,
  Map<string, ReturnType<typeof localRunnable>>
>()
function runnableHere(
  ctx: RunContext,
  architecture: LookedUp['found']['architecture']
): ReturnType<typeof localRunnable> {
  const known =
    runnableOf.get(ctx) ?? new Map<string, ReturnType<typeof localRunnable>>()
  runnableOf.set(ctx, known)
  const asked =
    known.get(architecture) ?? localRunnable(architecture, hostOf(ctx))
  known.set(architecture, asked)
  return asked
}

function hostOf(ctx: RunContext): LocalRunHost {
  return { docker: dockerCli(), log: line => ctx.log(line) }
}

/** The function the image will serve, as the look-up found it. */
function functionOf(run: LookedUp): FunctionState {
  const target = run.targets[0]
  return target?.latest ?? target?.production ?? run.found.production
}

async function environmentOf(
  ctx: RunContext,
  fn: FunctionState
): Promise<Record<string, string>> {
  const { inputs, deps } = ctx
  const names = fn.environmentNames ?? []
  let environment: Record<string, string> = Object.fromEntries(
    names.map(name => [name, PLACEHOLDER])
  )
  if (inputs.localRunEnvironment === 'real' && names.length > 0) {
    const values = await functionEnvironment(ctx.clients.lambda, fn.functionArn)
    for (const value of Object.values(values ?? {}))
      if (value.length >= 4) core.setSecret(value)
    environment = { ...environment, ...(values ?? {}) }
  }
  if (inputs.localRunCredentials)
    for (const name of CREDENTIAL_VARIABLES) {
      const value = deps.env[name]
      if (value !== undefined && value !== '') environment[name] = value
    }
  return environment
}

/** Runs `image` as the function and stops the run on a block. */
async function judge(
  ctx: RunContext,
  run: LookedUp,
  image: string,
  what: string
): Promise<void> {
  const { inputs, deps } = ctx
  const found = run.found
  const fn = functionOf(run)
  const outcome = await ctx.phase(TITLE, async (): Promise<LocalRunOutcome> => {
    const host = hostOf(ctx)
    const runnable = await runnableHere(ctx, found.architecture)
    if (!runnable.runs)
      return { kind: 'cannot-run' as const, reason: runnable.reason }
    const target = run.targets[0]
    const source =
      target === undefined
        ? (inputs.eventSource ?? 'http-api')
        : await eventSourceOf(ctx, target)
    const spec: FunctionSpec = {
      functionName: fn.functionName,
      image,
      architecture: found.architecture,
      memorySize: fn.memorySize ?? 128,
      timeout: fn.timeoutSeconds ?? 3,
      region: inputs.region,
      accountId: arnParts(fn.functionArn).account,
      ...imageConfigOf(fn),
      environment: await environmentOf(ctx, fn)
    }
    ctx.log(
      `Running ${what} as ${fn.functionName} would run on Lambda: ${spec.architecture}, ${spec.memorySize} MB, timeout ${spec.timeout} s, ` +
        `${Object.keys(spec.environment ?? {}).length} environment variable(s) (${inputs.localRunEnvironment === 'real' ? 'their values' : 'names only, placeholder values'}), ` +
        `${inputs.localRunCredentials ? "the job's AWS credentials" : 'no AWS credentials'}; one ${source} request for ${inputs.smokePath}.`
    )
    const event = syntheticEvent(
      source,
      { method: 'GET', path: inputs.smokePath },
      {
        functionArn: fn.functionArn,
        now: new Date(deps.timing.now()),
        requestId: randomUUID()
      }
    )
    // The container's removal goes on while the run does (about a second); the process
    // ends only after it, and says if it failed. The label finds what a killed run left.
    const label = `${LOCAL_RUN_LABEL}=${randomUUID().replaceAll('-', '').slice(0, 16)}`
    ctx.log(`The local run's container is labelled ${label}.`)
    // A run killed before the removal ended leaves the label to the post step.
    core.saveState(STATE.localRun, label)
    return runLocally(
      {
        spec,
        managedInstances: fn.capacityProviderArn !== undefined,
        source,
        event: JSON.stringify(event),
        containerLabels: [label]
      },
      {
        ...host,
        removed: removal => {
          void removal.then(ok => {
            if (ok) core.saveState(STATE.localRun, '')
            else
              core.warning(
                `${TITLE}: its container (label ${label}) could not be removed; remove it with docker container rm --force.`
              )
          })
        }
      },
      runnable
    )
  })
  report(ctx, outcome, image, fn)
}

/**
 * The function's ImageConfig overrides, as preflight reads them
 * (checks/preflight/start-config.ts): an empty list or path overrides nothing.
 */
function imageConfigOf(fn: FunctionState): Pick<FunctionSpec, 'imageConfig'> {
  const c = fn.imageConfig
  const imageConfig = {
    ...(c?.entryPoint !== undefined && c.entryPoint.length > 0
      ? { entryPoint: c.entryPoint }
      : {}),
    ...(c?.command !== undefined && c.command.length > 0
      ? { command: c.command }
      : {}),
    ...(c?.workingDirectory !== undefined && c.workingDirectory !== ''
      ? { workingDirectory: c.workingDirectory }
      : {})
  }
  return Object.keys(imageConfig).length === 0 ? {} : { imageConfig }
}

const RESULT: Record<LocalRunVerdict['kind'], CheckResult> = {
  skip: 'skip',
  pass: 'pass',
  warn: 'warn',
  block: 'fail'
}

/** The one line of what ran: init, extensions, the answer. */
export function describeRun(
  outcome: Extract<LocalRunOutcome, { kind: 'ran' }>,
  functionName: string
): string {
  const { init, answer } = outcome
  const extensions =
    init.extensions.length === 0
      ? 'no extensions'
      : `extensions ${init.extensions.map(e => `${e.name} ${e.state}${e.errorType === undefined ? '' : ` (${e.errorType})`}`).join(', ')}`
  const initText = `init ${init.durationMs.toFixed(0)} ms${init.failure === undefined ? '' : ` failed (${init.failure.errorType})`}`
  const answerText =
    answer === undefined
      ? 'no request sent'
      : answer.inspection.kind === 'answer'
        ? `answer HTTP ${answer.inspection.answer.status}`
        : `answer: ${answer.errorType ?? 'not an HTTP answer'}`
  return `log group /aws/lambda/${functionName} (local): ${initText}${outcome.emulated ? ' (QEMU)' : ''}, ${extensions}, ${answerText}`
}

function report(
  ctx: RunContext,
  outcome: LocalRunOutcome,
  image: string,
  fn?: FunctionState
): void {
  const mode = ctx.inputs.localRun
  if (mode === 'off') return
  const verdict = classifyLocalRun(mode, outcome)
  const facts =
    outcome.kind === 'ran'
      ? describeRun(outcome, fn?.functionName ?? '')
      : `cannot run here: ${outcome.reason}`
  const message =
    verdict.kind === 'skip'
      ? `skipped (local-run: auto): ${verdict.reason}`
      : verdict.findings.length === 0
        ? `passed: ${facts}`
        : `${facts}; ${verdict.findings.map(f => `${f.fatal ? '' : '(configuration) '}${f.text}`).join(' ')}`
  const check: Check = {
    id: 'local-run',
    title: TITLE,
    result: RESULT[verdict.kind],
    message
  }
  ctx.report.preflight = [...(ctx.report.preflight ?? []), check]
  ctx.log(`[${verdict.kind}] ${TITLE} of ${image}: ${message}`)
  if (verdict.kind === 'warn')
    core.warning(
      `${TITLE}: ${message} (local-run: required would stop the deploy; local-run: off turns the local run off).`
    )
  if (verdict.kind === 'block')
    throw new DeployError(
      `${TITLE} stopped the deploy before anything changed: ${message}\n` +
        (verdict.findings.every(f => !f.fatal)
          ? 'local-run: required stops on every finding; local-run: auto would only warn.'
          : 'This fails on Lambda whatever the configuration: fix the image.')
    )
}
