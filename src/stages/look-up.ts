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
  type FunctionState
} from '../aws/lambda.js'
import { platformFor, resolveArchitecture } from '../build/platform.js'
import type { Architecture } from '../inputs/types.js'
import { bareFunctionName } from '../inputs/naming.js'
import { lookUpPreview } from '../preview/look-up.js'
import { newTarget, type Image, type TargetState } from '../targets.js'
import { describeManaged } from './publish-managed.js'
import { DeployError, errorMessage } from '../util/errors.js'
import { settleEach } from '../util/settle.js'
import { settleArchived, type InactiveImage } from './archived.js'
import { refuseAlarmsInAlarm } from './canary-signals.js'
import type { Found, RunContext } from './context.js'
import { FailedWithFacts, stage } from './stage.js'
import { eachOrThrow, MAX_PARALLEL } from './each.js'
import {
  architectureToCreate,
  describeFunction,
  functionToCreate,
  logAlias,
  lookUpFunction,
  lookUpPrevious,
  productionOfPreview,
  type FoundFunction
} from './look-up-function.js'
import {
  findAnyStatus,
  findExistingDigest,
  warnLifecycle
} from './look-up-image.js'

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
    await refuseAlarmsInAlarm(ctx, 'before any change')
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
      : ((functions[0] as FoundFunction).fn ??
        functionToCreate(inputs, (functions[0] as FoundFunction).name))
    const prefixed =
      (name: string) =>
      (message: string): void =>
        ctx.log(`[${name}] ${message}`)
    const targets =
      inputs.mode === 'preview'
        ? [newTarget(previewFn, inputs.preview.name, ctx.log, production)]
        : functions.map(f => {
            const name = f.fn?.functionName ?? bareFunctionName(f.name)
            const target = newTarget(
              f.fn,
              name,
              many ? prefixed(name) : ctx.log
            )
            target.alias = f.alias
            target.aliasImageUri = f.aliasImageUri
            target.previousVersion = f.alias?.version
            target.published = f.published
            return target
          })
    if (auth !== undefined) {
      core.setSecret(auth.password)
      core.setSecret(
        Buffer.from(`${auth.username}:${auth.password}`).toString('base64')
      )
    }
    for (const { fn, name } of functions) {
      if (fn === undefined) {
        log(
          `Function ${name} does not exist: ${inputs.dryRun ? 'a real run would create it' : 'it will be created'} (package type Image, ${inputs.architecture ?? '?'}, role ${inputs.role ?? '?'}) from the image of this run.`
        )
        continue
      }
      log(`Function: ${describeFunction(fn)}`)
      checkDeployable(fn)
    }
    for (const target of targets) describeManaged(ctx, target)
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
      preview
        ? [previewFn ?? production]
        : functions.map(f => f.fn ?? architectureToCreate(inputs, f.name)),
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

/** rollback-to: previous: each alias goes back to the version it left. */
function previousImage(targets: TargetState[]): Image {
  const uri = targets[0]?.versionImageUri ?? ''
  const digest = digestFromImageUri(uri) ?? ''
  return { digest, uri, manifest: '', configText: '' }
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
