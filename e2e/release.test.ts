/**
 * Safe releases on the local AWS stand-in, with the bundled action run as the
 * runner runs it: alias deploys with a pre-traffic check (Invoke of the new
 * version with a synthetic API Gateway event), canaries, automatic rollback,
 * rollback by tag, several functions from one build, deploys of an existing
 * image. Needs `scripts/local-aws.sh up` (test:all does it).
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  PublishVersionCommand
} from '@aws-sdk/client-lambda'
import {
  awsClients,
  buildAndPush,
  controlNextUpdate,
  createHttpApi,
  createImageFunction,
  localAwsEnv,
  reset,
  runAction,
  updates,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import {
  appContext,
  deployedDigest,
  errors,
  httpGet
} from '../test/local-aws/assertions.js'

jest.setTimeout(300_000)

beforeEach(async () => {
  localAwsEnv()
  await reset()
})

/** Version 1 of the function, alias `live` on it, an HTTP API on the alias. */
async function aliasedFunction(name: string): Promise<{
  fn: ImageFunction
  version: string
  apiEndpoint: string
}> {
  const fn = await createImageFunction({
    functionName: name,
    repositoryName: name,
    architecture: 'x86_64',
    body: 'release 1\n'
  })
  const { lambda } = awsClients()
  const published = await lambda.send(
    new PublishVersionCommand({ FunctionName: name })
  )
  const version = published.Version ?? ''
  await lambda.send(
    new CreateAliasCommand({
      FunctionName: name,
      Name: 'live',
      FunctionVersion: version
    })
  )
  const api = await createHttpApi(`${fn.functionArn}:live`, `${name}-api`)
  return { fn, version, apiEndpoint: api.apiEndpoint }
}

async function aliasVersion(name: string): Promise<{
  version: string | undefined
  weights: Record<string, number> | undefined
}> {
  const alias = await awsClients().lambda.send(
    new GetAliasCommand({ FunctionName: name, Name: 'live' })
  )
  return {
    version: alias.FunctionVersion,
    weights: alias.RoutingConfig?.AdditionalVersionWeights
  }
}

