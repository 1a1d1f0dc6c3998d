import { describe, expect, it } from '@jest/globals'
import { readCanaryJudging } from '../../src/inputs/canary.js'
import { InputError, getInputs } from '../../src/inputs/read.js'
import type { Canary } from '../../src/inputs/types.js'

const VALID: Record<string, string> = {
  'function-name': 'my-api',
  repository: 'my-api',
  tag: 'v1',
  'aws-region': 'eu-west-1',
  alias: 'live',
  'canary-percent': '10',
  'canary-interval': '5m',
  'canary-on-inconclusive': 'promote'
}

function read(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv = {}
): { canary: Canary | undefined; problems: string[] } {
  const all = { ...VALID, ...values }
  try {
    const inputs = getInputs(name => all[name] ?? '', env)
    return { canary: inputs.canary, problems: [] }
  } catch (error) {
    if (error instanceof InputError)
      return { canary: undefined, problems: error.problems }
    throw error
  }
}

describe('canary judging inputs', () => {
  it.each<[string, Record<string, string>, Canary['judging']]>([
    ['none: the canary is judged by its own checks only', {}, undefined],
    [
      'alarms, one per line, duplicates once',
      { 'canary-alarms': 'api-5xx\n  api latency p99  \napi-5xx\n' },
      { alarms: ['api-5xx', 'api latency p99'], signals: undefined }
    ],
    [
      'canary-max-error-rate alone: the default minimum',
      { 'canary-max-error-rate': '0.5%' },
      {
        alarms: [],
        signals: {
          maxErrorRatePercent: 0.5,
          minRequests: 10,
          onInconclusive: 'promote'
        }
      }
    ],
    [
      'canary-min-requests alone: the default rate',
      { 'canary-min-requests': '50', 'canary-on-inconclusive': 'fail' },
      {
        alarms: [],
        signals: {
          maxErrorRatePercent: 1,
          minRequests: 50,
          onInconclusive: 'fail'
        }
      }
    ]
  ])('%s', (_, values, judging) => {
    const { canary, problems } = read(values)
    expect(problems).toEqual([])
    expect(canary?.judging).toEqual(judging)
  })

  it.each<[string, Record<string, string>, string]>([
    [
      'a control character in an alarm name',
      { 'canary-alarms': 'api\u0007bell' },
      'canary-alarms "api\u0007bell" is not a CloudWatch alarm name'
    ],
    [
      'an alarm name of 256 characters',
      { 'canary-alarms': 'a'.repeat(256) },
      'is not a CloudWatch alarm name: 1 to 255 characters'
    ],
    [
      'more than 100 alarms',
      {
        'canary-alarms': Array.from({ length: 101 }, (_, i) => `a${i}`).join(
          '\n'
        )
      },
      'canary-alarms names 101 alarms: at most 100.'
    ],
    [
      'a rate above 100',
      { 'canary-max-error-rate': '101' },
      'canary-max-error-rate "101" must be a percentage from 0 to 100'
    ],
    [
      'a rate that is no number',
      { 'canary-max-error-rate': 'low' },
      'canary-max-error-rate "low" must be a percentage'
    ],
    [
      'no requests at all',
      { 'canary-min-requests': '0' },
      'canary-min-requests "0" must be a whole number of requests, at least 1'
    ],
    [
      'another answer to inconclusive',
      { 'canary-min-requests': '5', 'canary-on-inconclusive': 'ignore' },
      'canary-on-inconclusive "ignore" must be promote or fail.'
    ],
    [
      'fail without the built-in signals',
      { 'canary-on-inconclusive': 'fail', 'canary-alarms': 'api-5xx' },
      'canary-on-inconclusive: fail needs the built-in signals'
    ],
    [
      'alarms without a canary',
      { 'canary-percent': '', 'canary-alarms': 'api-5xx' },
      'canary-alarms needs canary-percent'
    ],
    [
      'a 4m canary with alarms',
      { 'canary-interval': '4m', 'canary-alarms': 'api-5xx' },
      'canary-interval 4m0s is too short for canary-alarms: a canary judged by CloudWatch needs at least 5m0s.'
    ]
  ])('refuses %s', (_, values, problem) => {
    expect(read(values).problems).toContainEqual(
      expect.stringContaining(problem)
    )
  })

  it("the stand-in's timing shortens the minimum, and only it", () => {
    const values = { 'canary-interval': '8s', 'canary-max-error-rate': '10' }
    expect(read(values).problems).toContainEqual(
      expect.stringContaining('canary-interval 8.0s is too short')
    )
    const standIn = {
      LOCAL_AWS_CLOUDWATCH_DELAY_MS: '2000',
      LOCAL_AWS_CLOUDWATCH_PERIOD_S: '1'
    }
    expect(read(values, standIn).problems).toEqual([])
    expect(
      read({ ...values, 'canary-interval': '4s' }, standIn).problems
    ).toContainEqual(
      expect.stringContaining(
        'canary-interval 4.0s is too short for canary-max-error-rate: a canary judged by CloudWatch needs at least 5.0s.'
      )
    )
  })
})

describe('readCanaryJudging: the edges mutation testing found unpinned', () => {
  const judge = (values: Record<string, string>, intervalMs?: number) =>
    readCanaryJudging(name => values[name] ?? '', {}, intervalMs)
  const rateProblem = (text: string) =>
    `canary-max-error-rate "${text}" must be a percentage from 0 to 100 (for example 1 or 0.5).`
  const minProblem = (text: string) =>
    `canary-min-requests "${text}" must be a whole number of requests, at least 1 (for example 20).`

  it.each<[string, Record<string, string>, string[]]>([
    ['100 %', { 'canary-max-error-rate': '100' }, []],
    ['0.25 %', { 'canary-max-error-rate': '0.25%' }, []],
    ['a % first', { 'canary-max-error-rate': '%1' }, [rateProblem('%1')]],
    ['a letter first', { 'canary-max-error-rate': 'x1' }, [rateProblem('x1')]],
    ['a letter last', { 'canary-max-error-rate': '1x' }, [rateProblem('1x')]],
    ['one request', { 'canary-min-requests': '1' }, []],
    [
      'a letter before the requests',
      { 'canary-min-requests': 'x5' },
      [minProblem('x5')]
    ],
    [
      'a letter after them',
      { 'canary-min-requests': '5x' },
      [minProblem('5x')]
    ],
    [
      '100 alarms',
      {
        'canary-alarms': Array.from({ length: 100 }, (_, i) => `a${i}`).join(
          '\n'
        )
      },
      []
    ]
  ])('%s', (_name, values, problems) => {
    expect(judge(values, 600_000).problems).toEqual(problems)
  })

  it.each<[string, Record<string, string>, string]>([
    [
      'canary-max-error-rate',
      { 'canary-max-error-rate': '1' },
      'canary-max-error-rate'
    ],
    [
      'canary-min-requests',
      { 'canary-min-requests': '5' },
      'canary-min-requests'
    ]
  ])('%s without a canary names itself', (_name, values, input) => {
    expect(judge(values).problems).toEqual([
      `${input} needs canary-percent: it judges the canary's share of the alias's traffic (for example canary-percent: 10).`
    ])
  })

  it('a short interval names every input that asks for CloudWatch, joined by "and"', () => {
    expect(
      judge({ 'canary-alarms': 'api-5xx', 'canary-min-requests': '5' }, 1_000)
        .problems[0]
    ).toMatch(
      /^canary-interval 1\.0s is too short for canary-alarms and canary-min-requests: /
    )
  })
})
