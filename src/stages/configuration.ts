/**
 * The deploy's configuration step and its first deploy: the configuration
 * inputs applied before the code (UpdateFunctionConfiguration, wait; the
 * deploy stage then runs UpdateFunctionCode, wait), and a function that does
 * not exist created from the image with role (CreateFunction, wait until
 * Active). Stage function-url: a Function URL added when missing. The deploy
 * stage (deploy.ts) calls the first two; the decisions are pure
 * (decide/configuration.ts, decide/action.ts).
 *
 * What if the run dies right after CreateFunction? The new function is left:
 * it served nothing before this run, so nothing that worked is broken; an
 * automatic delete would be irreversible (and would take the Function URL
 * and anything a user attached meanwhile with it). The next run finds it
 * and deploys to it as to any function; the summary names it as created.
 * The same holds when a check fails after a create: there is no earlier
 * release to put back, so the run fails and leaves it (docs/first-deploy.md).
 */
import type { CreateFunctionCommandInput } from '@aws-sdk/client-lambda'
import {
  checkDeployedDigest,
  getFunctionState,
  type FunctionState
} from '../aws/lambda.js'
import {
  applyConfiguration,
  createImageFunction,
  createUrl,
  grant
} from '../aws/lambda-config.js'
import { waitForUpdate } from '../aws/lambda-update.js'
import { PUBLIC_URL_STATEMENTS, getFunctionUrl } from '../aws/function-url.js'
import {
  configUpdate,
  describeDiff,
  wantedConfig,
  type ConfigDiff,
  type ConfigSnapshot
} from '../decide/configuration.js'
import { bareFunctionName } from '../inputs/naming.js'
import { releasedAlias } from '../inputs/spec.js'
import type { CommonSpec } from '../inputs/types.js'
import type { Image, TargetState } from '../targets.js'
import { DeployError, UpdateFailedError } from '../util/errors.js'
import { formatDuration } from '../util/time.js'
import type { RunContext } from './context.js'
import { stage } from './stage.js'
import { forEachTarget } from './each.js'

/** The tag that names the repository whose workflow created a function. */
export const CREATED_BY_TAG = 'aspnet-lambda-deploy:created-by'

/**
 * What a new function gets when an input does not say: enough for an
 * ASP.NET Core app (Lambda's own defaults, 128 MB and 3 s, are not).
 */
export const NEW_FUNCTION_DEFAULTS: ConfigSnapshot = {
  environment: {},
  memorySize: 512,
  timeout: 30,
  ephemeralStorage: 512,
  imageConfig: {},
  description: ''
}

/** CreateFunction's input for a deploy's first release. Pure. */
export function createInput(
  name: string,
  inputs: Pick<CommonSpec, 'functionConfig' | 'architecture'> & {
    role: string
  },
  imageUri: string,
  repository: string | undefined
): CreateFunctionCommandInput {
  const config = wantedConfig(NEW_FUNCTION_DEFAULTS, inputs.functionConfig)
  const image = config.imageConfig
  return {
    FunctionName: bareFunctionName(name),
    PackageType: 'Image',
    Code: { ImageUri: imageUri },
    Role: inputs.role,
    Architectures:
      inputs.architecture === undefined ? [] : [inputs.architecture],
    MemorySize: config.memorySize,
    Timeout: config.timeout,
    EphemeralStorage: { Size: config.ephemeralStorage ?? 512 },
    Description:
      config.description !== ''
        ? config.description
        : `Created by aspnet-lambda-deploy${repository !== undefined ? ` for ${repository}` : ''}`,
    Publish: false,
    ...(Object.keys(config.environment).length > 0 && {
      Environment: { Variables: { ...config.environment } }
    }),
    ...(Object.keys(image).length > 0 && {
      ImageConfig: {
        ...(image.entryPoint !== undefined && {
          EntryPoint: [...image.entryPoint]
        }),
        ...(image.command !== undefined && { Command: [...image.command] }),
        ...(image.workingDirectory !== undefined && {
          WorkingDirectory: image.workingDirectory
        })
      }
    }),
    Tags: { [CREATED_BY_TAG]: repository ?? 'unknown' }
  }
}

