import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  InvalidRequestContentException,
  InvalidRuntimeException,
  InvokeCommand,
  LambdaClient,
  ResourceConflictException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
  type InvokeCommandOutput
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { DeployError } from '../../src/util/errors.js'
import {
  MAX_BODY,
  invokeCheck,
  invokeErrorAction,
  isPermanentFunctionError,
  type InvokeCheckOptions
} from '../../src/checks/invoke.js'
import type { SmokeExpectation } from '../../src/checks/smoke.js'
import { fakeTiming, type FakeTiming } from '../../__fixtures__/timing.js'
import { FUNCTION_ARN } from '../../__fixtures__/aws.js'
import type { EventSourceInput } from '../../src/inputs/types.js'

const lambdaMock = mockClient(LambdaClient)
const lambda = new LambdaClient({ region: 'us-east-1' })
const OK: SmokeExpectation = { status: 200, body: undefined }

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name })
}

/** An Invoke response: the function's JSON answer, as Lambda returns it. */
function invoked(
  answer: unknown,
  extra: { FunctionError?: string; ExecutedVersion?: string | undefined } = {}
): InvokeCommandOutput {
  const text = typeof answer === 'string' ? answer : JSON.stringify(answer)
  const version = 'ExecutedVersion' in extra ? extra.ExecutedVersion : '8'
  return {
    StatusCode: 200,
    ...(version !== undefined && { ExecutedVersion: version }),
    ...(extra.FunctionError !== undefined && {
      FunctionError: extra.FunctionError
    }),
    Payload: Buffer.from(text) as unknown as NonNullable<
      InvokeCommandOutput['Payload']
    >,
    $metadata: {}
  }
}

const http = (statusCode: number, body = ''): InvokeCommandOutput =>
  invoked({ statusCode, headers: {}, body, isBase64Encoded: false })

const functionError = (
  errorType: string | undefined,
  errorMessage: string
): InvokeCommandOutput =>
  invoked(
    { ...(errorType !== undefined && { errorType }), errorMessage },
    { FunctionError: 'Unhandled' }
  )

function options(
  overrides: Partial<InvokeCheckOptions> = {}
): InvokeCheckOptions & { messages: string[] } {
  const messages: string[] = []
  return {
    functionName: FUNCTION_ARN,
    qualifier: '8',
    source: 'http-api',
    path: '/health',
    expected: OK,
    timeoutMs: 60_000,
    log: message => messages.push(message),
    messages,
    ...overrides
  }
}

/** Answer each Invoke in turn, each taking `latencyMs` of fake time. */
function answers(
  clock: FakeTiming,
  responses: (InvokeCommandOutput | Error)[],
  latencyMs = 100
): void {
  let call = 0
  lambdaMock.on(InvokeCommand).callsFake(() => {
    clock.advance(latencyMs)
    const response = responses[Math.min(call++, responses.length - 1)]
    if (response instanceof Error) return Promise.reject(response)
    return Promise.resolve(response)
  })
}

function sentEvent(index = 0): Record<string, unknown> {
  const call = lambdaMock.commandCalls(InvokeCommand)[index]
  const payload = call?.args[0].input.Payload
  return JSON.parse(
    Buffer.from(payload as Uint8Array).toString('utf8')
  ) as Record<string, unknown>
}

beforeEach(() => {
  lambdaMock.reset()
})

