import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  FunctionVersionsPerCapacityProviderLimitExceededException,
  GetFunctionCommand,
  LambdaClient,
  NoPublishedVersionException,
  PublishVersionCommand,
  ResourceConflictException,
  type FunctionConfiguration,
  type State,
  type StateReasonCode
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import {
  LATEST_PUBLISHED,
  VERSIONS_PER_CAPACITY_PROVIDER,
  activationStep,
  explainManagedInstancesError,
  managedInstancesOf,
  publishToLatestPublished,
  readLatestPublished,
  readPublishedVersion,
  waitForActivation,
  ActivationFailedError,
  ActivationTimeoutError,
  type ActivationStep
} from '../../src/aws/managed-instances.js'
import { cancellableTiming, CancelledError } from '../../src/util/cancel.js'
import { DeployError } from '../../src/util/errors.js'
import { fakeTiming } from '../../__fixtures__/timing.js'
import { DOCKER_V2_DIGEST, FUNCTION_ARN } from '../../__fixtures__/aws.js'

const lambdaMock = mockClient(LambdaClient)
const lambda = new LambdaClient({ region: 'us-east-1' })
const HEX = DOCKER_V2_DIGEST.slice('sha256:'.length)
const CAPACITY_PROVIDER =
  'arn:aws:lambda:us-east-1:123456789012:capacity-provider:web'
const quiet = { log: (): undefined => undefined }

async function deployError(promise: Promise<unknown>): Promise<DeployError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason
  )
  expect(error).toBeInstanceOf(DeployError)
  return error as DeployError
}

beforeEach(() => {
  lambdaMock.reset()
})

describe('managedInstancesOf', () => {
  it('finds the capacity provider of a Managed Instances function', () => {
    expect(
      managedInstancesOf({
        FunctionName: 'api',
        CapacityProviderConfig: {
          LambdaManagedInstancesCapacityProviderConfig: {
            CapacityProviderArn: CAPACITY_PROVIDER,
            PerExecutionEnvironmentMaxConcurrency: 32,
            ExecutionEnvironmentMemoryGiBPerVCpu: 2
          }
        }
      })
    ).toEqual({
      capacityProviderArn: CAPACITY_PROVIDER,
      perExecutionEnvironmentMaxConcurrency: 32,
      executionEnvironmentMemoryGiBPerVCpu: 2
    })
  })

  it.each<[string, FunctionConfiguration | undefined]>([
    ['no configuration', undefined],
    ['a Lambda (default) function', { FunctionName: 'api', State: 'Active' }]
  ])('is undefined for %s', (_, configuration) => {
    expect(managedInstancesOf(configuration)).toBeUndefined()
  })

  it('still says Managed Instances when the config names no ARN', () => {
    expect(
      managedInstancesOf({
        CapacityProviderConfig: {
          LambdaManagedInstancesCapacityProviderConfig: undefined
        }
      })
    ).toEqual({ capacityProviderArn: '' })
  })
})

