import { describe, expect, it } from '@jest/globals'
import {
  buildKey,
  isKeyTag,
  keyLabels,
  keyTag,
  type KeyParts
} from '../../src/build/key.js'

const BASE: KeyParts = {
  platform: 'linux/amd64',
  target: undefined,
  dockerfile: 'FROM public.ecr.aws/lambda/dotnet:8\nCOPY . /var/task\n',
  buildArgs: ['CONFIGURATION=Release'],
  labels: ['team=web'],
  secretIds: ['nuget'],
  baseImages: [
    {
      image: 'public.ecr.aws/lambda/dotnet:8',
      digest: `sha256:${'a'.repeat(64)}`
    }
  ],
  context: `sha256:${'c'.repeat(64)}`
}

describe('buildKey', () => {
  it('is a sha256 hex digest, the same for the same parts', () => {
    expect(buildKey(BASE)).toMatch(/^[a-f0-9]{64}$/)
    expect(buildKey({ ...BASE })).toBe(buildKey(BASE))
  })

  it.each<[string, Partial<KeyParts>]>([
    ['the platform', { platform: 'linux/arm64' }],
    ['the target', { target: 'runtime' }],
    ['the Dockerfile', { dockerfile: `${BASE.dockerfile}ENV A=1\n` }],
    ['a build-arg value', { buildArgs: ['CONFIGURATION=Debug'] }],
    ['another build-arg', { buildArgs: ['CONFIGURATION=Release', 'X=1'] }],
    ['the order of repeated build-args', { buildArgs: ['A=2', 'A=1'] }],
    ['a label', { labels: ['team=api'] }],
    ['the order of repeated labels', { labels: ['a=2', 'a=1'] }],
    ['a secret id', { secretIds: ['npm'] }],
    ['one more secret id', { secretIds: ['nuget', 'npm'] }],
    [
      'the base image digest (a patched base)',
      {
        baseImages: [
          {
            image: 'public.ecr.aws/lambda/dotnet:8',
            digest: `sha256:${'b'.repeat(64)}`
          }
        ]
      }
    ],
    [
      'another base image',
      {
        baseImages: [
          ...BASE.baseImages,
          {
            image: 'mcr.microsoft.com/dotnet/sdk:8.0',
            digest: `sha256:${'d'.repeat(64)}`
          }
        ]
      }
    ],
    ['the context files', { context: `sha256:${'e'.repeat(64)}` }]
  ])('changes with %s', (_what, change) => {
    expect(buildKey({ ...BASE, ...change })).not.toBe(buildKey(BASE))
  })

  it('does not change with the order of secret ids', () => {
    const twoIds = { ...BASE, secretIds: ['nuget', 'npm'] }
    expect(buildKey({ ...twoIds, secretIds: ['npm', 'nuget'] })).toBe(
      buildKey(twoIds)
    )
  })

  it('tells an empty target from none only by the value docker gets', () => {
    expect(buildKey({ ...BASE, target: '' })).toBe(buildKey(BASE))
  })
})

describe('keyTag', () => {
  it('is build- and the first 40 hex digits of the key', () => {
    const key = buildKey(BASE)
    expect(keyTag(key)).toBe(`build-${key.slice(0, 40)}`)
    expect(isKeyTag(keyTag(key))).toBe(true)
  })

  it.each(['build-abc', `build-${'g'.repeat(40)}`, 'a'.repeat(40), 'v1.2.3'])(
    '%p is not a key tag',
    tag => {
      expect(isKeyTag(tag)).toBe(false)
    }
  )
})

describe('keyLabels', () => {
  it('records the whole key and the tag the image was built for', () => {
    expect(keyLabels('f'.repeat(64), 'abc123')).toEqual([
      `com.github.aspnet-lambda-deploy.build-key=${'f'.repeat(64)}`,
      'com.github.aspnet-lambda-deploy.built-for-tag=abc123'
    ])
  })
})
