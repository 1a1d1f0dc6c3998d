import * as core from '@actions/core'
import { previewImageTag, readPreviewInputs } from './preview.js'
import { parseImageReference, readReleaseInputs, TAG } from './release.js'
import { parseDuration } from '../util/time.js'
import type {
  Architecture,
  BodyExpectation,
  EventSourceInput,
  Inputs,
  PreflightMode,
  RepositoryRef
} from './types.js'

const PREFLIGHT_MODES: readonly string[] = ['strict', 'warn', 'off']
const EVENT_SOURCES: readonly string[] = ['http-api', 'rest-api', 'alb']

// Lambda: names are 1-64 of [A-Za-z0-9_-]; ARNs may be partial. No qualifier:
// UpdateFunctionCode always updates $LATEST.
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/
const FUNCTION_ARN =
  /^(?:arn:aws[a-z-]*:lambda:(?<region>[a-z]{2}(?:-[a-z]+)+-\d):)?(?<account>\d{12}):function:(?<name>[A-Za-z0-9_-]{1,64})$/
// ECR repository names (AWS's documented pattern) and registry URIs.
const REPOSITORY_NAME =
  /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/
const REPOSITORY_URI =
  /^(?<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?\/(?<name>.+)$/
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/
const KEY_VALUE = /^[^=\s][^=]*=/
const REGEX_BODY = /^\/(?<pattern>.+)\/(?<flags>[dgimsuy]*)$/

export type InputReader = (name: string) => string

export class InputError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Invalid input: ${problems[0]}`
        : `Invalid inputs:\n${problems.map(p => `  - ${p}`).join('\n')}`
    )
    this.name = 'InputError'
  }
}

function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '' && !line.startsWith('#'))
}

/** Read, parse and validate every input; throws one InputError listing all problems. */
export function getInputs(
  read: InputReader = name => core.getInput(name),
  env: NodeJS.ProcessEnv = process.env
): Inputs {
  const problems: string[] = []
  const get = (name: string): string => read(name).trim()
  const optional = (name: string): string | undefined => {
    const value = get(name)
    return value === '' ? undefined : value
  }

  // function-name: one per line
  const functionNames = lines(read('function-name'))
  const functionName = functionNames[0] ?? ''
  const functionRegions = new Set<string>()
  if (functionNames.length === 0) {
    problems.push(
      'function-name is required: a Lambda function name (my-api) or ARN (arn:aws:lambda:us-east-1:123456789012:function:my-api), or several, one per line.'
    )
  }
  for (const name of functionNames) {
    if (FUNCTION_NAME.test(name)) continue
    const arn = FUNCTION_ARN.exec(name)
    if (arn?.groups === undefined) {
      problems.push(
        `function-name "${name}" is not a function name (1-64 letters, digits, - or _) or a function ARN without qualifier (arn:aws:lambda:<region>:<account>:function:<name>).`
      )
    } else if (arn.groups.region !== undefined) {
      functionRegions.add(arn.groups.region)
    }
  }
  const bareNames = functionNames.map(name => name.split(':').at(-1) ?? name)
  const repeated = bareNames.filter((name, i) => bareNames.indexOf(name) !== i)
  if (repeated.length > 0) {
    problems.push(
      `function-name lists ${[...new Set(repeated)].join(', ')} more than once: give each function once.`
    )
  }
  if (functionRegions.size > 1) {
    problems.push(
      `function-name lists functions in several regions (${[...functionRegions].join(', ')}): one run deploys in one region; use one job per region (a matrix) with the image input.`
    )
  }
  const functionRegion = [...functionRegions][0]

  // repository
  const repositoryInput = get('repository')
  let repository: RepositoryRef = {
    name: repositoryInput,
    registryId: undefined
  }
  let repositoryRegion: string | undefined
  const imageUriRepository = parseImageReference(get('image'))?.repository
  const needsRepository =
    imageUriRepository === undefined && get('rollback-to') !== 'previous'
  if (repositoryInput === '' && needsRepository) {
    problems.push(
      'repository is required: an ECR repository name (team/my-api) or URI (123456789012.dkr.ecr.us-east-1.amazonaws.com/team/my-api).'
    )
  } else if (repositoryInput !== '') {
    const uri = REPOSITORY_URI.exec(repositoryInput)
    const name = uri?.groups?.name ?? repositoryInput
    if (!REPOSITORY_NAME.test(name)) {
      problems.push(
        `repository "${repositoryInput}" is not an ECR repository name (lowercase letters, digits, and . _ - / separators, 2-256 characters) or URI (<account>.dkr.ecr.<region>.amazonaws.com/<name>); give it without a tag or digest.`
      )
    }
    repository = { name, registryId: uri?.groups?.account }
    repositoryRegion = uri?.groups?.region
  }

  // tag
  const tag = optional('tag') ?? env.GITHUB_SHA ?? ''
  // A cleanup builds nothing, so it needs no tag.
  // Neither does a deploy of an existing image.
  const buildsImage =
    optional('mode')?.toLowerCase() !== 'cleanup' &&
    optional('image') === undefined &&
    optional('rollback-to') === undefined
  if (tag === '' && buildsImage) {
    problems.push(
      'tag is empty and GITHUB_SHA is not set: give a tag matching [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.'
    )
  } else if (tag !== '' && !TAG.test(tag)) {
    problems.push(
      `tag "${tag}" is not a valid image tag: it must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} (no slashes, colons or @).`
    )
  }

  // architecture
  const architectureInput = optional('architecture')
  let architecture: Architecture | undefined
  if (architectureInput !== undefined) {
    const normalized = architectureInput.toLowerCase()
    if (normalized === 'x86_64' || normalized === 'arm64') {
      architecture = normalized
    } else {
      problems.push(
        `architecture "${architectureInput}" must be x86_64 or arm64 (Lambda's names), or left empty to use the function's.`
      )
    }
  }

  const keyValues = (name: string): string[] => {
    const values = lines(read(name))
    for (const value of values) {
      if (!KEY_VALUE.test(value)) {
        problems.push(`${name}: "${value}" is not KEY=VALUE (one per line).`)
      }
    }
    return values
  }

  const duration = (name: string, fallback: string): number => {
    const text = optional(name) ?? fallback
    const ms = parseDuration(text)
    if (ms === undefined || ms <= 0) {
      problems.push(
        `${name} "${text}" is not a duration: use a number of seconds or forms like 90s, 5m, 1m30s, 1h.`
      )
      return parseDuration(fallback) ?? 0
    }
    return ms
  }

  const boolean = (name: string, fallback: boolean): boolean => {
    const text = optional(name)
    if (text === undefined) return fallback
    if (/^true$/i.test(text)) return true
    if (/^false$/i.test(text)) return false
    problems.push(`${name} "${text}" must be true or false.`)
    return fallback
  }

  // smoke test
  const smokeUrl = optional('smoke-url')
  if (smokeUrl !== undefined) {
    let valid = false
    try {
      const url = new URL(smokeUrl)
      valid = url.protocol === 'https:' || url.protocol === 'http:'
    } catch {
      valid = false
    }
    if (!valid) {
      problems.push(
        `smoke-url "${smokeUrl}" is not an http(s) URL (for example https://abc123.lambda-url.us-east-1.on.aws).`
      )
    }
  }
  const smokePath = optional('smoke-path') ?? '/'
  if (!smokePath.startsWith('/')) {
    problems.push(
      `smoke-path "${smokePath}" must start with / (for example /health).`
    )
  }
  const statusText = optional('smoke-expect-status') ?? '200'
  const smokeExpectStatus = Number(statusText)
  if (
    !/^\d{3}$/.test(statusText) ||
    smokeExpectStatus < 100 ||
    smokeExpectStatus > 599
  ) {
    problems.push(
      `smoke-expect-status "${statusText}" must be an HTTP status code from 100 to 599.`
    )
  }
  let smokeExpectBody: BodyExpectation | undefined
  const bodyText = optional('smoke-expect-body')
  if (bodyText !== undefined) {
    const regexMatch = REGEX_BODY.exec(bodyText)
    if (regexMatch?.groups !== undefined) {
      try {
        smokeExpectBody = {
          kind: 'regex',
          regex: new RegExp(
            regexMatch.groups.pattern ?? '',
            regexMatch.groups.flags
          )
        }
      } catch (error) {
        problems.push(
          `smoke-expect-body ${bodyText} is not a valid /regular expression/: ${(error as Error).message}.`
        )
      }
    } else {
      smokeExpectBody = { kind: 'substring', text: bodyText }
    }
  }

  // region
  const region =
    optional('aws-region') ??
    functionRegion ??
    repositoryRegion ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION ??
    ''
  if (region === '') {
    problems.push(
      'aws-region: no AWS region. Set aws-region, or AWS_REGION (aws-actions/configure-aws-credentials sets it).'
    )
  } else if (!REGION.test(region)) {
    problems.push(
      `aws-region "${region}" is not an AWS region such as eu-west-1.`
    )
  } else {
    for (const [name, other] of [
      ['function-name', functionRegion],
      ['repository', repositoryRegion]
    ] as const) {
      if (other !== undefined && other !== region) {
        problems.push(
          `${name} is in ${other} but the deploy runs in ${region}: Lambda can only run images from an ECR repository in its own region (use ECR replication).`
        )
      }
    }
  }

  // mode: preview / cleanup (src/inputs/preview.ts)
  const previewInputs = readPreviewInputs(optional, env, functionName, problems)
  if (previewInputs.mode !== 'deploy' && functionNames.length > 1) {
    problems.push(
      `function-name lists ${functionNames.length} functions, but mode: ${previewInputs.mode} works on one production function: give one.`
    )
  }
  const { imageRepository, ...release } = readReleaseInputs(
    { optional, boolean, duration },
    {
      mode: previewInputs.mode,
      region: REGION.test(region) ? region : undefined,
      repository: repositoryInput === '' ? undefined : repository.name
    },
    problems
  )
  if (repositoryInput === '' && imageRepository !== undefined) {
    repository = { name: imageRepository, registryId: undefined }
  }
  // The tag of an existing image is the one deployed.
  const deployedTag =
    release.source.kind === 'existing' ? release.source.tag : undefined
  const imageTag =
    previewInputs.mode === 'preview' &&
    previewInputs.pullRequest !== undefined &&
    TAG.test(tag)
      ? previewImageTag(previewInputs.pullRequest, tag)
      : tag
  if (tag !== '' && !TAG.test(imageTag) && TAG.test(tag)) {
    problems.push(
      `tag "${tag}" is too long for a preview: the image tag "${imageTag}" must be at most 128 characters.`
    )
  }

  // preflight checks
  const preflightText = (optional('preflight') ?? 'strict').toLowerCase()
  let preflight: PreflightMode = 'strict'
  if (PREFLIGHT_MODES.includes(preflightText)) {
    preflight = preflightText as PreflightMode
  } else {
    problems.push(
      `preflight "${preflightText}" must be strict (failed checks stop the deploy), warn (they only warn) or off (no checks).`
    )
  }
  const eventSourceText = optional('event-source')?.toLowerCase()
  let eventSource: EventSourceInput | undefined
  if (eventSourceText !== undefined) {
    if (EVENT_SOURCES.includes(eventSourceText)) {
      eventSource = eventSourceText as EventSourceInput
    } else {
      problems.push(
        `event-source "${eventSourceText}" must be http-api (HTTP API payload 2.0 or Function URL: LambdaEventSource.HttpApi), rest-api (REST API or HTTP API payload 1.0: LambdaEventSource.RestApi) or alb (Application Load Balancer: LambdaEventSource.ApplicationLoadBalancer), or left empty to discover it.`
      )
    }
  }

  const inputs: Inputs = {
    ...previewInputs,
    ...release,
    functionName,
    functionNames,
    repository,
    tag: deployedTag ?? (release.source.kind === 'build' ? imageTag : ''),
    architecture,
    context: optional('context') ?? '.',
    file: optional('file'),
    target: optional('target'),
    buildArgs: keyValues('build-args'),
    labels: keyValues('labels'),
    cacheFrom: lines(read('cache-from')),
    cacheTo: lines(read('cache-to')),
    waitTimeoutMs: duration('wait-timeout', '5m'),
    smokeTest: boolean('smoke-test', true),
    smokeUrl,
    smokePath,
    smokeExpectStatus,
    smokeExpectBody,
    smokeTimeoutMs: duration('smoke-timeout', '2m'),
    rollbackOnFailure: boolean('rollback-on-failure', true),
    preflight,
    eventSource,
    region
  }
  if (problems.length > 0) throw new InputError(problems)
  return inputs
}
