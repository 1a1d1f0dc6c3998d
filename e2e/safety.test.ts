/**
 * The guarantee under faults, on the stand-in with the bundled action run
 * as the runner runs it: every run ends on a verified release or on the
 * known good one — or, when someone else deployed meanwhile, leaves theirs
 * and says so. Each test asserts what the function serves at the end.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  buildAndPush,
  controlNextUpdate,
  controlStall,
  createImageFunction,
  localAwsEnv,
  reset,
  runAction,
  updateCode,
  updates,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import {
  appContext,
  deployedDigest,
  errors,
  httpGet
} from '../test/local-aws/assertions.js'

jest.setTimeout(240_000)

let fn: ImageFunction

beforeEach(async () => {
  localAwsEnv()
  await reset()
  fn = await createImageFunction({
    functionName: 'shop',
    repositoryName: 'shop',
    architecture: 'x86_64',
    functionUrl: true,
    body: 'release 1\n'
  })
})

const functions = (outputs: Record<string, string>): { outcome: string }[] =>
  JSON.parse(outputs.functions ?? '[]') as { outcome: string }[]

async function servesRelease1(): Promise<void> {
  expect(await deployedDigest('shop')).toBe(fn.initialDigest)
  expect((await httpGet(fn.functionUrl ?? '')).body).toBe('release 1\n')
}

describe('wait-timeout expires while Lambda is still applying the update', () => {
  it('the update counts as a change: the run lets it settle, puts release 1 back and says so', async () => {
    await controlNextUpdate('shop', { durationMs: 16_000 })

    const result = await runAction({
      inputs: {
        'function-name': 'shop',
        repository: 'shop',
        context: appContext({ body: 'release 2\n' }),
        'wait-timeout': '10s'
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(/still updating after 10/)
    expect(errors(result)).toMatch(/Rolled back: shop runs the previous image/)
    await servesRelease1()
    expect(result.outputs['rolled-back']).toBe('true')
    expect(functions(result.outputs)[0]?.outcome).toBe('rolled-back')
    expect(result.state.undo).toBe('[]')
  })
})

describe('the answer to an accepted UpdateFunctionCode is lost (issue 22, item 2)', () => {
  it('Lambda applies it all the same: the run counts it as its change, checks it, and puts release 1 back when the check fails', async () => {
    // The update outlasts every retry the refused resends get (8 attempts,
    // at most about 45 s of backoff): only reading the function back can
    // tell that the update in progress is this run's own.
    await controlNextUpdate('shop', { durationMs: 50_000, dropAnswer: true })

    const result = await runAction({
      inputs: {
        'function-name': 'shop',
        repository: 'shop',
        context: appContext({ status: 500, body: 'broken\n' }),
        'wait-timeout': '2m',
        'smoke-timeout': '10s'
      }
    })

    expect(result.exitCode).toBe(1)
    await servesRelease1()
    expect(result.stdout).toMatch(
      /Lambda accepted the update and its answer was lost|the update in progress is this one/
    )
    expect(errors(result)).toMatch(/Smoke test failed/)
    expect(errors(result)).toMatch(/Rolled back: shop runs the previous image/)
    expect(result.outputs['rolled-back']).toBe('true')
    expect(functions(result.outputs)[0]?.outcome).toBe('rolled-back')
    expect(result.state.undo).toBe('[]')
    // One update of ours (accepted once, never applied twice), one restore.
    const history = await updates('shop')
    expect(
      history
        .filter(u => u.source === 'UpdateFunctionCode')
        .map(u => u.imageUri)
    ).toEqual([expect.stringContaining('shop@sha256:'), fn.initialImageUri])
  })
})

describe('the job is cancelled', () => {
  it('during the smoke test: the run stops, puts release 1 back within the grace, and says so', async () => {
    const result = await runAction({
      inputs: {
        'function-name': 'shop',
        repository: 'shop',
        // Release 2 never gets healthy: the smoke test would retry for a minute.
        context: appContext({ status: 503, body: 'warming up\n' }),
        'smoke-timeout': '60s'
      },
      during: { when: /Smoke-testing the Function URL/, cancel: true }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /The run was cancelled \(SIGINT, during stage smoke\)/
    )
    expect(errors(result)).toMatch(/Rolled back: shop runs the previous image/)
    // Within the runner's grace: before the SIGTERM.
    expect(result.durationMs).toBeLessThan(60_000)
    await servesRelease1()
    expect(result.summary).toMatch(/Failed and rolled back/)
    expect(result.state.undo).toBe('[]')
  })

  it('while the update is applied and the grace is too short: the post step puts release 1 back', async () => {
    await controlNextUpdate('shop', { durationMs: 12_000 })

    const result = await runAction({
      inputs: {
        'function-name': 'shop',
        repository: 'shop',
        context: appContext({ body: 'release 2\n' })
      },
      during: { when: /waiting for Lambda to apply it/, cancel: true }
    })

    expect(result.exitCode).not.toBe(0)
    // The main step left what it changed for the post step, and said so
    // rather than calling it a failed rollback ...
    expect(result.state.undo).toContain('"kind":"latest"')
    expect(
      (JSON.parse(result.outputs.functions ?? '[]') as { outcome: string }[])[0]
        ?.outcome
    ).toBe('rollback-pending')
    expect(result.summary).toContain('⏳ Cancelled: the post step puts back')
    // ... which put it back.
    expect(result.post?.exitCode).toBe(0)
    expect(result.post?.stdout).toContain(
      'Put back what the cancelled run changed'
    )
    expect(result.jobSummary).toMatch(/Put back after the cancel/)
    await servesRelease1()
  })
})

describe('someone else deploys while the smoke test runs', () => {
  it('the check reached their release, so it does not count: the run fails, reports it superseded and leaves their release', async () => {
    const theirs = await buildAndPush({
      repositoryName: 'shop',
      tag: 'theirs',
      architecture: 'x86_64',
      body: 'their release\n'
    })

    const result = await runAction({
      inputs: {
        'function-name': 'shop',
        repository: 'shop',
        // Ours answers 503 and is retried; theirs answers 200.
        context: appContext({ status: 503, body: 'ours, broken\n' }),
        'smoke-expect-body': '',
        'smoke-timeout': '60s'
      },
      during: {
        when: /Smoke-testing the Function URL/,
        run: () => updateCode('shop', theirs.imageUri)
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /shop was changed by someone else during the smoke test/
    )
    expect(await deployedDigest('shop')).toBe(theirs.digest)
    expect((await httpGet(fn.functionUrl ?? '')).body).toBe('their release\n')
    expect(functions(result.outputs)[0]?.outcome).toBe('superseded')
    expect(result.outputs['serving-image-uri']).toContain(theirs.digest)
    expect(result.summary).toMatch(/someone else deployed meanwhile/)
  })
})

describe('the function has no HTTP endpoint', () => {
  it('is checked by a direct Invoke with a synthetic request, never silently unchecked', async () => {
    await createImageFunction({
      functionName: 'worker',
      repositoryName: 'worker',
      architecture: 'x86_64',
      body: 'release 1\n'
    })

    const good = await runAction({
      inputs: {
        'function-name': 'worker',
        repository: 'worker',
        context: appContext({ body: 'release 2\n' }),
        'smoke-expect-body': 'release 2'
      }
    })

    expect(errors(good)).toBe('')
    expect(good.exitCode).toBe(0)
    expect(good.stdout).toMatch(
      /No HTTP endpoint to smoke-test: invoking .*worker:\$LATEST/
    )
    expect(good.outputs['smoke-status']).toBe('200')
    expect(good.outputs['smoke-url']).toContain('(direct Invoke)')

    const bad = await runAction({
      inputs: {
        'function-name': 'worker',
        repository: 'worker',
        context: appContext({ status: 500, body: 'boom\n' }),
        'smoke-timeout': '20s'
      }
    })

    expect(bad.exitCode).toBe(1)
    expect(errors(bad)).toMatch(/Smoke test \(direct Invoke\) failed/)
    // The release that failed its Invoke does not stay: release 2 serves.
    expect(await deployedDigest('worker')).toBe(
      (good.outputs['image-digest'] ?? '').trim()
    )
  })
})

describe('Lambda stops answering (a stalled call)', () => {
  it('the wait is not defeated: the stalled read is cut at the deadline, and the release is undone', async () => {
    const started = Date.now()
    const result = await runAction({
      inputs: {
        'function-name': 'shop',
        repository: 'shop',
        context: appContext({ body: 'release 2\n' }),
        'wait-timeout': '10s'
      },
      during: {
        when: /waiting for Lambda to apply it/,
        // GetFunction answers nothing for two minutes, twice.
        run: () => controlStall('shop', { count: 2, ms: 120_000 })
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(/did not answer GetFunction .* stalled/)
    // Bounded by wait-timeout and the client's 30 s request timeout, not
    // by the stall.
    expect(Date.now() - started).toBeLessThan(120_000)
    await servesRelease1()
    expect(functions(result.outputs)[0]?.outcome).toBe('rolled-back')
  })
})

describe('inputs that could become docker flags or hang the run', () => {
  it.each([
    [{ context: '--help' }, /context "--help"/],
    [{ context: '-' }, /context "-"/],
    [{ file: '-' }, /file "-"/],
    [{ file: '/dev/zero' }, /file "\/dev\/zero"/],
    [{ 'wait-timeout': '9999h' }, /wait-timeout "9999h"/]
  ])(
    '%o is refused before anything in AWS changes',
    async (inputs, message) => {
      const result = await runAction({
        inputs: { 'function-name': 'shop', repository: 'shop', ...inputs }
      })

      expect(result.exitCode).toBe(1)
      expect(errors(result)).toMatch(message)
      expect(result.stdout).not.toMatch(/docker build|Pushed /)
      await servesRelease1()
    }
  )
})
