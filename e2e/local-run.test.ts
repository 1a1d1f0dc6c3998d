/**
 * The local run (issue 30, docs/preflight.md#the-local-run) of the bundled
 * action on the stand-in: images that speak the Runtime API
 * (test/local-aws/lambda-images.ts) run through src/emulator on the runner's
 * Docker before the push. What no configuration could fix blocks in auto,
 * and the stand-in's call log shows only reads: nothing pushed, nothing
 * changed. A 5xx answer warns in auto and blocks in required; off runs nothing.
 * The smoke test is off: the stand-in still serves functions as HTTP servers
 * (issue 29 part 2 moves it onto the emulator).
 */
import { execFileSync } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import {
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import {
  calls,
  createImageFunction,
  localAwsEnv,
  reset,
  runAction,
  updates,
  type CallRecord,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import { runtimeContext } from '../test/local-aws/status-runtime.js'
import {
  deployedDigest,
  errors,
  warnings
} from '../test/local-aws/assertions.js'

jest.setTimeout(240_000)

const context = runtimeContext

async function freePort(): Promise<number> {
  return new Promise(resolve => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port =
        typeof address === 'object' && address !== null ? address.port : 0
      s.close(() => resolve(port))
    })
  })
}

/** Operations that only read; for the registry, GET and HEAD. */
function isRead(call: CallRecord): boolean {
  if (call.service === 'registry') return /^(GET|HEAD) /.test(call.operation)
  // How the function is reached (API Gateway's REST API and ELB's query API,
  // logged by method only): the action only ever describes them (src/aws/).
  if (call.service === 'apigateway')
    return /^GET |^(Get|List)[A-Z]/.test(call.operation)
  if (call.service === 'elasticloadbalancing') return true
  return /^(Get|List|Describe|BatchGet|Filter)[A-Z]/.test(call.operation)
}

let fn: ImageFunction

beforeAll(() => {
  localAwsEnv()
})

beforeEach(async () => {
  await reset()
  fn = await createImageFunction({
    functionName: 'local-run',
    repositoryName: 'local-run',
    architecture: 'x86_64',
    functionUrl: true,
    body: 'before\n'
  })
})

async function deploy(
  ctx: string,
  inputs: Record<string, string> = {}
): Promise<{
  result: Awaited<ReturnType<typeof runAction>>
  made: CallRecord[]
}> {
  const from = (await calls()).length
  const result = await runAction({
    inputs: {
      'function-name': 'local-run',
      repository: 'local-run',
      context: ctx,
      'smoke-test': 'false',
      'local-run': 'auto',
      ...inputs
    }
  })
  return { result, made: (await calls()).slice(from) }
}

/**
 * The local run's container is removed in the background while the run goes
 * on: once the action has exited, no container with the run's label is left.
 */
function expectNoContainerLeft(
  result: Awaited<ReturnType<typeof runAction>>
): void {
  const labels = [
    ...result.stdout.matchAll(
      /The local run's container is labelled (aspnet-lambda-deploy\.local-run=[0-9a-f]{16})\./g
    )
  ].map(m => m[1] ?? '')
  expect(labels.length).toBeGreaterThan(0)
  for (const label of labels)
    expect(
      execFileSync(
        'docker',
        ['container', 'ls', '--all', '--quiet', '--filter', `label=${label}`],
        { encoding: 'utf8' }
      ).trim()
    ).toBe('')
  // The label was saved for the post step, and emptied once the removal ended.
  expect(result.state.localRun).toBe('')
}

/** Blocked before any push or change: the stand-in served reads only. */
async function expectBlockedBeforeAnyChange(made: CallRecord[]): Promise<void> {
  expect(made.length).toBeGreaterThan(0)
  expect(made.filter(c => !isRead(c))).toEqual([])
  expect(made.map(c => c.operation)).not.toContain('UpdateFunctionCode')
  expect(made.map(c => c.operation)).not.toContain('PutImage')
  expect(await updates('local-run')).toEqual([])
  expect(await deployedDigest('local-run')).toBe(fn.initialDigest)
}

