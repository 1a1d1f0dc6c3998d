import { describe, expect, it } from '@jest/globals'
import type { FunctionState } from '../src/aws/lambda.js'
import type { AliasState } from '../src/aws/versions.js'
import type { Report } from '../src/report/report.js'
import {
  changedServing,
  needsMove,
  needsUndo,
  newTarget,
  outcomeOf,
  servesChange,
  servingOf,
  updatedOf,
  type Image,
  type Release,
  type TargetState
} from '../src/targets.js'
import { pendingUndo } from '../src/post/pending-undo.js'
import {
  configFingerprint,
  type ConfigSnapshot
} from '../src/decide/configuration.js'
import {
  anyUpdated,
  reportTargets,
  rollbackOf,
  shownUndo,
  undoCommand
} from '../src/report/target-report.js'

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:api'
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/api'
const OLD = `${REPO}@sha256:${'a'.repeat(64)}`
const NEW = `${REPO}@sha256:${'b'.repeat(64)}`
const THEIRS = `${REPO}@sha256:${'c'.repeat(64)}`
const image: Image = {
  digest: `sha256:${'b'.repeat(64)}`,
  uri: NEW,
  manifest: '',
  configText: ''
}

function fn(imageUri: string | undefined): FunctionState {
  return {
    functionName: 'api',
    functionArn: ARN,
    imageUri,
    imageDigest: imageUri?.split('@')[1],
    architecture: 'x86_64',
    state: 'Active',
    lastUpdateStatus: 'Successful'
  } as FunctionState
}

function alias(version: string): AliasState {
  return {
    name: 'live',
    aliasArn: `${ARN}:live`,
    version,
    weights: {},
    revisionId: 'r',
    description: ''
  }
}

function target(overrides: Partial<TargetState> = {}): TargetState {
  return {
    ...newTarget(fn(OLD), 'api', () => undefined),
    ...overrides
  }
}

const LATEST: Release = { alias: undefined }
const ALIAS: Release = { alias: 'live' }

describe('updatedOf', () => {
  it.each<[string, Partial<TargetState>, boolean | undefined]>([
    ['not reached by the deploy', {}, undefined],
    ['$LATEST already ran the image', { code: 'up-to-date' }, false],
    ['the alias already served it', { code: 'alias-up-to-date' }, false],
    ['$LATEST updated', { code: 'updated' }, true],
    ['a preview created', { code: 'created' }, true],
    ['updated, then someone else deployed', { code: 'superseded' }, true],
    [
      'up to date on $LATEST, the alias moved',
      { code: 'up-to-date', traffic: 'moved' },
      true
    ],
    ['rollback-to previous moved the alias', { traffic: 'moved' }, true],
    ['a canary share only', { traffic: 'canary' }, true]
  ])('%s', (_name, state, expected) => {
    expect(updatedOf(target(state))).toBe(expected)
  })

  it('anyUpdated: undefined until one is decided, then whether any was', () => {
    expect(anyUpdated([target(), target()])).toBeUndefined()
    expect(anyUpdated([target(), target({ code: 'up-to-date' })])).toBe(false)
    expect(
      anyUpdated([target({ code: 'up-to-date' }), target({ code: 'updated' })])
    ).toBe(true)
  })
})

describe('changedServing and servesChange', () => {
  it.each<[string, Partial<TargetState>, Release, boolean, boolean]>([
    ['$LATEST updated', { code: 'updated' }, LATEST, true, true],
    [
      '$LATEST updated and restored',
      { code: 'updated', undo: 'restored' },
      LATEST,
      true,
      false
    ],
    [
      '$LATEST updated, restore failed',
      { code: 'updated', undo: 'failed' },
      LATEST,
      true,
      true
    ],
    // Someone else's code is on $LATEST: not ours to undo.
    ['$LATEST superseded', { code: 'superseded' }, LATEST, false, false],
    ['a created preview', { code: 'created' }, LATEST, false, false],
    ['$LATEST already ran it', { code: 'up-to-date' }, LATEST, false, false],
    // Alias deploys: what serves is the alias, not $LATEST.
    ['alias: $LATEST updated only', { code: 'updated' }, ALIAS, false, false],
    ['alias: canary share', { traffic: 'canary' }, ALIAS, true, true],
    ['alias: moved', { traffic: 'moved' }, ALIAS, true, true],
    [
      'alias: moved and restored',
      { traffic: 'moved', undo: 'restored' },
      ALIAS,
      true,
      false
    ]
  ])('%s', (_name, state, release, changed, serves) => {
    expect(changedServing(target(state), release)).toBe(changed)
    expect(servesChange(target(state), release)).toBe(serves)
  })
})

