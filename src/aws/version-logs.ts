/**
 * The log lines one version of a function wrote during a stretch of time:
 * Lambda names each log stream after the version that runs in it,
 * YYYY/MM/DD/[<version>]<id> in the log group /aws/lambda/<function>
 * (AWS Lambda Developer Guide, "Sending Lambda function logs to CloudWatch
 * Logs": log stream names), so the version's own lines are its streams'.
 */
import {
  paginateFilterLogEvents,
  type CloudWatchLogsClient
} from '@aws-sdk/client-cloudwatch-logs'
import { awsPages } from './call.js'

/** Lambda's stream name prefixes of a version for each UTC day from `startMs` to `endMs`. */
export function versionStreamPrefixes(
  version: string,
  startMs: number,
  endMs: number
): string[] {
  const prefixes: string[] = []
  const day = 86_400_000
  for (let at = Math.floor(startMs / day) * day; at <= endMs; at += day)
    prefixes.push(
      `${new Date(at).toISOString().slice(0, 10).replaceAll('-', '/')}/[${version}]`
    )
  return prefixes
}

/** At most this many events are read per day (of the canary's interval). */
export const MAX_VERSION_EVENTS = 100_000

/**
 * The messages the version's streams hold from `startMs` to `endMs`, and
 * whether the read stopped at MAX_VERSION_EVENTS. A log group that does not
 * exist yet holds none.
 */
export async function versionLogMessages(
  client: CloudWatchLogsClient,
  functionName: string,
  version: string,
  startMs: number,
  endMs: number
): Promise<{ messages: string[]; truncated: boolean }> {
  const messages: string[] = []
  let truncated = false
  for (const prefix of versionStreamPrefixes(version, startMs, endMs)) {
    let read = 0
    const pages = paginateFilterLogEvents(
      { client },
      {
        logGroupName: `/aws/lambda/${functionName}`,
        logStreamNamePrefix: prefix,
        startTime: startMs,
        endTime: endMs
      }
    )
    for await (const page of awsPages('logs:FilterLogEvents', pages, {
      ResourceNotFoundException: () => 'end' as const
    })) {
      // The prefix ends with "]": version 1's is not a prefix of 10's.
      for (const event of page.events ?? []) messages.push(event.message ?? '')
      read += page.events?.length ?? 0
      if (read >= MAX_VERSION_EVENTS) {
        truncated = true
        break
      }
    }
  }
  return { messages, truncated }
}
