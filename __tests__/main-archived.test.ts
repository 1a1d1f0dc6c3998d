/**
 * Archived images through run(), against the simulated world: the image to
 * deploy (rollback-to, image) or the image an undo would put back is found
 * although DescribeImages hides it, and refused before any change with the
 * command that restores it, or restored (restore-archived) and waited for.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { REGION, REPOSITORY_NAME } from '../__fixtures__/aws.js'
import {
  HEALTH_PATH,
  START,
  simulatedWorld,
  storedImage,
  uriOf,
  type World
} from '../__fixtures__/world.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

const OLDER = storedImage('amd64', 'v1')
const CURRENT = storedImage('amd64', 'v2')
const DAY = 24 * 60 * 60 * 1000

const INPUTS: Record<string, string> = {
  'function-name': 'my-api',
  repository: REPOSITORY_NAME,
  'aws-region': REGION,
  preflight: 'off',
  'wait-timeout': '5m',
  'smoke-test': 'true',
  'smoke-path': HEALTH_PATH,
  'smoke-expect-status': '200',
  'smoke-timeout': '30s',
  'rollback-on-failure': 'true'
}

const MUTATIONS = [
  'lambda:UpdateFunctionCode',
  'lambda:PublishVersion',
  'lambda:CreateAlias',
  'lambda:UpdateAlias',
  'ecr:UpdateImageStorageClass'
]

/** ECR holds v1 (archived) and v2, which the function runs. */
function world(inputs: Record<string, string>): World {
  const w = simulatedWorld({ ...INPUTS, ...inputs })
  w.registry.push('v1', OLDER, new Date(START - 2 * DAY))
  w.registry.push('v2', CURRENT, new Date(START - DAY))
  w.fn.imageUri = uriOf(CURRENT.digest)
  w.registry.archive(OLDER.digest)
  return w
}

const restore = (digest: string): string =>
  `aws ecr update-image-storage-class --repository-name ${REPOSITORY_NAME} --image-id imageDigest=${digest} --target-storage-class STANDARD`

beforeEach(() => {
  core.resetCore()
})

