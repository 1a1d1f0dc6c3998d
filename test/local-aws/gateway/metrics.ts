/**
 * Lambda's invocation metrics (namespace AWS/Lambda), recorded for every invocation the stand-in runs (Invoke, Function URLs, HTTP APIs), as Lambda publishes them:
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html and
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html
 *   - `Invocations` 1 for every invocation, `Errors` 1 when it ended in a function error (an
 *     exception the runtime reported, a crash, a timeout, an environment that could not start)
 *     else 0. An app that answers HTTP 500 is a successful invocation: Errors 0, as on Lambda.
 *     `Duration` in milliseconds. `Throttles` ("invocation requests that are throttled",
 *     not counted in Invocations) is published as 0 with every invocation: the stand-in has no
 *     concurrency limit, so it never throttles, and a query of Throttles finds the metric.
 *   - Dimensions: `FunctionName` alone (every version and alias); with a qualifier also
 *     `FunctionName` + `Resource` (`<function>:<version or alias>`); through an alias also
 *     `FunctionName` + `Resource` + `ExecutedVersion` (the version the alias routed to: what tells
 *     two versions of a weighted alias apart).
 *   - The timestamp is when the invocation started ("the timestamp on a metric reflects when the
 *     function was invoked"); the data point is sent after the invocation ended, plus
 *     LOCAL_AWS_METRICS_DELAY_MS (default 0): Lambda's metrics reach CloudWatch a minute or more
 *     after the invocation, which a canary judged by them has to wait for.
 *   - Log lines: each environment writes to a stream of the version that runs
 *     (`YYYY/MM/DD/[<version>]<hex>`, ./log-store.ts), so a version's own logs are those streams.
 *
 * Reads (SigV4 service `monitoring`, AWS JSON 1.0): GetMetricStatistics and GetMetricData of the
 * AWS/Lambda namespace are answered here, from what the invocations published, with CloudWatch's
 * rule that "each unique combination of dimensions is a separate metric": a query's dimensions
 * must be exactly a published combination (moto matches any superset, so a query by alias would
 * also count every ExecutedVersion point). Statistics Sum, SampleCount, Average, Minimum,
 * Maximum; one data point per Period bucket from StartTime (inclusive) to EndTime (exclusive).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 * Alarms (PutMetricAlarm, DescribeAlarms, SetAlarmState, …) and other namespaces go to moto, with
 * one fix: "When this operation creates an alarm, the alarm state is immediately set to
 * INSUFFICIENT_DATA" (PutMetricAlarm's API reference), where moto starts a new alarm in OK. moto
 * does not evaluate alarms against these metrics: tests set an alarm's state with SetAlarmState.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 */
import type http from 'node:http'

import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  SetAlarmStateCommand,
  type Dimension,
  type MetricDatum
} from '@aws-sdk/client-cloudwatch'

import { HOST, MOTO_PORT } from './config.js'
import { parseJson, relay, sendJson, sleep } from './http.js'
import { forwardToMoto } from './moto.js'
import type { Target } from './targets.js'

export const METRICS_DELAY_MS = Number(
  process.env.LOCAL_AWS_METRICS_DELAY_MS ?? 0
)

export interface InvocationOutcome {
  /** when the invocation started, epoch ms */
  startedAt: number
  durationMs: number
  /** a function error (Errors 1) */
  failed: boolean
}

/** The dimension sets one invocation of `t` is counted under (pure). */
export function dimensionSets(t: Target): Dimension[][] {
  const name = { Name: 'FunctionName', Value: t.fn }
  const sets: Dimension[][] = [[name]]
  const qualifier = t.alias ?? t.qualifier
  if (qualifier === undefined) return sets
  const resource = { Name: 'Resource', Value: `${t.fn}:${qualifier}` }
  sets.push([name, resource])
  if (t.alias !== undefined)
    sets.push([name, resource, { Name: 'ExecutedVersion', Value: t.version }])
  return sets
}

