import * as os from 'node:os'
import * as core from '@actions/core'
import { createClients } from './aws/clients.js'
import { callBudget } from './util/budget.js'
import {
  buildWithBuildx,
  buildWithDocker,
  builderDriver,
  dockerLogin,
  hasBuildx,
  needsContainerBuilder,
  prepareDockerConfig,
  realExec,
  type BuildContext,
  type BuildRequest,
  type Exec
} from './build/docker.js'
import {
  checkImagePlatform,
  checkManifest,
  describeRepository,
  fetchImageConfigText,
  findImageDigest,
  findTagDigest,
  getImageManifest,
  getRegistryAuth,
  parseImageConfig,
  recentTags,
  type RegistryAuth,
  type Repository
} from './aws/ecr.js'
import { DeployError, errorMessage } from './util/errors.js'
import { getInputs } from './inputs/read.js'
import {
  checkDeployable,
  digestFromImageUri,
  getFunctionState,
  type FunctionState
} from './aws/lambda.js'
import { platformFor, resolveArchitecture } from './build/platform.js'
import { enforce } from './checks/preflight/checks.js'
import { preflightImage } from './checks/preflight/image.js'
import { preflightApp } from './checks/preflight/run.js'
import {
  commentOnPullRequest,
  lookUpPreview,
  previewTarget,
  runCleanup
} from './preview/run.js'
import { ensureFunctionUrl } from './preview/functions.js'
import {
  canaryPhase,
  deployPhase,
  finishTargets,
  MAX_PARALLEL,
  moveAliasPhase,
  newTarget,
  preTrafficPhase,
  rollBackAll,
  smokePhase,
  type Image,
  type Target
} from './stages/release.js'
import {
  phaseRunner,
  settleEach,
  type Dependencies,
  type PhaseRunner,
  type RunContext
} from './stages/context.js'
import { readOnce } from './util/read-once.js'
import { renderSummary, reportOutputs, type Report } from './report/summary.js'
import { STATE } from './post/saved-state.js'
import { formatDuration, realTiming } from './util/time.js'
import {
  getAlias,
  previousVersionFromDescription,
  type AliasState
} from './aws/versions.js'
import type { Architecture, Inputs } from './inputs/types.js'

export type { Dependencies } from './stages/context.js'

export function defaultDependencies(): Dependencies {
  return {
    clients: createClients,
    exec: realExec,
    timing: realTiming,
    fetch: globalThis.fetch,
    env: process.env,
    readInput: name => core.getInput(name)
  }
}

function describeFunction(fn: FunctionState): string {
  return `${fn.functionArn} (${fn.architecture}, State ${fn.state ?? '?'}, LastUpdateStatus ${fn.lastUpdateStatus ?? '?'}), running ${fn.imageUri ?? 'no image'}`
}

/**
 * Shared poll budget for all functions of a run. Polls are GetFunction calls,
 * whose quota is 100 requests/s per account and region (it cannot be raised;
 * the other control-plane calls share a separate 15/s). 10 functions polled
 * every 500 ms need 20/s; 40 leaves the rest of the 100 to other deploys and
 * the console in the same account.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const POLLS_PER_SECOND = 40

export async function run(
  deps: Dependencies = defaultDependencies()
): Promise<void> {
  const report: Report = { phases: [] }
  const phase = phaseRunner(report, deps.timing)
  const session: { inputs?: Inputs } = {}
  try {
    await deploy(deps, report, phase, session)
  } catch (error) {
    report.error = errorMessage(error)
    core.setFailed(report.error)
  } finally {
    if (session.inputs !== undefined && session.inputs.mode !== 'deploy')
      await commentOnPullRequest(session.inputs, report, deps.env, deps.fetch)
    for (const [name, value] of Object.entries(reportOutputs(report)))
      core.setOutput(name, value)
    try {
      await core.summary.addRaw(renderSummary(report)).write()
    } catch (error) {
      core.warning(`Could not write the job summary: ${errorMessage(error)}`)
    }
  }
}

/** What the look-up found: the functions, the repository, the tag. */
interface LookUp {
  /** The first function named by function-name (in preview mode, only read). */
  production: FunctionState
  targets: Target[]
  /** Undefined for rollback-to: previous, which needs no image from ECR. */
  repository: Repository | undefined
  existingDigest: string | undefined
  auth: RegistryAuth | undefined
  architecture: Architecture
}