describe('publishToLatestPublished', () => {
  it('publishes with PublishTo LATEST_PUBLISHED, guarded by the CodeSha256', async () => {
    lambdaMock.on(PublishVersionCommand).resolves({
      FunctionName: 'api',
      FunctionArn: `${FUNCTION_ARN}:$LATEST.PUBLISHED`,
      Version: LATEST_PUBLISHED,
      CodeSha256: HEX,
      State: 'Pending',
      StateReasonCode: 'Creating'
    })
    const v = await publishToLatestPublished(
      lambda,
      'api',
      DOCKER_V2_DIGEST,
      'deploy abc',
      quiet,
      fakeTiming().timing
    )
    expect(
      lambdaMock.commandCalls(PublishVersionCommand)[0]?.args[0].input
    ).toEqual({
      FunctionName: 'api',
      CodeSha256: HEX,
      Description: 'deploy abc',
      PublishTo: 'LATEST_PUBLISHED'
    })
    expect(v).toEqual({
      functionName: 'api',
      version: LATEST_PUBLISHED,
      versionArn: `${FUNCTION_ARN}:$LATEST.PUBLISHED`,
      codeSha256: HEX,
      imageUri: undefined,
      imageDigest: `sha256:${HEX}`,
      state: 'Pending',
      stateReason: undefined,
      stateReasonCode: 'Creating'
    })
  })

  it('retries while an update of $LATEST is in progress', async () => {
    const clock = fakeTiming()
    const messages: string[] = []
    lambdaMock
      .on(PublishVersionCommand)
      .rejectsOnce(
        new ResourceConflictException({
          message: 'An update is in progress',
          $metadata: {}
        })
      )
      .resolves({ Version: LATEST_PUBLISHED, State: 'Pending' })
    const v = await publishToLatestPublished(
      lambda,
      'api',
      HEX,
      'd',
      { log: m => messages.push(m) },
      clock.timing
    )
    expect(v.state).toBe('Pending')
    expect(lambdaMock.commandCalls(PublishVersionCommand)).toHaveLength(2)
    expect(clock.sleeps).toHaveLength(1)
    expect(messages[0]).toMatch(
      /PublishTo LATEST_PUBLISHED.*ResourceConflictException/
    )
  })

  it('explains the 100-versions limit of the capacity provider', async () => {
    lambdaMock.on(PublishVersionCommand).rejects(
      new FunctionVersionsPerCapacityProviderLimitExceededException({
        message: 'Function versions per capacity provider limit exceeded',
        $metadata: {}
      })
    )
    const e = await deployError(
      publishToLatestPublished(
        lambda,
        'api',
        HEX,
        'd',
        quiet,
        fakeTiming().timing
      )
    )
    expect(e.message).toContain('already has 100 function versions')
    expect(e.message).toContain('prune-versions')
    expect(e.message).toContain('Nothing changed what callers get')
    expect(lambdaMock.commandCalls(PublishVersionCommand)).toHaveLength(1)
  })
})

describe('readPublishedVersion', () => {
  it('reads the version by qualifier', async () => {
    lambdaMock
      .on(GetFunctionCommand, {
        FunctionName: 'api',
        Qualifier: LATEST_PUBLISHED
      })
      .resolves({
        Configuration: {
          Version: LATEST_PUBLISHED,
          FunctionArn: `${FUNCTION_ARN}:$LATEST.PUBLISHED`,
          State: 'Failed',
          StateReasonCode: 'InsufficientCapacity',
          StateReason: 'No capacity'
        }
      })
    const v = await readPublishedVersion(lambda, 'api', LATEST_PUBLISHED)
    expect(v.state).toBe('Failed')
    expect(v.stateReasonCode).toBe('InsufficientCapacity')
    expect(v.versionArn).toBe(`${FUNCTION_ARN}:$LATEST.PUBLISHED`)
  })

  it('explains a function with nothing published', async () => {
    lambdaMock.on(GetFunctionCommand).rejects(
      new NoPublishedVersionException({
        message: 'no published version',
        $metadata: {}
      })
    )
    const e = await deployError(
      readPublishedVersion(lambda, 'api', LATEST_PUBLISHED)
    )
    expect(e.message).toContain('has no published version yet')
    expect(e.message).toContain('--publish-to LATEST_PUBLISHED')
  })
})

