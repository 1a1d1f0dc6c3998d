/**
 * decide: the one decision of what a run does to each function, which the
 * deploy carries out, the dry run reports and the image preflight asks
 * (everyServes: when every function, or every alias, already serves the
 * digest, the image preflight is skipped). A wrong "yes" skips the check of
 * an image that was never proven to run, so each way it can go wrong has a
 * case here.
 */
import { describe, expect, it } from '@jest/globals'
import type { FunctionState } from '../../src/aws/lambda.js'
import type { AliasState } from '../../src/aws/versions.js'
import {
  aliasServes,
  alreadyServes,
  configurationChange,
  decide,
  everyServes,
  latestAction,
  publishedServes,
  targetRelease,
  type DecideRelease,
  type TargetAction
} from '../../src/decide/action.js'
import type { ConfigSnapshot } from '../../src/decide/configuration.js'
import type { FunctionConfigInputs } from '../../src/inputs/types.js'
import { newTarget, type TargetState } from '../../src/targets.js'

const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/api'
const DIGEST = `sha256:${'b'.repeat(64)}`
const OTHER = `sha256:${'a'.repeat(64)}`

function fn(
  name: string,
  digest: string | undefined,
  ...status: [lastUpdateStatus?: string | undefined]
): FunctionState {
  // An explicit undefined is a status Lambda did not report.
  const lastUpdateStatus = status.length === 0 ? 'Successful' : status[0]
  return {
    functionName: name,
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    packageType: 'Image',
    architecture: 'x86_64',
    state: 'Active',
    lastUpdateStatus,
    imageUri: digest === undefined ? undefined : `${REPO}@${digest}`,
    imageDigest: digest
  }
}

function alias(
  version: string,
  weights: Record<string, number> = {}
): AliasState {
  return {
    name: 'live',
    aliasArn: `arn:aws:lambda:us-east-1:123456789012:function:api:live`,
    version,
    weights,
    description: undefined,
    revisionId: 'r1'
  }
}

const CONFIG: ConfigSnapshot = {
  environment: { STAGE: 'prod' },
  memorySize: 512,
  timeout: 30,
  ephemeralStorage: 512,
  imageConfig: {},
  description: ''
}

function configInputs(
  overrides: Partial<FunctionConfigInputs>
): FunctionConfigInputs {
  return {
    environment: undefined,
    environmentMode: 'merge',
    memorySize: undefined,
    timeout: undefined,
    ephemeralStorage: undefined,
    imageConfig: undefined,
    description: undefined,
    ...overrides
  }
}

/** A function whose $LATEST is `latest` (undefined: a preview not created yet). */
function target(
  latest: FunctionState | undefined,
  overrides: Partial<TargetState> = {}
): TargetState {
  return {
    ...newTarget(latest, latest?.functionName ?? 'api', () => undefined),
    ...overrides
  }
}

/** A function whose alias serves `digest` (its $LATEST runs something else). */
function aliased(name: string, digest: string | undefined): TargetState {
  return target(fn(name, OTHER), {
    alias: alias('3'),
    aliasImageUri: digest === undefined ? undefined : `${REPO}@${digest}`
  })
}

const release = (aliasName: string | undefined): DecideRelease => ({
  release:
    aliasName === undefined
      ? { kind: 'latest', publish: false }
      : { kind: 'alias', name: aliasName, canary: undefined },
  source: { kind: 'build' }
})

/** every function (or alias) serves `digest`, as the image preflight asks. */
const alreadyServing = (
  targets: TargetState[],
  digest: string,
  aliasName: string | undefined
): boolean => everyServes(targets, release(aliasName), digest)

