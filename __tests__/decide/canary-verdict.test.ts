import { describe, expect, it } from '@jest/globals'
import {
  CLOUDWATCH_TIMING,
  canaryVerdict,
  metricsTiming,
  metricsWindow,
  minimumIntervalMs,
  signalVerdict,
  type SignalVerdict
} from '../../src/decide/canary-verdict.js'

const MIN = 60_000

describe('signalVerdict', () => {
  const budget = { maxErrorRatePercent: 5, minRequests: 20 }
  it.each<[number, number, SignalVerdict]>([
    // requests, failures, verdict
    [0, 0, 'inconclusive'],
    [19, 0, 'inconclusive'],
    [20, 0, 'pass'],
    [20, 1, 'pass'], // 5 %: at the limit, not above it
    [20, 2, 'fail'], // 10 %
    [100, 5, 'pass'],
    [100, 6, 'fail'],
    // Too few requests, but the failures alone exceed 5 % of the minimum:
    // 2 of 20 would be 10 % even if the missing ones had all succeeded.
    [3, 2, 'fail'],
    [3, 1, 'inconclusive'],
    [1000, 50, 'pass'],
    [1000, 51, 'fail']
  ])('%i requests, %i failed: %s', (requests, failures, verdict) => {
    expect(signalVerdict({ requests, failures }, budget)).toBe(verdict)
  })

  it.each<[number, number, number, number, SignalVerdict]>([
    // rate %, min, requests, failures
    [0, 1, 1, 0, 'pass'],
    [0, 1, 500, 1, 'fail'], // a zero budget: any failure fails
    [0, 1, 0, 0, 'inconclusive'],
    // No requests at all is never a pass, even with no minimum.
    [5, 0, 0, 0, 'inconclusive'],
    [100, 1, 10, 10, 'pass'], // everything may fail
    [0.5, 10, 400, 2, 'pass'],
    [0.5, 10, 400, 3, 'fail']
  ])(
    'rate %d %%, minimum %i: %i requests, %i failed → %s',
    (maxErrorRatePercent, minRequests, requests, failures, verdict) => {
      expect(
        signalVerdict(
          { requests, failures },
          { maxErrorRatePercent, minRequests }
        )
      ).toBe(verdict)
    }
  )
})

describe('canaryVerdict', () => {
  it.each<[SignalVerdict[], SignalVerdict]>([
    [[], 'inconclusive'],
    [['pass'], 'pass'],
    [['pass', 'inconclusive'], 'pass'], // the app logs no request lines
    [['inconclusive', 'inconclusive'], 'inconclusive'],
    [['pass', 'fail'], 'fail'],
    [['inconclusive', 'fail'], 'fail'],
    [['fail', 'pass', 'pass'], 'fail']
  ])('%j → %s', (verdicts, verdict) => {
    expect(canaryVerdict(verdicts)).toBe(verdict)
  })
})

describe('the interval CloudWatch needs', () => {
  it('is 5 minutes on AWS: 2 minutes of delay and 3 one-minute periods', () => {
    expect(CLOUDWATCH_TIMING).toEqual({ delayMs: 2 * MIN, periodMs: MIN })
    expect(minimumIntervalMs(CLOUDWATCH_TIMING)).toBe(5 * MIN)
  })

  it.each<[Record<string, string>, { delayMs: number; periodMs: number }]>([
    [{}, CLOUDWATCH_TIMING],
    [
      {
        LOCAL_AWS_CLOUDWATCH_DELAY_MS: '1500',
        LOCAL_AWS_CLOUDWATCH_PERIOD_S: '1'
      },
      { delayMs: 1500, periodMs: 1000 }
    ],
    // Both or nothing; anything not a whole number: AWS's timing.
    [{ LOCAL_AWS_CLOUDWATCH_DELAY_MS: '0' }, CLOUDWATCH_TIMING],
    [
      {
        LOCAL_AWS_CLOUDWATCH_DELAY_MS: '-1',
        LOCAL_AWS_CLOUDWATCH_PERIOD_S: '1'
      },
      CLOUDWATCH_TIMING
    ],
    [
      {
        LOCAL_AWS_CLOUDWATCH_DELAY_MS: '100',
        LOCAL_AWS_CLOUDWATCH_PERIOD_S: '0'
      },
      CLOUDWATCH_TIMING
    ],
    [
      {
        LOCAL_AWS_CLOUDWATCH_DELAY_MS: '1s',
        LOCAL_AWS_CLOUDWATCH_PERIOD_S: '1'
      },
      CLOUDWATCH_TIMING
    ]
  ])('the stand-in may shorten it: %j', (env, timing) => {
    expect(metricsTiming(env)).toEqual(timing)
  })

  it.each<[number, number, number, number]>([
    // shifted, ended → window start, end (ms past the hour)
    [0, 5 * MIN, 0, 3 * MIN],
    [30_000, 5 * MIN + 30_000, 0, 3 * MIN],
    [59_999, 6 * MIN, 0, 4 * MIN],
    // Shorter than the delay: an empty window, never a negative one.
    [10 * MIN, 11 * MIN, 10 * MIN, 10 * MIN]
  ])(
    'metrics of a canary from %i to %i: %i to %i',
    (shiftedAt, endedAt, startMs, endMs) => {
      const hour = Date.UTC(2026, 11, 6, 17)
      expect(
        metricsWindow(hour + shiftedAt, hour + endedAt, CLOUDWATCH_TIMING)
      ).toEqual({ startMs: hour + startMs, endMs: hour + endMs })
    }
  )
})