async function deploy(
  deps: Dependencies,
  report: Report,
  phase: PhaseRunner,
  session: { inputs?: Inputs }
): Promise<void> {
  const inputs = await readInputs(deps, phase)
  session.inputs = inputs
  report.functionName = inputs.functionName
  const ctx: RunContext = {
    deps,
    inputs,
    report,
    phase,
    clients: deps.clients(inputs.region),
    log: message => core.info(message),
    budget: callBudget(POLLS_PER_SECOND, deps.timing),
    startedAt: deps.timing.now(),
    once: readOnce()
  }
  if (inputs.mode !== 'deploy') {
    report.productionFunctionName = inputs.functionName
    report.previewFunctionName = previewTarget(inputs).name
  }
  if (inputs.mode === 'cleanup') {
    await runCleanup(ctx.clients.lambda, ctx.clients.ecr, inputs, report, phase)
    return
  }
  report.imageTag = inputs.tag === '' ? undefined : inputs.tag
  report.alias = inputs.alias

  const look = await lookUp(ctx)
  const targets = look.targets
  const first = targets[0] as Target
  report.targets = targets.map(t => t.report)
  report.functionName = first.fn?.functionName ?? inputs.preview?.name
  report.functionArn = first.fn?.functionArn
  report.architecture = look.architecture
  report.platform = platformFor(look.architecture)

  let image: Image | undefined
  try {
    if (inputs.source.kind === 'previous') {
      image = previousImage(ctx, targets)
    } else {
      const digest = await obtainImage(ctx, look)
      image = await checkImage(ctx, look, digest)
      await preflightPushedImage(ctx, look, image)
      await deployPhase(ctx, targets, image)
    }
    if (inputs.alias !== undefined) {
      await preTrafficPhase(ctx, targets)
      await canaryPhase(ctx, targets)
      await moveAliasPhase(ctx, targets, image)
    }
    if (inputs.mode === 'preview') {
      const arn = first.report.functionArn
      report.previewUrl = await phase('Preview URL', () =>
        ensureFunctionUrl(
          ctx.clients.lambda,
          arn,
          inputs.previewUrlAuth,
          ctx.log
        )
      )
      ctx.log(`Preview: ${report.previewUrl}`)
    }
    await smokePhase(ctx, targets)
  } catch (error) {
    if (targets.some(t => t.failed)) await showDiagnostics(ctx, targets)
    await rollBackAll(ctx, targets, image, error)
  } finally {
    report.updated = anyUpdated(targets)
    report.previousImageUri = first.report.previousImageUri
  }
  finishTargets(ctx, targets, image)
}

function anyUpdated(targets: Target[]): boolean | undefined {
  const known = targets
    .map(t => t.report.updated)
    .filter((u): u is boolean => u !== undefined)
  return known.length === 0 ? undefined : known.some(Boolean)
}

/** rollback-to: previous: each alias goes back to the version it left. */
function previousImage(ctx: RunContext, targets: Target[]): Image {
  const first = targets[0] as Target
  const uri = first.versionImageUri ?? ''
  const digest = digestFromImageUri(uri) ?? ''
  ctx.report.imageUri = uri
  ctx.report.imageDigest = digest
  ctx.report.reusedImage = true
  return { digest, uri, manifest: '', configText: '' }
}

/** The lines of the logs that explain a failure, in the log and the summary. */
async function showDiagnostics(
  ctx: RunContext,
  targets: Target[]
): Promise<void> {
  const failed = targets.filter(t => t.failed)
  await ctx
    .phase('Diagnostics', async () => {
      // Loaded only when a run fails: keeps the action's start-up lean.
      const { readDiagnostics, formatDiagnostics } =
        await import('./aws/logs.js')
      await Promise.all(
        failed.map(async target => {
          const found = await readDiagnostics(
            target.report.functionArn,
            ctx.inputs.region,
            ctx.startedAt,
            {
              // Alias deploys: only the new version's streams. Otherwise
              // the failure is on $LATEST.
              ...(ctx.inputs.alias !== undefined &&
                target.version !== undefined && { version: target.version }),
              timing: ctx.deps.timing
            }
          )
          target.report.diagnostics = {
            lines: found.lines.map(line => line.message),
            note: found.note
          }
          for (const line of formatDiagnostics(found)) target.log(line)
        })
      )
    })
    .catch((error: unknown) =>
      core.warning(`Could not read the logs: ${errorMessage(error)}`)
    )
}

