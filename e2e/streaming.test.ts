/**
 * Response streaming on the local AWS stand-in: InvokeWithResponseStream (the
 * real SDK v3 client decodes the stand-in's event stream), Function URLs with
 * InvokeMode RESPONSE_STREAM, and the bundled action checking a streaming app
 * before traffic (InvokeWithResponseStream of the new version) and after
 * (its URL). A stand-in image labelled as streaming plays an ASP.NET Core app
 * with `EnableResponseStreaming = true` (test/local-aws/gateway/response-stream.ts).
 * Needs `scripts/local-aws.sh up` (test:all does it).
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  GetAliasCommand,
  GetFunctionUrlConfigCommand,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  PublishVersionCommand
} from '@aws-sdk/client-lambda'
import {
  awsClients,
  calls,
  createImageFunction,
  localAwsEnv,
  reset,
  runAction,
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

/** What a streaming app writes: the JSON prelude, 8 NUL bytes, the body. */
function splitStream(bytes: Buffer): { prelude: unknown; body: string } {
  const end = bytes.indexOf(Buffer.alloc(8))
  expect(end).toBeGreaterThan(0)
  return {
    prelude: JSON.parse(bytes.subarray(0, end).toString('utf8')),
    body: bytes.subarray(end + 8).toString('utf8')
  }
}

/** A synthetic HTTP API 2.0 request for GET / (what the action's check sends). */
function httpApiEvent(): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/',
      rawQueryString: '',
      headers: { host: 'example.com' },
      requestContext: {
        http: { method: 'GET', path: '/', protocol: 'HTTP/1.1' },
        requestId: 'r1',
        stage: '$default'
      },
      isBase64Encoded: false
    })
  )
}

/** InvokeWithResponseStream through the SDK: the chunks joined, and InvokeComplete. */
async function invokeStreamed(
  functionName: string,
  qualifier?: string
): Promise<{
  executedVersion: string | undefined
  bytes: Buffer
  chunks: number
  complete: unknown
}> {
  const out = await awsClients().lambda.send(
    new InvokeWithResponseStreamCommand({
      FunctionName: functionName,
      ...(qualifier !== undefined && { Qualifier: qualifier }),
      Payload: httpApiEvent()
    })
  )
  const parts: Buffer[] = []
  let complete: unknown
  for await (const event of out.EventStream ?? []) {
    if (event.PayloadChunk?.Payload !== undefined)
      parts.push(Buffer.from(event.PayloadChunk.Payload))
    if (event.InvokeComplete !== undefined) complete = event.InvokeComplete
  }
  return {
    executedVersion: out.ExecutedVersion,
    bytes: Buffer.concat(parts),
    chunks: parts.length,
    complete
  }
}

/** A public Function URL on `qualifier` with that InvokeMode (both permissions, since 2025-10). */
async function functionUrl(
  name: string,
  invokeMode: 'BUFFERED' | 'RESPONSE_STREAM',
  qualifier?: string
): Promise<string> {
  const { lambda } = awsClients()
  const url = await lambda.send(
    new CreateFunctionUrlConfigCommand({
      FunctionName: name,
      ...(qualifier !== undefined && { Qualifier: qualifier }),
      AuthType: 'NONE',
      InvokeMode: invokeMode
    })
  )
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: name,
      StatementId: 'FunctionURLAllowPublicAccess',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE'
    })
  )
  await lambda.send(
    new AddPermissionCommand({
      FunctionName: name,
      StatementId: 'FunctionURLAllowInvokeAction',
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true
    })
  )
  return url.FunctionUrl ?? ''
}

/** A streaming function serving `body`, version 1 published, alias `live` on it, its URL streaming. */
async function streamingAlias(
  name: string
): Promise<{ fn: ImageFunction; version: string; url: string }> {
  const fn = await createImageFunction({
    functionName: name,
    repositoryName: name,
    architecture: 'x86_64',
    contextDir: appContext({ body: 'release 1\n', streaming: true })
  })
  const { lambda } = awsClients()
  const version =
    (await lambda.send(new PublishVersionCommand({ FunctionName: name })))
      .Version ?? ''
  await lambda.send(
    new CreateAliasCommand({
      FunctionName: name,
      Name: 'live',
      FunctionVersion: version
    })
  )
  const url = await functionUrl(name, 'RESPONSE_STREAM', 'live')
  return { fn, version, url }
}