describe('activationStep (one poll of a published version)', () => {
  const at = (
    state: string | undefined,
    code?: string,
    reason?: string
  ): ActivationStep =>
    activationStep(
      {
        functionName: 'api',
        version: LATEST_PUBLISHED,
        state,
        stateReasonCode: code,
        stateReason: reason
      },
      125_000
    )

  it('ends the wait when the version is Active', () => {
    expect(at('Active')).toEqual({ step: 'done' })
  })

  it('keeps waiting while Pending, with the time waited', () => {
    expect(at('Pending', 'Creating')).toEqual({
      step: 'wait',
      progress:
        'api:$LATEST.PUBLISHED is Pending after 2m5s (Creating): Lambda is starting instances and execution environments on the capacity provider; traffic moves to it only once it is Active.'
    })
  })

  it.each<[string, string | undefined, RegExp]>([
    [
      'Failed',
      'InsufficientCapacity',
      /EC2 has no capacity.*Callers still get the version they had/
    ],
    ['Failed', 'CapacityProviderScalingLimitExceeded', /raise MaxVCpuCount/],
    ['Failed', 'VcpuLimitExceeded', /vCPU quota increase/],
    ['Failed', 'SubnetOutOfIPAddresses', /no free IP addresses/],
    ['Failed', 'ImageAccessDenied', /may not pull the image/],
    ['Failed', 'FunctionError.InitTimeout', /INIT phase crashed or timed out/],
    ['Failed', 'SomethingNew', /reason code SomethingNew/],
    ['Failed', undefined, /Lambda gave no reason/],
    ['Deactivating', undefined, /taking it out of service/],
    ['Deactivated', undefined, /a newer publish replaced it/],
    ['Deleting', undefined, /someone deleted the version or the function/],
    ['Inactive', undefined, /publish it again/],
    ['ActiveNonInvocable', undefined, /cannot be invoked.*\$LATEST/]
  ])('ends the wait on %s (%s) with the reason', (state, code, words) => {
    const step = at(state, code)
    expect(step.step).toBe('failed')
    expect(step.step === 'failed' ? step.reason : '').toMatch(words)
  })

  it("quotes Lambda's own StateReason", () => {
    const step = at(
      'Failed',
      'InsufficientCapacity',
      'No m7g capacity in use1-az4'
    )
    expect(step.step === 'failed' ? step.reason : '').toContain(
      'Lambda says: "No m7g capacity in use1-az4"'
    )
  })

  it('keeps waiting on a state it does not know, saying so', () => {
    const step = at('Warming')
    expect(step.step).toBe('wait')
    expect(step.step === 'wait' ? step.progress : '').toContain(
      'in state Warming, which this action does not know'
    )
  })

  it('keeps waiting while no State is reported', () => {
    expect(at(undefined).step).toBe('wait')
  })
})

describe('explainManagedInstancesError', () => {
  it('is undefined for other errors', () => {
    expect(
      explainManagedInstancesError(
        new ResourceConflictException({ message: 'x', $metadata: {} }),
        'api'
      )
    ).toBeUndefined()
  })

  it('names the limit from the quotas page', () => {
    expect(VERSIONS_PER_CAPACITY_PROVIDER).toBe(100)
  })
})

/** GetFunction of $LATEST.PUBLISHED answers these states, one per poll (the last repeats). */
function statesInTurn(
  ...states: Array<
    Pick<FunctionConfiguration, 'State' | 'StateReasonCode' | 'StateReason'>
  >
): void {
  let call = 0
  lambdaMock.on(GetFunctionCommand).callsFake(() => {
    const c = states[Math.min(call++, states.length - 1)] ?? {}
    return {
      Configuration: {
        Version: LATEST_PUBLISHED,
        FunctionArn: `${FUNCTION_ARN}:$LATEST.PUBLISHED`,
        CodeSha256: HEX,
        ...c
      }
    }
  })
}