describe('everyServes without an alias ($LATEST)', () => {
  it('is true when $LATEST runs the digest and its last update succeeded', () => {
    expect(alreadyServing([target(fn('api', DIGEST))], DIGEST, undefined)).toBe(
      true
    )
  })

  it.each(['Failed', 'InProgress', undefined])(
    'is false when $LATEST shows the digest but its last update is %s',
    status => {
      expect(
        alreadyServing([target(fn('api', DIGEST, status))], DIGEST, undefined)
      ).toBe(false)
    }
  )

  it('is false when $LATEST runs another digest', () => {
    expect(alreadyServing([target(fn('api', OTHER))], DIGEST, undefined)).toBe(
      false
    )
  })

  it('is false when $LATEST runs no image at all', () => {
    expect(
      alreadyServing([target(fn('api', undefined))], DIGEST, undefined)
    ).toBe(false)
  })

  it('is false for a preview function not created yet', () => {
    expect(alreadyServing([target(undefined)], DIGEST, undefined)).toBe(false)
  })

  it('is false when only some of several functions run the digest', () => {
    const targets = [
      target(fn('api', DIGEST)),
      target(fn('worker', OTHER)),
      target(fn('jobs', DIGEST))
    ]
    expect(alreadyServing(targets, DIGEST, undefined)).toBe(false)
    expect(
      alreadyServing(targets.slice(0, 2).reverse(), DIGEST, undefined)
    ).toBe(false)
  })

  it('is true when every one of several functions runs the digest', () => {
    const targets = [target(fn('api', DIGEST)), target(fn('worker', DIGEST))]
    expect(alreadyServing(targets, DIGEST, undefined)).toBe(true)
  })

  it("ignores what an alias serves: $LATEST's image is the one deployed", () => {
    expect(alreadyServing([aliased('api', DIGEST)], DIGEST, undefined)).toBe(
      false
    )
  })
})

describe('everyServes with an alias', () => {
  it('is true when the alias serves the digest', () => {
    expect(alreadyServing([aliased('api', DIGEST)], DIGEST, 'live')).toBe(true)
  })

  it('is false when the alias serves another digest', () => {
    expect(alreadyServing([aliased('api', OTHER)], DIGEST, 'live')).toBe(false)
  })

  it('is false when the image of the alias is not known', () => {
    expect(alreadyServing([aliased('api', undefined)], DIGEST, 'live')).toBe(
      false
    )
  })

  it('is false when the digest is only part of the image the alias serves', () => {
    const target = aliased('api', DIGEST)
    target.aliasImageUri = `${REPO}@${DIGEST}-debug`
    expect(alreadyServing([target], DIGEST, 'live')).toBe(false)
    target.aliasImageUri = `${REPO}:${DIGEST}`
    expect(alreadyServing([target], DIGEST, 'live')).toBe(false)
  })

  it('is false when the function has no such alias yet, whatever $LATEST runs', () => {
    const noAlias = target(fn('api', DIGEST), {
      aliasImageUri: `${REPO}@${DIGEST}`
    })
    expect(alreadyServing([noAlias], DIGEST, 'live')).toBe(false)
  })

  it("ignores $LATEST: the alias's image is the one served", () => {
    const latestOnly = target(fn('api', DIGEST), {
      alias: alias('$LATEST'),
      aliasImageUri: `${REPO}@${OTHER}`
    })
    expect(alreadyServing([latestOnly], DIGEST, 'live')).toBe(false)
  })

  it('is false when only some of several aliases serve the digest', () => {
    const targets = [aliased('api', DIGEST), aliased('worker', OTHER)]
    expect(alreadyServing(targets, DIGEST, 'live')).toBe(false)
    expect(alreadyServing([...targets].reverse(), DIGEST, 'live')).toBe(false)
  })

  it('is true when every one of several aliases serves the digest', () => {
    const targets = [aliased('api', DIGEST), aliased('worker', DIGEST)]
    expect(alreadyServing(targets, DIGEST, 'live')).toBe(true)
  })
})

describe('everyServes with an alias that splits its traffic', () => {
  it('is false while a canary is still on, even when the alias version serves the digest', () => {
    const split = target(fn('api', OTHER), {
      alias: alias('3', { '4': 0.1 }),
      aliasImageUri: `${REPO}@${DIGEST}`
    })
    expect(alreadyServing([split], DIGEST, 'live')).toBe(false)
  })
})

