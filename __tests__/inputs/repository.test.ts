import { describe, expect, it } from '@jest/globals'
import {
  readRepository,
  readTag,
  resolveRepository,
  resolveTag,
  type RepositoryInput
} from '../../src/inputs/repository.js'
import type { ImageSource, Mode } from '../../src/inputs/types.js'

const DIGEST = `sha256:${'b'.repeat(64)}`
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'

function reader(values: Record<string, string>): (name: string) => string {
  return name => values[name] ?? ''
}

describe('readRepository', () => {
  it.each<[string, Record<string, string>, RepositoryInput]>([
    [
      'a name',
      { repository: ' team/api ' },
      {
        repository: { name: 'team/api', registryId: undefined },
        given: true,
        region: undefined
      }
    ],
    [
      'a URI with its account and region',
      { repository: `${ECR}/team/api` },
      {
        repository: { name: 'team/api', registryId: '123456789012' },
        given: true,
        region: 'eu-west-1'
      }
    ],
    [
      'a China URI',
      { repository: '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api' },
      {
        repository: { name: 'api', registryId: '123456789012' },
        given: true,
        region: 'cn-north-1'
      }
    ],
    [
      'nothing, when the image URI names the repository',
      { image: `${ECR}/team/api@${DIGEST}` },
      {
        repository: { name: '', registryId: undefined },
        given: false,
        region: undefined
      }
    ],
    [
      'nothing, with rollback-to: previous',
      { 'rollback-to': 'previous' },
      {
        repository: { name: '', registryId: undefined },
        given: false,
        region: undefined
      }
    ]
  ])('reads %s', (_label, values, expected) => {
    expect(readRepository(reader(values))).toEqual({
      value: expected,
      problems: []
    })
  })

  it.each<[string, Record<string, string>]>([
    ['nothing', {}],
    ['an image by tag, which names no repository', { image: 'v1' }],
    ['an image by digest', { image: DIGEST }],
    ['rollback-to a tag', { 'rollback-to': 'v0' }]
  ])('requires the repository with %s', (_label, values) => {
    expect(readRepository(reader(values)).problems).toEqual([
      'repository is required: an ECR repository name (team/my-api) or URI (123456789012.dkr.ecr.us-east-1.amazonaws.com/team/my-api).'
    ])
  })

  it('checks the name inside a URI', () => {
    expect(
      readRepository(reader({ repository: `${ECR}/Team` })).problems
    ).toEqual([expect.stringMatching(/^repository ".*\/Team" is not an ECR/)])
  })
})

describe('resolveRepository', () => {
  const given: RepositoryInput = {
    repository: { name: 'team/api', registryId: '123456789012' },
    given: true,
    region: 'eu-west-1'
  }
  const empty: RepositoryInput = {
    repository: { name: '', registryId: undefined },
    given: false,
    region: undefined
  }
  it.each<[string, RepositoryInput, string | undefined, unknown]>([
    ['the input', given, undefined, given.repository],
    ['the input over the image', given, 'other', given.repository],
    [
      'the image when none was given',
      empty,
      'other',
      { name: 'other', registryId: undefined }
    ],
    ['nothing', empty, undefined, { name: '', registryId: undefined }]
  ])('takes %s', (_label, input, imageRepository, expected) => {
    expect(resolveRepository(input, imageRepository)).toEqual(expected)
  })
})

describe('readTag', () => {
  const SHA = 'f'.repeat(40)
  it.each<[string, Record<string, string>, NodeJS.ProcessEnv, string]>([
    ['the tag input', { tag: ' v2 ' }, { GITHUB_SHA: SHA }, 'v2'],
    ['GITHUB_SHA', {}, { GITHUB_SHA: SHA }, SHA],
    ['nothing, for a cleanup', { mode: ' Cleanup ' }, {}, ''],
    ['nothing, for an image', { image: DIGEST }, {}, ''],
    ['nothing, for rollback-to', { 'rollback-to': 'previous' }, {}, ''],
    ['a tag that only contains latest', { tag: 'latest-2' }, {}, 'latest-2'],
    [
      'latest when an existing image is deployed',
      { tag: 'latest', image: DIGEST },
      {},
      'latest'
    ]
  ])('is %s', (_label, values, env, expected) => {
    expect(readTag(reader(values), env)).toEqual({
      value: expected,
      problems: []
    })
  })

  it.each<[string, Record<string, string>, NodeJS.ProcessEnv, RegExp]>([
    ['missing for a deploy', {}, {}, /^tag is empty and GITHUB_SHA is not set/],
    [
      'missing for a preview',
      { mode: 'preview' },
      { GITHUB_SHA: '' },
      /^tag is empty/
    ],
    [
      'invalid for a cleanup too',
      { mode: 'cleanup', tag: 'a/b' },
      {},
      /^tag "a\/b" is not a valid image tag/
    ],
    [
      'latest for a build',
      { tag: 'latest' },
      { GITHUB_SHA: SHA },
      /^tag "latest" names whatever was pushed last, not this commit's build: a tag is never overwritten.*use image: latest\.$/
    ],
    [
      'Latest for a preview',
      { mode: 'preview', tag: 'Latest' },
      { GITHUB_SHA: SHA },
      /^tag "Latest" names whatever was pushed last/
    ],
    [
      'an invalid GITHUB_SHA',
      {},
      { GITHUB_SHA: 'x:y' },
      /^tag "x:y" is not a valid image tag/
    ]
  ])('reports a tag %s', (_label, values, env, pattern) => {
    const { problems } = readTag(reader(values), env)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(pattern)
  })
})