describe('outcomeOf', () => {
  it.each<[string, Partial<TargetState>, Release, boolean, string]>([
    ['success, updated', { code: 'updated' }, LATEST, false, 'deployed'],
    ['success, created', { code: 'created' }, LATEST, false, 'deployed'],
    [
      'success, nothing to do',
      { code: 'up-to-date' },
      LATEST,
      false,
      'unchanged'
    ],
    [
      'success, alias already served it',
      { code: 'alias-up-to-date' },
      ALIAS,
      false,
      'unchanged'
    ],
    ['success, alias moved', { traffic: 'moved' }, ALIAS, false, 'deployed'],
    [
      'failed before any change',
      { error: 'Smoke test failed' },
      LATEST,
      true,
      'stopped'
    ],
    ['another function failed first', {}, LATEST, true, 'stopped'],
    [
      'pre-traffic check failed: alias untouched',
      { code: 'updated', error: 'Pre-traffic check failed' },
      ALIAS,
      true,
      'stopped'
    ],
    [
      'own failure, restored',
      { code: 'updated', undo: 'restored', error: 'x' },
      LATEST,
      true,
      'rolled-back'
    ],
    [
      'restored because another failed',
      { code: 'updated', undo: 'restored' },
      LATEST,
      true,
      'reverted'
    ],
    [
      'canary failed, alias restored',
      { traffic: 'canary', undo: 'restored', error: 'x' },
      ALIAS,
      true,
      'rolled-back'
    ],
    [
      'restore failed',
      { code: 'updated', undo: 'failed', error: 'x' },
      LATEST,
      true,
      'rollback-failed'
    ],
    [
      'cancelled, restore left to the post step',
      { code: 'updated', undo: 'left-to-post', error: 'x' },
      LATEST,
      true,
      'rollback-pending'
    ],
    // rollback-on-failure: false leaves the change in place.
    [
      'changed, not undone',
      { code: 'updated', error: 'x' },
      LATEST,
      true,
      'failed'
    ],
    [
      'publish refused: someone else changed $LATEST',
      {
        code: 'superseded',
        supersededBy: '$LATEST now runs theirs',
        error: 'x'
      },
      LATEST,
      true,
      'superseded'
    ],
    [
      'a check reached someone else’s release',
      {
        code: 'updated',
        supersededBy: '$LATEST now runs theirs',
        undo: 'superseded'
      },
      LATEST,
      true,
      'superseded'
    ],
    [
      'alias moved by someone else during the canary, $LATEST restored',
      {
        code: 'updated',
        traffic: 'canary',
        supersededBy: 'alias moved',
        undo: 'restored',
        error: 'x'
      },
      ALIAS,
      true,
      'superseded'
    ],
    [
      'Lambda refused the update (kept the previous image)',
      { code: 'refused', error: 'x' },
      LATEST,
      true,
      'stopped'
    ],
    [
      'alias deploy: pre-traffic failed, $LATEST restored',
      { code: 'updated', undo: 'restored', error: 'x' },
      ALIAS,
      true,
      'stopped'
    ]
  ])('%s', (_name, state, release, failed, expected) => {
    expect(outcomeOf(target(state), release, failed)).toBe(expected)
  })
})