function readInputs(deps: Dependencies, phase: PhaseRunner): Promise<Inputs> {
  return phase('Read inputs', () => {
    const parsed = getInputs(deps.readInput, deps.env)
    const names =
      parsed.functionNames.length > 1
        ? `Functions ${parsed.functionNames.join(', ')}`
        : `Function ${parsed.functionName}`
    const image =
      parsed.source.kind === 'previous'
        ? `rollback-to previous (alias ${parsed.alias ?? ''})`
        : parsed.source.kind === 'existing'
          ? `${parsed.source.input} ${parsed.source.digest ?? parsed.source.tag ?? ''} (no build)`
          : `tag ${parsed.tag}`
    core.info(
      `${names}, repository ${parsed.repository.name || '—'}, ${image}, region ${parsed.region}` +
        (parsed.alias !== undefined
          ? `, alias ${parsed.alias}${parsed.canary !== undefined ? ` (canary ${parsed.canary.percent}% for ${formatDuration(parsed.canary.intervalMs)})` : ''}`
          : parsed.publish
            ? ', publish a version'
            : '')
    )
    if (parsed.preview !== undefined) {
      core.info(
        `Mode ${parsed.mode}: pull request #${parsed.pullRequest ?? '?'}, preview function ${parsed.preview.name}`
      )
      if (parsed.preview.shortened)
        core.warning(
          `The preview function name "${parsed.preview.full}" is longer than Lambda's 64 characters; using "${parsed.preview.name}" (cut, with a hash of the full name).`
        )
    }
    return parsed
  })
}

/** The function, and with alias its alias and the image of its version. */
async function lookUpFunction(
  ctx: RunContext,
  name: string
): Promise<{
  fn: FunctionState
  alias: AliasState | undefined
  aliasImageUri: string | undefined
}> {
  const { lambda } = ctx.clients
  const alias = ctx.inputs.alias
  const [fn, current] = await Promise.all([
    getFunctionState(lambda, name),
    alias === undefined ? undefined : getAlias(lambda, name, alias)
  ])
  const aliasImageUri =
    current === undefined
      ? undefined
      : (await getFunctionState(lambda, `${fn.functionArn}:${current.version}`))
          .imageUri
  return { fn, alias: current, aliasImageUri }
}

/** rollback-to: previous: the version the alias left, and its image. */
async function lookUpPrevious(ctx: RunContext, target: Target): Promise<void> {
  const alias = ctx.inputs.alias ?? ''
  const name = target.report.functionName
  if (target.alias === undefined)
    throw new DeployError(
      `rollback-to: previous: ${name} has no alias ${alias}, so there is nothing to roll back.`
    )
  const version = previousVersionFromDescription(target.alias.description)
  if (version === undefined)
    throw new DeployError(
      `rollback-to: previous: alias ${alias} of ${name} has no record of an earlier version (it was not last moved by this action). Roll back by tag instead: rollback-to: <tag>.`
    )
  if (version === target.alias.version)
    throw new DeployError(
      `rollback-to: previous: alias ${alias} of ${name} already points to version ${version}.`
    )
  const state = await getFunctionState(
    ctx.clients.lambda,
    `${target.report.functionArn}:${version}`
  )
  target.version = version
  target.versionImageUri = state.imageUri
  target.report.version = version
  target.log(
    `Alias ${alias} points to version ${target.alias.version}; rolling back to version ${version} (${state.imageUri ?? 'image unknown'}).`
  )
}

