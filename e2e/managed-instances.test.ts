/**
 * Lambda Managed Instances (issue 24): the action releases to what callers
 * get. Such a function's unqualified invokes and Function URL run
 * $LATEST.PUBLISHED, which only a publish changes; an alias deploy moves the
 * alias to a numbered version. Each case proves what the function serves at
 * the end (and what the summary says), on the stand-in's Managed Instances
 * model (test/local-aws/gateway/managed-instances.ts): a published version
 * is Pending for `activationMs`, then Active (or Failed when injected).
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionUpdatedV2,
  waitUntilPublishedVersionActive
} from '@aws-sdk/client-lambda'

import {
  awsClients,
  buildAndPush,
  createImageFunction,
  localAwsEnv,
  reset,
  runAction,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import { appContext, errors, httpGet } from '../test/local-aws/assertions.js'

jest.setTimeout(240_000)

const CAPACITY_PROVIDER =
  'arn:aws:lambda:us-east-1:123456789012:capacity-provider:web-tier'
const LP = '$LATEST.PUBLISHED'
/** How long the stand-in takes to activate a published version. */
const ACTIVATION_MS = 1500

async function control(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${localAwsEnv().control}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
}

/** A Managed Instances function whose Function URL serves `body` (published, Active). */
async function managedFunction(
  name: string,
  body: string
): Promise<ImageFunction> {
  const fn = await createImageFunction({
    functionName: name,
    repositoryName: name,
    architecture: 'x86_64',
    functionUrl: true,
    body
  })
  await control(`/functions/${name}/managed-instances`, {
    capacityProviderArn: CAPACITY_PROVIDER,
    activationMs: ACTIVATION_MS
  })
  const { lambda } = awsClients()
  await lambda.send(
    new PublishVersionCommand({
      FunctionName: name,
      PublishTo: 'LATEST_PUBLISHED'
    })
  )
  await waitUntilPublishedVersionActive(
    { client: lambda, maxWaitTime: 60 },
    { FunctionName: name, Qualifier: LP }
  )
  expect(await httpGet(fn.functionUrl ?? '')).toEqual({ status: 200, body })
  return fn
}

/** The digest of the image a qualifier runs. */
async function digestOf(name: string, qualifier: string): Promise<string> {
  const f = await awsClients().lambda.send(
    new GetFunctionCommand({ FunctionName: name, Qualifier: qualifier })
  )
  return `sha256:${f.Configuration?.CodeSha256 ?? ''}`
}

beforeEach(async () => {
  localAwsEnv()
  await reset()
})

