/**
 * The stages that produce the image to deploy and prove it can run:
 * preflight-app (before a build), build (or reuse the tag), check-image
 * (one manifest for the function's platform), preflight-image (its layers).
 */
import * as os from 'node:os'
import * as core from '@actions/core'
import {
  findTagDigest,
  type RegistryAuth,
  type Repository
} from '../aws/ecr.js'
import {
  checkImagePlatform,
  checkManifest,
  resolveImageManifest,
  fetchImageConfigText,
  parseImageConfig
} from '../aws/ecr-image.js'
import {
  buildWithBuildx,
  buildWithDocker,
  builderDriver,
  dockerLogin,
  hasBuildx,
  needsContainerBuilder,
  prepareDockerConfig,
  tokenLikeBuildArgs,
  type BuildContext,
  type Exec
} from '../build/docker.js'
import type { BuildRequest } from '../build/argv.js'
import { keyLabels } from '../build/key.js'
import { platformFor } from '../build/platform.js'
import { enforce, type Check } from '../checks/preflight/checks.js'
import { preflightImage } from '../checks/preflight/image.js'
import { preflightApp } from '../checks/preflight/run.js'
import { everyServes } from '../decide/action.js'
import { STATE } from '../post/saved-state.js'
import {
  DeployError,
  errorMessage,
  LocalTagMovedError
} from '../util/errors.js'
import { again, done, poll } from '../util/poll.js'
import { foundOf, type RunContext, type RunState } from './context.js'
import { recordKey } from './reuse.js'

/** The repository and login every image stage needs (not rollback-to previous). */
function registryOf(run: RunState): {
  repository: Repository
  auth: RegistryAuth
} {
  const { repository, auth } = foundOf(run)
  if (repository === undefined || auth === undefined)
    throw new Error('the look-up found no repository')
  return { repository, auth }
}

function enforceChecks(
  ctx: RunContext,
  kind: 'app' | 'image',
  checks: Check[]
): void {
  ctx.report.preflight = [...(ctx.report.preflight ?? []), ...checks]
  const stop = enforce(kind, checks, ctx.inputs.preflight, {
    log: ctx.log,
    warn: message => core.warning(message)
  })
  if (stop !== undefined) throw new DeployError(stop)
}

/** Stage preflight-app: the source and Dockerfile, when a build will run. */
export async function preflightAppStage(
  ctx: RunContext,
  run: RunState
): Promise<void> {
  const found = foundOf(run)
  // Nothing will be built: the tag exists, or the reuse stage tagged one.
  if (found.existingDigest !== undefined || run.digest !== undefined) return
  await ctx.phase('Preflight: app', async () => {
    const checks = await preflightApp(ctx.inputs, found.architecture, {
      clients: ctx.clients,
      // How production is reached is what the app must expect.
      functionArn: found.production.functionArn,
      once: ctx.once
    })
    enforceChecks(ctx, 'app', checks)
  })
}

