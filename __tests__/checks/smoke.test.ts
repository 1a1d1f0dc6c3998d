import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  AccessDeniedException,
  ApiGatewayV2Client,
  GetApisCommand,
  GetIntegrationsCommand,
  GetStagesCommand,
  type Api
} from '@aws-sdk/client-apigatewayv2'
import {
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ResourceNotFoundException
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import {
  discoverSmokeUrl,
  evaluateResponse,
  joinUrl,
  smokeTest,
  type SmokeExpectation,
  type SmokeOptions
} from '../../src/checks/smoke.js'
import { fakeTiming, type FakeTiming } from '../../__fixtures__/timing.js'
import { ACCOUNT, FUNCTION_ARN, REGION } from '../../__fixtures__/aws.js'
import type { BodyExpectation } from '../../src/inputs/types.js'

const OK: SmokeExpectation = { status: 200, body: undefined }

describe('evaluateResponse', () => {
  const substring = (text: string): BodyExpectation => ({
    kind: 'substring',
    text
  })
  const regex = (pattern: RegExp): BodyExpectation => ({
    kind: 'regex',
    regex: pattern
  })

  it.each<[number, string, SmokeExpectation, boolean, string]>([
    [200, 'Hello', OK, true, 'status 200'],
    [201, 'Created', { status: 201, body: undefined }, true, 'status 201'],
    [500, 'Internal Server Error', OK, false, 'status 500, expected 200'],
    [302, '', OK, false, 'status 302, expected 200'],
    // The exact status, not its class: a 204 is not the expected 200.
    [204, '', OK, false, 'status 204, expected 200'],
    [299, 'Hello', OK, false, 'status 299, expected 200'],
    [
      200,
      'Hello',
      { status: 204, body: undefined },
      false,
      'status 200, expected 204'
    ],
    [
      200,
      'Hello from v2',
      { status: 200, body: substring('v2') },
      true,
      'status 200'
    ],
    [
      200,
      'Hello from v1',
      { status: 200, body: substring('v2') },
      false,
      'body does not contain "v2"'
    ],
    // Substring matching is case-sensitive.
    [
      200,
      'HEALTHY',
      { status: 200, body: substring('Healthy') },
      false,
      'body does not contain "Healthy"'
    ],
    [
      200,
      '{"status":"Healthy"}',
      { status: 200, body: regex(/"status":\s*"healthy"/i) },
      true,
      'status 200'
    ],
    [
      200,
      '{"status":"Degraded"}',
      { status: 200, body: regex(/"status":"Healthy"/) },
      false,
      'body does not match /"status":"Healthy"/'
    ],
    // The status is checked first: a matching body does not save a 404.
    [
      404,
      'Healthy',
      { status: 200, body: substring('Healthy') },
      false,
      'status 404, expected 200'
    ]
  ])(
    'HTTP %p with body %p against %p → pass %p (%s)',
    (status, body, expected, pass, reason) => {
      expect(evaluateResponse(status, body, expected)).toEqual({ pass, reason })
    }
  )

  it.each([/v2/g, /v2/y, /v2/gy])(
    'gives the same verdict each time for a stateful pattern %p',
    pattern => {
      const expected = { status: 200, body: regex(pattern) }
      const verdicts = [1, 2, 3].map(
        () => evaluateResponse(200, 'v2', expected).pass
      )
      expect(verdicts).toEqual([true, true, true])
    }
  )
})

describe('joinUrl', () => {
  it.each([
    [
      'https://abc.lambda-url.us-east-1.on.aws/',
      '/',
      'https://abc.lambda-url.us-east-1.on.aws/'
    ],
    [
      'https://abc.lambda-url.us-east-1.on.aws/',
      '/health',
      'https://abc.lambda-url.us-east-1.on.aws/health'
    ],
    [
      'https://abc.lambda-url.us-east-1.on.aws',
      'health',
      'https://abc.lambda-url.us-east-1.on.aws/health'
    ],
    [
      'https://k3x.execute-api.us-east-1.amazonaws.com/prod',
      '/api/values?id=1',
      'https://k3x.execute-api.us-east-1.amazonaws.com/prod/api/values?id=1'
    ],
    ['https://api.example.com//', '/', 'https://api.example.com/']
  ])('%p + %p → %p', (base, path, url) => {
    expect(joinUrl(base, path)).toBe(url)
  })
})

/** What the fake server does for one request. */
type Answer =
  | { status: number; body?: string; latencyMs?: number }
  | { error: Error; latencyMs?: number }

interface SentRequest {
  url: string
  init: RequestInit | undefined
  at: number
}

/**
 * A fetch that answers with `answers` in turn (the last one repeating) and
 * takes `latencyMs` of fake time for each request.
 */
function fakeServer(
  clock: FakeTiming,
  answers: Answer[]
): { fetch: typeof fetch; requests: SentRequest[] } {
  const requests: SentRequest[] = []
  const fetch: typeof globalThis.fetch = (input, init) => {
    requests.push({
      url:
        typeof input === 'string'
          ? input
          : input instanceof URL
            ? input.href
            : input.url,
      init,
      at: clock.timing.now()
    })
    const answer = answers[requests.length - 1] ?? answers.at(-1)
    if (answer === undefined) throw new Error('fakeServer: no answers')
    clock.advance(answer.latencyMs ?? 0)
    if ('error' in answer) return Promise.reject(answer.error)
    return Promise.resolve(
      new Response(answer.body ?? '', { status: answer.status })
    )
  }
  return { fetch, requests }
}

const connectionRefused = (): TypeError =>
  new TypeError('fetch failed', {
    cause: new Error('connect ECONNREFUSED 3.5.140.2:443')
  })

const URL_UNDER_TEST = 'https://abc.lambda-url.us-east-1.on.aws/health'

function smokeOptions(
  fetch: typeof globalThis.fetch,
  overrides: Partial<SmokeOptions> = {}
): SmokeOptions & { messages: string[] } {
  const messages: string[] = []
  return {
    url: URL_UNDER_TEST,
    expected: OK,
    timeoutMs: 120_000,
    log: message => messages.push(message),
    fetch,
    messages,
    ...overrides
  }
}

describe('smokeTest', () => {
  it.each<[string, number, string, boolean]>([
    [
      "Lambda's Function URL authorization 403",
      403,
      '{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}',
      true
    ],
    ["the app's own 403", 403, 'Forbidden', false],
    ['a 500 that mentions it', 500, 'Function URL authorization', false]
  ])('tells %s apart', async (_label, status, body, refused) => {
    const clock = fakeTiming()
    const server = fakeServer(clock, [{ status, body }])
    const result = await smokeTest(
      smokeOptions(server.fetch, { timeoutMs: 0 }),
      clock.timing
    )
    expect(result.pass).toBe(false)
    expect(result.urlAuthRefused).toBe(refused)
  })

  it('passes on the first good answer without waiting', async () => {
    const clock = fakeTiming()
    const server = fakeServer(clock, [
      { status: 200, body: 'Healthy', latencyMs: 120 }
    ])
    const options = smokeOptions(server.fetch)
    const result = await smokeTest(options, clock.timing)
    expect(result).toEqual({
      pass: true,
      url: URL_UNDER_TEST,
      status: 200,
      attempts: [{ attempt: 1, status: 200, latencyMs: 120, outcome: 'pass' }],
      reason: 'status 200'
    })
    expect(clock.sleeps).toEqual([])
    expect(options.messages).toEqual(['Attempt 1: HTTP 200 in 120ms: pass'])
  })

  it('sends a GET that identifies itself and does not follow redirects', async () => {
    const clock = fakeTiming()
    const server = fakeServer(clock, [{ status: 200 }])
    await smokeTest(smokeOptions(server.fetch), clock.timing)
    const [request] = server.requests
    expect(request?.url).toBe(URL_UNDER_TEST)
    expect(request?.init?.method ?? 'GET').toBe('GET')
    expect(new Headers(request?.init?.headers).get('user-agent')).toBe(
      'aspnet-lambda-deploy-smoke-test'
    )
    // A redirect to a login page must not count as the app answering 200.
    expect(request?.init?.redirect).toBe('manual')
    expect(request?.init?.signal).toBeInstanceOf(AbortSignal)
  })

  it('retries through a cold start with growing, capped delays', async () => {
    const clock = fakeTiming({ random: 0.5 })
    const server = fakeServer(clock, [
      { error: connectionRefused(), latencyMs: 30 },
      { status: 502, body: 'Bad Gateway', latencyMs: 40 },
      { status: 503, body: 'Service Unavailable', latencyMs: 40 },
      { status: 503, body: 'Service Unavailable', latencyMs: 40 },
      { status: 503, body: 'Service Unavailable', latencyMs: 40 },
      { status: 503, body: 'Service Unavailable', latencyMs: 40 },
      { status: 200, body: 'Healthy', latencyMs: 2_400 }
    ])
    const result = await smokeTest(smokeOptions(server.fetch), clock.timing)
    expect(result.pass).toBe(true)
    expect(result.status).toBe(200)
    expect(result.attempts.map(a => a.status)).toEqual([
      undefined,
      502,
      503,
      503,
      503,
      503,
      200
    ])
    // 1s base doubling to a 5s cap, half of it jittered (random 0.5 → 3/4).
    expect(clock.sleeps).toEqual([750, 1500, 3000, 3750, 3750, 3750])
  })

  it('spreads the delays with jitter', async () => {
    const randoms = [0, 0.999_999, 0]
    const clock = fakeTiming({ random: () => randoms.shift() ?? 0 })
    const server = fakeServer(clock, [
      { status: 503 },
      { status: 503 },
      { status: 503 },
      { status: 200 }
    ])
    await smokeTest(smokeOptions(server.fetch), clock.timing)
    expect(clock.sleeps).toEqual([500, 2000, 2000])
  })

  it('fails at the timeout with the last status and body', async () => {
    const clock = fakeTiming()
    const server = fakeServer(clock, [
      { status: 200, body: 'Hello from v1', latencyMs: 50 }
    ])
    const options = smokeOptions(server.fetch, {
      expected: { status: 200, body: { kind: 'substring', text: 'v2' } },
      timeoutMs: 30_000
    })
    const result = await smokeTest(options, clock.timing)
    expect(result.pass).toBe(false)
    expect(result.status).toBe(200)
    expect(result.reason).toBe(
      `${URL_UNDER_TEST} did not pass within 30.0s (${result.attempts.length} attempts); ` +
        'last: body does not contain "v2"; body: Hello from v1'
    )
    expect(result.attempts.length).toBeGreaterThan(2)
  })

  it('keeps only the start of a long body in the reason', async () => {
    const clock = fakeTiming()
    const page = `<html>${'x'.repeat(5_000)}</html>`
    const server = fakeServer(clock, [{ status: 500, body: page }])
    const result = await smokeTest(
      smokeOptions(server.fetch, { timeoutMs: 1_000 }),
      clock.timing
    )
    expect(result.reason).toContain(`body: ${page.slice(0, 200)}`)
    expect(result.reason).not.toContain(page.slice(0, 201))
  })

  it('stops exactly at the timeout: the last wait is cut short', async () => {
    const clock = fakeTiming({ random: 0.5 })
    const server = fakeServer(clock, [
      { status: 503, body: 'Service Unavailable' }
    ])
    const result = await smokeTest(
      smokeOptions(server.fetch, { timeoutMs: 10_000 }),
      clock.timing
    )
    expect(clock.sleeps).toEqual([750, 1500, 3000, 3750, 1000])
    expect(server.requests.map(r => r.at)).toEqual([
      0, 750, 2250, 5250, 9000, 10_000
    ])
    expect(clock.timing.now()).toBe(10_000)
    expect(result.pass).toBe(false)
    expect(result.reason).toBe(
      `${URL_UNDER_TEST} did not pass within 10.0s (6 attempts); last: status 503, expected 200; body: Service Unavailable`
    )
  })

  it('counts request latency against the timeout', async () => {
    const clock = fakeTiming({ random: 0.5 })
    const server = fakeServer(clock, [{ status: 503, latencyMs: 400 }])
    const result = await smokeTest(
      smokeOptions(server.fetch, { timeoutMs: 5_000 }),
      clock.timing
    )
    expect(clock.sleeps).toEqual([750, 1500, 1550])
    expect(result.attempts).toHaveLength(4)
    // The request in flight at the deadline is allowed to finish.
    expect(clock.timing.now()).toBe(5_400)
  })

  it('reports no status when the last attempt got no response', async () => {
    const clock = fakeTiming()
    const server = fakeServer(clock, [
      { status: 502, body: 'Bad Gateway' },
      { error: connectionRefused() }
    ])
    const result = await smokeTest(
      smokeOptions(server.fetch, { timeoutMs: 3_000 }),
      clock.timing
    )
    expect(result.pass).toBe(false)
    expect(result.status).toBeUndefined()
    expect(result.reason).toMatch(
      /last: fetch failed \(connect ECONNREFUSED 3\.5\.140\.2:443\)$/
    )
  })

  it('logs every attempt with its status and latency', async () => {
    const clock = fakeTiming({ random: 0 })
    const server = fakeServer(clock, [
      { error: connectionRefused(), latencyMs: 2_000 },
      { status: 503, body: 'Service Unavailable', latencyMs: 350 },
      { status: 200, body: 'Healthy', latencyMs: 1_250 }
    ])
    const options = smokeOptions(server.fetch)
    const result = await smokeTest(options, clock.timing)
    expect(options.messages).toEqual([
      'Attempt 1: no response in 2.0s: fetch failed (connect ECONNREFUSED 3.5.140.2:443)',
      'Attempt 2: HTTP 503 in 350ms: status 503, expected 200',
      'Attempt 3: HTTP 200 in 1.3s: pass'
    ])
    expect(result.attempts).toEqual([
      {
        attempt: 1,
        status: undefined,
        latencyMs: 2_000,
        outcome: 'fetch failed (connect ECONNREFUSED 3.5.140.2:443)'
      },
      {
        attempt: 2,
        status: 503,
        latencyMs: 350,
        outcome: 'status 503, expected 200'
      },
      { attempt: 3, status: 200, latencyMs: 1_250, outcome: 'pass' }
    ])
  })
})

describe('smokeTest: the body it reads', () => {
  /** A body that never ends, and whether the test stopped it. */
  function endlessPage(): { response: Response; cancelled: () => boolean } {
    let cancelled = false
    const chunk = Buffer.from('<p>Healthy</p>'.padEnd(64 * 1024, ' '))
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(chunk)
      },
      cancel() {
        cancelled = true
      }
    })
    return { response: new Response(body), cancelled: () => cancelled }
  }

  it('reads at most 1 MiB of an endless body, and says it was cut', async () => {
    const clock = fakeTiming()
    const page = endlessPage()
    const fetch: typeof globalThis.fetch = () => Promise.resolve(page.response)
    const options = smokeOptions(fetch, {
      expected: { status: 200, body: { kind: 'substring', text: 'Healthy' } }
    })
    const result = await smokeTest(options, clock.timing)
    expect(result.pass).toBe(true)
    expect(page.cancelled()).toBe(true)
    expect(options.messages).toEqual([
      'Attempt 1: HTTP 200 in 0ms: pass (body cut at 1 MiB: only that much was read and checked)'
    ])
  })

  it('checks only the part it read, and says so when that fails', async () => {
    const clock = fakeTiming()
    const server = fakeServer(clock, [
      { status: 200, body: `${'x'.repeat(40)}Healthy` }
    ])
    const result = await smokeTest(
      smokeOptions(server.fetch, {
        expected: { status: 200, body: { kind: 'substring', text: 'Healthy' } },
        timeoutMs: 1_000,
        maxBodyBytes: 32
      }),
      clock.timing
    )
    expect(result.pass).toBe(false)
    expect(result.reason).toMatch(
      /last: body does not contain "Healthy" \(body cut at 32 bytes: only that much was read and checked\); body: x{32}$/
    )
  })

  it('says nothing about a body within the limit', async () => {
    const clock = fakeTiming()
    const server = fakeServer(clock, [{ status: 200, body: 'x'.repeat(32) }])
    const options = smokeOptions(server.fetch, { maxBodyBytes: 32 })
    await smokeTest(options, clock.timing)
    expect(options.messages).toEqual(['Attempt 1: HTTP 200 in 0ms: pass'])
  })
})

