import { describe, expect, it } from '@jest/globals'
import { formatDuration, parseDuration } from '../../src/util/time.js'

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['1h2m3s4ms', 3_723_004],
    ['2m500ms', 120_500],
    ['45', 45_000],
    ['0', 0],
    ['  90s  ', 90_000]
  ])('%p → %p ms', (text, expected) => {
    expect(parseDuration(text)).toBe(expected)
  })

  it.each([
    '',
    '   ',
    '1.5s',
    '5 m',
    '5M',
    'm',
    's',
    '-5',
    '1s1m',
    '5min',
    'ms',
    'abc'
  ])('rejects %p', text => {
    expect(parseDuration(text)).toBeUndefined()
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [12.4, '12ms'],
    [999.4, '999ms'],
    // Rounding must not produce "1000ms", "60.0s" or "1m60s".
    [999.6, '1.0s'],
    [1000, '1.0s'],
    [1234, '1.2s'],
    [59_949, '59.9s'],
    [59_960, '1m0s'],
    [60_000, '1m0s'],
    [90_000, '1m30s'],
    [119_499, '1m59s'],
    [119_600, '2m0s'],
    [3_600_000, '60m0s']
  ])('%p ms → %p', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected)
  })

  it.each([
    ['90s', '1m30s'],
    ['5m', '5m0s'],
    ['1m30s', '1m30s'],
    ['500ms', '500ms']
  ])('prints the input %p as %p', (text, printed) => {
    expect(formatDuration(parseDuration(text) ?? Number.NaN)).toBe(printed)
  })
})
