import { describe, expect, it } from '@jest/globals'
import { InputError, getInputs } from '../../src/inputs/read.js'
import {
  parseImageReference,
  readRelease,
  type ReleaseContext
} from '../../src/inputs/release.js'
import type { Inputs } from '../../src/inputs/types.js'

const DIGEST = `sha256:${'a'.repeat(64)}`
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const VALID: Record<string, string> = {
  'function-name': 'my-api',
  repository: 'team/my-api',
  tag: 'v1',
  'aws-region': 'eu-west-1'
}

function parse(values: Record<string, string>): Inputs {
  const all = { ...VALID, ...values }
  return getInputs(name => all[name] ?? '', {})
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

describe('parseImageReference', () => {
  it.each([
    ['v1.2.3', { tag: 'v1.2.3', digest: undefined, repository: undefined }],
    [DIGEST, { tag: undefined, digest: DIGEST, repository: undefined }],
    [
      `${ECR}/team/my-api@${DIGEST}`,
      {
        tag: undefined,
        digest: DIGEST,
        repository: 'team/my-api',
        region: 'eu-west-1',
        account: '123456789012',
        registry: ECR
      }
    ],
    [
      `${ECR}/team/my-api:v2`,
      { tag: 'v2', digest: undefined, repository: 'team/my-api' }
    ],
    // A URI with a tag and a digest runs the digest.
    [`${ECR}/api:v2@${DIGEST}`, { tag: undefined, digest: DIGEST }],
    // Registries other than ECR (the local stand-in) have no region.
    [
      `127.0.0.1:4566/api@${DIGEST}`,
      { registry: '127.0.0.1:4566', region: undefined, repository: 'api' }
    ]
  ])('%s', (text, expected) => {
    expect(parseImageReference(text)).toMatchObject(expected)
  })

  it.each([
    `${ECR}/team/my-api`, // neither tag nor digest
    'sha256:abc',
    'my api',
    `${ECR}/Team@${DIGEST}`
  ])('refuses %s', text => {
    expect(parseImageReference(text)).toBeUndefined()
  })
})

describe('release inputs', () => {
  it('several functions, one per line, in order', () => {
    const inputs = parse({
      'function-name':
        'api-a\n  arn:aws:lambda:eu-west-1:123456789012:function:api-b\n\n# comment\napi-c\n'
    })
    expect(inputs.functionNames).toEqual([
      'api-a',
      'arn:aws:lambda:eu-west-1:123456789012:function:api-b',
      'api-c'
    ])
    expect(inputs.functionName).toBe('api-a')
  })

  it('refuses a function given twice and functions in several regions', () => {
    expect(
      problems({
        'function-name':
          'api-a\narn:aws:lambda:eu-west-1:123456789012:function:api-a'
      })
    ).toEqual([expect.stringContaining('api-a more than once')])
    expect(
      problems({
        'aws-region': '',
        'function-name':
          'arn:aws:lambda:eu-west-1:123456789012:function:a\narn:aws:lambda:us-east-1:123456789012:function:b'
      })
    ).toContainEqual(expect.stringContaining('several regions'))
  })

  it('an alias publishes a version; publish alone too', () => {
    expect(parse({ alias: 'live' })).toMatchObject({
      alias: 'live',
      publish: true
    })
    expect(parse({ publish: 'true' })).toMatchObject({
      alias: undefined,
      publish: true
    })
    expect(parse({})).toMatchObject({ publish: false })
  })

  it('dry-run is false unless asked, true or false in any case, in every mode', () => {
    expect(parse({})).toMatchObject({ dryRun: false })
    expect(parse({ 'dry-run': 'TRUE' })).toMatchObject({ dryRun: true })
    expect(parse({ 'dry-run': 'false' })).toMatchObject({ dryRun: false })
    expect(
      parse({ 'dry-run': 'true', alias: 'live', 'canary-percent': '10' })
    ).toMatchObject({ dryRun: true, alias: 'live' })
    expect(
      problems({ mode: 'cleanup', 'pull-request': '7', 'dry-run': 'true' })
    ).toEqual([])
  })

  it.each(['yes', '1', 'on'])('refuses dry-run %s, naming the input', text => {
    expect(problems({ 'dry-run': text })).toEqual([
      `dry-run "${text}" must be true or false.`
    ])
  })

  it.each(['123', 'live!', 'a'.repeat(129)])('refuses alias %s', alias => {
    expect(problems({ alias })).toEqual([
      expect.stringContaining(`alias "${alias}" is not a Lambda alias name`)
    ])
  })

  it('canary needs an alias and a share between 0 and 100', () => {
    expect(
      parse({ alias: 'live', 'canary-percent': '10', 'canary-interval': '90s' })
        .canary
    ).toEqual({ percent: 10, intervalMs: 90_000 })
    expect(parse({ alias: 'live', 'canary-percent': '2.5%' }).canary).toEqual({
      percent: 2.5,
      intervalMs: 300_000
    })
    expect(problems({ 'canary-percent': '10' })).toEqual([
      expect.stringContaining('canary-percent needs alias')
    ])
    for (const value of ['0', '100', 'ten', '-5'])
      expect(problems({ alias: 'live', 'canary-percent': value })).toEqual([
        expect.stringContaining(`canary-percent "${value}"`)
      ])
    expect(
      problems({ alias: 'live', 'canary-percent': '5', 'canary-interval': 'x' })
    ).toEqual([expect.stringContaining('canary-interval "x"')])
    // Longer than the job's credentials last by default: refused.
    expect(
      problems({
        alias: 'live',
        'canary-percent': '5',
        'canary-interval': '2h'
      })
    ).toEqual(['canary-interval "2h" must be from 1s to 1h.'])
    expect(
      parse({ alias: 'live', 'canary-percent': '5', 'canary-interval': '1h' })
        .canary
    ).toEqual({ percent: 5, intervalMs: 3_600_000 })
    // The runner always passes action.yml's default canary-interval.
    expect(parse({ alias: 'live', 'canary-interval': '5m' }).canary).toBe(
      undefined
    )
  })

  it('rollback-to a tag deploys that tag without a build', () => {
    const inputs = parse({ 'rollback-to': 'v0.9', tag: '' })
    expect(inputs.source).toEqual({
      kind: 'existing',
      input: 'rollback-to',
      tag: 'v0.9',
      digest: undefined,
      registry: undefined
    })
    expect(inputs.tag).toBe('v0.9')
  })

  it('rollback-to previous needs an alias and no repository', () => {
    expect(
      parse({ 'rollback-to': 'previous', alias: 'live', repository: '' }).source
    ).toEqual({ kind: 'previous' })
    expect(problems({ 'rollback-to': 'previous' })).toEqual([
      expect.stringContaining('rollback-to: previous needs alias')
    ])
    expect(problems({ 'rollback-to': 'a/b' })).toEqual([
      expect.stringContaining('rollback-to "a/b"')
    ])
  })

  it('image by digest, tag or URI; the URI can stand in for repository', () => {
    expect(parse({ image: DIGEST }).source).toMatchObject({
      kind: 'existing',
      input: 'image',
      digest: DIGEST
    })
    const byUri = parse({
      repository: '',
      image: `${ECR}/team/my-api@${DIGEST}`
    })
    expect(byUri.repository.name).toBe('team/my-api')
    expect(byUri.source).toMatchObject({ digest: DIGEST, registry: ECR })
    expect(parse({ image: 'v7', tag: '' }).tag).toBe('v7')
  })

  it('an image in another region is refused with the replication hint', () => {
    const found = problems({
      image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/team/my-api@${DIGEST}`
    })
    expect(found).toEqual([
      expect.stringMatching(
        /is in us-east-1 but the function\(s\) are in eu-west-1: .*ECR replication/
      )
    ])
  })

  it('refuses an image of another repository, both image and rollback-to, and bad forms', () => {
    expect(problems({ image: `${ECR}/other@${DIGEST}` })).toEqual([
      expect.stringContaining('is in repository other but repository is')
    ])
    expect(problems({ image: 'v1', 'rollback-to': 'v0' })).toEqual([
      expect.stringContaining('give one of them')
    ])
    expect(problems({ image: 'not an image' })).toEqual([
      expect.stringContaining('image "not an image" must be')
    ])
  })

  it('preview and cleanup take one function and no release inputs', () => {
    const env = {
      mode: 'preview',
      'pull-request': '7',
      'preview-role-arn': 'arn:aws:iam::123456789012:role/my-api-preview'
    }
    expect(problems({ ...env, 'function-name': 'a\nb' })).toEqual([
      expect.stringContaining('works on one production function')
    ])
    expect(problems({ ...env, alias: 'live' })).toEqual([
      expect.stringContaining('alias is not used with mode: preview')
    ])
    expect(problems({ ...env, 'rollback-to': 'v1' })).toEqual([
      expect.stringContaining('rollback-to is not used with mode: preview')
    ])
  })
})

describe('readRelease', () => {
  const DEPLOY: ReleaseContext = {
    mode: 'deploy',
    region: 'eu-west-1',
    repository: 'team/my-api'
  }
  function release(
    values: Record<string, string>,
    context: Partial<ReleaseContext> = {}
  ): ReturnType<typeof readRelease> {
    return readRelease(name => values[name] ?? '', { ...DEPLOY, ...context })
  }

  it('builds by default and publishes nothing', () => {
    expect(release({})).toEqual({
      value: {
        dryRun: false,
        publish: false,
        alias: undefined,
        canary: undefined,
        source: { kind: 'build' },
        imageRepository: undefined,
        restoreArchived: false
      },
      problems: []
    })
  })

  it('restore-archived is false unless asked, a boolean', () => {
    expect(release({}).value?.restoreArchived).toBe(false)
    expect(release({ 'restore-archived': 'true' }).value?.restoreArchived).toBe(
      true
    )
    expect(release({ 'restore-archived': 'maybe' }).problems).toEqual([
      expect.stringContaining('restore-archived')
    ])
  })

  it.each<[string, Record<string, string>, string[]]>([
    [
      'a bad canary-percent and canary-interval both',
      { alias: 'live', 'canary-percent': '150', 'canary-interval': 'soon' },
      [
        'canary-percent "150" must be a share of traffic above 0 and below 100 (for example 10).',
        'canary-interval "soon" is not a duration: use a number of seconds or forms like 90s, 5m, 1m30s, 1h.'
      ]
    ],
    [
      'a bad publish',
      { publish: 'yes' },
      ['publish "yes" must be true or false.']
    ],
    [
      'rollback-to: previous with an image',
      { 'rollback-to': 'previous', image: 'v1' },
      ['rollback-to and image both name the image to deploy: give one of them.']
    ]
  ])('reports %s', (_label, values, problems) => {
    expect(release(values).problems).toEqual(problems)
  })

  it.each<[string, Record<string, string>, string[]]>([
    [
      'alias (not publish, which alias implies)',
      { alias: 'live', publish: 'true' },
      ['alias']
    ],
    ['publish', { publish: 'TRUE' }, ['publish']],
    ['nothing for publish: false', { publish: 'false' }, []],
    [
      'each in order',
      {
        'rollback-to': 'v1',
        'canary-percent': '10',
        alias: 'live'
      },
      ['alias', 'canary-percent', 'rollback-to']
    ],
    ['not image, which a preview can deploy', { image: 'v1' }, []]
  ])('with mode: cleanup refuses %s', (_label, values, names) => {
    expect(release(values, { mode: 'cleanup' }).problems).toEqual(
      names.map(
        name =>
          `${name} is not used with mode: cleanup: a preview is its own function, deployed on $LATEST. Use it with mode: deploy.`
      )
    )
  })

  it.each<[string, Partial<ReleaseContext>, number]>([
    ['matching region and repository', {}, 0],
    ['no valid region to compare', { region: undefined }, 0],
    ['no repository input', { repository: undefined }, 0],
    ['another region', { region: 'us-east-1' }, 1],
    ['another repository', { repository: 'team/other' }, 1],
    ['both', { region: 'us-east-1', repository: 'team/other' }, 2]
  ])('compares an ECR image URI with %s', (_label, context, count) => {
    const { value, problems } = release(
      { image: `${ECR}/team/my-api:v3` },
      context
    )
    expect(problems).toHaveLength(count)
    expect(value.imageRepository).toBe('team/my-api')
    expect(value.source).toEqual({
      kind: 'existing',
      input: 'image',
      tag: 'v3',
      digest: undefined,
      registry: ECR
    })
  })
})

describe('parseImageReference: whole-text matches', () => {
  const GOV = '123456789012.dkr.ecr.us-gov-west-1.amazonaws.com'
  it.each([
    `${DIGEST}0`,
    `x${DIGEST}`,
    'Registry.example.com/api:v1',
    'registry.example.com/api:v1!',
    `${ECR}/api:v1\nmore`
  ])('rejects %p', text => {
    expect(parseImageReference(text)).toBeUndefined()
  })

  it('reads the account and region of a GovCloud registry', () => {
    expect(parseImageReference(`${GOV}/api:v1`)).toEqual({
      registry: GOV,
      account: '123456789012',
      region: 'us-gov-west-1',
      repository: 'api',
      tag: 'v1',
      digest: undefined
    })
  })

  it.each([`mirror.${ECR}`, `${ECR}.mirror.example.com`])(
    'names no ECR account or region for the registry %p',
    host => {
      expect(parseImageReference(`${host}/api:v1`)).toEqual({
        registry: host,
        account: undefined,
        region: undefined,
        repository: 'api',
        tag: 'v1',
        digest: undefined
      })
    }
  )

  it('reads a registry by host and port, and a long tag', () => {
    expect(parseImageReference('registry:5000/team/api:v1.2.3-rc.1')).toEqual({
      registry: 'registry:5000',
      account: undefined,
      region: undefined,
      repository: 'team/api',
      tag: 'v1.2.3-rc.1',
      digest: undefined
    })
  })
})

describe('readRelease: alias and canary-percent', () => {
  const DEPLOY: ReleaseContext = {
    mode: 'deploy',
    region: 'eu-west-1',
    repository: 'team/my-api'
  }
  const read = (
    values: Record<string, string>
  ): ReturnType<typeof readRelease> =>
    readRelease(name => values[name] ?? '', DEPLOY)

  it('accepts an alias that starts with digits', () => {
    expect(read({ alias: '2024-release' })).toMatchObject({
      value: { alias: '2024-release', publish: true },
      problems: []
    })
  })

  it.each(['1%0', '+5', '5e1', '10%%', '.5'])(
    'rejects canary-percent %p',
    text => {
      expect(read({ alias: 'live', 'canary-percent': text }).problems).toEqual([
        expect.stringMatching(/^canary-percent ".*" must be a share of traffic/)
      ])
    }
  )

  it.each([
    ['12.25', 12.25],
    ['12.25%', 12.25],
    ['5', 5]
  ])('reads canary-percent %p as %p', (text, percent) => {
    expect(read({ alias: 'live', 'canary-percent': text })).toMatchObject({
      value: { canary: { percent } },
      problems: []
    })
  })
})
