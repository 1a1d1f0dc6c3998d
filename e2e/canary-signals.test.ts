/**
 * Canaries judged by real traffic, with the bundled action against the local stand-in: the test
 * itself sends requests to the alias (through its HTTP API) during the canary interval, as users
 * would; the new version's answers reach the action through the stand-in's CloudWatch (Lambda's
 * metrics by ExecutedVersion) and CloudWatch Logs (the app's "Request finished" lines in the
 * version's own log streams, written by the test app's runtime), and alarms are moto's, set by
 * the test with SetAlarmState. The stand-in's CloudWatch is told to be quick
 * (LOCAL_AWS_CLOUDWATCH_DELAY_MS / _PERIOD_S): a 10 s canary is then long enough. Needs
 * `scripts/local-aws.sh up`.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  SetAlarmStateCommand
} from '@aws-sdk/client-cloudwatch'
import {
  CreateAliasCommand,
  GetAliasCommand,
  PublishVersionCommand
} from '@aws-sdk/client-lambda'
import {
  awsClients,
  createHttpApi,
  createImageFunction,
  localAwsEnv,
  reset,
  runAction,
  updates
} from '../test/local-aws/fixtures.js'
import {
  appContext,
  deployedDigest,
  errors
} from '../test/local-aws/assertions.js'

jest.setTimeout(300_000)

/** The stand-in's CloudWatch: data read 2 s late, 1 s periods (at least 5 s of canary). */
const QUICK_CLOUDWATCH = {
  LOCAL_AWS_CLOUDWATCH_DELAY_MS: '2000',
  LOCAL_AWS_CLOUDWATCH_PERIOD_S: '1'
}

/** An app whose /health answers 200 and whose /cgi-bin/orders answers 500. */
const ORDERS_DOWN = `#!/bin/busybox sh
printf 'HTTP/1.1 500 Internal Server Error\\r\\nContent-Type: text/plain\\r\\n\\r\\norders are down\\n'
`

beforeEach(async () => {
  localAwsEnv()
  await reset()
})

function cloudwatch(): CloudWatchClient {
  const env = localAwsEnv()
  return new CloudWatchClient({
    region: env.region,
    endpoint: env.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
  })
}

/** Version 1 of the function, alias `live` on it, an HTTP API on the alias. */
async function aliasedFunction(
  name: string
): Promise<{ version: string; apiEndpoint: string; initialDigest: string }> {
  const fn = await createImageFunction({
    functionName: name,
    repositoryName: name,
    architecture: 'x86_64',
    body: 'release 1\n'
  })
  const { lambda } = awsClients()
  const published = await lambda.send(
    new PublishVersionCommand({ FunctionName: name })
  )
  const version = published.Version ?? ''
  await lambda.send(
    new CreateAliasCommand({
      FunctionName: name,
      Name: 'live',
      FunctionVersion: version
    })
  )
  const api = await createHttpApi(`${fn.functionArn}:live`, `${name}-api`)
  return {
    version,
    apiEndpoint: api.apiEndpoint,
    initialDigest: fn.initialDigest
  }
}

async function aliasOf(name: string): Promise<{
  version: string | undefined
  weights: Record<string, number> | undefined
}> {
  const alias = await awsClients().lambda.send(
    new GetAliasCommand({ FunctionName: name, Name: 'live' })
  )
  return {
    version: alias.FunctionVersion,
    weights: alias.RoutingConfig?.AdditionalVersionWeights
  }
}

/** The release the runs deploy: /health 200 for the action's own checks. */
const release2 = (cgi: Record<string, string> = {}): string =>
  appContext({ body: 'release 2\n', files: { health: 'ok\n' }, cgi })

const canaryInputs = (name: string): Record<string, string> => ({
  'function-name': name,
  repository: name,
  alias: 'live',
  'canary-percent': '50',
  'canary-interval': '10s',
  'smoke-path': '/health',
  'smoke-expect-body': 'ok',
  'smoke-timeout': '60s'
})

const SHIFTED = /Alias live: 50% of traffic to version \d+/