describe('alias deploys', () => {
  it('publishes, checks the new version before traffic, then moves the alias; rollback-to previous moves it back', async () => {
    const { fn, version, apiEndpoint } = await aliasedFunction('shop')
    expect(await httpGet(apiEndpoint)).toEqual({
      status: 200,
      body: 'release 1\n'
    })

    const result = await runAction({
      inputs: {
        'function-name': 'shop',
        repository: 'shop',
        alias: 'live',
        context: appContext({ body: 'release 2\n' }),
        'smoke-expect-body': 'release 2',
        'smoke-timeout': '60s'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const newVersion = result.outputs['function-version'] ?? ''
    expect(newVersion).toMatch(/^\d+$/)
    expect(newVersion).not.toBe(version)
    expect(result.outputs).toMatchObject({
      'previous-version': version,
      'serving-version': newVersion,
      'alias-arn': `${fn.functionArn}:live`,
      updated: 'true',
      'rolled-back': 'false',
      'smoke-status': '200'
    })
    expect(await aliasVersion('shop')).toMatchObject({ version: newVersion })
    // Real traffic through the alias's API now reaches release 2.
    expect((await httpGet(apiEndpoint)).body).toBe('release 2\n')
    expect(result.stdout).toMatch(/Invoking version \d+ with a synthetic/)
    expect(result.summary).toContain('Pre-traffic check')
    expect(result.summary).toMatch(/✅ HTTP 200 after \d+ invocation/)

    // A re-run changes nothing: the alias already serves the digest.
    const again = await runAction({
      inputs: {
        'function-name': 'shop',
        repository: 'shop',
        alias: 'live',
        context: appContext({ body: 'release 2\n' })
      },
      sha: result.sha
    })
    expect(again.exitCode).toBe(0)
    expect(again.outputs).toMatchObject({
      updated: 'false',
      'serving-version': newVersion
    })

    const back = await runAction({
      inputs: {
        'function-name': 'shop',
        alias: 'live',
        'rollback-to': 'previous',
        'smoke-expect-body': 'release 1'
      }
    })
    expect(errors(back)).toBe('')
    expect(back.exitCode).toBe(0)
    expect(await aliasVersion('shop')).toMatchObject({ version })
    expect((await httpGet(apiEndpoint)).body).toBe('release 1\n')
    expect(back.stdout).not.toMatch(/docker build|Pushed /)
  })

  it('a bad release is caught before traffic: the alias is not moved, $LATEST is put back, and the logs say why', async () => {
    const { fn, version, apiEndpoint } = await aliasedFunction('cart')

    const result = await runAction({
      inputs: {
        'function-name': 'cart',
        repository: 'cart',
        alias: 'live',
        context: appContext({
          status: 500,
          body: 'boom\n',
          exceptionLog: 'Cart database unreachable'
        }),
        'smoke-timeout': '20s'
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /Pre-traffic check of version \d+ failed: .*status 500, expected 200; body: boom\. The alias live was not moved/
    )
    expect(await aliasVersion('cart')).toMatchObject({ version })
    expect(await httpGet(apiEndpoint)).toEqual({
      status: 200,
      body: 'release 1\n'
    })
    // $LATEST got the rejected code for the publish; it does not keep it.
    const latest = await awsClients().lambda.send(
      new GetFunctionCommand({ FunctionName: 'cart' })
    )
    expect(latest.Code?.ResolvedImageUri).toContain(fn.initialDigest)
    expect(result.outputs).toMatchObject({
      'rolled-back': 'true',
      'serving-version': version
    })
    expect(result.summary).toMatch(
      /`live` stays on version \d+: version \d+ got no traffic/
    )
    // The new version's own log lines say why, in the log and the summary.
    expect(result.stdout).toContain(
      'System.InvalidOperationException: Cart database unreachable'
    )
    expect(result.summary).toMatch(
      /<summary>Logs of cart since the deploy began[^]*An unhandled exception has occurred[^]*System\.InvalidOperationException: Cart database unreachable/
    )
  })

  it('a canary shares the traffic for the interval, then promotes the version', async () => {
    const { version } = await aliasedFunction('pay')

    const result = await runAction({
      inputs: {
        'function-name': 'pay',
        repository: 'pay',
        alias: 'live',
        'canary-percent': '50',
        'canary-interval': '3s',
        context: appContext({ body: 'release 2\n' }),
        'smoke-expect-body': 'release 2',
        'smoke-timeout': '60s'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const newVersion = result.outputs['function-version'] ?? ''
    expect(result.stdout).toContain(
      `Alias live: 50% of traffic to version ${newVersion}, the rest to ${version}`
    )
    expect(result.stdout).toMatch(/Canary passed [1-9]\d* check/)
    expect(await aliasVersion('pay')).toEqual({
      version: newVersion,
      weights: undefined
    })
  })
})

describe('rollback', () => {
  it('a bad release on $LATEST is rolled back to the previous digest', async () => {
    const fn = await createImageFunction({
      functionName: 'blog',
      repositoryName: 'blog',
      architecture: 'x86_64',
      functionUrl: true,
      body: 'release 1\n'
    })

    const result = await runAction({
      inputs: {
        'function-name': 'blog',
        repository: 'blog',
        context: appContext({ status: 503, body: 'down\n' }),
        'smoke-timeout': '20s'
      }
    })

    expect(result.exitCode).toBe(1)
    expect(result.outputs).toMatchObject({
      'rolled-back': 'true',
      'serving-image-uri': fn.initialImageUri
    })
    expect(await deployedDigest('blog')).toBe(fn.initialDigest)
    expect(errors(result)).toContain(
      `Rolled back: blog runs the previous image ${fn.initialImageUri} again.`
    )
    expect(result.summary).toContain('aws lambda update-function-code')
  })

  it('rollback-to a tag deploys that image without building', async () => {
    const fn = await createImageFunction({
      functionName: 'docs',
      repositoryName: 'docs',
      architecture: 'x86_64',
      functionUrl: true,
      tag: 'v1',
      body: 'release 1\n'
    })
    const v2 = await buildAndPush({
      repositoryName: 'docs',
      tag: 'v2',
      architecture: 'x86_64',
      body: 'release 2\n'
    })
    const toV2 = await runAction({
      inputs: { 'function-name': 'docs', repository: 'docs', image: 'v2' }
    })
    expect(toV2.exitCode).toBe(0)
    expect(await deployedDigest('docs')).toBe(v2.digest)

    const result = await runAction({
      inputs: {
        'function-name': 'docs',
        repository: 'docs',
        'rollback-to': 'v1',
        'smoke-expect-body': 'release 1'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({
      'image-tag': 'v1',
      'image-digest': fn.initialDigest,
      'reused-image': 'true',
      'previous-image-uri': v2.imageUri
    })
    expect(await deployedDigest('docs')).toBe(fn.initialDigest)
    expect(result.stdout).not.toMatch(/docker build|Logged in to/)
  })

  it('rollback-to a tag that is gone is refused before Lambda is touched, listing recent tags', async () => {
    await createImageFunction({
      functionName: 'news',
      repositoryName: 'news',
      architecture: 'x86_64',
      tag: 'v1'
    })
    // ECR (and moto) record push times in whole seconds: keep the two apart.
    await new Promise(resolve => setTimeout(resolve, 1100))
    await buildAndPush({
      repositoryName: 'news',
      tag: 'v2',
      architecture: 'x86_64',
      body: 'v2\n'
    })
    const before = (await updates('news')).length

    const result = await runAction({
      inputs: {
        'function-name': 'news',
        repository: 'news',
        'rollback-to': 'v0-expired'
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /rollback-to v0-expired: there is no such image in news \(an ECR lifecycle policy may have expired it\)\. The most recent tags still there: v2, v1\./
    )
    expect(await updates('news')).toHaveLength(before)
  })
})

describe('several functions, one build', () => {
  it('deploys to three functions; one failing rolls all three back', async () => {
    const names = ['svc-a', 'svc-b', 'svc-c']
    const fns: ImageFunction[] = []
    for (const name of names)
      fns.push(
        await createImageFunction({
          functionName: name,
          repositoryName: 'svc',
          architecture: 'x86_64',
          functionUrl: true,
          tag: `initial-${name}`,
          body: `initial ${name}\n`
        })
      )
    await controlNextUpdate('svc-b', {
      failReason: 'The image manifest could not be read.',
      failReasonCode: 'ImageAccessDenied'
    })

    const result = await runAction({
      inputs: {
        'function-name': names.join('\n'),
        repository: 'svc',
        context: appContext({ body: 'release 2\n' }),
        'smoke-expect-body': 'release 2',
        'smoke-timeout': '30s'
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toContain(
      'svc-b: Lambda could not apply the update to'
    )
    for (const fn of fns)
      expect(await deployedDigest(fn.functionName)).toBe(fn.initialDigest)
    const functions = JSON.parse(result.outputs.functions ?? '[]') as {
      name: string
      outcome: string
    }[]
    expect(functions.map(f => [f.name, f.outcome])).toEqual([
      ['svc-a', 'reverted'],
      ['svc-b', 'stopped'],
      ['svc-c', 'reverted']
    ])
    expect(result.outputs['rolled-back']).toBe('true')
    // One build for all three.
    expect(result.stdout.match(/Pushed /g)).toHaveLength(1)
    expect(result.summary).toContain('| Function | Result |')
  })

  it('build once, deploy the image-uri output to other functions', async () => {
    const first = await createImageFunction({
      functionName: 'eu-api',
      repositoryName: 'api',
      architecture: 'x86_64',
      functionUrl: true
    })
    const second = await createImageFunction({
      functionName: 'us-api',
      repositoryName: 'api',
      architecture: 'x86_64',
      functionUrl: true,
      tag: 'initial-us'
    })
    const build = await runAction({
      inputs: {
        'function-name': first.functionName,
        repository: 'api',
        context: appContext({ body: 'one build\n' }),
        'smoke-expect-body': 'one build'
      }
    })
    expect(build.exitCode).toBe(0)
    const imageUri = build.outputs['image-uri'] ?? ''

    const result = await runAction({
      inputs: {
        'function-name': second.functionName,
        image: imageUri,
        'smoke-expect-body': 'one build'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs['image-uri']).toBe(imageUri)
    expect(await deployedDigest('us-api')).toBe(build.outputs['image-digest'])
    expect(result.stdout).not.toMatch(/docker build|Logged in to/)
  })
})
