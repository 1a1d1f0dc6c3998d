import { describe, expect, it } from '@jest/globals'
import {
  PRETRAFFIC_USER_AGENT,
  apiGatewayTime,
  arnParts,
  inspectInvokePayload,
  readInvokePayload,
  syntheticEvent,
  type InvokeReading
} from '../../src/checks/events.js'
import { ACCOUNT, FUNCTION_ARN, REGION } from '../../__fixtures__/aws.js'
import type { EventSourceInput } from '../../src/inputs/types.js'

const NOW = new Date('2026-11-23T09:05:07.123Z')
const CONTEXT = {
  functionArn: FUNCTION_ARN,
  now: NOW,
  requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef'
}

/** A nested value of an event, for short assertions. */
function at(event: Record<string, unknown>, ...keys: string[]): unknown {
  let value: unknown = event
  for (const key of keys) {
    value = (value as Record<string, unknown> | undefined)?.[key]
  }
  return value
}

describe('arnParts', () => {
  it.each([
    [FUNCTION_ARN, { partition: 'aws', region: REGION, account: ACCOUNT }],
    [
      'arn:aws-cn:lambda:cn-north-1:111122223333:function:api:7',
      { partition: 'aws-cn', region: 'cn-north-1', account: '111122223333' }
    ],
    [
      'my-api',
      { partition: 'aws', region: 'us-east-1', account: '000000000000' }
    ]
  ])('%p', (arn, parts) => {
    expect(arnParts(arn)).toEqual(parts)
  })
})

describe('apiGatewayTime', () => {
  it.each([
    [NOW, '23/Nov/2026:09:05:07 +0000'],
    [new Date('2020-03-02T19:03:58Z'), '02/Mar/2020:19:03:58 +0000']
  ])('%p → %p', (date, text) => {
    expect(apiGatewayTime(date)).toBe(text)
  })
})

describe('syntheticEvent for http-api (payload 2.0)', () => {
  it('sends what API Gateway sends for GET /health', () => {
    const event = syntheticEvent(
      'http-api',
      { method: 'get', path: '/health' },
      CONTEXT
    )
    const host = `pretraffic.execute-api.${REGION}.amazonaws.com`
    expect(event).toEqual({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/health',
      rawQueryString: '',
      headers: {
        accept: '*/*',
        'content-length': '0',
        host,
        'user-agent': PRETRAFFIC_USER_AGENT,
        'x-amzn-trace-id': expect.stringMatching(
          /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/
        ),
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-port': '443',
        'x-forwarded-proto': 'https'
      },
      requestContext: {
        accountId: ACCOUNT,
        apiId: 'pretraffic',
        domainName: host,
        domainPrefix: 'pretraffic',
        http: {
          method: 'GET',
          path: '/health',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: PRETRAFFIC_USER_AGENT
        },
        requestId: CONTEXT.requestId,
        routeKey: '$default',
        stage: '$default',
        time: '23/Nov/2026:09:05:07 +0000',
        timeEpoch: NOW.getTime()
      },
      isBase64Encoded: false
    })
  })

  it('keeps the raw query and joins repeated parameters with commas', () => {
    const event = syntheticEvent(
      'http-api',
      { method: 'GET', path: '/search?q=a%20b&tag=x&tag=y&flag#top' },
      CONTEXT
    )
    expect(event.rawPath).toBe('/search')
    expect(event.rawQueryString).toBe('q=a%20b&tag=x&tag=y&flag')
    expect(event.queryStringParameters).toEqual({
      q: 'a b',
      tag: 'x,y',
      flag: ''
    })
    expect(at(event, 'requestContext', 'http', 'path')).toBe('/search')
  })

  it('lower-cases extra headers and lets them override the defaults', () => {
    const event = syntheticEvent(
      'http-api',
      { method: 'GET', path: 'health', headers: { 'X-Probe': '1', Host: 'h' } },
      CONTEXT
    )
    expect(event.rawPath).toBe('/health')
    expect(at(event, 'headers', 'x-probe')).toBe('1')
    expect(at(event, 'headers', 'host')).toBe('h')
  })

  it('uses the partition’s DNS suffix', () => {
    const event = syntheticEvent(
      'http-api',
      { method: 'GET', path: '/' },
      {
        ...CONTEXT,
        functionArn: 'arn:aws-cn:lambda:cn-north-1:111122223333:function:api'
      }
    )
    expect(at(event, 'requestContext', 'domainName')).toBe(
      'pretraffic.execute-api.cn-north-1.amazonaws.com.cn'
    )
    expect(at(event, 'requestContext', 'accountId')).toBe('111122223333')
  })
})

