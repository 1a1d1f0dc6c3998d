/**
 * Stage reuse (reuse-unchanged-image): the build key of this commit's app;
 * when an earlier build recorded the same key (its key tag), that image gets
 * this commit's tag and nothing is built or pushed. The deploy then finds
 * the function already runs it, or updates it like any deploy.
 *
 * Any doubt means build: a Dockerfile that cannot be read, a base image whose
 * registry does not answer, a variable in FROM without a value.
 */
import * as core from '@actions/core'
import { type RegistryAuth, type Repository } from '../aws/ecr.js'
import {
  checkManifest,
  fetchImageConfigText,
  getImageManifest,
  type ImageManifest
} from '../aws/ecr-image.js'
import { findInactiveImage } from '../aws/ecr-archive.js'
import { findTaggedImage, tagImage } from '../aws/ecr-tags.js'
import { baseImages, platformArgs } from '../build/from.js'
import { BUILT_FOR_LABEL, buildKey, isKeyTag, keyTag } from '../build/key.js'
import {
  buildPlatform,
  startKeyParts,
  type KeyParts,
  type TimedLookup
} from '../build/key-parts.js'
import { platformFor } from '../build/platform.js'
import { DeployError, errorMessage } from '../util/errors.js'
import { formatDuration } from '../util/time.js'
import { settleArchived } from './archived.js'
import type { Found, RunContext } from './context.js'
import { stage, type StageOutput } from './stage.js'

export type KeyResult =
  { kind: 'key'; key: string; tag: string } | { kind: 'none'; reason: string }

/** A part started with the look-up: how long this stage waited for it. */
function waitedFor(doneAt: number, from: number, what = 'it'): string {
  return doneAt <= from
    ? 'started with the look-up, ready before this stage'
    : `started with the look-up, this stage waited ${formatDuration(doneAt - from)} for ${what}`
}

/**
 * Make the key from its parts (the context and the base images, started
 * with the look-up or now): the same key whenever they were started.
 */