/** Stage build: the digest to deploy, the existing tag's or a new build's. */
export async function buildStage(
  ctx: RunContext,
  run: RunState
): Promise<void> {
  const { deps, inputs, report, log } = ctx
  const { ecr } = ctx.clients
  const { repository, auth } = registryOf(run)
  // The reuse stage tagged an earlier build of the same app.
  if (run.digest !== undefined) return
  const existing = foundOf(run).existingDigest
  report.reusedImage = existing !== undefined
  if (existing !== undefined) {
    log(
      `Reusing ${repository.uri}:${inputs.tag} (${existing}) without building: tags are never overwritten, so a re-run deploys the same image.`
    )
    run.digest = existing
    return
  }
  // Masked since the inputs were read (main.ts): here only the warning.
  const tokenLike = tokenLikeBuildArgs(inputs.buildArgs).map(arg => arg.name)
  if (tokenLike.length > 0)
    core.warning(
      `build-args ${tokenLike.join(', ')} look like secrets: their values are masked in this log, but a build-arg stays in the image (docker history shows it to anyone who can pull the image). ` +
        'Pass it with the secrets input (id=value) and read it in the Dockerfile with RUN --mount=type=secret,id=<id> instead.'
    )
  const dryRun = inputs.dryRun
  if (dryRun && inputs.cacheTo.length > 0)
    log(
      `Dry run: cache-to ${inputs.cacheTo.join(' ')} is not exported (it would write the cache).`
    )
  const phase = dryRun ? 'Build (dry run: no push)' : 'Build and push'
  run.digest = await ctx.phase(phase, async () => {
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
      labels:
        run.buildKey === undefined
          ? inputs.labels
          : [...inputs.labels, ...keyLabels(run.buildKey, inputs.tag)],
      cacheFrom: inputs.cacheFrom,
      cacheTo: dryRun ? [] : inputs.cacheTo,
      secrets: inputs.secrets,
      secretFiles: inputs.secretFiles,
      noCache: inputs.noCache,
      // With a build key, build from the base image digests the key names,
      // not from an older copy the engine keeps (a self-hosted runner).
      pull: inputs.pull || run.buildKey !== undefined,
      platform: platformFor(foundOf(run).architecture),
      // A dry run's local tag is its own: a real run of the same commit on
      // this docker engine must never find its tag moved by a dry run.
      imageRef: dryRun
        ? dryRunImageRef(repository.name, inputs.tag)
        : `${repository.uri}:${inputs.tag}`,
      dryRun
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
        // A builder the workflow named is its choice, cache or not.
        const builder =
          inputs.builder ??
          (await containerBuilderFor(
            deps.exec,
            env,
            request.cacheFrom,
            request.cacheTo
          ))
        result = await buildWithBuildx(request, context, builder)
      } else if (inputs.builder !== undefined) {
        throw new DeployError(
          `builder ${inputs.builder} is a buildx builder, and docker buildx is not installed: nothing was built. Install it (docker/setup-buildx-action) or leave builder empty.`
        )
      } else {
        core.warning(
          `docker buildx is not installed: falling back to docker build${dryRun ? '' : ' + docker push'} (no cache-from/cache-to). On GitHub-hosted runners buildx is present; elsewhere use docker/setup-buildx-action.`
        )
        result = await buildWithDocker(request, context)
      }
    } catch (error) {
      // A dry run deploys nothing, so it waits for no one else's push.
      if (dryRun) throw error
      // Two runs of the same commit at once: the other one pushed the tag
      // first and the immutable repository refused ours. Deploy theirs.
      const pushedMeanwhile =
        error instanceof LocalTagMovedError
          ? await awaitOtherPush(ctx, error)
          : await findTagDigest(ecr, inputs.repository, inputs.tag)
      if (pushedMeanwhile === undefined && error instanceof LocalTagMovedError)
        throw new DeployError(
          `${error.message} The other build on this docker engine pushed no ${inputs.tag} to ECR within ${OTHER_PUSH_WAIT_MS / 1000}s either; re-run the job.`
        )
      if (pushedMeanwhile === undefined) throw error
      core.warning(
        `The build or push failed, but tag ${inputs.tag} now exists in ECR as ${pushedMeanwhile}, pushed by another run meanwhile; deploying that image. (${errorMessage(error).split('\n')[0] ?? ''})`
      )
      report.reusedImage = true
      return pushedMeanwhile
    }
    report.builder = result.builder
    if (dryRun) {
      report.builtLocally = request.imageRef
      log(
        `Dry run: built ${request.imageRef} for ${request.platform} (${result.builder}) and pushed nothing; a real run pushes ${repository.uri}:${inputs.tag}.`
      )
      return undefined
    }
    if (result.digest === undefined)
      throw new Error(`the build of ${request.imageRef} pushed nothing`)
    log(`Pushed ${request.imageRef} as ${result.digest} (${result.builder}).`)
    if (run.buildKey !== undefined)
      await recordKey(ctx, repository, result.digest, run.buildKey)
    return result.digest
  })
}

/** The local name of a dry run's image: not the repository's, never pushed. */
export function dryRunImageRef(repository: string, tag: string): string {
  return `aspnet-lambda-deploy-dry-run/${repository}:${tag}`
}

/** How long a run whose local tag another build took waits for that build's push. */
export const OTHER_PUSH_WAIT_MS = 120_000
const OTHER_PUSH_INTERVAL_MS = 3_000

/**
 * Another build on this docker engine tagged the same image name after ours
 * (two runs of one commit on a shared runner). Pushing now could push either
 * image, so ours is not pushed; the other run is pushing the same commit, so
 * wait for its tag to appear in ECR and deploy that. Undefined when it does
 * not come in time.
 */
async function awaitOtherPush(
  ctx: RunContext,
  error: LocalTagMovedError
): Promise<string | undefined> {
  const { inputs, clients, deps, log } = ctx
  log(
    `Another build on this docker engine tagged ${inputs.tag} after this one (local image ${error.otherImageId}); waiting up to ${OTHER_PUSH_WAIT_MS / 1000}s for its push to ECR instead of pushing a tag that may name either image.`
  )
  const outcome = await poll(
    async () => {
      const digest = await findTagDigest(
        clients.ecr,
        inputs.repository,
        inputs.tag
      )
      return digest === undefined ? again : done(digest)
    },
    { timeoutMs: OTHER_PUSH_WAIT_MS, intervalMs: OTHER_PUSH_INTERVAL_MS },
    deps.timing
  )
  return outcome.kind === 'done' ? outcome.value : undefined
}

