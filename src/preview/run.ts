/**
 * The preview and cleanup steps that main.ts runs around the deploy
 * pipeline: look up / create the preview function, its Function URL,
 * the cleanup, and the pull request comment.
 */
import * as core from '@actions/core'
import type { ECRClient } from '@aws-sdk/client-ecr'
import { GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda'
import { DeployError, errorMessage } from '../util/errors.js'
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
  listTags,
  previewCreateInput,
  previewTagProblem
} from './create.js'
import { bareFunctionName } from './naming.js'
import type { Report, SmokeSummary } from '../report/report.js'
import type { Timing } from '../util/time.js'
import type { Inputs, PreviewIsolation } from '../inputs/types.js'

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
  return `preview-role-arn is not set: the preview ${previewName} runs with production's execution role ${role ?? ''}, so the pull request's code gets everything production's role may do in AWS. Create a role for previews and set preview-role-arn (see docs/previews.md).`
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
 * First preview of a PR: create the function from production's
 * configuration directly with the new image, and wait until it is Active.
 * It gets production's environment, role and VPC only as `isolation` asks
 * (nothing but the role when absent, and then with a warning).
 */
export async function createPreview(
  lambda: LambdaClient,
  options: {
    production: FunctionState
    previewName: string
    pullRequest: number
    imageUri: string
    digest: string
    waitTimeoutMs: number
    log: (message: string) => void
    isolation?: PreviewIsolation | undefined
  },
  timing: Timing
): Promise<FunctionState> {
  const isolation = options.isolation ?? ISOLATED
  let configuration
  try {
    configuration = (
      await lambda.send(
        new GetFunctionCommand({ FunctionName: options.production.functionArn })
      )
    ).Configuration
  } catch (error) {
    throw new DeployError(
      `Could not read ${options.production.functionName}'s configuration: ${errorMessage(error)}`
    )
  }
  const tags = await listTags(lambda, options.production.functionArn)
  const input = previewCreateInput(
    {
      configuration: configuration ?? {},
      tags,
      productionName: options.production.functionName,
      previewName: options.previewName,
      pullRequest: options.pullRequest,
      imageUri: options.imageUri
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
    `Created ${created.FunctionArn ?? options.previewName} from ${options.production.functionName}'s configuration; waiting until it is Active.`
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
  const production = await phase('Look up production', async () => {
    // A production function deleted before its previews: clean up anyway.
    if ((await findFunction(lambda, inputs.functionName)) === undefined) {
      core.warning(
        `The production function ${inputs.functionName} does not exist; removing its preview anyway.`
      )
      return {
        functionName: bareFunctionName(inputs.functionName),
        imageDigest: undefined
      }
    }
    const state = await getFunctionState(lambda, inputs.functionName)
    log(
      `Production ${state.functionName} runs ${state.imageUri ?? 'no image'}; its image tags are kept.`
    )
    return state
  })
  report.functionName = production.functionName
  const result = await phase(
    listOnly
      ? `What removing the preview of pull request #${target.pullRequest} would remove`
      : `Remove the preview of pull request #${target.pullRequest}`,
    () =>
      cleanupPreview(lambda, ecr, {
        productionName: production.functionName,
        previewName: target.name,
        pullRequest: target.pullRequest,
        repository: inputs.repository,
        productionDigest: production.imageDigest,
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
