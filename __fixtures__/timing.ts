import type { Timing } from '../src/util/time.js'

export interface FakeTiming {
  /** Pass this wherever a `Timing` is expected. */
  timing: Timing
  /** Every `sleep(ms)` asked for, in order. */
  sleeps: number[]
  /** Move the clock forward without a sleep (work that takes time). */
  advance: (ms: number) => void
}

export interface FakeTimingOptions {
  /** What `now()` returns before any sleep or advance. Default 0. */
  start?: number
  /**
   * What `random()` returns: a constant, or a function called each time.
   * Default 0.5.
   */
  random?: number | (() => number)
}

/**
 * A clock that never waits: `sleep(ms)` records `ms`, moves `now()` forward
 * by it and resolves at once.
 */
export function fakeTiming(options: FakeTimingOptions = {}): FakeTiming {
  let now = options.start ?? 0
  const sleeps: number[] = []
  const random = options.random ?? 0.5
  const timing: Timing = {
    sleep: ms => {
      sleeps.push(ms)
      now += ms
      return Promise.resolve()
    },
    now: () => now,
    random: typeof random === 'number' ? () => random : random
  }
  return {
    timing,
    sleeps,
    advance: ms => {
      now += ms
    }
  }
}
