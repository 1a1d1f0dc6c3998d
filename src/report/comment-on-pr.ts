/**
 * The sticky pull request comment of a preview or cleanup run, written
 * from the run's report at its end.
 */
import * as core from '@actions/core'
import { errorMessage } from '../util/errors.js'
import type { Report, SmokeSummary } from './report.js'
import type { Inputs } from '../inputs/types.js'

/**
 * The failure for the comment: the phase that failed and the error's first
 * line (pr-comment.ts redacts it). A failed smoke test is told by its result
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
  const [github, text] = await Promise.all([
    import('./github-comments.js'),
    import('./pr-comment.js')
  ])
  const productionName = report.productionFunctionName ?? inputs.functionName
  const marker = text.commentMarker(productionName)
  const body =
    inputs.mode === 'cleanup'
      ? text.renderRemovedComment(productionName, report.removed ?? [])
      : text.renderPreviewComment({
          productionName,
          previewName: inputs.preview.name,
          url: report.previewUrl,
          image: report.imageUri,
          commit: inputs.headSha ?? env.GITHUB_SHA,
          smoke: smokeText(report.smoke),
          error: failureLine(report),
          runUrl: text.runUrl(env)
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
