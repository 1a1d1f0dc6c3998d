/**
 * The one ownership rule: is the function (or alias) still what this run
 * left? Asked by the final check after a check, the main step's undo and
 * the post step. A wrong "ours" lets a check count for someone else's
 * release, or an undo overwrite it; a wrong "theirs" leaves a rejected
 * release serving. Each fact a caller keeps has a case here.
 */
import { describe, expect, it } from '@jest/globals'
import {
  aliasHolder,
  latestHolder,
  type AliasLeft,
  type AliasNow,
  type Holder
} from '../../src/decide/ownership.js'

const now = (
  version: string,
  weights: Record<string, number> = {},
  revisionId: string | undefined = 'r2'
): AliasNow => ({ version, weights, revisionId })

describe('aliasHolder', () => {
  it.each<[string, AliasLeft, AliasNow | undefined, Holder]>([
    ['deleted since', { revisionId: 'r2' }, undefined, 'gone'],
    // The final check: the routing it relied on, and the revision.
    [
      'check: same routing and revision',
      { revisionId: 'r2', routing: { version: '7', weights: {} } },
      now('7'),
      'ours'
    ],
    [
      'check: same canary split',
      { revisionId: 'r2', routing: { version: '6', weights: { '7': 0.1 } } },
      now('6', { '7': 0.1 }),
      'ours'
    ],
    [
      'check: the canary share changed',
      { routing: { version: '6', weights: { '7': 0.1 } } },
      now('6', { '7': 0.5 }),
      'theirs'
    ],
    [
      'check: the canary ended by someone else (all traffic on 7)',
      { routing: { version: '6', weights: { '7': 0.1 } } },
      now('7'),
      'theirs'
    ],
    [
      'check: moved to another version',
      { routing: { version: '7', weights: {} } },
      now('9'),
      'theirs'
    ],
    [
      'check: same routing, but a new revision (someone else updated it)',
      { revisionId: 'r1', routing: { version: '7', weights: {} } },
      now('7', {}, 'r2'),
      'theirs'
    ],
    [
      'check: the run left no alias, and one exists now',
      { routing: { version: undefined, weights: {} } },
      now('7'),
      'theirs'
    ],
    // The main step's undo: revision, routing and the version it left.
    [
      'undo: back on the previous version with all traffic',
      {
        revisionId: 'r1',
        routing: { version: '7', weights: {} },
        previousVersion: '6'
      },
      now('6', {}, 'r9'),
      'put-back'
    ],
    [
      'undo: on the previous version but a canary still on is not put back',
      {
        revisionId: 'r2',
        routing: { version: '6', weights: { '7': 0.1 } },
        previousVersion: '6'
      },
      now('6', { '7': 0.1 }),
      'ours'
    ],
    [
      'undo: unchanged since our move',
      {
        revisionId: 'r2',
        routing: { version: '7', weights: {} },
        previousVersion: '6'
      },
      now('7'),
      'ours'
    ],
    // The post step: the revision when recorded, and our version.
    [
      'post: our canary split, no revision recorded',
      { ourVersion: '7', previousVersion: '6' },
      now('6', { '7': 0.1 }, undefined),
      'ours'
    ],
    [
      'post: our version serves all traffic, no revision recorded',
      { ourVersion: '7', previousVersion: '6' },
      now('7', {}, undefined),
      'ours'
    ],
    [
      'post: our version carries no traffic',
      { ourVersion: '7', previousVersion: '6' },
      now('9', { '8': 0.2 }),
      'theirs'
    ],
    [
      'post: still our version, but the revision changed',
      { revisionId: 'after-our-move', ourVersion: '7', previousVersion: '6' },
      now('7', {}, 'their-change'),
      'theirs'
    ],
    [
      'post: the revision we recorded',
      { revisionId: 'after-our-move', ourVersion: '7', previousVersion: '6' },
      now('7', {}, 'after-our-move'),
      'ours'
    ]
  ])('%s', (_name, left, answer, expected) => {
    expect(aliasHolder(left, answer)).toBe(expected)
  })
})

describe('latestHolder', () => {
  const OURS = `sha256:${'b'.repeat(64)}`
  const GOOD = `sha256:${'a'.repeat(64)}`
  const THEIRS = `sha256:${'c'.repeat(64)}`
  it.each<
    [
      string,
      { digest: string | undefined; previousDigest?: string },
      string | undefined,
      Holder
    ]
  >([
    ['runs our image', { digest: OURS }, OURS, 'ours'],
    ['runs another image', { digest: OURS }, THEIRS, 'theirs'],
    ['runs no image', { digest: OURS }, undefined, 'theirs'],
    ['the check relied on no image', { digest: undefined }, THEIRS, 'ours'],
    [
      'back on the image it ran before',
      { digest: OURS, previousDigest: GOOD },
      GOOD,
      'put-back'
    ],
    [
      'the undo: still ours',
      { digest: OURS, previousDigest: GOOD },
      OURS,
      'ours'
    ],
    [
      'the undo: someone else deployed',
      { digest: OURS, previousDigest: GOOD },
      THEIRS,
      'theirs'
    ],
    [
      'an undo with no image of ours',
      { digest: '', previousDigest: GOOD },
      THEIRS,
      'theirs'
    ]
  ])('%s', (_name, left, digest, expected) => {
    expect(latestHolder(left, digest)).toBe(expected)
  })
})