describe('decide', () => {
  const canary = { percent: 10, intervalMs: 60_000 }
  it.each<
    [
      string,
      Partial<TargetState>,
      DecideRelease,
      string | undefined,
      TargetAction
    ]
  >([
    [
      '$LATEST runs another image: update it',
      { latest: fn('api', OTHER) },
      release(undefined),
      DIGEST,
      {
        do: 'deploy',
        latest: 'update',
        pinAlias: false,
        publish: 'none',
        alias: undefined
      }
    ],
    [
      '$LATEST already runs the image: no update',
      { latest: fn('api', DIGEST) },
      release(undefined),
      DIGEST,
      {
        do: 'deploy',
        latest: 'up-to-date',
        pinAlias: false,
        publish: 'none',
        alias: undefined
      }
    ],
    [
      '$LATEST shows the image but its last update failed: update',
      { latest: fn('api', DIGEST, 'Failed') },
      release(undefined),
      DIGEST,
      {
        do: 'deploy',
        latest: 'update',
        pinAlias: false,
        publish: 'none',
        alias: undefined
      }
    ],
    [
      'an image built and not pushed (no digest): update',
      { latest: fn('api', DIGEST) },
      release(undefined),
      undefined,
      {
        do: 'deploy',
        latest: 'update',
        pinAlias: false,
        publish: 'none',
        alias: undefined
      }
    ],
    [
      'publish without an alias',
      { latest: fn('api', OTHER) },
      { ...release(undefined), release: { kind: 'latest', publish: true } },
      DIGEST,
      {
        do: 'deploy',
        latest: 'update',
        pinAlias: false,
        publish: 'version',
        alias: undefined
      }
    ],
    [
      'a preview not created yet: create it',
      { latest: undefined, production: fn('api', OTHER) },
      release(undefined),
      DIGEST,
      { do: 'create-preview' }
    ],
    [
      'the alias serves the image but memory-size changes: deploy, the configuration first',
      {
        latest: { ...fn('api', OTHER), config: CONFIG },
        alias: alias('3'),
        aliasImageUri: `${REPO}@${DIGEST}`
      },
      {
        ...release('live'),
        functionConfig: configInputs({ memorySize: 1024 })
      },
      DIGEST,
      {
        do: 'deploy',
        latest: 'update',
        configuration: {
          settings: ['memory-size'],
          variables: [{ name: 'STAGE', change: 'unchanged' }]
        },
        pinAlias: false,
        publish: 'version',
        alias: { name: 'live', from: '3', canary: undefined }
      }
    ],
    [
      'the alias serves the image and the configuration inputs change nothing: nothing',
      {
        latest: { ...fn('api', OTHER), config: CONFIG },
        alias: alias('3'),
        aliasImageUri: `${REPO}@${DIGEST}`
      },
      {
        ...release('live'),
        functionConfig: configInputs({
          memorySize: 512,
          environment: { STAGE: 'prod' }
        })
      },
      DIGEST,
      { do: 'nothing', alias: 'live', version: '3' }
    ],
    [
      '$LATEST runs the image, a variable changes: deploy the configuration only',
      { latest: { ...fn('api', DIGEST), config: CONFIG } },
      {
        ...release(undefined),
        functionConfig: configInputs({ environment: { STAGE: 'test' } })
      },
      DIGEST,
      {
        do: 'deploy',
        latest: 'up-to-date',
        configuration: {
          settings: ['environment'],
          variables: [{ name: 'STAGE', change: 'changed' }]
        },
        pinAlias: false,
        publish: 'none',
        alias: undefined
      }
    ],
    [
      'a deploy to a function the look-up kept missing (role given): create it',
      { latest: undefined },
      release(undefined),
      DIGEST,
      { do: 'create', publish: 'none', alias: undefined }
    ],
    [
      'a missing function released through an alias: create, publish, create the alias',
      { latest: undefined },
      release('live'),
      DIGEST,
      {
        do: 'create',
        publish: 'version',
        alias: { name: 'live', from: undefined, canary: undefined }
      }
    ],
    [
      'the alias serves the image with all its traffic: nothing',
      { alias: alias('3'), aliasImageUri: `${REPO}@${DIGEST}` },
      release('live'),
      DIGEST,
      { do: 'nothing', alias: 'live', version: '3' }
    ],
    [
      'the alias serves the image but splits its traffic: deploy and move it',
      { alias: alias('3', { '4': 0.1 }), aliasImageUri: `${REPO}@${DIGEST}` },
      release('live'),
      DIGEST,
      {
        do: 'deploy',
        latest: 'update',
        pinAlias: false,
        publish: 'version',
        alias: { name: 'live', from: '3', canary: undefined }
      }
    ],
    [
      'the alias serves another image: move it (a canary first)',
      {
        alias: alias('3'),
        aliasImageUri: `${REPO}@${OTHER}`,
        latest: fn('api', DIGEST)
      },
      { ...release('live'), release: { kind: 'alias', name: 'live', canary } },
      DIGEST,
      {
        do: 'deploy',
        latest: 'up-to-date',
        pinAlias: false,
        publish: 'version',
        alias: { name: 'live', from: '3', canary }
      }
    ],
    [
      'the alias does not exist yet: create it',
      {},
      release('live'),
      DIGEST,
      {
        do: 'deploy',
        latest: 'update',
        pinAlias: false,
        publish: 'version',
        alias: { name: 'live', from: undefined, canary: undefined }
      }
    ],
    [
      'the alias points to $LATEST: pin it first',
      { alias: alias('$LATEST'), aliasImageUri: `${REPO}@${OTHER}` },
      release('live'),
      DIGEST,
      {
        do: 'deploy',
        latest: 'update',
        pinAlias: true,
        publish: 'version',
        alias: { name: 'live', from: '$LATEST', canary: undefined }
      }
    ],
    [
      'rollback-to previous: move the alias back to the version the look-up found',
      { alias: alias('4'), version: '3' },
      { ...release('live'), source: { kind: 'previous' } },
      undefined,
      {
        do: 'move-back',
        alias: { name: 'live', from: '4', canary: undefined },
        to: '3'
      }
    ]
  ])('%s', (_name, state, given, digest, expected) => {
    const t = target(fn('api', OTHER), state)
    expect(decide(t, given, { digest })).toEqual(expected)
  })
})

