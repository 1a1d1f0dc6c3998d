/**
 * How a canary is judged by the traffic its new version really served
 * (pure): each signal's verdict from its counts, the canary's from its
 * signals, and how long the interval must be for CloudWatch's metrics to
 * say anything about it.
 */

/** What one signal counted for the new version during the interval. */
export interface SignalCounts {
  /** Requests (or invocations) the new version served. */
  requests: number
  /** Of those, the failed ones (5xx answers, function errors, throttles). */
  failures: number
}

export type SignalVerdict = 'pass' | 'fail' | 'inconclusive'

/** canary-max-error-rate and canary-min-requests. */
export interface ErrorBudget {
  /** Percent of the requests that may fail (0 to 100). */
  maxErrorRatePercent: number
  /** Fewer real requests than this: the signal cannot tell. */
  minRequests: number
}

/**
 * fail: the failures exceed the rate even counted against the minimum
 * number of requests (3 failures of 3 requests fail a 10 % budget with a
 * minimum of 20: they would be 15 % of 20 successful-otherwise requests);
 * inconclusive: fewer requests than the minimum (or none); pass otherwise.
 */
export function signalVerdict(
  counts: SignalCounts,
  budget: ErrorBudget
): SignalVerdict {
  const base = Math.max(counts.requests, budget.minRequests)
  if (counts.failures * 100 > budget.maxErrorRatePercent * base) return 'fail'
  if (counts.requests === 0 || counts.requests < budget.minRequests)
    return 'inconclusive'
  return 'pass'
}

/**
 * The canary's verdict from its signals': any failing signal fails it; else
 * any conclusive one passes it (an app that logs no request lines leaves
 * the log signal inconclusive, Lambda's metrics still tell); else it is
 * inconclusive.
 */
export function canaryVerdict(
  verdicts: readonly SignalVerdict[]
): SignalVerdict {
  if (verdicts.includes('fail')) return 'fail'
  if (verdicts.includes('pass')) return 'pass'
  return 'inconclusive'
}

/**
 * When CloudWatch has Lambda's metrics of a moment: "Lambda sends metric
 * data to CloudWatch in 1-minute intervals" (AWS Lambda Developer Guide,
 * "Using CloudWatch metrics with Lambda", monitoring-metrics.html), so a
 * minute's data points arrive after that minute ends, and CloudWatch makes
 * them readable some time later still. Lambda's metrics are of regular
 * resolution: "a period can be as short as one minute (60 seconds) and must
 * be a multiple of 60" (CloudWatch API Reference, GetMetricStatistics and
 * GetMetricData, Period), so no read or alarm sees less than a minute.
 */
export interface MetricsTiming {
  /** How long after a minute ends its data points are read: 2 minutes. */
  delayMs: number
  /** The metrics' period: 60 s. */
  periodMs: number
}

export const CLOUDWATCH_TIMING: MetricsTiming = {
  delayMs: 120_000,
  periodMs: 60_000
}

/** Periods of the new version's traffic the metric signals must see at least. */
export const MIN_JUDGED_PERIODS = 3

/**
 * The shortest canary-interval with alarms or metric signals: the delay
 * (the last 2 minutes' data points are not there yet when the interval
 * ends) plus 3 one-minute periods to judge — 5 minutes on AWS. Shorter,
 * the metrics read at its end would cover less than a minute or nothing,
 * and an alarm with a 1-minute period would barely have evaluated once.
 */
export function minimumIntervalMs(timing: MetricsTiming): number {
  return timing.delayMs + MIN_JUDGED_PERIODS * timing.periodMs
}

/**
 * The stretch of the interval whose metrics are complete when it ends:
 * from the period the shift happened in to the last period that ended
 * `delayMs` before the end.
 */
export function metricsWindow(
  shiftedAt: number,
  endedAt: number,
  timing: MetricsTiming
): { startMs: number; endMs: number } {
  const floor = (ms: number): number =>
    Math.floor(ms / timing.periodMs) * timing.periodMs
  const startMs = floor(shiftedAt)
  return { startMs, endMs: Math.max(startMs, floor(endedAt - timing.delayMs)) }
}

/**
 * The stand-in's CloudWatch is as quick as it is told to be
 * (test/local-aws: LOCAL_AWS_CLOUDWATCH_DELAY_MS and
 * LOCAL_AWS_CLOUDWATCH_PERIOD_S, named only by its docs): a test can then
 * run a canary judged by metrics in seconds. Anything else: AWS's timing.
 */
export function metricsTiming(env: NodeJS.ProcessEnv): MetricsTiming {
  const delay = Number(env.LOCAL_AWS_CLOUDWATCH_DELAY_MS)
  const period = Number(env.LOCAL_AWS_CLOUDWATCH_PERIOD_S)
  if (
    env.LOCAL_AWS_CLOUDWATCH_DELAY_MS === undefined ||
    env.LOCAL_AWS_CLOUDWATCH_PERIOD_S === undefined ||
    !Number.isInteger(delay) ||
    delay < 0 ||
    !Number.isInteger(period) ||
    period < 1
  )
    return CLOUDWATCH_TIMING
  return { delayMs: delay, periodMs: period * 1000 }
}
