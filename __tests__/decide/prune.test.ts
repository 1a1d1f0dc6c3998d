/** prune-versions: the versions a deploy deletes (issue 24). */
import { describe, expect, it } from '@jest/globals'
import { versionsToPrune } from '../../src/decide/prune.js'

const none = new Set<string>()

describe('versionsToPrune', () => {
  it.each<[string, string[], string[], string[], number, string[]]>([
    [
      'keeps the newest n and deletes the older ones, oldest first',
      ['1', '2', '3', '4', '5'],
      [],
      [],
      2,
      ['1', '2', '3']
    ],
    [
      'orders versions by number, not as text',
      ['10', '9', '11', '2'],
      [],
      [],
      2,
      ['2', '9']
    ],
    [
      'never deletes a version an alias uses (its version or a weighted one)',
      ['1', '2', '3', '4', '5'],
      ['1', '3'],
      [],
      2,
      ['2']
    ],
    [
      'never deletes what this run serves or would put back',
      ['1', '2', '3', '4'],
      [],
      ['2'],
      1,
      ['1', '3']
    ],
    [
      'never touches $LATEST or $LATEST.PUBLISHED',
      ['$LATEST', '$LATEST.PUBLISHED', '1', '2'],
      [],
      [],
      1,
      ['1']
    ],
    [
      'deletes nothing when there are no more than n',
      ['1', '2'],
      [],
      [],
      2,
      []
    ],
    ['deletes nothing for a function with no versions', [], [], [], 1, []]
  ])('%s', (_name, versions, inUse, protect, keep, expected) => {
    expect(
      versionsToPrune(versions, new Set(inUse), new Set(protect), keep)
    ).toEqual(expected)
  })

  it('counts versions an alias keeps among the newest n', () => {
    // 5 is the newest and in use: the newest two are still 4 and 5.
    expect(versionsToPrune(['3', '4', '5'], new Set(['5']), none, 2)).toEqual([
      '3'
    ])
  })
})
