/**
 * Stage reuse (reuse-unchanged-image): the build key of this commit's app;
 * when an earlier build recorded the same key (its key tag), that image gets
 * this commit's tag and nothing is built or pushed. The deploy then finds
 * the function already runs it, or updates it like any deploy.
 *
 * Any doubt means build: a Dockerfile that cannot be read, a base image whose
 * registry does not answer, a variable in FROM without a value.
 */
import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import * as core from '@actions/core'
import { type RegistryAuth, type Repository } from '../aws/ecr.js'
import {
  checkManifest,
  fetchImageConfigText,
  getImageManifest,
  type ImageManifest
} from '../aws/ecr-image.js'
import { findTaggedImage, tagImage } from '../aws/ecr-tags.js'
import { hashContext } from '../build/context-hash.js'
import { baseImages, platformArgs } from '../build/from.js'
import { BUILT_FOR_LABEL, buildKey, isKeyTag, keyTag } from '../build/key.js'
import { platformFor } from '../build/platform.js'
import { resolveDigest } from '../build/registry-digest.js'
import type { Inputs } from '../inputs/types.js'
import { DeployError, errorMessage } from '../util/errors.js'
import { formatDuration } from '../util/time.js'
import { foundOf, type RunContext, type RunState } from './context.js'

export type KeyResult =
  { kind: 'key'; key: string; tag: string } | { kind: 'none'; reason: string }

/** The platform docker builds on: BuildKit's BUILDPLATFORM. */
function buildPlatform(): string {
  return `linux/${process.arch === 'arm64' ? 'arm64' : 'amd64'}`
}

/** The Dockerfile docker reads: file, else <context>/Dockerfile. */
export function dockerfilePath(
  inputs: Pick<Inputs, 'context' | 'file'>
): string {
  return inputs.file ?? path.join(inputs.context, 'Dockerfile')
}

/** Gather the key's parts (context and base images at once) and make it. */
export async function computeKey(
  ctx: RunContext,
  platform: string,
  auth: RegistryAuth | undefined
): Promise<KeyResult> {
  const { inputs, deps, log } = ctx
  const file = dockerfilePath(inputs)
  let dockerfile: string
  try {
    dockerfile = await fs.readFile(file, 'utf8')
  } catch (error) {
    return {
      kind: 'none',
      reason: `the Dockerfile ${file} cannot be read (${errorMessage(error)})`
    }
  }
  const images = baseImages(
    dockerfile,
    inputs.buildArgs,
    platformArgs(platform, buildPlatform())
  )
  if (images.kind === 'unknown') return { kind: 'none', reason: images.reason }
  const started = deps.timing.now()
  const [context, digests] = await Promise.all([
    hashContext(inputs.context, file).then(
      result => ({ ...result, ms: deps.timing.now() - started }),
      // A remote context (a git URL), an unreadable file, a bad pattern:
      // the build reports what is wrong with it, if anything.
      (error: unknown) => errorMessage(error)
    ),
    Promise.all(
      images.images.map(async image => ({
        image,
        lookup: await resolveDigest(image, auth, deps.fetch)
      }))
    ).then(result => ({ result, ms: deps.timing.now() - started }))
  ])
  if (typeof context === 'string')
    return {
      kind: 'none',
      reason: `the build context ${inputs.context} cannot be hashed (${context})`
    }
  log(
    `Hashed the build context ${inputs.context}: ${context.entries} entries, ${context.bytes} bytes in ${formatDuration(context.ms)}` +
      ` (${context.ignoreFile === undefined ? 'no .dockerignore' : `ignore file ${context.ignoreFile}`}).`
  )
  const resolved: { image: string; digest: string }[] = []
  for (const { image, lookup } of digests.result) {
    if (lookup.kind === 'failed')
      return {
        kind: 'none',
        reason: `the base image ${image} could not be resolved: ${lookup.reason}`
      }
    resolved.push({ image, digest: lookup.digest })
  }
  if (resolved.length > 0)
    log(
      `Base images (looked up in ${formatDuration(digests.ms)}): ${resolved.map(b => `${b.image} → ${b.digest}`).join(', ')}.`
    )
  const key = buildKey({
    platform,
    target: inputs.target,
    dockerfile,
    buildArgs: inputs.buildArgs,
    labels: inputs.labels,
    secretIds: [
      ...inputs.secrets.map(s => s.id),
      ...inputs.secretFiles.map(s => s.id)
    ],
    baseImages: resolved,
    context: context.digest
  })
  return { kind: 'key', key, tag: keyTag(key) }
}

