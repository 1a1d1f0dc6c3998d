/**
 * The look-up of one function (stage look-up, ./look-up.ts): the function
 * and its alias as they are, what a preview knows of production without
 * reading it, a function the deploy will create, and for rollback-to
 * previous the version its alias left. Nothing changes in AWS here.
 */
import { readLatestPublished } from '../aws/managed-instances.js'
import {
  FunctionNotFoundError,
  getFunctionState,
  type FunctionState
} from '../aws/lambda.js'
import {
  getAlias,
  previousVersionFromDescription,
  type AliasState
} from '../aws/versions.js'
import { bareFunctionName } from '../inputs/naming.js'
import { releasedAlias } from '../inputs/spec.js'
import type { CommonSpec, PreviewSpec } from '../inputs/types.js'
import type { PublishedRelease, TargetState } from '../targets.js'
import { DeployError } from '../util/errors.js'
import type { RunContext } from './context.js'

export interface FoundFunction {
  /** Undefined: it does not exist, and role was given (the deploy creates it). */
  fn: FunctionState | undefined
  /** The name function-name gave. */
  name: string
  alias: AliasState | undefined
  aliasImageUri: string | undefined
  /** Managed Instances, no alias: $LATEST.PUBLISHED, what callers get. */
  published: PublishedRelease | undefined
}

export function describeFunction(fn: FunctionState): string {
  return `${fn.functionArn} (${fn.architecture}, State ${fn.state ?? '?'}, LastUpdateStatus ${fn.lastUpdateStatus ?? '?'}), running ${fn.imageUri ?? 'no image'}`
}

export function logAlias(ctx: RunContext, target: TargetState): void {
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

/** The function, and with alias its alias and the image of its version. */
export async function lookUpFunction(
  ctx: RunContext,
  name: string
): Promise<FoundFunction> {
  const { lambda } = ctx.clients
  const alias = releasedAlias(ctx.inputs.release)
  const fn = await getFunctionState(lambda, name).catch((error: unknown) => {
    // role given: a missing function is created by the deploy (deploy mode
    // only: a preview never gets here).
    if (error instanceof FunctionNotFoundError && ctx.inputs.role !== undefined)
      return undefined
    throw error
  })
  if (fn === undefined)
    return {
      fn,
      name,
      alias: undefined,
      aliasImageUri: undefined,
      published: undefined
    }
  const current =
    alias === undefined ? undefined : await getAlias(lambda, name, alias)
  const aliasImageUri =
    current === undefined
      ? undefined
      : (await getFunctionState(lambda, `${fn.functionArn}:${current.version}`))
          .imageUri
  // Lambda Managed Instances without an alias: callers get $LATEST.PUBLISHED.
  const publishedNow =
    fn.capacityProviderArn !== undefined && alias === undefined
      ? await readLatestPublished(lambda, fn.functionArn)
      : undefined
  const published: PublishedRelease | undefined =
    fn.capacityProviderArn !== undefined && alias === undefined
      ? {
          before:
            publishedNow === undefined
              ? undefined
              : {
                  imageUri: publishedNow.imageUri,
                  imageDigest: publishedNow.imageDigest,
                  state: publishedNow.state
                },
          change: 'none'
        }
      : undefined
  return { fn, name, alias: current, aliasImageUri, published }
}

/** rollback-to: previous: the version the alias left, and its image. */
export async function lookUpPrevious(
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
export function productionOfPreview(
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

/**
 * A function the deploy creates, as the look-up knows it: the name and the
 * architecture input (required to create one), package type Image, the
 * image-config input as its ImageConfig (what the image preflight checks).
 */
export function functionToCreate(
  inputs: CommonSpec,
  name: string
): FunctionState {
  const image = inputs.functionConfig.imageConfig
  return {
    functionName: bareFunctionName(name),
    functionArn: name,
    packageType: 'Image',
    architecture: architectureToCreate(inputs, name).architecture,
    state: undefined,
    lastUpdateStatus: undefined,
    imageUri: undefined,
    imageDigest: undefined,
    imageConfig:
      image === undefined
        ? undefined
        : {
            entryPoint: image.entryPoint,
            command: image.command,
            workingDirectory: image.workingDirectory
          }
  }
}

/** A new function's architecture: the architecture input, which it requires. */
export function architectureToCreate(
  inputs: CommonSpec,
  name: string
): FunctionState {
  if (inputs.architecture === undefined)
    throw new DeployError(
      `architecture is required to create ${bareFunctionName(name)}, which does not exist yet: give x86_64 or arm64 (the CPU the image is built for). Nothing was changed.`
    )
  return {
    functionName: bareFunctionName(name),
    functionArn: name,
    packageType: 'Image',
    architecture: inputs.architecture,
    state: undefined,
    lastUpdateStatus: undefined,
    imageUri: undefined,
    imageDigest: undefined
  }
}
