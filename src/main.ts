import * as os from 'node:os'
import * as core from '@actions/core'
import { createClients, type AwsClients } from './aws.js'
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
} from './docker.js'
import {
  checkImagePlatform,
  checkManifest,
  describeRepository,
  fetchImageConfigText,
  findTagDigest,
  getImageManifest,
  getRegistryAuth,
  parseImageConfig,
  type Fetch,
  type RegistryAuth,
  type Repository
} from './ecr.js'
import { DeployError, errorMessage } from './errors.js'
import { getInputs, type Architecture, type Inputs } from './inputs.js'
import {
  checkDeployable,
  deployImage,
  getFunctionState,
  waitForUpdate,
  type FunctionState
} from './lambda.js'
import { platformFor, resolveArchitecture } from './platform.js'
import { enforce } from './preflight/checks.js'
import { preflightImage } from './preflight/image.js'
import { preflightApp } from './preflight/run.js'
import {
  commentOnPullRequest,
  createPreview,
  lookUpPreview,
  previewTarget,
  runCleanup
} from './preview-run.js'
import { ensureFunctionUrl } from './preview.js'
import { discoverSmokeUrl, joinUrl, smokeTest } from './smoke.js'
import { renderSummary, reportOutputs, type Report } from './summary.js'
import { STATE } from './state.js'
import { formatDuration, realTiming, type Timing } from './time.js'

export interface Dependencies {
  clients: (region: string) => AwsClients
  exec: Exec
  timing: Timing
  fetch: Fetch
  env: NodeJS.ProcessEnv
  readInput: (name: string) => string
}

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

/** Runs each phase in its own log group, timed, recorded in the report. */
function phaseRunner(report: Report, timing: Timing) {
  return async <T>(name: string, body: () => T | Promise<T>): Promise<T> =>
    core.group(name, async () => {
      const started = timing.now()
      try {
        const result = await body()
        const durationMs = timing.now() - started
        report.phases.push({ name, durationMs, outcome: 'ok' })
        core.info(`${name}: done in ${formatDuration(durationMs)}`)
        return result
      } catch (error) {
        const durationMs = timing.now() - started
        report.phases.push({ name, durationMs, outcome: 'failed' })
        core.info(`${name}: failed after ${formatDuration(durationMs)}`)
        throw error
      }
    })
}

function describeFunction(fn: FunctionState): string {
  return `${fn.functionArn} (${fn.architecture}, State ${fn.state ?? '?'}, LastUpdateStatus ${fn.lastUpdateStatus ?? '?'}), running ${fn.imageUri ?? 'no image'}`
}

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

type PhaseRunner = ReturnType<typeof phaseRunner>

/** What every phase of one run works with. */
interface RunContext {
  deps: Dependencies
  inputs: Inputs
  report: Report
  phase: PhaseRunner
  clients: AwsClients
  log: (message: string) => void
}

/** What the look-up found: the target function, the repository, the tag. */
interface LookUp {
  /** The function named by function-name (in preview mode, only read). */
  production: FunctionState
  /** The function to deploy to; undefined for a preview not created yet. */
  fn: FunctionState | undefined
  repository: Repository
  existingDigest: string | undefined
  auth: RegistryAuth
  architecture: Architecture
}

interface Image {
  digest: string
  uri: string
  manifest: string
  configText: string
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
    log: message => core.info(message)
  }
  if (inputs.mode !== 'deploy') {
    report.productionFunctionName = inputs.functionName
    report.previewFunctionName = previewTarget(inputs).name
  }
  if (inputs.mode === 'cleanup') {
    await runCleanup(ctx.clients.lambda, ctx.clients.ecr, inputs, report, phase)
    return
  }
  report.imageTag = inputs.tag

  const look = await lookUp(ctx)
  report.functionName = look.fn?.functionName ?? inputs.preview?.name
  report.functionArn = look.fn?.functionArn
  report.architecture = look.architecture
  report.platform = platformFor(look.architecture)
  report.previousImageUri = look.fn?.imageUri

  const digest = await obtainImage(ctx, look)
  const image = await checkImage(ctx, look, digest)
  await preflightPushedImage(ctx, look, image)
  const { deployed, replaced } = await deployToFunction(ctx, look, image)
  if (inputs.mode === 'preview') {
    report.previewUrl = await phase('Preview URL', () =>
      ensureFunctionUrl(
        ctx.clients.lambda,
        deployed.functionArn,
        inputs.previewUrlAuth,
        ctx.log
      )
    )
    ctx.log(`Preview: ${report.previewUrl}`)
  }
  try {
    await smokeTestPhase(ctx, deployed)
  } catch (error) {
    if (report.smoke?.state !== 'failed' || report.updated !== true) throw error
    await rollBack(ctx, deployed, replaced, image.uri, error)
  }
}