// Cases the mutation run of 2026-12-06 found unpinned (docs/testing-mutation.md).
describe('the decision pieces at their edges', () => {
  it('aliasServes is false for a function with no alias, whatever image is recorded for one', () => {
    const t = target(fn('api', OTHER), {
      alias: undefined,
      aliasImageUri: `${REPO}@${DIGEST}`
    })
    expect(aliasServes(t, DIGEST)).toBe(false)
  })

  it('latestAction updates when neither the image nor $LATEST has a known digest', () => {
    expect(latestAction(fn('api', undefined), undefined)).toBe('update')
  })

  it('decide without an image (a plan made before the build) updates $LATEST, and never throws', () => {
    expect(
      decide(target(fn('api', DIGEST)), release(undefined), undefined)
    ).toEqual({
      do: 'deploy',
      latest: 'update',
      pinAlias: false,
      publish: 'none',
      alias: undefined
    })
  })

  it('a $LATEST release never pins an alias, even one the function has on $LATEST', () => {
    const t = target(fn('api', OTHER), { alias: alias('$LATEST') })
    const action = decide(t, release(undefined), { digest: DIGEST })
    expect(action).toMatchObject({ do: 'deploy', pinAlias: false })
  })
})

/** A Lambda Managed Instances function: callers get $LATEST.PUBLISHED. */
function managed(
  latestDigest: string,
  published: { digest: string; state: string } | undefined
): TargetState {
  return target(
    {
      ...fn('api', latestDigest),
      state: 'ActiveNonInvocable',
      capacityProviderArn:
        'arn:aws:lambda:us-east-1:123456789012:capacity-provider:web'
    },
    {
      published: {
        before:
          published === undefined
            ? undefined
            : {
                imageUri: `${REPO}@${published.digest}`,
                imageDigest: published.digest,
                state: published.state
              },
        change: 'none'
      }
    }
  )
}

