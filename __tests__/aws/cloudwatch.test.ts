import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type DescribeAlarmsCommandInput,
  type DescribeAlarmsCommandOutput
} from '@aws-sdk/client-cloudwatch'
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
  type FilterLogEventsCommandOutput
} from '@aws-sdk/client-cloudwatch-logs'
import { mockClient } from 'aws-sdk-client-mock'
import { alarmStates, versionMetrics } from '../../src/aws/cloudwatch.js'
import {
  versionLogMessages,
  versionStreamPrefixes
} from '../../src/aws/version-logs.js'

const cloudwatchMock = mockClient(CloudWatchClient)
const logsMock = mockClient(CloudWatchLogsClient)
const cloudwatch = new CloudWatchClient({ region: 'eu-west-1' })
const logs = new CloudWatchLogsClient({ region: 'eu-west-1' })

function awsError(name: string): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 }
  })
}

/** The keys with a value (the paginator sets the others to undefined). */
const defined = <T extends object>(input: T): T =>
  Object.fromEntries(
    Object.entries(input).filter(([, value]) => value !== undefined)
  ) as T

beforeEach(() => {
  cloudwatchMock.reset()
  logsMock.reset()
})

describe('alarmStates', () => {
  it('reads metric and composite alarms, page after page, and names the missing ones', async () => {
    const pages: DescribeAlarmsCommandOutput[] = [
      {
        MetricAlarms: [{ AlarmName: 'api-5xx', StateValue: 'OK' }],
        NextToken: 'more',
        $metadata: {}
      },
      {
        CompositeAlarms: [
          {
            AlarmName: 'api-health',
            StateValue: 'ALARM',
            StateReason: 'api-5xx and api-latency'
          }
        ],
        $metadata: {}
      }
    ]
    // The paginator reuses its input object: keep a copy of each call's.
    const inputs: DescribeAlarmsCommandInput[] = []
    cloudwatchMock.on(DescribeAlarmsCommand).callsFake(input => {
      inputs.push(defined({ ...(input as DescribeAlarmsCommandInput) }))
      return pages.shift()
    })

    const result = await alarmStates(cloudwatch, [
      'api-5xx',
      'api-health',
      'api-typo'
    ])

    expect(result).toEqual({
      alarms: [
        { name: 'api-5xx', state: 'OK', reason: undefined },
        {
          name: 'api-health',
          state: 'ALARM',
          reason: 'api-5xx and api-latency'
        }
      ],
      missing: ['api-typo']
    })
    expect(inputs).toEqual([
      {
        AlarmNames: ['api-5xx', 'api-health', 'api-typo'],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm']
      },
      {
        AlarmNames: ['api-5xx', 'api-health', 'api-typo'],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        NextToken: 'more'
      }
    ])
  })

  it('asks for at most 100 names a call', async () => {
    cloudwatchMock.on(DescribeAlarmsCommand).resolves({})
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`)

    const { missing } = await alarmStates(cloudwatch, names)

    expect(missing).toHaveLength(150)
    expect(
      cloudwatchMock
        .commandCalls(DescribeAlarmsCommand)
        .map(c => c.args[0].input.AlarmNames?.length)
    ).toEqual([100, 50])
  })

  it('a refused call names the IAM action', async () => {
    cloudwatchMock
      .on(DescribeAlarmsCommand)
      .rejects(awsError('AccessDeniedException'))
    await expect(alarmStates(cloudwatch, ['api-5xx'])).rejects.toThrow(
      /cloudwatch:DescribeAlarms/
    )
  })
})

describe('versionMetrics', () => {
  it("sums Invocations, Errors and Throttles of the alias's executed version over every page", async () => {
    cloudwatchMock
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'invocations', Values: [10, 20] },
          { Id: 'errors', Values: [1] },
          { Id: 'throttles', Values: [] }
        ],
        NextToken: 'more'
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'invocations', Values: [5] },
          { Id: 'throttles', Values: [2] },
          { Id: 'constructor', Values: [99] }
        ]
      })

    const sums = await versionMetrics(cloudwatch, {
      functionName: 'my-api',
      alias: 'live',
      version: '7',
      startMs: Date.UTC(2026, 11, 6, 17, 0),
      endMs: Date.UTC(2026, 11, 6, 17, 3),
      periodS: 60
    })

    expect(sums).toEqual({ invocations: 35, errors: 1, throttles: 2 })
    const [first] = cloudwatchMock
      .commandCalls(GetMetricDataCommand)
      .map(c => c.args[0].input)
    expect(first?.StartTime).toEqual(new Date(Date.UTC(2026, 11, 6, 17, 0)))
    expect(first?.EndTime).toEqual(new Date(Date.UTC(2026, 11, 6, 17, 3)))
    expect(
      first?.MetricDataQueries?.map(q => [
        q.Id,
        q.MetricStat?.Metric?.MetricName,
        q.MetricStat?.Metric?.Dimensions,
        q.MetricStat?.Period,
        q.MetricStat?.Stat
      ])
    ).toEqual(
      ['invocations', 'errors', 'throttles'].map((id, i) => [
        id,
        ['Invocations', 'Errors', 'Throttles'][i],
        [
          { Name: 'FunctionName', Value: 'my-api' },
          { Name: 'Resource', Value: 'my-api:live' },
          { Name: 'ExecutedVersion', Value: '7' }
        ],
        60,
        'Sum'
      ])
    )
  })
})

describe("a version's log streams", () => {
  it.each<[string, number, number, string[]]>([
    [
      'one day',
      Date.UTC(2026, 11, 6, 17, 0),
      Date.UTC(2026, 11, 6, 17, 5),
      ['2026/12/06/[7]']
    ],
    [
      'across midnight',
      Date.UTC(2026, 11, 6, 23, 58),
      Date.UTC(2026, 11, 7, 0, 3),
      ['2026/12/06/[7]', '2026/12/07/[7]']
    ]
  ])('%s', (_, start, end, prefixes) => {
    expect(versionStreamPrefixes('7', start, end)).toEqual(prefixes)
  })

  it("reads the version's streams of each day, page after page, from the shift to the end", async () => {
    const pages: FilterLogEventsCommandOutput[] = [
      { events: [{ message: 'a' }], nextToken: 'more', $metadata: {} },
      { events: [{ message: 'b' }], $metadata: {} },
      { events: [{ message: 'c' }], $metadata: {} }
    ]
    const inputs: FilterLogEventsCommandInput[] = []
    logsMock.on(FilterLogEventsCommand).callsFake(input => {
      inputs.push(defined({ ...(input as FilterLogEventsCommandInput) }))
      return pages.shift()
    })
    const start = Date.UTC(2026, 11, 6, 23, 58)
    const end = Date.UTC(2026, 11, 7, 0, 3)

    const read = await versionLogMessages(logs, 'my-api', '7', start, end)

    expect(read).toEqual({ messages: ['a', 'b', 'c'], truncated: false })
    expect(inputs).toEqual([
      {
        logGroupName: '/aws/lambda/my-api',
        logStreamNamePrefix: '2026/12/06/[7]',
        startTime: start,
        endTime: end
      },
      {
        logGroupName: '/aws/lambda/my-api',
        logStreamNamePrefix: '2026/12/06/[7]',
        startTime: start,
        endTime: end,
        nextToken: 'more'
      },
      {
        logGroupName: '/aws/lambda/my-api',
        logStreamNamePrefix: '2026/12/07/[7]',
        startTime: start,
        endTime: end
      }
    ])
  })

  it('a log group that does not exist yet holds nothing; a refused read names the IAM action', async () => {
    logsMock
      .on(FilterLogEventsCommand)
      .rejectsOnce(awsError('ResourceNotFoundException'))
      .rejectsOnce(awsError('AccessDeniedException'))
    const at = Date.UTC(2026, 11, 6, 17)

    await expect(
      versionLogMessages(logs, 'my-api', '7', at, at + 60_000)
    ).resolves.toEqual({ messages: [], truncated: false })
    await expect(
      versionLogMessages(logs, 'my-api', '7', at, at + 60_000)
    ).rejects.toThrow(/logs:FilterLogEvents/)
  })
})
