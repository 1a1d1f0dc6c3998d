import { describe, expect, it } from '@jest/globals'
import {
  again,
  done,
  poll,
  throttled,
  type PollAttempt,
  type PollOptions,
  type PollStep
} from '../../src/util/poll.js'
import { backoffDelay } from '../../src/util/retry.js'
import { fakeTiming } from '../../__fixtures__/timing.js'
import { virtualClock } from '../../__fixtures__/virtual-clock.js'

type Script = Array<PollStep<string> | Error>

/**
 * An attempt that plays `script` one step per call (an Error is thrown),
 * then repeats `again`; every call's argument and clock time is recorded.
 */
function scripted(
  script: Script,
  now: () => number
): {
  attempt: (at: PollAttempt) => Promise<PollStep<string>>
  calls: Array<PollAttempt & { at: number }>
} {
  const calls: Array<PollAttempt & { at: number }> = []
  const attempt = (at: PollAttempt): Promise<PollStep<string>> => {
    calls.push({ ...at, at: now() })
    const step = script.shift() ?? again
    return step instanceof Error ? Promise.reject(step) : Promise.resolve(step)
  }
  return { attempt, calls }
}

describe('poll', () => {
  it.each<[string, Script, PollOptions, object, number[]]>([
    [
      'passes on the first try without waiting',
      [done('ok')],
      { timeoutMs: 10_000, intervalMs: 500 },
      { kind: 'done', value: 'ok', attempts: 1 },
      []
    ],
    [
      'waits the interval between attempts until one is done',
      [again, again, done('ok')],
      { timeoutMs: 10_000, intervalMs: 500 },
      { kind: 'done', value: 'ok', attempts: 3 },
      [500, 500]
    ],
    [
      'reaches the deadline, the last wait cut short to end on it',
      [],
      { timeoutMs: 1_200, intervalMs: 500 },
      { kind: 'deadline', attempts: 4, elapsedMs: 1_200 },
      [500, 500, 200]
    ],
    [
      'makes one attempt even with no time at all',
      [],
      { timeoutMs: 0, intervalMs: 500 },
      { kind: 'deadline', attempts: 1, elapsedMs: 0 },
      []
    ],
    [
      'doubles the wait while throttled, up to the cap, and goes back after',
      [throttled(), throttled(), throttled(), again, done('ok')],
      { timeoutMs: 60_000, intervalMs: 500, maxIntervalMs: 3_000 },
      { kind: 'done', value: 'ok', attempts: 5 },
      [1_000, 2_000, 3_000, 500]
    ],
    [
      'doubles the wait it had before the throttling',
      [again, throttled(), done('ok')],
      {
        timeoutMs: 60_000,
        // Doubling the wait for attempt 2 instead would give 200.
        intervalMs: n => (n === 1 ? 1_000 : 100),
        maxIntervalMs: 10_000
      },
      { kind: 'done', value: 'ok', attempts: 3 },
      [1_000, 2_000]
    ],
    [
      'still stops at the deadline when every attempt is throttled',
      [throttled(), throttled(), throttled(), throttled(), throttled()],
      { timeoutMs: 5_000, intervalMs: 500 },
      { kind: 'deadline', attempts: 4, elapsedMs: 5_000 },
      [1_000, 2_000, 2_000]
    ],
    [
      'takes a wait that depends on the attempts made so far',
      [again, again, again, done('ok')],
      { timeoutMs: 60_000, intervalMs: n => n * 100 },
      { kind: 'done', value: 'ok', attempts: 4 },
      [100, 200, 300]
    ],
    [
      'waits first when asked to, ending on the deadline',
      [],
      { timeoutMs: 2_500, intervalMs: 1_000, waitFirst: true },
      { kind: 'deadline', attempts: 3, elapsedMs: 2_500 },
      [1_000, 1_000, 500]
    ],
    [
      'makes no attempt when asked to wait first and there is no time',
      [],
      { timeoutMs: 0, intervalMs: 1_000, waitFirst: true },
      { kind: 'deadline', attempts: 0, elapsedMs: 0 },
      []
    ]
  ])('%s', async (_, script, options, outcome, sleeps) => {
    const clock = fakeTiming()
    const { attempt } = scripted(script, clock.timing.now)
    await expect(poll(attempt, options, clock.timing)).resolves.toEqual(outcome)
    expect(clock.sleeps).toEqual(sleeps)
  })

  it('stops at once when an attempt throws, and throws that error', async () => {
    const clock = fakeTiming()
    const cannotHeal = new Error('access denied')
    const { attempt, calls } = scripted(
      [again, cannotHeal, done('never')],
      clock.timing.now
    )
    await expect(
      poll(attempt, { timeoutMs: 60_000, intervalMs: 500 }, clock.timing)
    ).rejects.toBe(cannotHeal)
    expect(calls).toHaveLength(2)
    expect(clock.sleeps).toEqual([500])
  })

  it('says how much time is left to each attempt, on the injected clock', async () => {
    const clock = fakeTiming({ start: 1_000_000 })
    const { attempt, calls } = scripted([again, again], clock.timing.now)
    const outcome = await poll(
      async at => {
        // Work that takes time counts against the deadline.
        clock.advance(300)
        return attempt(at)
      },
      { timeoutMs: 2_000, intervalMs: 500 },
      clock.timing
    )
    expect(calls).toEqual([
      { attempt: 1, remainingMs: 2_000, at: 1_000_300 },
      { attempt: 2, remainingMs: 1_200, at: 1_001_100 },
      { attempt: 3, remainingMs: 400, at: 1_001_900 },
      { attempt: 4, remainingMs: 0, at: 1_002_300 }
    ])
    expect(outcome).toEqual({ kind: 'deadline', attempts: 4, elapsedMs: 2_300 })
    expect(clock.sleeps).toEqual([500, 500, 100])
  })

  it('tells each throttled attempt the wait it leads to, with its error', async () => {
    const clock = fakeTiming()
    const rate = new Error('Rate exceeded')
    const { attempt } = scripted(
      [throttled(rate), throttled(), done('ok')],
      clock.timing.now
    )
    const told: Array<[unknown, number]> = []
    await poll(
      attempt,
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        maxIntervalMs: 800,
        onThrottled: (error, next) => told.push([error, next])
      },
      clock.timing
    )
    expect(told).toEqual([
      [rate, 500],
      [undefined, 800]
    ])
  })

  it('draws a backoff’s jitter only for a wait it makes', async () => {
    let draws = 0
    const clock = fakeTiming({
      random: () => {
        draws++
        return 0.5
      }
    })
    const { attempt } = scripted([], clock.timing.now)
    const outcome = await poll(
      attempt,
      {
        timeoutMs: 2_000,
        intervalMs: n => backoffDelay(n, 1_000, 5_000, clock.timing.random)
      },
      clock.timing
    )
    // 750, then 1500 cut to 1250; the attempt at the deadline draws none.
    expect(clock.sleeps).toEqual([750, 1_250])
    expect(outcome).toMatchObject({ kind: 'deadline', attempts: 3 })
    expect(draws).toBe(2)
  })

  it('checks every N ms until the period ends, stopping on the first failure (the canary)', async () => {
    const clock = virtualClock()
    const checkTimes: number[] = []
    const failAt = 3
    const work = poll(
      ({ attempt }) => {
        checkTimes.push(clock.timing.now())
        if (attempt === failAt) throw new Error(`check ${attempt} failed`)
        return Promise.resolve(again)
      },
      { timeoutMs: 10_000, intervalMs: 2_500, waitFirst: true },
      clock.timing
    )
    await expect(clock.run(work)).rejects.toThrow('check 3 failed')
    expect(checkTimes).toEqual([2_500, 5_000, 7_500])
  })

  it('runs the whole period when every canary check passes', async () => {
    const clock = virtualClock()
    const checkTimes: number[] = []
    const outcome = await clock.run(
      poll(
        () => {
          checkTimes.push(clock.timing.now())
          return Promise.resolve(again)
        },
        { timeoutMs: 10_000, intervalMs: 3_000, waitFirst: true },
        clock.timing
      )
    )
    expect(checkTimes).toEqual([3_000, 6_000, 9_000, 10_000])
    expect(outcome).toEqual({
      kind: 'deadline',
      attempts: 4,
      elapsedMs: 10_000
    })
  })
})