export async function computeKey(
  ctx: RunContext,
  platform: string,
  auth: RegistryAuth | undefined,
  parts: KeyParts
): Promise<KeyResult> {
  const { inputs, deps, log } = ctx
  const from = deps.timing.now()
  const { dockerfile } = parts
  if (dockerfile.kind === 'unreadable')
    return {
      kind: 'none',
      reason: `the Dockerfile ${dockerfile.path} cannot be read (${dockerfile.reason})`
    }
  const images = baseImages(
    dockerfile.text,
    inputs.buildArgs,
    platformArgs(platform, buildPlatform())
  )
  if (images.kind === 'unknown') return { kind: 'none', reason: images.reason }
  const [context, lookups] = await Promise.all([
    parts.context,
    Promise.all(images.images.map(image => parts.digest(image, auth)))
  ])
  if (context.kind === 'failed')
    return {
      kind: 'none',
      reason: `the build context ${inputs.context} cannot be hashed (${context.reason})`
    }
  const notes = [
    context.ignoreFile === undefined
      ? 'no .dockerignore'
      : `ignore file ${context.ignoreFile}`,
    parts.early ? waitedFor(context.doneAt, from) : ''
  ].filter(note => note !== '')
  log(
    `Hashed the build context ${inputs.context}: ${context.entries} entries, ${context.bytes} bytes in ${formatDuration(context.ms)} (${notes.join('; ')}).`
  )
  const resolved: { image: string; digest: string }[] = []
  for (const { image, lookup } of lookups) {
    if (lookup.kind === 'failed')
      return {
        kind: 'none',
        reason: `the base image ${image} could not be resolved: ${lookup.reason}`
      }
    resolved.push({ image, digest: lookup.digest })
  }
  if (resolved.length > 0) log(describeLookups(lookups, from))
  const key = buildKey({
    platform,
    target: inputs.target,
    dockerfile: dockerfile.text,
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

/** "Base images (looked up in 33ms, started with the look-up): a → sha256:…" */
function describeLookups(lookups: TimedLookup[], from: number): string {
  const startedAt = Math.min(...lookups.map(l => l.startedAt))
  const doneAt = Math.max(...lookups.map(l => l.doneAt))
  const early = lookups.filter(l => l.early).length
  const when =
    early === 0
      ? ''
      : early === lookups.length
        ? `, ${waitedFor(doneAt, from, 'them')}`
        : `, ${early} of ${lookups.length} started with the look-up`
  const digests = lookups.map(l =>
    l.lookup.kind === 'digest' ? `${l.image} → ${l.lookup.digest}` : l.image
  )
  return `Base images (looked up in ${formatDuration(doneAt - startedAt)}${when}): ${digests.join(', ')}.`
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

export const reuseStage = stage({
  needs: ['found'],
  uses: ['keyParts'],
  gives: ['buildKey', 'digest', 'prefetched'],
  run: (ctx, { found, keyParts }) => reuse(ctx, found, keyParts)
})

async function reuse(
  ctx: RunContext,
  found: Found,
  keyParts: KeyParts | undefined
): Promise<StageOutput<'buildKey' | 'digest' | 'prefetched'>> {
  const { inputs, report, log } = ctx
  const { repository, auth } = found
  const given: StageOutput<'buildKey' | 'digest' | 'prefetched'> = {}
  // The tag exists: the build stage reuses it, as on any re-run.
  if (found.existingDigest !== undefined) {
    keyParts?.stop()
    return given
  }
  if (repository === undefined || auth === undefined)
    throw new Error('the look-up found no repository')
  // Started by the plan runner with the look-up, else now.
  const parts = keyParts ?? startKeyParts(inputs, ctx.deps, { early: false })
  await ctx.phase('Reuse an unchanged build', async () => {
    // keyMs is what this stage waited for the key, not when its parts began.
    const started = ctx.deps.timing.now()
    const key = await computeKey(
      ctx,
      platformFor(found.architecture),
      auth,
      parts
    ).finally(parts.stop)
    report.keyMs = ctx.deps.timing.now() - started
    if (key.kind === 'none') {
      log(`No build key: ${key.reason}. Building as usual.`)
      report.reuse = { kind: 'no-key', reason: key.reason }
      return
    }
    given.buildKey = key.key
    const { ecr } = ctx.clients
    const keyed =
      (await findTaggedImage(ecr, inputs.repository, key.tag)) ??
      (await archivedBuild(ctx, key.key, key.tag))
    if (keyed === 'build') return
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
      given.digest = tagged.digest
      return
    }
    const earlier = builtFor(configText, keyed.tags, inputs.tag)
    given.prefetched = { digest, image, configText }
    report.reusedImage = true
    report.reuse = {
      kind: 'reused',
      key: key.key,
      builtFor: earlier,
      tag: inputs.tag,
      digest
    }
    given.digest = digest
    log(
      `No build: the app is unchanged since ${earlier ?? 'an earlier build'} (key ${key.tag}); tagged ${inputs.tag} on ${digest}${tagged.kind === 'already' ? ' (the tag was already there)' : ''}.`
    )
  })
  return given
}

/**
 * The key tag may name an image ECR archived (DescribeImages hid it): it
 * cannot be pulled, so it is reused only once restored (restore-archived,
 * never in a dry run); otherwise the app is built again, saying why.
 * Undefined when no image, archived or not, has the key tag.
 */
async function archivedBuild(
  ctx: RunContext,
  key: string,
  keyTag: string
): Promise<{ digest: string; tags: string[] } | 'build' | undefined> {
  const { inputs, report, log } = ctx
  let image
  try {
    image = await findInactiveImage(ctx.clients.ecr, inputs.repository, {
      imageTag: keyTag
    })
  } catch (error) {
    core.debug(`Archived images were not searched: ${errorMessage(error)}`)
    return undefined
  }
  if (image === undefined || image.status === 'ACTIVE') return undefined
  if (!inputs.restoreArchived || inputs.dryRun) {
    log(
      `Build key ${key}: the image built from it, ${image.digest}, is ${image.status === 'ARCHIVED' ? 'archived in ECR' : "being restored from ECR's archive (ACTIVATING)"} and cannot be pulled; building instead` +
        (inputs.dryRun
          ? ' (a dry run restores nothing).'
          : ' (restore-archived: true would restore and reuse it).')
    )
    report.reuse = { kind: 'archived', key, digest: image.digest }
    return 'build'
  }
  await settleArchived(ctx, inputs.repository, [
    {
      digest: image.digest,
      status: image.status,
      neededFor: `the earlier build with key tag ${keyTag}`
    }
  ])
  return { digest: image.digest, tags: image.tags }
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
