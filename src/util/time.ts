/** Time is a dependency: injected so waits and retries run instantly in tests. */
export type Sleep = (ms: number) => Promise<void>
export type Clock = () => number

export const realSleep: Sleep = ms =>
  new Promise(resolve => setTimeout(resolve, ms))
export const realClock: Clock = () => Date.now()

export interface Timing {
  sleep: Sleep
  now: Clock
  /** Random number in [0, 1), for jitter. */
  random: () => number
}

export const realTiming: Timing = {
  sleep: realSleep,
  now: realClock,
  random: Math.random
}

const DURATION =
  /^(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?(?:(?<ms>\d+)ms)?$/

/**
 * Parse a duration such as `90s`, `5m`, `1m30s`, `1h`, `500ms` or a plain
 * number of seconds. Returns milliseconds, or undefined when it is not one.
 */
export function parseDuration(text: string): number | undefined {
  const value = text.trim()
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const match = DURATION.exec(value)
  if (match?.groups === undefined || value === '') return undefined
  const { h, m, s, ms } = match.groups
  return (
    Number(h ?? 0) * 3_600_000 +
    Number(m ?? 0) * 60_000 +
    Number(s ?? 0) * 1000 +
    Number(ms ?? 0)
  )
}

export function formatDuration(ms: number): string {
  // Round before choosing the unit, so a value just under a boundary never
  // prints as "1000ms", "60.0s" or "1m60s".
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`
  const tenths = Math.round(ms / 100)
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`
}
