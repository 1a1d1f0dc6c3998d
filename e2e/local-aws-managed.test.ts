/**
 * Tests OF THE LOCAL AWS STAND-IN's Lambda Managed Instances model
 * (test/local-aws/gateway/managed-instances.ts), not of the action. Needs the stand-in running:
 *
 *   scripts/local-aws.sh up && eval "$(scripts/local-aws.sh env)"
 *   NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects=e2e \
 *     --runTestsByPath e2e/local-aws-managed.test.ts
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  waitUntilPublishedVersionActive,
  type FunctionConfiguration
} from '@aws-sdk/client-lambda'

import {
  awsClients,
  buildAndPush,
  createAlias,
  createImageFunction,
  ensureRole,
  getAlias,
  httpApiEvent,
  invoke,
  localAwsEnv,
  reset,
  waitForUpdated,
  type ImageFunction,
  type PushedImage
} from '../test/local-aws/fixtures.js'

const env = localAwsEnv()
const T = 120_000
const LP = '$LATEST.PUBLISHED'
const CAPACITY_PROVIDER =
  'arn:aws:lambda:us-east-1:123456789012:capacity-provider:web-tier'
const ACTIVATION_MS = 1500

const hex = (digest: string): string => digest.replace(/^sha256:/, '')

async function control(
  method: string,
  p: string,
  body?: unknown
): Promise<Record<string, unknown>> {
  const res = await fetch(`${env.control}${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`control ${method} ${p}: ${res.status} ${text}`)
  return JSON.parse(text) as Record<string, unknown>
}

const markManaged = (
  name: string,
  opts: { activationMs?: number; otherVersions?: number } = {}
): Promise<Record<string, unknown>> =>
  control('POST', `/functions/${name}/managed-instances`, {
    capacityProviderArn: CAPACITY_PROVIDER,
    activationMs: opts.activationMs ?? ACTIVATION_MS,
    ...(opts.otherVersions !== undefined && {
      otherVersions: opts.otherVersions
    })
  })

async function errorOf(
  p: Promise<unknown>
): Promise<
  Error & { $metadata?: { httpStatusCode?: number }; Message?: string }
> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected the call to fail')
}

async function configuration(
  name: string,
  qualifier?: string
): Promise<FunctionConfiguration> {
  return awsClients().lambda.send(
    new GetFunctionConfigurationCommand({
      FunctionName: name,
      ...(qualifier !== undefined && { Qualifier: qualifier })
    })
  )
}

/** Poll GetFunctionConfiguration until `qualifier` is no longer Pending; the states seen. */
async function statesUntilSettled(
  name: string,
  qualifier: string
): Promise<{ states: string[]; last: FunctionConfiguration }> {
  const states: string[] = []
  for (let i = 0; i < 100; i++) {
    const c = await configuration(name, qualifier)
    if (states.at(-1) !== c.State) states.push(c.State ?? '?')
    if (c.State !== 'Pending') return { states, last: c }
    await new Promise(r => setTimeout(r, 200))
  }
  throw new Error(`${name}:${qualifier} stayed Pending`)
}

async function urlBody(
  fn: ImageFunction
): Promise<{ status: number; body: string }> {
  const r = await fetch(fn.functionUrl ?? '')
  return { status: r.status, body: await r.text() }
}

const bodyOf = async (name: string, qualifier?: string): Promise<unknown> =>
  (
    (await invoke(name, qualifier, httpApiEvent())).payload as {
      body?: unknown
    }
  ).body

let fn: ImageFunction
let two: PushedImage
let three: PushedImage

beforeAll(async () => {
  await reset()
  fn = await createImageFunction({
    functionName: 'mi-api',
    repositoryName: 'mi-api',
    architecture: 'x86_64',
    functionUrl: true,
    body: 'one'
  })
  two = await buildAndPush({
    repositoryName: 'mi-api',
    tag: 'two',
    architecture: 'x86_64',
    body: 'two'
  })
  three = await buildAndPush({
    repositoryName: 'mi-api',
    tag: 'three',
    architecture: 'x86_64',
    body: 'three'
  })
}, 4 * T)

