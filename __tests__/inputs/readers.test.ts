import { describe, expect, it } from '@jest/globals'
import { fields, isOneOf, lines } from '../../src/inputs/readers.js'

function reader(values: Record<string, string>): (name: string) => string {
  return name => values[name] ?? ''
}

describe('lines', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['a', ['a']],
    ['  a  \n\tb\t', ['a', 'b']],
    ['a\r\nb\r\n', ['a', 'b']],
    ['\n\n  \n', []],
    ['# all\n  # comments', []],
    ['a # not a comment\n#b', ['a # not a comment']]
  ])('%j → %j', (text, expected) => {
    expect(lines(text)).toEqual(expected)
  })
})

describe('isOneOf', () => {
  it.each<[string, boolean]>([
    ['warn', true],
    ['off', true],
    ['WARN', false],
    ['', false],
    ['warning', false]
  ])('%p in [warn, off] → %p', (text, expected) => {
    expect(isOneOf(['warn', 'off'], text)).toBe(expected)
  })
})

describe('fields', () => {
  it.each<[string, string, string | undefined]>([
    ['a value', 'v1', 'v1'],
    ['a padded value', '  v1 \n', 'v1'],
    ['nothing', '', undefined],
    ['blanks', ' \n\t ', undefined]
  ])(
    'optional reads %s as %p, text as its trimmed text',
    (_label, raw, value) => {
      const input = fields(reader({ x: raw }))
      expect(input.optional('x')).toBe(value)
      expect(input.text('x')).toBe(value ?? '')
      expect(input.problems).toEqual([])
    }
  )

  it.each<[string, string[], string[]]>([
    ['A=1\nB=', ['A=1', 'B='], []],
    ['A==b\nURL=https://x?a=b', ['A==b', 'URL=https://x?a=b'], []],
    [
      'NOPE\n=x\n A=1',
      ['NOPE', '=x', 'A=1'],
      [
        'args: "NOPE" is not KEY=VALUE (one per line).',
        'args: "=x" is not KEY=VALUE (one per line).'
      ]
    ],
    ['# A\n\n', [], []]
  ])('keyValues %j → %j', (raw, values, problems) => {
    const input = fields(reader({ args: raw }))
    expect(input.keyValues('args')).toEqual(values)
    expect(input.problems).toEqual(problems)
  })

  it.each<[string, boolean, boolean, string[]]>([
    ['', true, true, []],
    ['', false, false, []],
    ['TrUe', false, true, []],
    [' false ', true, false, []],
    ['yes', true, true, ['flag "yes" must be true or false.']],
    ['0', false, false, ['flag "0" must be true or false.']]
  ])(
    'boolean %p with fallback %p → %p',
    (raw, fallback, expected, problems) => {
      const input = fields(reader({ flag: raw }))
      expect(input.boolean('flag', fallback)).toBe(expected)
      expect(input.problems).toEqual(problems)
    }
  )

  it.each<[string, string, number, string[]]>([
    ['', '5m', 300_000, []],
    ['90s', '5m', 90_000, []],
    ['30', '5m', 30_000, []],
    [
      '0',
      '2m',
      120_000,
      [
        'wait "0" is not a duration: use a number of seconds or forms like 90s, 5m, 1m30s, 1h.'
      ]
    ],
    [
      'soon',
      '5m',
      300_000,
      [
        'wait "soon" is not a duration: use a number of seconds or forms like 90s, 5m, 1m30s, 1h.'
      ]
    ],
    // A fallback that is no duration is reported like a given value.
    [
      '',
      'never',
      0,
      [
        'wait "never" is not a duration: use a number of seconds or forms like 90s, 5m, 1m30s, 1h.'
      ]
    ]
  ])(
    'duration %p with fallback %p → %p ms',
    (raw, fallback, expected, problems) => {
      const input = fields(reader({ wait: raw }))
      expect(input.duration('wait', fallback)).toBe(expected)
      expect(input.problems).toEqual(problems)
    }
  )

  it.each<[string, number, string[]]>([
    ['10s', 10_000, []],
    ['1m', 60_000, []],
    ['', 30_000, []],
    ['9s', 30_000, ['wait "9s" must be from 10s to 1m.']],
    ['1m1s', 30_000, ['wait "1m1s" must be from 10s to 1m.']],
    ['9999h', 30_000, ['wait "9999h" must be from 10s to 1m.']],
    // Not a duration at all is said first, as without a range.
    [
      'soon',
      30_000,
      [
        'wait "soon" is not a duration: use a number of seconds or forms like 90s, 5m, 1m30s, 1h.'
      ]
    ]
  ])(
    'duration %p within 10s..1m (fallback 30s) → %p ms',
    (raw, expected, problems) => {
      const input = fields(reader({ wait: raw }))
      expect(input.duration('wait', '30s', { min: '10s', max: '1m' })).toBe(
        expected
      )
      expect(input.problems).toEqual(problems)
    }
  )

  it('parsed returns the value with every problem, in the order read', () => {
    const input = fields(reader({ a: 'maybe', b: 'later', c: 'X' }))
    input.boolean('a', true)
    input.duration('b', '1m')
    input.keyValues('c')
    expect(input.parsed('value')).toEqual({
      value: 'value',
      problems: [
        expect.stringMatching(/^a "maybe"/),
        expect.stringMatching(/^b "later"/),
        expect.stringMatching(/^c: "X"/)
      ]
    })
  })
})

describe('fields: whole-text matches', () => {
  it.each(['truex', 'xtrue', 'falsey', 'nofalse', 'true false'])(
    'boolean %p is neither true nor false',
    text => {
      const input = fields(reader({ flag: text }))
      expect(input.boolean('flag', true)).toBe(true)
      expect(input.problems).toEqual([`flag "${text}" must be true or false.`])
    }
  )

  it('keyValues needs a key before the first =', () => {
    const input = fields(reader({ args: '=a=b\nA=1' }))
    expect(input.keyValues('args')).toEqual(['=a=b', 'A=1'])
    expect(input.problems).toEqual([
      'args: "=a=b" is not KEY=VALUE (one per line).'
    ])
  })
})
