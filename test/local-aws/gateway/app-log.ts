/**
 * The app's own log lines, written for the app: the stand-in's images are busybox HTTP servers,
 * not ASP.NET Core, so after each request a version's environment answered the stand-in writes
 * to that environment's log stream (`YYYY/MM/DD/[<version>]<id>`, ./log-store.ts) the line an
 * ASP.NET Core app on Lambda writes for it: Microsoft.AspNetCore.Hosting's "Request finished"
 * (dotnet/aspnetcore src/Hosting/Hosting/src/Internal/HostingRequestFinishedLog.cs and
 * HostingRequestStartingLog.cs), through the Lambda logger (aws/aws-lambda-dotnet,
 * Amazon.Lambda.Logging.AspNetCore LambdaILogger: "[Information] <category>: <message>") in the
 * .NET runtime's text log format (Amazon.Lambda.RuntimeSupport DefaultLogMessageFormatter:
 * "<timestamp>\t<request id>\tinfo\t<message>"):
 *
 *   2026-12-06T17:00:00.123Z	<uuid>	info	[Information] Microsoft.AspNetCore.Hosting.Diagnostics: Request finished HTTP/1.1 GET https://<host>/orders - - - 500 12 text/plain 3.2100ms
 *
 * One function, called after each answered request with what it needs (the invocation, the
 * request, the status): the place to keep when the way images are run changes.
 */
import type http from 'node:http'

import type { Invocation } from './invocations.js'
import { nowMs } from './log-store.js'

export interface AnsweredRequest {
  method: string
  /** scheme://host */
  origin: string
  /** path and query, as sent */
  path: string
  /** the request's Content-Type and Content-Length headers */
  contentType?: string | undefined
  contentLength?: number | undefined
}

export interface AppAnswer {
  status: number
  headers: http.IncomingHttpHeaders
}

const orEmpty = (value: string | number | undefined): string =>
  value === undefined || value === '' ? '-' : String(value).replace(/ /g, '+')

/** The "Request finished" line of one request (pure). */
export function requestFinishedLine(
  requestId: string,
  at: Date,
  req: AnsweredRequest,
  answer: AppAnswer,
  elapsedMs: number
): string {
  const length = answer.headers['content-length']
  const message =
    `Request finished HTTP/1.1 ${req.method} ${req.origin}${req.path} ` +
    `${orEmpty(req.contentType)} ${orEmpty(req.contentLength)} - ${answer.status} ` +
    `${orEmpty(length)} ${orEmpty(answer.headers['content-type'])} ${elapsedMs.toFixed(4)}ms`
  return `${at.toISOString()}\t${requestId}\tinfo\t[Information] Microsoft.AspNetCore.Hosting.Diagnostics: ${message}`
}

/**
 * The app's log line of a request the environment answered, written with END (./invocations.ts):
 * ASP.NET Core logs it once the response is done, after anything the app wrote meanwhile.
 */
export function logAppAnswer(
  inv: Invocation,
  req: AnsweredRequest,
  answer: AppAnswer
): void {
  ;(inv.appLines ??= []).push(
    requestFinishedLine(
      inv.requestId,
      new Date(),
      req,
      answer,
      nowMs() - inv.startedAt
    )
  )
}
