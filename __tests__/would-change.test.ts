import { describe, expect, it } from '@jest/globals'
import type { FunctionState } from '../src/aws/lambda.js'
import type { AliasState } from '../src/aws/versions.js'
import { wouldChangeOutput } from '../src/report/would-change.js'
import { newTarget, updatedOf, type TargetState } from '../src/targets.js'
import {
  imageToAsk,
  wouldChange,
  type DryRunRelease,
  type PlannedImage
} from '../src/would-change.js'

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:api'
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/api'
const OLD_DIGEST = `sha256:${'a'.repeat(64)}`
const NEW_DIGEST = `sha256:${'b'.repeat(64)}`
const OLD = `${REPO}@${OLD_DIGEST}`
const NEW = `${REPO}@${NEW_DIGEST}`
const built: PlannedImage = { uri: `${REPO}:abc123`, digest: undefined }
const existing: PlannedImage = { uri: NEW, digest: NEW_DIGEST }

function fn(imageUri: string, status = 'Successful'): FunctionState {
  return {
    functionName: 'api',
    functionArn: ARN,
    imageUri,
    imageDigest: imageUri.split('@')[1],
    architecture: 'x86_64',
    state: 'Active',
    lastUpdateStatus: status
  } as FunctionState
}

function alias(version: string, weights: Record<string, number> = {}) {
  return {
    name: 'live',
    aliasArn: `${ARN}:live`,
    version,
    weights,
    revisionId: 'r',
    description: ''
  } satisfies AliasState
}

function target(overrides: Partial<TargetState> = {}): TargetState {
  return { ...newTarget(fn(OLD), 'api', () => undefined), ...overrides }
}

const deploy: DryRunRelease = {
  release: { kind: 'latest', publish: false },
  source: { kind: 'build' }
}
const publish: DryRunRelease = {
  ...deploy,
  release: { kind: 'latest', publish: true }
}
const live: DryRunRelease = {
  ...deploy,
  release: { kind: 'alias', name: 'live', canary: undefined }
}
const canary: DryRunRelease = {
  ...deploy,
  release: {
    kind: 'alias',
    name: 'live',
    canary: { percent: 10, intervalMs: 300_000 }
  }
}

