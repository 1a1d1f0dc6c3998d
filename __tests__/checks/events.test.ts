import { describe, expect, it } from '@jest/globals'
import {
  PRETRAFFIC_USER_AGENT,
  apiGatewayTime,
  arnParts,
  syntheticEvent
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

describe('the headers in front of the request’s own', () => {
  it.each<[EventSourceInput, string[]]>([
    [
      'http-api',
      [
        'accept',
        'content-length',
        'host',
        'user-agent',
        'x-amzn-trace-id',
        'x-forwarded-for',
        'x-forwarded-port',
        'x-forwarded-proto',
        'x-probe'
      ]
    ],
    [
      'rest-api',
      [
        'Accept',
        'Host',
        'User-Agent',
        'X-Amzn-Trace-Id',
        'X-Forwarded-For',
        'X-Forwarded-Port',
        'X-Forwarded-Proto',
        'X-Probe',
        'user-agent'
      ]
    ],
    [
      'alb',
      [
        'accept',
        'host',
        'user-agent',
        'x-amzn-trace-id',
        'x-forwarded-for',
        'x-forwarded-port',
        'x-forwarded-proto',
        'x-probe'
      ]
    ]
  ])('%s: names, case and order as sent', (source, names) => {
    const event = syntheticEvent(
      source,
      {
        method: 'GET',
        path: '/',
        headers: { 'X-Probe': '1', 'user-agent': 'probe' }
      },
      CONTEXT
    )
    const headers = event.headers as Record<string, string>
    expect(Object.keys(headers)).toEqual(names)
    // The caller's header overrides the default where the names meet.
    expect(headers['user-agent']).toBe('probe')
  })
})