describe('servingOf', () => {
  it('$LATEST updated: the new image', () => {
    expect(servingOf(target({ code: 'updated' }), image)).toEqual({
      imageUri: NEW,
      version: undefined
    })
  })

  it('$LATEST restored: what it runs again', () => {
    expect(
      servingOf(
        target({ code: 'updated', undo: 'restored', latest: fn(OLD) }),
        image
      ).imageUri
    ).toBe(OLD)
  })

  it('superseded: what someone else put there', () => {
    expect(
      servingOf(target({ code: 'superseded', latest: fn(THEIRS) }), image)
        .imageUri
    ).toBe(THEIRS)
  })

  it('not reached: what it ran when the run began', () => {
    expect(servingOf(target(), image).imageUri).toBe(OLD)
  })

  it('alias on the new version: the new image, and the version', () => {
    expect(
      servingOf(
        target({ alias: alias('7'), version: '7', aliasImageUri: OLD }),
        image
      )
    ).toEqual({ imageUri: NEW, version: '7' })
  })

  it('alias still on its old version: the old image', () => {
    expect(
      servingOf(
        target({ alias: alias('6'), version: '7', aliasImageUri: OLD }),
        image
      )
    ).toEqual({ imageUri: OLD, version: '6' })
  })
})

describe('undo commands', () => {
  it('$LATEST: update-function-code to the image it replaced', () => {
    expect(undoCommand(target({ code: 'updated' }), LATEST)).toBe(
      `aws lambda update-function-code --function-name ${ARN} --image-uri ${OLD}`
    )
  })

  it('alias: update-alias to the version it left, weights cleared', () => {
    expect(
      undoCommand(target({ traffic: 'moved', previousVersion: '6' }), ALIAS)
    ).toBe(
      `aws lambda update-alias --function-name ${ARN} --name live --function-version 6 --routing-config 'AdditionalVersionWeights={}'`
    )
  })

  it('none when there was nothing before', () => {
    expect(undoCommand(target({ traffic: 'moved' }), ALIAS)).toBeUndefined()
    expect(
      undoCommand(target({ code: 'created', replaced: undefined }), LATEST)
    ).toBeUndefined()
  })

  it.each<[string, Partial<TargetState>, boolean, boolean]>([
    ['success, updated', { code: 'updated' }, false, true],
    ['success, nothing changed', { code: 'up-to-date' }, false, false],
    [
      'failure, changed and restored',
      { code: 'updated', undo: 'restored' },
      true,
      true
    ],
    ['failure, nothing changed', { error: 'x' }, true, false],
    ['failure, superseded', { code: 'superseded' }, true, false]
  ])('shown in the summary: %s', (_name, state, failed, shown) => {
    expect(shownUndo(target(state), LATEST, failed) !== undefined).toBe(shown)
  })
})

describe('rollbackOf (the report of a failed run, from the undo results)', () => {
  const restoredLatest = target({ code: 'updated', undo: 'restored' })
  const restoredAlias = target({
    traffic: 'moved',
    previousVersion: '6',
    undo: 'restored'
  })
  it.each<[string, TargetState[], Release, boolean, string | undefined]>([
    ['nothing changed', [target()], LATEST, false, undefined],
    ['$LATEST put back', [restoredLatest], LATEST, true, OLD],
    ['the alias put back', [restoredAlias], ALIAS, true, 'version 6'],
    [
      '$LATEST put back in an alias release that never moved the alias',
      [target({ code: 'updated', undo: 'restored' })],
      ALIAS,
      true,
      OLD
    ],
    [
      'one put back, one found superseded',
      [target({ code: 'updated', undo: 'superseded' }), restoredLatest],
      LATEST,
      true,
      OLD
    ],
    [
      'all superseded: no rollback',
      [target({ code: 'updated', undo: 'superseded' })],
      LATEST,
      false,
      undefined
    ],
    [
      'one failed',
      [restoredLatest, target({ code: 'updated', undo: 'failed' })],
      LATEST,
      false,
      undefined
    ],
    [
      'one left to the post step (cancelled)',
      [target({ code: 'updated', undo: 'left-to-post' }), restoredLatest],
      LATEST,
      false,
      undefined
    ],
    [
      'the first put back names it',
      [
        target({ code: 'updated', undo: 'restored', replaced: fn(THEIRS) }),
        restoredLatest
      ],
      LATEST,
      true,
      THEIRS
    ]
  ])('%s', (_name, targets, release, rolledBack, rolledBackTo) => {
    expect(rollbackOf(targets, release)).toEqual({ rolledBack, rolledBackTo })
  })
})

