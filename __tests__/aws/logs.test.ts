import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  ResourceNotFoundException,
  type FilteredLogEvent
} from '@aws-sdk/client-cloudwatch-logs'
import { mockClient } from 'aws-sdk-client-mock'
import {
  MAX_PAGES,
  formatDiagnostics,
  functionRef,
  linesThatMatter,
  readDiagnostics,
  type LogLine
} from '../../src/aws/logs.js'
import { fakeTiming } from '../../__fixtures__/timing.js'
import { ACCOUNT, FUNCTION_ARN, REGION } from '../../__fixtures__/aws.js'

const logsMock = mockClient(CloudWatchLogsClient)
const client = new CloudWatchLogsClient({ region: REGION })

const SINCE = Date.parse('2026-11-23T09:00:00Z')
const STREAM_7 = '2026/11/23/[7]0123abcd4567ef890123abcd4567ef89'
const STREAM_LATEST = '2026/11/23/[$LATEST]89abcdef0123456789abcdef01234567'

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name })
}

/** Log lines, one second apart, in one stream. */
function lines(messages: string[], stream = STREAM_7): LogLine[] {
  return messages.map((message, i) => ({
    timestamp: SINCE + i * 1000,
    stream,
    message
  }))
}

const messagesOf = (kept: LogLine[]): string[] => kept.map(l => l.message)

function events(messages: string[], stream = STREAM_7): FilteredLogEvent[] {
  return lines(messages, stream).map(line => ({
    timestamp: line.timestamp,
    logStreamName: line.stream,
    message: `${line.message}\n`
  }))
}

const HEALTHY = [
  'START RequestId: 1 Version: 7',
  'info: Microsoft.Hosting.Lifetime[0]',
  '      Application started.',
  'END RequestId: 1',
  'REPORT RequestId: 1\tDuration: 12.3 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB'
]

beforeEach(() => {
  logsMock.reset()
})

