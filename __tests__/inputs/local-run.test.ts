import { describe, expect, it } from '@jest/globals'
import { readLocalRun } from '../../src/inputs/local-run.js'

const read =
  (inputs: Record<string, string>) =>
  (name: string): string =>
    inputs[name] ?? ''

describe('readLocalRun', () => {
  it('defaults: auto, placeholders, no credentials', () => {
    expect(readLocalRun(read({}))).toEqual({
      value: {
        localRun: 'auto',
        localRunEnvironment: 'placeholders',
        localRunCredentials: false
      },
      problems: []
    })
  })

  it.each([
    [{ 'local-run': 'REQUIRED' }, { localRun: 'required' }],
    [{ 'local-run': 'off' }, { localRun: 'off' }],
    [{ 'local-run-environment': 'real' }, { localRunEnvironment: 'real' }],
    [{ 'local-run-credentials': 'true' }, { localRunCredentials: true }]
  ])('%j', (inputs, expected) => {
    const parsed = readLocalRun(read(inputs))
    expect(parsed.problems).toEqual([])
    expect(parsed.value).toMatchObject(expected)
  })

  it('names the input and the accepted forms', () => {
    expect(
      readLocalRun(
        read({
          'local-run': 'yes',
          'local-run-environment': 'values',
          'local-run-credentials': 'maybe'
        })
      ).problems
    ).toEqual([
      expect.stringMatching(
        /^local-run "yes" must be auto .*required .*or off\.$/
      ),
      expect.stringMatching(
        /^local-run-environment "values" must be placeholders .* or real/
      ),
      'local-run-credentials "maybe" must be true or false.'
    ])
  })
})
