/**
 * Stage look-up: the functions (and their aliases), the repository, the tag,
 * the registry login; for rollback-to previous, the version each alias left.
 * Nothing changes in AWS here.
 */
import * as core from '@actions/core'
import {
  describeRepository,
  getRegistryAuth,
  tagIsImmutable,
  type Repository
} from '../aws/ecr.js'
import { readLifecyclePolicy } from '../aws/ecr-lifecycle.js'
import {
  checkDeployable,
  digestFromImageUri,
  getFunctionState,
  type FunctionState
} from '../aws/lambda.js'
import {
  getAlias,
  previousVersionFromDescription,
  type AliasState
} from '../aws/versions.js'
import { platformFor, resolveArchitecture } from '../build/platform.js'
import type { Architecture } from '../inputs/types.js'
import { bareFunctionName } from '../inputs/naming.js'
import { lookUpPreview } from '../preview/look-up.js'
import { releasedAlias } from '../inputs/spec.js'
import type { CommonSpec, PreviewSpec } from '../inputs/types.js'
import { newTarget, type Image, type TargetState } from '../targets.js'
import { DeployError, errorMessage } from '../util/errors.js'
import { settleEach } from '../util/settle.js'
import { settleArchived, type InactiveImage } from './archived.js'
import type { Found, RunContext } from './context.js'
import { FailedWithFacts, stage } from './stage.js'
import { eachOrThrow, MAX_PARALLEL } from './each.js'
import {
  findAnyStatus,
  findExistingDigest,
  warnLifecycle
} from './look-up-image.js'

interface FoundFunction {
  fn: FunctionState
  alias: AliasState | undefined
  aliasImageUri: string | undefined
}

function describeFunction(fn: FunctionState): string {
  return `${fn.functionArn} (${fn.architecture}, State ${fn.state ?? '?'}, LastUpdateStatus ${fn.lastUpdateStatus ?? '?'}), running ${fn.imageUri ?? 'no image'}`
}

/**
 * Stage look-up: the functions (one state each), and what the run needs
 * besides them; for rollback-to previous, the image each alias goes back to.
 */
export const lookUpStage = stage({
  gives: ['targets', 'found', 'previousImage'],
  run: async ctx => {
    const { targets, found } = await lookUp(ctx)
    if (ctx.inputs.source.kind !== 'previous') return { targets, found }
    return { targets, found, previousImage: previousImage(targets) }
  }
})