async function lookUp(ctx: RunContext): Promise<LookUp> {
  const { inputs, log } = ctx
  const { lambda, ecr } = ctx.clients
  const needsEcr = inputs.source.kind !== 'previous'
  return ctx.phase('Look up function, repository and tag', async () => {
    const many = inputs.functionNames.length > 1
    const [found, repository, existingDigest, auth] = await Promise.all([
      settleEach(inputs.functionNames, MAX_PARALLEL, name =>
        lookUpFunction(ctx, name)
      ),
      needsEcr ? describeRepository(ecr, inputs.repository) : undefined,
      needsEcr ? findExistingDigest(ctx) : undefined,
      needsEcr ? getRegistryAuth(ecr, inputs.repository.registryId) : undefined
    ])
    const problems = found.flatMap(r =>
      r.status === 'rejected' ? [errorMessage(r.reason)] : []
    )
    if (problems.length > 0) throw new DeployError(problems.join('\n'))
    const functions = found.map(r =>
      r.status === 'fulfilled' ? r.value : undefined
    ) as {
      fn: FunctionState
      alias: AliasState | undefined
      aliasImageUri: string | undefined
    }[]
    const production = (functions[0] as (typeof functions)[0]).fn
    // A preview deploys to its own function; production is only read.
    const previewFn =
      inputs.mode === 'preview'
        ? await lookUpPreview(lambda, inputs, production.functionName)
        : undefined
    const targets =
      inputs.mode === 'preview'
        ? [
            newTarget(
              ctx,
              previewFn,
              inputs.preview?.name ?? '',
              false,
              production
            )
          ]
        : functions.map(f => {
            const target = newTarget(ctx, f.fn, f.fn.functionName, many)
            target.alias = f.alias
            target.aliasImageUri = f.aliasImageUri
            target.report.previousVersion = f.alias?.version
            if (inputs.alias !== undefined)
              target.report.previousImageUri = f.aliasImageUri
            return target
          })
    if (auth !== undefined) {
      core.setSecret(auth.password)
      core.setSecret(
        Buffer.from(`${auth.username}:${auth.password}`).toString('base64')
      )
    }
    for (const { fn } of functions) {
      log(`Function: ${describeFunction(fn)}`)
      checkDeployable(fn)
    }
    for (const target of targets) {
      if (target.alias !== undefined)
        target.log(
          `Alias ${target.alias.name} points to version ${target.alias.version} (${target.aliasImageUri ?? 'image unknown'})` +
            (Object.keys(target.alias.weights).length > 0
              ? `, with ${JSON.stringify(target.alias.weights)} of its traffic on other versions`
              : '')
        )
      else if (inputs.alias !== undefined)
        target.log(
          `Alias ${inputs.alias} does not exist yet: it will be created.`
        )
    }
    if (inputs.mode === 'preview')
      log(
        previewFn === undefined
          ? `Preview function ${inputs.preview?.name ?? ''} does not exist yet: it will be created from ${production.functionName}'s configuration.`
          : `Preview function: ${describeFunction(previewFn)}`
      )
    if (previewFn !== undefined) checkDeployable(previewFn)
    if (repository !== undefined) {
      log(
        `Repository: ${repository.uri} (tags ${repository.immutable ? 'IMMUTABLE' : 'MUTABLE'})`
      )
      checkImageRegistry(ctx, repository)
    }
    if (inputs.source.kind === 'build')
      log(
        existingDigest === undefined
          ? `Tag ${inputs.tag} is new.`
          : `Tag ${inputs.tag} already exists: ${existingDigest}`
      )
    const architecture = sharedArchitecture(
      functions.map(f => f.fn),
      inputs.architecture
    )
    if (inputs.source.kind === 'build')
      log(
        `Building for ${platformFor(architecture)}, the platform of the function's ${architecture} architecture.`
      )
    if (inputs.source.kind === 'previous') {
      await settleEach(targets, MAX_PARALLEL, t => lookUpPrevious(ctx, t)).then(
        results => {
          const failed = results.flatMap(r =>
            r.status === 'rejected' ? [errorMessage(r.reason)] : []
          )
          if (failed.length > 0) throw new DeployError(failed.join('\n'))
        }
      )
    }
    if (repository !== undefined && !repository.immutable) {
      core.warning(
        `ECR repository ${repository.name} allows tags to be overwritten; IMMUTABLE tags make every deployed image traceable. This action never overwrites a tag either way.`
      )
    }
    return {
      production,
      targets,
      repository,
      existingDigest,
      auth,
      architecture
    }
  })
}

/** One build serves one architecture: every function must have it. */
function sharedArchitecture(
  functions: FunctionState[],
  requested: Architecture | undefined
): Architecture {
  const first = functions[0] as FunctionState
  const other = functions.find(f => f.architecture !== first.architecture)
  if (other !== undefined) {
    throw new DeployError(
      `function-name lists functions with different architectures (${functions.map(f => `${f.functionName}: ${f.architecture}`).join(', ')}); one image runs on one architecture. Deploy them in two steps, one per architecture.`
    )
  }
  return resolveArchitecture(first.architecture, requested, first.functionName)
}

/** An image URI must name the repository's own registry. */
function checkImageRegistry(ctx: RunContext, repository: Repository): void {
  const source = ctx.inputs.source
  if (source.kind !== 'existing' || source.registry === undefined) return
  const host = repository.uri.split('/')[0]
  if (source.registry !== host) {
    throw new DeployError(
      `image names registry ${source.registry}, but repository ${repository.name} is in ${host ?? '?'} (region ${ctx.inputs.region}): Lambda only runs images from an ECR repository of the function's own account and region. Replicate the image there (ECR replication) and deploy that region's URI, or give just the tag or digest.`
    )
  }
}

