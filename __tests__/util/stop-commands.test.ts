import { describe, expect, it } from '@jest/globals'
import {
  newStopToken,
  withCommandsStopped
} from '../../src/util/stop-commands.js'

describe('withCommandsStopped', () => {
  it('writes the untrusted lines between ::stop-commands::<token> and ::<token>::', () => {
    const written: string[] = []
    withCommandsStopped(
      line => written.push(line),
      () => written.push('::add-mask::x'),
      'abc'
    )
    expect(written).toEqual([
      '::stop-commands::abc',
      '::add-mask::x',
      '::abc::'
    ])
  })

  it('starts the commands again when printing throws', () => {
    const written: string[] = []
    expect(() =>
      withCommandsStopped(
        line => written.push(line),
        () => {
          throw new Error('boom')
        },
        'abc'
      )
    ).toThrow('boom')
    expect(written).toEqual(['::stop-commands::abc', '::abc::'])
  })

  it('makes a fresh 256-bit token each time', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => newStopToken()))
    expect(tokens.size).toBe(50)
    for (const token of tokens) expect(token).toMatch(/^[0-9a-f]{64}$/)
  })
})
