import {
  fields,
  isOneOf,
  type DurationRange,
  type InputReader,
  type Parsed
} from './readers.js'
import type {
  BodyExpectation,
  EventSourceInput,
  Inputs,
  PreflightMode
} from './types.js'

const PREFLIGHT_MODES: readonly PreflightMode[] = ['strict', 'warn', 'off']
const EVENT_SOURCES: readonly EventSourceInput[] = [
  'http-api',
  'rest-api',
  'alb'
]
const REGEX_BODY = /^\/(?<pattern>.+)\/(?<flags>[dgimsuy]*)$/

export type SmokeRequest = Pick<
  Inputs,
  'smokeUrl' | 'smokePath' | 'smokeExpectStatus' | 'smokeExpectBody'
>

/** What the smoke test requests and expects: smoke-url, -path, -expect-*. */
export function readSmokeRequest(read: InputReader): Parsed<SmokeRequest> {
  const input = fields(read)
  const { problems } = input
  const smokeUrl = input.optional('smoke-url')
  if (smokeUrl !== undefined && !isHttpUrl(smokeUrl)) {
    problems.push(
      `smoke-url "${smokeUrl}" is not an http(s) URL (for example https://abc123.lambda-url.us-east-1.on.aws).`
    )
  }
  const smokePath = input.optional('smoke-path') ?? '/'
  if (!smokePath.startsWith('/')) {
    problems.push(
      `smoke-path "${smokePath}" must start with / (for example /health).`
    )
  }
  const statusText = input.optional('smoke-expect-status') ?? '200'
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
  const bodyText = input.optional('smoke-expect-body')
  const body =
    bodyText === undefined ? undefined : bodyExpectation(bodyText, problems)
  return input.parsed({
    smokeUrl,
    smokePath,
    smokeExpectStatus,
    smokeExpectBody: body
  })
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}

/** /pattern/flags is a regular expression; anything else a substring. */
function bodyExpectation(
  text: string,
  problems: string[]
): BodyExpectation | undefined {
  const regex = REGEX_BODY.exec(text)
  if (regex?.groups === undefined) return { kind: 'substring', text }
  try {
    return {
      kind: 'regex',
      regex: new RegExp(regex.groups.pattern ?? '', regex.groups.flags)
    }
  } catch (error) {
    problems.push(
      `smoke-expect-body ${text} is not a valid /regular expression/: ${(error as Error).message}.`
    )
    return undefined
  }
}

/** preflight and event-source: how the checks before the deploy run. */
export function readPreflight(
  read: InputReader
): Parsed<Pick<Inputs, 'preflight' | 'eventSource'>> {
  const input = fields(read)
  const { problems } = input
  const preflightText = (input.optional('preflight') ?? 'strict').toLowerCase()
  let preflight: PreflightMode = 'strict'
  if (isOneOf(PREFLIGHT_MODES, preflightText)) {
    preflight = preflightText
  } else {
    problems.push(
      `preflight "${preflightText}" must be strict (failed checks stop the deploy), warn (they only warn) or off (no checks).`
    )
  }
  const eventSourceText = input.optional('event-source')?.toLowerCase()
  let eventSource: EventSourceInput | undefined
  if (eventSourceText !== undefined) {
    if (isOneOf(EVENT_SOURCES, eventSourceText)) {
      eventSource = eventSourceText
    } else {
      problems.push(
        `event-source "${eventSourceText}" must be http-api (HTTP API payload 2.0 or Function URL: LambdaEventSource.HttpApi), rest-api (REST API or HTTP API payload 1.0: LambdaEventSource.RestApi) or alb (Application Load Balancer: LambdaEventSource.ApplicationLoadBalancer), or left empty to discover it.`
      )
    }
  }
  return input.parsed({ preflight, eventSource })
}

/**
 * Lambda finishes an update in seconds to minutes; an hour is a wait that
 * will not end well. The lower end leaves room for a deliberately short wait.
 */
export const WAIT_TIMEOUT_RANGE: DurationRange = { min: '5s', max: '1h' }
/**
 * One attempt needs a second; past a quarter of an hour a failing app only
 * holds the job (and, during a canary, the traffic) longer.
 */
export const SMOKE_TIMEOUT_RANGE: DurationRange = { min: '1s', max: '15m' }

/**
 * How long the job's AWS credentials last, counted from the action's start:
 * STS sessions (AssumeRole, AssumeRoleWithWebIdentity) last from 15 minutes
 * to the role's maximum of up to 12 hours, 1 hour by default
 * (DurationSeconds, STS API reference); GetSessionToken's up to 36 hours.
 */
export const CREDENTIALS_LIFETIME_RANGE: DurationRange = {
  min: '15m',
  max: '36h'
}

/** The activation wait when wait-timeout is not given: 15 minutes. */
export const MANAGED_ACTIVATION_TIMEOUT_MS = 15 * 60_000

export type Verification = Pick<
  Inputs,
  | 'waitTimeoutMs'
  | 'activationTimeoutMs'
  | 'smokeTest'
  | 'smokeTimeoutMs'
  | 'rollbackOnFailure'
  | 'credentialsLifetimeMs'
>

/**
 * wait-timeout, smoke-test, smoke-timeout, rollback-on-failure and
 * credentials-lifetime: how long the deploy is waited for and tested,
 * whether a failure rolls it back, and how long the credentials last.
 */
export function readVerification(read: InputReader): Parsed<Verification> {
  const input = fields(read)
  const waitTimeoutMs = input.duration('wait-timeout', '5m', WAIT_TIMEOUT_RANGE)
  return input.parsed({
    waitTimeoutMs,
    // Activation starts EC2 instances and three execution environments
    // (lambda-managed-instances-scaling); a timeout after the publish leaves
    // Lambda to move traffic unchecked, so the default is longer.
    activationTimeoutMs:
      input.optional('wait-timeout') === undefined
        ? MANAGED_ACTIVATION_TIMEOUT_MS
        : waitTimeoutMs,
    smokeTest: input.boolean('smoke-test', true),
    smokeTimeoutMs: input.duration('smoke-timeout', '2m', SMOKE_TIMEOUT_RANGE),
    rollbackOnFailure: input.boolean('rollback-on-failure', true),
    credentialsLifetimeMs: input.duration(
      'credentials-lifetime',
      '1h',
      CREDENTIALS_LIFETIME_RANGE
    )
  })
}
