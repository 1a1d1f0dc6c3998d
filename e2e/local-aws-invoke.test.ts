/**
 * Tests OF THE LOCAL AWS STAND-IN's versions, aliases, Invoke and CloudWatch Logs
 * (test/local-aws/gateway.ts), not of the action. Needs the stand-in running:
 *
 *   scripts/local-aws.sh up && eval "$(scripts/local-aws.sh env)"
 *   NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects e2e e2e/local-aws-invoke.test.ts
 */
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { beforeAll, describe, expect, it } from '@jest/globals'
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  InvokeCommand,
  ListFunctionUrlConfigsCommand,
  ListVersionsByFunctionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand
} from '@aws-sdk/client-lambda'

import {
  ACCOUNT_ID,
  albEvent,
  awsClients,
  buildAndPush,
  controlBeginUpdate,
  controlNextUpdate,
  createAlias,
  createHttpApi,
  createImageFunction,
  filterLogs,
  getAlias,
  httpApiEvent,
  invoke,
  localAwsEnv,
  logsClient,
  publishVersion,
  reset,
  restApiEvent,
  updateAlias,
  updateCode,
  waitForUpdated,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import { makeAppContext, type AppOptions } from '../test/local-aws/images.js'

const env = localAwsEnv()
const T = 120_000

function ctx(opts: AppOptions): string {
  return makeAppContext(
    mkdtempSync(path.join(os.tmpdir(), 'local-aws-invoke-')),
    opts
  )
}

async function errorOf(
  p: Promise<unknown>
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected the call to fail')
}

const hex = (digest: string): string => digest.replace(/^sha256:/, '')

/** A function (x86_64, `echo` app) with version 1 = body "one", $LATEST = version 2 = "two". */
async function twoVersions(name: string): Promise<{
  fn: ImageFunction
  twoDigest: string
  twoUri: string
}> {
  const fn = await createImageFunction({
    functionName: name,
    repositoryName: name,
    architecture: 'x86_64',
    contextDir: ctx({ body: 'one', echo: true })
  })
  expect((await publishVersion(name)).version).toBe('1')
  const two = await buildAndPush({
    repositoryName: name,
    tag: 'two',
    architecture: 'x86_64',
    contextDir: ctx({ body: 'two', echo: true })
  })
  await updateCode(name, two.imageUri)
  expect((await publishVersion(name)).version).toBe('2')
  return { fn, twoDigest: two.digest, twoUri: two.imageUri }
}

beforeAll(async () => {
  await reset()
}, T)

describe('versions carry their own image', () => {
  it(
    'a published version keeps its image after UpdateFunctionCode; reads by Qualifier, name:N and ARN:N agree',
    async () => {
      const fn = await createImageFunction({
        functionName: 'ver-api',
        repositoryName: 'ver-api',
        architecture: 'x86_64',
        body: 'one'
      })
      const v1 = await publishVersion('ver-api')
      expect(v1).toEqual({
        version: '1',
        codeSha256: hex(fn.initialDigest),
        functionArn: `${fn.functionArn}:1`
      })
      const two = await buildAndPush({
        repositoryName: 'ver-api',
        tag: 'two',
        architecture: 'x86_64',
        body: 'two'
      })
      await updateCode('ver-api', two.imageUri)

      const { lambda } = awsClients()
      for (const read of [
        { FunctionName: 'ver-api', Qualifier: '1' },
        { FunctionName: 'ver-api:1' },
        { FunctionName: `${fn.functionArn}:1` }
      ]) {
        const f = await lambda.send(new GetFunctionCommand(read))
        expect(f.Code).toMatchObject({
          ImageUri: fn.initialImageUri,
          ResolvedImageUri: `${fn.repositoryUri}@${fn.initialDigest}`
        })
        expect(f.Configuration).toMatchObject({
          Version: '1',
          CodeSha256: hex(fn.initialDigest),
          State: 'Active',
          LastUpdateStatus: 'Successful'
        })
        const c = await lambda.send(new GetFunctionConfigurationCommand(read))
        expect(c).toMatchObject({
          Version: '1',
          CodeSha256: hex(fn.initialDigest),
          State: 'Active',
          LastUpdateStatus: 'Successful'
        })
      }
      const latest = await lambda.send(
        new GetFunctionCommand({ FunctionName: 'ver-api' })
      )
      expect(latest.Code?.ImageUri).toBe(two.imageUri)
      expect(latest.Configuration?.CodeSha256).toBe(hex(two.digest))

      // Version 2 is the new image; publishing again with nothing changed returns it.
      const v2 = await publishVersion('ver-api')
      expect(v2).toMatchObject({ version: '2', codeSha256: hex(two.digest) })
      expect(await publishVersion('ver-api')).toEqual(v2)

      const list = await lambda.send(
        new ListVersionsByFunctionCommand({ FunctionName: 'ver-api' })
      )
      expect(
        (list.Versions ?? []).map(v => [v.Version, v.CodeSha256, v.State])
      ).toEqual([
        ['$LATEST', hex(two.digest), 'Active'],
        ['1', hex(fn.initialDigest), 'Active'],
        ['2', hex(two.digest), 'Active']
      ])

      // And each version runs its own image, side by side.
      const one = await invoke('ver-api', '1', httpApiEvent())
      const now = await invoke('ver-api', '$LATEST', httpApiEvent())
      expect(one.executedVersion).toBe('1')
      expect(one.payload).toMatchObject({ statusCode: 200, body: 'one' })
      expect(now.executedVersion).toBe('$LATEST')
      expect(now.payload).toMatchObject({ statusCode: 200, body: 'two' })
    },
    T
  )

  it(
    'PublishVersion refuses a CodeSha256 that is not $LATEST (412) and publishes with the current one',
    async () => {
      const fn = await createImageFunction({
        functionName: 'ver-guard',
        repositoryName: 'ver-guard',
        architecture: 'x86_64'
      })
      const two = await buildAndPush({
        repositoryName: 'ver-guard',
        tag: 'two',
        architecture: 'x86_64',
        body: 'two'
      })
      await updateCode('ver-guard', two.imageUri)
      const e = await errorOf(
        publishVersion('ver-guard', { codeSha256: hex(fn.initialDigest) })
      )
      expect(e.name).toBe('PreconditionFailedException')
      expect(e.$metadata?.httpStatusCode).toBe(412)
      expect(e.message).toBe(
        `CodeSha256 (${hex(fn.initialDigest)}) is different from current CodeSha256 in $LATEST (${hex(two.digest)}). Please try again with the current CodeSha256.`
      )
      await expect(
        publishVersion('ver-guard', { codeSha256: hex(two.digest) })
      ).resolves.toMatchObject({ version: '1', codeSha256: hex(two.digest) })
    },
    T
  )

  it(
    'PublishVersion during an update answers 409; UpdateFunctionCode with Publish publishes the new image',
    async () => {
      const fn = await createImageFunction({
        functionName: 'ver-busy',
        repositoryName: 'ver-busy',
        architecture: 'x86_64'
      })
      await controlBeginUpdate('ver-busy', 3000)
      const e = await errorOf(publishVersion('ver-busy', { wait: false }))
      expect(e.name).toBe('ResourceConflictException')
      expect(e.$metadata?.httpStatusCode).toBe(409)
      await waitForUpdated('ver-busy')

      const two = await buildAndPush({
        repositoryName: 'ver-busy',
        tag: 'two',
        architecture: 'x86_64',
        body: 'two'
      })
      const { lambda } = awsClients()
      await controlNextUpdate('ver-busy', { durationMs: 200 })
      const out = await lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'ver-busy',
          ImageUri: two.imageUri,
          Publish: true
        })
      )
      expect(out.Version).toBe('1')
      await waitForUpdated('ver-busy')
      const v1 = await lambda.send(
        new GetFunctionCommand({ FunctionName: 'ver-busy', Qualifier: '1' })
      )
      expect(v1.Code?.ImageUri).toBe(two.imageUri)
      expect(v1.Configuration?.CodeSha256).toBe(hex(two.digest))
      expect(fn.initialDigest).not.toBe(two.digest)
    },
    T
  )
})