describe('waitForActivation (issue 24)', () => {
  it('polls every 2 s until Active, with progress lines while Pending', async () => {
    const clock = fakeTiming()
    const messages: string[] = []
    statesInTurn(
      { State: 'Pending', StateReasonCode: 'Creating' },
      { State: 'Pending', StateReasonCode: 'Creating' },
      { State: 'Pending', StateReasonCode: 'Creating' },
      { State: 'Active' }
    )
    const result = await waitForActivation(
      lambda,
      'api',
      LATEST_PUBLISHED,
      { timeoutMs: 60_000, log: m => messages.push(m), progressEveryMs: 3000 },
      clock.timing
    )
    expect(result.polls).toBe(4)
    expect(result.version.state).toBe('Active')
    // The action notices Active within one poll interval.
    expect(clock.sleeps).toEqual([2000, 2000, 2000])
    expect(messages).toEqual([
      expect.stringContaining(
        'api:$LATEST.PUBLISHED is Pending after 0ms (Creating)'
      ),
      expect.stringContaining('is Pending after 4.0s')
    ])
  })

  it.each<[string, string | undefined, RegExp]>([
    [
      'Failed',
      'InsufficientCapacity',
      /failed to activate: reason code InsufficientCapacity; EC2 has no capacity/
    ],
    ['Failed', 'CapacityProviderScalingLimitExceeded', /raise MaxVCpuCount/],
    ['Deactivating', undefined, /is Deactivating/],
    ['Deactivated', undefined, /is Deactivated/],
    ['Deleting', undefined, /is being deleted/],
    [
      'ActiveNonInvocable',
      undefined,
      /ActiveNonInvocable: it cannot be invoked/
    ]
  ])(
    'ends the wait on %s (%s) with the reason',
    async (state, code, reason) => {
      statesInTurn(
        { State: 'Pending' },
        {
          State: state as State,
          ...(code !== undefined && {
            StateReasonCode: code as StateReasonCode
          })
        }
      )
      const error = await waitForActivation(
        lambda,
        'api',
        LATEST_PUBLISHED,
        { timeoutMs: 60_000, log: () => undefined },
        fakeTiming().timing
      ).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ActivationFailedError)
      expect((error as Error).message).toMatch(reason)
    }
  )

  it('honours the wait limit, saying Lambda goes on activating', async () => {
    const clock = fakeTiming()
    statesInTurn({ State: 'Pending' })
    const error = await waitForActivation(
      lambda,
      'api',
      LATEST_PUBLISHED,
      { timeoutMs: 9000, log: () => undefined },
      clock.timing
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ActivationTimeoutError)
    expect((error as Error).message).toContain(
      'api:$LATEST.PUBLISHED is still Pending after 9.0s'
    )
    expect(clock.timing.now()).toBe(9000)
  })

  it('ends at once when the run is cancelled', async () => {
    const abort = new AbortController()
    let polls = 0
    lambdaMock.on(GetFunctionCommand).callsFake(() => {
      if (++polls === 1) abort.abort('SIGINT')
      return { Configuration: { State: 'Pending' } }
    })
    const timing = cancellableTiming(
      {
        sleep: () => new Promise(() => undefined),
        now: () => 0,
        random: () => 0.5
      },
      abort.signal
    )
    const error = await waitForActivation(
      lambda,
      'api',
      '7',
      { timeoutMs: 900_000, log: () => undefined, pollMs: 1 },
      timing
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CancelledError)
    expect(polls).toBe(1)
  })
})

describe('readLatestPublished', () => {
  it('is undefined when nothing was ever published', async () => {
    lambdaMock.on(GetFunctionCommand).rejects(
      Object.assign(new Error('Function not found: api:$LATEST.PUBLISHED'), {
        name: 'ResourceNotFoundException'
      })
    )
    expect(await readLatestPublished(lambda, 'api')).toBeUndefined()
  })

  it('reads the image callers get', async () => {
    lambdaMock.on(GetFunctionCommand).resolves({
      Configuration: { State: 'Active', CodeSha256: HEX },
      Code: {
        ResolvedImageUri: `repo@${DOCKER_V2_DIGEST}`,
        ImageUri: 'repo:v1'
      }
    })
    expect(await readLatestPublished(lambda, 'api')).toMatchObject({
      state: 'Active',
      imageDigest: DOCKER_V2_DIGEST,
      imageUri: `repo@${DOCKER_V2_DIGEST}`
    })
  })
})