describe('syntheticEvent for rest-api (payload 1.0)', () => {
  it('sends what a REST API proxy resource sends for GET /health', () => {
    const event = syntheticEvent(
      'rest-api',
      { method: 'GET', path: '/health' },
      CONTEXT
    )
    expect(event).toMatchObject({
      resource: '/{proxy+}',
      path: '/health',
      httpMethod: 'GET',
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: { proxy: 'health' },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {
        accountId: ACCOUNT,
        apiId: 'pretraffic',
        resourcePath: '/{proxy+}',
        httpMethod: 'GET',
        path: '/prod/health',
        stage: 'prod',
        requestId: CONTEXT.requestId,
        identity: {
          sourceIp: '127.0.0.1',
          userAgent: PRETRAFFIC_USER_AGENT
        },
        protocol: 'HTTP/1.1',
        requestTime: '23/Nov/2026:09:05:07 +0000',
        requestTimeEpoch: NOW.getTime()
      }
    })
    expect(at(event, 'headers', 'User-Agent')).toBe(PRETRAFFIC_USER_AGENT)
    expect(at(event, 'multiValueHeaders', 'User-Agent')).toEqual([
      PRETRAFFIC_USER_AGENT
    ])
    expect(at(event, 'headers', 'Host')).toBe(
      `pretraffic.execute-api.${REGION}.amazonaws.com`
    )
  })

  it('sends the root as its own resource, without a proxy parameter', () => {
    const event = syntheticEvent(
      'rest-api',
      { method: 'GET', path: '/' },
      CONTEXT
    )
    expect(event).toMatchObject({
      resource: '/',
      path: '/',
      pathParameters: null,
      requestContext: { resourcePath: '/', path: '/prod/' }
    })
  })

  it('decodes query parameters; the single-value map keeps the last value', () => {
    const event = syntheticEvent(
      'rest-api',
      {
        method: 'POST',
        path: '/a/b?x=1&x=2&name=J%C3%BCrgen+K',
        headers: { 'X-Probe': 'yes' }
      },
      CONTEXT
    )
    expect(event.httpMethod).toBe('POST')
    expect(event.pathParameters).toEqual({ proxy: 'a/b' })
    expect(event.queryStringParameters).toEqual({ x: '2', name: 'Jürgen K' })
    expect(event.multiValueQueryStringParameters).toEqual({
      x: ['1', '2'],
      name: ['Jürgen K']
    })
    expect(at(event, 'headers', 'X-Probe')).toBe('yes')
    expect(at(event, 'multiValueHeaders', 'X-Probe')).toEqual(['yes'])
  })

  it('keeps a parameter that cannot be decoded as sent', () => {
    const event = syntheticEvent(
      'rest-api',
      { method: 'GET', path: '/?bad=%E0%A4%A' },
      CONTEXT
    )
    expect(event.queryStringParameters).toEqual({ bad: '%E0%A4%A' })
  })
})