/** Creates the missing function with the image, and waits until it is Active. */
export async function createTarget(
  ctx: RunContext,
  target: TargetState,
  image: Image
): Promise<void> {
  const { inputs, deps } = ctx
  if (inputs.role === undefined) throw new Error(`${target.name} was not found`)
  const started = deps.timing.now()
  const input = createInput(
    target.name,
    { ...inputs, role: inputs.role },
    image.uri,
    deps.env.GITHUB_REPOSITORY
  )
  const created = await createImageFunction(
    ctx.clients.lambda,
    input,
    target.log
  )
  // From here on the function exists: a run that dies now leaves it
  // (see the top of this file), and the summary says it was created.
  target.code = 'created'
  target.arn = created.FunctionArn ?? target.arn
  ctx.changed()
  const outcome = await waitForUpdate(
    ctx.clients.lambda,
    target.arn,
    { timeoutMs: inputs.waitTimeoutMs, log: target.log, budget: ctx.budget },
    deps.timing
  )
  if (outcome.status === 'Failed')
    throw new DeployError(
      `${target.name} was created but did not become Active: ${outcome.reasonCode ?? 'Failed'}: ${outcome.reason ?? 'no reason given'}. It is left for you to inspect (aws lambda get-function --function-name ${target.name}).`
    )
  const after = await getFunctionState(ctx.clients.lambda, target.arn)
  checkDeployedDigest(after, image.digest)
  target.latest = after
  target.log(
    `${target.name} is Active after ${formatDuration(deps.timing.now() - started)} and runs ${after.imageUri ?? image.digest}.`
  )
}

/**
 * The configuration inputs applied to $LATEST before its code, guarded by
 * the RevisionId the run read. The intent is recorded before the call (a
 * run killed while it waits for the answer leaves the post step a guarded
 * undo). Returns $LATEST as Lambda reports it after.
 */
export async function configureTarget(
  ctx: RunContext,
  target: TargetState,
  current: FunctionState,
  diff: ConfigDiff
): Promise<FunctionState> {
  const previous = current.config
  if (previous === undefined) return current
  const applied = wantedConfig(previous, ctx.inputs.functionConfig)
  const input = configUpdate(
    current.functionArn,
    previous,
    applied,
    current.revisionId
  )
  if (input === undefined) return current
  target.log(`Updating the configuration first: ${describeDiff(diff)}.`)
  target.configuration = { state: 'updating', previous, applied, diff }
  ctx.changed()
  const after = await applyConfiguration(
    ctx.clients.lambda,
    input,
    {
      timeoutMs: ctx.inputs.waitTimeoutMs,
      log: target.log,
      budget: ctx.budget,
      onAccepted: () => {
        if (target.configuration !== undefined)
          target.configuration.state = 'updated'
        ctx.changed()
      }
    },
    ctx.deps.timing
  ).catch((error: unknown) => {
    // Refused before it was accepted: nothing of this run's is there.
    if (
      target.configuration?.state === 'updating' &&
      !(error instanceof UpdateFailedError)
    ) {
      target.configuration = undefined
      ctx.changed()
    }
    throw error
  })
  target.latest = after
  return after
}

/**
 * Stage function-url (function-url public or iam): the function's Function
 * URL — on the alias when the release has one, so the smoke test reaches
 * what was released — created when missing. A public URL gets both
 * statements Lambda requires since October 2025, lambda:InvokeFunctionUrl
 * and lambda:InvokeFunction (only through a Function URL); with the first
 * alone every request gets 403 ("Control access to Lambda function URLs",
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html). An existing
 * URL is left as it is (its auth type is the owner's choice).
 */
export const functionUrlStage = stage({
  needs: ['targets'],
  run: (ctx, { targets }) => functionUrl(ctx, targets)
})

async function functionUrl(
  ctx: RunContext,
  targets: readonly TargetState[]
): Promise<void> {
  const { inputs } = ctx
  if (inputs.functionUrl === 'none') return
  const qualifier = releasedAlias(inputs.release)
  const authType = inputs.functionUrl === 'public' ? 'NONE' : 'AWS_IAM'
  await ctx.phase('Function URL', () =>
    forEachTarget(ctx.cancelled, targets, async target => {
      const lambda = ctx.clients.lambda
      const where = `${target.name}${qualifier !== undefined ? ` (alias ${qualifier})` : ''}`
      const found = await getFunctionUrl(lambda, target.arn, qualifier)
      if (found?.FunctionUrl !== undefined) {
        target.log(
          `${where} has the Function URL ${found.FunctionUrl} (AuthType ${found.AuthType ?? '?'}); left as it is.`
        )
        return
      }
      const url = await createUrl(lambda, target.arn, qualifier, authType)
      if (authType === 'NONE')
        for (const statement of Object.values(PUBLIC_URL_STATEMENTS))
          await grant(lambda, target.arn, qualifier, statement)
      target.log(
        `Created the Function URL ${url ?? '?'} of ${where} (AuthType ${authType}${authType === 'NONE' ? ', with lambda:InvokeFunctionUrl and lambda:InvokeFunction for everyone through the URL' : ''}).`
      )
    })
  )
}