describe('linesThatMatter', () => {
  it('leaves out a healthy invocation', () => {
    expect(linesThatMatter(lines(HEALTHY))).toEqual([])
  })

  it('keeps what explains an init failure, in order', () => {
    const kept = linesThatMatter(
      lines([
        'INIT_START Runtime Version: provided:al2023.v50',
        'IMAGE\tLaunch error: fork/exec /lambda-entrypoint.sh: exec format error\tEntrypoint: [/lambda-entrypoint.sh]\tCmd: [MyApi]\tWorkingDir: [/var/task]',
        'INIT_REPORT Init Duration: 0.47 ms\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint',
        'START RequestId: 2 Version: 7',
        'RequestId: 2 Error: fork/exec /lambda-entrypoint.sh: exec format error\nRuntime.InvalidEntrypoint',
        'END RequestId: 2',
        'REPORT RequestId: 2\tDuration: 60.1 ms\tStatus: error\tError Type: Runtime.InvalidEntrypoint'
      ])
    )
    expect(messagesOf(kept)).toEqual([
      'IMAGE\tLaunch error: fork/exec /lambda-entrypoint.sh: exec format error\tEntrypoint: [/lambda-entrypoint.sh]\tCmd: [MyApi]\tWorkingDir: [/var/task]',
      'INIT_REPORT Init Duration: 0.47 ms\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint',
      'RequestId: 2 Error: fork/exec /lambda-entrypoint.sh: exec format error\nRuntime.InvalidEntrypoint',
      'REPORT RequestId: 2\tDuration: 60.1 ms\tStatus: error\tError Type: Runtime.InvalidEntrypoint'
    ])
  })

  it.each([
    [
      'a runtime exit',
      'RequestId: 3 Error: Runtime exited with error: exit status 134'
    ],
    ['Runtime.Unknown', 'Runtime.Unknown'],
    [
      'a timeout',
      '2026-11-23T09:00:03.000Z 3 Task timed out after 3.00 seconds'
    ],
    [
      'an init timeout',
      'INIT_REPORT Init Duration: 10000.12 ms\tPhase: init\tStatus: timeout'
    ],
    [
      'a failed extension',
      'EXTENSION\tName: agent\tState: LaunchError\tEvents: []\tError Type: UnknownError'
    ],
    [
      'an extension crash',
      'RequestId: 4 Error: exit status 1\nExtension.Crash'
    ],
    [
      'an unhandled exception',
      'Unhandled exception. System.InvalidOperationException: No connection string named Default.\n   at Program.<Main>$(String[] args)'
    ],
    [
      'a critical log line',
      'crit: Microsoft.AspNetCore.Hosting.Diagnostics[6]'
    ],
    [
      'a JSON platform report',
      '{"time":"2026-11-23T09:00:00.000Z","type":"platform.initReport","record":{"phase":"init","status":"error","errorType":"Runtime.ExitError"}}'
    ],
    [
      'a JSON error log',
      '{"timestamp":"2026-11-23T09:00:00.000Z","level":"Error","message":"boom"}'
    ],
    [
      'a library exception',
      'Npgsql.NpgsqlException (0x80004005): Failed to connect to 10.0.0.1:5432'
    ]
  ])('keeps %s', (_, message) => {
    expect(messagesOf(linesThatMatter(lines([...HEALTHY, message])))).toEqual([
      message
    ])
  })

  it.each([
    [
      'a healthy extension',
      'EXTENSION\tName: agent\tState: Ready\tEvents: [INVOKE,SHUTDOWN]'
    ],
    [
      'a healthy init',
      'INIT_REPORT Init Duration: 812.50 ms\tPhase: init\tStatus: success'
    ],
    [
      'an information JSON log',
      '{"level":"Information","message":"Request finished"}'
    ],
    [
      'a word that only looks like an exception',
      'Exception handling is configured'
    ]
  ])('leaves out %s', (_, message) => {
    expect(linesThatMatter(lines([message]))).toEqual([])
  })

  it('keeps an ASP.NET error and the lines that belong to it, not what follows', () => {
    const kept = linesThatMatter(
      lines([
        'info: Microsoft.AspNetCore.Hosting.Diagnostics[1]',
        'fail: Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware[1]',
        '      An unhandled exception has occurred while executing the request.',
        '      System.InvalidOperationException: boom',
        '         at MyApi.Handlers.Health() in /src/Program.cs:line 12',
        '      --- End of stack trace from previous location ---',
        'info: Microsoft.AspNetCore.Hosting.Diagnostics[2]',
        '   at Somewhere.Else()'
      ])
    )
    expect(messagesOf(kept)).toEqual([
      'fail: Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware[1]',
      '      An unhandled exception has occurred while executing the request.',
      '      System.InvalidOperationException: boom',
      '         at MyApi.Handlers.Health() in /src/Program.cs:line 12',
      '      --- End of stack trace from previous location ---'
    ])
  })

  it('keeps a bounded number of stack lines after an exception', () => {
    const stack = Array.from({ length: 20 }, (_, i) => `   at Frame${i}()`)
    const kept = linesThatMatter(
      lines([
        'System.NullReferenceException: Object reference not set',
        ...stack
      ])
    )
    expect(kept).toHaveLength(9)
    expect(kept[8]?.message).toBe('   at Frame7()')
  })

  it('keeps the last max lines', () => {
    const many = Array.from({ length: 30 }, (_, i) => `Runtime.Unknown ${i}`)
    const kept = linesThatMatter(lines(many))
    expect(kept).toHaveLength(20)
    expect(kept[0]?.message).toBe('Runtime.Unknown 10')
    expect(messagesOf(linesThatMatter(lines(many), 2))).toEqual([
      'Runtime.Unknown 28',
      'Runtime.Unknown 29'
    ])
    expect(linesThatMatter(lines(many), 0)).toEqual([])
  })
})

describe('functionRef', () => {
  it.each([
    [FUNCTION_ARN, { name: 'my-api', partition: 'aws', account: ACCOUNT }],
    [
      `${FUNCTION_ARN}:live`,
      { name: 'my-api', partition: 'aws', account: ACCOUNT }
    ],
    [
      'arn:aws-cn:lambda:cn-north-1:111122223333:function:api:7',
      { name: 'api', partition: 'aws-cn', account: '111122223333' }
    ],
    [
      `${ACCOUNT}:function:my-api:3`,
      { name: 'my-api', partition: 'aws', account: ACCOUNT }
    ],
    ['my-api', { name: 'my-api', partition: 'aws', account: undefined }],
    ['my-api:live', { name: 'my-api', partition: 'aws', account: undefined }]
  ])('%p', (input, ref) => {
    expect(functionRef(input)).toEqual(ref)
  })
})

