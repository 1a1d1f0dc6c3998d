/**
 * A direct Invoke of the function with a synthetic request for the app's
 * event source (HTTP API 2.0, REST API 1.0 or ALB), judged like the smoke
 * test: the pre-traffic check and canary checks of a new version, and the
 * smoke test of a function no HTTP endpoint reaches.
 */
import { withDiscoveryClients } from '../aws/clients.js'
import { invokeCheck, type InvokeCheckResult } from '../checks/invoke.js'
import { EVENT_SOURCE_FOR_INPUT } from '../checks/preflight/eventsource.js'
import { releasedAlias } from '../inputs/spec.js'
import type { EventSourceInput } from '../inputs/types.js'
import type { CheckSummary } from '../report/report.js'
import type { TargetState } from '../targets.js'
import type { RunContext } from './context.js'

/** How requests reach the app, for the synthetic event. */
export async function eventSourceOf(
  ctx: RunContext,
  target: TargetState
): Promise<EventSourceInput> {
  if (ctx.inputs.eventSource !== undefined) return ctx.inputs.eventSource
  const { discoverReach } = await import('../checks/reach.js')
  const discovery = await discoverReach(
    await withDiscoveryClients(ctx.clients),
    target.arn,
    ctx.once
  )
  const found = discovery.reaches[0]?.eventSource
  const input = (
    Object.entries(EVENT_SOURCE_FOR_INPUT) as [EventSourceInput, string][]
  ).find(([, source]) => source === found)?.[0]
  return input ?? 'http-api'
}

/**
 * The function streams its responses when its Function URL (or the alias's,
 * for alias deploys) has InvokeMode RESPONSE_STREAM: the synthetic request
 * then goes through InvokeWithResponseStream.
 */
async function streamsResponse(
  ctx: RunContext,
  target: TargetState
): Promise<boolean> {
  const { functionUrlStreams } = await import('../aws/lambda-stream.js')
  const lambda = ctx.clients.lambda
  if (await functionUrlStreams(lambda, target.arn, undefined, ctx.once))
    return true
  const alias = releasedAlias(ctx.inputs.release)
  return (
    alias !== undefined &&
    (await functionUrlStreams(lambda, target.arn, alias, ctx.once))
  )
}

export function checkSummary(result: InvokeCheckResult): CheckSummary {
  return {
    state: result.pass ? 'passed' : 'failed',
    status: result.status,
    attempts: result.attempts,
    reason: result.reason
  }
}

/** Invoke the target (its new version, else $LATEST) with a synthetic request. */
export async function checkVersion(
  ctx: RunContext,
  target: TargetState,
  timeoutMs: number,
  qualifier: string = target.version ?? '$LATEST'
): Promise<InvokeCheckResult> {
  const { inputs, deps } = ctx
  const source = await eventSourceOf(ctx, target)
  const streaming = await streamsResponse(ctx, target)
  if (streaming)
    target.log(
      'The Function URL streams (InvokeMode RESPONSE_STREAM): the synthetic request goes through InvokeWithResponseStream.'
    )
  return invokeCheck(
    ctx.clients.lambda,
    {
      functionName: target.arn,
      qualifier,
      source,
      path: inputs.smokePath,
      expected: {
        status: inputs.smokeExpectStatus,
        body: inputs.smokeExpectBody
      },
      timeoutMs,
      log: target.log,
      streaming
    },
    deps.timing
  )
}
