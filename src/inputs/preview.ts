import { bareFunctionName, previewFunctionName } from '../preview/naming.js'
import { fields, isOneOf, type InputReader, type Parsed } from './readers.js'
import type { Mode, PreviewInputs, PreviewName, UrlAuthType } from './types.js'

export const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target']

const MODES: readonly Mode[] = ['deploy', 'preview', 'cleanup']
const URL_AUTH_TYPES: readonly UrlAuthType[] = ['NONE', 'AWS_IAM']
const NAME = /^[A-Za-z0-9_-]+$/

/** What the preview inputs use of a pull request event's payload. */
export interface EventPayload {
  number?: unknown
  pull_request?: { number?: unknown; head?: { sha?: unknown } }
}

export interface PreviewContext {
  /** The production function (function-name's first). */
  functionName: string
  /** The pull request event that started the run, if one did. */
  event: EventPayload | undefined
}

/**
 * mode, pull-request, preview-function-name, preview-url-auth and
 * github-token.
 */
export function readPreview(
  read: InputReader,
  env: NodeJS.ProcessEnv,
  { functionName, event }: PreviewContext
): Parsed<PreviewInputs> {
  const input = fields(read)
  const { optional, problems } = input
  const modeText = (optional('mode') ?? 'deploy').toLowerCase()
  let mode: Mode = 'deploy'
  if (isOneOf(MODES, modeText)) mode = modeText
  else
    problems.push(
      `mode "${optional('mode') ?? ''}" must be deploy, preview (deploy the pull request to its own function) or cleanup (remove that preview).`
    )

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
  if (isOneOf(URL_AUTH_TYPES, authText)) previewUrlAuth = authText
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
  return input.parsed({
    mode,
    pullRequest,
    preview,
    previewUrlAuth,
    githubToken: optional('github-token'),
    headSha: typeof head === 'string' ? head : undefined
  })
}
