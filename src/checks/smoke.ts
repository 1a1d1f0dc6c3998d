import type { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { networkErrorMessage } from '../util/errors.js'
import { failureText } from '../aws/call.js'
import { getFunctionUrl, refusedByUrlAuth } from '../aws/function-url.js'
import { formatLimit, readBounded } from '../util/body.js'
import { EVERY_TIME, type ReadOnce } from '../util/read-once.js'
import { again, done, poll } from '../util/poll.js'
import { backoffDelay } from '../util/retry.js'
import { formatDuration, type Timing } from '../util/time.js'
import type { BodyExpectation } from '../inputs/types.js'

export interface SmokeExpectation {
  status: number
  body: BodyExpectation | undefined
}

export interface Verdict {
  pass: boolean
  reason: string
}

/** Did one response meet the expectations? */
export function evaluateResponse(
  status: number,
  body: string,
  expected: SmokeExpectation
): Verdict {
  if (status !== expected.status) {
    return {
      pass: false,
      reason: `status ${status}, expected ${expected.status}`
    }
  }
  const rule = expected.body
  if (rule?.kind === 'substring' && !body.includes(rule.text)) {
    return { pass: false, reason: `body does not contain "${rule.text}"` }
  }
  // A /g or /y pattern keeps lastIndex between calls; start every test fresh.
  if (rule?.kind === 'regex') rule.regex.lastIndex = 0
  if (rule?.kind === 'regex' && !rule.regex.test(body)) {
    return { pass: false, reason: `body does not match ${String(rule.regex)}` }
  }
  return { pass: true, reason: `status ${status}` }
}

export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`
}

export interface SmokeAttempt {
  attempt: number
  status: number | undefined
  latencyMs: number
  outcome: string
}

export interface SmokeResult {
  pass: boolean
  url: string
  status: number | undefined
  attempts: SmokeAttempt[]
  reason: string
  /** The last answer was a Function URL's authorization refusal (403). */
  urlAuthRefused?: boolean
}

/** The most of a response body the smoke test reads and checks. */
export const SMOKE_BODY_MAX_BYTES = 1024 * 1024

export interface SmokeOptions {
  url: string
  expected: SmokeExpectation
  timeoutMs: number
  log: (message: string) => void
  fetch?: typeof fetch
  /** Longest a single request may take, its body included. */
  requestTimeoutMs?: number
  /** Most of a body read; the rest is not. */
  maxBodyBytes?: number
}

/**
 * Request the URL until it answers as expected or the time is up: cold
 * starts of an ASP.NET app (and of a fresh Lambda version) take seconds.
 */
export async function smokeTest(
  options: SmokeOptions,
  timing: Timing
): Promise<SmokeResult> {
  const fetchImpl = options.fetch ?? fetch
  const attempts: SmokeAttempt[] = []
  let lastStatus: number | undefined
  let lastReason = 'no request was made'
  let urlAuthRefused = false
  const polled = await poll<SmokeResult>(
    async ({ attempt, remainingMs }) => {
      const requestTimeout = Math.max(
        1000,
        Math.min(options.requestTimeoutMs ?? 30_000, remainingMs)
      )
      const sent = timing.now()
      try {
        const response = await fetchImpl(options.url, {
          signal: AbortSignal.timeout(requestTimeout),
          headers: { 'User-Agent': 'aspnet-lambda-deploy-smoke-test' },
          redirect: 'manual'
        })
        const maxBodyBytes = options.maxBodyBytes ?? SMOKE_BODY_MAX_BYTES
        // The request's timeout signal also bounds reading the body.
        const read = await readBounded(response, maxBodyBytes)
        const body = read.bytes.toString('utf8')
        lastStatus = response.status
        urlAuthRefused = refusedByUrlAuth(response.status, body)
        const verdict = evaluateResponse(
          response.status,
          body,
          options.expected
        )
        const cut = read.cut
          ? ` (body cut at ${formatLimit(maxBodyBytes)}: only that much was read and checked)`
          : ''
        const outcome = `${verdict.pass ? 'pass' : verdict.reason}${cut}`
        lastReason = verdict.pass
          ? ''
          : `${verdict.reason}${cut}; body: ${body.slice(0, 200)}`
        const latencyMs = timing.now() - sent
        attempts.push({ attempt, status: response.status, latencyMs, outcome })
        options.log(
          `Attempt ${attempt}: HTTP ${response.status} in ${formatDuration(latencyMs)}: ${outcome}`
        )
        if (verdict.pass) {
          return done({
            pass: true,
            url: options.url,
            status: response.status,
            attempts,
            reason: verdict.reason
          })
        }
      } catch (error) {
        lastStatus = undefined
        urlAuthRefused = false
        const outcome = networkErrorMessage(error)
        lastReason = outcome
        const latencyMs = timing.now() - sent
        attempts.push({ attempt, status: undefined, latencyMs, outcome })
        options.log(
          `Attempt ${attempt}: no response in ${formatDuration(latencyMs)}: ${outcome}`
        )
      }
      return again
    },
    {
      timeoutMs: options.timeoutMs,
      intervalMs: attempt => backoffDelay(attempt, 1000, 5000, timing.random)
    },
    timing
  )
  if (polled.kind === 'done') return polled.value
  return {
    pass: false,
    url: options.url,
    status: lastStatus,
    attempts,
    reason: `${options.url} did not pass within ${formatDuration(options.timeoutMs)} (${attempts.length} attempts); last: ${lastReason}`,
    urlAuthRefused
  }
}

export interface DiscoveredUrl {
  url: string
  source: 'function-url' | 'http-api'
}

/**
 * Where to smoke-test when no smoke-url is given: the Function URL, else an
 * HTTP API, that reaches exactly the qualifier this run released (`alias`,
 * or undefined for $LATEST). An endpoint on another qualifier serves other
 * code (an HTTP API on `my-api:live` answers with the alias's version, the
 * unqualified Function URL with $LATEST), so it is never used: without an
 * endpoint of the released qualifier the caller invokes that qualifier
 * directly. Function URLs are per qualifier: GetFunctionUrlConfig with
 * Qualifier (an alias name) answers that alias's URL, without it the
 * unqualified one (Lambda API reference, GetFunctionUrlConfig: "Qualifier:
 * the alias name", https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionUrlConfig.html).
 */
export async function discoverSmokeUrl(
  lambda: LambdaClient,
  apigateway: () => Promise<ApiGatewayV2Client>,
  functionArn: string,
  warn: (message: string) => void,
  qualifier?: string,
  once: ReadOnce = EVERY_TIME,
  options: { functionUrlOnly?: boolean } = {}
): Promise<DiscoveredUrl | undefined> {
  const url = await functionUrlOf(lambda, functionArn, qualifier, warn, once)
  if (url !== undefined || options.functionUrlOnly === true) return url
  return httpApiOf(apigateway, functionArn, qualifier ?? '$LATEST', warn, once)
}

async function functionUrlOf(
  lambda: LambdaClient,
  functionArn: string,
  qualifier: string | undefined,
  warn: (message: string) => void,
  once: ReadOnce
): Promise<DiscoveredUrl | undefined> {
  try {
    const config = await once(
      `function-url ${functionArn}${qualifier === undefined ? '' : ` ${qualifier}`}`,
      () => getFunctionUrl(lambda, functionArn, qualifier)
    )
    // The smoke request is unsigned: an AWS_IAM Function URL answers 403 to
    // every request, which would fail (and roll back) a good deploy.
    if (config?.FunctionUrl !== undefined && config.AuthType === 'AWS_IAM') {
      warn(
        `The Function URL ${config.FunctionUrl} uses AWS_IAM auth and the smoke test sends unsigned requests, so it is not used; set smoke-url to an endpoint the test can call.`
      )
    } else if (config?.FunctionUrl !== undefined) {
      return { url: config.FunctionUrl, source: 'function-url' }
    }
  } catch (error) {
    warn(
      `Could not look up the function's Function URL: ${failureText('lambda:GetFunctionUrlConfig', error)}`
    )
  }
  return undefined
}

/** An HTTP API in front of the qualifier (./http-api.ts, loaded only now). */
async function httpApiOf(
  apigateway: () => Promise<ApiGatewayV2Client>,
  functionArn: string,
  qualifier: string,
  warn: (message: string) => void,
  once: ReadOnce
): Promise<DiscoveredUrl | undefined> {
  try {
    const { httpApiEndpoint } = await import('./http-api.js')
    const found = await httpApiEndpoint(
      await apigateway(),
      functionArn,
      qualifier,
      warn,
      once
    )
    if (found === undefined) return undefined
    return {
      url:
        found.stage === ''
          ? found.endpoint
          : joinUrl(found.endpoint, found.stage),
      source: 'http-api'
    }
  } catch (error) {
    warn(
      `Could not look for an HTTP API in front of the function: ${failureText('apigateway:GET', error)}`
    )
  }
  return undefined
}