describe('readDiagnostics', () => {
  it('reads the function’s log group since the deploy and keeps what matters', async () => {
    const { timing, sleeps } = fakeTiming({ start: SINCE + 60_000 })
    logsMock.on(FilterLogEventsCommand).resolves({
      events: events([
        ...HEALTHY,
        'RequestId: 5 Error: Runtime exited with error: exit status 1'
      ])
    })
    const diagnostics = await readDiagnostics(
      `${FUNCTION_ARN}:live`,
      REGION,
      SINCE,
      {
        client,
        timing
      }
    )
    expect(diagnostics).toEqual({
      functionName: 'my-api',
      lines: [
        {
          timestamp: SINCE + 5000,
          stream: STREAM_7,
          message:
            'RequestId: 5 Error: Runtime exited with error: exit status 1'
        }
      ],
      note: undefined
    })
    const [call] = logsMock.commandCalls(FilterLogEventsCommand)
    expect(call?.args[0].input).toEqual({
      logGroupName: '/aws/lambda/my-api',
      startTime: SINCE,
      limit: 10_000
    })
    expect(sleeps).toEqual([])
  })

  it('reads only one version’s streams, by prefix within the same day', async () => {
    const { timing } = fakeTiming({ start: SINCE + 60_000 })
    logsMock.on(FilterLogEventsCommand).resolves({
      events: [
        ...events(['Runtime.ExitError in latest'], STREAM_LATEST),
        ...events(['Runtime.ExitError in 7'], STREAM_7)
      ]
    })
    const diagnostics = await readDiagnostics(FUNCTION_ARN, REGION, SINCE, {
      client,
      timing,
      version: '7'
    })
    expect(messagesOf(diagnostics.lines)).toEqual(['Runtime.ExitError in 7'])
    const [call] = logsMock.commandCalls(FilterLogEventsCommand)
    expect(call?.args[0].input.logStreamNamePrefix).toBe('2026/11/23/[7]')
  })

  it('filters by version without a prefix when the window crosses midnight', async () => {
    const since = Date.parse('2026-11-22T23:59:00Z')
    const { timing } = fakeTiming({ start: SINCE })
    logsMock.on(FilterLogEventsCommand).resolves({
      events: [
        ...events(['Runtime.ExitError in 7'], STREAM_7),
        ...events(['Runtime.ExitError in latest'], STREAM_LATEST)
      ]
    })
    const diagnostics = await readDiagnostics(FUNCTION_ARN, REGION, since, {
      client,
      timing,
      version: '$LATEST'
    })
    expect(messagesOf(diagnostics.lines)).toEqual([
      'Runtime.ExitError in latest'
    ])
    const [call] = logsMock.commandCalls(FilterLogEventsCommand)
    expect(call?.args[0].input.logStreamNamePrefix).toBeUndefined()
  })

  it('follows nextToken across pages', async () => {
    const { timing } = fakeTiming()
    logsMock
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: events(['Runtime.Unknown 1']), nextToken: 'a' })
      .resolvesOnce({ events: [], nextToken: 'b' })
      .resolves({ events: events(['Runtime.Unknown 2']) })
    const diagnostics = await readDiagnostics(FUNCTION_ARN, REGION, SINCE, {
      client,
      timing
    })
    expect(messagesOf(diagnostics.lines)).toEqual([
      'Runtime.Unknown 1',
      'Runtime.Unknown 2'
    ])
    const calls = logsMock.commandCalls(FilterLogEventsCommand)
    expect(calls.map(c => c.args[0].input.nextToken)).toEqual([
      undefined,
      'a',
      'b'
    ])
    expect(diagnostics.note).toBeUndefined()
  })

  it('stops after a bounded number of pages and says so', async () => {
    const { timing } = fakeTiming()
    logsMock
      .on(FilterLogEventsCommand)
      .resolves({ events: events(['Runtime.Unknown']), nextToken: 'more' })
    const diagnostics = await readDiagnostics(FUNCTION_ARN, REGION, SINCE, {
      client,
      timing
    })
    expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(
      MAX_PAGES
    )
    expect(diagnostics.lines).toHaveLength(MAX_PAGES)
    expect(diagnostics.note).toBe(
      'Only the first 5 log events since 2026-11-23T09:00:00.000Z were read.'
    )
  })

  it('stops at the event bound', async () => {
    const { timing } = fakeTiming()
    const page = Array.from({ length: 6000 }, (_, i) => ({
      timestamp: SINCE + i,
      logStreamName: STREAM_7,
      message: `line ${i}`
    }))
    logsMock
      .on(FilterLogEventsCommand)
      .resolves({ events: page, nextToken: 'more' })
    const diagnostics = await readDiagnostics(FUNCTION_ARN, REGION, SINCE, {
      client,
      timing
    })
    expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(2)
    expect(diagnostics.lines.at(-1)?.message).toBe('line 3999')
    expect(diagnostics.note).toMatch(/Only the first 10000 log events/)
  })

  it('waits once for logs to arrive, then reads again', async () => {
    const { timing, sleeps } = fakeTiming()
    logsMock
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [] })
      .resolves({ events: events(['Runtime.ExitError']) })
    const diagnostics = await readDiagnostics(FUNCTION_ARN, REGION, SINCE, {
      client,
      timing
    })
    expect(sleeps).toEqual([5000])
    expect(messagesOf(diagnostics.lines)).toEqual(['Runtime.ExitError'])
  })

  it.each<[string | undefined, string]>([
    [undefined, 'the function'],
    ['7', 'version 7']
  ])('says there are no logs yet (version %p)', async (version, who) => {
    const { timing, sleeps } = fakeTiming()
    logsMock.on(FilterLogEventsCommand).resolves({})
    const diagnostics = await readDiagnostics(FUNCTION_ARN, REGION, SINCE, {
      client,
      timing,
      ...(version !== undefined && { version })
    })
    expect(diagnostics).toEqual({
      functionName: 'my-api',
      lines: [],
      note: `no logs yet (${who} wrote none since 2026-11-23T09:00:00.000Z)`
    })
    expect(sleeps).toEqual([5000])
    expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(2)
  })

  it('does not wait when told not to', async () => {
    const { timing, sleeps } = fakeTiming()
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] })
    await readDiagnostics(FUNCTION_ARN, REGION, SINCE, {
      client,
      timing,
      waitForLogsMs: 0
    })
    expect(sleeps).toEqual([])
    expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(1)
  })

  it('shows the last lines anyway when none looks like an error', async () => {
    const { timing } = fakeTiming()
    const app = Array.from({ length: 15 }, (_, i) => `info: app line ${i}`)
    logsMock
      .on(FilterLogEventsCommand)
      .resolves({ events: events([...app, ...HEALTHY]) })
    const diagnostics = await readDiagnostics(FUNCTION_ARN, REGION, SINCE, {
      client,
      timing
    })
    // START/END/REPORT are left out when there is anything else.
    expect(messagesOf(diagnostics.lines)).toEqual([
      ...app.slice(7),
      'info: Microsoft.Hosting.Lifetime[0]',
      '      Application started.'
    ])
    expect(diagnostics.note).toBe(
      'Nothing in the logs since 2026-11-23T09:00:00.000Z looks like an error; these are the last 10 lines.'
    )
  })

  it('shows Lambda’s own lines when there is nothing else', async () => {
    const { timing } = fakeTiming()
    logsMock
      .on(FilterLogEventsCommand)
      .resolves({ events: events(['START RequestId: 1', 'END RequestId: 1']) })
    const diagnostics = await readDiagnostics(FUNCTION_ARN, REGION, SINCE, {
      client,
      timing
    })
    expect(messagesOf(diagnostics.lines)).toEqual([
      'START RequestId: 1',
      'END RequestId: 1'
    ])
    expect(diagnostics.note).toMatch(/last 2 lines\.$/)
  })

  it('says there are no logs when the log group does not exist', async () => {
    logsMock.on(FilterLogEventsCommand).rejects(
      new ResourceNotFoundException({
        message: 'The specified log group does not exist.',
        $metadata: {}
      })
    )
    const diagnostics = await readDiagnostics(FUNCTION_ARN, REGION, SINCE, {
      client,
      timing: fakeTiming().timing
    })
    expect(diagnostics).toEqual({
      functionName: 'my-api',
      lines: [],
      note: 'no logs yet (the function wrote none since 2026-11-23T09:00:00.000Z: log group /aws/lambda/my-api does not exist)'
    })
  })

  it.each([
    [FUNCTION_ARN, 'not authorized', ACCOUNT],
    [
      'my-api',
      'User: arn:aws:sts::111122223333:assumed-role/deploy/gha is not authorized to perform: logs:FilterLogEvents',
      '111122223333'
    ],
    ['my-api', 'not authorized', '<account>']
  ])(
    'names logs:FilterLogEvents on the log group when %p is denied',
    async (name, message, account) => {
      logsMock
        .on(FilterLogEventsCommand)
        .rejects(awsError('AccessDeniedException', message))
      const diagnostics = await readDiagnostics(name, REGION, SINCE, {
        client,
        timing: fakeTiming().timing
      })
      expect(diagnostics.note).toBe(
        "Could not read the function's logs (AccessDeniedException): allow logs:FilterLogEvents on " +
          `arn:aws:logs:${REGION}:${account}:log-group:/aws/lambda/my-api:* to see them here.`
      )
    }
  )

  it('retries throttling, and reports any other error as a note', async () => {
    const { timing, sleeps } = fakeTiming()
    logsMock
      .on(FilterLogEventsCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .rejects(awsError('InvalidParameterException', 'bad start time'))
    const diagnostics = await readDiagnostics(FUNCTION_ARN, REGION, SINCE, {
      client,
      timing
    })
    expect(sleeps).toEqual([750])
    expect(diagnostics).toEqual({
      functionName: 'my-api',
      lines: [],
      note: "Could not read the function's logs: logs:FilterLogEvents failed (InvalidParameterException): bad start time"
    })
  })

  it('makes its own client when none is given', async () => {
    logsMock
      .on(FilterLogEventsCommand)
      .resolves({ events: events(['Runtime.ExitError']) })
    const diagnostics = await readDiagnostics('my-api', REGION, SINCE, {
      timing: fakeTiming().timing
    })
    expect(messagesOf(diagnostics.lines)).toEqual(['Runtime.ExitError'])
    expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(1)
  })
})

