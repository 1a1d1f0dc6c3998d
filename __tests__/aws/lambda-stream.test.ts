import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  GetFunctionUrlConfigCommand,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  LambdaClient,
  ResourceNotFoundException,
  type InvokeWithResponseStreamCommandOutput,
  type InvokeWithResponseStreamResponseEvent
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import {
  functionUrlStreams,
  invokeStreaming,
  type StreamedInvoke
} from '../../src/aws/lambda-stream.js'
import {
  MAX_STREAM_BYTES,
  isHttpResponseStream,
  readStreamedAnswer
} from '../../src/aws/lambda-stream-answer.js'
import { invokeCheck } from '../../src/checks/invoke.js'
import { readOnce } from '../../src/util/read-once.js'
import { getFunctionUrl } from '../../src/aws/function-url.js'
import { fakeTiming } from '../../__fixtures__/timing.js'
import { FUNCTION_ARN } from '../../__fixtures__/aws.js'

const lambdaMock = mockClient(LambdaClient)
const lambda = new LambdaClient({ region: 'us-east-1' })

const NUL8 = '\0'.repeat(8)

/** The bytes a streaming ASP.NET Core app writes: prelude, 8 NULs, body. */
function httpStream(prelude: unknown, body: string): Buffer {
  return Buffer.concat([
    Buffer.from(JSON.stringify(prelude)),
    Buffer.alloc(8),
    Buffer.from(body)
  ])
}

/** The SDK's output: EventStream is an async iterable of events. */
function streamed(
  events: InvokeWithResponseStreamResponseEvent[],
  executedVersion: string | undefined = '8'
): InvokeWithResponseStreamCommandOutput {
  async function* eventStream(): AsyncGenerator<InvokeWithResponseStreamResponseEvent> {
    for (const event of events) {
      await Promise.resolve()
      yield event
    }
  }
  return {
    StatusCode: 200,
    ...(executedVersion !== undefined && { ExecutedVersion: executedVersion }),
    EventStream: eventStream(),
    $metadata: {}
  }
}

/** Payload split into chunks of `size` bytes, then InvokeComplete. */
function chunked(
  bytes: Buffer,
  size: number,
  complete: { ErrorCode?: string; ErrorDetails?: string } = {}
): InvokeWithResponseStreamResponseEvent[] {
  const events: InvokeWithResponseStreamResponseEvent[] = []
  for (let at = 0; at < bytes.length; at += size)
    events.push({
      PayloadChunk: { Payload: new Uint8Array(bytes.subarray(at, at + size)) }
    })
  events.push({ InvokeComplete: complete })
  return events
}

beforeEach(() => {
  lambdaMock.reset()
})

describe('invokeStreaming', () => {
  it('sends InvokeWithResponseStream for the qualifier and joins the payload chunks', async () => {
    lambdaMock
      .on(InvokeWithResponseStreamCommand)
      .resolves(
        streamed(
          chunked(httpStream({ statusCode: 200 }, 'hello world'), 5),
          '12'
        )
      )
    const result = await invokeStreaming(
      lambda,
      {
        functionName: FUNCTION_ARN,
        qualifier: '12',
        payload: Buffer.from('{}'),
        maxBytes: 1000
      },
      AbortSignal.timeout(5000)
    )
    expect(result).toEqual({
      executedVersion: '12',
      bytes: httpStream({ statusCode: 200 }, 'hello world'),
      cut: false,
      errorCode: undefined,
      errorDetails: undefined,
      incomplete: false
    })
    const sent = lambdaMock.commandCalls(InvokeWithResponseStreamCommand)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.args[0].input).toMatchObject({
      FunctionName: FUNCTION_ARN,
      Qualifier: '12',
      InvocationType: 'RequestResponse'
    })
  })

  it('stops reading at maxBytes and says the stream was cut', async () => {
    const bytes = httpStream({ statusCode: 200 }, 'x'.repeat(100))
    lambdaMock
      .on(InvokeWithResponseStreamCommand)
      .resolves(streamed(chunked(bytes, 10)))
    const result = await invokeStreaming(
      lambda,
      {
        functionName: FUNCTION_ARN,
        qualifier: '8',
        payload: Buffer.from('{}'),
        maxBytes: 45
      },
      AbortSignal.timeout(5000)
    )
    expect(result.bytes).toEqual(bytes.subarray(0, 45))
    expect(result.cut).toBe(true)
    expect(result.incomplete).toBe(false)
  })

  it('reports InvokeComplete ErrorCode and ErrorDetails, and a stream with no InvokeComplete', async () => {
    lambdaMock
      .on(InvokeWithResponseStreamCommand)
      .resolvesOnce(
        streamed(
          chunked(Buffer.from('partial'), 100, {
            ErrorCode: 'Sandbox.Timedout',
            ErrorDetails: 'Task timed out after 30.00 seconds'
          })
        )
      )
      .resolvesOnce(
        streamed([{ PayloadChunk: { Payload: Buffer.from('half') } }])
      )
    const request = {
      functionName: FUNCTION_ARN,
      qualifier: '8',
      payload: Buffer.from('{}'),
      maxBytes: 1000
    }
    expect(
      await invokeStreaming(lambda, request, AbortSignal.timeout(5000))
    ).toMatchObject({
      errorCode: 'Sandbox.Timedout',
      errorDetails: 'Task timed out after 30.00 seconds',
      incomplete: false
    })
    expect(
      await invokeStreaming(lambda, request, AbortSignal.timeout(5000))
    ).toMatchObject({ incomplete: true, errorCode: undefined })
  })
})

