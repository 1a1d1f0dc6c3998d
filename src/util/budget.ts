import type { Timing } from './time.js'

/** Permission to make one API call, shared by everything that polls. */
export interface CallBudget {
  /** Resolves when one call may be made; the caller makes it right away. */
  take(): Promise<void>
}

/**
 * At most `perSecond` calls in any one-second window, in all, for every
 * caller that shares the budget: Lambda's control-plane rate limits are per
 * account and region, so concurrent waits must not add up past them.
 * Callers are served in the order they asked. A fractional rate above 1 is
 * rounded down; below 1 it spaces calls 1/perSecond seconds apart.
 */
export function callBudget(perSecond: number, timing: Timing): CallBudget {
  if (!Number.isFinite(perSecond) || perSecond <= 0) {
    throw new Error(`callBudget: perSecond must be above 0, got ${perSecond}`)
  }
  const callsPerWindow = Math.max(1, Math.floor(perSecond))
  const windowMs = perSecond >= 1 ? 1000 : 1000 / perSecond
  // When the last callsPerWindow calls were granted, oldest first.
  const granted: number[] = []
  let queue: Promise<void> = Promise.resolve()

  const grant = async (): Promise<void> => {
    for (;;) {
      const now = timing.now()
      while (granted.length > 0 && (granted[0] ?? 0) <= now - windowMs) {
        granted.shift()
      }
      if (granted.length < callsPerWindow) {
        granted.push(now)
        return
      }
      await timing.sleep((granted[0] ?? now) + windowMs - now)
    }
  }

  return {
    take: () => {
      const turn = queue.then(grant)
      queue = turn.catch(() => undefined)
      return turn
    }
  }
}

/** No limit: for callers that poll alone. */
export const UNLIMITED: CallBudget = { take: () => Promise.resolve() }