describe('local-run: auto', () => {
  it('a good image passes, is proven to be the pushed one, and deploys; the same digest given as image is pulled and run', async () => {
    const { result } = await deploy(context({ status: 200 }))

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.summary).toMatch(
      /\| Local run \(as Lambda would\) \| ✅ pass \| passed: log group \/aws\/lambda\/local-run \(local\): init \d+ ms, no extensions, answer HTTP 200 \|/
    )
    expect(result.stdout).toMatch(
      /Running the build's image sha256:[a-f0-9]{64}, before its push as local-run would run on Lambda: x86_64, \d+ MB, timeout \d+ s, .*no AWS credentials/
    )
    expect(result.stdout).toMatch(/INIT_REPORT|START RequestId/)
    expect(result.stdout).toMatch(
      /The local run before the push ran sha256:[a-f0-9]{64}: the pushed .* has that config digest, so it is the image that ran\./
    )
    expectNoContainerLeft(result)
    const digest = result.outputs['image-digest'] ?? ''
    expect(digest).toMatch(/^sha256:/)
    expect(await deployedDigest('local-run')).toBe(digest)

    // image: the same digest, into another function: pulled by digest and run.
    await createImageFunction({
      functionName: 'other',
      repositoryName: 'other',
      architecture: 'x86_64',
      functionUrl: true,
      body: 'other\n'
    })
    const again = await runAction({
      inputs: {
        'function-name': 'other',
        repository: 'local-run',
        image: digest,
        'smoke-test': 'false',
        'local-run': 'required'
      }
    })
    expect(errors(again)).toBe('')
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain(`@${digest}, pulled by digest`)
    expectNoContainerLeft(again)
    expect(again.summary).toMatch(
      /\| Local run \(as Lambda would\) \| ✅ pass \|/
    )
    expect(await deployedDigest('other')).toBe(digest)
  })

  it('blocks a runtime that never polls next (http-only), before any push', async () => {
    const dir = context({ handler: 'http-only' })
    appendFileSync(
      path.join(dir, 'Dockerfile'),
      `ENV HTTP_PORT=${await freePort()}\n`
    )
    const { result, made } = await deploy(dir)

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /Local run \(as Lambda would\) stopped the deploy before anything changed: .*the runtime is running but never called the Runtime API's invocation\/next within \d+\.00 s/
    )
    expect(result.summary).toMatch(
      /\| Local run \(as Lambda would\) \| ❌ fail \|/
    )
    expectNoContainerLeft(result)
    await expectBlockedBeforeAnyChange(made)
  })

  it('a cancel while the image runs leaves no container and changes nothing', async () => {
    const dir = context({ handler: 'http-only' })
    appendFileSync(
      path.join(dir, 'Dockerfile'),
      `ENV HTTP_PORT=${await freePort()}\n`
    )
    const from = (await calls()).length
    const result = await runAction({
      inputs: {
        'function-name': 'local-run',
        repository: 'local-run',
        context: dir,
        'smoke-test': 'false',
        'local-run': 'auto'
      },
      // The runtime never calls next: the local run waits out the init limit.
      during: { when: /The local run's container is labelled/, cancel: true }
    })

    expect(result.exitCode).not.toBe(0)
    const label = /The local run's container is labelled (\S+)\./.exec(
      result.stdout
    )?.[1]
    expect(label).toMatch(/^aspnet-lambda-deploy\.local-run=[0-9a-f]{16}$/)
    expect(result.post?.exitCode).toBe(0)
    expect(
      execFileSync(
        'docker',
        ['container', 'ls', '--all', '--quiet', '--filter', `label=${label}`],
        { encoding: 'utf8' }
      ).trim()
    ).toBe('')
    await expectBlockedBeforeAnyChange((await calls()).slice(from))
  })

  it('blocks an extension built for the other CPU', async () => {
    const { result, made } = await deploy(
      context({
        status: 200,
        extensions: [{ name: 'telemetry', mode: 'wrong-cpu' }]
      }),
      // The image preflight would stop it too (after the push): off, to see the local run.
      { preflight: 'off' }
    )

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /extension telemetry crashed during init \(Extension\.Crash/
    )
    expect(result.stdout).toMatch(/EXTENSION\tName: telemetry\tState: Started/)
    await expectBlockedBeforeAnyChange(made)
  })

  it('blocks a .NET bootstrap that finds no assembly (exit 104)', async () => {
    const { result, made } = await deploy(context({ handler: 'exit-in-init' }))

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /the runtime exited with status 104 during init: the \.NET bootstrap found no assembly/
    )
    await expectBlockedBeforeAnyChange(made)
  })

  it('warns on a 5xx answer and deploys', async () => {
    const { result } = await deploy(context({ status: 502 }))

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(warnings(result)).toMatch(
      /Local run \(as Lambda would\): .*answer HTTP 502; \(configuration\) the app answered HTTP 502/
    )
    expectNoContainerLeft(result)
    expect(await deployedDigest('local-run')).toBe(
      result.outputs['image-digest'] ?? ''
    )
  })
})

describe('local-run: required and off', () => {
  it('required blocks the 5xx answer before any push', async () => {
    const { result, made } = await deploy(context({ status: 502 }), {
      'local-run': 'required'
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /the app answered HTTP 502[\s\S]*local-run: required stops on every finding/
    )
    await expectBlockedBeforeAnyChange(made)
  })

  it('off runs nothing locally: the exit-104 image is deployed', async () => {
    const { result } = await deploy(context({ handler: 'exit-in-init' }), {
      'local-run': 'off'
    })

    expect(result.exitCode).toBe(0)
    expect(result.stdout).not.toMatch(/Local run|INIT_REPORT/)
    expect(await deployedDigest('local-run')).toBe(
      result.outputs['image-digest'] ?? ''
    )
  })
})
