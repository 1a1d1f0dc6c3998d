/**
 * Canaries judged by real traffic, through run(): canary-alarms (before any
 * change, during the interval), the built-in signals (Lambda's Errors and
 * Throttles of the new version through the alias, the app's 5xx answers in
 * its log streams), inconclusive canaries, and the interval CloudWatch
 * needs — against the simulated Lambda, ECR, CloudWatch and CloudWatch
 * Logs of __fixtures__/world.ts.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import type { UpdateAliasCommandInput } from '@aws-sdk/client-lambda'
import type {
  DescribeAlarmsCommandInput,
  GetMetricDataCommandInput
} from '@aws-sdk/client-cloudwatch'
import type { FilterLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs'
import * as core from '../__fixtures__/core.js'
import { REGION, REPOSITORY_NAME, sha256Digest } from '../__fixtures__/aws.js'
import {
  HEALTH_PATH,
  PREVIOUS_URI,
  START,
  simulatedWorld,
  storedImage,
  uriOf,
  type World,
  withLiveAlias as withLiveAliasOf
} from '../__fixtures__/world.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

const NEW = storedImage('amd64', 'v2')
const OLDEST_URI = uriOf(sha256Digest('the first release'))
const DAY = 24 * 60 * 60 * 1000

const INPUTS: Record<string, string> = {
  'function-name': 'my-api',
  repository: REPOSITORY_NAME,
  tag: 'v2',
  'aws-region': REGION,
  preflight: 'off',
  'smoke-path': HEALTH_PATH,
  'smoke-expect-body': 'Healthy',
  alias: 'live',
  'canary-percent': '10',
  'canary-interval': '5m'
}

const MUTATIONS = [
  'lambda:UpdateFunctionCode',
  'lambda:PublishVersion',
  'lambda:CreateAlias',
  'lambda:UpdateAlias'
]

/** Alias live → version 2 (PREVIOUS_URI); the run publishes version 3 (v2). */
function world(inputs: Record<string, string>): World {
  const w = simulatedWorld({ ...INPUTS, ...inputs })
  w.registry.push('v2', NEW, new Date(START - DAY))
  withLiveAliasOf(w, OLDEST_URI)
  w.fn.url = { qualifier: 'live' }
  return w
}

const summary = (): string => core.writtenSummaries().join('\n')

/** What the app logs for one request, in version `version`'s stream. */
const requestLine = (version: string, status: number, at: number) => ({
  timestamp: at,
  logStreamName: `${new Date(at).toISOString().slice(0, 10).replaceAll('-', '/')}/[${version}]0123abcd`,
  message: `${new Date(at).toISOString()}\tb2c1\tinfo\t[Information] Microsoft.AspNetCore.Hosting.Diagnostics: Request finished HTTP/1.1 GET https://api.example.com/orders - - - ${status} - text/plain 2.5000ms\n`
})

/** `count` request lines of version 3 during the interval, `failing` of them 500. */
function traffic(w: World, count: number, failing: number): void {
  w.logs.set(
    '/aws/lambda/my-api',
    Array.from({ length: count }, (_, i) =>
      requestLine('3', i < failing ? 500 : 200, START + 60_000 + i * 100)
    )
  )
}

beforeEach(() => {
  core.resetCore()
})

