/**
 * The stand-in keys a function's environment by a fingerprint of its
 * configuration (test/local-aws/gateway/function-config.ts): the variables
 * and ImageConfig reach the container only through the emulator's
 * FunctionSpec (sandboxSpec), never as docker arguments.
 */
import { describe, expect, it } from '@jest/globals'
import * as functionConfig from '../../test/local-aws/gateway/function-config.js'

const { configurationKey, stableJson } = functionConfig

describe('configurationKey', () => {
  const env = { B: '2', A: '1' }
  const config = { EntryPoint: ['/x', '-y'], Command: ['api'] }
  const key = configurationKey(env, config)

  it('is the same for the same configuration given in another order', () => {
    expect(key).toMatch(/^[0-9a-f]{12}$/)
    expect(
      configurationKey(
        { A: '1', B: '2' },
        { Command: ['api'], EntryPoint: ['/x', '-y'] }
      )
    ).toBe(key)
  })

  it.each<
    [
      string,
      Record<string, string>,
      functionConfig.FunctionImageConfig | undefined
    ]
  >([
    ['a value changed', { A: '1', B: '3' }, config],
    ['a variable added', { ...env, C: '' }, config],
    ['no ImageConfig', env, undefined],
    [
      'the EntryPoint words moved to Command',
      env,
      { EntryPoint: ['/x'], Command: ['-y', 'api'] }
    ],
    ['a working directory', env, { ...config, WorkingDirectory: '/app' }]
  ])('changes when %s', (_, environment, imageConfig) => {
    expect(configurationKey(environment, imageConfig)).not.toBe(key)
  })
})

describe('stableJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(stableJson({ b: [2, 1], a: { d: null, c: 'x' } })).toBe(
      '{"a":{"c":"x","d":null},"b":[2,1]}'
    )
  })
})