/**
 * The digest of the image to deploy when it may already exist: the tag
 * (build: reuse it), or the image / rollback-to input (must exist).
 */
async function findExistingDigest(
  ctx: RunContext
): Promise<string | undefined> {
  const { inputs } = ctx
  const { ecr } = ctx.clients
  const source = inputs.source
  if (source.kind === 'build')
    return findTagDigest(ecr, inputs.repository, inputs.tag)
  if (source.kind !== 'existing') return undefined
  const wanted = source.digest ?? source.tag ?? ''
  const digest =
    source.digest !== undefined
      ? await findImageDigest(ecr, inputs.repository, source.digest)
      : await findTagDigest(ecr, inputs.repository, wanted)
  if (digest !== undefined) return digest
  const recent = await recentTags(ecr, inputs.repository, 10).catch(
    () => undefined
  )
  throw new DeployError(
    `${source.input} ${wanted}: there is no such image in ${inputs.repository.name}` +
      (source.input === 'rollback-to'
        ? ' (an ECR lifecycle policy may have expired it).'
        : '.') +
      (recent === undefined
        ? ''
        : recent.length === 0
          ? ' The repository has no tagged images.'
          : ` The most recent tags still there: ${recent.join(', ')}.`)
  )
}

/** The digest to deploy: the existing tag's, or a new build's. */
async function obtainImage(ctx: RunContext, look: LookUp): Promise<string> {
  const { deps, inputs, report, phase, log } = ctx
  const { ecr } = ctx.clients
  const { production, architecture } = look
  const repository = look.repository as Repository
  const auth = look.auth as RegistryAuth
  const existing = look.existingDigest
  report.reusedImage = existing !== undefined
  if (existing !== undefined) {
    const source = inputs.source
    log(
      source.kind === 'existing'
        ? `Deploying ${repository.uri}${source.digest !== undefined ? `@${existing}` : `:${inputs.tag} (${existing})`} from ${source.input}, without building.`
        : `Reusing ${repository.uri}:${inputs.tag} (${existing}) without building: tags are never overwritten, so a re-run deploys the same image.`
    )
    return existing
  }
  if (inputs.preflight !== 'off') {
    await phase('Preflight: app', async () => {
      const checks = await preflightApp(inputs, architecture, {
        clients: ctx.clients,
        // How production is reached is what the app must expect.
        functionArn: production.functionArn,
        once: ctx.once
      })
      report.preflight = [...(report.preflight ?? []), ...checks]
      const stop = enforce('app', checks, inputs.preflight, {
        log,
        warn: message => core.warning(message)
      })
      if (stop !== undefined) throw new DeployError(stop)
    })
  }
  return phase('Build and push', async () => {
    const workDir = await prepareDockerConfig(
      deps.env.RUNNER_TEMP ?? os.tmpdir()
    )
    core.saveState(STATE.dockerConfig, workDir)
    const env = { DOCKER_CONFIG: workDir }
    const registry = repository.uri.split('/')[0] ?? repository.uri
    await dockerLogin(deps.exec, registry, auth.username, auth.password, env)
    log(
      `Logged in to ${registry} (credentials in a temporary DOCKER_CONFIG, removed by the post step).`
    )
    const request: BuildRequest = {
      context: inputs.context,
      file: inputs.file,
      target: inputs.target,
      buildArgs: inputs.buildArgs,
      labels: inputs.labels,
      cacheFrom: inputs.cacheFrom,
      cacheTo: inputs.cacheTo,
      platform: platformFor(architecture),
      imageRef: `${repository.uri}:${inputs.tag}`
    }
    const context: BuildContext = {
      exec: deps.exec,
      env,
      workDir,
      log,
      warn: message => core.warning(message)
    }
    let result
    try {
      if (await hasBuildx(deps.exec, env)) {
        const builder = await containerBuilderFor(
          deps.exec,
          env,
          inputs.cacheTo
        )
        result = await buildWithBuildx(request, context, builder)
      } else {
        core.warning(
          'docker buildx is not installed: falling back to docker build + docker push (no cache-from/cache-to). On GitHub-hosted runners buildx is present; elsewhere use docker/setup-buildx-action.'
        )
        result = await buildWithDocker(request, context)
      }
    } catch (error) {
      // Two runs of the same commit at once: the other one pushed the tag
      // first and the immutable repository refused ours. Deploy theirs.
      const pushedMeanwhile = await findTagDigest(
        ecr,
        inputs.repository,
        inputs.tag
      )
      if (pushedMeanwhile === undefined) throw error
      core.warning(
        `The build or push failed, but tag ${inputs.tag} now exists in ECR as ${pushedMeanwhile}, pushed by another run meanwhile; deploying that image. (${errorMessage(error).split('\n')[0] ?? ''})`
      )
      report.reusedImage = true
      return pushedMeanwhile
    }
    report.builder = result.builder
    log(`Pushed ${request.imageRef} as ${result.digest} (${result.builder}).`)
    return result.digest
  })
}