describe('the stand-in', () => {
  it('answers InvokeWithResponseStream with an event stream the SDK decodes: PayloadChunks, then InvokeComplete', async () => {
    await createImageFunction({
      functionName: 'stream',
      repositoryName: 'stream',
      architecture: 'x86_64',
      contextDir: appContext({
        body: 'x'.repeat(40_000),
        streaming: true
      })
    })
    const streamed = await invokeStreamed('stream')
    expect(streamed.executedVersion).toBe('$LATEST')
    expect(streamed.complete).toEqual({})
    // 40 KB of body in 16 KB chunks: the framing holds across messages.
    expect(streamed.chunks).toBeGreaterThan(2)
    const { prelude, body } = splitStream(streamed.bytes)
    expect(prelude).toMatchObject({ statusCode: 200 })
    expect(body).toBe('x'.repeat(40_000))

    // A buffered Invoke of a streaming app returns its stream, not a proxy JSON.
    const buffered = await awsClients().lambda.send(
      new InvokeCommand({ FunctionName: 'stream', Payload: httpApiEvent() })
    )
    expect(
      splitStream(Buffer.from(buffered.Payload ?? new Uint8Array()))
    ).toEqual({ prelude, body })
  })

  it("sends a buffered function's proxy JSON as one chunk, and a failure as InvokeComplete's ErrorCode", async () => {
    await createImageFunction({
      functionName: 'plain',
      repositoryName: 'plain',
      architecture: 'x86_64',
      body: 'plain\n'
    })
    const streamed = await invokeStreamed('plain')
    expect(JSON.parse(streamed.bytes.toString('utf8'))).toMatchObject({
      statusCode: 200,
      body: 'plain\n'
    })
    const { lambda } = awsClients()
    const failed = lambda.send(
      new InvokeWithResponseStreamCommand({
        FunctionName: 'plain',
        Payload: Buffer.from('"not an event"')
      })
    )
    const out = await failed
    const events = []
    for await (const event of out.EventStream ?? []) events.push(event)
    expect(events).toEqual([
      {
        InvokeComplete: {
          ErrorCode: 'NullReferenceException',
          ErrorDetails: 'Object reference not set to an instance of an object.'
        }
      }
    ])
  })

  it('serves a streaming app through a RESPONSE_STREAM URL as status, headers and body, and its raw stream through a BUFFERED one', async () => {
    await createImageFunction({
      functionName: 'page',
      repositoryName: 'page',
      architecture: 'x86_64',
      contextDir: appContext({ body: 'streamed page\n', streaming: true })
    })
    const url = await functionUrl('page', 'RESPONSE_STREAM')
    const config = await awsClients().lambda.send(
      new GetFunctionUrlConfigCommand({ FunctionName: 'page' })
    )
    expect(config.InvokeMode).toBe('RESPONSE_STREAM')
    expect(await httpGet(url)).toEqual({ status: 200, body: 'streamed page\n' })

    await createImageFunction({
      functionName: 'raw',
      repositoryName: 'raw',
      architecture: 'x86_64',
      contextDir: appContext({ body: 'raw page\n', streaming: true })
    })
    const buffered = await fetch(await functionUrl('raw', 'BUFFERED'))
    expect(buffered.status).toBe(200)
    const bytes = Buffer.from(await buffered.arrayBuffer())
    expect(splitStream(bytes)).toMatchObject({
      prelude: { statusCode: 200 },
      body: 'raw page\n'
    })
  })
})

