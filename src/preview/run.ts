/**
 * The preview and cleanup steps that main.ts runs around the deploy
 * pipeline: look up / create the preview function, its Function URL,
 * the cleanup, and the pull request comment.
 */
import * as core from '@actions/core'
import type { ECRClient } from '@aws-sdk/client-ecr'
import type {
  FunctionConfiguration,
  LambdaClient,
  UpdateFunctionConfigurationCommandInput
} from '@aws-sdk/client-lambda'
import { DeployError, errorMessage } from '../util/errors.js'
import { sdkMessage } from '../aws/call.js'
import {
  getFunctionConfiguration,
  updateFunctionConfiguration
} from '../aws/preview-lambda.js'
import { markdownText } from '../util/markdown.js'
import {
  checkDeployedDigest,
  getFunctionState,
  waitForUpdate,
  type FunctionState
} from '../aws/lambda.js'
import { cleanupPreview, type CleanupResult } from './cleanup.js'
import {
  ISOLATED,
  createPreviewFunction,
  findFunction,
  needsProduction,
  previewCreateInput,
  previewEnvironment,
  previewRole,
  previewTagProblem,
  previewVpc
} from './create.js'
import { bareFunctionName } from './naming.js'
import type { Report, SmokeSummary } from '../report/report.js'
import type { Timing } from '../util/time.js'
import type { Architecture, Inputs, PreviewIsolation } from '../inputs/types.js'

export type Phase = <T>(name: string, body: () => T | Promise<T>) => Promise<T>

/** The preview inputs that preview and cleanup need, checked. */
export function previewTarget(inputs: Inputs): {
  name: string
  pullRequest: number
} {
  if (inputs.preview === undefined || inputs.pullRequest === undefined) {
    throw new DeployError(
      'mode preview and cleanup need a pull request number (pull-request).'
    )
  }
  return { name: inputs.preview.name, pullRequest: inputs.pullRequest }
}

/**
 * The preview function as it is now, or undefined when it does not exist
 * yet. An existing function must carry this PR's preview tags.
 */
export async function lookUpPreview(
  lambda: LambdaClient,
  inputs: Inputs,
  productionName: string
): Promise<FunctionState | undefined> {
  const target = previewTarget(inputs)
  const existing = await findFunction(lambda, target.name)
  if (existing === undefined) return undefined
  const problem = previewTagProblem(
    target.name,
    existing.tags,
    productionName,
    target.pullRequest
  )
  if (problem !== undefined) throw new DeployError(problem)
  return getFunctionState(lambda, existing.functionArn)
}

/** The warning of a preview that runs with production's execution role. */
export function productionRoleWarning(
  previewName: string,
  role: string | undefined
): string {
  return `preview-use-production-role is true: the preview ${previewName} runs with production's execution role ${role ?? ''}, so the pull request's code gets everything production's role may do in AWS. Create a role for previews and set preview-role-arn (see docs/previews.md).`
}

/** What a new preview got of production, for the log: names, never values. */
export function isolationLines(
  isolation: PreviewIsolation,
  production: Record<string, string> | undefined,
  hasVpc: boolean
): string[] {
  const notCopied = Object.keys(production ?? {}).filter(
    name => !isolation.copyEnv.includes(name)
  )
  const setHere = Object.keys(isolation.env)
  return [
    notCopied.length === 0
      ? undefined
      : `Not copied from production (preview-copy-env copies by name): ${notCopied.join(', ')}.`,
    isolation.copyEnv.length === 0
      ? undefined
      : `Copied from production: ${isolation.copyEnv.join(', ')}.`,
    setHere.length === 0
      ? undefined
      : `Set by preview-env: ${setHere.join(', ')}.`,
    !hasVpc
      ? undefined
      : isolation.vpc
        ? "The preview runs in production's VPC (preview-vpc: true)."
        : "The preview runs outside production's VPC (preview-vpc: true puts it there)."
  ].filter((line): line is string => line !== undefined)
}

/**
 * Production's configuration, read only for the opt-ins that share it with
 * the preview (needsProduction). Its answer carries production's
 * environment, so a preview role should not be allowed to make this call:
 * without the opt-ins, nothing of production is read.
 */