describe('an archived image to deploy', () => {
  it.each([
    ['rollback-to: v1', { 'rollback-to': 'v1' }, 'rollback-to v1'],
    ['image: v1', { image: 'v1' }, 'image v1'],
    ['image: <digest>', { image: OLDER.digest }, `image ${OLDER.digest}`]
  ])(
    '%s is refused before any change, with the command that restores it',
    async (_what, inputs, neededFor) => {
      const w = world(inputs)

      await run(w.deps)

      const [failure] = core.failures()
      expect(failure).toContain(
        `${neededFor}: ${REPOSITORY_NAME}@${OLDER.digest} is archived in ECR`
      )
      expect(failure).toContain(restore(OLDER.digest))
      expect(failure).toContain('restore-archived: true')
      expect(failure).not.toContain('no such image')
      expect(w.order(...MUTATIONS)).toEqual([])
      expect(w.fn.imageUri).toBe(uriOf(CURRENT.digest))
      // Found among the archived images, not read (it cannot be pulled).
      expect(w.calls('ecr:BatchGetImage')).toEqual([])
      // The look-up found the function before it refused: the outputs
      // still say what it serves, and that nothing was rolled back.
      const outputs = core.outputs()
      expect(outputs['serving-image-uri']).toBe(uriOf(CURRENT.digest))
      expect(outputs['rolled-back']).toBe('false')
      expect(JSON.parse(outputs.functions ?? '[]')).toEqual([
        expect.objectContaining({ name: 'my-api', outcome: 'stopped' })
      ])
    }
  )

  it('restore-archived: restores it, waits until ACTIVE, then deploys it', async () => {
    const w = world({ 'rollback-to': 'v1', 'restore-archived': 'true' })
    w.registry.activationMs = 40_000

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('ecr:UpdateImageStorageClass')).toEqual([
      {
        repositoryName: REPOSITORY_NAME,
        imageId: { imageDigest: OLDER.digest },
        targetStorageClass: 'STANDARD'
      }
    ])
    // Restored before anything reads it or changes the function.
    expect(
      w.order('ecr:UpdateImageStorageClass', 'ecr:BatchGetImage', ...MUTATIONS)
    ).toEqual([
      'ecr:UpdateImageStorageClass',
      'ecr:BatchGetImage',
      'lambda:UpdateFunctionCode'
    ])
    expect(w.registry.statusOf(OLDER.digest, w.timing.timing.now())).toBe(
      'ACTIVE'
    )
    expect(w.fn.imageUri).toBe(uriOf(OLDER.digest))
    expect(core.infos().join('\n')).toMatch(
      /restore-archived: rollback-to v1: .* is archived in ECR; restoring it[\s\S]*is ACTIVE again after 4\d\.\ds/
    )
  })

  it('restore-archived: a restore slower than the bound stops the run before any function change', async () => {
    const w = world({ image: 'v1', 'restore-archived': 'true' })
    w.registry.activationMs = 2 * 60 * 60_000

    await run(w.deps)

    expect(core.failures()).toEqual([
      `team/my-api@${OLDER.digest} (image v1) was not ACTIVE 30m0s after its restore began; nothing was changed. The restore goes on in ECR: run again once DescribeImages shows it ACTIVE.`
    ])
    expect(w.order(...MUTATIONS)).toEqual(['ecr:UpdateImageStorageClass'])
    expect(w.fn.imageUri).toBe(uriOf(CURRENT.digest))
  })

  it('an image being restored (ACTIVATING) is refused without restore-archived, waited for with it', async () => {
    const refused = world({ 'rollback-to': 'v1' })
    refused.registry.inactive.set(OLDER.digest, {
      status: 'ACTIVATING',
      activeAt: START + 60_000
    })
    await run(refused.deps)
    expect(core.failures()[0]).toContain(
      "is being restored from ECR's archive (ACTIVATING)"
    )
    expect(refused.order(...MUTATIONS)).toEqual([])

    core.resetCore()
    const waited = world({ 'rollback-to': 'v1', 'restore-archived': 'true' })
    waited.registry.inactive.set(OLDER.digest, {
      status: 'ACTIVATING',
      activeAt: START + 60_000
    })
    core.setInputs({
      ...INPUTS,
      'rollback-to': 'v1',
      'restore-archived': 'true'
    })
    await run(waited.deps)
    expect(core.failures()).toEqual([])
    // Already on its way back: not restored a second time.
    expect(waited.calls('ecr:UpdateImageStorageClass')).toEqual([])
    expect(waited.fn.imageUri).toBe(uriOf(OLDER.digest))
  })

  it('dry run with restore-archived: says what it would restore and restores nothing', async () => {
    const w = world({
      'rollback-to': 'v1',
      'restore-archived': 'true',
      'dry-run': 'true'
    })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    // Lambda is asked with DryRun (which changes nothing) with the image the
    // function runs now: it cannot be asked about an archived one.
    const asked = w.calls<{ ImageUri?: string; DryRun?: boolean }>(
      'lambda:UpdateFunctionCode'
    )
    expect(asked).toEqual([
      expect.objectContaining({ ImageUri: uriOf(CURRENT.digest), DryRun: true })
    ])
    expect(
      w.events
        .filter(e => MUTATIONS.includes(e.call) && e.input.DryRun !== true)
        .map(e => e.call)
    ).toEqual([])
    expect(core.writtenSummaries().join('\n')).toContain(
      'asked with the image it runs now: the new image is archived: a real run restores it first'
    )
    expect(w.registry.statusOf(OLDER.digest, w.timing.timing.now())).toBe(
      'ARCHIVED'
    )
    expect(core.infos().join('\n')).toContain(
      `Dry run: a real run would restore ${REPOSITORY_NAME}@${OLDER.digest} (rollback-to v1, ARCHIVED) from ECR's archive`
    )
  })
})