describe('canaries judged by real traffic', () => {
  it('a new version that answers real traffic with 500 is rolled back on the 5xx signal of its own log streams', async () => {
    const { version, apiEndpoint } = await aliasedFunction('orders')
    const answers: number[] = []

    const result = await runAction({
      inputs: {
        ...canaryInputs('orders'),
        context: release2({ orders: ORDERS_DOWN }),
        'canary-max-error-rate': '10',
        'canary-min-requests': '5'
      },
      env: QUICK_CLOUDWATCH,
      during: {
        when: SHIFTED,
        // Users' requests through the alias while the canary runs: half
        // reach the new version, which answers them 500.
        run: async () => {
          for (let batch = 0; batch < 6; batch++) {
            const got = await Promise.all(
              Array.from({ length: 5 }, () =>
                fetch(`${apiEndpoint}/cgi-bin/orders`).then(r => {
                  void r.body?.cancel()
                  return r.status
                })
              )
            )
            answers.push(...got)
          }
        }
      }
    })

    // Some of them reached the new version and got its 500.
    expect(answers).toContain(500)
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /Canary of version \d+ failed on real traffic: HTTP 5xx in version \d+'s logs: [1-9]\d* of [1-9]\d* requests answered 5xx/
    )
    // Lambda counted no error: an app's 500 is a successful invocation.
    expect(result.stdout).toMatch(
      /Canary signal Lambda Errors \+ Throttles of version \d+ through live: 0 of [1-9]\d* invocations failed/
    )
    expect(await aliasOf('orders')).toEqual({
      version,
      weights: undefined
    })
    expect(result.outputs).toMatchObject({
      'rolled-back': 'true',
      'serving-version': version
    })
    expect(result.summary).toMatch(
      /\| Canary signals \| .*❌ fail: HTTP 5xx in version \d+'s logs: [1-9]\d* of [1-9]\d* requests answered 5xx/
    )
  })

  it('an alarm the test sets to ALARM during the interval rolls the alias back, naming it', async () => {
    const { version } = await aliasedFunction('cart')
    const cw = cloudwatch()
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'cart-5xx',
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: 'cart' }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold'
      })
    )

    const result = await runAction({
      inputs: {
        ...canaryInputs('cart'),
        context: release2(),
        'canary-alarms': 'cart-5xx'
      },
      env: QUICK_CLOUDWATCH,
      during: {
        when: SHIFTED,
        run: () =>
          cw
            .send(
              new SetAlarmStateCommand({
                AlarmName: 'cart-5xx',
                StateValue: 'ALARM',
                StateReason: 'Threshold Crossed: 3 errors'
              })
            )
            .then(() => undefined)
      }
    })

    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain(
      'canary-alarms: cart-5xx INSUFFICIENT_DATA.'
    )
    expect(errors(result)).toMatch(
      /Canary of version \d+: canary-alarms cart-5xx \(Threshold Crossed: 3 errors\) went to ALARM during the interval\./
    )
    expect(await aliasOf('cart')).toEqual({ version, weights: undefined })
    expect(result.outputs['rolled-back']).toBe('true')
    expect(result.summary).toContain(
      '| Canary signals | ❌ fail: alarm cart-5xx: ALARM: Threshold Crossed: 3 errors |'
    )
  })

  it('an alarm already in ALARM: nothing changes, the run names it', async () => {
    const { version, initialDigest } = await aliasedFunction('till')
    const cw = cloudwatch()
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'till-latency',
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Dimensions: [{ Name: 'FunctionName', Value: 'till' }],
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 2000,
        ComparisonOperator: 'GreaterThanThreshold'
      })
    )
    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: 'till-latency',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed'
      })
    )

    const result = await runAction({
      inputs: {
        ...canaryInputs('till'),
        context: release2(),
        'canary-alarms': 'till-latency'
      },
      env: QUICK_CLOUDWATCH
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toContain(
      'canary-alarms: till-latency (Threshold Crossed) is in ALARM before any change: the canary did not start and nothing was changed.'
    )
    // Not even $LATEST was updated, nor a version published.
    expect(await deployedDigest('till')).toBe(initialDigest)
    expect(await updates('till')).toEqual([])
    expect(await aliasOf('till')).toEqual({ version, weights: undefined })
  })

  const INCONCLUSIVE =
    /Canary of version (\d+) is inconclusive: 0 real request\(s\) reached it during the interval, fewer than canary-min-requests 50\./

  /** A canary nobody sends a request to during its interval. */
  async function quietCanary(onInconclusive: 'promote' | 'fail') {
    const name = `quiet-${onInconclusive}`
    const { version } = await aliasedFunction(name)
    const result = await runAction({
      inputs: {
        ...canaryInputs(name),
        context: release2(),
        'canary-max-error-rate': '1',
        'canary-min-requests': '50',
        'canary-on-inconclusive': onInconclusive
      },
      env: QUICK_CLOUDWATCH
    })
    expect(result.summary).toMatch(
      /❔ inconclusive: Lambda Errors \+ Throttles of version \d+ through live: 0 of 0 invocations failed/
    )
    return { name, version, result }
  }

  it('too little real traffic, canary-on-inconclusive promote: promoted, with a warning saying how many requests were seen', async () => {
    const { name, result } = await quietCanary('promote')

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(
      result.annotations.filter(
        a => a.level === 'warning' && INCONCLUSIVE.test(a.message)
      )
    ).toHaveLength(1)
    expect(await aliasOf(name)).toEqual({
      version: result.outputs['function-version'],
      weights: undefined
    })
  })

  it('too little real traffic, canary-on-inconclusive fail: rolled back', async () => {
    const { name, version, result } = await quietCanary('fail')

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(INCONCLUSIVE)
    expect(errors(result)).toContain('canary-on-inconclusive is fail.')
    expect(await aliasOf(name)).toEqual({ version, weights: undefined })
    expect(result.outputs['rolled-back']).toBe('true')
  })
})
