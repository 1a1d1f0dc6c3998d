/**
 * The world's CloudWatch: alarms by name (DescribeAlarms answers the named
 * ones that exist, metric alarms only unless AlarmTypes asks for composite
 * ones too) and the AWS/Lambda sums GetMetricData answers per metric and
 * ExecutedVersion (the dimensions as the canary asks for them).
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type DescribeAlarmsCommandInput,
  type GetMetricDataCommandInput
} from '@aws-sdk/client-cloudwatch'
import { mockClient } from 'aws-sdk-client-mock'
import type { Handle } from './calls.js'

// src/stages/canary-signals.ts makes its own client: mock the class.
const cloudwatchMock = mockClient(CloudWatchClient)

export interface FakeAlarm {
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'
  reason?: string
}

export interface FakeCloudWatch {
  alarms: Map<string, FakeAlarm>
  /** `<MetricName> <ExecutedVersion>` → the sum over any window asked. */
  sums: Map<string, number>
}

export function mockCloudWatch(cw: FakeCloudWatch, handle: Handle): void {
  cloudwatchMock.reset()
  cloudwatchMock.on(DescribeAlarmsCommand).callsFake(
    handle('cloudwatch:DescribeAlarms', (input: DescribeAlarmsCommandInput) => {
      const named = (input.AlarmNames ?? []).flatMap(name => {
        const alarm = cw.alarms.get(name)
        return alarm === undefined
          ? []
          : [
              {
                AlarmName: name,
                StateValue: alarm.state,
                StateReason: alarm.reason
              }
            ]
      })
      return { MetricAlarms: named }
    })
  )
  cloudwatchMock.on(GetMetricDataCommand).callsFake(
    handle('cloudwatch:GetMetricData', (input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map(q => {
        const metric = q.MetricStat?.Metric
        const version = metric?.Dimensions?.find(
          d => d.Name === 'ExecutedVersion'
        )?.Value
        const sum = cw.sums.get(`${metric?.MetricName ?? ''} ${version ?? ''}`)
        return {
          Id: q.Id,
          Values: sum === undefined ? [] : [sum],
          StatusCode: 'Complete'
        }
      })
    }))
  )
}