describe('canary-alarms', () => {
  it('an alarm already in ALARM: the run fails before any change, naming it', async () => {
    const w = world({ 'canary-alarms': 'api-5xx\napi-latency' })
    w.cloudwatch.alarms.set('api-5xx', { state: 'OK' })
    w.cloudwatch.alarms.set('api-latency', {
      state: 'ALARM',
      reason: 'Threshold Crossed: p99 above 2000 ms'
    })

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /^canary-alarms: api-latency \(Threshold Crossed: p99 above 2000 ms\) is in ALARM before any change: the canary did not start and nothing was changed\./
    )
    expect(w.order(...MUTATIONS)).toEqual([])
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '2',
      weights: {}
    })
    expect(
      w.calls<DescribeAlarmsCommandInput>('cloudwatch:DescribeAlarms')[0]
    ).toEqual({
      AlarmNames: ['api-5xx', 'api-latency'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm']
    })
  })

  it('an alarm CloudWatch does not have: refused before any change, naming it', async () => {
    const w = world({ 'canary-alarms': 'api-5xx\napi-typo' })
    w.cloudwatch.alarms.set('api-5xx', { state: 'OK' })

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      `canary-alarms names an alarm that CloudWatch does not have in ${REGION}: api-typo.`
    )
    expect(w.order(...MUTATIONS)).toEqual([])
  })

  it('an alarm that goes to ALARM during the interval rolls the alias back, naming it', async () => {
    const w = world({ 'canary-alarms': 'api-5xx' })
    w.cloudwatch.alarms.set('api-5xx', { state: 'INSUFFICIENT_DATA' })
    let reads = 0
    w.before['cloudwatch:DescribeAlarms'] = () => {
      // Before any change, before the shift, then each check: the third
      // check of the interval finds it in ALARM.
      if (++reads === 5)
        w.cloudwatch.alarms.set('api-5xx', {
          state: 'ALARM',
          reason: 'Threshold Crossed: 7 errors'
        })
    }

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /^Canary of version 3: canary-alarms api-5xx \(Threshold Crossed: 7 errors\) went to ALARM during the interval\./
    )
    const updates = w.calls<UpdateAliasCommandInput>('lambda:UpdateAlias')
    expect(updates.map(u => u.RoutingConfig)).toEqual([
      { AdditionalVersionWeights: { '3': 0.1 } },
      { AdditionalVersionWeights: {} }
    ])
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '2',
      weights: {}
    })
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'true',
      'serving-version': '2'
    })
    expect(summary()).toContain(
      '| Canary signals | ❌ fail: alarm api-5xx: ALARM: Threshold Crossed: 7 errors |'
    )
  })

  it('alarms that stay OK: promoted, the summary says so', async () => {
    const w = world({ 'canary-alarms': 'api-5xx' })
    w.cloudwatch.alarms.set('api-5xx', { state: 'OK' })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '3',
      weights: {}
    })
    expect(summary()).toContain(
      '| Canary signals | ✅ pass: alarm api-5xx: OK |'
    )
    // Neither metrics nor logs are read without the built-in signals.
    expect(w.calls('cloudwatch:GetMetricData')).toEqual([])
  })

  it('a canary-interval shorter than CloudWatch needs is refused before any change, naming both inputs', async () => {
    const w = world({ 'canary-alarms': 'api-5xx', 'canary-interval': '2m' })

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      'canary-interval 2m0s is too short for canary-alarms: a canary judged by CloudWatch needs at least 5m0s.'
    )
    expect(w.order(...MUTATIONS, 'cloudwatch:DescribeAlarms')).toEqual([])
  })
})