describe('invokeCheck', () => {
  it('invokes the version with the event its source would send, and passes', async () => {
    const clock = fakeTiming({ start: Date.parse('2026-11-23T09:00:00Z') })
    answers(clock, [http(200, 'Healthy')], 1200)
    const opts = options()
    const result = await invokeCheck(lambda, opts, clock.timing)
    expect(result).toEqual({
      pass: true,
      status: 200,
      attempts: 1,
      reason: 'status 200',
      executedVersion: '8',
      body: 'Healthy'
    })
    const [call] = lambdaMock.commandCalls(InvokeCommand)
    expect(call?.args[0].input).toMatchObject({
      FunctionName: FUNCTION_ARN,
      Qualifier: '8',
      InvocationType: 'RequestResponse'
    })
    expect(sentEvent()).toMatchObject({
      version: '2.0',
      rawPath: '/health',
      requestContext: {
        http: { method: 'GET', path: '/health' },
        timeEpoch: Date.parse('2026-11-23T09:00:00Z')
      }
    })
    expect(clock.sleeps).toEqual([])
    expect(opts.messages).toEqual([
      'Attempt 1: HTTP 200 from version 8 in 1.2s: pass'
    ])
  })

  it.each<[EventSourceInput, Record<string, unknown>]>([
    ['rest-api', { httpMethod: 'GET', path: '/health', resource: '/{proxy+}' }],
    ['alb', { httpMethod: 'GET', path: '/health', body: '' }]
  ])('sends the %s event shape', async (source, shape) => {
    const clock = fakeTiming()
    answers(clock, [http(200)])
    await invokeCheck(lambda, options({ source }), clock.timing)
    expect(sentEvent()).toMatchObject(shape)
  })

  it('retries through a cold start: a 503, a timeout, then the answer', async () => {
    const clock = fakeTiming()
    answers(clock, [
      http(503, 'starting'),
      functionError(
        'Sandbox.Timedout',
        'RequestId: 1 Error: Task timed out after 10.00 seconds'
      ),
      http(200, 'Healthy')
    ])
    const opts = options()
    const result = await invokeCheck(lambda, opts, clock.timing)
    expect(result).toMatchObject({ pass: true, attempts: 3, status: 200 })
    expect(clock.sleeps).toEqual([750, 1500])
    expect(opts.messages).toEqual([
      'Attempt 1: HTTP 503 from version 8 in 100ms: status 503, expected 200',
      'Attempt 2: no answer from version 8 in 100ms: Sandbox.Timedout: RequestId: 1 Error: Task timed out after 10.00 seconds',
      'Attempt 3: HTTP 200 from version 8 in 100ms: pass'
    ])
    // Every attempt is a new request.
    const ids = [0, 1, 2].map(
      i => (sentEvent(i).requestContext as { requestId: string }).requestId
    )
    expect(new Set(ids).size).toBe(3)
  })

  it('judges the body like the HTTP smoke test, and gives up at the timeout', async () => {
    const clock = fakeTiming()
    answers(clock, [http(200, 'Hello from v1')])
    const result = await invokeCheck(
      lambda,
      options({
        expected: { status: 200, body: { kind: 'substring', text: 'v2' } },
        timeoutMs: 10_000
      }),
      clock.timing
    )
    expect(result).toEqual({
      pass: false,
      status: 200,
      attempts: 6,
      executedVersion: '8',
      body: 'Hello from v1',
      reason: `${FUNCTION_ARN}:8 did not pass within 10.0s (6 attempts); last: body does not contain "v2"; body: Hello from v1`
    })
    // The last wait is cut short so the last attempt starts at the deadline.
    expect(clock.sleeps).toEqual([750, 1500, 3000, 3750, 500])
    expect(clock.timing.now()).toBe(10_100)
  })

  it.each([
    [
      'Runtime.InvalidEntrypoint',
      'RequestId: 1 Error: fork/exec /lambda-entrypoint.sh: exec format error'
    ],
    ['Runtime.InvalidWorkingDirectory', 'chdir /var/task/app: no such file'],
    [
      'Runtime.ExitError',
      'RequestId: 1 Error: Runtime exited with error: exit status 134'
    ],
    ['Extension.InitError', 'RequestId: 1 Error: extension init failed']
  ])(
    'stops at once on %s, which no retry can fix',
    async (errorType, message) => {
      const clock = fakeTiming()
      answers(clock, [functionError(errorType, message), http(200)])
      const result = await invokeCheck(lambda, options(), clock.timing)
      expect(result).toEqual({
        pass: false,
        status: undefined,
        attempts: 1,
        executedVersion: '8',
        reason: `${FUNCTION_ARN}:8 failed in a way no retry can fix: ${errorType}: ${message}`
      })
      expect(clock.sleeps).toEqual([])
      expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(1)
    }
  )

  it.each([
    ['Runtime.Unknown'],
    ['Runtime.OutOfMemory'],
    ['Sandbox.Timedout'],
    ['System.InvalidOperationException'],
    [undefined]
  ])('retries a function error of type %p', async errorType => {
    const clock = fakeTiming()
    answers(clock, [functionError(errorType, 'boom'), http(200)])
    const result = await invokeCheck(lambda, options(), clock.timing)
    expect(result).toMatchObject({ pass: true, attempts: 2 })
  })

  it('stops at once when the answer is not an ASP.NET Core app’s', async () => {
    const clock = fakeTiming()
    answers(clock, [invoked('"Hello from a plain handler"'), http(200)])
    const result = await invokeCheck(lambda, options(), clock.timing)
    expect(result.pass).toBe(false)
    expect(result.attempts).toBe(1)
    expect(result.reason).toMatch(
      /failed in a way no retry can fix: The function did not answer like an ASP\.NET Core app hosted for an API Gateway HTTP API.*AddAWSLambdaHosting\(LambdaEventSource\.HttpApi\)/
    )
  })

  it('keeps the last answer’s body, cut to MAX_BODY', async () => {
    const clock = fakeTiming()
    answers(clock, [http(500, 'x'.repeat(5000))])
    const result = await invokeCheck(
      lambda,
      options({ timeoutMs: 0 }),
      clock.timing
    )
    expect(result.body).toHaveLength(MAX_BODY)
    expect(result.status).toBe(500)
  })

  it('reads a base64 answer and names no version Lambda did not report', async () => {
    const clock = fakeTiming()
    answers(clock, [
      invoked(
        {
          statusCode: 200,
          body: Buffer.from('Healthy').toString('base64'),
          isBase64Encoded: true
        },
        { ExecutedVersion: undefined }
      )
    ])
    const opts = options({
      expected: { status: 200, body: { kind: 'substring', text: 'Healthy' } }
    })
    const result = await invokeCheck(lambda, opts, clock.timing)
    expect(result).toMatchObject({ pass: true, executedVersion: undefined })
    expect(opts.messages).toEqual(['Attempt 1: HTTP 200 in 100ms: pass'])
  })

  it('remembers the executed version when a later answer lacks it', async () => {
    const clock = fakeTiming()
    answers(clock, [
      http(503),
      invoked({ statusCode: 200, body: '' }, { ExecutedVersion: undefined })
    ])
    const result = await invokeCheck(lambda, options(), clock.timing)
    expect(result.executedVersion).toBe('8')
  })

  it('treats a missing payload as the wrong shape', async () => {
    const clock = fakeTiming()
    answers(clock, [{ StatusCode: 200, $metadata: {} }])
    const result = await invokeCheck(lambda, options(), clock.timing)
    expect(result.reason).toMatch(/got nothing/)
    expect(result.executedVersion).toBeUndefined()
  })

  it.each<[string, Error]>([
    [
      'throttling',
      new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} })
    ],
    [
      'an update in progress',
      new ResourceConflictException({
        message: 'The operation cannot be performed at this time.',
        $metadata: {}
      })
    ],
    [
      'a Lambda service error',
      new ServiceException({ message: 'Internal error', $metadata: {} })
    ],
    [
      'another 5xx',
      new InvalidRuntimeException({ message: 'runtime', $metadata: {} })
    ],
    ['a network error', awsError('TimeoutError', 'socket hang up')]
  ])('retries %s', async (_, error) => {
    const clock = fakeTiming()
    answers(clock, [error, http(200)])
    const opts = options()
    const result = await invokeCheck(lambda, opts, clock.timing)
    expect(result).toMatchObject({ pass: true, attempts: 2 })
    expect(opts.messages[0]).toMatch(
      /^Attempt 1: Invoke failed in 100ms: lambda:InvokeFunction failed/
    )
  })

  it('fails at once, without throwing, when Lambda refuses the request', async () => {
    const clock = fakeTiming()
    answers(clock, [
      new InvalidRequestContentException({
        message: 'Could not parse request body into json',
        $metadata: { httpStatusCode: 400 }
      })
    ])
    const result = await invokeCheck(lambda, options(), clock.timing)
    expect(result).toMatchObject({ pass: false, attempts: 1 })
    expect(result.reason).toBe(
      `${FUNCTION_ARN}:8 failed in a way no retry can fix: lambda:InvokeFunction failed (InvalidRequestContentException): Could not parse request body into json`
    )
    expect(clock.sleeps).toEqual([])
  })

  it('gives up at the timeout when every Invoke fails', async () => {
    const clock = fakeTiming()
    answers(clock, [awsError('TimeoutError', 'socket hang up')], 1000)
    const result = await invokeCheck(
      lambda,
      options({ timeoutMs: 5_000 }),
      clock.timing
    )
    expect(result.pass).toBe(false)
    expect(result.status).toBeUndefined()
    expect(result.reason).toMatch(
      /did not pass within 5\.0s \(\d+ attempts\); last: lambda:InvokeFunction failed \(TimeoutError\): socket hang up$/
    )
  })

  it('throws naming lambda:InvokeFunction on the qualified ARN when denied', async () => {
    const clock = fakeTiming()
    answers(clock, [
      awsError(
        'AccessDeniedException',
        `User: arn:aws:sts::123456789012:assumed-role/deploy/gha is not authorized to perform: lambda:InvokeFunction on resource: ${FUNCTION_ARN}:8`
      )
    ])
    const error = await invokeCheck(lambda, options(), clock.timing).catch(
      (reason: unknown) => reason
    )
    expect(error).toBeInstanceOf(DeployError)
    expect((error as DeployError).message).toMatch(
      new RegExp(
        `Allow "lambda:InvokeFunction".*The permission must cover the qualified ARN ${FUNCTION_ARN}:8 \\(e\\.g\\. ${FUNCTION_ARN}:\\*\\)`
      )
    )
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(1)
  })

  it('throws when the version does not exist', async () => {
    const clock = fakeTiming()
    answers(clock, [
      new ResourceNotFoundException({
        message: `Function not found: ${FUNCTION_ARN}:99`,
        $metadata: {}
      })
    ])
    await expect(
      invokeCheck(lambda, options({ qualifier: '99' }), clock.timing)
    ).rejects.toThrow(
      `Cannot invoke ${FUNCTION_ARN}:99: version or alias 99 of the function does not exist (Function not found: ${FUNCTION_ARN}:99).`
    )
  })
})

