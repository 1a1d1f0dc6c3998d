import type { Timing } from '../src/util/time.js'

export interface VirtualClock {
  /** Pass this wherever a `Timing` is expected. */
  timing: Timing
  /**
   * Settle `work`, moving the clock from timer to timer: each `sleep` ends
   * at its own time, so concurrent sleeps overlap as they would for real
   * (unlike fakeTiming, whose sleeps add up one after another).
   */
  run: <T>(work: Promise<T>) => Promise<T>
}

interface Timer {
  at: number
  order: number
  wake: () => void
}

/** Let every pending promise continuation run. */
const settle = (): Promise<void> =>
  new Promise(resolve => setImmediate(resolve))

/** A clock for concurrent code: sleeps are timers on a virtual timeline. */
export function virtualClock(start = 0, random = 0.5): VirtualClock {
  let now = start
  let order = 0
  const timers: Timer[] = []
  const timing: Timing = {
    now: () => now,
    random: () => random,
    sleep: ms =>
      new Promise(resolve => {
        timers.push({
          at: now + Math.max(0, ms),
          order: order++,
          wake: resolve
        })
      })
  }
  const run = async <T>(work: Promise<T>): Promise<T> => {
    let done = false
    const watched = work.finally(() => {
      done = true
    })
    // Keep an early rejection from being reported as unhandled.
    watched.catch(() => undefined)
    for (;;) {
      await settle()
      if (done) return watched
      timers.sort((a, b) => a.at - b.at || a.order - b.order)
      const next = timers.shift()
      if (next === undefined) {
        throw new Error('virtualClock: the work waits, but not on a timer')
      }
      now = next.at
      next.wake()
    }
  }
  return { timing, run }
}

/** The most calls in any one-second window [t, t + 1000). */
export function busiestSecond(times: number[]): number {
  return Math.max(
    0,
    ...times.map(
      start => times.filter(t => t >= start && t < start + 1000).length
    )
  )
}
