import { bareFunctionName, previewFunctionName } from './naming.js'
import { fields, isOneOf, type InputReader, type Parsed } from './readers.js'
import type {
  Mode,
  PreviewInputs,
  PreviewIsolation,
  PreviewName,
  PreviewSettings,
  UrlAuthType
} from './types.js'

export const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target']

/**
 * Events that run with the base repository's secrets, AWS role and a
 * writable token on code a stranger may control: pull_request_target and
 * workflow_run run for pull requests from forks, issue_comment for anyone
 * who may comment. Accepted only with allow-untrusted-triggers.
 */
export const UNTRUSTED_TRIGGERS = [
  'pull_request_target',
  'workflow_run',
  'issue_comment'
]

/** What may start a cleanup: the pull request closing, a person, a schedule. */
export const CLEANUP_EVENTS = ['pull_request', 'workflow_dispatch', 'schedule']

const MODES: readonly Mode[] = ['deploy', 'preview', 'cleanup']
const URL_AUTH_TYPES: readonly UrlAuthType[] = ['NONE', 'AWS_IAM']
const NAME = /^[A-Za-z0-9_-]+$/
/** Lambda's rule for environment variable names. */
const ENV_NAME = /^[A-Za-z][A-Za-z0-9_]*$/
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/

/** What the preview inputs use of a pull request event's payload. */
export interface EventPayload {
  number?: unknown
  pull_request?: {
    number?: unknown
    head?: { sha?: unknown; repo?: { full_name?: unknown } | null }
    base?: { repo?: { full_name?: unknown } | null }
  }
}

/**
 * The commit a pull request run builds. Since 2025-12-08 a
 * pull_request_target run gets GITHUB_SHA of the default branch (GitHub
 * changelog 2025-11-07, "Actions pull_request_target and environment branch
 * protections changes"): the pull request's commit is the event's
 * pull_request.head.sha. Other events: GITHUB_SHA.
 */
export function commitOf(
  env: NodeJS.ProcessEnv,
  event: EventPayload | undefined
): string | undefined {
  const head = event?.pull_request?.head?.sha
  if (env.GITHUB_EVENT_NAME === 'pull_request_target') {
    return typeof head === 'string' && head !== '' ? head : undefined
  }
  return env.GITHUB_SHA
}

/** A pull_request event whose head is another repository's (a fork). */
function isFromFork(event: EventPayload | undefined): boolean {
  const head = event?.pull_request?.head?.repo?.full_name
  const base = event?.pull_request?.base?.repo?.full_name
  return typeof head === 'string' && typeof base === 'string' && head !== base
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
    useProductionRole: input.boolean('preview-use-production-role', false),
    vpc: input.boolean('preview-vpc', false),
    settings: readSettings(input)
  }
}

/** Lambda's ranges (Lambda quotas: memory, timeout, /tmp storage). */
const SETTING_RANGES = {
  memory: { min: 128, max: 10_240, unit: 'MB' },
  timeout: { min: 1, max: 900, unit: 'seconds' },
  'ephemeral-storage': { min: 512, max: 10_240, unit: 'MB' }
} as const

const SETTING_KEYS = [
  'memory',
  'timeout',
  'ephemeral-storage',
  'command',
  'entry-point',
  'working-directory'
]

/** The defaults of preview-settings: enough for an ASP.NET Core app. */
export const DEFAULT_PREVIEW_SETTINGS: PreviewSettings = {
  memorySize: 512,
  timeout: 30,
  ephemeralStorage: 512,
  command: undefined,
  entryPoint: undefined,
  workingDirectory: undefined
}

/** A JSON array of strings, or one word: the form of command and entry-point. */
function commandList(text: string): string[] | undefined {
  if (!text.startsWith('[')) return /\s/.test(text) ? undefined : [text]
  try {
    const parsed: unknown = JSON.parse(text)
    return Array.isArray(parsed) &&
      parsed.length > 0 &&
      parsed.every(item => typeof item === 'string')
      ? parsed
      : undefined
  } catch {
    return undefined
  }
}

/**
 * preview-settings: memory, timeout, ephemeral-storage, command,
 * entry-point and working-directory of a new preview, KEY=value lines.
 */