describe('needsUndo', () => {
  it.each<[string, Partial<TargetState>, boolean]>([
    ['nothing changed', {}, false],
    [
      '$LATEST updated (also while still being applied)',
      { code: 'updated' },
      true
    ],
    ['$LATEST refused by Lambda', { code: 'refused' }, false],
    ['$LATEST superseded before our undo', { code: 'superseded' }, false],
    ['alias moved', { traffic: 'moved' }, true],
    [
      'alias moved, then by someone else',
      { traffic: 'moved', supersededBy: 'x' },
      false
    ],
    // $LATEST is still checked by the guarded undo itself.
    [
      'alias taken over, $LATEST ours',
      { traffic: 'canary', code: 'updated', supersededBy: 'x' },
      true
    ]
  ])('%s', (_name, state, expected) => {
    expect(needsUndo(target(state))).toBe(expected)
  })
})

describe('needsMove', () => {
  it('only a target with a new version that its alias does not serve yet', () => {
    expect(needsMove(target())).toBe(false)
    expect(needsMove(target({ version: '7' }))).toBe(true)
    expect(needsMove(target({ version: '6', code: 'alias-up-to-date' }))).toBe(
      false
    )
  })
})

describe('reportTargets', () => {
  it('derives every function and the first function for the run', () => {
    const report: Report = { phases: [] }
    const first = target({
      code: 'updated',
      checks: {
        smoke: {
          state: 'passed',
          url: 'https://x/',
          status: 200,
          attempts: 1,
          reason: 'ok'
        }
      }
    })
    const second = target({
      name: 'api2',
      arn: `${ARN}2`,
      code: 'up-to-date'
    })

    reportTargets(report, [first, second], LATEST, image, false)

    expect(report.targets?.map(t => [t.functionName, t.outcome])).toEqual([
      ['api', 'deployed'],
      ['api2', 'unchanged']
    ])
    expect(report.targets?.[0]?.servingImageUri).toBe(NEW)
    expect(report.targets?.[0]?.undo).toContain(OLD)
    expect(report.targets?.[1]?.undo).toBeUndefined()
    expect(report.functionName).toBe('api')
    expect(report.functionArn).toBe(ARN)
    expect(report.previousImageUri).toBe(OLD)
    expect(report.smoke?.state).toBe('passed')
    expect(report.updated).toBe(true)
  })

  it('alias deploys: the previous image is the alias version’s', () => {
    const report: Report = { phases: [] }
    reportTargets(
      report,
      [target({ aliasImageUri: THEIRS, alias: alias('6') })],
      ALIAS,
      image,
      true
    )
    expect(report.previousImageUri).toBe(THEIRS)
    expect(report.targets?.[0]?.outcome).toBe('stopped')
    expect(report.updated).toBeUndefined()
  })

  it('no functions found: nothing about functions is claimed', () => {
    const report: Report = { phases: [], functionName: 'api' }
    reportTargets(report, [], LATEST, undefined, true)
    expect(report.targets).toBeUndefined()
    expect(report.functionName).toBe('api')
    expect(report.updated).toBeUndefined()
  })
})