describe('resolveTag', () => {
  const build: ImageSource = { kind: 'build' }
  const existing = (tag: string | undefined): ImageSource => ({
    kind: 'existing',
    input: 'image',
    tag,
    digest: tag === undefined ? DIGEST : undefined,
    registry: undefined
  })
  it.each<[string, string, Mode, number | undefined, ImageSource, string]>([
    ['a build', 'v1', 'deploy', undefined, build, 'v1'],
    ['a deploy in a pull request', 'v1', 'deploy', 7, build, 'v1'],
    ['a preview', 'abc', 'preview', 7, build, 'pr-7-abc'],
    [
      'a preview without a pull request',
      'abc',
      'preview',
      undefined,
      build,
      'abc'
    ],
    ['a cleanup', 'abc', 'cleanup', 7, build, 'abc'],
    [
      'an existing image by tag',
      'v1',
      'deploy',
      undefined,
      existing('v0'),
      'v0'
    ],
    [
      'an existing image by digest',
      'v1',
      'deploy',
      undefined,
      existing(undefined),
      ''
    ],
    [
      'rollback-to: previous',
      'v1',
      'deploy',
      undefined,
      { kind: 'previous' },
      ''
    ]
  ])('for %s', (_label, tag, mode, pullRequest, source, expected) => {
    expect(resolveTag(tag, { mode, pullRequest }, source)).toEqual({
      value: expected,
      problems: []
    })
  })

  it.each<[string, number, string[]]>([
    ['fits in 128 characters', 123, []],
    [
      'is too long',
      124,
      [
        `tag "${'a'.repeat(124)}" is too long for a preview: the image tag "pr-7-${'a'.repeat(124)}" must be at most 128 characters.`
      ]
    ]
  ])('a preview tag that %s', (_label, length, problems) => {
    expect(
      resolveTag('a'.repeat(length), { mode: 'preview', pullRequest: 7 }, build)
        .problems
    ).toEqual(problems)
  })

  it('leaves an invalid tag to readTag', () => {
    expect(
      resolveTag('a/b', { mode: 'preview', pullRequest: 7 }, build)
    ).toEqual({ value: 'a/b', problems: [] })
  })
})

describe('readRepository: names and URIs', () => {
  const read = (text: string): ReturnType<typeof readRepository> =>
    readRepository(reader({ repository: text }))

  it.each(['my-team/orders.api', 'a_b/c-d/e.f'])(
    'accepts the namespaced name %p',
    name => {
      expect(read(name)).toEqual({
        value: {
          repository: { name, registryId: undefined },
          given: true,
          region: undefined
        },
        problems: []
      })
    }
  )

  it('rejects a name longer than 256 characters', () => {
    expect(read(`a/${'b'.repeat(255)}`).problems).toHaveLength(1)
    expect(read(`a/${'b'.repeat(254)}`).problems).toEqual([])
  })

  it('reads the region of a GovCloud repository URI', () => {
    expect(
      read('123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/api').value
    ).toEqual({
      repository: { name: 'api', registryId: '123456789012' },
      given: true,
      region: 'us-gov-west-1'
    })
  })

  it('takes a URI only when it is the whole text', () => {
    const text = `mirror.${ECR}/api`
    expect(read(text).value).toEqual({
      repository: { name: text, registryId: undefined },
      given: true,
      region: undefined
    })
    expect(read(`${ECR}/api\nother`).problems).toHaveLength(1)
  })
})
