/**
 * Stage build: the digest to deploy, the existing tag's or a new build's
 * (buildx when the runner has it, else docker build + docker push), with the
 * build key's labels for reuse-unchanged-image, the wait for another build of
 * the same commit on this docker engine, and the docker-container builder a
 * build cache needs.
 */
import * as os from 'node:os'
import * as core from '@actions/core'
import { findTagDigest } from '../aws/ecr.js'
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
import { STATE } from '../post/saved-state.js'
import {
  DeployError,
  errorMessage,
  LocalTagMovedError
} from '../util/errors.js'
import { again, done, poll } from '../util/poll.js'
import type { Found, RunContext } from './context.js'
import { stage } from './stage.js'
import { registryOf } from './image.js'
import { recordKey } from './reuse.js'

/** Stage build: the digest to deploy, the existing tag's or a new build's. */
export const buildStage = stage({
  needs: ['found'],
  uses: ['digest', 'buildKey'],
  gives: ['digest'],
  run: async (ctx, { found, digest, buildKey }) => {
    // The reuse stage tagged an earlier build of the same app.
    if (digest !== undefined) return {}
    const built = await build(ctx, found, buildKey)
    return built === undefined ? {} : { digest: built }
  }
})

async function build(
  ctx: RunContext,
  found: Found,
  buildKey: string | undefined
): Promise<string | undefined> {
  const { deps, inputs, report, log } = ctx
  const { ecr } = ctx.clients
  const { repository, auth } = registryOf(found)
  const existing = found.existingDigest
  report.reusedImage = existing !== undefined
  if (existing !== undefined) {
    log(
      `Reusing ${repository.uri}:${inputs.tag} (${existing}) without building: tags are never overwritten, so a re-run deploys the same image.`
    )
    return existing
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
  return ctx.phase(phase, async () => {
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
        buildKey === undefined
          ? inputs.labels
          : [...inputs.labels, ...keyLabels(buildKey, inputs.tag)],
      cacheFrom: inputs.cacheFrom,
      cacheTo: dryRun ? [] : inputs.cacheTo,
      secrets: inputs.secrets,
      secretFiles: inputs.secretFiles,
      noCache: inputs.noCache,
      // With a build key, build from the base image digests the key names,
      // not from an older copy the engine keeps (a self-hosted runner).
      pull: inputs.pull || buildKey !== undefined,
      platform: platformFor(found.architecture),
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
    if (buildKey !== undefined)
      await recordKey(ctx, repository, result.digest, buildKey)
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
