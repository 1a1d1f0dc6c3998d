import { describe, expect, it } from '@jest/globals'
import { rulesThatCanRemove } from '../../src/aws/ecr-lifecycle.js'

const rule = (
  selection: Record<string, unknown>,
  action: Record<string, unknown> = { type: 'expire' }
): string =>
  JSON.stringify({
    rules: [
      {
        rulePriority: 3,
        selection: { countType: 'imageCountMoreThan', ...selection },
        action
      }
    ]
  })

describe('rulesThatCanRemove', () => {
  it.each<[string, string, string[], boolean]>([
    ['any tag status', rule({ tagStatus: 'any' }), ['v1'], true],
    ['untagged, and the image is', rule({ tagStatus: 'untagged' }), [], true],
    [
      'untagged, but the image is tagged',
      rule({ tagStatus: 'untagged' }),
      ['v1'],
      false
    ],
    [
      'a matching prefix',
      rule({ tagStatus: 'tagged', tagPrefixList: ['v'] }),
      ['v1'],
      true
    ],
    [
      'another prefix',
      rule({ tagStatus: 'tagged', tagPrefixList: ['pr-'] }),
      ['v1'],
      false
    ],
    [
      'a matching pattern',
      rule({ tagStatus: 'tagged', tagPatternList: ['release-*-final'] }),
      ['release-2-final'],
      true
    ],
    [
      'another pattern',
      rule({ tagStatus: 'tagged', tagPatternList: ['release-*-final'] }),
      ['release-2'],
      false
    ],
    [
      'one of several tags matching',
      rule({ tagStatus: 'tagged', tagPrefixList: ['build-'] }),
      ['v1', 'build-abc'],
      true
    ],
    [
      'a transition to archive',
      rule(
        { tagStatus: 'any' },
        { type: 'transition', targetStorageClass: 'archive' }
      ),
      ['v1'],
      true
    ],
    [
      'a rule on archived images only',
      rule({
        tagStatus: 'any',
        storageClass: 'archive',
        countType: 'sinceImageTransitioned'
      }),
      ['v1'],
      false
    ],
    [
      'an unknown action',
      rule({ tagStatus: 'any' }, { type: 'keep' }),
      ['v1'],
      false
    ],
    ['a policy that is not JSON', 'not json', ['v1'], false]
  ])('%s', (_what, policy, tags, selected) => {
    expect(rulesThatCanRemove(policy, tags).length > 0).toBe(selected)
  })

  it('says which rule, its action and its count type', () => {
    expect(
      rulesThatCanRemove(
        rule(
          { tagStatus: 'any' },
          { type: 'transition', targetStorageClass: 'archive' }
        ),
        ['v1']
      )
    ).toEqual([
      {
        rulePriority: 3,
        description: undefined,
        action: 'transition',
        countType: 'imageCountMoreThan'
      }
    ])
  })
})