describe('discoverSmokeUrl', () => {
  const lambdaMock = mockClient(LambdaClient)
  const apigatewayMock = mockClient(ApiGatewayV2Client)
  const lambda = new LambdaClient({ region: REGION })
  const apigateway = new ApiGatewayV2Client({ region: REGION })
  // The HTTP API client is made on first use: not at all when a Function
  // URL answers.
  const httpApis = jest.fn((): Promise<ApiGatewayV2Client> =>
    Promise.resolve(apigateway)
  )

  const FUNCTION_URL =
    'https://4kxqpjh2ebxjzd3vrqk6j5jlaq0ulbxh.lambda-url.us-east-1.on.aws/'
  const endpoint = (id: string): string =>
    `https://${id}.execute-api.${REGION}.amazonaws.com`

  const httpApi = (id: string, extra: Partial<Api> = {}): Api => ({
    ApiId: id,
    Name: `api-${id}`,
    ProtocolType: 'HTTP',
    ApiEndpoint: endpoint(id),
    RouteSelectionExpression: '$request.method $request.path',
    ...extra
  })

  const proxyTo = (IntegrationUri: string) => ({
    Items: [
      {
        IntegrationId: 'int1',
        IntegrationType: 'AWS_PROXY' as const,
        IntegrationUri,
        PayloadFormatVersion: '2.0'
      }
    ]
  })

  const stages = (...names: string[]) => ({
    Items: names.map(StageName => ({ StageName, AutoDeploy: true }))
  })

  const noFunctionUrl = (): ResourceNotFoundException =>
    new ResourceNotFoundException({
      message: `The resource you requested does not exist.`,
      $metadata: {}
    })

  function collectWarnings(): {
    warn: (message: string) => void
    warnings: string[]
  } {
    const warnings: string[] = []
    return { warn: message => warnings.push(message), warnings }
  }

  beforeEach(() => {
    lambdaMock.reset()
    apigatewayMock.reset()
    httpApis.mockClear()
  })

  it('uses the Function URL first and looks no further', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: FUNCTION_URL,
      FunctionArn: FUNCTION_ARN,
      AuthType: 'NONE'
    })
    const { warn, warnings } = collectWarnings()
    await expect(
      discoverSmokeUrl(lambda, httpApis, FUNCTION_ARN, warn)
    ).resolves.toEqual({ url: FUNCTION_URL, source: 'function-url' })
    const [call] = lambdaMock.commandCalls(GetFunctionUrlConfigCommand)
    expect(call?.args[0].input).toEqual({ FunctionName: FUNCTION_ARN })
    expect(apigatewayMock.calls()).toHaveLength(0)
    expect(httpApis).not.toHaveBeenCalled()
    expect(warnings).toEqual([])
  })

  it('skips an AWS_IAM Function URL, which answers unsigned requests with 403', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: FUNCTION_URL,
      FunctionArn: FUNCTION_ARN,
      AuthType: 'AWS_IAM'
    })
    apigatewayMock.on(GetApisCommand).resolves({ Items: [] })
    const { warn, warnings } = collectWarnings()
    await expect(
      discoverSmokeUrl(lambda, httpApis, FUNCTION_ARN, warn)
    ).resolves.toBeUndefined()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/AWS_IAM auth.*set smoke-url/)
  })

  // Only an integration of the qualifier the run released reaches its code
  // (issue 22, item 1): one on alias live serves the alias's version, not
  // $LATEST; the unqualified ARN serves $LATEST, not the alias.
  it.each<[string, string, string | undefined, boolean]>([
    [
      'the function ARN, releasing $LATEST → used',
      FUNCTION_ARN,
      undefined,
      true
    ],
    [
      'the function ARN with :$LATEST, releasing $LATEST → used',
      `${FUNCTION_ARN}:$LATEST`,
      undefined,
      true
    ],
    [
      'an alias ARN, releasing that alias → used',
      `${FUNCTION_ARN}:live`,
      'live',
      true
    ],
    [
      'a legacy invocations URI, releasing $LATEST → used',
      `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${FUNCTION_ARN}/invocations`,
      undefined,
      true
    ],
    [
      'a legacy invocations URI of an alias, releasing that alias → used',
      `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${FUNCTION_ARN}:live/invocations`,
      'live',
      true
    ],
    [
      'an alias ARN, releasing $LATEST → not used',
      `${FUNCTION_ARN}:live`,
      undefined,
      false
    ],
    [
      'a legacy invocations URI of an alias, releasing $LATEST → not used',
      `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${FUNCTION_ARN}:live/invocations`,
      undefined,
      false
    ],
    [
      'the function ARN, releasing alias live → not used',
      FUNCTION_ARN,
      'live',
      false
    ],
    [
      'another alias ARN, releasing alias live → not used',
      `${FUNCTION_ARN}:staging`,
      'live',
      false
    ],
    [
      'a stage variable for the alias → not used',
      `${FUNCTION_ARN}:\${stageVariables.alias}`,
      'live',
      false
    ]
  ])(
    'an HTTP API whose integration targets %s',
    async (_case, integrationUri, qualifier, used) => {
      lambdaMock.on(GetFunctionUrlConfigCommand).rejects(noFunctionUrl())
      apigatewayMock.on(GetApisCommand).resolves({ Items: [httpApi('k3x9')] })
      apigatewayMock
        .on(GetIntegrationsCommand, { ApiId: 'k3x9' })
        .resolves(proxyTo(integrationUri))
      apigatewayMock
        .on(GetStagesCommand, { ApiId: 'k3x9' })
        .resolves(stages('$default'))
      const { warn, warnings } = collectWarnings()
      await expect(
        discoverSmokeUrl(lambda, httpApis, FUNCTION_ARN, warn, qualifier)
      ).resolves.toEqual(
        used ? { url: endpoint('k3x9'), source: 'http-api' } : undefined
      )
      expect(warnings).toEqual([])
    }
  )

  it.each([
    [
      'another function',
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:other-api`
    ],
    [
      'a function whose name starts with the same text',
      `${FUNCTION_ARN}-worker`
    ],
    ['an HTTP backend', 'https://backend.example.com/{proxy}'],
    [
      'another function through a legacy URI',
      `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${FUNCTION_ARN}-worker/invocations`
    ]
  ])('ignores an API whose integration targets %s', async (_case, uri) => {
    lambdaMock.on(GetFunctionUrlConfigCommand).rejects(noFunctionUrl())
    apigatewayMock.on(GetApisCommand).resolves({ Items: [httpApi('k3x9')] })
    apigatewayMock.on(GetIntegrationsCommand).resolves(proxyTo(uri))
    apigatewayMock.on(GetStagesCommand).resolves(stages('$default'))
    await expect(
      discoverSmokeUrl(lambda, httpApis, FUNCTION_ARN, () => undefined)
    ).resolves.toBeUndefined()
    expect(apigatewayMock.commandCalls(GetStagesCommand)).toHaveLength(0)
  })

  it.each([
    [['$default'], ''],
    [['prod'], '/prod'],
    [['dev', '$default'], '']
  ])('stages %p → endpoint%s', async (names, suffix) => {
    lambdaMock.on(GetFunctionUrlConfigCommand).rejects(noFunctionUrl())
    apigatewayMock.on(GetApisCommand).resolves({ Items: [httpApi('k3x9')] })
    apigatewayMock.on(GetIntegrationsCommand).resolves(proxyTo(FUNCTION_ARN))
    apigatewayMock.on(GetStagesCommand).resolves(stages(...names))
    const found = await discoverSmokeUrl(
      lambda,
      httpApis,
      FUNCTION_ARN,
      () => undefined
    )
    expect(found?.url).toBe(`${endpoint('k3x9')}${suffix}`)
  })

  it('skips WebSocket APIs and APIs for other functions', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).rejects(noFunctionUrl())
    apigatewayMock.on(GetApisCommand).resolves({
      Items: [
        httpApi('ws01', {
          ProtocolType: 'WEBSOCKET',
          ApiEndpoint: `wss://ws01.execute-api.${REGION}.amazonaws.com`
        }),
        httpApi('oth1'),
        httpApi('mine')
      ]
    })
    apigatewayMock
      .on(GetIntegrationsCommand, { ApiId: 'oth1' })
      .resolves(proxyTo(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:other`))
    apigatewayMock
      .on(GetIntegrationsCommand, { ApiId: 'mine' })
      .resolves(proxyTo(FUNCTION_ARN))
    apigatewayMock
      .on(GetStagesCommand, { ApiId: 'mine' })
      .resolves(stages('v1'))
    await expect(
      discoverSmokeUrl(lambda, httpApis, FUNCTION_ARN, () => undefined)
    ).resolves.toEqual({ url: `${endpoint('mine')}/v1`, source: 'http-api' })
    expect(
      apigatewayMock
        .commandCalls(GetIntegrationsCommand)
        .map(call => call.args[0].input.ApiId)
    ).toEqual(['oth1', 'mine'])
  })

  it('skips an API whose default endpoint is disabled, with a warning', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).rejects(noFunctionUrl())
    apigatewayMock.on(GetApisCommand).resolves({
      Items: [httpApi('priv', { DisableExecuteApiEndpoint: true })]
    })
    apigatewayMock.on(GetIntegrationsCommand).resolves(proxyTo(FUNCTION_ARN))
    apigatewayMock.on(GetStagesCommand).resolves(stages('$default'))
    const { warn, warnings } = collectWarnings()
    await expect(
      discoverSmokeUrl(lambda, httpApis, FUNCTION_ARN, warn)
    ).resolves.toBeUndefined()
    expect(warnings).toEqual([
      "HTTP API api-priv invokes the function but its default endpoint is disabled, so it is not used; set smoke-url to the API's custom domain."
    ])
  })

  it('follows GetApis pagination', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).rejects(noFunctionUrl())
    apigatewayMock
      .on(GetApisCommand)
      .resolvesOnce({ Items: [httpApi('pg1a')], NextToken: 'page-2' })
      .resolvesOnce({ Items: [httpApi('pg2a')] })
    apigatewayMock
      .on(GetIntegrationsCommand, { ApiId: 'pg1a' })
      .resolves({ Items: [] })
    apigatewayMock
      .on(GetIntegrationsCommand, { ApiId: 'pg2a' })
      .resolves(proxyTo(FUNCTION_ARN))
    apigatewayMock.on(GetStagesCommand).resolves(stages('$default'))
    await expect(
      discoverSmokeUrl(lambda, httpApis, FUNCTION_ARN, () => undefined)
    ).resolves.toEqual({ url: endpoint('pg2a'), source: 'http-api' })
    expect(
      apigatewayMock.commandCalls(GetApisCommand).map(c => c.args[0].input)
    ).toEqual([{}, { NextToken: 'page-2' }])
  })

  it('returns undefined, without warning, when nothing fronts the function', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).rejects(noFunctionUrl())
    apigatewayMock.on(GetApisCommand).resolves({ Items: [] })
    const { warn, warnings } = collectWarnings()
    await expect(
      discoverSmokeUrl(lambda, httpApis, FUNCTION_ARN, warn)
    ).resolves.toBeUndefined()
    expect(warnings).toEqual([])
  })

  it('warns and still looks for an HTTP API when the Function URL lookup is denied', async () => {
    lambdaMock
      .on(GetFunctionUrlConfigCommand)
      .rejects(
        Object.assign(
          new Error(
            'User is not authorized to perform: lambda:GetFunctionUrlConfig'
          ),
          { name: 'AccessDeniedException' }
        )
      )
    apigatewayMock.on(GetApisCommand).resolves({ Items: [httpApi('k3x9')] })
    apigatewayMock.on(GetIntegrationsCommand).resolves(proxyTo(FUNCTION_ARN))
    apigatewayMock.on(GetStagesCommand).resolves(stages('$default'))
    const { warn, warnings } = collectWarnings()
    await expect(
      discoverSmokeUrl(lambda, httpApis, FUNCTION_ARN, warn)
    ).resolves.toEqual({ url: endpoint('k3x9'), source: 'http-api' })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('Allow "lambda:GetFunctionUrlConfig"')
  })

  it('warns and gives up when API Gateway access is denied', async () => {
    lambdaMock.on(GetFunctionUrlConfigCommand).rejects(noFunctionUrl())
    apigatewayMock.on(GetApisCommand).rejects(
      new AccessDeniedException({
        message: 'User is not authorized to perform: apigateway:GET',
        $metadata: {}
      })
    )
    const { warn, warnings } = collectWarnings()
    await expect(
      discoverSmokeUrl(lambda, httpApis, FUNCTION_ARN, warn)
    ).resolves.toBeUndefined()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /^Could not look for an HTTP API in front of the function: apigateway:GET was denied \(AccessDeniedException\)/
    )
  })
})