describe('pendingUndo (what the post step must put back)', () => {
  const region = 'us-east-1'

  it('$LATEST updated and not yet restored', () => {
    expect(
      pendingUndo([target({ code: 'updated' })], LATEST, image, region)
    ).toEqual([
      {
        kind: 'latest',
        region,
        functionArn: ARN,
        ourDigest: image.digest,
        restoreImageUri: OLD,
        restoreDigest: `sha256:${'a'.repeat(64)}`
      }
    ])
  })

  it('an alias split and $LATEST, aliases recorded with their versions', () => {
    const records = pendingUndo(
      [
        target({
          code: 'updated',
          traffic: 'canary',
          version: '7',
          previousVersion: '6'
        })
      ],
      ALIAS,
      image,
      region
    )
    expect(records.map(r => r.kind)).toEqual(['alias', 'latest'])
    expect(records[0]).toMatchObject({ ourVersion: '7', previousVersion: '6' })
  })

  it("an alias record carries the alias's RevisionId after this run's change, for the post step's guard", () => {
    const [record] = pendingUndo(
      [
        target({
          traffic: 'moved',
          version: '7',
          previousVersion: '6',
          alias: {
            name: 'live',
            aliasArn: `${ARN}:live`,
            version: '7',
            weights: {},
            description: undefined,
            revisionId: 'rev-after-move'
          }
        })
      ],
      ALIAS,
      image,
      region
    )
    expect(record).toMatchObject({
      kind: 'alias',
      ourVersion: '7',
      revisionId: 'rev-after-move'
    })
  })

  it.each<[string, Partial<TargetState>]>([
    ['nothing changed', {}],
    ['already restored', { code: 'updated', undo: 'restored' }],
    ['superseded', { code: 'updated', undo: 'superseded' }],
    ['refused by Lambda', { code: 'refused' }]
  ])('nothing when %s', (_name, state) => {
    expect(pendingUndo([target(state)], LATEST, image, region)).toEqual([])
  })
})

describe('newTarget', () => {
  it('starts with nothing done, named by the function Lambda found', () => {
    const found = { ...fn(OLD), functionName: 'api-found' }
    expect(newTarget(found, 'api-given', () => undefined)).toMatchObject({
      name: 'api-found',
      arn: ARN,
      latest: found,
      replaced: found,
      code: 'pending',
      traffic: 'untouched',
      undo: 'none',
      checks: {}
    })
  })

  it('is named as given for a preview not created yet', () => {
    expect(newTarget(undefined, 'api-pr-7', () => undefined)).toMatchObject({
      name: 'api-pr-7',
      arn: 'api-pr-7',
      latest: undefined,
      code: 'pending',
      undo: 'none'
    })
  })
})

describe('without the image or the function', () => {
  // A run that failed before check-image has no image; a preview that was
  // never created has no $LATEST.
  const preview = (overrides: Partial<TargetState> = {}): TargetState => ({
    ...newTarget(undefined, 'api-pr-7', () => undefined),
    ...overrides
  })

  it('serves what the alias served when the image is unknown', () => {
    expect(
      servingOf(
        target({ alias: alias('7'), version: '7', aliasImageUri: THEIRS }),
        undefined
      )
    ).toEqual({ version: '7', imageUri: THEIRS })
  })

  it("serves $LATEST's image when the image is unknown", () => {
    expect(servingOf(target({ code: 'updated' }), undefined)).toEqual({
      version: undefined,
      imageUri: OLD
    })
  })

  it.each<[string, Partial<TargetState>]>([
    ['updated', { code: 'updated' }],
    ['not reached', {}]
  ])('serves nothing known for a preview %s', (_label, overrides) => {
    expect(servingOf(preview(overrides), undefined)).toEqual({
      version: undefined,
      imageUri: undefined
    })
  })

  it('reports a preview that was never created', () => {
    const report: Report = { phases: [] }
    reportTargets(report, [preview()], LATEST, undefined, true)
    expect(report.functionName).toBe('api-pr-7')
    expect(report.functionArn).toBeUndefined()
    expect(report.previousImageUri).toBeUndefined()
    expect(report.targets?.[0]).toMatchObject({
      functionName: 'api-pr-7',
      outcome: 'stopped',
      previousImageUri: undefined,
      servingImageUri: undefined,
      undo: undefined
    })
  })
})