describe('aliases', () => {
  it(
    'round-trip RoutingConfig, Description and RevisionId; stale RevisionId 412; duplicate 409; missing versions 404',
    async () => {
      const { fn } = await twoVersions('alias-api')
      const created = await createAlias(
        'alias-api',
        'live',
        '1',
        { '2': 0.25 },
        'canary of 2'
      )
      expect(created).toMatchObject({
        AliasArn: `${fn.functionArn}:live`,
        Name: 'live',
        FunctionVersion: '1',
        Description: 'canary of 2',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } }
      })
      expect(created.RevisionId).toMatch(/^[0-9a-f-]{36}$/)
      const got = await getAlias('alias-api', 'live')
      expect(got).toMatchObject({
        FunctionVersion: '1',
        Description: 'canary of 2',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } },
        RevisionId: created.RevisionId
      })

      const moved = await updateAlias(
        'alias-api',
        'live',
        '2',
        {},
        created.RevisionId
      )
      expect(moved.FunctionVersion).toBe('2')
      // Weights removed: no RoutingConfig at all, as Lambda shows an alias without weights.
      expect(moved.RoutingConfig).toBeUndefined()
      expect(moved.RevisionId).not.toBe(created.RevisionId)
      expect((await getAlias('alias-api', 'live')).RevisionId).toBe(
        moved.RevisionId
      )

      const stale = await errorOf(
        updateAlias('alias-api', 'live', '1', undefined, created.RevisionId)
      )
      expect(stale.name).toBe('PreconditionFailedException')
      expect(stale.$metadata?.httpStatusCode).toBe(412)
      expect((await getAlias('alias-api', 'live')).FunctionVersion).toBe('2')

      const dup = await errorOf(createAlias('alias-api', 'live', '1'))
      expect(dup.name).toBe('ResourceConflictException')
      expect(dup.$metadata?.httpStatusCode).toBe(409)
      expect(dup.message).toBe(`Alias already exists: ${fn.functionArn}:live`)

      const missing = await errorOf(createAlias('alias-api', 'next', '7'))
      expect(missing.name).toBe('ResourceNotFoundException')
      expect(missing.$metadata?.httpStatusCode).toBe(404)
      expect(missing.message).toBe(`Function not found: ${fn.functionArn}:7`)
      const missingWeight = await errorOf(
        createAlias('alias-api', 'next', '1', { '9': 0.1 })
      )
      expect(missingWeight.name).toBe('ResourceNotFoundException')
      const sameVersion = await errorOf(
        createAlias('alias-api', 'next', '1', { '1': 0.1 })
      )
      expect(sameVersion.name).toBe('InvalidParameterValueException')
      expect(sameVersion.$metadata?.httpStatusCode).toBe(400)
      const moveToMissing = await errorOf(
        awsClients().lambda.send(
          new UpdateAliasCommand({
            FunctionName: 'alias-api',
            Name: 'live',
            FunctionVersion: '8'
          })
        )
      )
      expect(moveToMissing.name).toBe('ResourceNotFoundException')
    },
    T
  )

  it(
    'Invoke of an alias honours the routing weights (0 and 1 exactly, 0.5 both ways)',
    async () => {
      await twoVersions('alias-route')
      const versions = async (n: number): Promise<Set<string>> => {
        const seen = new Set<string>()
        for (let i = 0; i < n; i++) {
          const r = await invoke('alias-route', 'live', httpApiEvent(), {
            tail: false
          })
          seen.add(
            `${r.executedVersion} ${(r.payload as { body: string }).body}`
          )
        }
        return seen
      }
      await createAlias('alias-route', 'live', '1', { '2': 0 })
      expect(await versions(8)).toEqual(new Set(['1 one']))
      await updateAlias('alias-route', 'live', '1', { '2': 1 })
      expect(await versions(8)).toEqual(new Set(['2 two']))
      await updateAlias('alias-route', 'live', '1', { '2': 0.5 })
      // Both versions show up (a miss has probability 2 * 0.5^40).
      expect(await versions(40)).toEqual(new Set(['1 one', '2 two']))
      await updateAlias('alias-route', 'live', '2', {})
      expect(await versions(4)).toEqual(new Set(['2 two']))
    },
    T
  )
})

