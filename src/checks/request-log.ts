/**
 * The app's own record of each HTTP answer (pure): ASP.NET Core's hosting
 * logs one "Request finished" line per request (category
 * Microsoft.AspNetCore.Hosting.Diagnostics, level Information, event 2),
 * written by dotnet/aspnetcore's HostingRequestFinishedLog as
 *
 *   Request finished {Protocol} {Method} {Scheme}://{Host}{PathBase}{Path}{QueryString}
 *     {request ContentType|-} {request ContentLength|-} - {StatusCode} {ContentLength|-}
 *     {ContentType, spaces as +|-} {Elapsed:0.0000}ms
 *
 * (one line). In Lambda's CloudWatch Logs, through the Lambda logger
 * (Amazon.Lambda.Logging.AspNetCore, LambdaILogger: "[Information]
 * <category>: <message>") and the .NET runtime's text log format
 * (Amazon.Lambda.RuntimeSupport, DefaultLogMessageFormatter:
 * "<timestamp>\t<request id>\tinfo\t<message>"), a 500 reads
 *
 *   2026-12-06T17:00:00.123Z	8f5e…	info	[Information] Microsoft.AspNetCore.Hosting.Diagnostics: Request finished HTTP/1.1 GET https://abc.lambda-url.us-east-1.on.aws/orders - - - 500 0 - 12.3456ms
 *
 * and the console logger's "info: Microsoft.AspNetCore.Hosting.Diagnostics[2]"
 * puts the same text on its next line. The line is found wherever it is in
 * an event's message.
 */

/**
 * " - {StatusCode} {ContentLength} {ContentType} {Elapsed}ms" at the end of
 * the line: the path cannot hold a space (it is URL-encoded), the content
 * type's spaces are written as +.
 */
const REQUEST_FINISHED =
  /Request finished \S*(?: \S+)*? - (?<status>[1-5]\d\d) (?:\d+|-) \S+ \d+(?:\.\d+)?ms(?:\s|$)/

/** The HTTP status of a "Request finished" line, or undefined for any other line. */
export function requestFinishedStatus(message: string): number | undefined {
  const status = REQUEST_FINISHED.exec(message)?.groups?.status
  return status === undefined ? undefined : Number(status)
}

/** Requests and 5xx answers in log messages (each event's message once). */
export function countAnswers(messages: Iterable<string>): {
  requests: number
  serverErrors: number
} {
  let requests = 0
  let serverErrors = 0
  for (const message of messages) {
    for (const line of message.split('\n')) {
      const status = requestFinishedStatus(line)
      if (status === undefined) continue
      requests++
      if (status >= 500) serverErrors++
    }
  }
  return { requests, serverErrors }
}