describe('the image an undo would put back', () => {
  it('is archived: refused before any change, naming the function and the command', async () => {
    const w = world({ 'rollback-to': 'v2' })
    // The function runs v1 (archived); the run would deploy v2.
    w.fn.imageUri = uriOf(OLDER.digest)

    await run(w.deps)

    const [failure] = core.failures()
    expect(failure).toContain(
      `the image my-api runs now, which an undo after a failed check would put back: ${REPOSITORY_NAME}@${OLDER.digest} is archived in ECR`
    )
    expect(failure).toContain(restore(OLDER.digest))
    expect(w.order(...MUTATIONS)).toEqual([])
    expect(w.fn.imageUri).toBe(uriOf(OLDER.digest))
  })

  it('is archived, restore-archived: restored before the deploy, so the undo after a failed smoke test puts it back', async () => {
    const w = world({ 'rollback-to': 'v2', 'restore-archived': 'true' })
    w.fn.imageUri = uriOf(OLDER.digest)
    w.answers.set(CURRENT.digest, [{ status: 500, body: 'broken' }])

    await run(w.deps)

    expect(w.calls('ecr:UpdateImageStorageClass')).toEqual([
      {
        repositoryName: REPOSITORY_NAME,
        imageId: { imageDigest: OLDER.digest },
        targetStorageClass: 'STANDARD'
      }
    ])
    expect(w.order(...MUTATIONS)).toEqual([
      'ecr:UpdateImageStorageClass',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionCode'
    ])
    expect(w.fn.imageUri).toBe(uriOf(OLDER.digest))
  })

  it('is not looked up again on a re-run: the function already runs the image to deploy', async () => {
    const w = world({ 'rollback-to': 'v2' })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    // v2 is looked up once, as the image to deploy (by tag); nothing by digest.
    expect(w.calls('ecr:DescribeImages')).toEqual([
      { repositoryName: REPOSITORY_NAME, imageIds: [{ imageTag: 'v2' }] }
    ])
    expect(w.order(...MUTATIONS)).toEqual([])
  })

  it('is not checked when it is in another repository', async () => {
    const w = world({ 'rollback-to': 'v2' })
    w.fn.imageUri = `987654321098.dkr.ecr.${REGION}.amazonaws.com/other@${OLDER.digest}`

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.fn.imageUri).toBe(uriOf(CURRENT.digest))
  })
})

describe("the repository's lifecycle policy", () => {
  const policy = (rules: unknown[]): string => JSON.stringify({ rules })
  const ARCHIVE_OLD_RELEASES = {
    rulePriority: 1,
    description: 'archive releases not pulled for 30 days',
    selection: {
      tagStatus: 'tagged',
      tagPatternList: ['v*'],
      countType: 'sinceImagePulled',
      countUnit: 'days',
      countNumber: 30
    },
    action: { type: 'transition', targetStorageClass: 'archive' }
  }

  it('a rule that can archive the image made live: a warning, in the summary too', async () => {
    const w = world({ image: 'v2' })
    w.fn.imageUri = uriOf(OLDER.digest)
    w.registry.inactive.clear()
    w.registry.lifecyclePolicy = policy([ARCHIVE_OLD_RELEASES])

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const warning = `The lifecycle policy of ${REPOSITORY_NAME} has a rule (priority 1, "archive releases not pulled for 30 days") that can archive ${REPOSITORY_NAME}@${CURRENT.digest} (tags v2), which this run makes live once its sinceImagePulled condition holds`
    expect(core.warnings().join('\n')).toContain(warning)
    expect(core.writtenSummaries().join('\n')).toContain(`> ⚠️ ${warning}`)
  })

  it('rules that cannot select it, or none at all: no warning', async () => {
    for (const text of [
      undefined,
      policy([
        {
          ...ARCHIVE_OLD_RELEASES,
          selection: {
            ...ARCHIVE_OLD_RELEASES.selection,
            tagPatternList: ['pr-*']
          }
        },
        {
          rulePriority: 2,
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed' },
          action: { type: 'expire' }
        }
      ])
    ]) {
      core.resetCore()
      const w = world({ image: 'v2' })
      w.fn.imageUri = uriOf(OLDER.digest)
      w.registry.inactive.clear()
      w.registry.lifecyclePolicy = text

      await run(w.deps)

      expect(core.failures()).toEqual([])
      expect(core.warnings().join('\n')).not.toContain('lifecycle policy')
      expect(w.calls('ecr:GetLifecyclePolicy')).toEqual([
        { repositoryName: REPOSITORY_NAME }
      ])
    }
  })
})
