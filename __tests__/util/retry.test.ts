import { describe, expect, it, jest } from '@jest/globals'
import { backoffDelay, retry, type RetryOptions } from '../../src/util/retry.js'
import { fakeTiming } from '../../__fixtures__/timing.js'

class Throttled extends Error {
  override name = 'Throttled'
}

const options = (overrides: Partial<RetryOptions> = {}): RetryOptions => ({
  attempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  retryable: error => error instanceof Throttled,
  ...overrides
})

/** An operation that throws each of `failures` in turn, then returns `value`. */
function failing<T>(
  failures: Error[],
  value: T
): { operation: () => Promise<T>; calls: () => number } {
  let calls = 0
  return {
    operation: () => {
      const failure = failures[calls]
      calls++
      return failure === undefined
        ? Promise.resolve(value)
        : Promise.reject(failure)
    },
    calls: () => calls
  }
}

describe('backoffDelay', () => {
  // Ceiling: base * 2^(attempt-1), capped; delay in [ceiling/2, ceiling].
  it.each([
    [1, 0, 50],
    [1, 0.999_999, 100],
    [2, 0, 100],
    [2, 0.999_999, 200],
    [3, 0.5, 300],
    [4, 0, 400],
    [4, 0.999_999, 800],
    [5, 0, 500], // 1600 capped at 1000
    [5, 0.999_999, 1_000],
    [40, 0.999_999, 1_000]
  ])(
    'attempt %p with random %p → %p ms (base 100, cap 1000)',
    (attempt, random, expected) => {
      expect(backoffDelay(attempt, 100, 1_000, () => random)).toBe(expected)
    }
  )

  it.each([1, 2, 3, 4, 5, 6, 10])(
    'stays within [ceiling/2, ceiling] at attempt %p',
    attempt => {
      const ceiling = Math.min(1_000, 100 * 2 ** (attempt - 1))
      for (const random of [0, 0.25, 0.5, 0.75, 0.999_999]) {
        const delay = backoffDelay(attempt, 100, 1_000, () => random)
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2)
        expect(delay).toBeLessThanOrEqual(ceiling)
      }
    }
  )
})

describe('retry', () => {
  it('returns the first success without sleeping', async () => {
    const { timing, sleeps } = fakeTiming()
    const { operation, calls } = failing([], 'done')
    await expect(retry(operation, options(), timing)).resolves.toBe('done')
    expect(calls()).toBe(1)
    expect(sleeps).toEqual([])
  })

  it('retries retryable errors with growing delays until it succeeds', async () => {
    const { timing, sleeps } = fakeTiming({ random: 0 })
    const { operation, calls } = failing(
      [new Throttled('1'), new Throttled('2')],
      'done'
    )
    await expect(retry(operation, options(), timing)).resolves.toBe('done')
    expect(calls()).toBe(3)
    expect(sleeps).toEqual([50, 100])
  })

  it('rethrows a non-retryable error at once', async () => {
    const { timing, sleeps } = fakeTiming()
    const fatal = new Error('AccessDenied')
    const { operation, calls } = failing([fatal], 'never')
    await expect(retry(operation, options(), timing)).rejects.toBe(fatal)
    expect(calls()).toBe(1)
    expect(sleeps).toEqual([])
  })

  it('stops a run of retryable errors at a later non-retryable one', async () => {
    const { timing, sleeps } = fakeTiming({ random: 0 })
    const fatal = new Error('ValidationException')
    const { operation, calls } = failing([new Throttled('1'), fatal], 'never')
    await expect(retry(operation, options(), timing)).rejects.toBe(fatal)
    expect(calls()).toBe(2)
    expect(sleeps).toEqual([50])
  })

  it('gives up after `attempts` attempts with the last error', async () => {
    const { timing, sleeps } = fakeTiming({ random: 0.999_999 })
    const errors = [1, 2, 3, 4, 5, 6].map(n => new Throttled(`try ${n}`))
    const { operation, calls } = failing(errors, 'never')
    await expect(
      retry(operation, options({ attempts: 4 }), timing)
    ).rejects.toBe(errors[3])
    expect(calls()).toBe(4)
    expect(sleeps).toEqual([100, 200, 400])
  })

  it('makes a single attempt when attempts is 1', async () => {
    const { timing, sleeps } = fakeTiming()
    const throttled = new Throttled('once')
    const { operation, calls } = failing([throttled], 'never')
    await expect(
      retry(operation, options({ attempts: 1 }), timing)
    ).rejects.toBe(throttled)
    expect(calls()).toBe(1)
    expect(sleeps).toEqual([])
  })

  it('caps the delay at maxDelayMs', async () => {
    const { timing, sleeps } = fakeTiming({ random: 0.999_999 })
    const errors = [1, 2, 3, 4, 5].map(n => new Throttled(`try ${n}`))
    const { operation } = failing(errors, 'done')
    await retry(
      operation,
      options({ attempts: 6, baseDelayMs: 300, maxDelayMs: 1_000 }),
      timing
    )
    expect(sleeps).toEqual([300, 600, 1_000, 1_000, 1_000])
  })

  it('calls onRetry with the error, attempt number and delay before each sleep', async () => {
    const { timing, sleeps } = fakeTiming({ random: 0 })
    const first = new Throttled('1')
    const second = new Throttled('2')
    const onRetry = jest.fn(
      (_error: unknown, _attempt: number, _delay: number) => {
        // The sleep for this retry has not happened yet.
        expect(sleeps).toHaveLength(onRetry.mock.calls.length - 1)
      }
    )
    const { operation } = failing([first, second], 'done')
    await retry(operation, options({ onRetry }), timing)
    expect(onRetry.mock.calls).toEqual([
      [first, 1, 50],
      [second, 2, 100]
    ])
    expect(sleeps).toEqual([50, 100])
  })
})