function readInputs(deps: Dependencies, phase: PhaseRunner): Promise<Inputs> {
  return phase('Read inputs', () => {
    const parsed = getInputs(deps.readInput, deps.env)
    core.info(
      `Function ${parsed.functionName}, repository ${parsed.repository.name}, tag ${parsed.tag}, region ${parsed.region}`
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

async function lookUp(ctx: RunContext): Promise<LookUp> {
  const { inputs, log } = ctx
  const { lambda, ecr } = ctx.clients
  return ctx.phase('Look up function, repository and tag', async () => {
    const [production, repository, existingDigest, auth] = await Promise.all([
      getFunctionState(lambda, inputs.functionName),
      describeRepository(ecr, inputs.repository),
      findTagDigest(ecr, inputs.repository, inputs.tag),
      getRegistryAuth(ecr, inputs.repository.registryId)
    ])
    // A preview deploys to its own function; production is only read.
    const fn =
      inputs.mode === 'preview'
        ? await lookUpPreview(lambda, inputs, production.functionName)
        : production
    core.setSecret(auth.password)
    core.setSecret(
      Buffer.from(`${auth.username}:${auth.password}`).toString('base64')
    )
    log(`Function: ${describeFunction(production)}`)
    if (inputs.mode === 'preview')
      log(
        fn === undefined
          ? `Preview function ${inputs.preview?.name ?? ''} does not exist yet: it will be created from ${production.functionName}'s configuration.`
          : `Preview function: ${describeFunction(fn)}`
      )
    log(
      `Repository: ${repository.uri} (tags ${repository.immutable ? 'IMMUTABLE' : 'MUTABLE'})`
    )
    log(
      existingDigest === undefined
        ? `Tag ${inputs.tag} is new.`
        : `Tag ${inputs.tag} already exists: ${existingDigest}`
    )
    checkDeployable(production)
    if (fn !== undefined) checkDeployable(fn)
    const architecture = resolveArchitecture(
      production.architecture,
      inputs.architecture,
      production.functionName
    )
    log(
      `Building for ${platformFor(architecture)}, the platform of the function's ${architecture} architecture.`
    )
    if (!repository.immutable) {
      core.warning(
        `ECR repository ${repository.name} allows tags to be overwritten; IMMUTABLE tags make every deployed image traceable. This action never overwrites a tag either way.`
      )
    }
    return { production, fn, repository, existingDigest, auth, architecture }
  })
}

/** The digest to deploy: the existing tag's, or a new build's. */
async function obtainImage(ctx: RunContext, look: LookUp): Promise<string> {
  const { deps, inputs, report, phase, log } = ctx
  const { ecr } = ctx.clients
  const { production, repository, auth, architecture } = look
  const existing = look.existingDigest
  report.reusedImage = existing !== undefined
  if (existing !== undefined) {
    log(
      `Reusing ${repository.uri}:${inputs.tag} (${existing}) without building: tags are never overwritten, so a re-run deploys the same image.`
    )
    return existing
  }
  if (inputs.preflight !== 'off') {
    await phase('Preflight: app', async () => {
      const checks = await preflightApp(inputs, architecture, {
        clients: ctx.clients,
        // How production is reached is what the app must expect.
        functionArn: production.functionArn
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
  const { repository, auth, architecture } = look
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
  const { production, fn, repository, auth, architecture } = look
  // A re-run whose function already runs this image has nothing to prevent.
  const alreadyRunning =
    fn !== undefined &&
    fn.imageDigest === image.digest &&
    fn.lastUpdateStatus === 'Successful'
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
 * Update the function (or create the preview) and wait until it runs the
 * image. Returns the function after the deploy, and the function as it was
 * before (what a rollback restores).
 */
async function deployToFunction(
  ctx: RunContext,
  look: LookUp,
  image: Image
): Promise<{ deployed: FunctionState; replaced: FunctionState | undefined }> {
  const { deps, inputs, report, phase, log } = ctx
  const { lambda } = ctx.clients
  const { production, fn } = look
  const { digest, uri: imageUri } = image
  const waitTimeoutMs = inputs.waitTimeoutMs
  // What this deploy replaces, and so what a rollback restores: the function
  // as it was once any update already in progress had finished (or failed).
  let replaced = fn
  const deployed = await phase('Deploy', async () => {
    if (fn === undefined) {
      const target = previewTarget(inputs)
      const started = deps.timing.now()
      const created = await createPreview(
        lambda,
        {
          production,
          previewName: target.name,
          pullRequest: target.pullRequest,
          imageUri,
          digest,
          waitTimeoutMs,
          log
        },
        deps.timing
      )
      report.updated = true
      report.functionName = created.functionName
      report.functionArn = created.functionArn
      log(
        `The preview function is Active after ${formatDuration(deps.timing.now() - started)} and runs ${created.imageUri ?? digest}.`
      )
      return created
    }
    let current = fn
    if (fn.lastUpdateStatus === 'InProgress' || fn.state === 'Pending') {
      log(
        'Another update of the function is in progress; waiting for it to finish first.'
      )
      await waitForUpdate(
        lambda,
        fn.functionArn,
        { timeoutMs: waitTimeoutMs, log },
        deps.timing
      )
      current = await getFunctionState(lambda, fn.functionArn)
      replaced = current
      report.previousImageUri = current.imageUri
    }
    if (
      current.imageDigest === digest &&
      current.lastUpdateStatus === 'Successful'
    ) {
      log(`The function already runs ${digest}; no update needed.`)
      report.updated = false
      return current
    }
    const started = deps.timing.now()
    const result = await deployImage(
      lambda,
      fn.functionArn,
      imageUri,
      digest,
      { waitTimeoutMs, log },
      deps.timing
    )
    report.updated = true
    log(
      `Lambda applied the update in ${formatDuration(deps.timing.now() - started)} (${result.polls} polls); the function runs ${result.after.imageUri ?? digest}.`
    )
    return result.after
  })

  return { deployed, replaced }
}

async function smokeTestPhase(
  ctx: RunContext,
  deployed: FunctionState
): Promise<void> {
  const { deps, inputs, report, phase, log } = ctx
  const { lambda, apigateway } = ctx.clients
  await phase('Smoke test', async () => {
    if (!inputs.smokeTest) {
      report.smoke = { state: 'skipped', reason: 'smoke-test is false' }
      log('Smoke test disabled.')
      return
    }
    let base = inputs.smokeUrl
    if (inputs.mode === 'preview' && base !== undefined) {
      // smoke-url names production's address; a preview is tested where it
      // is served.
      core.warning(
        `smoke-url (${base}) is ignored in preview mode: the smoke test requests the preview function's own URL.`
      )
      base = undefined
    }
    if (base === undefined) {
      const found = await discoverSmokeUrl(
        lambda,
        apigateway,
        deployed.functionArn,
        message => core.warning(message)
      )
      if (found === undefined) {
        report.smoke = {
          state: 'skipped',
          reason: 'no smoke-url, Function URL or HTTP API found'
        }
        core.warning(
          'Smoke test skipped: no smoke-url was given and the function has no Function URL or HTTP API integration that accepts unsigned requests. Set smoke-url to test the deployed app.'
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
    report.smoke = {
      state: result.pass ? 'passed' : 'failed',
      url,
      status: result.status,
      attempts: result.attempts.length,
      reason: result.reason
    }
    if (!result.pass)
      throw new DeployError(`Smoke test failed: ${result.reason}`)
  })
}

/** Put back what the deploy replaced, then fail with what happened. */
async function rollBack(
  ctx: RunContext,
  deployed: FunctionState,
  replaced: FunctionState | undefined,
  imageUri: string,
  cause: unknown
): Promise<never> {
  const { deps, inputs, report, phase, log } = ctx
  const { lambda } = ctx.clients
  const waitTimeoutMs = inputs.waitTimeoutMs
  const previous = replaced?.imageUri
  const previousDigest = replaced?.imageDigest
  if (
    !inputs.rollbackOnFailure ||
    previous === undefined ||
    previousDigest === undefined
  ) {
    report.rolledBack = false
    throw new DeployError(
      `${errorMessage(cause)}\nThe function ${deployed.functionName} now runs ${imageUri}` +
        (previous !== undefined
          ? `; to restore the previous image run: aws lambda update-function-code --function-name ${deployed.functionArn} --image-uri ${previous}`
          : '.')
    )
  }
  await phase('Roll back', async () => {
    log(`Restoring the previous image ${previous}.`)
    try {
      await deployImage(
        lambda,
        deployed.functionArn,
        previous,
        previousDigest,
        { waitTimeoutMs, log },
        deps.timing
      )
    } catch (error) {
      report.rolledBack = false
      throw new DeployError(
        `${errorMessage(cause)}\nROLLBACK FAILED: ${errorMessage(error)}\n` +
          `The function may still run the failed image ${imageUri}. Restore it by hand: ` +
          `aws lambda update-function-code --function-name ${deployed.functionArn} --image-uri ${previous}`
      )
    }
  })
  report.rolledBack = true
  report.rolledBackTo = previous
  throw new DeployError(
    `${errorMessage(cause)}\nRolled back: ${deployed.functionName} runs the previous image ${previous} again.`
  )
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
