/**
 * Tests OF THE LOCAL AWS STAND-IN's Lambda metrics (test/local-aws/gateway/metrics.ts): every
 * invocation publishes AWS/Lambda Invocations, Errors and Duration to CloudWatch under the
 * dimensions Lambda uses, so a canary can be judged by what real traffic did to each version of a
 * weighted alias. Needs the stand-in running (scripts/local-aws.sh up).
 */
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { beforeAll, describe, expect, it } from '@jest/globals'
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type Dimension
} from '@aws-sdk/client-cloudwatch'

import {
  buildAndPush,
  createAlias,
  createImageFunction,
  httpApiEvent,
  invoke,
  localAwsEnv,
  publishVersion,
  reset,
  updateCode
} from '../test/local-aws/fixtures.js'
import { makeAppContext, type AppOptions } from '../test/local-aws/images.js'

const env = localAwsEnv()
const T = 180_000

const cloudwatch = new CloudWatchClient({
  region: env.region,
  endpoint: env.endpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
})

function ctx(opts: AppOptions): string {
  return makeAppContext(
    mkdtempSync(path.join(os.tmpdir(), 'local-aws-metrics-')),
    opts
  )
}

const since = Date.now() - 60_000

/** Sum of one AWS/Lambda metric under exactly these dimensions. */
async function sum(
  metric: string,
  dims: Record<string, string>
): Promise<number> {
  const Dimensions: Dimension[] = Object.entries(dims).map(([Name, Value]) => ({
    Name,
    Value
  }))
  const out = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/Lambda',
      MetricName: metric,
      Dimensions,
      StartTime: new Date(since),
      EndTime: new Date(Date.now() + 60_000),
      Period: 3600,
      Statistics: ['Sum']
    })
  )
  return (out.Datapoints ?? []).reduce((a, p) => a + (p.Sum ?? 0), 0)
}

/** Metrics are sent after END/REPORT: wait until `metric` reaches `expected`. */
async function eventually(
  metric: string,
  dims: Record<string, string>,
  expected: number
): Promise<number> {
  let last = -1
  for (let i = 0; i < 50; i++) {
    last = await sum(metric, dims)
    if (last >= expected) return last
    await new Promise(r => setTimeout(r, 200))
  }
  return last
}

beforeAll(async () => {
  await reset()
}, T)

describe('Lambda metrics of invocations', () => {
  it(
    'counts each version of a weighted alias under ExecutedVersion; an app 500 is no Error, an exception is',
    async () => {
      await createImageFunction({
        functionName: 'metered',
        repositoryName: 'metered',
        architecture: 'x86_64',
        contextDir: ctx({ body: 'one' })
      })
      expect((await publishVersion('metered')).version).toBe('1')
      const two = await buildAndPush({
        repositoryName: 'metered',
        tag: 'two',
        architecture: 'x86_64',
        contextDir: ctx({ status: 500, body: 'broken' })
      })
      await updateCode('metered', two.imageUri)
      expect((await publishVersion('metered')).version).toBe('2')
      await createAlias('metered', 'live', '1', { '2': 0.5 })

      const executed: Record<string, number> = {}
      for (let i = 0; i < 20; i++) {
        const r = await invoke('metered', 'live', httpApiEvent(), {
          tail: false
        })
        expect(r.functionError).toBeUndefined()
        const v = r.executedVersion ?? '?'
        executed[v] = (executed[v] ?? 0) + 1
      }
      // An event the app cannot read: a function error, counted in Errors.
      const failed = await invoke('metered', 'live', 'not json', {
        tail: false
      })
      expect(failed.functionError).toBe('Unhandled')
      const failedVersion = failed.executedVersion ?? '?'
      executed[failedVersion] = (executed[failedVersion] ?? 0) + 1

      const live = { FunctionName: 'metered', Resource: 'metered:live' }
      for (const version of ['1', '2']) {
        const dims = { ...live, ExecutedVersion: version }
        expect(
          await eventually('Invocations', dims, executed[version] ?? 0)
        ).toBe(executed[version] ?? 0)
        expect(await sum('Errors', dims)).toBe(
          version === failedVersion ? 1 : 0
        )
      }
      // The alias as a whole, and the function as a whole.
      expect(await eventually('Invocations', live, 21)).toBe(21)
      expect(await sum('Errors', live)).toBe(1)
      expect(
        await eventually('Invocations', { FunctionName: 'metered' }, 21)
      ).toBe(21)
      expect(await sum('Duration', live)).toBeGreaterThan(0)

      // GetMetricData, one query per version, as a canary reads them.
      const data = await cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(since),
          EndTime: new Date(Date.now() + 60_000),
          MetricDataQueries: ['1', '2'].map(version => ({
            Id: `v${version}`,
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'Invocations',
                Dimensions: [
                  { Name: 'FunctionName', Value: 'metered' },
                  { Name: 'Resource', Value: 'metered:live' },
                  { Name: 'ExecutedVersion', Value: version }
                ]
              },
              Period: 3600,
              Stat: 'Sum'
            }
          }))
        })
      )
      expect(
        (data.MetricDataResults ?? []).map(r => [
          r.Id,
          (r.Values ?? []).reduce((a, v) => a + v, 0),
          r.StatusCode
        ])
      ).toEqual([
        ['v1', executed['1'] ?? 0, 'Complete'],
        ['v2', executed['2'] ?? 0, 'Complete']
      ])
    },
    T
  )

  it(
    'counts a version invoked by number under Resource, and an unqualified call only under FunctionName',
    async () => {
      await createImageFunction({
        functionName: 'metered-plain',
        repositoryName: 'metered-plain',
        architecture: 'x86_64',
        contextDir: ctx({ body: 'one' })
      })
      expect((await publishVersion('metered-plain')).version).toBe('1')
      await invoke('metered-plain', '1', httpApiEvent(), { tail: false })
      await invoke('metered-plain', undefined, httpApiEvent(), { tail: false })
      await invoke('metered-plain', undefined, httpApiEvent(), { tail: false })

      expect(
        await eventually('Invocations', { FunctionName: 'metered-plain' }, 3)
      ).toBe(3)
      expect(
        await sum('Invocations', {
          FunctionName: 'metered-plain',
          Resource: 'metered-plain:1'
        })
      ).toBe(1)
      expect(
        await sum('Invocations', {
          FunctionName: 'metered-plain',
          Resource: 'metered-plain:1',
          ExecutedVersion: '1'
        })
      ).toBe(0)
    },
    T
  )

  it(
    'starts a new alarm in INSUFFICIENT_DATA as AWS does (moto: OK), and keeps a state set by SetAlarmState',
    async () => {
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: 'metered-live-errors',
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [
            { Name: 'FunctionName', Value: 'metered' },
            { Name: 'Resource', Value: 'metered:live' }
          ],
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold'
        })
      )
      const state = async (): Promise<string | undefined> =>
        (
          await cloudwatch.send(
            new DescribeAlarmsCommand({ AlarmNames: ['metered-live-errors'] })
          )
        ).MetricAlarms?.[0]?.StateValue
      expect(await state()).toBe('INSUFFICIENT_DATA')
      await cloudwatch.send(
        new SetAlarmStateCommand({
          AlarmName: 'metered-live-errors',
          StateValue: 'ALARM',
          StateReason: 'test'
        })
      )
      expect(await state()).toBe('ALARM')
    },
    T
  )
})