function result(overrides: Partial<StreamedInvoke>): StreamedInvoke {
  return {
    executedVersion: '8',
    bytes: Buffer.alloc(0),
    cut: false,
    errorCode: undefined,
    errorDetails: undefined,
    incomplete: false,
    ...overrides
  }
}

describe('readStreamedAnswer', () => {
  it.each([
    {
      name: 'status, headers, multi-value headers and cookies from the prelude',
      bytes: httpStream(
        {
          statusCode: 201,
          headers: { 'Content-Type': 'text/plain' },
          multiValueHeaders: { 'X-Many': ['a', 'b'] },
          cookies: ['a=1', 'b=2']
        },
        'created'
      ),
      answer: {
        status: 201,
        headers: {
          'content-type': 'text/plain',
          'x-many': 'a, b',
          'set-cookie': 'a=1, b=2'
        },
        body: 'created'
      }
    },
    {
      name: 'an empty body',
      bytes: httpStream({ statusCode: 204 }, ''),
      answer: { status: 204, headers: {}, body: '' }
    },
    {
      name: 'no statusCode in the prelude: 200, as the app set none',
      bytes: httpStream({ headers: { a: 'b' } }, 'ok'),
      answer: { status: 200, headers: { a: 'b' }, body: 'ok' }
    },
    {
      name: 'NUL bytes in the body after the delimiter are body',
      bytes: httpStream({ statusCode: 200 }, `a${NUL8}b`),
      answer: { status: 200, headers: {}, body: `a${NUL8}b` }
    },
    {
      name: 'a body over the limit: its first bytes',
      bytes: httpStream({ statusCode: 200 }, 'abcdef').subarray(0, -3),
      cut: true,
      answer: { status: 200, headers: {}, body: 'abc' }
    }
  ])('$name', ({ bytes, answer, cut }) => {
    expect(readStreamedAnswer(result({ bytes, cut: cut ?? false }))).toEqual({
      kind: 'answer',
      answer
    })
  })

  it.each([
    {
      name: 'missing delimiter',
      bytes: Buffer.from('{"statusCode":200}hello'),
      cause: 'wrong-shape',
      reason:
        /no HTTP prelude \(a JSON object, then 8 NUL bytes\); got \{"statusCode":200\}hello/
    },
    {
      name: 'a buffered proxy response instead of a stream',
      bytes: Buffer.from('{"statusCode":200,"body":"hi"}'),
      cause: 'wrong-shape',
      reason:
        /buffered proxy response .*InvokeMode RESPONSE_STREAM would send that JSON as the body/
    },
    {
      name: 'nothing at all',
      bytes: Buffer.alloc(0),
      cause: 'wrong-shape',
      reason: /got nothing/
    },
    {
      name: 'invalid JSON prelude',
      bytes: Buffer.concat([
        Buffer.from('{"statusCode":'),
        Buffer.alloc(8),
        Buffer.from('x')
      ]),
      cause: 'wrong-shape',
      reason: /prelude is not a JSON object: \{"statusCode":/
    },
    {
      name: 'a prelude that is JSON but not an object',
      bytes: httpStream([200], 'x'),
      cause: 'wrong-shape',
      reason: /prelude is not a JSON object: \[200\]/
    },
    {
      name: 'a statusCode that is not a number',
      bytes: httpStream({ statusCode: '200' }, 'x'),
      cause: 'wrong-shape',
      reason: /statusCode that is not a number/
    },
    {
      name: 'a prelude over the limit (no delimiter in what was read)',
      bytes: Buffer.from(`{"headers":{"a":"${'x'.repeat(50)}`),
      cut: true,
      cause: 'wrong-shape',
      reason: /no HTTP prelude in the first 67 bytes/
    },
    {
      name: 'InvokeComplete with an ErrorCode',
      bytes: httpStream({ statusCode: 200 }, 'half'),
      errorCode: 'Runtime.ExitError',
      errorDetails: 'RequestId: 1 Error: exit status 1',
      cause: 'function-error',
      errorType: 'Runtime.ExitError',
      reason:
        /^the stream ended with Runtime.ExitError: RequestId: 1 Error: exit status 1$/
    },
    {
      name: 'no InvokeComplete',
      bytes: Buffer.from('{"statusCode":200'),
      incomplete: true,
      cause: 'function-error',
      reason: /ended after 17 bytes without InvokeComplete/
    }
  ])(
    '$name',
    ({
      bytes,
      cut,
      errorCode,
      errorDetails,
      incomplete,
      cause,
      errorType,
      reason
    }) => {
      const read = readStreamedAnswer(
        result({
          bytes,
          cut: cut ?? false,
          errorCode,
          errorDetails,
          incomplete: incomplete ?? false
        })
      )
      expect(read).toMatchObject({ kind: 'error', cause, errorType })
      expect(read.kind === 'error' ? read.reason : '').toMatch(reason)
    }
  )

  it('names the hosting setting when the shape is wrong', () => {
    const read = readStreamedAnswer(result({ bytes: Buffer.from('nope') }))
    expect(read.kind === 'error' ? read.reason : '').toContain(
      'options.EnableResponseStreaming = true'
    )
  })
})

describe('isHttpResponseStream', () => {
  it.each([
    ['a prelude and a body', httpStream({ statusCode: 200 }, 'x'), true],
    ['an empty prelude object', httpStream({}, ''), true],
    ['a proxy JSON', Buffer.from('{"statusCode":200}'), false],
    ['8 NULs after text', Buffer.from(`hello${NUL8}x`), false],
    ['8 NULs after a JSON array', Buffer.from(`[1]${NUL8}x`), false],
    ['nothing', Buffer.alloc(0), false]
  ])('%s -> %s', (_name, bytes, expected) => {
    expect(isHttpResponseStream(bytes)).toBe(expected)
  })
})

describe('functionUrlStreams', () => {
  it.each([
    ['RESPONSE_STREAM', true],
    ['BUFFERED', false],
    [undefined, false]
  ])('InvokeMode %s -> %s', async (mode, streams) => {
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: 'https://x.lambda-url.eu-west-1.on.aws/',
      ...(mode !== undefined && { InvokeMode: mode as 'BUFFERED' })
    })
    expect(
      await functionUrlStreams(lambda, FUNCTION_ARN, 'live', readOnce())
    ).toBe(streams)
    expect(
      lambdaMock.commandCalls(GetFunctionUrlConfigCommand)[0]?.args[0].input
    ).toEqual({ FunctionName: FUNCTION_ARN, Qualifier: 'live' })
  })

  it('no URL: false', async () => {
    lambdaMock
      .on(GetFunctionUrlConfigCommand)
      .rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }))
    expect(
      await functionUrlStreams(lambda, FUNCTION_ARN, undefined, readOnce())
    ).toBe(false)
  })

  it("shares the smoke test's answer for the same URL", async () => {
    lambdaMock
      .on(GetFunctionUrlConfigCommand)
      .resolves({ InvokeMode: 'RESPONSE_STREAM' })
    const once = readOnce()
    await functionUrlStreams(lambda, FUNCTION_ARN, undefined, once)
    await functionUrlStreams(lambda, FUNCTION_ARN, undefined, once)
    expect(lambdaMock.commandCalls(GetFunctionUrlConfigCommand)).toHaveLength(1)
  })

  it('asked first about a function with no URL, leaves the smoke test an answer it understands (none), not an error', async () => {
    lambdaMock
      .on(GetFunctionUrlConfigCommand)
      .rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }))
    const once = readOnce()
    expect(
      await functionUrlStreams(lambda, FUNCTION_ARN, undefined, once)
    ).toBe(false)
    // The smoke test's read of the same URL (checks/smoke.ts, reach.ts).
    await expect(
      once(`function-url ${FUNCTION_ARN}`, () =>
        getFunctionUrl(lambda, FUNCTION_ARN)
      )
    ).resolves.toBeUndefined()
    expect(lambdaMock.commandCalls(GetFunctionUrlConfigCommand)).toHaveLength(1)
  })
})

