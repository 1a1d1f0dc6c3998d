import { describe, expect, it } from '@jest/globals'
import { InputError, getInputs } from '../../src/inputs/read.js'

const VALID: Record<string, string> = {
  'function-name': 'my-api',
  repository: 'team/my-api',
  tag: 'v1',
  'aws-region': 'eu-west-1'
}

function parse(values: Record<string, string>) {
  return getInputs(name => ({ ...VALID, ...values })[name] ?? '', {})
}

function problems(values: Record<string, string>): string[] {
  try {
    parse(values)
  } catch (error) {
    if (error instanceof InputError) return error.problems
    throw error
  }
  return []
}

describe('preflight', () => {
  it.each([
    ['', 'strict'],
    ['strict', 'strict'],
    ['WARN', 'warn'],
    [' off ', 'off']
  ])('%p → %p', (text, expected) => {
    expect(parse({ preflight: text }).preflight).toBe(expected)
  })

  it.each(['true', 'false', 'lenient'])(
    'rejects %p naming the accepted values',
    text => {
      expect(problems({ preflight: text })).toEqual([
        `preflight "${text}" must be strict (failed checks stop the deploy), warn (they only warn) or off (no checks).`
      ])
    }
  )
})

describe('event-source', () => {
  it.each([
    ['', undefined],
    ['http-api', 'http-api'],
    ['REST-API', 'rest-api'],
    ['alb', 'alb']
  ])('%p → %p', (text, expected) => {
    expect(parse({ 'event-source': text }).eventSource).toBe(expected)
  })

  it.each(['HttpApi', 'function-url', 'api-gateway'])(
    'rejects %p naming the accepted values',
    text => {
      const [problem] = problems({ 'event-source': text })
      expect(problem).toMatch(
        new RegExp(
          `^event-source "${text.toLowerCase()}" must be http-api .* rest-api .* or alb`
        )
      )
    }
  )
})
