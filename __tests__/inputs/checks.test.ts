import { describe, expect, it } from '@jest/globals'
import {
  readPreflight,
  readSmokeRequest,
  readVerification
} from '../../src/inputs/checks.js'

function reader(values: Record<string, string>): (name: string) => string {
  return name => values[name] ?? ''
}

describe('readSmokeRequest', () => {
  it('defaults to GET / expecting 200, anywhere', () => {
    expect(readSmokeRequest(reader({}))).toEqual({
      value: {
        smokeUrl: undefined,
        smokePath: '/',
        smokeExpectStatus: 200,
        smokeExpectBody: undefined
      },
      problems: []
    })
  })

  it.each<[string, unknown]>([
    // Flags outside JavaScript's make it a substring, not a bad regex.
    ['/ok/x', { kind: 'substring', text: '/ok/x' }],
    ['//', { kind: 'substring', text: '//' }],
    ['  ok  ', { kind: 'substring', text: 'ok' }],
    // A regex is the whole text between slashes, not a slashed tail.
    ['ok/v2/', { kind: 'substring', text: 'ok/v2/' }]
  ])('reads smoke-expect-body %p as %j', (text, expected) => {
    expect(
      readSmokeRequest(reader({ 'smoke-expect-body': text })).value
        .smokeExpectBody
    ).toEqual(expected)
  })

  it.each<[string, string, string]>([
    ['/a.c/', 'a.c', ''],
    ['/^ok$/im', '^ok$', 'im'],
    // RegExp.source escapes the slash.
    ['/a/b/', 'a\\/b', '']
  ])('reads %p as a regex of %p with flags %p', (text, source, flags) => {
    const body = readSmokeRequest(reader({ 'smoke-expect-body': text })).value
      .smokeExpectBody
    expect(
      body?.kind === 'regex' && [body.regex.source, body.regex.flags]
    ).toEqual([source, flags])
  })

  it('reports every smoke problem, in the order of the inputs', () => {
    expect(
      readSmokeRequest(
        reader({
          'smoke-expect-body': '/[/',
          'smoke-expect-status': '1xx',
          'smoke-path': 'health',
          'smoke-url': 'mailto:a@b.c'
        })
      ).problems
    ).toEqual([
      expect.stringMatching(/^smoke-url "mailto:a@b\.c"/),
      expect.stringMatching(/^smoke-path "health"/),
      expect.stringMatching(/^smoke-expect-status "1xx"/),
      expect.stringMatching(/^smoke-expect-body \/\[\/ is not a valid/)
    ])
  })

  it('keeps no expectation for an invalid regex', () => {
    expect(
      readSmokeRequest(reader({ 'smoke-expect-body': '/(/' })).value
        .smokeExpectBody
    ).toBeUndefined()
  })
})

describe('readPreflight', () => {
  it.each<[Record<string, string>, unknown, number]>([
    [{}, { preflight: 'strict', eventSource: undefined }, 0],
    [
      { preflight: 'OFF', 'event-source': ' Rest-Api ' },
      { preflight: 'off', eventSource: 'rest-api' },
      0
    ],
    [
      { preflight: 'loose', 'event-source': 'sqs' },
      { preflight: 'strict', eventSource: undefined },
      2
    ]
  ])('%j → %j with %d problem(s)', (values, expected, count) => {
    const { value, problems } = readPreflight(reader(values))
    expect(value).toEqual(expected)
    expect(problems).toHaveLength(count)
  })
})

describe('readVerification', () => {
  it('defaults: wait 5m, smoke test for 2m, roll back on failure, credentials last 1h', () => {
    expect(readVerification(reader({}))).toEqual({
      value: {
        waitTimeoutMs: 300_000,
        activationTimeoutMs: 900_000,
        smokeTest: true,
        smokeTimeoutMs: 120_000,
        rollbackOnFailure: true,
        credentialsLifetimeMs: 3_600_000
      },
      problems: []
    })
  })

  it('waits 15m for a Managed Instances activation unless wait-timeout is given, then that (issue 24)', () => {
    expect(readVerification(reader({})).value).toMatchObject({
      waitTimeoutMs: 300_000,
      activationTimeoutMs: 900_000
    })
    expect(
      readVerification(reader({ 'wait-timeout': '2m' })).value
    ).toMatchObject({ waitTimeoutMs: 120_000, activationTimeoutMs: 120_000 })
    expect(
      readVerification(reader({ 'wait-timeout': '20m' })).value
    ).toMatchObject({ activationTimeoutMs: 1_200_000 })
  })

  it('bounds wait-timeout to 5s..1h and smoke-timeout to 1s..15m', () => {
    expect(
      readVerification(
        reader({ 'wait-timeout': '9999h', 'smoke-timeout': '16m' })
      ).problems
    ).toEqual([
      'wait-timeout "9999h" must be from 5s to 1h.',
      'smoke-timeout "16m" must be from 1s to 15m.'
    ])
    expect(
      readVerification(reader({ 'wait-timeout': '5s', 'smoke-timeout': '15m' }))
        .value
    ).toMatchObject({ waitTimeoutMs: 5_000, smokeTimeoutMs: 900_000 })
  })

  it.each<[string, number]>([
    ['15m', 900_000],
    ['6h', 21_600_000],
    ['36h', 129_600_000]
  ])('credentials-lifetime %p → %p ms', (text, expected) => {
    expect(
      readVerification(reader({ 'credentials-lifetime': text }))
    ).toMatchObject({
      value: { credentialsLifetimeMs: expected },
      problems: []
    })
  })

  it.each<[string, string]>([
    ['14m', 'credentials-lifetime "14m" must be from 15m to 36h.'],
    ['37h', 'credentials-lifetime "37h" must be from 15m to 36h.'],
    ['soon', 'credentials-lifetime "soon" is not a duration']
  ])('credentials-lifetime %p is refused: %p', (text, expected) => {
    expect(
      readVerification(reader({ 'credentials-lifetime': text })).problems
    ).toEqual([expect.stringContaining(expected)])
  })

  it('keeps the defaults for invalid values and reports them in order', () => {
    expect(
      readVerification(
        reader({
          'rollback-on-failure': 'nope',
          'smoke-timeout': 'x',
          'smoke-test': 'maybe',
          'wait-timeout': '-1'
        })
      )
    ).toEqual({
      value: {
        waitTimeoutMs: 300_000,
        activationTimeoutMs: 300_000,
        smokeTest: true,
        smokeTimeoutMs: 120_000,
        rollbackOnFailure: true,
        credentialsLifetimeMs: 3_600_000
      },
      problems: [
        expect.stringMatching(/^wait-timeout "-1" is not a duration/),
        'smoke-test "maybe" must be true or false.',
        expect.stringMatching(/^smoke-timeout "x" is not a duration/),
        'rollback-on-failure "nope" must be true or false.'
      ]
    })
  })
})

describe('readSmokeRequest: smoke-expect-status', () => {
  it.each(['099', '000', '600', '20', '2000', '0200', '+200'])(
    '%p is not an HTTP status code',
    text => {
      expect(
        readSmokeRequest(reader({ 'smoke-expect-status': text })).problems
      ).toEqual([
        `smoke-expect-status "${text}" must be an HTTP status code from 100 to 599.`
      ])
    }
  )

  it.each([
    ['100', 100],
    ['204', 204],
    ['599', 599]
  ])('%p is expected as %p', (text, status) => {
    expect(
      readSmokeRequest(reader({ 'smoke-expect-status': text }))
    ).toMatchObject({ value: { smokeExpectStatus: status }, problems: [] })
  })
})