// Mutation testing (docs/testing-mutation.md) found these decisions unpinned:
// each case below fails on one of the mutants it names.
describe('the decisions mutation testing found unpinned', () => {
  const region = 'us-east-1'
  const planned = {
    name: 'api',
    code: 'update',
    publish: false,
    traffic: 'untouched',
    from: OLD,
    to: NEW,
    text: 'api: would update $LATEST'
  } as const

  it('an update whose answer was lost (updating) changed $LATEST: it is undone', () => {
    const t = target({ code: 'updating' })
    expect(needsUndo(t)).toBe(true)
    expect(changedServing(t, LATEST)).toBe(true)
    expect(pendingUndo([t], LATEST, image, region).map(r => r.kind)).toEqual([
      'latest'
    ])
  })

  it.each<[string, Partial<TargetState>]>([
    ['its undo saw it superseded', { code: 'updated', undo: 'superseded' }],
    ['someone else deployed since', { code: 'updated', supersededBy: 'x' }]
  ])('a change no longer served when %s', (_name, state) => {
    expect(servesChange(target(state), LATEST)).toBe(false)
    expect(servingOf(target(state), image).imageUri).toBe(OLD)
  })

  it('a dry run that planned a change updated nothing: false, not undefined', () => {
    expect(updatedOf(target({ planned }))).toBe(false)
    expect(updatedOf(target())).toBeUndefined()
  })

  it('a failed run whose undo found the function superseded says superseded', () => {
    expect(
      outcomeOf(target({ code: 'updated', undo: 'superseded' }), LATEST, true)
    ).toBe('superseded')
  })

  it('after a success, an alias deploy shows the alias command only', () => {
    const t = target({
      code: 'updated',
      traffic: 'moved',
      version: '7',
      previousVersion: '6'
    })
    expect(shownUndo(t, ALIAS, false)).toBe(undoCommand(t, ALIAS))
    expect(shownUndo(t, ALIAS, false)).not.toContain('update-function-code')
  })

  it('after a failure, an alias deploy shows the alias command, then $LATEST’s', () => {
    const t = target({
      code: 'updated',
      traffic: 'canary',
      version: '7',
      previousVersion: '6'
    })
    expect(shownUndo(t, ALIAS, true)).toBe(
      [
        `aws lambda update-alias --function-name ${ARN} --name live --function-version 6 --routing-config 'AdditionalVersionWeights={}'`,
        `aws lambda update-function-code --function-name ${ARN} --image-uri ${OLD}`
      ].join('\n')
    )
    // The alias untouched: $LATEST's command only.
    expect(
      shownUndo(
        target({ code: 'updated', version: '7', previousVersion: '6' }),
        ALIAS,
        true
      )
    ).toBe(
      `aws lambda update-function-code --function-name ${ARN} --image-uri ${OLD}`
    )
  })

  it.each<[string, Partial<TargetState>]>([
    ['someone else deployed since', { code: 'updated', supersededBy: 'x' }],
    ['its undo saw it superseded', { code: 'updated', undo: 'superseded' }]
  ])('after a failure, no command when %s', (_name, state) => {
    expect(shownUndo(target(state), LATEST, true)).toBeUndefined()
  })

  it("the run's would-change lists what each function planned, and nothing without a plan", () => {
    const second = { ...planned, name: 'api2' }
    const report: Report = { phases: [] }
    reportTargets(
      report,
      [
        target({ planned }),
        target({ name: 'api3', arn: `${ARN}3` }),
        target({ name: 'api2', arn: `${ARN}2`, planned: second })
      ],
      LATEST,
      image,
      false
    )
    expect(report.wouldChange).toEqual([planned, second])
    const none: Report = { phases: [] }
    reportTargets(none, [target({ code: 'updated' })], LATEST, image, false)
    expect(none.wouldChange).toBeUndefined()
  })

  const changed: Partial<TargetState> = {
    code: 'updated',
    traffic: 'moved',
    version: '7',
    previousVersion: '6'
  }
  it.each<[string, Partial<TargetState>, Release, Image | undefined, string[]]>(
    [
      [
        'alias moved and $LATEST updated',
        changed,
        ALIAS,
        image,
        ['alias', 'latest']
      ],
      [
        'the alias untouched',
        { ...changed, traffic: 'untouched' },
        ALIAS,
        image,
        ['latest']
      ],
      [
        'the alias taken over by someone else',
        { ...changed, supersededBy: 'x' },
        ALIAS,
        image,
        ['latest']
      ],
      [
        'no version before (the alias is new)',
        { ...changed, previousVersion: undefined },
        ALIAS,
        image,
        ['latest']
      ],
      [
        'no version of ours',
        { ...changed, version: undefined },
        ALIAS,
        image,
        ['latest']
      ],
      [
        '$LATEST not changed',
        { ...changed, code: 'up-to-date' },
        ALIAS,
        image,
        ['alias']
      ],
      ['no image of ours known', changed, ALIAS, undefined, ['alias']],
      [
        'nothing ran before on $LATEST',
        { ...changed, replaced: undefined },
        ALIAS,
        image,
        ['alias']
      ],
      [
        'the image before known only by tag',
        { ...changed, replaced: { ...fn(OLD), imageDigest: undefined } },
        ALIAS,
        image,
        ['alias']
      ],
      [
        'the image before has no URI',
        { ...changed, replaced: { ...fn(OLD), imageUri: undefined } },
        ALIAS,
        image,
        ['alias']
      ]
    ]
  )('pendingUndo: %s', (_name, state, release, ourImage, kinds) => {
    expect(
      pendingUndo([target(state)], release, ourImage, region).map(r => r.kind)
    ).toEqual(kinds)
  })
})

