/**
 * A canary judged by what its new version did to real traffic: the
 * CloudWatch alarms of canary-alarms (none may be in ALARM before the
 * shift or during the interval), and the built-in signals read when the
 * interval ends — Lambda's Errors and Throttles of the version against its
 * Invocations through the alias, and the app's 5xx answers in the
 * version's own log streams (src/checks/request-log.ts).
 */
import * as core from '@actions/core'
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { createCloudWatchClient, createLogsClient } from '../aws/clients.js'
import type { AlarmState } from '../aws/cloudwatch.js'
import {
  canaryVerdict,
  metricsTiming,
  metricsWindow,
  signalVerdict,
  type SignalCounts
} from '../decide/canary-verdict.js'
import { countAnswers } from '../checks/request-log.js'
import type { CanaryJudging, CanarySignals } from '../inputs/types.js'
import type { CanarySignalSummary } from '../report/report.js'
import type { TargetState } from '../targets.js'
import { DeployError } from '../util/errors.js'
import type { RunContext } from './context.js'

/** The canary's judging inputs, for an alias release with a canary. */
export function judgingOf(ctx: RunContext): CanaryJudging | undefined {
  const { release } = ctx.inputs
  return release.kind === 'alias' ? release.canary?.judging : undefined
}

const cloudwatchClients = new WeakMap<RunContext, Promise<CloudWatchClient>>()

function cloudwatchOf(ctx: RunContext): Promise<CloudWatchClient> {
  let client = cloudwatchClients.get(ctx)
  if (client === undefined) {
    client = createCloudWatchClient(ctx.inputs.region)
    cloudwatchClients.set(ctx, client)
  }
  return client
}

async function readAlarms(
  ctx: RunContext,
  names: readonly string[]
): Promise<{ alarms: AlarmState[]; missing: string[] }> {
  const { alarmStates } = await import('../aws/cloudwatch.js')
  return alarmStates(await cloudwatchOf(ctx), names)
}

const inAlarmText = (alarms: readonly AlarmState[]): string =>
  alarms
    .map(a => `${a.name}${a.reason === undefined ? '' : ` (${a.reason})`}`)
    .join(', ')

/**
 * Before anything changes (and again right before the shift): every alarm
 * of canary-alarms exists and none is in ALARM, else the canary does not
 * start.
 */
export async function refuseAlarmsInAlarm(
  ctx: RunContext,
  when: 'before any change' | 'before the shift'
): Promise<void> {
  const names = judgingOf(ctx)?.alarms ?? []
  if (names.length === 0) return
  const { alarms, missing } = await readAlarms(ctx, names)
  if (missing.length > 0)
    throw new DeployError(
      `canary-alarms names ${missing.length === 1 ? 'an alarm' : 'alarms'} that CloudWatch does not have in ${ctx.inputs.region}: ${missing.join(', ')}. Check the names (one per line, as DescribeAlarms shows them); the canary did not start.`
    )
  const firing = alarms.filter(a => a.state === 'ALARM')
  if (firing.length > 0)
    throw new DeployError(
      `canary-alarms: ${inAlarmText(firing)} ${firing.length === 1 ? 'is' : 'are'} in ALARM ${when}: the canary did not start${when === 'before any change' ? ' and nothing was changed' : ''}. Deploy once the alarm is OK again.`
    )
  ctx.log(
    `canary-alarms: ${alarms.map(a => `${a.name} ${a.state}`).join(', ')}.`
  )
}

/**
 * During the interval: an alarm of canary-alarms in ALARM fails the canary
 * of every function it judges (the alarms are the run's, not one
 * function's). The alarms' states are recorded in each one's state.
 */
export async function failOnAlarms(
  ctx: RunContext,
  targets: readonly TargetState[]
): Promise<void> {
  const names = judgingOf(ctx)?.alarms ?? []
  if (names.length === 0) return
  const { alarms } = await readAlarms(ctx, names)
  for (const target of targets)
    target.checks.canarySignals = alarms.map(a => ({
      signal: `alarm ${a.name}`,
      seen: `${a.state}${a.state === 'ALARM' && a.reason !== undefined ? `: ${a.reason}` : ''}`,
      verdict: a.state === 'ALARM' ? 'fail' : 'pass'
    }))
  const firing = alarms.filter(a => a.state === 'ALARM')
  if (firing.length === 0) return
  const versions = targets.map(t => t.version ?? '?').join(', ')
  throw new DeployError(
    `Canary of version ${versions}: canary-alarms ${inAlarmText(firing)} went to ALARM during the interval.`
  )
}

