import { readFileSync } from 'node:fs'
import {
  bareFunctionName,
  previewFunctionName,
  previewTagPrefix
} from '../preview/functions.js'
import type { Mode, PreviewInputs, PreviewName, UrlAuthType } from './types.js'

export const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target']

const NAME = /^[A-Za-z0-9_-]+$/

interface EventPayload {
  number?: unknown
  pull_request?: { number?: unknown; head?: { sha?: unknown } }
}

function readEvent(env: NodeJS.ProcessEnv): EventPayload | undefined {
  const file = env.GITHUB_EVENT_PATH
  if (
    file === undefined ||
    file === '' ||
    !PULL_REQUEST_EVENTS.includes(env.GITHUB_EVENT_NAME ?? '')
  ) {
    return undefined
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EventPayload
  } catch {
    return undefined
  }
}

/**
 * mode, pull-request, preview-function-name, preview-url-auth and
 * github-token. Problems are appended to `problems`.
 */
export function readPreviewInputs(
  optional: (name: string) => string | undefined,
  env: NodeJS.ProcessEnv,
  functionName: string,
  problems: string[]
): PreviewInputs {
  const modeText = (optional('mode') ?? 'deploy').toLowerCase()
  let mode: Mode = 'deploy'
  if (modeText === 'deploy' || modeText === 'preview' || modeText === 'cleanup')
    mode = modeText
  else
    problems.push(
      `mode "${optional('mode') ?? ''}" must be deploy, preview (deploy the pull request to its own function) or cleanup (remove that preview).`
    )

  const event = readEvent(env)
  const pullRequestText = optional('pull-request')
  let pullRequest: number | undefined
  if (pullRequestText !== undefined) {
    if (/^[1-9]\d{0,9}$/.test(pullRequestText)) {
      pullRequest = Number(pullRequestText)
    } else {
      problems.push(
        `pull-request "${pullRequestText}" must be a pull request number such as 42.`
      )
    }
  } else {
    const fromEvent = event?.pull_request?.number ?? event?.number
    if (typeof fromEvent === 'number' && Number.isInteger(fromEvent)) {
      pullRequest = fromEvent
    }
  }
  if (
    mode !== 'deploy' &&
    pullRequest === undefined &&
    pullRequestText === undefined
  ) {
    problems.push(
      `pull-request is required with mode: ${mode}: it comes from the event payload of ${PULL_REQUEST_EVENTS.join(' and ')} events (this run is a ${env.GITHUB_EVENT_NAME ?? 'unknown'} event); otherwise give the number, e.g. pull-request: \${{ github.event.pull_request.number }}.`
    )
  }

  const authText = (optional('preview-url-auth') ?? 'NONE').toUpperCase()
  let previewUrlAuth: UrlAuthType = 'NONE'
  if (authText === 'NONE' || authText === 'AWS_IAM') previewUrlAuth = authText
  else
    problems.push(
      `preview-url-auth "${optional('preview-url-auth') ?? ''}" must be NONE (public URL) or AWS_IAM (signed requests only).`
    )

  const template = optional('preview-function-name') ?? '{function}-pr-{number}'
  let preview: PreviewName | undefined
  if (mode !== 'deploy' && pullRequest !== undefined && functionName !== '') {
    if (!template.includes('{number}')) {
      problems.push(
        `preview-function-name "${template}" must contain {number}, so each pull request gets its own function (default {function}-pr-{number}).`
      )
    } else {
      preview = previewFunctionName(
        template,
        bareFunctionName(functionName),
        pullRequest
      )
      if (!NAME.test(preview.full)) {
        problems.push(
          `preview-function-name "${template}" gives "${preview.full}", which is not a Lambda function name: use letters, digits, - and _ besides {function} and {number}.`
        )
      } else if (preview.name === bareFunctionName(functionName)) {
        problems.push(
          `preview-function-name "${template}" gives the production function's own name.`
        )
      }
    }
  }

  const head = event?.pull_request?.head?.sha
  return {
    mode,
    pullRequest,
    preview,
    previewUrlAuth,
    githubToken: optional('github-token'),
    headSha: typeof head === 'string' ? head : undefined
  }
}

/** pr-<n>-<tag>: the image tag of a preview (the tag input or the commit SHA). */
export function previewImageTag(pullRequest: number, tag: string): string {
  return `${previewTagPrefix(pullRequest)}${tag}`
}