describe('syntheticEvent for alb', () => {
  it('sends what an ALB target group sends for GET /health?x=%20', () => {
    const event = syntheticEvent(
      'alb',
      { method: 'GET', path: '/health?x=%20&x=2', headers: { 'X-A': 'b' } },
      CONTEXT
    )
    expect(event).toEqual({
      requestContext: {
        elb: {
          targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/aspnet-lambda-deploy-pretraffic/0123456789abcdef`
        }
      },
      httpMethod: 'GET',
      path: '/health',
      // ALB does not decode parameters; the last one wins.
      queryStringParameters: { x: '2' },
      headers: {
        accept: '*/*',
        host: `pretraffic.${REGION}.elb.amazonaws.com`,
        'user-agent': PRETRAFFIC_USER_AGENT,
        'x-amzn-trace-id': expect.stringMatching(/^Root=1-/),
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-port': '443',
        'x-forwarded-proto': 'https',
        'x-a': 'b'
      },
      body: '',
      isBase64Encoded: false
    })
  })

  it('sends an empty parameter map when there is no query', () => {
    const event = syntheticEvent('alb', { method: 'GET', path: '/' }, CONTEXT)
    expect(event.queryStringParameters).toEqual({})
  })

  it('keeps encoded parameter values as sent', () => {
    const event = syntheticEvent(
      'alb',
      { method: 'GET', path: '/?q=a%20b' },
      CONTEXT
    )
    expect(event.queryStringParameters).toEqual({ q: 'a%20b' })
  })
})

describe('readInvokePayload', () => {
  const answer = (
    status: number,
    headers: Record<string, string>,
    body: string
  ): InvokeReading => ({ kind: 'answer', answer: { status, headers, body } })

  it.each<[string, EventSourceInput, string, InvokeReading]>([
    [
      'a payload 2.0 response',
      'http-api',
      JSON.stringify({
        statusCode: 200,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: 'Healthy',
        isBase64Encoded: false
      }),
      answer(200, { 'content-type': 'text/plain; charset=utf-8' }, 'Healthy')
    ],
    [
      'a payload 1.0 response with multi-value headers',
      'rest-api',
      JSON.stringify({
        statusCode: 503,
        headers: { 'X-One': 'a', Server: 'Kestrel' },
        multiValueHeaders: { 'X-One': ['b', 'c'], Vary: ['Accept', 1] },
        body: 'down'
      }),
      answer(
        503,
        { 'x-one': 'b, c', server: 'Kestrel', vary: 'Accept, 1' },
        'down'
      )
    ],
    [
      'a base64 body',
      'alb',
      JSON.stringify({
        statusCode: 200,
        statusDescription: '200 OK',
        headers: { 'content-length': 7 },
        body: Buffer.from('Healthy').toString('base64'),
        isBase64Encoded: true
      }),
      answer(200, { 'content-length': '7' }, 'Healthy')
    ],
    [
      'cookies as set-cookie',
      'http-api',
      JSON.stringify({ statusCode: 302, cookies: ['a=1', 'b=2'] }),
      answer(302, { 'set-cookie': 'a=1, b=2' }, '')
    ],
    [
      'no body and headers in odd shapes',
      'http-api',
      JSON.stringify({
        statusCode: 204,
        headers: { ok: 'x', bad: { nested: true } },
        multiValueHeaders: { single: 'not-a-list' },
        body: null
      }),
      answer(204, { ok: 'x' }, '')
    ]
  ])('reads %s', (_, source, payload, reading) => {
    expect(readInvokePayload(source, payload, undefined)).toEqual(reading)
  })

  it.each<[string, string | undefined, string]>([
    ['"Hello"', '"Hello"', 'got "Hello"'],
    ['not JSON', 'Hello', 'got Hello'],
    ['nothing', undefined, 'got nothing'],
    ['an empty payload', '', 'got nothing'],
    ['a list', '[1]', 'got [1]'],
    ['a string statusCode', '{"statusCode":"200"}', 'got {"statusCode":"200"}']
  ])('explains a payload that is %s', (_, payload, got) => {
    const reading = readInvokePayload('http-api', payload, undefined)
    expect(reading).toEqual({
      kind: 'error',
      reason:
        'The function did not answer like an ASP.NET Core app hosted for an API Gateway HTTP API (payload 2.0) or Function URL: ' +
        `expected a JSON object with a numeric statusCode, ${got}. ` +
        "The app's AddAWSLambdaHosting(LambdaEventSource.HttpApi) must match how the function is invoked, " +
        'or set event-source to the event source the app is hosted for.'
    })
  })

  it.each<[EventSourceInput, string, string]>([
    ['rest-api', 'API Gateway REST API (payload 1.0)', 'RestApi'],
    ['alb', 'Application Load Balancer', 'ApplicationLoadBalancer']
  ])(
    'names the hosting call for %s',
    (source, described, lambdaEventSource) => {
      const reading = readInvokePayload(source, '{}', undefined)
      expect(reading.kind === 'error' && reading.reason).toContain(described)
      expect(reading.kind === 'error' && reading.reason).toContain(
        `AddAWSLambdaHosting(LambdaEventSource.${lambdaEventSource})`
      )
    }
  )

  it('truncates a long payload in the reason', () => {
    const reading = readInvokePayload('http-api', 'x'.repeat(2000), undefined)
    expect(reading.kind === 'error' && reading.reason).toContain(
      `got ${'x'.repeat(500)}…`
    )
  })

  it.each<[string, string | undefined, string, string]>([
    [
      'errorType: errorMessage',
      JSON.stringify({
        errorType: 'Runtime.ExitError',
        errorMessage:
          'RequestId: 1 Error: Runtime exited with error: exit status 134\n  '
      }),
      'Unhandled',
      'Runtime.ExitError: RequestId: 1 Error: Runtime exited with error: exit status 134'
    ],
    [
      'the FunctionError without an errorType',
      JSON.stringify({ errorMessage: 'Task timed out after 3.00 seconds' }),
      'Unhandled',
      'Unhandled: Task timed out after 3.00 seconds'
    ],
    [
      'the errorType without a message',
      JSON.stringify({ errorType: 'Runtime.Unknown' }),
      'Unhandled',
      'Runtime.Unknown'
    ],
    [
      'a payload that is not JSON',
      'Killed\n',
      'Unhandled',
      'Unhandled: Killed'
    ],
    ['no payload', undefined, 'Unhandled', 'Unhandled']
  ])('reports a function error as %s', (_, payload, functionError, reason) => {
    expect(readInvokePayload('http-api', payload, functionError)).toEqual({
      kind: 'error',
      reason
    })
  })

  it('ignores an empty FunctionError', () => {
    expect(readInvokePayload('http-api', '{"statusCode":200}', '').kind).toBe(
      'answer'
    )
  })
})

describe('inspectInvokePayload', () => {
  it('tells a function error from a wrong shape and keeps the errorType', () => {
    expect(
      inspectInvokePayload(
        'http-api',
        JSON.stringify({
          errorType: 'Runtime.InvalidEntrypoint',
          errorMessage: 'exec format error'
        }),
        'Unhandled'
      )
    ).toEqual({
      kind: 'error',
      cause: 'function-error',
      errorType: 'Runtime.InvalidEntrypoint',
      reason: 'Runtime.InvalidEntrypoint: exec format error'
    })
    expect(inspectInvokePayload('alb', 'null', undefined)).toMatchObject({
      cause: 'wrong-shape',
      errorType: undefined
    })
  })

  it('blames the hosting mode when the ASP.NET Core adapter cannot read the event', () => {
    const inspection = inspectInvokePayload(
      'rest-api',
      JSON.stringify({
        errorType: 'NullReferenceException',
        errorMessage: 'Object reference not set to an instance of an object.',
        stackTrace: [
          'at Amazon.Lambda.AspNetCoreServer.APIGatewayHttpApiV2ProxyFunction.MarshallRequest(InvokeFeatures features, APIGatewayHttpApiV2ProxyRequest apiGatewayRequest, ILambdaContext lambdaContext)',
          'at Amazon.Lambda.AspNetCoreServer.AbstractAspNetCoreFunction`2.FunctionHandlerAsync(TREQUEST request, ILambdaContext lambdaContext)'
        ]
      }),
      'Unhandled'
    )
    expect(inspection).toEqual({
      kind: 'error',
      cause: 'wrong-shape',
      errorType: 'NullReferenceException',
      reason:
        'NullReferenceException: Object reference not set to an instance of an object. ' +
        '(thrown while Amazon.Lambda.AspNetCoreServer read the rest-api event). ' +
        "The app's AddAWSLambdaHosting(LambdaEventSource.RestApi) must match how the function is invoked, " +
        'or set event-source to the event source the app is hosted for.'
    })
  })

  it('does not blame the hosting mode for an exception elsewhere', () => {
    const inspection = inspectInvokePayload(
      'rest-api',
      JSON.stringify({
        errorType: 'NullReferenceException',
        errorMessage: 'x',
        stackTrace: ['at MyApi.Program.Main()', 42]
      }),
      'Unhandled'
    )
    expect(inspection).toMatchObject({ cause: 'function-error' })
  })
})
