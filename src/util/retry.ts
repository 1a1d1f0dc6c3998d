import type { Timing } from './time.js'

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number
  /** First delay; doubles each time up to maxDelayMs, with jitter. */
  baseDelayMs: number
  maxDelayMs: number
  /** Whether this error is worth another attempt. */
  retryable: (error: unknown) => boolean
  /** Called before each wait, e.g. to log. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void
}

/**
 * The delay before retry number `attempt` (1-based): the capped exponential
 * ceiling, half of it fixed and half random ("equal jitter").
 */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** Run `operation`, retrying errors `retryable` accepts with bounded backoff. */
export async function retry<T>(
  operation: () => Promise<T>,
  options: RetryOptions,
  timing: Pick<Timing, 'sleep' | 'random'>
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation()
    } catch (error) {
      if (attempt >= options.attempts || !options.retryable(error)) throw error
      const delay = backoffDelay(
        attempt,
        options.baseDelayMs,
        options.maxDelayMs,
        timing.random
      )
      options.onRetry?.(error, attempt, delay)
      await timing.sleep(delay)
    }
  }
}
