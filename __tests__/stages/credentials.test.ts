import { describe, expect, it } from '@jest/globals'
import {
  CREDENTIALS_MARGIN_MS,
  credentialsDeadline,
  credentialsProblem,
  worstCase,
  type WorstCaseInputs
} from '../../src/stages/credentials.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

const LATEST: WorstCaseInputs = {
  mode: 'deploy',
  alias: undefined,
  canary: undefined,
  source: { kind: 'build' },
  preflight: 'strict',
  dryRun: false,
  reuseUnchanged: false,
  publish: false,
  waitTimeoutMs: 2 * MINUTE,
  smokeTest: true,
  smokeTimeoutMs: 2 * MINUTE
}
const CANARY: WorstCaseInputs = {
  ...LATEST,
  alias: 'live',
  publish: true,
  canary: { percent: 10, intervalMs: 30 * MINUTE }
}

const total = (inputs: WorstCaseInputs): number =>
  worstCase(inputs).reduce((sum, part) => sum + part.ms, 0)

describe('worstCase: every wait and check to its limit, then the undo', () => {
  it.each<[string, WorstCaseInputs, number]>([
    // update 2m + smoke 2×2m + undo (2m settle + 2m)
    ['a $LATEST deploy', LATEST, 10 * MINUTE],
    ['without the smoke test', { ...LATEST, smokeTest: false }, 6 * MINUTE],
    // + the published version's wait 2m
    ['with publish', { ...LATEST, publish: true }, 12 * MINUTE],
    // + pre-traffic 2m + canary 30m and its last check (30s)
    ['an alias with a 30m canary', CANARY, 44.5 * MINUTE],
    [
      'an alias with a 1h canary',
      { ...CANARY, canary: { percent: 10, intervalMs: HOUR } },
      74.5 * MINUTE
    ],
    // a dry run is judged as the run it previews
    ['a dry run of that', { ...CANARY, dryRun: true }, 44.5 * MINUTE]
  ])('%s', (_name, inputs, expected) => {
    expect(total(inputs)).toBe(expected)
  })

  it('names the input each part comes from', () => {
    expect(worstCase(CANARY).map(p => p.input)).toEqual([
      'wait-timeout',
      'wait-timeout',
      'smoke-timeout',
      'canary-interval',
      'smoke-timeout',
      'wait-timeout'
    ])
  })

  it('a cleanup waits for nothing', () => {
    expect(worstCase({ ...LATEST, mode: 'cleanup' })).toEqual([])
  })
})

describe('credentialsDeadline', () => {
  it("the SDK provider's expiry wins over credentials-lifetime", () => {
    expect(credentialsDeadline(1000, HOUR, new Date(5 * MINUTE))).toEqual({
      at: 5 * MINUTE,
      source: 'sdk'
    })
  })

  it('without one, credentials-lifetime counts from the start', () => {
    expect(credentialsDeadline(1000, HOUR, undefined)).toEqual({
      at: 1000 + HOUR,
      source: 'input'
    })
    expect(credentialsDeadline(1000, HOUR, new Date(Number.NaN)).source).toBe(
      'input'
    )
  })
})

describe('credentialsProblem (issue 22, item 4)', () => {
  const start = 1_000_000

  it('a 1h canary with the default 1h session: refused, naming canary-interval and credentials-lifetime', () => {
    const inputs = { ...CANARY, canary: { percent: 10, intervalMs: HOUR } }
    const problem = credentialsProblem(
      worstCase(inputs),
      start,
      start,
      credentialsDeadline(start, HOUR, undefined)
    )
    expect(problem).toMatch(/^This run could take up to 74m30s more \(/)
    expect(problem).toContain('the canary 60m30s (canary-interval)')
    expect(problem).toContain(
      "the AWS credentials expire in 60m0s (credentials-lifetime 60m0s from the action's start, 0ms ago)"
    )
    expect(problem).toContain('Nothing was changed.')
    expect(problem).toContain('Shorten canary-interval')
    expect(problem).toContain('set credentials-lifetime to match')
  })

  it('a 30m canary fits in 1h with the margin to spare', () => {
    expect(
      credentialsProblem(
        worstCase(CANARY),
        start,
        start,
        credentialsDeadline(start, HOUR, undefined)
      )
    ).toBeUndefined()
  })

  it('exactly the margin left is enough; a millisecond less is not', () => {
    const parts = worstCase(LATEST)
    const deadline = {
      at: start + total(LATEST) + CREDENTIALS_MARGIN_MS,
      source: 'input' as const
    }
    expect(credentialsProblem(parts, start, start, deadline)).toBeUndefined()
    expect(credentialsProblem(parts, start + 1, start, deadline)).toBeDefined()
  })

  it('time already spent (the build) counts', () => {
    const deadline = credentialsDeadline(start, HOUR, undefined)
    expect(
      credentialsProblem(
        worstCase(LATEST),
        start + 50 * MINUTE,
        start,
        deadline
      )
    ).toContain("credentials-lifetime 60m0s from the action's start, 50m0s ago")
  })

  it("says when the expiry is the provider's", () => {
    const problem = credentialsProblem(
      worstCase(LATEST),
      start,
      start,
      credentialsDeadline(start, HOUR, new Date(start + 10 * MINUTE))
    )
    expect(problem).toContain(
      `expire in 10m0s (as their provider reports: ${new Date(start + 10 * MINUTE).toISOString()})`
    )
    expect(problem).toContain('Shorten wait-timeout')
  })
})