describe('Invoke', () => {
  let fn: ImageFunction

  beforeAll(async () => {
    fn = await createImageFunction({
      functionName: 'invoke-api',
      repositoryName: 'invoke-api',
      architecture: 'x86_64',
      contextDir: ctx({
        body: 'home',
        echo: true,
        files: { 'logo.png': 'not really a PNG' }
      })
    })
  }, T)

  it(
    'an HTTP API 2.0 event: method, path, query, headers, cookies and a base64 body reach the app; the answer has cookies',
    async () => {
      const r = await invoke(
        'invoke-api',
        undefined,
        httpApiEvent({
          method: 'POST',
          path: '/cgi-bin/echo/orders?id=7&tag=a%20b',
          headers: { 'x-test': 'yes', 'content-type': 'text/plain' },
          cookies: ['c=3', 'd=4'],
          body: Buffer.from('hello body')
        })
      )
      expect(r.status).toBe(200)
      expect(r.functionError).toBeUndefined()
      expect(r.executedVersion).toBe('$LATEST')
      const payload = r.payload as {
        statusCode: number
        headers: Record<string, string>
        cookies: string[]
        body: string
        isBase64Encoded: boolean
      }
      expect(payload.statusCode).toBe(200)
      expect(payload.isBase64Encoded).toBe(false)
      expect(payload.cookies).toEqual(['a=1; Path=/', 'b=2'])
      expect(payload.headers['X-Echo']).toBe('yes')
      expect(payload.headers['Content-Type']).toBe('application/json')
      expect(
        Object.keys(payload.headers).map(h => h.toLowerCase())
      ).not.toContain('set-cookie')
      expect(JSON.parse(payload.body)).toEqual({
        method: 'POST',
        uri: '/cgi-bin/echo/orders?id=7&tag=a%20b',
        query: 'id=7&tag=a%20b',
        cookie: 'c=3; d=4',
        xTest: 'yes',
        contentType: 'text/plain',
        bodyBase64: Buffer.from('hello body').toString('base64')
      })
      expect(r.log).toMatch(
        /^START RequestId: \S+ Version: \$LATEST\n[\s\S]*END RequestId: \S+\nREPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 512 MB\tMax Memory Used: \d+ MB/
      )
    },
    T
  )

  it(
    'a REST API 1.0 event: the answer has headers and multiValueHeaders; binary content is base64',
    async () => {
      const r = await invoke(
        'invoke-api',
        '$LATEST',
        restApiEvent({
          path: '/cgi-bin/echo?tag=a&tag=b c',
          headers: { 'X-Test': 'rest' }
        })
      )
      const payload = r.payload as {
        statusCode: number
        headers: Record<string, string>
        multiValueHeaders: Record<string, string[]>
        body: string
        isBase64Encoded: boolean
      }
      expect(payload.statusCode).toBe(200)
      expect(payload.multiValueHeaders['Set-Cookie']).toEqual([
        'a=1; Path=/',
        'b=2'
      ])
      expect(payload.headers['X-Echo']).toBe('yes')
      expect(payload.multiValueHeaders['X-Echo']).toEqual(['yes'])
      expect(JSON.parse(payload.body)).toMatchObject({
        method: 'GET',
        query: 'tag=a&tag=b%20c',
        xTest: 'rest'
      })

      const png = await invoke(
        'invoke-api',
        undefined,
        restApiEvent({ path: '/logo.png' })
      )
      expect(png.payload).toMatchObject({
        statusCode: 200,
        isBase64Encoded: true,
        body: Buffer.from('not really a PNG').toString('base64')
      })
      const missing = await invoke(
        'invoke-api',
        undefined,
        restApiEvent({ path: '/nothing-here' })
      )
      expect(missing.functionError).toBeUndefined()
      expect(missing.payload).toMatchObject({ statusCode: 404 })
    },
    T
  )

  it(
    'an ALB event: statusDescription, headers or multiValueHeaders as the request used',
    async () => {
      const single = await invoke(
        'invoke-api',
        undefined,
        albEvent({
          path: '/cgi-bin/echo?q=a%2Bb',
          headers: { 'X-Test': 'alb' }
        })
      )
      const s = single.payload as Record<string, unknown>
      expect(s).toMatchObject({
        statusCode: 200,
        statusDescription: '200 OK',
        isBase64Encoded: false
      })
      expect(s.multiValueHeaders).toBeUndefined()
      expect((s.headers as Record<string, string>)['X-Echo']).toBe('yes')
      expect(JSON.parse(s.body as string)).toMatchObject({
        query: 'q=a%2Bb',
        xTest: 'alb'
      })

      const multi = await invoke(
        'invoke-api',
        undefined,
        albEvent({ path: '/' }, true)
      )
      const m = multi.payload as Record<string, unknown>
      expect(m).toMatchObject({
        statusCode: 200,
        statusDescription: '200 OK',
        body: 'home'
      })
      expect(m.headers).toBeUndefined()
      expect(
        (m.multiValueHeaders as Record<string, string[]>)['Content-type']
      ).toEqual(['text/html'])
    },
    T
  )

  it(
    'an event of no known shape is an Unhandled function error; DryRun 204; unknown function, version, alias 404',
    async () => {
      const odd = await invoke('invoke-api', undefined, { hello: 'world' })
      expect(odd.status).toBe(200)
      expect(odd.functionError).toBe('Unhandled')
      expect(odd.payload).toEqual({
        errorType: 'NullReferenceException',
        errorMessage: 'Object reference not set to an instance of an object.'
      })
      const notJson = await invoke('invoke-api', undefined, 'not json')
      expect(notJson.functionError).toBe('Unhandled')
      expect(notJson.payload).toMatchObject({
        errorType: 'JsonSerializerException'
      })

      const dry = await invoke('invoke-api', undefined, httpApiEvent(), {
        invocationType: 'DryRun'
      })
      expect(dry.status).toBe(204)

      const { lambda } = awsClients()
      for (const [FunctionName, Qualifier, arn] of [
        ['no-such-function', undefined, 'no-such-function'],
        ['invoke-api', '42', 'invoke-api:42'],
        ['invoke-api', 'nope', 'invoke-api:nope']
      ] as const) {
        const e = await errorOf(
          lambda.send(
            new InvokeCommand({
              FunctionName,
              ...(Qualifier ? { Qualifier } : {}),
              Payload: Buffer.from('{}')
            })
          )
        )
        expect(e.name).toBe('ResourceNotFoundException')
        expect(e.$metadata?.httpStatusCode).toBe(404)
        expect(e.message).toBe(
          `Function not found: arn:aws:lambda:${env.region}:${ACCOUNT_ID}:function:${arn}`
        )
      }
      expect(fn.functionName).toBe('invoke-api')
    },
    T
  )

  it(
    'while an update of $LATEST is InProgress, Invoke of $LATEST still runs the previous image',
    async () => {
      const name = 'invoke-updating'
      await createImageFunction({
        functionName: name,
        repositoryName: name,
        architecture: 'x86_64',
        body: 'before'
      })
      const next = await buildAndPush({
        repositoryName: name,
        tag: 'next',
        architecture: 'x86_64',
        body: 'after'
      })
      await controlNextUpdate(name, { durationMs: 4000 })
      await awsClients().lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: name,
          ImageUri: next.imageUri
        })
      )
      const during = await invoke(name, undefined, httpApiEvent())
      expect(during.payload).toMatchObject({ body: 'before' })
      await waitForUpdated(name)
      const after = await invoke(name, undefined, httpApiEvent())
      expect(after.payload).toMatchObject({ body: 'after' })
    },
    T
  )
})

