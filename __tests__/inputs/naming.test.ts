import { describe, expect, it } from '@jest/globals'
import { previewFunctionName } from '../../src/inputs/naming.js'

describe('previewFunctionName', () => {
  it.each([
    ['{function}-pr-{number}', 'my-api', 7, 'my-api-pr-7'],
    ['pr{number}-{function}', 'my-api', 12, 'pr12-my-api'],
    ['{function}-pr-{number}', 'a'.repeat(58), 7, `${'a'.repeat(58)}-pr-7`],
    // 64 characters exactly: Lambda's limit, still whole.
    ['{function}-pr-{number}', 'a'.repeat(59), 7, `${'a'.repeat(59)}-pr-7`]
  ])('%s with %s and #%d gives %s', (template, fn, pr, expected) => {
    expect(previewFunctionName(template, fn, pr)).toEqual({
      name: expected,
      shortened: false,
      full: expected
    })
  })

  it('cuts names over 64 characters deterministically, with a hash of the full name', () => {
    const long = 'a'.repeat(60)
    const first = previewFunctionName('{function}-pr-{number}', long, 7)
    const again = previewFunctionName('{function}-pr-{number}', long, 7)
    const other = previewFunctionName('{function}-pr-{number}', long, 8)
    expect(first.shortened).toBe(true)
    expect(first.full).toBe(`${long}-pr-7`)
    expect(first.name).toHaveLength(64)
    expect(first.name).toMatch(/^a{55}-[0-9a-f]{8}$/)
    expect(again.name).toBe(first.name)
    expect(other.name).not.toBe(first.name)
    expect(other.name).toHaveLength(64)
  })

  it('drops every - and _ the cut leaves at the end, and only those', () => {
    // The cut keeps 55 characters: my-api, 47 x, then "-_".
    const fn = `my-api${'x'.repeat(47)}-_tail-of-a-long-name`
    const cut = previewFunctionName('{function}-pr-{number}', fn, 7)
    expect(cut.shortened).toBe(true)
    expect(cut.name).toMatch(
      new RegExp(`^my-api${'x'.repeat(47)}-[0-9a-f]{8}$`)
    )
  })
})