describe('the built-in signals', () => {
  const SIGNALS = {
    'canary-max-error-rate': '5',
    'canary-min-requests': '20'
  }

  it("the new version's 5xx answers in its own log streams roll the alias back", async () => {
    const w = world(SIGNALS)
    // Lambda saw only successful invocations: an app's 500 is one.
    w.cloudwatch.sums.set('Invocations 3', 60)
    w.cloudwatch.sums.set('Errors 3', 0)
    w.cloudwatch.sums.set('Throttles 3', 0)
    // 70 request lines: 10 are the action's own checks, 60 real, 9 of them 500.
    traffic(w, 70, 9)

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /^Canary of version 3 failed on real traffic: HTTP 5xx in version 3's logs: 9 of 60 requests answered 5xx \(15\.0 %\)/
    )
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '2',
      weights: {}
    })
    expect(core.outputs()).toMatchObject({ 'rolled-back': 'true' })
    const row = summary()
      .split('\n')
      .find(line => line.startsWith('| Canary signals |'))
    expect(row).toContain(
      '✅ pass: Lambda Errors + Throttles of version 3 through live: 0 of 60 invocations failed (0 %)'
    )
    expect(row).toContain(
      "❌ fail: HTTP 5xx in version 3's logs: 9 of 60 requests answered 5xx (15.0 %)"
    )
    // The version's own streams, from the shift on.
    const [read] = w.calls<FilterLogEventsCommandInput>('logs:FilterLogEvents')
    expect(read).toMatchObject({
      logGroupName: '/aws/lambda/my-api',
      logStreamNamePrefix: `${new Date(START).toISOString().slice(0, 10).replaceAll('-', '/')}/[3]`
    })
    // Lambda's metrics of version 3 through live, complete ones only.
    const [metrics] = w.calls<GetMetricDataCommandInput>(
      'cloudwatch:GetMetricData'
    )
    expect(metrics?.MetricDataQueries?.[0]?.MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [
          { Name: 'FunctionName', Value: 'my-api' },
          { Name: 'Resource', Value: 'my-api:live' },
          { Name: 'ExecutedVersion', Value: '3' }
        ]
      },
      Period: 60,
      Stat: 'Sum'
    })
    expect(
      (metrics?.EndTime?.getTime() ?? 0) - (metrics?.StartTime?.getTime() ?? 0)
    ).toBeGreaterThanOrEqual(3 * 60_000)
  })

  it("Lambda's Errors and Throttles of the version fail it", async () => {
    const w = world(SIGNALS)
    w.cloudwatch.sums.set('Invocations 3', 95)
    w.cloudwatch.sums.set('Errors 3', 4)
    w.cloudwatch.sums.set('Throttles 3', 5)

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      'Lambda Errors + Throttles of version 3 through live: 9 of 100 invocations failed (9.0 %) (4 errors, 5 throttles;'
    )
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '2',
      weights: {}
    })
  })

  it('enough healthy real traffic: promoted', async () => {
    const w = world(SIGNALS)
    w.cloudwatch.sums.set('Invocations 3', 200)
    w.cloudwatch.sums.set('Errors 3', 1)
    w.cloudwatch.sums.set('Throttles 3', 0)
    traffic(w, 210, 2)

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '3',
      weights: {}
    })
    expect(summary()).toContain('✅ pass: HTTP 5xx in version 3')
    expect(core.warnings().join('\n')).not.toContain('inconclusive')
  })

  it('too few real requests, canary-on-inconclusive promote (the default): promoted with a warning that says how many were seen', async () => {
    const w = world(SIGNALS)
    w.cloudwatch.sums.set('Invocations 3', 7)
    traffic(w, 17, 0)

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(core.warnings()).toContainEqual(
      expect.stringMatching(
        /^Canary of version 3 is inconclusive: 7 real request\(s\) reached it during the interval, fewer than canary-min-requests 20\. Promoted anyway/
      )
    )
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '3',
      weights: {}
    })
    expect(summary()).toContain('❔ inconclusive: Lambda Errors + Throttles')
  })

  it('too few real requests, canary-on-inconclusive fail: rolled back', async () => {
    const w = world({ ...SIGNALS, 'canary-on-inconclusive': 'fail' })
    w.cloudwatch.sums.set('Invocations 3', 7)

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /^Canary of version 3 is inconclusive: 7 real request\(s\) reached it during the interval, fewer than canary-min-requests 20\. canary-on-inconclusive is fail\./
    )
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '2',
      weights: {}
    })
    expect(core.outputs()).toMatchObject({ 'rolled-back': 'true' })
  })

  it('a 1m canary with the built-in signals is refused before any change, naming both inputs', async () => {
    const w = world({ ...SIGNALS, 'canary-interval': '1m' })

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      'canary-interval 1m0s is too short for canary-max-error-rate and canary-min-requests: a canary judged by CloudWatch needs at least 5m0s.'
    )
    expect(w.order(...MUTATIONS)).toEqual([])
  })
})
