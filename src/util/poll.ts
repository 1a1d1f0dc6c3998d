import type { Timing } from './time.js'

/** What one attempt found. */
export type PollStep<T> =
  /** Finished: it passed, or failed in a way no further attempt can fix. */
  | { kind: 'done'; value: T }
  /** Not yet: try again after the interval. */
  | { kind: 'again' }
  /** Not yet, and the service asked us to call less often. */
  | { kind: 'throttled'; error?: unknown }

export const done = <T>(value: T): PollStep<T> => ({ kind: 'done', value })
export const again: PollStep<never> = { kind: 'again' }
export const throttled = (error?: unknown): PollStep<never> => ({
  kind: 'throttled',
  ...(error !== undefined && { error })
})

export interface PollAttempt {
  /** 1-based. */
  attempt: number
  /** Time left before the deadline as this attempt starts (0 or more). */
  remainingMs: number
}

export type PollOutcome<T> =
  | { kind: 'done'; value: T; attempts: number }
  /** The deadline came before any attempt was done. */
  | { kind: 'deadline'; attempts: number; elapsedMs: number }

export interface PollOptions {
  /** How long, from the call, attempts go on. */
  timeoutMs: number
  /**
   * The wait after an attempt that is not done: a fixed time, or one that
   * depends on the number of attempts made so far (e.g. a backoff). The last
   * wait is cut short so that the final attempt happens at the deadline.
   */
  intervalMs: number | ((attempts: number) => number)
  /**
   * The longest wait once throttled: each throttled attempt doubles the
   * previous wait up to this, and the next answer that is not throttled goes
   * back to `intervalMs`. Unbounded by default (the deadline still is).
   */
  maxIntervalMs?: number
  /** Called on each throttled attempt with the wait it leads to. */
  onThrottled?: (error: unknown, nextDelayMs: number) => void
  /**
   * Wait one interval before the first attempt too, for checks that watch
   * something over a period ("every N ms until the period ends"): no attempt
   * is made when `timeoutMs` is 0 or less.
   */
  waitFirst?: boolean
}

/**
 * Try until an attempt is done or the deadline comes. An attempt that throws
 * ends the poll at once with its error: throw what no retry can heal.
 */
export async function poll<T>(
  attempt: (at: PollAttempt) => Promise<PollStep<T>>,
  options: PollOptions,
  timing: Pick<Timing, 'now' | 'sleep'>
): Promise<PollOutcome<T>> {
  const started = timing.now()
  const { intervalMs } = options
  const interval = (attempts: number): number =>
    typeof intervalMs === 'number' ? intervalMs : intervalMs(attempts)
  let attempts = 0
  /** The last wait asked for, which a throttled attempt doubles. */
  let lastDelay: number | undefined

  /** Wait `delay` unless the deadline has come: then, the time elapsed. */
  const pause = async (delay: () => number): Promise<number | undefined> => {
    const elapsed = timing.now() - started
    if (elapsed >= options.timeoutMs) return elapsed
    // Only now, so that a backoff's jitter is drawn only for a real wait.
    const ms = delay()
    lastDelay = ms
    await timing.sleep(Math.min(ms, options.timeoutMs - elapsed))
    return undefined
  }

  if (options.waitFirst === true) {
    const elapsed = await pause(() => interval(0))
    if (elapsed !== undefined)
      return { kind: 'deadline', attempts, elapsedMs: elapsed }
  }
  for (;;) {
    attempts++
    const remainingMs = Math.max(
      0,
      options.timeoutMs - (timing.now() - started)
    )
    const step = await attempt({ attempt: attempts, remainingMs })
    if (step.kind === 'done') {
      return { kind: 'done', value: step.value, attempts }
    }
    let next: () => number = () => interval(attempts)
    if (step.kind === 'throttled') {
      const slower = Math.min(
        options.maxIntervalMs ?? Number.POSITIVE_INFINITY,
        (lastDelay ?? interval(attempts)) * 2
      )
      options.onThrottled?.(step.error, slower)
      next = () => slower
    }
    const elapsed = await pause(next)
    if (elapsed !== undefined)
      return { kind: 'deadline', attempts, elapsedMs: elapsed }
  }
}