describe('wouldChange', () => {
  it.each<
    [
      string,
      Partial<TargetState>,
      DryRunRelease,
      PlannedImage | undefined,
      Partial<ReturnType<typeof wouldChange>>
    ]
  >([
    [
      'a new build: $LATEST would move to the tag',
      {},
      deploy,
      built,
      {
        code: 'update',
        publish: false,
        traffic: 'untouched',
        from: OLD,
        to: `${REPO}:abc123`,
        text: `would update $LATEST from ${OLD} to ${REPO}:abc123`
      }
    ],
    [
      'an existing image $LATEST already runs: nothing to do',
      { latest: fn(NEW) },
      deploy,
      existing,
      {
        code: 'up-to-date',
        traffic: 'untouched',
        text: `already runs this digest (${NEW_DIGEST}): nothing to do`
      }
    ],
    [
      'the same digest while an update failed: it would update',
      { latest: fn(NEW, 'Failed') },
      deploy,
      existing,
      { code: 'update' }
    ],
    [
      'publish on $LATEST',
      {},
      publish,
      existing,
      {
        code: 'update',
        publish: true,
        text: `would update $LATEST from ${OLD} to ${NEW}, then would publish a new version`
      }
    ],
    [
      'an alias on version 3',
      { alias: alias('3'), aliasImageUri: OLD },
      live,
      existing,
      {
        code: 'update',
        publish: true,
        traffic: 'moved',
        from: OLD,
        to: NEW,
        text: `would update $LATEST from ${OLD} to ${NEW}, then would publish a new version, then would move alias live from version 3 to that version`
      }
    ],
    [
      'a canary',
      { alias: alias('3'), aliasImageUri: OLD },
      canary,
      existing,
      {
        traffic: 'canary',
        text: `would update $LATEST from ${OLD} to ${NEW}, then would publish a new version, then would move alias live from version 3 to that version (canary 10% for 5m0s first)`
      }
    ],
    [
      'an alias that does not exist yet',
      {},
      live,
      built,
      {
        traffic: 'moved',
        from: undefined,
        text: `would update $LATEST from ${OLD} to ${REPO}:abc123, then would publish a new version, then would create alias live on that version`
      }
    ],
    [
      'an alias on $LATEST is pinned first',
      { alias: alias('$LATEST'), aliasImageUri: OLD },
      live,
      existing,
      {
        text: `would pin alias live to a version of what $LATEST runs (${OLD}), then would update $LATEST from ${OLD} to ${NEW}, then would publish a new version, then would move alias live from version $LATEST to that version`
      }
    ],
    [
      'the alias already serves the digest: nothing at all',
      { alias: alias('4'), aliasImageUri: NEW },
      canary,
      existing,
      {
        code: 'alias-up-to-date',
        publish: false,
        traffic: 'untouched',
        text: `alias live already serves ${NEW_DIGEST} (version 4): nothing to do`
      }
    ],
    [
      'the alias serves the digest but a canary is still on: it would move',
      { alias: alias('4', { '5': 0.1 }), aliasImageUri: NEW },
      live,
      existing,
      { code: 'update', traffic: 'moved' }
    ],
    [
      'rollback-to previous moves the alias back',
      {
        alias: alias('4'),
        aliasImageUri: NEW,
        version: '3',
        versionImageUri: OLD
      },
      { ...live, source: { kind: 'previous' } },
      undefined,
      {
        code: 'up-to-date',
        publish: false,
        traffic: 'moved',
        from: NEW,
        to: OLD,
        text: `rollback-to previous would move alias live from version 4 back to version 3 (${OLD})`
      }
    ],
    [
      'a first preview would be created',
      {
        name: 'api-pr-7',
        latest: undefined,
        production: fn(OLD)
      },
      deploy,
      built,
      {
        name: 'api-pr-7',
        code: 'create',
        traffic: 'untouched',
        from: undefined,
        to: `${REPO}:abc123`,
        text: `would create the preview function api-pr-7 (preview of api, from preview-settings), running ${REPO}:abc123, with its own Function URL`
      }
    ]
  ])('%s', (_name, state, release, image, expected) => {
    expect(wouldChange(target(state), release, image)).toMatchObject({
      name: 'api',
      ...expected
    })
  })

  it('a planned target counts as not updated; an unplanned one stays undecided', () => {
    const t = target()
    expect(updatedOf(t)).toBeUndefined()
    t.planned = wouldChange(t, deploy, built)
    expect(updatedOf(t)).toBe(false)
  })

  it('the would-change output is JSON of the decisions', () => {
    const change = wouldChange(target(), deploy, existing)
    expect(JSON.parse(wouldChangeOutput([change]))).toEqual([
      {
        name: 'api',
        code: 'update',
        publish: false,
        traffic: 'untouched',
        from: OLD,
        to: NEW,
        text: change.text
      }
    ])
  })
})

describe('imageToAsk: the image the dry run asks Lambda about', () => {
  it.each<[string, PlannedImage | undefined, boolean, unknown]>([
    [
      'an image in ECR: that image',
      existing,
      false,
      { imageUri: NEW, substitute: undefined }
    ],
    [
      'a build not pushed: the image it runs now',
      built,
      false,
      { imageUri: OLD, substitute: 'not pushed' }
    ],
    [
      'an archived image: the image it runs now',
      existing,
      true,
      { imageUri: OLD, substitute: 'archived' }
    ]
  ])('%s', (_label, image, archived, expected) => {
    const t = target()
    expect(
      imageToAsk(t, wouldChange(t, deploy, image), image, archived)
    ).toEqual(expected)
  })

  it('asks nothing when a real run would not update the code', () => {
    const t = target({ latest: fn(NEW) })
    const planned = wouldChange(t, deploy, existing)
    expect(planned.code).toBe('up-to-date')
    expect(imageToAsk(t, planned, existing)).toBeUndefined()
  })
})
