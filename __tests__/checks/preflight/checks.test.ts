import { describe, expect, it } from '@jest/globals'
import {
  decide,
  enforce,
  fail,
  pass,
  warn,
  type PreflightMode
} from '../../../src/checks/preflight/checks.js'
import { renderSummary } from '../../../src/report/summary.js'

const OK = pass('a', 'Alpha', 'fine')
const SOFT = warn('b', 'Beta', 'close to the limit')
const HARD = fail('c', 'Gamma', 'wrong CPU; rebuild')

describe('decide', () => {
  it.each<[PreflightMode, string[], string[]]>([
    ['strict', ['c'], ['b']],
    ['warn', [], ['c', 'b']],
    ['off', [], []]
  ])('%s → blocking %j, warnings %j', (mode, blocking, warnings) => {
    const verdict = decide([OK, SOFT, HARD], mode)
    expect(verdict.blocking.map(c => c.id)).toEqual(blocking)
    expect(verdict.warnings.map(c => c.id)).toEqual(warnings)
  })
})

describe('enforce', () => {
  it('logs every check, warns, and returns the message that stops the deploy', () => {
    const logs: string[] = []
    const warnings: string[] = []
    const stop = enforce('image', [OK, SOFT, HARD], 'strict', {
      log: m => logs.push(m),
      warn: m => warnings.push(m)
    })
    expect(logs).toEqual([
      '[pass] Alpha: fine',
      '[WARN] Beta: close to the limit',
      '[FAIL] Gamma: wrong CPU; rebuild'
    ])
    expect(warnings).toEqual(['Preflight: Beta: close to the limit'])
    expect(stop).toBe(
      'Preflight (image) stopped the deploy before the function was changed:\n- Gamma: wrong CPU; rebuild\nFix the above, or set preflight: warn to deploy anyway.'
    )
  })

  it('lets everything through in warn mode', () => {
    const warnings: string[] = []
    expect(
      enforce('app', [HARD], 'warn', {
        log: () => undefined,
        warn: m => warnings.push(m)
      })
    ).toBeUndefined()
    expect(warnings).toEqual(['Preflight: Gamma: wrong CPU; rebuild'])
  })
})

describe('the job summary', () => {
  it('lists every preflight check with its result, escaped', () => {
    const summary = renderSummary({
      phases: [],
      preflight: [OK, warn('d', 'Entrypoint', '<script> | x'), HARD]
    })
    expect(summary).toContain('| Preflight check | Result | Details |')
    expect(summary).toContain('| Alpha | ✅ pass | fine |')
    expect(summary).toContain('| Entrypoint | ⚠️ warn | &lt;script&gt; \\| x |')
    expect(summary).toContain('| Gamma | ❌ fail | wrong CPU; rebuild |')
  })

  it('has no preflight table when nothing was checked', () => {
    expect(renderSummary({ phases: [] })).not.toContain('Preflight check')
  })
})
