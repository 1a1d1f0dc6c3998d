import { fail, pass, warn, type Check } from './checks.js'
import type { EventSourceInput } from '../../inputs/types.js'

/** The values of Amazon.Lambda.AspNetCoreServer.Hosting's LambdaEventSource. */
export type LambdaEventSource =
  'HttpApi' | 'RestApi' | 'ApplicationLoadBalancer'

/** One way requests reach the function, and what the app must expect from it. */
export interface Reach {
  via: string
  eventSource: LambdaEventSource
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