describe('a Lambda Managed Instances function', () => {
  it('a plain deploy publishes to $LATEST.PUBLISHED and waits for Active: the unqualified URL serves the new code at the end', async () => {
    const fn = await managedFunction('mi-plain', 'release 1\n')

    const result = await runAction({
      inputs: {
        'function-name': 'mi-plain',
        repository: 'mi-plain',
        context: appContext({ body: 'release 2\n' })
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(
      `is a Lambda Managed Instances function (capacity provider ${CAPACITY_PROVIDER}): callers get ${LP}`
    )
    expect(result.stdout).toMatch(/\$LATEST\.PUBLISHED is Active after/)
    expect(await digestOf('mi-plain', LP)).toBe(result.outputs['image-digest'])
    expect(await httpGet(fn.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 2\n'
    })
    expect(result.jobSummary).toContain('Lambda Managed Instances')
    expect(result.jobSummary).toContain(CAPACITY_PROVIDER)
    expect(result.jobSummary).toContain('Deployed')
  })

  it('an alias deploy moves the alias to a numbered version once it is Active; the unqualified URL keeps what it served', async () => {
    const fn = await managedFunction('mi-alias', 'release 1\n')
    const { lambda } = awsClients()
    const v1 = await lambda.send(
      new PublishVersionCommand({ FunctionName: 'mi-alias' })
    )
    await waitUntilPublishedVersionActive(
      { client: lambda, maxWaitTime: 60 },
      { FunctionName: 'mi-alias', Qualifier: v1.Version ?? '' }
    )
    await lambda.send(
      new CreateAliasCommand({
        FunctionName: 'mi-alias',
        Name: 'live',
        FunctionVersion: v1.Version ?? ''
      })
    )

    const result = await runAction({
      inputs: {
        'function-name': 'mi-alias',
        repository: 'mi-alias',
        alias: 'live',
        context: appContext({ body: 'release 2\n' })
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const live = await lambda.send(
      new GetAliasCommand({ FunctionName: 'mi-alias', Name: 'live' })
    )
    expect(live.FunctionVersion).toMatch(/^[0-9]+$/)
    expect(live.FunctionVersion).not.toBe(v1.Version)
    expect(await digestOf('mi-alias', live.FunctionVersion ?? '')).toBe(
      result.outputs['image-digest']
    )
    expect(result.stdout).toMatch(
      new RegExp(`Version ${live.FunctionVersion ?? ''} is Active after`)
    )
    // The alias release leaves $LATEST.PUBLISHED, and so the unqualified
    // URL, as they were.
    expect(await httpGet(fn.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 1\n'
    })
    expect(result.jobSummary).toContain(CAPACITY_PROVIDER)
  })

  it('a failed check is rolled back by publishing the previous image again: the URL serves the old code at the end and the summary says so', async () => {
    const fn = await managedFunction('mi-check', 'release 1\n')

    const result = await runAction({
      inputs: {
        'function-name': 'mi-check',
        repository: 'mi-check',
        context: appContext({ status: 500, body: 'boom\n' }),
        'smoke-timeout': '6s'
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(/Smoke test failed: .*status 500/)
    expect(errors(result)).toContain(
      `Rolled back: mi-check $LATEST runs the previous image ${fn.initialImageUri} again; ${LP} runs the previous image ${fn.initialImageUri} again (Active)`
    )
    expect(result.outputs['rolled-back']).toBe('true')
    expect(await digestOf('mi-check', LP)).toBe(fn.initialDigest)
    expect(await httpGet(fn.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 1\n'
    })
    expect(result.jobSummary).toContain('rolled back')
  })

  it('a version that fails to activate ends the wait with the reason; callers keep the old code and $LATEST is put back', async () => {
    const fn = await managedFunction('mi-fail', 'release 1\n')
    await control('/functions/mi-fail/next-activation', {
      failReasonCode: 'InsufficientCapacity',
      failReason: 'No capacity for the allowed instance types.'
    })

    const result = await runAction({
      inputs: {
        'function-name': 'mi-fail',
        repository: 'mi-fail',
        context: appContext({ body: 'release 2\n' })
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toContain(
      `mi-fail:${LP} failed to activate: reason code InsufficientCapacity; EC2 has no capacity`
    )
    expect(errors(result)).toContain(
      'Lambda says: "No capacity for the allowed instance types."'
    )
    expect(await httpGet(fn.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 1\n'
    })
    expect(await digestOf('mi-fail', '$LATEST')).toBe(fn.initialDigest)
    expect(await digestOf('mi-fail', LP)).not.toBe(fn.initialDigest)
    expect(result.jobSummary).toContain('failed to activate')
    expect(result.jobSummary).toContain(
      'Callers still get the version they had'
    )
    expect(result.jobSummary).toContain(
      `Rolled back: mi-fail $LATEST runs the previous image ${fn.initialImageUri} again.`
    )
  })

  it('prune-versions deletes the oldest versions nothing uses before the publish, never one an alias uses', async () => {
    const fn = await managedFunction('mi-prune', 'release 1\n')
    const { lambda } = awsClients()
    const versions: string[] = []
    for (const body of ['v-a\n', 'v-b\n', 'v-c\n', 'v-d\n']) {
      const image = await buildAndPush({
        repositoryName: 'mi-prune',
        tag: body.trim(),
        architecture: 'x86_64',
        body
      })
      await lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'mi-prune',
          ImageUri: image.imageUri
        })
      )
      await waitUntilFunctionUpdatedV2(
        { client: lambda, maxWaitTime: 60 },
        { FunctionName: 'mi-prune' }
      )
      const v = await lambda.send(
        new PublishVersionCommand({ FunctionName: 'mi-prune' })
      )
      versions.push(v.Version ?? '')
    }
    await lambda.send(
      new CreateAliasCommand({
        FunctionName: 'mi-prune',
        Name: 'old',
        FunctionVersion: versions[0] ?? ''
      })
    )

    const result = await runAction({
      inputs: {
        'function-name': 'mi-prune',
        repository: 'mi-prune',
        'prune-versions': '1',
        context: appContext({ body: 'release 2\n' })
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const left = await lambda.send(
      new ListVersionsByFunctionCommand({ FunctionName: 'mi-prune' })
    )
    const numbered = (left.Versions ?? [])
      .map(v => v.Version ?? '')
      .filter(v => /^[0-9]+$/.test(v))
    // The newest is kept, and the oldest because alias old uses it.
    expect(numbered).toEqual([versions[0], versions[3]])
    expect(result.stdout).toContain(
      `prune-versions: deleted versions ${versions[1] ?? ''}, ${versions[2] ?? ''} of`
    )
    expect(await httpGet(fn.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 2\n'
    })
  })
})