function readSettings(input: ReturnType<typeof fields>): PreviewSettings {
  const settings = { ...DEFAULT_PREVIEW_SETTINGS }
  for (const line of input.keyValues('preview-settings')) {
    const at = line.indexOf('=')
    if (at < 0) continue
    const key = line.slice(0, at).trim()
    const value = line.slice(at + 1).trim()
    if (key === 'memory' || key === 'timeout' || key === 'ephemeral-storage') {
      const range = SETTING_RANGES[key]
      const number = /^\d{1,5}$/.test(value) ? Number(value) : NaN
      if (!(number >= range.min && number <= range.max)) {
        input.problems.push(
          `preview-settings: ${key} "${value}" must be a whole number of ${range.unit} from ${range.min} to ${range.max}.`
        )
      } else if (key === 'memory') settings.memorySize = number
      else if (key === 'timeout') settings.timeout = number
      else settings.ephemeralStorage = number
    } else if (key === 'command' || key === 'entry-point') {
      const list = commandList(value)
      if (list === undefined) {
        input.problems.push(
          `preview-settings: ${key} "${value}" must be one word or a JSON array of strings, such as ["dotnet", "MyApi.dll"].`
        )
      } else if (key === 'command') settings.command = list
      else settings.entryPoint = list
    } else if (key === 'working-directory') {
      settings.workingDirectory = value
    } else {
      input.problems.push(
        `preview-settings: "${key}" is not a setting; use ${SETTING_KEYS.join(', ')}.`
      )
    }
  }
  return settings
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

  const deprecations: string[] = []
  if (mode === 'preview' && isolation.roleArn === undefined) {
    if (!isolation.useProductionRole) {
      problems.push(
        "preview-role-arn is required with mode: preview: without it the preview would run the pull request's code with production's execution role and everything that role may do in AWS. Create a role for previews and set preview-role-arn (docs/previews.md), or set preview-use-production-role: true if you accept that risk."
      )
    }
  }
  if (isolation.copyEnv.length > 0) {
    deprecations.push(
      "preview-copy-env is deprecated: it hands production's values to pull request code, and reading them needs lambda:GetFunction on production, which a preview role should not have (the preview role of examples/infra does not). Set the values a preview needs with preview-env instead."
    )
  }

  const allowUntrustedTriggers = readTriggerOptIn(input, deprecations)
  const eventName = env.GITHUB_EVENT_NAME
  if (
    eventName !== undefined &&
    UNTRUSTED_TRIGGERS.includes(eventName) &&
    !allowUntrustedTriggers
  ) {
    problems.push(
      `This run is a ${eventName} event, which runs with the base repository's secrets and AWS role on code a stranger may control; a workflow that builds a pull request's code then hands them to whoever wrote it. Use on: pull_request (the default for previews), or set allow-untrusted-triggers: true if you accept that risk (docs/security.md).`
    )
  } else if (
    mode === 'preview' &&
    eventName === 'pull_request' &&
    isFromFork(event) &&
    !allowUntrustedTriggers
  ) {
    problems.push(
      'This pull request comes from a fork: its code is not from someone with write access to this repository. Previews deploy pull requests whose head is in this repository; set allow-untrusted-triggers: true to deploy forks too (docs/security.md).'
    )
  } else if (
    mode === 'cleanup' &&
    eventName !== undefined &&
    eventName !== '' &&
    !CLEANUP_EVENTS.includes(eventName) &&
    !(allowUntrustedTriggers && UNTRUSTED_TRIGGERS.includes(eventName))
  ) {
    problems.push(
      `mode: cleanup runs on ${CLEANUP_EVENTS.join(', ')} events, not on ${eventName} (docs/previews.md).`
    )
  }

  const head =
    env.GITHUB_EVENT_NAME === 'pull_request_target'
      ? commitOf(env, event)
      : event?.pull_request?.head?.sha
  return input.parsed({
    mode,
    pullRequest,
    preview,
    previewUrlAuth,
    githubToken: optional('github-token'),
    headSha: typeof head === 'string' ? head : undefined,
    ...(mode === 'preview' && { isolation }),
    ...(allowUntrustedTriggers && { allowUntrustedTriggers }),
    ...(deprecations.length > 0 && { deprecations })
  })
}

/**
 * allow-untrusted-triggers, or its old name allow-pull-request-target
 * (which now covers the same events), with a warning naming the new one.
 */
function readTriggerOptIn(
  input: ReturnType<typeof fields>,
  deprecations: string[]
): boolean {
  const allowed = input.boolean('allow-untrusted-triggers', false)
  const oldName = input.boolean('allow-pull-request-target', false)
  if (oldName) {
    deprecations.push(
      `allow-pull-request-target is deprecated: use allow-untrusted-triggers: true, which covers ${UNTRUSTED_TRIGGERS.join(', ')} and pull requests from forks.`
    )
  }
  return allowed || oldName
}
