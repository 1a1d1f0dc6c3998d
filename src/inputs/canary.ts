/**
 * canary-alarms, canary-max-error-rate, canary-min-requests and
 * canary-on-inconclusive: what judges a canary by its real traffic.
 */
import {
  metricsTiming,
  MIN_JUDGED_PERIODS,
  minimumIntervalMs
} from '../decide/canary-verdict.js'
import { formatDuration } from '../util/time.js'
import { fields, type InputReader, type Parsed } from './readers.js'
import type { CanaryJudging } from './types.js'

/**
 * CloudWatch alarm names: 1 to 255 characters, no ASCII control
 * characters (CloudWatch API Reference, PutMetricAlarm: AlarmName).
 */
// eslint-disable-next-line no-control-regex
const ALARM_NAME = /^[^\u0000-\u001f\u007f]{1,255}$/

export const MAX_ALARMS = 100
export const DEFAULT_MAX_ERROR_RATE = 1
export const DEFAULT_MIN_REQUESTS = 10

/** The judging inputs; `intervalMs` undefined: there is no canary. */
export function readCanaryJudging(
  read: InputReader,
  env: NodeJS.ProcessEnv,
  intervalMs: number | undefined
): Parsed<CanaryJudging | undefined> {
  const { optional, lines, problems, parsed } = fields(read)
  const alarms = [...new Set(lines('canary-alarms'))]
  const rateText = optional('canary-max-error-rate')?.replace(/%$/, '')
  const minText = optional('canary-min-requests')
  const onInconclusive = optional('canary-on-inconclusive') ?? 'promote'

  for (const name of alarms) {
    if (!ALARM_NAME.test(name))
      problems.push(
        `canary-alarms "${name}" is not a CloudWatch alarm name: 1 to 255 characters without control characters, one name per line.`
      )
  }
  if (alarms.length > MAX_ALARMS)
    problems.push(
      `canary-alarms names ${alarms.length} alarms: at most ${MAX_ALARMS}.`
    )
  const rate = Number(rateText ?? DEFAULT_MAX_ERROR_RATE)
  if (
    rateText !== undefined &&
    (!/^\d+(?:\.\d+)?$/.test(rateText) || rate > 100)
  )
    problems.push(
      `canary-max-error-rate "${rateText}" must be a percentage from 0 to 100 (for example 1 or 0.5).`
    )
  const minRequests = Number(minText ?? DEFAULT_MIN_REQUESTS)
  if (minText !== undefined && !(/^\d+$/.test(minText) && minRequests >= 1))
    problems.push(
      `canary-min-requests "${minText}" must be a whole number of requests, at least 1 (for example 20).`
    )
  if (onInconclusive !== 'promote' && onInconclusive !== 'fail')
    problems.push(
      `canary-on-inconclusive "${onInconclusive}" must be promote or fail.`
    )
  const signalsAsked = rateText !== undefined || minText !== undefined
  if (onInconclusive === 'fail' && !signalsAsked)
    problems.push(
      'canary-on-inconclusive: fail needs the built-in signals: give canary-max-error-rate or canary-min-requests.'
    )
  const asked = alarms.length > 0 || signalsAsked
  if (!asked) return parsed(undefined)
  if (intervalMs === undefined) {
    problems.push(
      `${alarms.length > 0 ? 'canary-alarms' : rateText !== undefined ? 'canary-max-error-rate' : 'canary-min-requests'} needs canary-percent: it judges the canary's share of the alias's traffic (for example canary-percent: 10).`
    )
    return parsed(undefined)
  }
  const timing = metricsTiming(env)
  const minimum = minimumIntervalMs(timing)
  if (intervalMs < minimum) {
    const by = [
      alarms.length > 0 && 'canary-alarms',
      rateText !== undefined && 'canary-max-error-rate',
      minText !== undefined && 'canary-min-requests'
    ]
      .filter(Boolean)
      .join(' and ')
    problems.push(
      `canary-interval ${formatDuration(intervalMs)} is too short for ${by}: a canary judged by CloudWatch needs at least ${formatDuration(minimum)}. Lambda sends its metrics to CloudWatch every ${formatDuration(timing.periodMs)} and they are read ${formatDuration(timing.delayMs)} after that, so a shorter interval would judge less than ${MIN_JUDGED_PERIODS} periods of traffic, or none. Give canary-interval: ${formatDuration(minimum)} or more.`
    )
  }
  return parsed({
    alarms,
    signals: signalsAsked
      ? {
          maxErrorRatePercent: rate,
          minRequests,
          onInconclusive: onInconclusive === 'fail' ? 'fail' : 'promote'
        }
      : undefined
  })
}
