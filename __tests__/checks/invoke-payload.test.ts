import { describe, expect, it } from '@jest/globals'
import {
  inspectInvokePayload,
  readInvokePayload,
  type InvokeReading
} from '../../src/checks/invoke-payload.js'
import type { EventSourceInput } from '../../src/inputs/types.js'

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