describe('isPermanentFunctionError', () => {
  it.each<[string | undefined, boolean]>([
    ['Runtime.InvalidEntrypoint', true],
    ['Runtime.InvalidWorkingDirectory', true],
    ['Runtime.InvalidImage', true],
    ['Runtime.ExitError', true],
    ['Extension.InitError', true],
    ['Runtime.Unknown', false],
    ['Runtime.OutOfMemory', false],
    ['Sandbox.Timedout', false],
    ['Extension.Crash', false],
    ['Runtime.Invalid Entrypoint', false],
    ['Custom.Runtime.InvalidEntrypoint', false],
    [undefined, false]
  ])('%p → %p', (errorType, permanent) => {
    expect(isPermanentFunctionError(errorType)).toBe(permanent)
  })
})

describe('invokeErrorAction', () => {
  it.each<[string, unknown, 'throw' | 'retry' | 'fail']>([
    ['AccessDeniedException', awsError('AccessDeniedException', 'x'), 'throw'],
    ['ExpiredTokenException', awsError('ExpiredTokenException', 'x'), 'throw'],
    [
      'ResourceNotFoundException',
      awsError('ResourceNotFoundException', 'x'),
      'throw'
    ],
    [
      'TooManyRequestsException',
      awsError('TooManyRequestsException', 'x'),
      'retry'
    ],
    [
      'ResourceNotReadyException',
      awsError('ResourceNotReadyException', 'x'),
      'retry'
    ],
    [
      'a 5xx by status',
      Object.assign(awsError('SomethingNew', 'x'), {
        $metadata: { httpStatusCode: 502 }
      }),
      'retry'
    ],
    [
      'a server fault',
      Object.assign(awsError('SomethingNew', 'x'), { $fault: 'server' }),
      'retry'
    ],
    [
      'a client fault',
      Object.assign(awsError('RequestTooLargeException', 'x'), {
        $fault: 'client',
        $metadata: { httpStatusCode: 413 }
      }),
      'fail'
    ],
    ['a plain error', new Error('socket hang up'), 'retry'],
    ['a string', 'weird', 'retry'],
    [
      'metadata without a status',
      Object.assign(awsError('X', 'x'), { $metadata: {} }),
      'retry'
    ]
  ])('%s → %s', (_, error, action) => {
    expect(invokeErrorAction(error)).toBe(action)
  })
})