describe('CloudWatch Logs', () => {
  it(
    'an image of the other architecture: Unhandled Runtime.InvalidEntrypoint, INIT_REPORT and the launch error in the log',
    async () => {
      const name = 'logs-wrong-arch'
      await createImageFunction({
        functionName: name,
        repositoryName: name,
        architecture: 'x86_64'
      })
      const arm = await buildAndPush({
        repositoryName: name,
        tag: 'arm',
        architecture: 'arm64',
        body: 'arm'
      })
      await updateCode(name, arm.imageUri)
      const startTime = Date.now()
      const r = await invoke(name, undefined, httpApiEvent())
      expect(r.status).toBe(200)
      expect(r.functionError).toBe('Unhandled')
      expect(r.payload).toEqual({
        errorType: 'Runtime.InvalidEntrypoint',
        errorMessage: expect.stringMatching(
          /^RequestId: [0-9a-f-]{36} Error: fork\/exec \/bin\/busybox: exec format error$/
        )
      })
      expect(r.log).toContain('INIT_REPORT Init Duration')

      const events = await filterLogs(name, startTime)
      const messages = events.map(e => e.message ?? '')
      expect(messages).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime\.InvalidEntrypoint\n$/
          ),
          // BuildKit records WorkingDir "/" for a FROM scratch image, the legacy builder "".
          expect.stringMatching(
            /^IMAGE\tLaunch error: fork\/exec \/bin\/busybox: exec format error\tEntrypoint: \[\/bin\/busybox sh \/var\/runtime\/bootstrap\]\tCmd: \[\]\tWorkingDir: \[\/?\]\n$/
          ),
          expect.stringMatching(/^START RequestId: \S+ Version: \$LATEST\n$/),
          expect.stringMatching(
            /^REPORT RequestId: .*\tStatus: error\tError Type: Runtime\.InvalidEntrypoint\n$/
          )
        ])
      )
      const init = messages.findIndex(m => m.startsWith('INIT_REPORT'))
      const start = messages.findIndex(m => m.startsWith('START'))
      expect(init).toBeLessThan(start)
      for (const e of events)
        expect(e.logStreamName).toMatch(
          /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/
        )
    },
    T
  )

  it(
    'a broken release logs an unhandled exception per request; startTime, filterPattern, prefix and paging work',
    async () => {
      const name = 'logs-broken'
      await createImageFunction({
        functionName: name,
        repositoryName: name,
        architecture: 'x86_64',
        contextDir: ctx({
          status: 500,
          body: 'broken',
          exceptionLog: 'Orders database unreachable',
          startupLog: ['extension: telemetry agent failed to register']
        })
      })
      const v = await publishVersion(name)
      const first = await invoke(name, v.version, httpApiEvent())
      expect(first.payload).toMatchObject({ statusCode: 500, body: 'broken' })
      await new Promise(r => setTimeout(r, 50))
      const since = Date.now()
      await new Promise(r => setTimeout(r, 5))
      const second = await invoke(name, v.version, restApiEvent())
      expect(second.payload).toMatchObject({ statusCode: 500, body: 'broken' })
      expect(second.log).toContain(
        'System.InvalidOperationException: Orders database unreachable'
      )

      const all = (await filterLogs(name)).map(e => e.message)
      expect(all.filter(m => m?.startsWith('fail: '))).toHaveLength(2)
      expect(
        all.filter(m => m === 'extension: telemetry agent failed to register\n')
      ).toHaveLength(1)

      const recent = await filterLogs(name, since)
      expect(recent.map(e => e.message)).toEqual([
        expect.stringMatching(/^START RequestId: \S+ Version: 1\n$/),
        'fail: Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware[1]\n',
        '      An unhandled exception has occurred while executing the request.\n',
        '      System.InvalidOperationException: Orders database unreachable\n',
        // What ASP.NET Core logs for the answer (the runtime of test/local-aws/app-runtime/bootstrap).
        expect.stringMatching(
          /^\S+\t\S+\tinfo\t\[Information\] Microsoft\.AspNetCore\.Hosting\.Diagnostics: Request finished HTTP\/1\.1 GET https:\/\/\S+ - - - 500 6 text\/plain [\d.]+ms\n$/
        ),
        expect.stringMatching(/^END RequestId: /),
        expect.stringMatching(/^REPORT RequestId: /)
      ])
      for (const e of recent) {
        expect(e.timestamp).toBeGreaterThanOrEqual(since)
        expect(e.logStreamName).toMatch(
          /^\d{4}\/\d{2}\/\d{2}\/\[1\][0-9a-f]{32}$/
        )
        expect(e.eventId).toMatch(/^\d{56}$/)
        expect(e.ingestionTime).toBeGreaterThanOrEqual(e.timestamp ?? 0)
      }

      const phrase = await filterLogs(name, undefined, {
        filterPattern: '"unhandled exception" request'
      })
      expect(phrase).toHaveLength(2)
      const any = await filterLogs(name, undefined, {
        filterPattern: '?InvalidOperationException ?telemetry'
      })
      expect(any).toHaveLength(3)
      const none = await filterLogs(name, undefined, {
        filterPattern: 'InvalidOperationException nowhere'
      })
      expect(none).toHaveLength(0)
      const prefix = await filterLogs(name, undefined, {
        logStreamNamePrefix: 'no/such/prefix'
      })
      expect(prefix).toHaveLength(0)

      // Pages of 3 with nextToken give the same events as one call.
      const logs = logsClient()
      const paged: string[] = []
      let nextToken: string | undefined
      do {
        const out = await logs.send(
          new FilterLogEventsCommand({
            logGroupName: `/aws/lambda/${name}`,
            limit: 3,
            ...(nextToken ? { nextToken } : {})
          })
        )
        expect((out.events ?? []).length).toBeLessThanOrEqual(3)
        expect(out.searchedLogStreams?.length).toBeGreaterThan(0)
        paged.push(...(out.events ?? []).map(e => e.eventId ?? ''))
        nextToken = out.nextToken
      } while (nextToken)
      expect(paged).toEqual((await filterLogs(name)).map(e => e.eventId))
      // logGroupIdentifier (an ARN) works as the name does.
      const byArn = await logs.send(
        new FilterLogEventsCommand({
          logGroupIdentifier: `arn:aws:logs:${env.region}:${ACCOUNT_ID}:log-group:/aws/lambda/${name}`,
          startTime: since
        })
      )
      expect(byArn.events?.length).toBe(recent.length)
    },
    T
  )

  it(
    'the log group of a function that never ran does not exist (ResourceNotFoundException)',
    async () => {
      await createImageFunction({
        functionName: 'logs-never-ran',
        repositoryName: 'logs-never-ran',
        architecture: 'x86_64'
      })
      const e = await errorOf(filterLogs('logs-never-ran'))
      expect(e.name).toBe('ResourceNotFoundException')
      expect(e.$metadata?.httpStatusCode).toBe(400)
      expect(e.message).toBe('The specified log group does not exist.')
    },
    T
  )
})