/** The pushed image must be one manifest for the function's platform. */
async function checkImage(
  ctx: RunContext,
  look: LookUp,
  digest: string
): Promise<Image> {
  const { deps, report, log } = ctx
  const { ecr } = ctx.clients
  const { architecture } = look
  const repository = look.repository as Repository
  const auth = look.auth as RegistryAuth
  report.imageDigest = digest
  const imageUri = `${repository.uri}@${digest}`
  report.imageUri = imageUri
  return ctx.phase('Check the image', async () => {
    const image = await getImageManifest(ecr, repository, digest)
    const manifest = checkManifest(image)
    const configText = await fetchImageConfigText(
      auth,
      repository.name,
      manifest.configDigest,
      deps.fetch
    )
    const config = parseImageConfig(configText)
    checkImagePlatform(config, architecture)
    log(
      `${imageUri}: single-platform ${image.mediaType}, ${config.os}/${config.architecture}, matches the function.`
    )
    return { digest, uri: imageUri, manifest: image.manifest, configText }
  })
}

async function preflightPushedImage(
  ctx: RunContext,
  look: LookUp,
  image: Image
): Promise<void> {
  const { deps, inputs, report, phase, log } = ctx
  const { production, architecture } = look
  const repository = look.repository as Repository
  const auth = look.auth as RegistryAuth
  const fn = look.targets[0]?.fn
  // A re-run whose functions already run this image has nothing to prevent.
  const alreadyRunning = look.targets.every(
    ({ fn: f, alias, aliasImageUri }) =>
      ctx.inputs.alias !== undefined
        ? alias !== undefined && aliasImageUri?.endsWith(`@${image.digest}`)
        : f !== undefined &&
          f.imageDigest === image.digest &&
          f.lastUpdateStatus === 'Successful'
  )
  if (alreadyRunning && inputs.preflight !== 'off') {
    log('Preflight: image skipped: the function already runs this image.')
  }
  if (inputs.preflight !== 'off' && !alreadyRunning) {
    await phase('Preflight: image', async () => {
      const result = await preflightImage(
        auth,
        repository.name,
        image.manifest,
        image.configText,
        architecture,
        deps.fetch,
        (fn ?? production).imageConfig
      )
      report.preflight = [...(report.preflight ?? []), ...result.checks]
      log(
        `Read ${result.layers} layer(s), ${result.uncompressedBytes} bytes uncompressed.`
      )
      const stop = enforce('image', result.checks, inputs.preflight, {
        log,
        warn: message => core.warning(message)
      })
      if (stop !== undefined) throw new DeployError(stop)
    })
  }
}

/**
 * The default `docker` buildx driver cannot export a build cache (type=gha,
 * registry): when one is asked for, make a docker-container builder for this
 * run, removed by the post step.
 */
async function containerBuilderFor(
  exec: Exec,
  env: Record<string, string>,
  cacheTo: string[]
): Promise<string | undefined> {
  if (!needsContainerBuilder(cacheTo)) return undefined
  const inspect = await exec('docker', ['buildx', 'inspect'], { env })
  if (builderDriver(inspect.stdout) !== 'docker') return undefined
  const name = `aspnet-lambda-deploy-${process.pid}-${Date.now().toString(36)}`
  const created = await exec(
    'docker',
    ['buildx', 'create', '--name', name, '--driver', 'docker-container'],
    { env }
  )
  if (created.exitCode !== 0) {
    throw new DeployError(
      `cache-to needs a docker-container buildx builder, and creating one failed: ${created.stderr.trim()}`
    )
  }
  core.saveState(STATE.builder, name)
  core.info(
    `Created buildx builder ${name} (docker-container driver) for cache-to; the post step removes it.`
  )
  return name
}