/** The data points of one invocation (pure). */
export function invocationData(
  t: Target,
  outcome: InvocationOutcome
): MetricDatum[] {
  const Timestamp = new Date(outcome.startedAt)
  return dimensionSets(t).flatMap(Dimensions => [
    {
      MetricName: 'Invocations',
      Dimensions,
      Timestamp,
      Value: 1,
      Unit: 'Count'
    },
    {
      MetricName: 'Errors',
      Dimensions,
      Timestamp,
      Value: outcome.failed ? 1 : 0,
      Unit: 'Count'
    },
    {
      MetricName: 'Throttles',
      Dimensions,
      Timestamp,
      Value: 0,
      Unit: 'Count'
    },
    {
      MetricName: 'Duration',
      Dimensions,
      Timestamp,
      Value: outcome.durationMs,
      Unit: 'Milliseconds'
    }
  ])
}

/** What the invocations published, per region, until reset. */
interface StoredPoint {
  region: string
  name: string
  /** `Name=Value` pairs sorted: the metric's identity */
  key: string
  ts: number
  value: number
}

const points: StoredPoint[] = []
const pending = new Set<Promise<void>>()

export function resetMetrics(): void {
  points.length = 0
}

export function dimensionKey(dims: readonly Dimension[]): string {
  return dims
    .map(d => `${d.Name ?? ''}=${d.Value ?? ''}`)
    .sort()
    .join(',')
}

/** Record one invocation's data points, after the configured delay. */
export function publishInvocation(t: Target, outcome: InvocationOutcome): void {
  const p = (async () => {
    if (METRICS_DELAY_MS > 0) await sleep(METRICS_DELAY_MS)
    for (const d of invocationData(t, outcome))
      points.push({
        region: t.region,
        name: d.MetricName ?? '',
        key: dimensionKey(d.Dimensions ?? []),
        ts: d.Timestamp?.getTime() ?? outcome.startedAt,
        value: d.Value ?? 0
      })
  })()
  pending.add(p)
  void p.finally(() => pending.delete(p))
}

type Stat = 'Sum' | 'SampleCount' | 'Average' | 'Minimum' | 'Maximum'
const STATS: readonly Stat[] = [
  'Sum',
  'SampleCount',
  'Average',
  'Minimum',
  'Maximum'
]

function statOf(values: number[], stat: Stat): number {
  if (stat === 'Sum') return values.reduce((a, v) => a + v, 0)
  if (stat === 'SampleCount') return values.length
  if (stat === 'Average')
    return values.reduce((a, v) => a + v, 0) / values.length
  if (stat === 'Minimum') return Math.min(...values)
  return Math.max(...values)
}

export interface MetricQuery {
  region: string
  name: string
  dims: Dimension[]
  /** epoch ms, inclusive */
  start: number
  /** epoch ms, exclusive */
  end: number
  periodS: number
}

/** The values of each Period bucket with data, oldest first (pure over `from`). */
export function buckets(
  from: readonly StoredPoint[],
  q: MetricQuery
): { ts: number; values: number[] }[] {
  const key = dimensionKey(q.dims)
  const periodMs = q.periodS * 1000
  const byBucket = new Map<number, number[]>()
  for (const p of from) {
    if (p.region !== q.region || p.name !== q.name || p.key !== key) continue
    if (p.ts < q.start || p.ts >= q.end) continue
    const b = q.start + Math.floor((p.ts - q.start) / periodMs) * periodMs
    byBucket.set(b, [...(byBucket.get(b) ?? []), p.value])
  }
  return [...byBucket.entries()]
    .sort(([a], [b]) => a - b)
    .map(([ts, values]) => ({ ts, values }))
}

const str = (v: unknown, fallback = ''): string =>
  typeof v === 'string' ? v : fallback

function toMs(v: unknown): number | undefined {
  if (typeof v === 'number') return v * 1000 // JSON 1.0 timestamps: epoch seconds
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v)))
    return Date.parse(v)
  return undefined
}

function dimsOf(v: unknown): Dimension[] {
  return Array.isArray(v)
    ? v.map(d => {
        const o = (d ?? {}) as Record<string, unknown>
        return { Name: str(o.Name), Value: str(o.Value) }
      })
    : []
}

function cloudwatchError(
  res: http.ServerResponse,
  code: string,
  message: string
): void {
  sendJson(res, 400, { __type: code, message }, { 'x-amzn-ErrorType': code })
}

