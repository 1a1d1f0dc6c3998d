/**
 * The readers every input reader shares, so that each kind of value (a list,
 * KEY=VALUE lines, a boolean, a duration) is parsed and reported one way.
 * Pure: the raw text comes from an InputReader.
 */
import { parseDuration } from '../util/time.js'

/** The shortest and longest a duration input may be, as durations. */
export interface DurationRange {
  min: string
  max: string
}

/** The raw text of an input: core.getInput in the action, a map in tests. */
export type InputReader = (name: string) => string

/** A reader's part of the inputs and its problems, in the order found. */
export interface Parsed<T> {
  value: T
  problems: string[]
}

const KEY_VALUE = /^[^=\s][^=]*=/

/** The lines of a multiline input, trimmed, without blank lines and # comments. */
export function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '' && !line.startsWith('#'))
}

/** Whether `text` is one of `choices`, narrowing it to their type. */
export function isOneOf<T extends string>(
  choices: readonly T[],
  text: string
): text is T {
  return (choices as readonly string[]).includes(text)
}

/** Reads inputs and collects the problems with them. */
export interface Fields {
  /** What was wrong so far, in the order the inputs were read. */
  readonly problems: string[]
  /** The trimmed text ('' when not given). */
  text: (name: string) => string
  /** The trimmed text, or undefined when not given. */
  optional: (name: string) => string | undefined
  lines: (name: string) => string[]
  /** KEY=VALUE lines (build-args, labels). */
  keyValues: (name: string) => string[]
  /** true or false, any case; `fallback` when not given or not a boolean. */
  boolean: (name: string, fallback: boolean) => boolean
  /**
   * Milliseconds; `fallback`'s when not given, not a positive duration or
   * outside `range` (both ends included).
   */
  duration: (name: string, fallback: string, range?: DurationRange) => number
  /** The reader's result: `value` with the problems found. */
  parsed: <T>(value: T) => Parsed<T>
}

export function fields(read: InputReader): Fields {
  const problems: string[] = []
  const text = (name: string): string => read(name).trim()
  const optional = (name: string): string | undefined => {
    const value = text(name)
    return value === '' ? undefined : value
  }
  return {
    problems,
    text,
    optional,
    lines: name => lines(read(name)),
    keyValues: name => {
      const values = lines(read(name))
      for (const value of values) {
        if (!KEY_VALUE.test(value)) {
          problems.push(`${name}: "${value}" is not KEY=VALUE (one per line).`)
        }
      }
      return values
    },
    boolean: (name, fallback) => {
      const value = optional(name)
      if (value === undefined) return fallback
      if (/^true$/i.test(value)) return true
      if (/^false$/i.test(value)) return false
      problems.push(`${name} "${value}" must be true or false.`)
      return fallback
    },
    duration: (name, fallback, range) => {
      const value = optional(name) ?? fallback
      const ms = parseDuration(value)
      if (ms === undefined || ms <= 0) {
        problems.push(
          `${name} "${value}" is not a duration: use a number of seconds or forms like 90s, 5m, 1m30s, 1h.`
        )
        return parseDuration(fallback) ?? 0
      }
      if (range !== undefined && !inRange(ms, range)) {
        problems.push(
          `${name} "${value}" must be from ${range.min} to ${range.max}.`
        )
        return parseDuration(fallback) ?? 0
      }
      return ms
    },
    parsed: value => ({ value, problems })
  }
}

function inRange(ms: number, range: DurationRange): boolean {
  const min = parseDuration(range.min) ?? 0
  const max = parseDuration(range.max) ?? 0
  return ms >= min && ms <= max
}