describe('invokeCheck of a streaming function', () => {
  const base = {
    functionName: FUNCTION_ARN,
    qualifier: '8',
    source: 'http-api' as const,
    path: '/health',
    expected: {
      status: 200,
      body: { kind: 'substring' as const, text: 'healthy' }
    },
    timeoutMs: 10_000,
    streaming: true
  }

  it('passes on the streamed prelude and body, without a buffered Invoke', async () => {
    lambdaMock
      .on(InvokeWithResponseStreamCommand)
      .resolves(
        streamed(
          chunked(
            httpStream(
              { statusCode: 200, headers: { 'content-type': 'text/plain' } },
              'healthy'
            ),
            4
          )
        )
      )
    const log: string[] = []
    const check = await invokeCheck(
      lambda,
      { ...base, log: m => log.push(m) },
      fakeTiming().timing
    )
    expect(check).toMatchObject({
      pass: true,
      status: 200,
      attempts: 1,
      executedVersion: '8',
      body: 'healthy'
    })
    expect(log).toEqual([
      expect.stringMatching(/^Attempt 1: HTTP 200 from version 8 in .*: pass$/)
    ])
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0)
    const payload = lambdaMock.commandCalls(InvokeWithResponseStreamCommand)[0]
      ?.args[0].input.Payload
    // The synthetic HTTP API 2.0 event, as a buffered Invoke sends it.
    expect(
      JSON.parse(Buffer.from(payload as Uint8Array).toString('utf8'))
    ).toMatchObject({ version: '2.0', rawPath: '/health' })
  })

  it('fails on a streamed 500, retrying until the time is up', async () => {
    lambdaMock
      .on(InvokeWithResponseStreamCommand)
      .callsFake(() =>
        streamed(chunked(httpStream({ statusCode: 500 }, 'boom'), 100))
      )
    const check = await invokeCheck(
      lambda,
      { ...base, timeoutMs: 5000, log: () => undefined },
      fakeTiming().timing
    )
    expect(check.pass).toBe(false)
    expect(check.status).toBe(500)
    expect(check.attempts).toBeGreaterThan(1)
    expect(check.reason).toMatch(
      /did not pass within 5\.0s \(\d+ attempts\); last: status 500, expected 200; body: boom/
    )
  })

  it('stops at once on a stream that is not an HTTP stream', async () => {
    lambdaMock
      .on(InvokeWithResponseStreamCommand)
      .resolves(
        streamed(
          chunked(Buffer.from('{"statusCode":200,"body":"healthy"}'), 100)
        )
      )
    const check = await invokeCheck(
      lambda,
      { ...base, log: () => undefined },
      fakeTiming().timing
    )
    expect(check).toMatchObject({ pass: false, attempts: 1 })
    expect(check.reason).toMatch(/no retry can fix: .*buffered proxy response/)
  })

  it('stops at once on InvokeComplete with a permanent error', async () => {
    lambdaMock.on(InvokeWithResponseStreamCommand).resolves(
      streamed(
        chunked(Buffer.alloc(0), 1, {
          ErrorCode: 'Runtime.InvalidEntrypoint',
          ErrorDetails: 'exec format error'
        })
      )
    )
    const check = await invokeCheck(
      lambda,
      { ...base, log: () => undefined },
      fakeTiming().timing
    )
    expect(check).toMatchObject({ pass: false, attempts: 1, status: undefined })
    expect(check.reason).toContain(
      'Runtime.InvalidEntrypoint: exec format error'
    )
  })

  it('switches to InvokeWithResponseStream when a buffered Invoke returns a response stream', async () => {
    const stream = httpStream({ statusCode: 200 }, 'healthy')
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      ExecutedVersion: '8',
      Payload: stream as unknown as Uint8Array as never,
      $metadata: {}
    })
    lambdaMock
      .on(InvokeWithResponseStreamCommand)
      .callsFake(() => streamed(chunked(stream, 3)))
    const log: string[] = []
    const check = await invokeCheck(
      lambda,
      { ...base, streaming: false, log: m => log.push(m) },
      fakeTiming().timing
    )
    expect(check).toMatchObject({ pass: true, status: 200, attempts: 1 })
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(1)
    expect(
      lambdaMock.commandCalls(InvokeWithResponseStreamCommand)
    ).toHaveLength(1)
    expect(log[0]).toMatch(
      /^Attempt 1: the answer is a response stream .*InvokeWithResponseStream\.$/
    )
  })

  it('does not switch on a buffered answer of the wrong shape that is no stream', async () => {
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: Buffer.from('"hello"') as unknown as Uint8Array as never,
      $metadata: {}
    })
    const check = await invokeCheck(
      lambda,
      { ...base, streaming: false, log: () => undefined },
      fakeTiming().timing
    )
    expect(check).toMatchObject({ pass: false, attempts: 1 })
    expect(
      lambdaMock.commandCalls(InvokeWithResponseStreamCommand)
    ).toHaveLength(0)
  })

  it('reads at most MAX_STREAM_BYTES of a long body', async () => {
    const body = 'healthy'.padEnd(MAX_STREAM_BYTES + 10, '.')
    lambdaMock
      .on(InvokeWithResponseStreamCommand)
      .resolves(
        streamed(chunked(httpStream({ statusCode: 200 }, body), 64 * 1024))
      )
    const check = await invokeCheck(
      lambda,
      { ...base, log: () => undefined },
      fakeTiming().timing
    )
    expect(check.pass).toBe(true)
    expect(check.body?.startsWith('healthy')).toBe(true)
  })
})