describe('a Lambda Managed Instances function released by publishing (issue 24)', () => {
  /** Callers got OLD from $LATEST.PUBLISHED when the run began. */
  const managed = (
    change: NonNullable<TargetState['published']>['change'],
    overrides: Partial<TargetState> = {}
  ): TargetState =>
    target({
      code: 'updated',
      published: {
        before: {
          imageUri: OLD,
          imageDigest: `sha256:${'a'.repeat(64)}`,
          state: 'Active'
        },
        change
      },
      ...overrides
    })

  it.each<[NonNullable<TargetState['published']>['change'], boolean]>([
    ['none', false],
    ['publishing', true],
    ['activating', true],
    ['active', true],
    ['failed', false]
  ])(
    'publish %s: changed what callers get = %p ($LATEST alone never does)',
    (change, expected) => {
      expect(changedServing(managed(change), LATEST)).toBe(expected)
    }
  )

  it('a version that never became Active: stopped before traffic, $LATEST still put back', () => {
    const t = managed('failed', { undo: 'restored', error: 'Failed' })
    expect(needsUndo(managed('failed'))).toBe(true)
    expect(outcomeOf(t, LATEST, true)).toBe('stopped')
  })

  it('serves: the new image while the publish stands, the previous one once put back', () => {
    expect(servingOf(managed('active'), image).imageUri).toBe(NEW)
    expect(
      servingOf(managed('active', { undo: 'restored' }), image).imageUri
    ).toBe(OLD)
    expect(servingOf(managed('failed'), image).imageUri).toBe(OLD)
  })

  it('an undo whose activation outlasted the wait: rollback-activating', () => {
    expect(
      outcomeOf(managed('active', { undo: 'activating' }), LATEST, true)
    ).toBe('rollback-activating')
  })

  it('the post step gets a published record after the latest one, only while the publish stands', () => {
    const records = pendingUndo(
      [managed('activating')],
      LATEST,
      image,
      'us-east-1'
    )
    expect(records.map(r => r.kind)).toEqual(['latest', 'published'])
    expect(records[1]).toEqual({
      kind: 'published',
      region: 'us-east-1',
      functionArn: ARN,
      ourDigest: image.digest,
      restoreImageUri: OLD,
      restoreDigest: `sha256:${'a'.repeat(64)}`
    })
    expect(
      pendingUndo([managed('failed')], LATEST, image, 'us-east-1').map(
        r => r.kind
      )
    ).toEqual(['latest'])
  })

  it('serves what $LATEST.PUBLISHED served, not what $LATEST runs', () => {
    // The run updated $LATEST to NEW; callers still get OLD until a publish.
    expect(
      servingOf(managed('failed', { latest: fn(NEW) }), image).imageUri
    ).toBe(OLD)
    // Nothing was published before, and this run's publish failed.
    const firstFailed = target({
      code: 'updated',
      latest: fn(NEW),
      published: { before: undefined, change: 'failed' }
    })
    expect(servingOf(firstFailed, image).imageUri).toBeUndefined()
    // A publish that stands with no image released (none was built):
    // what is known, which is nothing.
    const noImage = target({
      code: 'updated',
      published: { before: undefined, change: 'active' }
    })
    expect(servingOf(noImage, undefined).imageUri).toBeUndefined()
    expect(servingOf(managed('active'), undefined).imageUri).toBe(OLD)
  })

  it.each<[string, TargetState, Image | undefined]>([
    ['no image of ours', managed('active'), undefined],
    [
      'nothing published before',
      target({
        code: 'updated',
        published: { before: undefined, change: 'active' }
      }),
      image
    ],
    [
      'the image before unknown by URI',
      target({
        code: 'updated',
        published: {
          before: {
            imageUri: undefined,
            imageDigest: `sha256:${'a'.repeat(64)}`,
            state: 'Active'
          },
          change: 'active'
        }
      }),
      image
    ],
    [
      'the image before unknown by digest',
      target({
        code: 'updated',
        published: {
          before: { imageUri: OLD, imageDigest: undefined, state: 'Active' },
          change: 'active'
        }
      }),
      image
    ]
  ])('no published record for the post step: %s', (_name, t, ourImage) => {
    expect(
      pendingUndo([t], LATEST, ourImage, 'us-east-1').some(
        r => r.kind === 'published'
      )
    ).toBe(false)
  })

  it('the undo by hand re-publishes the previous image', () => {
    expect(undoCommand(managed('active'), LATEST)).toBe(
      `aws lambda update-function-code --function-name ${ARN} --image-uri ${OLD} && aws lambda wait function-updated-v2 --function-name ${ARN} && aws lambda publish-version --function-name ${ARN} --publish-to LATEST_PUBLISHED`
    )
  })
})