describe('data planes through aliases', () => {
  it(
    'an HTTP API integration on an alias serves the alias version, and follows it when the alias moves',
    async () => {
      const { fn } = await twoVersions('route-api')
      await createAlias('route-api', 'live', '1')
      const api = await createHttpApi(fn.functionArn, 'route-api', 'live')
      const get = async (): Promise<string> =>
        (await fetch(`${api.apiEndpoint}/`)).text()
      expect(await get()).toBe('one')
      await updateAlias('route-api', 'live', '2')
      expect(await get()).toBe('two')
      // $LATEST moves on; the alias does not.
      const three = await buildAndPush({
        repositoryName: 'route-api',
        tag: 'three',
        architecture: 'x86_64',
        body: 'three'
      })
      await updateCode('route-api', three.imageUri)
      expect(await get()).toBe('two')
      const pinned = await createHttpApi(`${fn.functionArn}:1`, 'pinned')
      expect(await (await fetch(`${pinned.apiEndpoint}/`)).text()).toBe('one')
      // Each request is logged as an invocation of the version it ran.
      const starts = (
        await filterLogs('route-api', undefined, { filterPattern: 'START' })
      ).map(e => (e.message ?? '').replace(/RequestId: \S+ /, ''))
      expect(starts).toEqual(
        expect.arrayContaining(['START Version: 1\n', 'START Version: 2\n'])
      )
    },
    T
  )

  it(
    'a Function URL created with Qualifier=<alias> is reported with it and serves the alias',
    async () => {
      const { fn } = await twoVersions('url-alias')
      await createAlias('url-alias', 'live', '1')
      const { lambda } = awsClients()
      const created = await lambda.send(
        new CreateFunctionUrlConfigCommand({
          FunctionName: 'url-alias',
          Qualifier: 'live',
          AuthType: 'NONE'
        })
      )
      expect(created.FunctionArn).toBe(`${fn.functionArn}:live`)
      expect(created.FunctionUrl).toBe(`${env.endpoint}/_url/url-alias/`)
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: 'url-alias',
          Qualifier: 'live',
          StatementId: 'FunctionURLAllowPublicAccess',
          Action: 'lambda:InvokeFunctionUrl',
          Principal: '*',
          FunctionUrlAuthType: 'NONE'
        })
      )
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: 'url-alias',
          Qualifier: 'live',
          StatementId: 'FunctionURLAllowInvokeAction',
          Action: 'lambda:InvokeFunction',
          Principal: '*',
          InvokedViaFunctionUrl: true
        })
      )
      const got = await lambda.send(
        new GetFunctionUrlConfigCommand({
          FunctionName: 'url-alias',
          Qualifier: 'live'
        })
      )
      expect(got.FunctionArn).toBe(`${fn.functionArn}:live`)
      const unqualified = await errorOf(
        lambda.send(
          new GetFunctionUrlConfigCommand({ FunctionName: 'url-alias' })
        )
      )
      expect(unqualified.name).toBe('ResourceNotFoundException')
      const list = await lambda.send(
        new ListFunctionUrlConfigsCommand({ FunctionName: 'url-alias' })
      )
      expect(list.FunctionUrlConfigs?.map(c => c.FunctionArn)).toEqual([
        `${fn.functionArn}:live`
      ])

      expect(await (await fetch(created.FunctionUrl ?? '')).text()).toBe('one')
      await updateAlias('url-alias', 'live', '2')
      expect(await (await fetch(created.FunctionUrl ?? '')).text()).toBe('two')
    },
    T
  )
})