/** SigV4 service `monitoring`: metric reads of AWS/Lambda here, the rest to moto. */
export async function handleCloudWatchApi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  region: string
): Promise<void> {
  const op = String(req.headers['x-amz-target'] ?? '')
    .split('.')
    .pop()
  const input = parseJson(body) ?? {}
  if (op === 'GetMetricStatistics' && input.Namespace === 'AWS/Lambda') {
    await Promise.all([...pending])
    const start = toMs(input.StartTime)
    const end = toMs(input.EndTime)
    const periodS = Number(input.Period)
    const stats = (
      Array.isArray(input.Statistics) ? input.Statistics : []
    ).filter((s): s is Stat => STATS.includes(s as Stat))
    if (
      start === undefined ||
      end === undefined ||
      !(periodS > 0) ||
      stats.length === 0
    )
      return cloudwatchError(
        res,
        'InvalidParameterCombination',
        'StartTime, EndTime, Period and Statistics are required.'
      )
    const q = {
      region,
      name: str(input.MetricName),
      dims: dimsOf(input.Dimensions),
      start,
      end,
      periodS
    }
    return sendJson(res, 200, {
      Label: q.name,
      Datapoints: buckets(points, q).map(b => ({
        Timestamp: b.ts / 1000,
        ...Object.fromEntries(stats.map(s => [s, statOf(b.values, s)]))
      }))
    })
  }
  if (op === 'GetMetricData') {
    const queries = Array.isArray(input.MetricDataQueries)
      ? input.MetricDataQueries
      : []
    const stats = queries.map(
      q =>
        ((q ?? {}) as Record<string, unknown>).MetricStat as
          Record<string, unknown> | undefined
    )
    const lambdaOnly = stats.every(
      s =>
        ((s?.Metric ?? {}) as Record<string, unknown>).Namespace ===
        'AWS/Lambda'
    )
    if (queries.length > 0 && lambdaOnly) {
      await Promise.all([...pending])
      const start = toMs(input.StartTime)
      const end = toMs(input.EndTime)
      if (start === undefined || end === undefined)
        return cloudwatchError(
          res,
          'InvalidParameterValue',
          'StartTime and EndTime are required.'
        )
      const results = queries.map((raw, i) => {
        const q = (raw ?? {}) as Record<string, unknown>
        const ms = stats[i] ?? {}
        const metric = (ms.Metric ?? {}) as Record<string, unknown>
        const stat = STATS.includes(ms.Stat as Stat) ? (ms.Stat as Stat) : 'Sum'
        const got = buckets(points, {
          region,
          name: str(metric.MetricName),
          dims: dimsOf(metric.Dimensions),
          start,
          end,
          periodS: Number(ms.Period) > 0 ? Number(ms.Period) : 60
        }).reverse() // newest first, as TimestampDescending (the default) orders them
        return {
          Id: str(q.Id, `m${i}`),
          Label: str(q.Label, str(metric.MetricName)),
          Timestamps: got.map(b => b.ts / 1000),
          Values: got.map(b => statOf(b.values, stat)),
          StatusCode: 'Complete'
        }
      })
      return sendJson(res, 200, { MetricDataResults: results, Messages: [] })
    }
  }
  if (op === 'PutMetricAlarm' && typeof input.AlarmName === 'string')
    return putMetricAlarm(req, res, body, region, input.AlarmName)
  relay(res, await forwardToMoto(req, body))
}

const motoClients = new Map<string, CloudWatchClient>()

function motoCloudWatch(region: string): CloudWatchClient {
  let c = motoClients.get(region)
  if (c === undefined) {
    c = new CloudWatchClient({
      region,
      endpoint: `http://${HOST}:${MOTO_PORT}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1
    })
    motoClients.set(region, c)
  }
  return c
}

/** PutMetricAlarm through moto; a new alarm then starts in INSUFFICIENT_DATA, as on AWS. */
async function putMetricAlarm(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  region: string,
  name: string
): Promise<void> {
  const cw = motoCloudWatch(region)
  const existed =
    ((await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] })))
      .MetricAlarms?.length ?? 0) > 0
  const answer = await forwardToMoto(req, body)
  if (answer.status < 300 && !existed)
    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: name,
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'Unchecked: Initial alarm creation'
      })
    )
  relay(res, answer)
}