/** The digest of an image or rollback-to input: deployed as it is. */
function existingDigest(ctx: RunContext, run: RunState): string {
  const { inputs } = ctx
  const source = inputs.source
  const found = foundOf(run)
  const digest = found.existingDigest ?? ''
  if (source.kind === 'existing') {
    ctx.report.reusedImage = true
    ctx.log(
      `Deploying ${found.repository?.uri ?? ''}${source.digest !== undefined ? `@${digest}` : `:${inputs.tag} (${digest})`} from ${source.input}, without building.`
    )
  }
  return digest
}

/** Stage check-image: the image must be one manifest for the function's platform. */
export async function checkImageStage(
  ctx: RunContext,
  run: RunState
): Promise<void> {
  const { deps, report, log } = ctx
  const { repository, auth } = registryOf(run)
  const { architecture, existingDigest: existing } = foundOf(run)
  if (run.digest === undefined && existing === undefined && ctx.inputs.dryRun) {
    log(
      'Check the image: skipped: the dry run built the image locally and pushed nothing; a real run checks the pushed manifest and its layers.'
    )
    return
  }
  if (
    run.digest === undefined &&
    existing !== undefined &&
    foundOf(run).unrestored?.includes(existing) === true
  ) {
    log(
      `Check the image: skipped: ${repository.uri}@${existing} is archived, and a dry run does not restore it; a real run restores it first, then checks it.`
    )
    return
  }
  const named = run.digest ?? existingDigest(ctx, run)
  run.digest = named
  report.imageDigest = named
  report.imageUri = `${repository.uri}@${named}`
  // The reuse stage read them a moment ago.
  const prefetched =
    run.prefetched?.digest === named ? run.prefetched : undefined
  run.image = await ctx.phase('Check the image', async () => {
    const resolved = await resolveImageManifest(
      ctx.clients.ecr,
      repository,
      named,
      architecture,
      prefetched?.image
    )
    const { digest, image, index } = resolved
    const imageUri = `${repository.uri}@${digest}`
    if (index !== undefined) {
      const attestations = index.entries.filter(e => e.attestation).length
      log(
        `${repository.uri}@${index.digest} is an image index (${index.mediaType}: ${index.entries.length - attestations} image(s), ${attestations} attestation manifest(s)); ` +
          `Lambda refuses indexes, so this run deploys its ${platformFor(architecture)} image manifest: ${imageUri}.`
      )
      // The image manifest is the one digest of the run from here on:
      // outputs, the update, the undo record, the still-ours check, the summary.
      run.digest = digest
      report.imageDigest = digest
      report.imageUri = imageUri
    }
    const manifest = checkManifest(image)
    const configText =
      (index === undefined ? prefetched?.configText : undefined) ??
      (await fetchImageConfigText(
        auth,
        repository.name,
        manifest.configDigest,
        deps.fetch
      ))
    const config = parseImageConfig(configText)
    checkImagePlatform(config, architecture)
    log(
      `${imageUri}: single-platform ${image.mediaType}, ${config.os}/${config.architecture}, matches the function.`
    )
    return { digest, uri: imageUri, manifest: image.manifest, configText }
  })
}

/** Stage preflight-image: the layers of the pushed image. */
export async function preflightImageStage(
  ctx: RunContext,
  run: RunState
): Promise<void> {
  const { deps, inputs, log } = ctx
  const image = run.image
  // A dry run's own build is not in ECR (check-image said so).
  if (image === undefined && inputs.dryRun) return
  if (image === undefined) throw new Error('check-image has not run')
  if (everyServes(run.targets, inputs, image.digest)) {
    log('Preflight: image skipped: the function already runs this image.')
    return
  }
  const { repository, auth } = registryOf(run)
  const found = foundOf(run)
  const fn = run.targets[0]?.latest ?? found.production
  await ctx.phase('Preflight: image', async () => {
    const result = await preflightImage(
      auth,
      repository.name,
      image.manifest,
      image.configText,
      found.architecture,
      deps.fetch,
      {
        now: deps.timing.now(),
        override: fn.imageConfig,
        signal: ctx.cancelled
      }
    )
    log(
      `Read ${result.layers} layer(s), ${result.uncompressedBytes} bytes uncompressed.`
    )
    enforceChecks(ctx, 'image', result.checks)
  })
}

/**
 * The default `docker` buildx driver cannot export a build cache (type=gha,
 * registry) nor read the GitHub cache: when one is asked for, make a
 * docker-container builder for this run, removed by the post step.
 */
async function containerBuilderFor(
  exec: Exec,
  env: Record<string, string>,
  cacheFrom: string[],
  cacheTo: string[]
): Promise<string | undefined> {
  if (!needsContainerBuilder(cacheFrom, cacheTo)) return undefined
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
      `cache-from/cache-to ${[...cacheFrom, ...cacheTo].join(' ')} need a docker-container buildx builder, and creating one failed: ${created.stderr.trim()}`
    )
  }
  core.saveState(STATE.builder, name)
  core.info(
    `Created buildx builder ${name} (docker-container driver) for the build cache; the post step removes it.`
  )
  return name
}