describe('a change of the configuration inputs (environment, memory-size, …)', () => {
  const previous: ConfigSnapshot = {
    environment: { STAGE: 'old' },
    memorySize: 512,
    timeout: 30,
    ephemeralStorage: 512,
    imageConfig: {},
    description: ''
  }
  const applied: ConfigSnapshot = {
    ...previous,
    environment: { STAGE: 'new' },
    memorySize: 1024
  }
  /** $LATEST already ran the image; only the configuration changed. */
  const configured = (state: 'updating' | 'updated'): TargetState =>
    target({
      code: 'up-to-date',
      configuration: {
        state,
        previous,
        applied,
        diff: { settings: ['environment', 'memory-size'], variables: [] }
      }
    })

  it('counts as an update once accepted, and as a change to undo even before', () => {
    expect(updatedOf(configured('updated'))).toBe(true)
    expect(updatedOf(configured('updating'))).toBe(false)
    expect(needsUndo(configured('updating'))).toBe(true)
    expect(changedServing(configured('updating'), LATEST)).toBe(true)
    expect(outcomeOf(configured('updated'), LATEST, false)).toBe('deployed')
  })

  it('the post step gets a configuration record: what to restore, and the fingerprints that say it is still ours', () => {
    expect(
      pendingUndo([configured('updating')], LATEST, image, 'us-east-1')
    ).toEqual([
      {
        kind: 'configuration',
        region: 'us-east-1',
        functionArn: ARN,
        applied: configFingerprint(applied),
        previous: configFingerprint(previous),
        restore: previous
      }
    ])
  })
})
