/**
 * From an empty account to a live API (issue 27): a repository and an execution role exist, no
 * function. One run creates the function from the image it builds, with a public Function URL
 * that serves the app; a second run with a changed variable and a broken release rolls back code
 * and configuration together. Proven by what the URL serves and the function's configuration at
 * the end, and by the stand-in's call log (UpdateFunctionConfiguration before UpdateFunctionCode).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  UpdateFunctionConfigurationCommand
} from '@aws-sdk/client-lambda'
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr'
import {
  awsClients,
  calls,
  createImageFunction,
  ensureRole,
  localAwsEnv,
  reset,
  runAction,
  waitForUpdated
} from '../test/local-aws/fixtures.js'
import { appContext, errors, httpGet } from '../test/local-aws/assertions.js'

jest.setTimeout(300_000)

const exec = promisify(execFile)

beforeEach(async () => {
  localAwsEnv()
  await reset()
})

describe('an empty account', () => {
  it('creates the function with a public URL, then rolls back code and configuration together', async () => {
    const { ecr, lambda } = awsClients()
    const role = await ensureRole('api-execution')
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'api',
        imageTagMutability: 'IMMUTABLE'
      })
    )

    const first = await runAction({
      inputs: {
        'function-name': 'api',
        repository: 'api',
        role,
        architecture: 'x86_64',
        'function-url': 'public',
        environment: '{"STAGE":"one","API_KEY":"first-secret-value"}',
        'memory-size': '256',
        context: appContext({ body: 'release 1\n' }),
        'smoke-expect-body': 'release 1',
        'smoke-timeout': '60s'
      },
      sha: '1'.repeat(40)
    })

    expect(errors(first)).toBe('')
    expect(first.exitCode).toBe(0)
    expect(first.outputs.updated).toBe('true')
    const created = await lambda.send(
      new GetFunctionCommand({ FunctionName: 'api' })
    )
    expect(created.Configuration).toMatchObject({
      PackageType: 'Image',
      Role: role,
      Architectures: ['x86_64'],
      MemorySize: 256,
      Environment: {
        Variables: { STAGE: 'one', API_KEY: 'first-secret-value' }
      }
    })
    const url = (
      await lambda.send(
        new GetFunctionUrlConfigCommand({ FunctionName: 'api' })
      )
    ).FunctionUrl
    expect(await httpGet(url ?? '')).toEqual({
      status: 200,
      body: 'release 1\n'
    })
    // Values are never printed.
    expect(first.stdout + first.summary).not.toContain('first-secret-value')

    const before = (await calls()).length
    const second = await runAction({
      inputs: {
        'function-name': 'api',
        repository: 'api',
        role,
        environment: '{"STAGE":"two"}',
        context: appContext({ status: 500, body: 'broken\n' }),
        'smoke-expect-body': 'release',
        'smoke-timeout': '20s'
      },
      sha: '2'.repeat(40)
    })

    expect(second.exitCode).toBe(1)
    expect(second.outputs['rolled-back']).toBe('true')
    expect(second.stdout).toContain('STAGE changed')
    // What the function serves and its configuration at the end: release 1, as before.
    expect(await httpGet(url ?? '')).toEqual({
      status: 200,
      body: 'release 1\n'
    })
    const after = await lambda.send(
      new GetFunctionCommand({ FunctionName: 'api' })
    )
    expect(after.Configuration?.Environment?.Variables).toEqual({
      STAGE: 'one',
      API_KEY: 'first-secret-value'
    })
    expect(after.Code?.ResolvedImageUri).toBe(created.Code?.ResolvedImageUri)
    // The stand-in's call log: configuration before code, on the way out and back.
    const order = (await calls())
      .slice(before)
      .filter(
        c =>
          c.service === 'lambda' &&
          (c.operation === 'UpdateFunctionConfiguration' ||
            c.operation === 'UpdateFunctionCode')
      )
      .map(c => c.operation)
    expect(order).toEqual([
      'UpdateFunctionConfiguration',
      'UpdateFunctionCode',
      'UpdateFunctionConfiguration',
      'UpdateFunctionCode'
    ])
    expect(second.stdout + second.summary).not.toContain('first-secret-value')
    expect(second.post?.exitCode).toBe(0)
  })
})

describe('the stand-in, as Lambda, for what moto gets wrong', () => {
  it('keeps ImageConfig, accepts Environment without Variables, and runs the runtime process with both', async () => {
    const { lambda } = awsClients()
    const fn = await createImageFunction({
      functionName: 'configured',
      repositoryName: 'configured',
      architecture: 'x86_64',
      functionUrl: true,
      body: 'configured\n'
    })
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'configured',
        Environment: { Variables: { STAGE: 'one' } },
        ImageConfig: { WorkingDirectory: '/www' }
      })
    )
    await waitForUpdated('configured')
    const configured = await lambda.send(
      new GetFunctionCommand({ FunctionName: 'configured' })
    )
    expect(configured.Configuration?.ImageConfigResponse).toEqual({
      ImageConfig: { WorkingDirectory: '/www' }
    })
    // The container runs with the function's variables and ImageConfig.
    expect(await httpGet(fn.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'configured\n'
    })
    const ids = (
      await exec('docker', [
        'ps',
        '-q',
        '--filter',
        'label=aspnet-lambda-deploy.function=configured'
      ])
    ).stdout
      .trim()
      .split('\n')
      .filter(id => id !== '')
    // The emulator starts the runtime with docker exec (values never in
    // argv), so the function's variables and working directory are the
    // runtime process's, not the container's: read them from /proc.
    const seen = await Promise.all(
      ids.map(
        async id =>
          (
            await exec('docker', [
              'exec',
              id,
              '/bin/busybox',
              'sh',
              '-c',
              'for p in /proc/[0-9]*; do /bin/busybox tr "\\0" "\\n" < $p/environ 2>/dev/null | /bin/busybox grep -qx STAGE=one && /bin/busybox readlink $p/cwd; done; true'
            ])
          ).stdout
      )
    )
    expect(ids.length).toBeGreaterThan(0)
    expect(seen.join('\n').split('\n')).toContain('/www')

    // Environment: {} (no Variables) removes every variable, as on Lambda;
    // empty ImageConfig values clear the override.
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'configured',
        Environment: {},
        ImageConfig: { EntryPoint: [], Command: [], WorkingDirectory: '' }
      })
    )
    await waitForUpdated('configured')
    const cleared = await lambda.send(
      new GetFunctionCommand({ FunctionName: 'configured' })
    )
    expect(cleared.Configuration?.Environment?.Variables ?? {}).toEqual({})
    expect(cleared.Configuration?.ImageConfigResponse).toBeUndefined()
  })
})
