import { describe, expect, it } from '@jest/globals'
import {
  isRegion,
  readRegion,
  type NamedRegions
} from '../../src/inputs/region.js'

const NONE: NamedRegions = { functions: undefined, repository: undefined }

describe('readRegion', () => {
  it.each<[string, string, NodeJS.ProcessEnv, NamedRegions, string]>([
    [
      'aws-region before everything',
      ' eu-central-1 ',
      { AWS_REGION: 'us-east-1' },
      NONE,
      'eu-central-1'
    ],
    [
      'the functions before the repository',
      '',
      { AWS_REGION: 'eu-west-1' },
      { functions: 'eu-west-1', repository: 'eu-west-1' },
      'eu-west-1'
    ],
    [
      'the repository before AWS_REGION',
      '',
      { AWS_REGION: 'us-east-1' },
      { functions: undefined, repository: 'eu-west-2' },
      'eu-west-2'
    ],
    ['AWS_REGION', '', { AWS_REGION: 'us-east-1' }, NONE, 'us-east-1'],
    [
      'AWS_DEFAULT_REGION last',
      '',
      { AWS_DEFAULT_REGION: 'ap-southeast-2' },
      NONE,
      'ap-southeast-2'
    ]
  ])('comes from %s', (_label, input, env, named, region) => {
    expect(readRegion(() => input, env, named)).toEqual({
      value: region,
      problems: []
    })
  })

  it.each<[string, string, NamedRegions, string[]]>([
    [
      'nothing',
      '',
      NONE,
      [
        'aws-region: no AWS region. Set aws-region, or AWS_REGION (aws-actions/configure-aws-credentials sets it).'
      ]
    ],
    [
      'no region, without checking the named ones',
      'eu_west_1',
      { functions: 'us-east-1', repository: 'us-east-1' },
      ['aws-region "eu_west_1" is not an AWS region such as eu-west-1.']
    ],
    [
      'functions and a repository elsewhere, functions first',
      'us-east-1',
      { functions: 'eu-west-1', repository: 'eu-west-2' },
      [
        'function-name is in eu-west-1 but the deploy runs in us-east-1: Lambda can only run images from an ECR repository in its own region (use ECR replication).',
        'repository is in eu-west-2 but the deploy runs in us-east-1: Lambda can only run images from an ECR repository in its own region (use ECR replication).'
      ]
    ]
  ])('reports %s', (_label, input, named, problems) => {
    expect(readRegion(() => input, {}, named).problems).toEqual(problems)
  })
})

describe('isRegion', () => {
  it.each<[string, boolean]>([
    ['eu-west-1', true],
    ['us-gov-west-1', true],
    ['cn-north-1', true],
    ['eu-west', false],
    ['EU-WEST-1', false],
    ['eu-west-12', false],
    ['', false]
  ])('%p → %p', (text, expected) => {
    expect(isRegion(text)).toBe(expected)
  })
})

describe('isRegion: the whole text', () => {
  it.each(['1us-east-1', 'Xus-east-1', 'us-east-1x', 'us-east-1\nx'])(
    '%p is not a region',
    text => {
      expect(isRegion(text)).toBe(false)
    }
  )
})