describe('a Managed Instances function', () => {
  it(
    'carries its CapacityProviderConfig, reports $LATEST as ActiveNonInvocable, and with nothing published refuses unqualified calls with NoPublishedVersionException',
    async () => {
      // Before it is marked, $LATEST serves: a Lambda (default) function.
      expect(await bodyOf('mi-api')).toBe('one')
      expect((await markManaged('mi-api')).managed).toBe(true)

      const latest = await configuration('mi-api')
      expect(latest.State).toBe('ActiveNonInvocable')
      expect(latest.CapacityProviderConfig).toEqual({
        LambdaManagedInstancesCapacityProviderConfig: {
          CapacityProviderArn: CAPACITY_PROVIDER
        }
      })
      const f = await awsClients().lambda.send(
        new GetFunctionCommand({ FunctionName: 'mi-api' })
      )
      expect(f.Configuration?.State).toBe('ActiveNonInvocable')

      const noPublished = await errorOf(
        invoke('mi-api', undefined, httpApiEvent())
      )
      expect(noPublished.name).toBe('NoPublishedVersionException')
      expect(noPublished.$metadata?.httpStatusCode).toBe(400)
      expect(noPublished.message).toContain('has no published version')

      const url = await urlBody(fn)
      expect(url.status).toBe(400)
      expect(url.body).toContain('has no published version')

      // $LATEST itself cannot be invoked.
      const direct = await errorOf(invoke('mi-api', '$LATEST', httpApiEvent()))
      expect(direct.name).toBe('ResourceConflictException')
      expect(direct.message).toContain('ActiveNonInvocable')

      const none = await errorOf(configuration('mi-api', LP))
      expect(none.name).toBe('ResourceNotFoundException')
    },
    T
  )

  it(
    'PublishVersion with PublishTo LATEST_PUBLISHED: $LATEST.PUBLISHED is Pending for the activation time, then Active and what unqualified invokes and the URL run',
    async () => {
      const started = Date.now()
      const published = await awsClients().lambda.send(
        new PublishVersionCommand({
          FunctionName: 'mi-api',
          PublishTo: 'LATEST_PUBLISHED',
          CodeSha256: hex(fn.initialDigest)
        })
      )
      expect(published).toMatchObject({
        Version: LP,
        FunctionArn: `${fn.functionArn}:${LP}`,
        CodeSha256: hex(fn.initialDigest),
        State: 'Pending',
        StateReasonCode: 'Creating'
      })
      // Not Active yet: nothing is invocable.
      const pending = await errorOf(invoke('mi-api', undefined, httpApiEvent()))
      expect(pending.name).toBe('ResourceConflictException')
      expect(pending.message).toContain('Pending')

      await waitUntilPublishedVersionActive(
        {
          client: awsClients().lambda,
          maxWaitTime: 30,
          minDelay: 1,
          maxDelay: 1
        },
        { FunctionName: 'mi-api', Qualifier: LP }
      )
      expect(Date.now() - started).toBeGreaterThanOrEqual(ACTIVATION_MS - 100)
      const active = await configuration('mi-api', LP)
      expect(active).toMatchObject({
        Version: LP,
        State: 'Active',
        CodeSha256: hex(fn.initialDigest),
        CapacityProviderConfig: {
          LambdaManagedInstancesCapacityProviderConfig: {
            CapacityProviderArn: CAPACITY_PROVIDER
          }
        }
      })
      expect(active.StateReasonCode).toBeUndefined()
      const got = await awsClients().lambda.send(
        new GetFunctionCommand({ FunctionName: `mi-api:${LP}` })
      )
      expect(got.Code?.ImageUri).toBe(fn.initialImageUri)

      const call = await invoke('mi-api', undefined, httpApiEvent())
      expect(call.executedVersion).toBe(LP)
      expect(call.payload).toMatchObject({ body: 'one' })
      expect(await urlBody(fn)).toEqual({ status: 200, body: 'one' })
    },
    T
  )

  it(
    'UpdateFunctionCode alone changes nothing callers get; with PublishTo the old version serves until the new one is Active',
    async () => {
      const { lambda } = awsClients()
      await lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'mi-api',
          ImageUri: two.imageUri
        })
      )
      await waitForUpdated('mi-api')
      expect((await configuration('mi-api')).CodeSha256).toBe(hex(two.digest))
      expect(await bodyOf('mi-api')).toBe('one')
      expect(await urlBody(fn)).toEqual({ status: 200, body: 'one' })

      await lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'mi-api',
          ImageUri: three.imageUri,
          PublishTo: 'LATEST_PUBLISHED'
        })
      )
      const during = await configuration('mi-api', LP)
      expect(during).toMatchObject({
        State: 'Pending',
        CodeSha256: hex(three.digest)
      })
      expect(await bodyOf('mi-api')).toBe('one')
      expect(await urlBody(fn)).toEqual({ status: 200, body: 'one' })

      const { states } = await statesUntilSettled('mi-api', LP)
      expect(states).toEqual(['Pending', 'Active'])
      expect(await bodyOf('mi-api')).toBe('three')
      expect(await urlBody(fn)).toEqual({ status: 200, body: 'three' })
    },
    T
  )

  it(
    'a version that fails to activate is Failed with its StateReasonCode, and callers keep the version that was Active',
    async () => {
      await waitForUpdated('mi-api')
      await control('POST', '/functions/mi-api/next-activation', {
        failReasonCode: 'InsufficientCapacity',
        failReason: 'No capacity for the allowed instance types.'
      })
      await awsClients().lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'mi-api',
          ImageUri: two.imageUri,
          PublishTo: 'LATEST_PUBLISHED'
        })
      )
      const { states, last } = await statesUntilSettled('mi-api', LP)
      expect(states).toEqual(['Pending', 'Failed'])
      expect(last).toMatchObject({
        State: 'Failed',
        StateReasonCode: 'InsufficientCapacity',
        StateReason: 'No capacity for the allowed instance types.',
        CodeSha256: hex(two.digest)
      })
      const waited = await errorOf(
        waitUntilPublishedVersionActive(
          {
            client: awsClients().lambda,
            maxWaitTime: 10,
            minDelay: 1,
            maxDelay: 1
          },
          { FunctionName: 'mi-api', Qualifier: LP }
        )
      )
      expect(waited.message).toContain('FAILURE')
      expect(await bodyOf('mi-api')).toBe('three')
      expect(await urlBody(fn)).toEqual({ status: 200, body: 'three' })
    },
    T
  )

  it(
    'numbered versions activate too (Pending, then Active), and an alias may point at $LATEST.PUBLISHED',
    async () => {
      await waitForUpdated('mi-api')
      const v = await awsClients().lambda.send(
        new PublishVersionCommand({ FunctionName: 'mi-api' })
      )
      expect(v).toMatchObject({ Version: '1', State: 'Pending' })
      const early = await errorOf(invoke('mi-api', '1', httpApiEvent()))
      expect(early.name).toBe('ResourceConflictException')
      expect((await statesUntilSettled('mi-api', '1')).states).toEqual([
        'Pending',
        'Active'
      ])
      expect(await bodyOf('mi-api', '1')).toBe('two')

      const alias = await createAlias('mi-api', 'live', LP)
      expect(alias.FunctionVersion).toBe(LP)
      expect((await getAlias('mi-api', 'live')).FunctionVersion).toBe(LP)
      const viaAlias = await invoke('mi-api', 'live', httpApiEvent())
      expect(viaAlias.executedVersion).toBe(LP)
      expect(viaAlias.payload).toMatchObject({ body: 'three' })
      // Weights with $LATEST.PUBLISHED are refused, as they are for $LATEST.
      const weighted = await errorOf(
        createAlias('mi-api', 'canary', LP, { '1': 0.1 })
      )
      expect(weighted.name).toBe('InvalidParameterValueException')
    },
    T
  )

  it(
    'refuses a new version past 100 per capacity provider with FunctionVersionsPerCapacityProviderLimitExceededException',
    async () => {
      // mi-api holds $LATEST.PUBLISHED and version 1 on the same capacity provider: 2 versions.
      const other = await createImageFunction({
        functionName: 'mi-other',
        repositoryName: 'mi-api',
        architecture: 'x86_64',
        tag: 'other',
        body: 'other'
      })
      const marked = await markManaged('mi-other', { otherVersions: 96 })
      expect(marked.versionsOnCapacityProvider).toBe(98)
      const { lambda } = awsClients()
      await lambda.send(
        new PublishVersionCommand({
          FunctionName: 'mi-other',
          PublishTo: 'LATEST_PUBLISHED'
        })
      ) // 99
      await lambda.send(new PublishVersionCommand({ FunctionName: 'mi-other' })) // 100
      const refused = await errorOf(
        lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: 'mi-other',
            ImageUri: two.imageUri,
            Publish: true
          })
        )
      )
      expect(refused.name).toBe(
        'FunctionVersionsPerCapacityProviderLimitExceededException'
      )
      expect(refused.$metadata?.httpStatusCode).toBe(400)
      expect((await configuration('mi-other')).CodeSha256).toBe(
        hex(other.initialDigest)
      )
      // mi-api is on the same capacity provider: its next version is refused too.
      await lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'mi-api',
          ImageUri: fn.initialImageUri
        })
      )
      await waitForUpdated('mi-api')
      const alsoRefused = await errorOf(
        lambda.send(new PublishVersionCommand({ FunctionName: 'mi-api' }))
      )
      expect(alsoRefused.name).toBe(
        'FunctionVersionsPerCapacityProviderLimitExceededException'
      )
      // Republishing an existing $LATEST.PUBLISHED adds no version: allowed.
      const again = await lambda.send(
        new PublishVersionCommand({
          FunctionName: 'mi-api',
          PublishTo: 'LATEST_PUBLISHED'
        })
      )
      expect(again.State).toBe('Pending')
      // Deleting a version frees its place.
      await lambda.send(
        new DeleteFunctionCommand({ FunctionName: 'mi-other', Qualifier: '1' })
      )
      const v = await lambda.send(
        new PublishVersionCommand({ FunctionName: 'mi-api' })
      )
      expect(v.Version).toBe('2')
    },
    T
  )

  it(
    'PublishTo on a function without a capacity provider is refused; CreateFunction with CapacityProviderConfig marks the function',
    async () => {
      const plain = await createImageFunction({
        functionName: 'mi-plain',
        repositoryName: 'mi-api',
        architecture: 'x86_64',
        tag: 'plain',
        body: 'plain'
      })
      const refused = await errorOf(
        awsClients().lambda.send(
          new PublishVersionCommand({
            FunctionName: 'mi-plain',
            PublishTo: 'LATEST_PUBLISHED'
          })
        )
      )
      expect(refused.name).toBe('InvalidParameterValueException')
      expect(await bodyOf('mi-plain')).toBe('plain')

      const created = await awsClients().lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'mi-created',
          PackageType: 'Image',
          Code: { ImageUri: plain.initialImageUri },
          Role: await ensureRole(),
          CapacityProviderConfig: {
            LambdaManagedInstancesCapacityProviderConfig: {
              CapacityProviderArn: CAPACITY_PROVIDER
            }
          }
        })
      )
      expect(created.State).toBe('ActiveNonInvocable')
      expect(
        created.CapacityProviderConfig
          ?.LambdaManagedInstancesCapacityProviderConfig?.CapacityProviderArn
      ).toBe(CAPACITY_PROVIDER)
      const none = await errorOf(
        invoke('mi-created', undefined, httpApiEvent())
      )
      expect(none.name).toBe('NoPublishedVersionException')
    },
    T
  )
})