describe('a Lambda Managed Instances function (issue 24)', () => {
  it('a plain release becomes a publish to $LATEST.PUBLISHED; an alias release stays one', () => {
    const mi = managed(OTHER, { digest: OTHER, state: 'Active' })
    expect(targetRelease(mi, { kind: 'latest', publish: false })).toEqual({
      kind: 'published'
    })
    expect(targetRelease(mi, { kind: 'latest', publish: true })).toEqual({
      kind: 'published'
    })
    const aliasRelease = {
      kind: 'alias' as const,
      name: 'live',
      canary: undefined
    }
    expect(targetRelease(mi, aliasRelease)).toBe(aliasRelease)
    expect(
      targetRelease(target(fn('api', OTHER)), {
        kind: 'latest',
        publish: false
      })
    ).toEqual({ kind: 'latest', publish: false })
  })

  it.each<[string, TargetState, TargetAction]>([
    [
      'another image everywhere: update $LATEST, then publish to $LATEST.PUBLISHED',
      managed(OTHER, { digest: OTHER, state: 'Active' }),
      {
        do: 'deploy',
        latest: 'update',
        pinAlias: false,
        publish: 'latest-published',
        alias: undefined
      }
    ],
    [
      '$LATEST runs the image but callers do not get it: publish all the same',
      managed(DIGEST, { digest: OTHER, state: 'Active' }),
      {
        do: 'deploy',
        latest: 'up-to-date',
        pinAlias: false,
        publish: 'latest-published',
        alias: undefined
      }
    ],
    [
      'nothing published yet: publish',
      managed(DIGEST, undefined),
      {
        do: 'deploy',
        latest: 'up-to-date',
        pinAlias: false,
        publish: 'latest-published',
        alias: undefined
      }
    ],
    [
      '$LATEST.PUBLISHED has the image but never became Active: publish again',
      managed(DIGEST, { digest: DIGEST, state: 'Failed' }),
      {
        do: 'deploy',
        latest: 'up-to-date',
        pinAlias: false,
        publish: 'latest-published',
        alias: undefined
      }
    ],
    [
      '$LATEST.PUBLISHED serves the image and is Active: nothing to publish',
      managed(DIGEST, { digest: DIGEST, state: 'Active' }),
      {
        do: 'deploy',
        latest: 'up-to-date',
        pinAlias: false,
        publish: 'none',
        alias: undefined
      }
    ]
  ])('%s', (_name, t, expected) => {
    expect(decide(t, release(undefined), { digest: DIGEST })).toEqual(expected)
  })

  it('already serves the image only when $LATEST.PUBLISHED does (Active), not when $LATEST does', () => {
    expect(
      alreadyServing(
        [managed(DIGEST, { digest: OTHER, state: 'Active' })],
        DIGEST,
        undefined
      )
    ).toBe(false)
    expect(
      alreadyServing(
        [managed(DIGEST, { digest: DIGEST, state: 'Pending' })],
        DIGEST,
        undefined
      )
    ).toBe(false)
    expect(
      alreadyServing(
        [managed(DIGEST, { digest: DIGEST, state: 'Active' })],
        DIGEST,
        undefined
      )
    ).toBe(true)
  })

  it('an alias release of a Managed Instances function publishes a numbered version', () => {
    const mi = managed(OTHER, { digest: OTHER, state: 'Active' })
    mi.alias = alias('3')
    mi.aliasImageUri = `${REPO}@${OTHER}`
    expect(decide(mi, release('live'), { digest: DIGEST })).toMatchObject({
      do: 'deploy',
      publish: 'version',
      alias: { name: 'live', from: '3' }
    })
  })
})

describe('configurationChange', () => {
  const inputs = configInputs({ memorySize: 1024 })
  it('none without configuration inputs, or without the configuration $LATEST had', () => {
    const configured = target({ ...fn('api', DIGEST), config: CONFIG })
    expect(configurationChange(configured, undefined)).toBeUndefined()
    expect(
      configurationChange(target(fn('api', DIGEST)), inputs)
    ).toBeUndefined()
    // A preview not created yet has no $LATEST at all.
    expect(configurationChange(target(undefined), inputs)).toBeUndefined()
    expect(configurationChange(configured, inputs)?.settings).toEqual([
      'memory-size'
    ])
  })
})

describe('the decision pieces the mutation run found unpinned', () => {
  it('$LATEST.PUBLISHED does not serve an image that is not known', () => {
    const unknown = {
      published: {
        before: {
          imageUri: undefined,
          imageDigest: undefined,
          state: 'Active'
        },
        change: 'none' as const
      }
    }
    expect(publishedServes(unknown, undefined)).toBe(false)
    // Before the look-up read $LATEST.PUBLISHED: nothing known to serve.
    expect(publishedServes({ published: undefined }, DIGEST)).toBe(false)
  })

  it('a configuration change is something to do, even when $LATEST runs the image', () => {
    expect(
      alreadyServes({
        do: 'deploy',
        latest: 'up-to-date',
        configuration: { settings: ['memory-size'], variables: [] },
        pinAlias: false,
        publish: 'none',
        alias: undefined
      })
    ).toBe(false)
  })
})