describe('the action on a streaming app', () => {
  it('checks the new version through InvokeWithResponseStream before traffic, smoke-tests the streaming URL, moves the alias', async () => {
    const { fn, version, url } = await streamingAlias('feed')
    expect(await httpGet(url)).toEqual({ status: 200, body: 'release 1\n' })

    const result = await runAction({
      inputs: {
        'function-name': 'feed',
        repository: 'feed',
        alias: 'live',
        context: appContext({ body: 'release 2\n', streaming: true }),
        'smoke-expect-body': 'release 2',
        'smoke-timeout': '60s'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const newVersion = result.outputs['function-version'] ?? ''
    expect(newVersion).not.toBe(version)
    expect(result.outputs).toMatchObject({
      'alias-arn': `${fn.functionArn}:live`,
      'serving-version': newVersion,
      'rolled-back': 'false',
      'smoke-status': '200'
    })
    // What users get through the streaming URL at the end: release 2.
    expect(await httpGet(url)).toEqual({ status: 200, body: 'release 2\n' })
    expect(result.stdout).toContain(
      'the synthetic request goes through InvokeWithResponseStream'
    )
    expect(result.summary).toMatch(
      /Pre-traffic check.*✅ HTTP 200 after \d+ invocation/s
    )
    const lambdaCalls = (await calls()).filter(c => c.service === 'lambda')
    const invokes = lambdaCalls.filter(c => c.operation.startsWith('Invoke'))
    expect(invokes.length).toBeGreaterThan(0)
    expect(invokes.every(c => c.operation === 'InvokeWithResponseStream')).toBe(
      true
    )
  })

  it('checks a streaming app with no Function URL through InvokeWithResponseStream once a buffered Invoke shows it streams', async () => {
    const fn = await createImageFunction({
      functionName: 'quiet',
      repositoryName: 'quiet',
      architecture: 'x86_64',
      contextDir: appContext({ body: 'release 1\n', streaming: true })
    })
    const { lambda } = awsClients()
    const version =
      (await lambda.send(new PublishVersionCommand({ FunctionName: 'quiet' })))
        .Version ?? ''
    await lambda.send(
      new CreateAliasCommand({
        FunctionName: 'quiet',
        Name: 'live',
        FunctionVersion: version
      })
    )

    const result = await runAction({
      inputs: {
        'function-name': 'quiet',
        repository: 'quiet',
        alias: 'live',
        context: appContext({ body: 'release 2\n', streaming: true }),
        'smoke-expect-body': 'release 2',
        'smoke-timeout': '60s'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const newVersion = result.outputs['function-version'] ?? ''
    expect(result.outputs).toMatchObject({
      'alias-arn': `${fn.functionArn}:live`,
      'serving-version': newVersion
    })
    // What the alias serves at the end, asked the way the checks ask it.
    const served = await invokeStreamed('quiet', 'live')
    expect(served.executedVersion).toBe(newVersion)
    expect(splitStream(served.bytes).body).toBe('release 2\n')
    expect(result.stdout).toContain(
      'the answer is a response stream (the app streams its responses): invoking through InvokeWithResponseStream'
    )
    expect(result.summary).toMatch(
      /Pre-traffic check.*✅ HTTP 200 after \d+ invocation/s
    )
  })

  it('stops a streaming release that answers 500 before traffic: the alias and its URL keep serving release 1', async () => {
    const { version, url } = await streamingAlias('news')

    const result = await runAction({
      inputs: {
        'function-name': 'news',
        repository: 'news',
        alias: 'live',
        context: appContext({ status: 500, body: 'broken\n', streaming: true }),
        'smoke-timeout': '20s'
      }
    })

    expect(result.exitCode).toBe(1)
    const alias = await awsClients().lambda.send(
      new GetAliasCommand({ FunctionName: 'news', Name: 'live' })
    )
    expect(alias.FunctionVersion).toBe(version)
    expect(await httpGet(url)).toEqual({ status: 200, body: 'release 1\n' })
    expect(result.summary).toMatch(
      /❌ HTTP 500 after \d+ invocation\(s\): .*status 500, expected 200/
    )
    expect(result.summary).toContain(`\`live\` stays on version ${version}`)
  })

  it('rolls back a streaming release of $LATEST that its RESPONSE_STREAM URL serves as 500', async () => {
    const fn = await createImageFunction({
      functionName: 'shop',
      repositoryName: 'shop',
      architecture: 'x86_64',
      contextDir: appContext({ body: 'release 1\n', streaming: true })
    })
    const url = await functionUrl('shop', 'RESPONSE_STREAM')

    const result = await runAction({
      inputs: {
        'function-name': 'shop',
        repository: 'shop',
        context: appContext({ status: 500, body: 'broken\n', streaming: true }),
        'smoke-timeout': '20s'
      }
    })

    expect(result.exitCode).toBe(1)
    expect(result.outputs).toMatchObject({
      'rolled-back': 'true',
      'serving-image-uri': fn.initialImageUri
    })
    expect(await deployedDigest('shop')).toBe(fn.initialDigest)
    expect(await httpGet(url)).toEqual({ status: 200, body: 'release 1\n' })
    expect(errors(result)).toContain(
      `Rolled back: shop runs the previous image ${fn.initialImageUri} again.`
    )
    expect(result.summary).toContain('HTTP 500')
  })
})
