/**
 * What a run guarantees under faults, end to end through run() against the
 * simulated world: every run ends on a verified release, on the known good
 * one, or reports that someone else's release serves (and leaves it). Each
 * test asserts what the function serves at the end.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import {
  PREVIOUS_DIGEST,
  REGION,
  REPOSITORY_NAME,
  sha256Digest
} from '../__fixtures__/aws.js'
import {
  HEALTH_PATH,
  PREVIOUS_URI,
  START,
  functionArn,
  functionUrlOf,
  simulatedWorld,
  storedImage,
  uriOf,
  type World
} from '../__fixtures__/world.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')
const { parseUndoRecords } = await import('../src/post/saved-state.js')

const NEW = storedImage('amd64', 'v2')
const NEW_URI = uriOf(NEW.digest)
const OTHER_URI = uriOf(sha256Digest('deployed by someone else'))
const ARN = functionArn('my-api')
const SMOKE_URL = `${functionUrlOf('my-api')}health`
const DAY = 24 * 60 * 60 * 1000

function world(inputs: Record<string, string> = {}): World {
  const w = simulatedWorld({
    'function-name': 'my-api',
    repository: REPOSITORY_NAME,
    tag: 'v2',
    'aws-region': REGION,
    preflight: 'off',
    'wait-timeout': '5m',
    'smoke-test': 'true',
    'smoke-path': HEALTH_PATH,
    'smoke-expect-status': '200',
    'smoke-expect-body': 'Healthy',
    'smoke-timeout': '30s',
    'rollback-on-failure': 'true',
    ...inputs
  })
  w.registry.push('v2', NEW, new Date(START - DAY))
  return w
}

const images = (w: World): (string | undefined)[] =>
  w
    .calls<{ ImageUri?: string }>('lambda:UpdateFunctionCode')
    .map(u => u.ImageUri)

const functionsOutput = (): { outcome: string }[] =>
  JSON.parse(core.outputs().functions ?? '[]') as { outcome: string }[]

beforeEach(() => {
  core.resetCore()
})

describe('the wait times out while Lambda is still applying the update', () => {
  it('the function counts as changed: the undo lets the update settle, then restores the previous image', async () => {
    const w = world({ 'wait-timeout': '5s' })
    // Lambda takes about 10 s (20 polls of 500 ms) to apply our update, and
    // then puts the restore through at once.
    w.fn.pollsPerUpdate = 20
    w.before['lambda:UpdateFunctionCode'] = () => {
      if (images(w).length === 2) w.fn.pollsPerUpdate = 1
    }

    await run(w.deps)

    expect(core.failures()[0]).toMatch(/still updating after 5\.0s/)
    expect(core.failures()[0]).toContain(
      `Rolled back: my-api runs the previous image ${PREVIOUS_URI} again.`
    )
    // The untested image was live for a moment; the known good one serves now.
    expect(images(w)).toEqual([NEW_URI, PREVIOUS_URI])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(w.fn.lastUpdateStatus).toBe('Successful')
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'true',
      'serving-image-uri': PREVIOUS_URI
    })
    expect(functionsOutput()[0]?.outcome).toBe('rolled-back')
  })

  it('the restore is guarded with the revision it read: a change in between is not overwritten', async () => {
    const w = world({ 'wait-timeout': '5s' })
    w.fn.pollsPerUpdate = 20
    // Someone else deploys between the undo's read and its restore.
    w.before['lambda:UpdateFunctionCode'] = () => {
      if (images(w).length === 2) w.fn.deployedBySomeoneElse(OTHER_URI)
    }

    await run(w.deps)

    // The restore was refused (stale RevisionId): their image stays.
    expect(images(w)).toEqual([NEW_URI, PREVIOUS_URI])
    expect(w.fn.imageUri).toBe(OTHER_URI)
    expect(functionsOutput()[0]?.outcome).toBe('superseded')
    expect(core.failures()[0]).toContain('changed by someone else')
  })
})

describe('someone else deploys while the smoke test runs', () => {
  it('a check that reached their release does not count: superseded, their release left in place', async () => {
    const w = world()
    // Our release answers 404; theirs lands after our first request.
    w.answers.set(NEW.digest, [{ status: 404, body: 'Not Found' }])
    let requests = 0
    w.before.fetch = input => {
      if (String(input.url) === SMOKE_URL && ++requests === 1)
        queueMicrotask(() => w.fn.deployedBySomeoneElse(OTHER_URI))
    }

    await run(w.deps)

    // The smoke test passed on their image, but the run does not claim it.
    expect(core.failures()).toHaveLength(1)
    expect(core.failures()[0]).toContain(
      'was changed by someone else during the smoke test'
    )
    expect(w.fn.imageUri).toBe(OTHER_URI)
    expect(images(w)).toEqual([NEW_URI])
    expect(functionsOutput()[0]?.outcome).toBe('superseded')
    expect(core.outputs()['serving-image-uri']).toBe(OTHER_URI)
    expect(core.writtenSummaries().join('\n')).toContain(
      'someone else deployed meanwhile'
    )
    expect(core.writtenSummaries().join('\n')).not.toContain(
      'update-function-code'
    )
  })

  it('without anyone else, a failing smoke test still rolls back', async () => {
    const w = world()
    w.answers.set(NEW.digest, [{ status: 404, body: 'Not Found' }])

    await run(w.deps)

    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
    expect(images(w)).toEqual([NEW_URI, PREVIOUS_URI])
    expect(functionsOutput()[0]?.outcome).toBe('rolled-back')
  })
})

describe('someone else moves the alias during a canary', () => {
  it('the canary check is void; their alias is left as they set it', async () => {
    const w = world({
      alias: 'live',
      'canary-percent': '10',
      'canary-interval': '10s'
    })
    w.fn.imageUri = PREVIOUS_URI
    w.fn.publish()
    w.fn.setAlias('live', '1')
    w.fn.url = { qualifier: 'live' }
    let invokes = 0
    w.before['lambda:Invoke'] = () => {
      // After the pre-traffic check, during the first canary check.
      if (++invokes === 2) w.fn.setAlias('live', '1')
    }

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      'was changed by someone else during the canary'
    )
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '1',
      weights: {}
    })
    // $LATEST, which no one else touched, is put back (guarded).
    expect(images(w)).toEqual([NEW_URI, PREVIOUS_URI])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(functionsOutput()[0]?.outcome).toBe('superseded')
  })
})

describe('the answer to an accepted UpdateFunctionCode is lost (issue 22, item 2)', () => {
  it('the call fails, but Lambda took the update: it is waited for, checked, and a failing check puts the previous image back', async () => {
    const w = world()
    w.fn.nextUpdateAnswerLost = 'timeout'
    w.answers.set(NEW.digest, [{ status: 500, body: 'boom' }])

    await run(w.deps)

    expect(core.failures()[0]).toContain('Smoke test failed')
    expect(images(w)).toEqual([NEW_URI, PREVIOUS_URI])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(functionsOutput()[0]?.outcome).toBe('rolled-back')
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'true',
      'serving-image-uri': PREVIOUS_URI
    })
    expect(core.savedState().undo).toBe('[]')
  })

  it("the SDK's resent request is refused as an update in progress — ours: a healthy release is deployed, with one update", async () => {
    const w = world()
    w.fn.nextUpdateAnswerLost = 'conflict'

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(images(w)).toEqual([NEW_URI])
    expect(w.fn.imageUri).toBe(NEW_URI)
    expect(functionsOutput()[0]?.outcome).toBe('deployed')
  })

  it('the intent is recorded before the call: a run killed while it waits for the answer leaves the post step a guarded undo', async () => {
    const w = world()
    let whileSent = ''
    w.before['lambda:UpdateFunctionCode'] = () => {
      if (images(w).length === 1) whileSent = core.savedState().undo ?? ''
    }

    await run(w.deps)

    expect(parseUndoRecords(whileSent)).toEqual([
      expect.objectContaining({
        kind: 'latest',
        ourDigest: NEW.digest,
        restoreDigest: PREVIOUS_DIGEST
      })
    ])
    expect(core.savedState().undo).toBe('[]')
  })

  it('an update Lambda refused outright leaves no record and no undo', async () => {
    const w = world()
    w.before['lambda:UpdateFunctionCode'] = () => {
      throw Object.assign(new Error('denied'), {
        name: 'AccessDeniedException'
      })
    }

    await run(w.deps)

    expect(core.failures()[0]).toContain('AccessDeniedException')
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(core.groupNames()).not.toContain('Roll back')
    expect(functionsOutput()[0]?.outcome).toBe('stopped')
    expect(core.savedState().undo).toBe('[]')
  })
})

describe('an update Lambda could not apply', () => {
  it('is not undone: Lambda kept the previous image, and the run says so', async () => {
    const w = world()
    w.fn.nextUpdateFails = {
      code: 'ImageAccessDenied',
      reason: 'Lambda does not have permission to access the ECR image.'
    }

    await run(w.deps)

    expect(images(w)).toEqual([NEW_URI])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(core.groupNames()).not.toContain('Roll back')
    expect(functionsOutput()[0]?.outcome).toBe('stopped')
    expect(core.outputs()['serving-image-uri']).toBe(PREVIOUS_URI)
  })
})

describe('what the post step is left to put back', () => {
  it('nothing after a verified release (it was recorded while the deploy ran)', async () => {
    const w = world()
    const saved: string[] = []
    w.before['lambda:GetFunction'] = () => {
      saved.push(core.savedState().undo ?? '')
    }

    await run(w.deps)

    expect(core.failures()).toEqual([])
    // While the update was applied, a killed run would have left it ...
    expect(saved.some(s => s.includes('"kind":"latest"'))).toBe(true)
    // ... but a run that ends on a verified release leaves nothing.
    expect(core.savedState().undo).toBe('[]')
    expect(w.fn.imageUri).toBe(NEW_URI)
  })
})

describe('rollback-on-failure: false (issue 22, item 3)', () => {
  it('leaves the post step nothing to put back: the failed release is kept, as the run says', async () => {
    const w = world({ 'rollback-on-failure': 'false' })
    w.answers.set(NEW.digest, [{ status: 500, body: 'boom' }])
    const saved: string[] = []
    w.before['lambda:GetFunction'] = () => {
      saved.push(core.savedState().undo ?? '')
    }

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      'rollback-on-failure is false: my-api keeps the new release.'
    )
    // Not while the deploy ran, not at the end: no record the post step
    // would act on (a killed run must not be undone either).
    expect(saved.length).toBeGreaterThan(0)
    for (const state of [...saved, core.savedState().undo ?? ''])
      expect(parseUndoRecords(state)).toEqual([])
    expect(w.fn.imageUri).toBe(NEW_URI)
    expect(core.outputs()['rolled-back']).toBe('false')
  })
})

describe('credentials that would expire mid-run (issue 22, item 4)', () => {
  const MUTATIONS = [
    'lambda:UpdateFunctionCode',
    'lambda:PublishVersion',
    'lambda:CreateAlias',
    'lambda:UpdateAlias'
  ]
  const canaryWorld = (inputs: Record<string, string>): World => {
    const w = world({ alias: 'live', 'canary-percent': '10', ...inputs })
    w.fn.imageUri = PREVIOUS_URI
    w.fn.publish()
    w.fn.setAlias('live', '1')
    w.fn.url = { qualifier: 'live' }
    return w
  }

  it('a 1h canary on the default 1h session is refused before anything changes, naming both inputs', async () => {
    const w = canaryWorld({ 'canary-interval': '1h' })

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /^This run could take up to .* the canary 60m30s \(canary-interval\).*credentials-lifetime 60m0s from the action's start.*Nothing was changed\. Shorten canary-interval.*set credentials-lifetime to match\.$/s
    )
    expect(w.order(...MUTATIONS)).toEqual([])
    expect(w.calls('ecr:DescribeRepositories')).toEqual([])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '1',
      weights: {}
    })
  })

  it('the same canary with credentials-lifetime 2h is released', async () => {
    const w = canaryWorld({
      'canary-interval': '1h',
      'credentials-lifetime': '2h'
    })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '2',
      weights: {}
    })
  })

  it("the SDK provider's expiry is used when it reports one (here 15 minutes away)", async () => {
    const w = world({ 'credentials-lifetime': '12h' })
    w.credentials.expiration = new Date(START + 15 * 60_000)

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      `the AWS credentials expire in 15m0s (as their provider reports: ${new Date(START + 15 * 60_000).toISOString()})`
    )
    expect(w.order(...MUTATIONS)).toEqual([])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
  })

  it('time spent before the deploy counts: refused right before the first change', async () => {
    const w = world()
    // Everything before the deploy (a long build, a slow registry) took 50
    // minutes of the 1h session.
    w.before['ecr:BatchGetImage'] = () => w.timing.advance(50 * 60_000)

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      "credentials-lifetime 60m0s from the action's start, 50m"
    )
    expect(w.order(...MUTATIONS)).toEqual([])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(core.savedState().undo).toBe('[]')
  })
})

describe('the job is cancelled', () => {
  it('during the smoke test: no new work, the previous image is put back, nothing is left for the post step', async () => {
    const w = world()
    w.answers.set(NEW.digest, [{ status: 503, body: 'warming up' }])
    w.before.fetch = input => {
      if (String(input.url) === SMOKE_URL) w.cancel('SIGINT')
    }

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /^The run was cancelled \(SIGINT, during stage smoke\)\./
    )
    // One smoke request, then no more: the cancel stopped the retries.
    expect(w.calls('fetch').filter(f => f.url === SMOKE_URL)).toHaveLength(1)
    expect(images(w)).toEqual([NEW_URI, PREVIOUS_URI])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(core.warnings().join('\n')).toContain('Cancel requested (SIGINT)')
    expect(core.savedState().undo).toBe('[]')
    expect(core.outputs()['serving-image-uri']).toBe(PREVIOUS_URI)
  })

  it('while the update is applied: the change was accepted, so it is undone', async () => {
    const w = world()
    // Lambda settles within the cancelled run's short undo (3 s + 4 s).
    w.fn.pollsPerUpdate = 5
    let polls = 0
    w.before['lambda:GetFunction'] = () => {
      if (images(w).length === 1 && ++polls === 3) w.cancel('SIGTERM')
    }

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /cancelled \(SIGTERM, during stage deploy\)/
    )
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(images(w)).toEqual([NEW_URI, PREVIOUS_URI])
    expect(core.savedState().undo).toBe('[]')
  })

  it('before anything changed: nothing to undo, and the deploy never starts', async () => {
    const w = world()
    w.before['ecr:DescribeRepositories'] = () => w.cancel('SIGINT')

    await run(w.deps)

    expect(core.failures()[0]).toMatch(/cancelled/)
    expect(images(w)).toEqual([])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
  })

  it('with more than ten functions: the queued ones are never updated, the started ones are put back (issue 22, item 5)', async () => {
    const names = Array.from(
      { length: 12 },
      (_, i) => `fn-${String(i + 1).padStart(2, '0')}`
    )
    const w = world({ 'function-name': names.join('\n') })
    // Ten updates are under way (two functions wait for a free slot) when
    // the runner cancels the job.
    w.before['lambda:UpdateFunctionCode'] = () => {
      if (images(w).length === 10) w.cancel('SIGINT')
    }

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /^The run was cancelled \(SIGINT, during stage deploy\)\./
    )
    const updated = w
      .calls<{ FunctionName?: string; ImageUri?: string }>(
        'lambda:UpdateFunctionCode'
      )
      .filter(u => u.ImageUri === NEW_URI)
      .map(u => u.FunctionName)
    expect(updated).toHaveLength(10)
    expect(updated).not.toContain(functionArn('fn-11'))
    expect(updated).not.toContain(functionArn('fn-12'))
    // Every function ends on the previous image: the ten started ones put
    // back, the two queued ones never touched.
    for (const name of names)
      expect(w.functions.get(name)?.imageUri).toBe(PREVIOUS_URI)
    // Nothing of the queued two for the post step either.
    const left = parseUndoRecords(core.savedState().undo ?? '')
    expect(left.map(r => r.functionArn)).not.toContain(functionArn('fn-11'))
    expect(left.map(r => r.functionArn)).not.toContain(functionArn('fn-12'))
    expect(
      functionsOutput()
        .slice(10)
        .map(f => f.outcome)
    ).toEqual(['stopped', 'stopped'])
  })

  it('an undo that runs out of the grace leaves its records to the post step', async () => {
    const w = world()
    // Lambda is slow to apply anything: the cancelled run's short undo
    // cannot finish within the runner's grace.
    w.fn.pollsPerUpdate = 40
    let polls = 0
    w.before['lambda:GetFunction'] = () => {
      if (images(w).length === 1 && ++polls === 2) w.cancel('SIGINT')
    }

    await run(w.deps)

    const records = JSON.parse(core.savedState().undo ?? '[]') as {
      kind: string
      restoreImageUri: string
      ourDigest: string
    }[]
    expect(records).toEqual([
      expect.objectContaining({
        kind: 'latest',
        functionArn: ARN,
        ourDigest: NEW.digest,
        restoreImageUri: PREVIOUS_URI,
        restoreDigest: PREVIOUS_DIGEST
      })
    ])
    // Not a failed rollback: the post step is still to put it back, and the
    // run says so instead of asking for a restore by hand.
    expect(functionsOutput()[0]).toMatchObject({
      outcome: 'rollback-pending'
    })
    const said = [...core.errors(), ...core.failures()].join('\n')
    expect(said).toContain('The run was cancelled (SIGINT')
    expect(said).not.toContain('ROLLBACK FAILED')
    expect(core.warnings().join('\n')).toMatch(
      /not put back within the cancelled job's grace .*the post step puts it back/
    )
    expect(core.writtenSummaries()[0]).toContain(
      '⏳ Cancelled: the post step puts back what this run changed'
    )
  })
})
