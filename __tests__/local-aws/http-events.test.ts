import { describe, expect, it } from '@jest/globals'

import {
  answerOfPayload,
  answerOfStream,
  payloadV2Event,
  type HttpRequestFacts
} from '../../test/local-aws/gateway/http-events.js'

const request: HttpRequestFacts = {
  method: 'POST',
  pathAndQuery: '/orders/7?tag=a&tag=b%20c&id=7',
  rawHeaders: [
    'Host',
    '127.0.0.1:4740',
    'Content-Type',
    'application/json',
    'X-Multi',
    '1',
    'x-multi',
    '2',
    'Cookie',
    'c=3; d=4',
    'User-Agent',
    'curl/8'
  ],
  body: Buffer.from('{"a":1}'),
  sourceIp: '127.0.0.1',
  apiId: 'shop',
  domainName: '127.0.0.1:4740',
  accountId: '123456789012',
  requestId: 'req-1',
  now: new Date('2026-12-06T16:30:05Z')
}

describe('payloadV2Event (Function URL / HTTP API payload format 2.0)', () => {
  it('carries path, raw query, cookies, lower-case headers (repeats comma-joined) and a text body', () => {
    expect(payloadV2Event(request)).toEqual({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/orders/7',
      rawQueryString: 'tag=a&tag=b%20c&id=7',
      cookies: ['c=3', 'd=4'],
      headers: {
        host: '127.0.0.1:4740',
        'content-type': 'application/json',
        'x-multi': '1,2',
        'user-agent': 'curl/8'
      },
      queryStringParameters: { tag: 'a,b c', id: '7' },
      requestContext: {
        accountId: '123456789012',
        apiId: 'shop',
        domainName: '127.0.0.1:4740',
        domainPrefix: '127',
        http: {
          method: 'POST',
          path: '/orders/7',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8'
        },
        requestId: 'req-1',
        routeKey: '$default',
        stage: '$default',
        time: '06/Dec/2026:16:30:05 +0000',
        timeEpoch: Date.parse('2026-12-06T16:30:05Z')
      },
      body: '{"a":1}',
      isBase64Encoded: false
    })
  })

  it('sends a binary body base64 and leaves out what the request does not have', () => {
    const event = payloadV2Event({
      ...request,
      pathAndQuery: '/',
      rawHeaders: ['Content-Type', 'application/octet-stream'],
      body: Buffer.from([0, 1, 2])
    })
    expect(event).toMatchObject({
      rawPath: '/',
      rawQueryString: '',
      body: 'AAEC',
      isBase64Encoded: true
    })
    expect(event).not.toHaveProperty('cookies')
    expect(event).not.toHaveProperty('queryStringParameters')
    const empty = payloadV2Event({ ...request, body: Buffer.alloc(0) })
    expect(empty).not.toHaveProperty('body')
    expect(empty.isBase64Encoded).toBe(false)
  })
})

describe('the answer as an HTTP response', () => {
  it('uses a statusCode object as given: headers, cookies as Set-Cookie, a base64 body decoded', () => {
    expect(
      answerOfPayload(
        Buffer.from(
          JSON.stringify({
            statusCode: 201,
            headers: { 'Content-Type': 'image/png', 'X-N': 2 },
            cookies: ['a=1; Path=/', 'b=2'],
            body: Buffer.from('png').toString('base64'),
            isBase64Encoded: true
          })
        )
      )
    ).toEqual({
      status: 201,
      headers: [
        ['Content-Type', 'image/png'],
        ['X-N', '2'],
        ['set-cookie', 'a=1; Path=/'],
        ['set-cookie', 'b=2']
      ],
      body: Buffer.from('png')
    })
  })

  it.each([
    ['JSON without statusCode', '{"hello":"world"}'],
    ['a JSON string', '"hi"'],
    ['not JSON', 'plain']
  ])(
    'serves %s as a 200 application/json with the answer as body',
    (_n, text) => {
      expect(answerOfPayload(Buffer.from(text))).toEqual({
        status: 200,
        headers: [['content-type', 'application/json']],
        body: Buffer.from(text)
      })
    }
  )

  it('serves a streamed answer as its prelude says, the bytes after the 8 NULs as body', () => {
    const bytes = Buffer.concat([
      Buffer.from(
        JSON.stringify({
          statusCode: 404,
          headers: { 'content-type': 'text/plain' },
          cookies: ['s=1']
        })
      ),
      Buffer.alloc(8),
      Buffer.from('not here\n')
    ])
    expect(answerOfStream(bytes)).toEqual({
      status: 404,
      headers: [
        ['content-type', 'text/plain'],
        ['set-cookie', 's=1']
      ],
      body: Buffer.from('not here\n')
    })
  })
})
