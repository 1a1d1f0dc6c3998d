import { bareFunctionName, previewFunctionName } from '../preview/naming.js'
import { fields, isOneOf, type InputReader, type Parsed } from './readers.js'
import type {
  Mode,
  PreviewInputs,
  PreviewIsolation,
  PreviewName,
  UrlAuthType
} from './types.js'

export const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target']

const MODES: readonly Mode[] = ['deploy', 'preview', 'cleanup']
const URL_AUTH_TYPES: readonly UrlAuthType[] = ['NONE', 'AWS_IAM']
const NAME = /^[A-Za-z0-9_-]+$/
/** Lambda's rule for environment variable names. */
const ENV_NAME = /^[A-Za-z][A-Za-z0-9_]*$/
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/

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
 * preview-env, preview-copy-env, preview-role-arn and preview-vpc: what a
 * new preview gets of production beyond its image and shape.
 */
function readIsolation(input: ReturnType<typeof fields>): PreviewIsolation {
  const { problems } = input
  const env: Record<string, string> = {}
  for (const line of input.keyValues('preview-env')) {
    const at = line.indexOf('=')
    if (at < 0) continue
    const key = line.slice(0, at).trim()
    if (!ENV_NAME.test(key)) {
      problems.push(
        `preview-env: "${key}" is not an environment variable name (a letter, then letters, digits and _).`
      )
      continue
    }
    env[key] = line.slice(at + 1)
  }
  const copyEnv = input
    .lines('preview-copy-env')
    .flatMap(line => line.split(','))
    .map(name => name.trim())
    .filter(name => name !== '')
  for (const name of copyEnv) {
    if (!ENV_NAME.test(name)) {
      problems.push(
        `preview-copy-env: "${name}" is not an environment variable name; list the names of production's variables to copy, one per line or comma-separated.`
      )
    }
  }
  const roleArn = input.optional('preview-role-arn')
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) {
    problems.push(
      `preview-role-arn "${roleArn}" is not an IAM role ARN (arn:aws:iam::123456789012:role/my-api-preview).`
    )
  }
  return {
    env,
    copyEnv: [...new Set(copyEnv)],
    roleArn,
    vpc: input.boolean('preview-vpc', false)
  }
}

/**
 * mode, pull-request, preview-function-name, preview-url-auth,
 * github-token, the preview's isolation and allow-pull-request-target.
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

  // Read in every mode so a bad value is reported wherever it is given, but
  // applied only to a preview (one step often serves both modes).
  const isolation = readIsolation(input)

  // pull_request_target runs with the base repository's secrets and a
  // writable token; a workflow that checks out the pull request's head
  // then runs its code with them.
  const allowPullRequestTarget = input.boolean(
    'allow-pull-request-target',
    false
  )
  if (
    env.GITHUB_EVENT_NAME === 'pull_request_target' &&
    !allowPullRequestTarget
  ) {
    problems.push(
      "This run is a pull_request_target event, which runs with the base repository's secrets and AWS role; a workflow that builds the pull request's code then hands them to whoever opened it. Use on: pull_request (the default for previews), or set allow-pull-request-target: true if you accept that risk (docs/previews.md)."
    )
  }

  const head = event?.pull_request?.head?.sha
  return input.parsed({
    mode,
    pullRequest,
    preview,
    previewUrlAuth,
    githubToken: optional('github-token'),
    headSha: typeof head === 'string' ? head : undefined,
    ...(mode === 'preview' && { isolation }),
    ...(allowPullRequestTarget && { allowPullRequestTarget })
  })
}
