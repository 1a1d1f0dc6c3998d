/** The world's CloudWatch Logs: FilterLogEvents over each log group. */
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
  type FilteredLogEvent
} from '@aws-sdk/client-cloudwatch-logs'
import { mockClient } from 'aws-sdk-client-mock'
import type { Handle } from './calls.js'

// src/aws/logs.ts makes its own logs client: mock the class.
const logsMock = mockClient(CloudWatchLogsClient)

/** Answer FilterLogEvents from `logs` (events by log group). */
export function mockLogs(
  logs: Map<string, FilteredLogEvent[]>,
  handle: Handle
): void {
  logsMock.reset()
  logsMock.on(FilterLogEventsCommand).callsFake(
    handle('logs:FilterLogEvents', (input: FilterLogEventsCommandInput) => ({
      events: (logs.get(input.logGroupName ?? '') ?? []).filter(
        event =>
          (event.timestamp ?? 0) >= (input.startTime ?? 0) &&
          (event.logStreamName ?? '').startsWith(
            input.logStreamNamePrefix ?? ''
          )
      )
    }))
  )
}