async function readProduction(
  lambda: LambdaClient,
  productionName: string,
  isolation: PreviewIsolation,
  log: (message: string) => void
): Promise<FunctionConfiguration | undefined> {
  if (!needsProduction(isolation)) return undefined
  log(
    `Reading ${productionName}'s configuration (lambda:GetFunction) for ${[
      isolation.copyEnv.length > 0 && 'preview-copy-env',
      isolation.vpc && 'preview-vpc',
      isolation.roleArn === undefined &&
        isolation.useProductionRole &&
        'preview-use-production-role'
    ]
      .filter(Boolean)
      .join(', ')}.`
  )
  try {
    return await getFunctionConfiguration(lambda, productionName)
  } catch (error) {
    throw new DeployError(
      `Could not read ${productionName}'s configuration, which preview-copy-env, preview-vpc and preview-use-production-role need: ${sdkMessage(error)} A preview role should not read production (its answer carries production's environment): set preview-env and preview-role-arn instead (docs/previews.md).`
    )
  }
}

/**
 * First preview of a PR: create the function from preview-settings directly
 * with the new image, and wait until it is Active. It gets production's
 * environment, role and VPC only as `isolation` opts in.
 */
export async function createPreview(
  lambda: LambdaClient,
  options: {
    production: FunctionState
    previewName: string
    pullRequest: number
    imageUri: string
    digest: string
    architecture: Architecture
    waitTimeoutMs: number
    log: (message: string) => void
    isolation?: PreviewIsolation | undefined
  },
  timing: Timing
): Promise<FunctionState> {
  const isolation = options.isolation ?? ISOLATED
  const productionName = options.production.functionName
  const configuration = await readProduction(
    lambda,
    options.production.functionArn,
    isolation,
    options.log
  )
  const input = previewCreateInput(
    {
      production: configuration,
      productionName,
      previewName: options.previewName,
      pullRequest: options.pullRequest,
      imageUri: options.imageUri,
      architecture: options.architecture
    },
    isolation
  )
  for (const line of isolationLines(
    isolation,
    configuration?.Environment?.Variables,
    (configuration?.VpcConfig?.SubnetIds?.length ?? 0) > 0
  ))
    options.log(line)
  if (isolation.roleArn === undefined) {
    const warning = productionRoleWarning(options.previewName, input.Role)
    core.warning(warning)
    // Ahead of the run's summary, which main.ts writes from the same buffer.
    core.summary.addRaw(`> [!WARNING]\n> ${markdownText(warning)}\n\n`)
  }
  const created = await createPreviewFunction(lambda, input)
  options.log(
    `Created ${created.FunctionArn ?? options.previewName} (${input.Architectures?.join(', ') ?? ''}, ${input.MemorySize ?? '?'} MB, ${input.Timeout ?? '?'} s); waiting until it is Active.`
  )
  const outcome = await waitForUpdate(
    lambda,
    options.previewName,
    { timeoutMs: options.waitTimeoutMs, log: options.log },
    timing
  )
  if (outcome.status === 'Failed') {
    throw new DeployError(
      `The preview function ${options.previewName} was created but did not become Active: ${outcome.reasonCode ?? 'Failed'}: ${outcome.reason ?? 'no reason given'}`
    )
  }
  const after = await getFunctionState(lambda, options.previewName)
  checkDeployedDigest(after, options.digest)
  return after
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n')

const sameEnvironment = (
  a: Record<string, string>,
  b: Record<string, string>
): boolean =>
  sameList(Object.keys(a), Object.keys(b)) &&
  Object.entries(a).every(([key, value]) => b[key] === value)

/**
 * What an existing preview must change to match the current settings: its
 * execution role, environment and VPC (a preview made by an older version
 * may run with production's). Pure: the names of what differs (never
 * values) and the UpdateFunctionConfiguration input, or undefined.
 */
export function previewDrift(
  preview: FunctionConfiguration,
  expected: {
    role: string
    environment: Record<string, string>
    vpc: { SubnetIds: string[]; SecurityGroupIds: string[] } | undefined
  }
):
  | { differences: string[]; update: UpdateFunctionConfigurationCommandInput }
  | undefined {
  const differences: string[] = []
  const update: UpdateFunctionConfigurationCommandInput = {
    FunctionName: preview.FunctionArn ?? preview.FunctionName
  }
  if (preview.Role !== expected.role) {
    differences.push(
      `execution role ${preview.Role ?? 'none'} (expected ${expected.role})`
    )
    update.Role = expected.role
  }
  const environment = preview.Environment?.Variables ?? {}
  if (!sameEnvironment(environment, expected.environment)) {
    const names = [
      ...new Set([
        ...Object.keys(environment),
        ...Object.keys(expected.environment)
      ])
    ].filter(name => environment[name] !== expected.environment[name])
    differences.push(`environment variables ${names.sort().join(', ')}`)
    update.Environment = { Variables: { ...expected.environment } }
  }
  const subnets = preview.VpcConfig?.SubnetIds ?? []
  const groups = preview.VpcConfig?.SecurityGroupIds ?? []
  const wantedSubnets = expected.vpc?.SubnetIds ?? []
  const wantedGroups = expected.vpc?.SecurityGroupIds ?? []
  if (!sameList(subnets, wantedSubnets) || !sameList(groups, wantedGroups)) {
    differences.push(
      wantedSubnets.length === 0
        ? `VPC (subnets ${subnets.join(', ')}; a preview runs outside it unless preview-vpc is true)`
        : `VPC (subnets ${subnets.join(', ') || 'none'}, expected ${wantedSubnets.join(', ')})`
    )
    // Empty lists take the function out of its VPC (Lambda API reference,
    // UpdateFunctionConfiguration, VpcConfig).
    update.VpcConfig = {
      SubnetIds: [...wantedSubnets],
      SecurityGroupIds: [...wantedGroups]
    }
  }
  return differences.length === 0 ? undefined : { differences, update }
}

/**
 * An existing preview is brought to the current settings before it gets
 * the new code: role, environment and VPC (previewDrift). The URL's auth is
 * fixed by the preview-url stage (url.ts). What if the run dies right after
 * the update: the preview keeps its old code with the new settings, which
 * the next run finds in order.
 */
export async function reconcilePreview(
  lambda: LambdaClient,
  options: {
    production: FunctionState
    previewArn: string
    waitTimeoutMs: number
    log: (message: string) => void
    isolation?: PreviewIsolation | undefined
  },
  timing: Timing
): Promise<boolean> {
  const isolation = options.isolation ?? ISOLATED
  const current = await getFunctionConfiguration(lambda, options.previewArn)
  const production = await readProduction(
    lambda,
    options.production.functionArn,
    isolation,
    options.log
  )
  const productionName = options.production.functionName
  const drift = previewDrift(current ?? {}, {
    role: previewRole(isolation, production, productionName),
    environment: previewEnvironment(
      production?.Environment?.Variables,
      isolation,
      productionName
    ),
    vpc: previewVpc(isolation, production)
  })
  if (drift === undefined) return false
  options.log(
    `The preview differs from the current settings: ${drift.differences.join('; ')}. Updating its configuration before its code.`
  )
  try {
    await updateFunctionConfiguration(lambda, drift.update)
  } catch (error) {
    throw new DeployError(
      `Could not bring the preview ${options.previewArn} to the current settings (${drift.differences.join('; ')}): ${errorMessage(error)} Delete the preview (mode: cleanup) so the next run creates it anew.`
    )
  }
  const outcome = await waitForUpdate(
    lambda,
    options.previewArn,
    { timeoutMs: options.waitTimeoutMs, log: options.log },
    timing
  )
  if (outcome.status === 'Failed') {
    throw new DeployError(
      `Lambda did not apply the preview's new settings: ${outcome.reasonCode ?? 'Failed'}: ${outcome.reason ?? 'no reason given'}`
    )
  }
  return true
}

export async function runCleanup(
  lambda: LambdaClient,
  ecr: ECRClient,
  inputs: Inputs,
  report: Report,
  phase: Phase,
  options: { remove: boolean } = { remove: true }
): Promise<CleanupResult> {
  const target = previewTarget(inputs)
  const listOnly = !options.remove
  report.previewFunctionName = target.name
  const log = (message: string): void => core.info(message)
  // Production is not read: its configuration carries its environment,
  // which the role of a pull request's cleanup must not see.
  const productionName = bareFunctionName(inputs.functionName)
  report.functionName = productionName
  const result = await phase(
    listOnly
      ? `What removing the preview of pull request #${target.pullRequest} would remove`
      : `Remove the preview of pull request #${target.pullRequest}`,
    () =>
      cleanupPreview(lambda, ecr, {
        productionName,
        previewName: target.name,
        pullRequest: target.pullRequest,
        repository: inputs.repository,
        log,
        listOnly
      })
  )
  if (listOnly) {
    report.wouldChange = result.removed.map(item => ({
      name: target.name,
      code: 'remove',
      publish: false,
      traffic: 'untouched',
      from: undefined,
      to: undefined,
      text: `would remove ${item}`
    }))
    for (const item of result.kept) core.info(`Would keep ${item}.`)
    log(
      result.removed.length === 0
        ? 'Dry run: nothing is left to remove.'
        : `Dry run: a real cleanup would remove:\n${result.removed.map(item => `  - ${item}`).join('\n')}`
    )
    return result
  }
  report.removed = result.removed
  for (const item of result.kept) core.warning(`Kept ${item}.`)
  log(
    result.removed.length === 0
      ? 'Nothing was left to remove.'
      : `Removed:\n${result.removed.map(item => `  - ${item}`).join('\n')}`
  )
  return result
}

/**
 * The failure for the comment: the phase that failed and the error's first
 * line (comment.ts redacts it). A failed smoke test is told by its result
 * only: its error quotes what the app answered (a body, an exception's
 * message, a payload of the wrong shape), which the pull request never shows.
 */
function failureLine(report: Report): string | undefined {
  if (report.error === undefined) return undefined
  const phase = report.phases.find(p => p.outcome === 'failed')?.name
  if (phase === undefined) return report.error
  const smoke = report.smoke
  if (
    phase === 'Smoke test' &&
    smoke?.state === 'failed' &&
    // A void check (someone else's release answered) says whose it was.
    !smoke.reason.startsWith('void:')
  )
    return `${phase}: ${smoke.status === undefined ? 'no answer' : `HTTP ${smoke.status}`} from ${smoke.url} after ${smoke.attempts} attempt(s); what the app answered is in the run's log`
  return `${phase}: ${report.error}`
}

function smokeText(smoke: SmokeSummary | undefined): string {
  if (smoke === undefined) return 'not run'
  if (smoke.state === 'skipped') return `skipped: ${smoke.reason}`
  const status =
    smoke.status === undefined ? 'no response' : `HTTP ${smoke.status}`
  return `${smoke.state === 'passed' ? '✅ passed' : '❌ failed'} (${status} from ${smoke.url})`
}

/**
 * The sticky comment: created or updated after a preview, updated (never
 * created) after a cleanup. Warns and carries on whatever happens.
 */
export async function commentOnPullRequest(
  inputs: Inputs,
  report: Report,
  env: NodeJS.ProcessEnv,
  fetchImpl: typeof fetch
): Promise<void> {
  if (inputs.pullRequest === undefined || inputs.preview === undefined) return
  const token = inputs.githubToken
  if (token === undefined) {
    core.info('No github-token: no pull request comment.')
    return
  }
  // A token passed from a step's output is not masked by the runner.
  core.setSecret(token)
  const repository = env.GITHUB_REPOSITORY
  if (repository === undefined || !repository.includes('/')) {
    core.warning(
      'GITHUB_REPOSITORY is not set: cannot comment on the pull request.'
    )
    return
  }
  const github = await import('./comment.js')
  const productionName = report.productionFunctionName ?? inputs.functionName
  const marker = github.commentMarker(productionName)
  const body =
    inputs.mode === 'cleanup'
      ? github.renderRemovedComment(productionName, report.removed ?? [])
      : github.renderPreviewComment({
          productionName,
          previewName: inputs.preview.name,
          url: report.previewUrl,
          image: report.imageUri,
          commit: inputs.headSha ?? env.GITHUB_SHA,
          smoke: smokeText(report.smoke),
          error: failureLine(report),
          runUrl: github.runUrl(env)
        })
  try {
    const outcome = await github.upsertComment(
      {
        apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
        token,
        repository,
        issueNumber: inputs.pullRequest,
        fetch: fetchImpl
      },
      marker,
      body,
      { createIfMissing: inputs.mode === 'preview' }
    )
    if (outcome.state === 'no-permission') {
      core.warning(
        `Could not comment on pull request #${inputs.pullRequest} (HTTP ${outcome.status}): give the job "permissions: pull-requests: write", or set github-token to a token that may comment. The preview itself is not affected. (${outcome.reason})`
      )
    } else if (outcome.state === 'skipped') {
      core.info(`Pull request comment: ${outcome.reason}.`)
    } else {
      core.info(
        `Pull request comment ${outcome.state}${outcome.url !== undefined ? `: ${outcome.url}` : ''}.`
      )
      if ((outcome.othersWithMarker ?? 0) > 0) {
        core.warning(
          `Pull request #${inputs.pullRequest} has ${outcome.othersWithMarker} comment(s) with the preview marker written by someone else; they were left alone. Do not trust a preview link in them.`
        )
      }
    }
  } catch (error) {
    core.warning(
      `Could not comment on pull request #${inputs.pullRequest}: ${errorMessage(error)}`
    )
  }
}
