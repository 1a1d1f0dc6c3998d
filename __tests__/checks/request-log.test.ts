import { describe, expect, it } from '@jest/globals'
import {
  countAnswers,
  requestFinishedStatus
} from '../../src/checks/request-log.js'

const LAMBDA_LOGGER =
  '2026-12-06T17:00:00.123Z\t8f5e6a1c-0d6f-4c63-9a51-1b8a3a7d2e11\tinfo\t[Information] Microsoft.AspNetCore.Hosting.Diagnostics: '

describe('requestFinishedStatus', () => {
  it.each<[string, string, number | undefined]>([
    [
      'the Lambda logger in the text format, a 500',
      `${LAMBDA_LOGGER}Request finished HTTP/1.1 GET https://abc.lambda-url.us-east-1.on.aws/orders - - - 500 0 - 12.3456ms`,
      500
    ],
    [
      'a 200 with a content type (spaces as +) and a query',
      `${LAMBDA_LOGGER}Request finished HTTP/1.1 GET https://api.example.com/prod/orders?page=2 - - - 200 512 application/json;+charset=utf-8 3.1000ms`,
      200
    ],
    [
      'a POST with a body',
      `${LAMBDA_LOGGER}Request finished HTTP/1.1 POST https://api.example.com/orders application/json 27 - 503 - - 1.0000ms`,
      503
    ],
    [
      'no protocol (two spaces)',
      'Request finished  GET https://h/ - - - 502 - - 0.5000ms',
      502
    ],
    [
      "the console logger's second line",
      '      Request finished HTTP/1.1 GET http://localhost:5000/health - - - 200 7 text/plain 0.4213ms',
      200
    ],
    [
      'Request starting (not an answer)',
      `${LAMBDA_LOGGER}Request starting HTTP/1.1 GET https://h/orders - - -`,
      undefined
    ],
    [
      'REPORT',
      'REPORT RequestId: 8f5e\tDuration: 12.00 ms\tBilled Duration: 13 ms',
      undefined
    ],
    [
      'an app line that mentions a 500',
      'fail: upstream answered 500',
      undefined
    ],
    [
      'a status that is no HTTP status',
      'Request finished HTTP/1.1 GET https://h/ - - - 999 - - 1.0000ms',
      undefined
    ],
    [
      'no elapsed time',
      'Request finished HTTP/1.1 GET https://h/ - - - 500 - -',
      undefined
    ]
  ])('%s', (_, line, status) => {
    expect(requestFinishedStatus(line)).toBe(status)
  })
})

describe('countAnswers', () => {
  it('counts every request-finished line, and the 5xx ones, in each message', () => {
    const line = (status: number): string =>
      `${LAMBDA_LOGGER}Request finished HTTP/1.1 GET https://h/ - - - ${status} - - 1.0000ms`
    expect(
      countAnswers([
        line(200),
        line(500),
        'START RequestId: 1 Version: 3',
        `info: Microsoft.AspNetCore.Hosting.Diagnostics[2]\n      ${line(503).split('\t')[3] ?? ''}`,
        line(404)
      ])
    ).toEqual({ requests: 4, serverErrors: 2 })
    expect(countAnswers([])).toEqual({ requests: 0, serverErrors: 0 })
  })
})
