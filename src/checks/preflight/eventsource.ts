import { fail, pass, warn, type Check } from './checks.js'
import type { EventSourceInput } from '../../inputs/types.js'

/** The values of Amazon.Lambda.AspNetCoreServer.Hosting's LambdaEventSource. */
export type LambdaEventSource =
  'HttpApi' | 'RestApi' | 'ApplicationLoadBalancer'

/** One way requests reach the function, and what the app must expect from it. */
export interface Reach {
  via: string
  eventSource: LambdaEventSource
  /**
   * A Function URL's InvokeMode (GetFunctionUrlConfig; AWS Lambda API
   * reference, FunctionUrlConfig: BUFFERED, the default, or RESPONSE_STREAM).
   */
  invokeMode?: string
}

export interface Discovery {
  reaches: Reach[]
  /** Lookups that could not be made (denied, failed). */
  problems: string[]
}

export const EVENT_SOURCE_FOR_INPUT: Record<
  EventSourceInput,
  LambdaEventSource
> = {
  'http-api': 'HttpApi',
  'rest-api': 'RestApi',
  alb: 'ApplicationLoadBalancer'
}

/** HTTP API integrations: payload 2.0 is HttpApi, 1.0 is the REST API shape. */
export function eventSourceForPayload(
  version: string | undefined
): LambdaEventSource {
  return version === '1.0' ? 'RestApi' : 'HttpApi'
}

const TITLE = 'LambdaEventSource matches how the function is reached'

/**
 * The app's LambdaEventSource against the event-source input, or else what
 * discovery found. A mismatch deploys fine and then fails every request
 * (aws/aws-lambda-dotnet#1209).
 */
export function eventSourceCheck(
  app: LambdaEventSource | undefined,
  declared: EventSourceInput | undefined,
  discovery: Discovery | undefined
): Check {
  const id = 'app.event-source'
  if (app === undefined) {
    return warn(
      id,
      TITLE,
      'No AddAWSLambdaHosting(LambdaEventSource.<X>) call found in the source, so the event source was not compared.'
    )
  }
  const uses = `The app uses LambdaEventSource.${app}`
  if (declared !== undefined) {
    const expected = EVENT_SOURCE_FOR_INPUT[declared]
    return expected === app
      ? pass(id, TITLE, `${uses}; event-source is ${declared}.`)
      : fail(
          id,
          TITLE,
          `${uses} but event-source is ${declared}, which sends LambdaEventSource.${expected} requests: every request would fail. Call AddAWSLambdaHosting(LambdaEventSource.${expected}), or correct event-source.`
        )
  }
  const reaches = discovery?.reaches ?? []
  const problems = discovery?.problems ?? []
  if (reaches.length === 0) {
    return warn(
      id,
      TITLE,
      `${uses}; no Function URL, API Gateway API or ALB target group invoking the function was found${problems.length > 0 ? ` (${problems.join('; ')})` : ''}. Set event-source to check it.`
    )
  }
  const wrong = reaches.filter(reach => reach.eventSource !== app)
  const list = (items: Reach[]): string =>
    items.map(reach => `${reach.via} → ${reach.eventSource}`).join(', ')
  if (wrong.length > 0) {
    const needed = [...new Set(wrong.map(reach => reach.eventSource))]
    return fail(
      id,
      TITLE,
      `${uses} but the function is reached through ${list(wrong)}: those requests would fail (aws/aws-lambda-dotnet#1209). ` +
        (needed.length === 1 && wrong.length === reaches.length
          ? `Call AddAWSLambdaHosting(LambdaEventSource.${needed[0] ?? ''}), or set event-source if discovery is wrong.`
          : 'One app serves one event source: put each behind the same kind of front end, or set event-source if discovery is wrong.')
    )
  }
  return pass(id, TITLE, `${uses}; reached through ${list(reaches)}.`)
}

const STREAMING_TITLE =
  "Response streaming matches the Function URL's InvokeMode"

/**
 * An app with HostingOptions.EnableResponseStreaming answers in Lambda's
 * streaming format (a status/headers prelude, then the body), which only a
 * Function URL with InvokeMode RESPONSE_STREAM (or InvokeWithResponseStream)
 * turns back into an HTTP response; a buffered app behind a RESPONSE_STREAM
 * URL has its proxy JSON sent as the body. Either way the deploy succeeds and
 * every request through the URL answers wrong. Undefined when there is
 * nothing to compare (the app does not stream and no URL streams).
 */
export function invokeModeCheck(
  streaming: { file: string } | undefined,
  discovery: Discovery | undefined
): Check | undefined {
  const id = 'app.invoke-mode'
  const urls = (discovery?.reaches ?? []).filter(
    reach => reach.invokeMode !== undefined
  )
  const streamingUrls = urls.filter(
    reach => reach.invokeMode === 'RESPONSE_STREAM'
  )
  const bufferedUrls = urls.filter(
    reach => reach.invokeMode !== 'RESPONSE_STREAM'
  )
  const names = (reaches: Reach[]): string =>
    reaches.map(reach => reach.via).join(', ')
  if (streaming === undefined) {
    if (streamingUrls.length === 0) return undefined
    return fail(
      id,
      STREAMING_TITLE,
      `${names(streamingUrls)} has InvokeMode RESPONSE_STREAM but the app does not set EnableResponseStreaming: its proxy JSON would be sent as the body of every response. Set it in AddAWSLambdaHosting(LambdaEventSource.HttpApi, options => options.EnableResponseStreaming = true) (Amazon.Lambda.AspNetCoreServer.Hosting 2.x, preview), or set the URL's InvokeMode to BUFFERED (aws lambda update-function-url-config --invoke-mode BUFFERED).`
    )
  }
  const sets = `${streaming.file} sets EnableResponseStreaming = true`
  if (discovery === undefined) {
    return warn(
      id,
      STREAMING_TITLE,
      `${sets}; how the function is reached was not looked up, so the Function URL's InvokeMode was not compared.`
    )
  }
  if (bufferedUrls.length > 0) {
    return fail(
      id,
      STREAMING_TITLE,
      `${sets} but ${names(bufferedUrls)} has InvokeMode BUFFERED: every response through it would be the raw streaming prelude, not the app's answer. Set the URL's InvokeMode to RESPONSE_STREAM (aws lambda update-function-url-config --invoke-mode RESPONSE_STREAM), or remove EnableResponseStreaming.`
    )
  }
  if (streamingUrls.length > 0) {
    return pass(
      id,
      STREAMING_TITLE,
      `${sets}; ${names(streamingUrls)} has InvokeMode RESPONSE_STREAM.`
    )
  }
  const problems = discovery.problems
  return warn(
    id,
    STREAMING_TITLE,
    `${sets} but no Function URL was found${problems.length > 0 ? ` (${problems.join('; ')})` : ''}: a streaming app is reached through a Function URL with InvokeMode RESPONSE_STREAM, or called with InvokeWithResponseStream.`
  )
}