describe('formatDiagnostics', () => {
  it('prints each line with its time and short stream, message lines indented', () => {
    expect(
      formatDiagnostics({
        functionName: 'my-api',
        lines: [
          {
            timestamp: SINCE,
            stream: STREAM_7,
            message:
              'Unhandled exception. System.Exception: boom\n   at Program.Main()'
          },
          {
            timestamp: SINCE + 1500,
            stream: 'odd-stream',
            message: 'Runtime.ExitError'
          }
        ],
        note: 'a note'
      })
    ).toEqual([
      'Recent logs of my-api (/aws/lambda/my-api):',
      '  2026-11-23T09:00:00.000Z [7]0123abcd Unhandled exception. System.Exception: boom',
      '         at Program.Main()',
      '  2026-11-23T09:00:01.500Z odd-stream Runtime.ExitError',
      '  (a note)'
    ])
  })

  it('cuts long lines and long messages', () => {
    const message = [
      'x'.repeat(600),
      ...Array.from({ length: 30 }, (_, i) => `at ${i}`)
    ].join('\n')
    const out = formatDiagnostics({
      functionName: 'my-api',
      lines: [{ timestamp: SINCE, stream: STREAM_LATEST, message }],
      note: undefined
    })
    expect(out[1]).toBe(
      `  2026-11-23T09:00:00.000Z [$LATEST]89abcdef ${'x'.repeat(500)}…`
    )
    expect(out).toHaveLength(1 + 1 + 19 + 1)
    expect(out.at(-1)).toBe('      … 11 more lines')
  })

  it.each([
    ['no logs yet (x)', 'Logs of my-api: no logs yet (x)'],
    [undefined, 'Logs of my-api: nothing to show']
  ])('prints only the note when there are no lines (%p)', (note, line) => {
    expect(
      formatDiagnostics({ functionName: 'my-api', lines: [], note })
    ).toEqual([line])
  })
})