describe('invokeErrorAction: what decides', () => {
  const clientError = (
    name: string,
    metadata: unknown = { httpStatusCode: 400 }
  ): Error =>
    Object.assign(awsError(name, 'x'), {
      $fault: 'client',
      $metadata: metadata
    })

  it.each([
    'ResourceConflictException',
    'ResourceNotReadyException',
    'EC2ThrottledException',
    'ServiceException'
  ])('retries %s whatever its fault', name => {
    expect(invokeErrorAction(clientError(name))).toBe('retry')
  })

  it.each([500, 503])(
    'retries a %p even when the SDK calls it a client fault',
    status => {
      expect(
        invokeErrorAction(
          clientError('SomethingNew', { httpStatusCode: status })
        )
      ).toBe('retry')
    }
  )

  it.each<[string, unknown]>([
    ['a 499', { httpStatusCode: 499 }],
    ['a status that is not a number', { httpStatusCode: '503' }],
    ['metadata that is not an object', 'weird'],
    ['null metadata', null],
    ['no status', {}]
  ])('fails a client fault with %s', (_label, metadata) => {
    expect(invokeErrorAction(clientError('SomethingNew', metadata))).toBe(
      'fail'
    )
  })

  it.each([null, undefined])('retries a thrown %p', error => {
    expect(invokeErrorAction(error)).toBe('retry')
  })
})
