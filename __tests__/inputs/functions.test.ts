import { describe, expect, it } from '@jest/globals'
import {
  oneFunctionPerPreview,
  readFunctions
} from '../../src/inputs/functions.js'
import type { Mode } from '../../src/inputs/types.js'

const ARN = (region: string, name: string): string =>
  `arn:aws:lambda:${region}:123456789012:function:${name}`

function read(text: string): ReturnType<typeof readFunctions> {
  return readFunctions(name => (name === 'function-name' ? text : ''))
}

describe('readFunctions', () => {
  it.each<[string, string, string[], string | undefined]>([
    ['one name', 'my-api', ['my-api'], undefined],
    [
      'names and ARNs in order, without blanks and comments',
      `a\n\n# b\n ${ARN('eu-west-1', 'c')} `,
      ['a', ARN('eu-west-1', 'c')],
      'eu-west-1'
    ],
    [
      'a partial ARN, which names no region',
      '123456789012:function:my-api',
      ['123456789012:function:my-api'],
      undefined
    ],
    [
      'ARNs in one region',
      `${ARN('us-east-1', 'a')}\n${ARN('us-east-1', 'b')}`,
      [ARN('us-east-1', 'a'), ARN('us-east-1', 'b')],
      'us-east-1'
    ]
  ])('reads %s', (_label, text, names, region) => {
    expect(read(text)).toEqual({
      value: { functionName: names[0], functionNames: names, region },
      problems: []
    })
  })

  it.each<[string, string, RegExp[]]>([
    ['nothing', '', [/^function-name is required: /]],
    ['only comments', '# my-api', [/^function-name is required: /]],
    [
      'a bad line among good ones',
      'good\nbad name',
      [/^function-name "bad name" is not a function name /]
    ],
    [
      'the same name twice, once as an ARN',
      `api\n${ARN('eu-west-1', 'api')}`,
      [/^function-name lists api more than once: give each function once\.$/]
    ],
    [
      'each repeated name once',
      'a\nb\na\nb\na',
      [/^function-name lists a, b more than once/]
    ],
    [
      'ARNs in two regions',
      `${ARN('eu-west-1', 'a')}\n${ARN('us-east-1', 'b')}`,
      [
        /^function-name lists functions in several regions \(eu-west-1, us-east-1\): one run deploys in one region/
      ]
    ],
    [
      'a repeated function in two regions',
      `${ARN('eu-west-1', 'a')}\n${ARN('us-east-1', 'a')}`,
      [/^function-name lists a more than once/, /several regions/]
    ]
  ])('reports %s', (_label, text, expected) => {
    const { problems } = read(text)
    expect(problems).toHaveLength(expected.length)
    expected.forEach((pattern, i) => expect(problems[i]).toMatch(pattern))
  })

  it('takes the region of the first ARN that names one', () => {
    expect(
      read(`x\n123456789012:function:y\n${ARN('eu-west-1', 'z')}`).value.region
    ).toBe('eu-west-1')
  })
})

describe('oneFunctionPerPreview', () => {
  it.each<[Mode, string[], string[]]>([
    ['deploy', ['a', 'b'], []],
    ['preview', ['a'], []],
    ['cleanup', [], []],
    [
      'preview',
      ['a', 'b'],
      [
        'function-name lists 2 functions, but mode: preview works on one production function: give one.'
      ]
    ],
    [
      'cleanup',
      ['a', 'b', 'c'],
      [
        'function-name lists 3 functions, but mode: cleanup works on one production function: give one.'
      ]
    ]
  ])('mode %s with %j → %j', (mode, names, problems) => {
    expect(oneFunctionPerPreview(names, mode)).toEqual(problems)
  })
})

describe('readFunctions: edge cases', () => {
  it('names no first function when none is given', () => {
    expect(read('').value).toMatchObject({
      functionName: '',
      functionNames: []
    })
  })

  it('accepts a GovCloud ARN, with its region', () => {
    const arn = `arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:api`
    expect(read(arn)).toEqual({
      value: {
        functionName: arn,
        functionNames: [arn],
        region: 'us-gov-west-1'
      },
      problems: []
    })
  })

  it.each([
    'x123456789012:function:api',
    'prefix:arn:aws:lambda:eu-west-1:123456789012:function:api'
  ])('rejects %p: an ARN is the whole text', text => {
    expect(read(text).problems).toHaveLength(1)
  })
})