/** The image's config (verified against its digest), or undefined. */
async function readConfig(
  ctx: RunContext,
  repository: Repository,
  auth: RegistryAuth,
  image: ImageManifest
): Promise<string | undefined> {
  try {
    const { configDigest } = checkManifest(image)
    return await fetchImageConfigText(
      auth,
      repository.name,
      configDigest,
      ctx.deps.fetch
    )
  } catch (error) {
    core.debug(`The image config was not read: ${errorMessage(error)}`)
    return undefined
  }
}

/**
 * The tag an image was built for: its label, else one of its other tags
 * (an image built before the label, or whose config cannot be read).
 */
export function builtFor(
  configText: string | undefined,
  tags: readonly string[],
  tag: string
): string | undefined {
  try {
    const config = JSON.parse(configText ?? '{}') as {
      config?: { Labels?: Record<string, unknown> }
    }
    const label = config.config?.Labels?.[BUILT_FOR_LABEL]
    if (typeof label === 'string') return label
  } catch {
    // not JSON: the tags tell
  }
  return tags.find(t => !isKeyTag(t) && t !== tag)
}

export async function reuseStage(
  ctx: RunContext,
  run: RunState
): Promise<void> {
  const { inputs, report, log } = ctx
  const found = foundOf(run)
  const { repository, auth } = found
  // The tag exists: the build stage reuses it, as on any re-run.
  if (found.existingDigest !== undefined) return
  if (repository === undefined || auth === undefined)
    throw new Error('the look-up found no repository')
  await ctx.phase('Reuse an unchanged build', async () => {
    const started = ctx.deps.timing.now()
    const key = await computeKey(ctx, platformFor(found.architecture), auth)
    report.keyMs = ctx.deps.timing.now() - started
    if (key.kind === 'none') {
      log(`No build key: ${key.reason}. Building as usual.`)
      report.reuse = { kind: 'no-key', reason: key.reason }
      return
    }
    run.buildKey = key.key
    const { ecr } = ctx.clients
    const keyed = await findTaggedImage(ecr, inputs.repository, key.tag)
    if (keyed === undefined) {
      log(
        `Build key ${key.key}: no image was built from it yet. Building; the image gets the tag ${key.tag} as well.`
      )
      report.reuse = { kind: 'new-key', key: key.key }
      return
    }
    const { digest } = keyed
    const image = await getImageManifest(ecr, repository, digest)
    // Which commit built it is read while the tag is put on.
    const [tagged, configText] = await Promise.all([
      tagImage(ecr, repository, digest, inputs.tag, image),
      readConfig(ctx, repository, auth, image)
    ])
    if (tagged.kind === 'taken') {
      // Another run of this commit pushed its tag meanwhile: deploy that.
      if (tagged.digest === undefined)
        throw new DeployError(
          `Tag ${inputs.tag} names another image in ${repository.name} and could not be read.`
        )
      core.warning(
        `Tag ${inputs.tag} was pushed by another run meanwhile (${tagged.digest}); deploying that image.`
      )
      report.reusedImage = true
      run.digest = tagged.digest
      return
    }
    const earlier = builtFor(configText, keyed.tags, inputs.tag)
    run.prefetched = { digest, image, configText }
    report.reusedImage = true
    report.reuse = {
      kind: 'reused',
      key: key.key,
      builtFor: earlier,
      tag: inputs.tag,
      digest
    }
    run.digest = digest
    log(
      `No build: the app is unchanged since ${earlier ?? 'an earlier build'} (key ${key.tag}); tagged ${inputs.tag} on ${digest}${tagged.kind === 'already' ? ' (the tag was already there)' : ''}.`
    )
  })
}

/**
 * After a build with a key: record it on the pushed image (its key tag),
 * so that a later commit with the same app finds it. A failure only warns:
 * the deploy does not depend on it.
 */
export async function recordKey(
  ctx: RunContext,
  repository: Repository,
  digest: string,
  key: string
): Promise<void> {
  const tag = keyTag(key)
  try {
    const outcome = await tagImage(ctx.clients.ecr, repository, digest, tag)
    ctx.log(
      outcome.kind === 'taken'
        ? `Build key ${tag} is already recorded on ${outcome.digest ?? 'another image'} (another build of the same app).`
        : `Recorded the build key on ${digest}: tag ${tag}.`
    )
  } catch (error) {
    core.warning(
      `The image was deployed, but its build key could not be recorded (tag ${tag}): ${errorMessage(error)} The next commit with the same app builds again.`
    )
  }
}
