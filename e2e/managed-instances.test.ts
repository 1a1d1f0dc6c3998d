/**
 * Lambda Managed Instances (issue 24, first slice): the action must never
 * report a release no caller gets. Such a function's unqualified invokes and
 * Function URL run $LATEST.PUBLISHED, which UpdateFunctionCode alone does
 * not change; until the action releases by publishing, it refuses these
 * functions before anything changes. On the stand-in's Managed Instances
 * model (test/local-aws/gateway/managed-instances.ts).
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  PublishVersionCommand,
  waitUntilPublishedVersionActive
} from '@aws-sdk/client-lambda'

import {
  awsClients,
  calls,
  createImageFunction,
  localAwsEnv,
  reset,
  runAction
} from '../test/local-aws/fixtures.js'
import { appContext, errors, httpGet } from '../test/local-aws/assertions.js'

jest.setTimeout(240_000)

const CAPACITY_PROVIDER =
  'arn:aws:lambda:us-east-1:123456789012:capacity-provider:web-tier'

async function markManaged(name: string): Promise<void> {
  const res = await fetch(
    `${localAwsEnv().control}/functions/${name}/managed-instances`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        capacityProviderArn: CAPACITY_PROVIDER,
        activationMs: 500
      })
    }
  )
  if (!res.ok)
    throw new Error(`mark managed: ${res.status} ${await res.text()}`)
}

beforeEach(async () => {
  localAwsEnv()
  await reset()
})

describe('a Lambda Managed Instances function', () => {
  it('is refused before anything changes, naming its capacity provider and the way to release it; callers keep the release they had', async () => {
    const fn = await createImageFunction({
      functionName: 'managed-web',
      repositoryName: 'managed-web',
      architecture: 'x86_64',
      functionUrl: true,
      body: 'release 1\n'
    })
    await markManaged('managed-web')
    const { lambda } = awsClients()
    await lambda.send(
      new PublishVersionCommand({
        FunctionName: 'managed-web',
        PublishTo: 'LATEST_PUBLISHED'
      })
    )
    await waitUntilPublishedVersionActive(
      { client: lambda, maxWaitTime: 60 },
      { FunctionName: 'managed-web', Qualifier: '$LATEST.PUBLISHED' }
    )
    expect(await httpGet(fn.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 1\n'
    })
    const before = Date.now()

    const result = await runAction({
      inputs: {
        'function-name': 'managed-web',
        repository: 'managed-web',
        context: appContext({ body: 'release 2\n' })
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toContain(
      `Function managed-web runs on Lambda Managed Instances (capacity provider ${CAPACITY_PROVIDER}): its callers get $LATEST.PUBLISHED`
    )
    expect(errors(result)).toContain('nothing was changed')
    expect(result.jobSummary).toContain('Lambda Managed Instances')
    // Nothing was built, pushed, updated or published.
    const changes = (await calls())
      .filter(c => c.at >= before)
      .map(c => c.operation)
      .filter(op =>
        /UpdateFunctionCode|PublishVersion|UpdateAlias|CreateAlias|PUT manifest/.test(
          op
        )
      )
    expect(changes).toEqual([])
    // What callers get is what they had.
    expect(await httpGet(fn.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 1\n'
    })
  })
})