async function lookUp(
  ctx: RunContext
): Promise<{ targets: TargetState[]; found: Found }> {
  const { inputs, log } = ctx
  const { lambda, ecr } = ctx.clients
  const needsEcr = inputs.source.kind !== 'previous'
  return ctx.phase('Look up function, repository and tag', async () => {
    const many = inputs.functionNames.length > 1
    const preview = inputs.mode === 'preview'
    // A preview never reads production: GetFunction's answer carries its
    // environment, which the preview role must not see.
    const [found, previewFn, repository, existing, auth, lifecycle] =
      await Promise.all([
        preview
          ? []
          : settleEach(
              inputs.functionNames,
              MAX_PARALLEL,
              name => lookUpFunction(ctx, name),
              ctx.cancelled
            ),
        preview
          ? lookUpPreview(
              lambda,
              inputs.preview,
              bareFunctionName(inputs.functionName)
            )
          : undefined,
        needsEcr ? describeRepository(ecr, inputs.repository) : undefined,
        needsEcr ? findExistingDigest(ctx) : undefined,
        needsEcr
          ? getRegistryAuth(ecr, inputs.repository.registryId)
          : undefined,
        needsEcr && inputs.mode === 'deploy'
          ? readLifecyclePolicy(ecr, inputs.repository)
          : undefined
      ])
    const existingDigest = existing?.digest
    const problems = found.flatMap(r =>
      r.status === 'rejected' ? [errorMessage(r.reason)] : []
    )
    if (problems.length > 0) throw new DeployError(problems.join('\n'))
    const functions = found.flatMap(r =>
      r.status === 'fulfilled' ? [r.value] : []
    )
    const production = preview
      ? productionOfPreview(inputs, previewFn)
      : (functions[0] as FoundFunction).fn
    const prefixed =
      (name: string) =>
      (message: string): void =>
        ctx.log(`[${name}] ${message}`)
    const targets =
      inputs.mode === 'preview'
        ? [newTarget(previewFn, inputs.preview.name, ctx.log, production)]
        : functions.map(f => {
            const target = newTarget(
              f.fn,
              f.fn.functionName,
              many ? prefixed(f.fn.functionName) : ctx.log
            )
            target.alias = f.alias
            target.aliasImageUri = f.aliasImageUri
            target.previousVersion = f.alias?.version
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
    for (const target of targets) logAlias(ctx, target)
    if (preview)
      log(
        previewFn === undefined
          ? `Preview function ${inputs.preview?.name ?? ''} does not exist yet: it will be created from preview-settings for ${production.architecture}; ${production.functionName} itself is not read.`
          : `Preview function: ${describeFunction(previewFn)}`
      )
    if (previewFn !== undefined) checkDeployable(previewFn)
    if (repository !== undefined) {
      log(
        `Repository: ${repository.uri} (tags ${repository.mutability}${repository.exclusionFilters.length > 0 ? `, except ${repository.exclusionFilters.join(', ')}` : ''})`
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
      preview ? [previewFn ?? production] : functions.map(f => f.fn),
      inputs.architecture
    )
    ctx.report.architecture = architecture
    ctx.report.platform = platformFor(architecture)
    if (inputs.source.kind === 'build')
      log(
        `Building for ${platformFor(architecture)}, the platform of the function's ${architecture} architecture.`
      )
    // rollback-to: previous comes with an alias release (RunSpec).
    const { release } = inputs
    if (inputs.source.kind === 'previous' && release.kind === 'alias')
      await eachOrThrow(ctx.cancelled, targets, t =>
        lookUpPrevious(ctx, t, release.name)
      )
    // With exclusion filters the rule is per tag: what matters is this tag.
    if (
      repository !== undefined &&
      inputs.source.kind === 'build' &&
      !tagIsImmutable(repository, inputs.tag)
    ) {
      core.warning(
        `ECR repository ${repository.name} allows tag ${inputs.tag} to be overwritten (${repository.mutability}); IMMUTABLE tags make every deployed image traceable. This action never overwrites a tag either way.`
      )
    }
    // What the run needs that ECR archived: the image to deploy, and the
    // image each function runs now (an undo puts it back on $LATEST).
    const inactive =
      repository === undefined
        ? []
        : [
            ...(existing?.inactive !== undefined ? [existing.inactive] : []),
            ...(await inactiveUndoImages(
              ctx,
              targets,
              repository,
              existingDigest
            ))
          ]
    const lookedUp: Found = {
      production,
      repository,
      existingDigest,
      auth,
      architecture,
      unrestored:
        inputs.dryRun && inputs.restoreArchived
          ? inactive.map(image => image.digest)
          : []
    }
    // The functions are known: a refused archived image still leaves
    // them to the report.
    await settleArchived(ctx, inputs.repository, inactive).catch(
      (error: unknown) => {
        throw new FailedWithFacts(error, { targets, found: lookedUp })
      }
    )
    const lifecycleWarnings = warnLifecycle(
      ctx,
      lifecycle,
      existingDigest,
      existing?.tags
    )
    return { targets, found: { ...lookedUp, lifecycleWarnings } }
  })
}

/**
 * The images the functions run now, when they are in the repository and
 * not active: an undo could not put them back. One DescribeImages per image
 * (only an image it does not find is searched among the inactive ones);
 * none for a function that already runs the image this run deploys (a
 * re-run: nothing changes, so nothing is undone, and that image is checked
 * as the one to deploy).
 */
async function inactiveUndoImages(
  ctx: RunContext,
  targets: readonly TargetState[],
  repository: Repository,
  deploying: string | undefined
): Promise<InactiveImage[]> {
  const byDigest = new Map<string, string[]>()
  for (const target of targets) {
    const fn = target.replaced
    const digest = fn?.imageDigest
    const uri = fn?.imageUri ?? ''
    if (digest === undefined || digest === deploying) continue
    if (
      !uri.startsWith(`${repository.uri}@`) &&
      !uri.startsWith(`${repository.uri}:`)
    )
      continue
    byDigest.set(digest, [...(byDigest.get(digest) ?? []), target.name])
  }
  const found = await Promise.all(
    [...byDigest].map(async ([digest, names]) => {
      const looked = await findAnyStatus(ctx, { imageDigest: digest })
      if (looked.unchecked !== undefined)
        core.warning(
          `Whether ${repository.uri}@${digest}, the image ${names.join(', ')} run now, is archived could not be checked (${looked.unchecked}); if it is, an undo after a failed check could not put it back.`
        )
      const image = looked.image
      return image === undefined || image.status === 'ACTIVE'
        ? []
        : [
            {
              digest,
              status: image.status,
              neededFor: `the image ${names.join(', ')} run${names.length === 1 ? 's' : ''} now, which an undo after a failed check would put back`
            }
          ]
    })
  )
  return found.flat()
}

function logAlias(ctx: RunContext, target: TargetState): void {
  if (target.alias !== undefined)
    target.log(
      `Alias ${target.alias.name} points to version ${target.alias.version} (${target.aliasImageUri ?? 'image unknown'})` +
        (Object.keys(target.alias.weights).length > 0
          ? `, with ${JSON.stringify(target.alias.weights)} of its traffic on other versions`
          : '')
    )
  else if (ctx.inputs.release.kind === 'alias')
    target.log(
      `Alias ${ctx.inputs.release.name} does not exist yet: it will be created.`
    )
}

/** rollback-to: previous: each alias goes back to the version it left. */
function previousImage(targets: TargetState[]): Image {
  const uri = targets[0]?.versionImageUri ?? ''
  const digest = digestFromImageUri(uri) ?? ''
  return { digest, uri, manifest: '', configText: '' }
}

/** The function, and with alias its alias and the image of its version. */
async function lookUpFunction(
  ctx: RunContext,
  name: string
): Promise<FoundFunction> {
  const { lambda } = ctx.clients
  const alias = releasedAlias(ctx.inputs.release)
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
async function lookUpPrevious(
  ctx: RunContext,
  target: TargetState,
  alias: string
): Promise<void> {
  const name = target.name
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
    `${target.arn}:${version}`
  )
  target.version = version
  target.versionImageUri = state.imageUri
  target.log(
    `Alias ${alias} points to version ${target.alias.version}; rolling back to version ${version} (${state.imageUri ?? 'image unknown'}).`
  )
}

/**
 * Production as a preview knows it without reading it: its name (for the
 * preview's tags and the app preflight's Function URL look-up) and the
 * shape the preview is created with: the architecture input (else the
 * existing preview's, else Lambda's default x86_64) and preview-settings.
 */
function productionOfPreview(
  inputs: CommonSpec & PreviewSpec,
  previewFn: FunctionState | undefined
): FunctionState {
  const settings = inputs.isolation?.settings
  const hasImageConfig =
    settings?.command !== undefined ||
    settings?.entryPoint !== undefined ||
    settings?.workingDirectory !== undefined
  return {
    functionName: bareFunctionName(inputs.functionName),
    functionArn: inputs.functionName,
    packageType: 'Image',
    architecture: inputs.architecture ?? previewFn?.architecture ?? 'x86_64',
    state: undefined,
    lastUpdateStatus: undefined,
    imageUri: undefined,
    imageDigest: undefined,
    imageConfig: hasImageConfig
      ? {
          entryPoint: settings?.entryPoint,
          command: settings?.command,
          workingDirectory: settings?.workingDirectory
        }
      : undefined
  }
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