const percent = (c: SignalCounts): string =>
  c.requests === 0
    ? ''
    : ` (${((c.failures * 100) / c.requests).toFixed(c.failures === 0 ? 0 : 1)} %)`

export interface CanaryWindow {
  alias: string
  shiftedAt: number
  endedAt: number
  /** The action's own checks of the version during the interval. */
  ownRequests: number
}

/**
 * The built-in signals of one function's canary, read when the interval
 * ends, recorded in its state; throws when the canary fails (or is
 * inconclusive with canary-on-inconclusive: fail).
 */
export async function judgeSignals(
  ctx: RunContext,
  target: TargetState,
  signals: CanarySignals,
  window: CanaryWindow
): Promise<void> {
  const version = target.version ?? ''
  const functionName = target.name
  const timing = metricsTiming(ctx.deps.env)
  const metricsSpan = metricsWindow(window.shiftedAt, window.endedAt, timing)
  const { versionMetrics } = await import('../aws/cloudwatch.js')
  const { versionLogMessages } = await import('../aws/version-logs.js')
  const logs = await createLogsClient(ctx.inputs.region)
  const [metrics, logged] = await Promise.all([
    versionMetrics(await cloudwatchOf(ctx), {
      functionName,
      alias: window.alias,
      version,
      startMs: metricsSpan.startMs,
      endMs: metricsSpan.endMs,
      periodS: timing.periodMs / 1000
    }),
    versionLogMessages(
      logs,
      functionName,
      version,
      window.shiftedAt,
      window.endedAt
    ).finally(() => logs.destroy())
  ])
  const lambda: SignalCounts = {
    // Throttled requests are not in Invocations.
    requests: metrics.invocations + metrics.throttles,
    failures: metrics.errors + metrics.throttles
  }
  const answers = countAnswers(logged.messages)
  // The action's own checks answered below 500 (or the canary already
  // failed): they add requests, never 5xx answers.
  const http: SignalCounts = {
    requests: Math.max(0, answers.requests - window.ownRequests),
    failures: answers.serverErrors
  }
  const verdicts = {
    lambda: signalVerdict(lambda, signals),
    http: signalVerdict(http, signals)
  }
  const span = `${new Date(metricsSpan.startMs).toISOString().slice(11, 19)}–${new Date(metricsSpan.endMs).toISOString().slice(11, 19)} UTC`
  const summaries: CanarySignalSummary[] = [
    {
      signal: `Lambda Errors + Throttles of version ${version} through ${window.alias}`,
      seen: `${lambda.failures} of ${lambda.requests} invocations failed${percent(lambda)} (${metrics.errors} errors, ${metrics.throttles} throttles; ${span})`,
      verdict: verdicts.lambda
    },
    {
      signal: `HTTP 5xx in version ${version}'s logs`,
      seen:
        answers.requests === 0
          ? 'no "Request finished" lines: the app logs none (docs/safe-releases.md#canary-signals) or served no request'
          : `${http.failures} of ${http.requests} requests answered 5xx${percent(http)}${window.ownRequests > 0 ? ` (the action's own ${window.ownRequests} check(s) left out)` : ''}${logged.truncated ? '; only the first events were read' : ''}`,
      verdict: verdicts.http
    }
  ]
  target.checks.canarySignals = [
    ...(target.checks.canarySignals ?? []),
    ...summaries
  ]
  for (const s of summaries)
    target.log(`Canary signal ${s.signal}: ${s.seen} → ${s.verdict}.`)
  const verdict = canaryVerdict([verdicts.lambda, verdicts.http])
  const budget = `canary-max-error-rate ${signals.maxErrorRatePercent} %`
  if (verdict === 'fail') {
    const failed = summaries.filter(s => s.verdict === 'fail')
    throw new DeployError(
      `Canary of version ${version} failed on real traffic: ${failed.map(s => `${s.signal}: ${s.seen}`).join('; ')}, above ${budget}.`
    )
  }
  if (verdict === 'inconclusive') {
    const seen = Math.max(lambda.requests, http.requests)
    const text = `Canary of version ${version} is inconclusive: ${seen} real request(s) reached it during the interval, fewer than canary-min-requests ${signals.minRequests}.`
    if (signals.onInconclusive === 'fail')
      throw new DeployError(`${text} canary-on-inconclusive is fail.`)
    core.warning(
      `${text} Promoted anyway (canary-on-inconclusive: promote); give it more traffic, a higher canary-percent or a longer canary-interval to judge it.`
    )
  }
}
