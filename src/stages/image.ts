/**
 * The stages that prove the image to deploy can run: preflight-app (before a
 * build), check-image (one manifest for the function's platform),
 * preflight-image (its layers). The build itself is ./build.ts.
 */
import * as core from '@actions/core'
import { type RegistryAuth, type Repository } from '../aws/ecr.js'
import {
  checkImagePlatform,
  checkManifest,
  resolveImageManifest,
  fetchImageConfigText,
  parseImageConfig
} from '../aws/ecr-image.js'
import { platformFor } from '../build/platform.js'
import { enforce, type Check } from '../checks/preflight/checks.js'
import { preflightImage } from '../checks/preflight/image.js'
import { preflightApp } from '../checks/preflight/run.js'
import { everyServes } from '../decide/action.js'
import { DeployError } from '../util/errors.js'
import type { Image, TargetState } from '../targets.js'
import type { Found, RunContext } from './context.js'
import { stage, type Prefetched } from './stage.js'

/** The repository and login every image stage needs (not rollback-to previous). */
export function registryOf(found: Found): {
  repository: Repository
  auth: RegistryAuth
} {
  const { repository, auth } = found
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
export const preflightAppStage = stage({
  needs: ['found'],
  uses: ['digest'],
  run: async (ctx, { found, digest }) => {
    // Nothing will be built: the tag exists, or the reuse stage tagged one.
    if (found.existingDigest === undefined && digest === undefined)
      await preflightAppPhase(ctx, found)
  }
})

async function preflightAppPhase(ctx: RunContext, found: Found): Promise<void> {
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

/** The digest of an image or rollback-to input: deployed as it is. */
function existingDigest(ctx: RunContext, found: Found): string {
  const { inputs } = ctx
  const source = inputs.source
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
export const checkImageStage = stage({
  needs: ['found'],
  uses: ['digest', 'prefetched'],
  gives: ['image'],
  run: async (ctx, { found, digest, prefetched }) => {
    const image = await checkImage(ctx, found, digest, prefetched)
    return image === undefined ? {} : { image }
  }
})

async function checkImage(
  ctx: RunContext,
  found: Found,
  given: string | undefined,
  prefetchedImage: Prefetched | undefined
): Promise<Image | undefined> {
  const { deps, report, log } = ctx
  const { repository, auth } = registryOf(found)
  const { architecture, existingDigest: existing } = found
  if (given === undefined && existing === undefined && ctx.inputs.dryRun) {
    log(
      'Check the image: skipped: the dry run built the image locally and pushed nothing; a real run checks the pushed manifest and its layers.'
    )
    return undefined
  }
  if (
    given === undefined &&
    existing !== undefined &&
    found.unrestored?.includes(existing) === true
  ) {
    log(
      `Check the image: skipped: ${repository.uri}@${existing} is archived, and a dry run does not restore it; a real run restores it first, then checks it.`
    )
    return undefined
  }
  const named = given ?? existingDigest(ctx, found)
  report.imageDigest = named
  report.imageUri = `${repository.uri}@${named}`
  // The reuse stage read them a moment ago.
  const prefetched =
    prefetchedImage?.digest === named ? prefetchedImage : undefined
  return ctx.phase('Check the image', async () => {
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
export const preflightImageStage = stage({
  needs: ['targets', 'found'],
  uses: ['image'],
  run: async (ctx, { targets, found, image }) => {
    // A dry run's own build is not in ECR (check-image said so).
    if (image === undefined && ctx.inputs.dryRun) return
    if (image === undefined) throw new Error('check-image has not run')
    await preflightImagePhase(ctx, targets, found, image)
  }
})

async function preflightImagePhase(
  ctx: RunContext,
  targets: readonly TargetState[],
  found: Found,
  image: Image
): Promise<void> {
  const { deps, inputs, log } = ctx
  if (everyServes(targets, inputs, image.digest)) {
    log('Preflight: image skipped: the function already runs this image.')
    return
  }
  const { repository, auth } = registryOf(found)
  const fn = targets[0]?.latest ?? found.production
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
