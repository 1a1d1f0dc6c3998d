/**
 * Image preflight of the bundled action on the local stand-in: an arm64
 * function is given an image whose /opt/extensions binary is x86-64. The
 * action reads the pushed layers through the registry API and stops before
 * UpdateFunctionCode; the same image with an arm64 extension deploys. An
 * app whose runtimeconfig.json names .NET 8 deploys with a warning (past its
 * end of support at the run's real time), one on .NET 10 passes.
 */
import { copyFileSync, mkdtempSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import os from 'node:os'
import path from 'node:path'
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  createImageFunction,
  localAwsEnv,
  reset,
  runAction,
  updates,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import { makeAppContext } from '../test/local-aws/images.js'
import {
  deployedDigest,
  errors,
  warnings
} from '../test/local-aws/assertions.js'

jest.setTimeout(180_000)

/**
 * The x86-64 extension is a binary of the other CPU (what the preflight reads); the arm64 one a
 * working extension (a shell script run by the image's arm64 busybox), which the stand-in's
 * execution environment starts and which must register for the deploy to pass.
 */
function contextWithExtension(arch: 'amd64' | 'arm64', body: string): string {
  return makeAppContext(
    mkdtempSync(path.join(os.tmpdir(), 'e2e-preflight-')),
    arch === 'arm64'
      ? { body, lifecycleExtension: 'telemetry' }
      : { body, extension: { name: 'telemetry', arch } }
  )
}

let fn: ImageFunction

beforeEach(async () => {
  localAwsEnv()
  await reset()
  fn = await createImageFunction({
    functionName: 'arm-api',
    repositoryName: 'arm-api',
    architecture: 'arm64',
    functionUrl: true,
    body: 'initial arm64\n'
  })
})

describe('preflight of the pushed image on an arm64 function', () => {
  it('stops an image whose extension is x86-64 before UpdateFunctionCode', async () => {
    const result = await runAction({
      inputs: {
        'function-name': 'arm-api',
        repository: 'arm-api',
        context: contextWithExtension('amd64', 'wrong extension\n')
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /\/opt\/extensions\/telemetry is a 64-bit x86-64 ELF binary but the function runs on arm64 \(AArch64\)/
    )
    expect(await updates('arm-api')).toEqual([])
    expect(await deployedDigest('arm-api')).toBe(fn.initialDigest)
    expect(result.summary).toMatch(/\| Extension telemetry \| ❌ fail \|/)
    // The image was pushed (and checked), only the function was left alone.
    expect(result.outputs['image-digest']).toMatch(/^sha256:/)
  })

  it('deploys the same app with an arm64 extension', async () => {
    const result = await runAction({
      inputs: {
        'function-name': 'arm-api',
        repository: 'arm-api',
        context: contextWithExtension('arm64', 'right extension\n'),
        'smoke-expect-body': 'right extension',
        'smoke-timeout': '60s'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.summary).toMatch(/\| Extension telemetry \| ✅ pass \|/)
    expect(result.summary).toMatch(
      /\| Entrypoint \| ✅ pass \|.*AArch64 ELF binary/
    )
    const digest = result.outputs['image-digest'] ?? ''
    expect(await deployedDigest('arm-api')).toBe(digest)
    expect((await updates('arm-api')).map(u => u.status)).toEqual([
      'Successful'
    ])
  })
})

describe('the .NET the app in the pushed image runs on', () => {
  function contextOnDotnet(version: string, body: string): string {
    return makeAppContext(
      mkdtempSync(path.join(os.tmpdir(), 'e2e-preflight-dotnet-')),
      { body, dotnet: { app: 'OrdersApi', version } }
    )
  }

  it('strict: a .NET 8 app (out of support since 2026-11-10) deploys with a warning naming the date and .NET 10', async () => {
    const result = await runAction({
      inputs: {
        'function-name': 'arm-api',
        repository: 'arm-api',
        context: contextOnDotnet('8.0.11', 'on dotnet 8\n'),
        'smoke-expect-body': 'on dotnet 8',
        'smoke-timeout': '60s'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(warnings(result)).toMatch(
      /Preflight: \.NET support: The app runs on \.NET 8 \(OrdersApi\.runtimeconfig\.json: Microsoft\.NETCore\.App 8\.0\.11, Microsoft\.AspNetCore\.App 8\.0\.11\), out of Microsoft's support since 2026-11-10[\s\S]*Move to \.NET 10 \(LTS, supported until 2028-11-14\)/
    )
    expect(result.summary).toMatch(
      /\| \.NET support \| ⚠️ warn \| The app runs on \.NET 8 /
    )
    expect(await deployedDigest('arm-api')).toBe(
      result.outputs['image-digest'] ?? ''
    )
  })

  it('a .NET 10 app passes', async () => {
    const result = await runAction({
      inputs: {
        'function-name': 'arm-api',
        repository: 'arm-api',
        context: contextOnDotnet('10.0.1', 'on dotnet 10\n'),
        'smoke-expect-body': 'on dotnet 10',
        'smoke-timeout': '60s'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(warnings(result)).not.toContain('.NET support')
    expect(result.summary).toMatch(
      /\| \.NET support \| ✅ pass \| \.NET 10\.0 \(OrdersApi\.runtimeconfig\.json: [^|]*\), supported until 2028-11-14 \|/
    )
  })
})

describe('preflight of the app source against what the stand-in says', () => {
  it('stops a RestApi app behind a Function URL before building', async () => {
    const context = makeAppContext(
      mkdtempSync(path.join(os.tmpdir(), 'e2e-preflight-app-')),
      { body: 'never built\n' }
    )
    const app = fileURLToPath(
      new URL('../__fixtures__/apps/rest-api/', import.meta.url)
    )
    for (const name of ['OrdersApi.csproj', 'Program.cs']) {
      copyFileSync(path.join(app, name), path.join(context, name))
    }

    const result = await runAction({
      inputs: { 'function-name': 'arm-api', repository: 'arm-api', context }
    })

    expect(result.exitCode).toBe(1)
    // The stand-in's Function URLs are served by its gateway, on whatever port it runs.
    expect(errors(result)).toContain(
      `LambdaEventSource.RestApi but the function is reached through Function URL ${localAwsEnv().endpoint}/_url/arm-api/ → HttpApi`
    )
    expect(result.stdout).not.toContain('docker build')
    expect(result.outputs['image-digest']).toBeUndefined()
    expect(await updates('arm-api')).toEqual([])
  })
})
