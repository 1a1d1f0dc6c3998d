import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  GetFunctionCommand,
  InvalidParameterValueException,
  LambdaClient,
  ResourceConflictException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateFunctionCodeCommand,
  type FunctionConfiguration,
  type GetFunctionResponse
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { DeployError } from '../../src/util/errors.js'
import {
  checkDeployable,
  checkDeployedDigest,
  digestFromCodeSha256,
  digestFromImageUri,
  getFunctionState,
  type FunctionState
} from '../../src/aws/lambda.js'
import {
  deployImage,
  updateFunctionCode,
  waitForUpdate
} from '../../src/aws/lambda-update.js'
import { callBudget, type CallBudget } from '../../src/util/budget.js'
import { POLLS_PER_SECOND } from '../../src/main.js'
import { fakeTiming } from '../../__fixtures__/timing.js'
import {
  busiestSecond,
  virtualClock
} from '../../__fixtures__/virtual-clock.js'
import type { Timing } from '../../src/util/time.js'
import {
  DOCKER_V2_DIGEST,
  FUNCTION_ARN,
  FUNCTION_NAME,
  GET_FUNCTION_ARM64_IMAGE,
  GET_FUNCTION_X86_64_IMAGE,
  GET_FUNCTION_ZIP,
  PREVIOUS_DIGEST,
  REPOSITORY_URI,
  getFunctionRunning
} from '../../__fixtures__/aws.js'

const lambdaMock = mockClient(LambdaClient)
const lambda = new LambdaClient({ region: 'us-east-1' })

const HEX = DOCKER_V2_DIGEST.slice('sha256:'.length)
const IMAGE_BY_DIGEST = `${REPOSITORY_URI}@${DOCKER_V2_DIGEST}`

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name })
}

const conflict = (): ResourceConflictException =>
  new ResourceConflictException({
    message: `The operation cannot be performed at this time. An update is in progress for resource: ${FUNCTION_ARN}`,
    $metadata: {}
  })

const throttled = (): TooManyRequestsException =>
  new TooManyRequestsException({
    message: 'Rate exceeded',
    Reason: 'CallerRateLimitExceeded',
    $metadata: {}
  })

/** A function's configuration mid-deploy (UpdateFunctionCode answers one). */
function configuration(
  overrides: Partial<FunctionConfiguration>
): FunctionConfiguration {
  return { ...GET_FUNCTION_X86_64_IMAGE.Configuration, ...overrides }
}

const IN_PROGRESS = configuration({
  State: 'Active',
  LastUpdateStatus: 'InProgress'
})
const SUCCESSFUL = configuration({
  State: 'Active',
  LastUpdateStatus: 'Successful'
})

/**
 * A poll's answer: GetFunction with this configuration, and the image the
 * function runs (by default the one before the deploy, PREVIOUS_DIGEST).
 */
function polled(
  config: FunctionConfiguration,
  code: GetFunctionResponse['Code'] = GET_FUNCTION_X86_64_IMAGE.Code
): GetFunctionResponse {
  return { Configuration: config, Code: code }
}

/**
 * A poll's answer once UpdateFunctionCode took `digest`: Lambda reports the
 * new image at once, while the update is still InProgress.
 */
function polledRunning(
  config: FunctionConfiguration,
  digest: string = DOCKER_V2_DIGEST
): GetFunctionResponse {
  const running = getFunctionRunning(digest)
  return {
    Configuration: { ...config, CodeSha256: running.Configuration?.CodeSha256 },
    Code: running.Code
  }
}

/** The rejection of `promise`, which must reject with a DeployError. */
async function deployError(promise: Promise<unknown>): Promise<DeployError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason
  )
  expect(error).toBeInstanceOf(DeployError)
  return error as DeployError
}

function logger(): { log: (message: string) => void; messages: string[] } {
  const messages: string[] = []
  return { log: message => messages.push(message), messages }
}

beforeEach(() => {
  lambdaMock.reset()
})

/** deployImage of IMAGE_BY_DIGEST to FUNCTION_ARN, quietly, within a minute. */
function deployDigest(timing: Timing): ReturnType<typeof deployImage> {
  return deployImage(
    lambda,
    FUNCTION_ARN,
    IMAGE_BY_DIGEST,
    DOCKER_V2_DIGEST,
    { waitTimeoutMs: 60_000, log: () => undefined },
    timing
  )
}

describe('digestFromImageUri', () => {
  it.each([
    [`${REPOSITORY_URI}@${DOCKER_V2_DIGEST}`, DOCKER_V2_DIGEST],
    // moto reports ResolvedImageUri as repo@sha256@sha256:<hex>.
    [`${REPOSITORY_URI}@sha256@${DOCKER_V2_DIGEST}`, DOCKER_V2_DIGEST],
    [`${REPOSITORY_URI}:v1`, undefined],
    [`${REPOSITORY_URI}@sha256:${HEX.slice(1)}`, undefined],
    [`${REPOSITORY_URI}@sha256:${HEX.toUpperCase()}`, undefined],
    [`${REPOSITORY_URI}@sha256:${HEX}-extra`, undefined],
    [undefined, undefined]
  ])('%p → %p', (uri, digest) => {
    expect(digestFromImageUri(uri)).toBe(digest)
  })
})

describe('digestFromCodeSha256', () => {
  it.each([
    [HEX, DOCKER_V2_DIGEST],
    [DOCKER_V2_DIGEST, DOCKER_V2_DIGEST],
    // A Zip function's CodeSha256 is the base64 hash of the archive.
    [GET_FUNCTION_ZIP.Configuration?.CodeSha256, undefined],
    ['', undefined],
    [undefined, undefined]
  ])('%p → %p', (codeSha256, digest) => {
    expect(digestFromCodeSha256(codeSha256)).toBe(digest)
  })
})

describe('getFunctionState', () => {
  it('reports an x86_64 image function and the image it runs, by digest', async () => {
    lambdaMock.on(GetFunctionCommand).resolves(GET_FUNCTION_X86_64_IMAGE)
    await expect(getFunctionState(lambda, FUNCTION_NAME)).resolves.toEqual({
      functionName: FUNCTION_NAME,
      functionArn: FUNCTION_ARN,
      packageType: 'Image',
      architecture: 'x86_64',
      state: 'Active',
      lastUpdateStatus: 'Successful',
      // Deployed as :previous; the digest pins what actually runs.
      imageUri: `${REPOSITORY_URI}@${PREVIOUS_DIGEST}`,
      imageDigest: PREVIOUS_DIGEST,
      // What the configuration inputs are compared with (and an undo restores).
      config: {
        environment: {},
        memorySize: 1024,
        timeout: 30,
        ephemeralStorage: 512,
        imageConfig: {},
        description: ''
      },
      // What the local run runs the image with.
      memorySize: 1024,
      timeoutSeconds: 30
    } satisfies FunctionState)
    const [call] = lambdaMock.commandCalls(GetFunctionCommand)
    expect(call?.args[0].input).toEqual({ FunctionName: FUNCTION_NAME })
  })

  // The values stay only in `config`, the snapshot a configuration undo
  // restores (issue 27; never printed). The local run takes the names, and
  // gives each a placeholder (stages/local-run.ts).
  it('keeps the names of the environment variables for the local run, the values only in the undo snapshot', async () => {
    lambdaMock.on(GetFunctionCommand).resolves({
      ...GET_FUNCTION_X86_64_IMAGE,
      Configuration: {
        ...GET_FUNCTION_X86_64_IMAGE.Configuration,
        Environment: {
          Variables: { DB_PASSWORD: 'hunter2-secret', STAGE: 'prod' }
        }
      }
    })
    const fn = await getFunctionState(lambda, FUNCTION_NAME)
    expect(fn.environmentNames).toEqual(['DB_PASSWORD', 'STAGE'])
    const { config, ...rest } = fn
    expect(JSON.stringify(rest)).not.toContain('hunter2-secret')
    expect(config?.environment).toEqual({
      DB_PASSWORD: 'hunter2-secret',
      STAGE: 'prod'
    })
  })

  it('reports the capacity provider of a Lambda Managed Instances function', async () => {
    const provider =
      'arn:aws:lambda:us-east-1:123456789012:capacity-provider:web-tier'
    lambdaMock.on(GetFunctionCommand).resolves({
      ...GET_FUNCTION_X86_64_IMAGE,
      Configuration: {
        ...GET_FUNCTION_X86_64_IMAGE.Configuration,
        CapacityProviderConfig: {
          LambdaManagedInstancesCapacityProviderConfig: {
            CapacityProviderArn: provider
          }
        }
      }
    })
    const fn = await getFunctionState(lambda, FUNCTION_NAME)
    expect(fn.capacityProviderArn).toBe(provider)
  })

  it('reports an arm64 function as arm64', async () => {
    lambdaMock.on(GetFunctionCommand).resolves(GET_FUNCTION_ARM64_IMAGE)
    const fn = await getFunctionState(lambda, FUNCTION_NAME)
    expect(fn.architecture).toBe('arm64')
  })

  it('falls back to CodeSha256 when Lambda gives no resolved image', async () => {
    lambdaMock.on(GetFunctionCommand).resolves({
      Configuration: GET_FUNCTION_X86_64_IMAGE.Configuration,
      Code: { RepositoryType: 'ECR', ImageUri: `${REPOSITORY_URI}:previous` }
    })
    const fn = await getFunctionState(lambda, FUNCTION_NAME)
    expect(fn.imageDigest).toBe(PREVIOUS_DIGEST)
    expect(fn.imageUri).toBe(`${REPOSITORY_URI}@${PREVIOUS_DIGEST}`)
  })

  it('reads the digest from moto’s resolved image URI', async () => {
    lambdaMock.on(GetFunctionCommand).resolves({
      Configuration: {
        ...GET_FUNCTION_X86_64_IMAGE.Configuration,
        CodeSha256: 'not-a-digest'
      },
      Code: {
        ImageUri: `${REPOSITORY_URI}@${DOCKER_V2_DIGEST}`,
        ResolvedImageUri: `${REPOSITORY_URI}@sha256@${DOCKER_V2_DIGEST}`
      }
    })
    const fn = await getFunctionState(lambda, FUNCTION_NAME)
    expect(fn.imageDigest).toBe(DOCKER_V2_DIGEST)
    expect(fn.imageUri).toBe(IMAGE_BY_DIGEST)
  })

  it('keeps the tag when no digest is known', async () => {
    lambdaMock.on(GetFunctionCommand).resolves({
      Configuration: {
        ...GET_FUNCTION_X86_64_IMAGE.Configuration,
        CodeSha256: undefined
      },
      Code: { ImageUri: `${REPOSITORY_URI}:previous` }
    })
    const fn = await getFunctionState(lambda, FUNCTION_NAME)
    expect(fn.imageDigest).toBeUndefined()
    expect(fn.imageUri).toBe(`${REPOSITORY_URI}:previous`)
  })

  it('reports a Zip function with no image', async () => {
    lambdaMock.on(GetFunctionCommand).resolves(GET_FUNCTION_ZIP)
    const fn = await getFunctionState(lambda, 'my-zip-api')
    expect(fn.packageType).toBe('Zip')
    expect(fn.imageUri).toBeUndefined()
    expect(fn.imageDigest).toBeUndefined()
  })

  it('explains a function that does not exist', async () => {
    lambdaMock.on(GetFunctionCommand).rejects(
      new ResourceNotFoundException({
        message: `Function not found: ${FUNCTION_ARN}`,
        $metadata: {}
      })
    )
    const error = await deployError(getFunctionState(lambda, FUNCTION_NAME))
    expect(error.message).toBe(
      `Lambda function ${FUNCTION_NAME} does not exist in this account and region. ` +
        'Create it first (package type Image), give role (its execution role) to have this action create it, or fix function-name / aws-region.'
    )
  })

  it('names the missing permission when access is denied', async () => {
    lambdaMock
      .on(GetFunctionCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'not authorized to perform: lambda:GetFunction'
        )
      )
    const error = await deployError(getFunctionState(lambda, FUNCTION_NAME))
    expect(error.message).toContain('Allow "lambda:GetFunction"')
  })
})

describe('checkDeployable', () => {
  const state = (packageType: string): FunctionState => ({
    functionName: FUNCTION_NAME,
    functionArn: FUNCTION_ARN,
    packageType,
    architecture: 'x86_64',
    state: 'Active',
    lastUpdateStatus: 'Successful',
    imageUri: undefined,
    imageDigest: undefined
  })

  it('accepts an Image function', () => {
    expect(() => checkDeployable(state('Image'))).not.toThrow()
  })

  it('refuses a Zip function and says the package type cannot change', () => {
    expect(() => checkDeployable(state('Zip'))).toThrow(
      /package type Zip; this action deploys container images.*cannot change a function's package type/
    )
  })

  it('accepts a Lambda Managed Instances function: its release goes through a publish (issue 24)', () => {
    const managed = {
      ...state('Image'),
      capacityProviderArn:
        'arn:aws:lambda:us-east-1:123456789012:capacity-provider:web-tier'
    }
    expect(() => checkDeployable(managed)).not.toThrow()
  })
})

describe('waitForUpdate', () => {
  /** waitForUpdate with a minute to spare and no log: the common case here. */
  const waitQuietly = (timing: Timing): ReturnType<typeof waitForUpdate> =>
    waitForUpdate(
      lambda,
      FUNCTION_ARN,
      { timeoutMs: 60_000, log: () => undefined },
      timing
    )

  it('polls every 500ms until the update is Successful', async () => {
    const { timing, sleeps } = fakeTiming({ start: 1_000_000 })
    const callTimes: number[] = []
    const answers = [IN_PROGRESS, IN_PROGRESS, IN_PROGRESS, SUCCESSFUL].map(
      config => polled(config)
    )
    lambdaMock.on(GetFunctionCommand).callsFake(() => {
      callTimes.push(timing.now())
      return answers[callTimes.length - 1]
    })
    const { log } = logger()
    const outcome = await waitForUpdate(
      lambda,
      FUNCTION_ARN,
      { timeoutMs: 60_000, log },
      timing
    )
    expect(outcome.status).toBe('Successful')
    expect(outcome.polls).toBe(4)
    expect(outcome.configuration).toEqual(SUCCESSFUL)
    // The last answer, read as getFunctionState reads one.
    expect(outcome.observed).toMatchObject({
      functionName: FUNCTION_NAME,
      functionArn: FUNCTION_ARN,
      state: 'Active',
      lastUpdateStatus: 'Successful',
      imageUri: `${REPOSITORY_URI}@${PREVIOUS_DIGEST}`,
      imageDigest: PREVIOUS_DIGEST
    })
    expect(sleeps).toEqual([500, 500, 500])
    expect(callTimes).toEqual([1_000_000, 1_000_500, 1_001_000, 1_001_500])
    const [call] = lambdaMock.commandCalls(GetFunctionCommand)
    expect(call?.args[0].input).toEqual({ FunctionName: FUNCTION_ARN })
  })

  it('never polls more than twice in a simulated second', async () => {
    const { timing } = fakeTiming()
    const callTimes: number[] = []
    lambdaMock.on(GetFunctionCommand).callsFake(() => {
      callTimes.push(timing.now())
      return polled(callTimes.length < 40 ? IN_PROGRESS : SUCCESSFUL)
    })
    await waitQuietly(timing)
    expect(callTimes).toHaveLength(40)
    const busiestSecond = Math.max(
      ...callTimes.map(
        start => callTimes.filter(t => t >= start && t < start + 1000).length
      )
    )
    expect(busiestSecond).toBe(2)
  })

  it('returns at once when no update is running', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock.on(GetFunctionCommand).resolves(polled(SUCCESSFUL))
    const outcome = await waitQuietly(timing)
    expect(outcome).toMatchObject({ status: 'Successful', polls: 1 })
    expect(sleeps).toEqual([])
  })

  it('reports a Failed update with AWS’s reason and code', async () => {
    const { timing } = fakeTiming()
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(polled(IN_PROGRESS))
      .resolves(
        polled(
          configuration({
            State: 'Active',
            LastUpdateStatus: 'Failed',
            LastUpdateStatusReason:
              'Lambda does not have permission to access the ECR image. Check the ECR permissions.',
            LastUpdateStatusReasonCode: 'ImageAccessDenied'
          })
        )
      )
    const outcome = await waitQuietly(timing)
    expect(outcome).toMatchObject({
      status: 'Failed',
      reason:
        'Lambda does not have permission to access the ECR image. Check the ECR permissions.',
      reasonCode: 'ImageAccessDenied',
      polls: 2
    })
  })

  it('reports a function in State Failed with the state reason', async () => {
    const { timing } = fakeTiming()
    lambdaMock.on(GetFunctionCommand).resolves(
      polled(
        configuration({
          State: 'Failed',
          StateReason:
            'The image manifest, config or layer media type for the source image is not supported.',
          StateReasonCode: 'InvalidImage',
          LastUpdateStatus: 'Successful'
        })
      )
    )
    const outcome = await waitQuietly(timing)
    expect(outcome).toMatchObject({
      status: 'Failed',
      reason:
        'The image manifest, config or layer media type for the source image is not supported.',
      reasonCode: 'InvalidImage'
    })
  })

  it('keeps waiting while a Failed state is being replaced by an update', async () => {
    const { timing } = fakeTiming()
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(
        polled(
          configuration({ State: 'Failed', LastUpdateStatus: 'InProgress' })
        )
      )
      .resolves(polled(SUCCESSFUL))
    const outcome = await waitQuietly(timing)
    expect(outcome).toMatchObject({ status: 'Successful', polls: 2 })
  })

  it('waits for a Pending function to become Active', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(
        polled(
          configuration({
            State: 'Pending',
            LastUpdateStatus: undefined,
            StateReasonCode: 'Creating'
          })
        )
      )
      .resolvesOnce(
        polled(
          configuration({ State: 'Pending', LastUpdateStatus: 'Successful' })
        )
      )
      .resolves(
        polled(
          configuration({ State: 'Active', LastUpdateStatus: 'Successful' })
        )
      )
    const outcome = await waitQuietly(timing)
    expect(outcome).toMatchObject({ status: 'Successful', polls: 3 })
    expect(sleeps).toEqual([500, 500])
  })

  it('gives up at wait-timeout and says what it last saw', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock.on(GetFunctionCommand).resolves(polled(IN_PROGRESS))
    const error = await deployError(
      waitForUpdate(
        lambda,
        FUNCTION_ARN,
        { timeoutMs: 1_200, log: () => undefined },
        timing
      )
    )
    expect(error.message).toBe(
      `Function ${FUNCTION_ARN} is still updating after 1.2s (State Active, LastUpdateStatus InProgress). ` +
        'Raise wait-timeout, or look at the function in the Lambda console; the update may still finish.'
    )
    // The last sleep is shortened so the final poll happens at the deadline.
    expect(sleeps).toEqual([500, 500, 200])
    expect(timing.now()).toBe(1_200)
    expect(lambdaMock.commandCalls(GetFunctionCommand)).toHaveLength(4)
  })

  it('slows down when throttled, doubling the interval up to the cap, and resets after', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock
      .on(GetFunctionCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolvesOnce(polled(IN_PROGRESS))
      .resolves(polled(SUCCESSFUL))
    const { log, messages } = logger()
    const outcome = await waitForUpdate(
      lambda,
      FUNCTION_ARN,
      { timeoutMs: 60_000, log },
      timing
    )
    expect(outcome).toMatchObject({ status: 'Successful', polls: 7 })
    expect(sleeps).toEqual([1000, 2000, 4000, 5000, 5000, 500])
    expect(messages).toHaveLength(5)
    expect(messages[0]).toBe(
      'Throttled while polling (Rate exceeded); next poll in 1000ms.'
    )
  })

  it('honours custom poll and cap intervals', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock
      .on(GetFunctionCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolvesOnce(polled(IN_PROGRESS))
      .resolves(polled(SUCCESSFUL))
    await waitForUpdate(
      lambda,
      FUNCTION_ARN,
      { timeoutMs: 60_000, pollMs: 250, maxPollMs: 800, log: () => undefined },
      timing
    )
    expect(sleeps).toEqual([500, 800, 250])
  })

  it('still times out when every poll is throttled', async () => {
    const { timing } = fakeTiming()
    lambdaMock.on(GetFunctionCommand).rejects(throttled())
    const error = await deployError(
      waitForUpdate(
        lambda,
        FUNCTION_ARN,
        { timeoutMs: 10_000, log: () => undefined },
        timing
      )
    )
    expect(error.message).toContain('still updating after 10.0s (unknown)')
    expect(timing.now()).toBe(10_000)
  })

  it('names lambda:GetFunction when access is denied', async () => {
    const { timing } = fakeTiming()
    lambdaMock
      .on(GetFunctionCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/deploy/gha is not authorized to perform: lambda:GetFunction'
        )
      )
    const error = await deployError(waitQuietly(timing))
    expect(error.message).toMatch(
      /^lambda:GetFunction was denied \(AccessDeniedException\).*Allow "lambda:GetFunction"/
    )
    expect(lambdaMock.commandCalls(GetFunctionCommand)).toHaveLength(1)
  })
})

describe('updateFunctionCode', () => {
  it('sends the image by digest and returns Lambda’s answer', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock.on(UpdateFunctionCodeCommand).resolves(IN_PROGRESS)
    const result = await updateFunctionCode(
      lambda,
      FUNCTION_ARN,
      IMAGE_BY_DIGEST,
      { log: () => undefined },
      timing
    )
    expect(result?.LastUpdateStatus).toBe('InProgress')
    const [call] = lambdaMock.commandCalls(UpdateFunctionCodeCommand)
    expect(call?.args[0].input).toEqual({
      FunctionName: FUNCTION_ARN,
      ImageUri: IMAGE_BY_DIGEST
    })
    expect(sleeps).toEqual([])
  })

  it('retries "an update is in progress" with jittered backoff, then succeeds', async () => {
    const randoms = [0, 0.999_999]
    const { timing, sleeps } = fakeTiming({
      random: () => randoms.shift() ?? 0.5
    })
    lambdaMock
      .on(UpdateFunctionCodeCommand)
      .rejectsOnce(conflict())
      .rejectsOnce(conflict())
      .resolves(IN_PROGRESS)
    const { log, messages } = logger()
    await updateFunctionCode(
      lambda,
      FUNCTION_ARN,
      IMAGE_BY_DIGEST,
      { log },
      timing
    )
    expect(lambdaMock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(3)
    // Base 1s doubling: attempt 1 waits 0.5-1s, attempt 2 waits 1-2s.
    expect(sleeps).toEqual([500, 2000])
    expect(messages[0]).toMatch(
      /^UpdateFunctionCode attempt 1 was refused \(ResourceConflictException: The operation cannot be performed at this time\. An update is in progress.*\); retrying in 500ms\.$/
    )
  })

  it('retries throttling too', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock
      .on(UpdateFunctionCodeCommand)
      .rejectsOnce(throttled())
      .resolves(IN_PROGRESS)
    await updateFunctionCode(
      lambda,
      FUNCTION_ARN,
      IMAGE_BY_DIGEST,
      { log: () => undefined },
      timing
    )
    expect(lambdaMock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(2)
    expect(sleeps).toEqual([750])
  })

  it('gives up after the bound and points at concurrency groups', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock.on(UpdateFunctionCodeCommand).rejects(conflict())
    const error = await deployError(
      updateFunctionCode(
        lambda,
        FUNCTION_ARN,
        IMAGE_BY_DIGEST,
        { log: () => undefined },
        timing
      )
    )
    expect(lambdaMock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(8)
    // Capped at 10s: the whole retry stays well under a minute.
    expect(sleeps).toEqual([750, 1500, 3000, 6000, 7500, 7500, 7500])
    expect(error.message).toMatch(
      /kept refusing the update because another update is in progress.*Use a concurrency group per function/
    )
  })

  it('honours a custom number of attempts', async () => {
    const { timing } = fakeTiming()
    lambdaMock.on(UpdateFunctionCodeCommand).rejects(conflict())
    await deployError(
      updateFunctionCode(
        lambda,
        FUNCTION_ARN,
        IMAGE_BY_DIGEST,
        { log: () => undefined, conflictAttempts: 2 },
        timing
      )
    )
    expect(lambdaMock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(2)
  })

  it('reports an invalid image as Lambda words it, without retrying', async () => {
    const { timing, sleeps } = fakeTiming()
    const message = `Source image ${IMAGE_BY_DIGEST} is not valid. Provide a valid source image.`
    lambdaMock
      .on(UpdateFunctionCodeCommand)
      .rejects(new InvalidParameterValueException({ message, $metadata: {} }))
    const error = await deployError(
      updateFunctionCode(
        lambda,
        FUNCTION_ARN,
        IMAGE_BY_DIGEST,
        { log: () => undefined },
        timing
      )
    )
    expect(error.message).toBe(
      `Lambda refused the image ${IMAGE_BY_DIGEST}: ${message}`
    )
    expect(lambdaMock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  it('names lambda:UpdateFunctionCode when access is denied', async () => {
    const { timing } = fakeTiming()
    lambdaMock
      .on(UpdateFunctionCodeCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'not authorized to perform: lambda:UpdateFunctionCode'
        )
      )
    const error = await deployError(
      updateFunctionCode(
        lambda,
        FUNCTION_ARN,
        IMAGE_BY_DIGEST,
        { log: () => undefined },
        timing
      )
    )
    expect(error.message).toContain('Allow "lambda:UpdateFunctionCode"')
    expect(lambdaMock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(1)
  })
})

describe('checkDeployedDigest', () => {
  const running = (
    imageDigest: string | undefined,
    imageUri: string | undefined
  ): FunctionState => ({
    functionName: FUNCTION_NAME,
    functionArn: FUNCTION_ARN,
    packageType: 'Image',
    architecture: 'x86_64',
    state: 'Active',
    lastUpdateStatus: 'Successful',
    imageUri,
    imageDigest
  })

  it('accepts the digest just deployed', () => {
    expect(() =>
      checkDeployedDigest(
        running(DOCKER_V2_DIGEST, IMAGE_BY_DIGEST),
        DOCKER_V2_DIGEST
      )
    ).not.toThrow()
  })

  it.each([
    [PREVIOUS_DIGEST, `${REPOSITORY_URI}@${PREVIOUS_DIGEST}`, PREVIOUS_DIGEST],
    [undefined, `${REPOSITORY_URI}:latest`, `${REPOSITORY_URI}:latest`],
    [undefined, undefined, 'an unknown image']
  ])('refuses a function running %p (%p)', (digest, uri, shown) => {
    expect(() =>
      checkDeployedDigest(running(digest, uri), DOCKER_V2_DIGEST)
    ).toThrow(
      `Lambda reports that function ${FUNCTION_NAME} runs ${shown}, not the image just deployed (${DOCKER_V2_DIGEST}).`
    )
  })
})

describe('deployImage', () => {
  it('updates by digest, waits, and confirms the function runs the digest', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock.on(UpdateFunctionCodeCommand).resolves(IN_PROGRESS)
    // Every GetFunction is a poll; the last one also says what runs.
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(polledRunning(IN_PROGRESS))
      .resolvesOnce(polledRunning(IN_PROGRESS))
      .resolvesOnce(polledRunning(SUCCESSFUL))
      .rejects(new Error('GetFunction after the update had landed'))
    const { log, messages } = logger()
    const result = await deployImage(
      lambda,
      FUNCTION_ARN,
      IMAGE_BY_DIGEST,
      DOCKER_V2_DIGEST,
      { waitTimeoutMs: 60_000, log },
      timing
    )
    expect(result.polls).toBe(3)
    expect(result.after.imageDigest).toBe(DOCKER_V2_DIGEST)
    expect(result.after.imageUri).toBe(IMAGE_BY_DIGEST)
    expect(result.after.lastUpdateStatus).toBe('Successful')
    // The last poll's answer is the final state: nothing is read twice.
    expect(lambdaMock.commandCalls(GetFunctionCommand)).toHaveLength(3)
    const [update] = lambdaMock.commandCalls(UpdateFunctionCodeCommand)
    expect(update?.args[0].input).toEqual({
      FunctionName: FUNCTION_ARN,
      ImageUri: IMAGE_BY_DIGEST
    })
    expect(sleeps).toEqual([500, 500])
    expect(messages).toContain(
      `UpdateFunctionCode accepted ${IMAGE_BY_DIGEST}; waiting for Lambda to apply it.`
    )
  })

  it('passes a custom poll interval to the wait', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock.on(UpdateFunctionCodeCommand).resolves(IN_PROGRESS)
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(polledRunning(IN_PROGRESS))
      .resolves(polledRunning(SUCCESSFUL))
    await deployImage(
      lambda,
      FUNCTION_ARN,
      IMAGE_BY_DIGEST,
      DOCKER_V2_DIGEST,
      { waitTimeoutMs: 60_000, log: () => undefined, pollMs: 200 },
      timing
    )
    expect(sleeps).toEqual([200])
  })

  it('reports a Failed update with AWS’s reason and the image still running', async () => {
    const { timing } = fakeTiming()
    lambdaMock.on(UpdateFunctionCodeCommand).resolves(IN_PROGRESS)
    // Lambda put the previous image back: the poll that saw Failed shows it.
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(polledRunning(IN_PROGRESS))
      .resolvesOnce(
        polled(
          configuration({
            LastUpdateStatus: 'Failed',
            LastUpdateStatusReason:
              'Lambda does not have permission to access the ECR image. Check the ECR permissions.',
            LastUpdateStatusReasonCode: 'ImageAccessDenied'
          })
        )
      )
    const error = await deployError(deployDigest(timing))
    expect(error.message).toBe(
      `Lambda could not apply the update to ${FUNCTION_ARN}: ImageAccessDenied: ` +
        'Lambda does not have permission to access the ECR image. Check the ECR permissions. ' +
        `The function still runs ${REPOSITORY_URI}@${PREVIOUS_DIGEST}.`
    )
    expect(lambdaMock.commandCalls(GetFunctionCommand)).toHaveLength(2)
  })

  it('does not claim the function runs the image whose update failed', async () => {
    const { timing } = fakeTiming()
    lambdaMock.on(UpdateFunctionCodeCommand).resolves(IN_PROGRESS)
    // The poll that saw Failed still names the refused image.
    lambdaMock.on(GetFunctionCommand).resolves(
      polledRunning(
        configuration({
          LastUpdateStatus: 'Failed',
          LastUpdateStatusReason:
            'The image manifest, config or layer media type for the source image is not supported.',
          LastUpdateStatusReasonCode: 'InvalidImage'
        })
      )
    )
    const error = await deployError(deployDigest(timing))
    expect(error.message).toMatch(
      /InvalidImage: The image manifest.* is not supported\. The function still runs its previous image\.$/
    )
    expect(error.message).not.toContain(`runs ${IMAGE_BY_DIGEST}`)
  })

  it('still reports a Failed update when Lambda’s answer names no image', async () => {
    const { timing } = fakeTiming()
    lambdaMock.on(UpdateFunctionCodeCommand).resolves(IN_PROGRESS)
    lambdaMock.on(GetFunctionCommand).resolves({
      Configuration: configuration({ LastUpdateStatus: 'Failed' })
    })
    const error = await deployError(deployDigest(timing))
    expect(error.message).toBe(
      `Lambda could not apply the update to ${FUNCTION_ARN}: Failed: no reason given. The function still runs its previous image.`
    )
    expect(lambdaMock.commandCalls(GetFunctionCommand)).toHaveLength(1)
  })

  it('fails when a Successful update left another image running', async () => {
    const { timing } = fakeTiming()
    lambdaMock.on(UpdateFunctionCodeCommand).resolves(IN_PROGRESS)
    const other = `sha256:${'e'.repeat(64)}`
    // Another deploy's image landed instead: the last poll shows it.
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(polledRunning(IN_PROGRESS))
      .resolvesOnce(polledRunning(SUCCESSFUL, other))
    const error = await deployError(deployDigest(timing))
    expect(error.message).toMatch(
      new RegExp(
        `runs ${other}, not the image just deployed \\(${DOCKER_V2_DIGEST}\\).*concurrency group`
      )
    )
  })

  it('names lambda:GetFunction when polling is denied', async () => {
    const { timing } = fakeTiming()
    lambdaMock.on(UpdateFunctionCodeCommand).resolves(IN_PROGRESS)
    lambdaMock
      .on(GetFunctionCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/deploy/gha is not authorized to perform: lambda:GetFunction'
        )
      )
    const error = await deployError(deployDigest(timing))
    expect(error.message).toMatch(
      /^lambda:GetFunction was denied \(AccessDeniedException\).*Allow "lambda:GetFunction"/
    )
  })

  it('does not wait when Lambda refuses the update: one read shows the previous image', async () => {
    const { timing } = fakeTiming()
    lambdaMock.on(UpdateFunctionCodeCommand).rejects(
      new InvalidParameterValueException({
        message: 'bad image',
        $metadata: {}
      })
    )
    lambdaMock.on(GetFunctionCommand).resolves(polled(SUCCESSFUL))
    const error = await deployError(deployDigest(timing))
    expect(error.message).toContain('bad image')
    expect(lambdaMock.commandCalls(GetFunctionCommand)).toHaveLength(1)
  })
})

describe('deployImage when the answer to an accepted update is lost (issue 22, item 2)', () => {
  const lostAnswer = (): Error =>
    Object.assign(new Error('socket hang up'), {
      name: 'TimeoutError',
      code: 'ECONNRESET'
    })

  it('an error, but the function is updating to our image: accepted, waited for and checked', async () => {
    const { timing } = fakeTiming()
    const { log, messages } = logger()
    let accepted = 0
    lambdaMock.on(UpdateFunctionCodeCommand).rejects(lostAnswer())
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(polledRunning(IN_PROGRESS))
      .resolvesOnce(polledRunning(IN_PROGRESS))
      .resolves(polledRunning(SUCCESSFUL))
    const result = await deployImage(
      lambda,
      FUNCTION_ARN,
      IMAGE_BY_DIGEST,
      DOCKER_V2_DIGEST,
      { waitTimeoutMs: 60_000, log, onAccepted: () => accepted++ },
      timing
    )
    expect(accepted).toBe(1)
    expect(result.after.imageDigest).toBe(DOCKER_V2_DIGEST)
    expect(lambdaMock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(1)
    expect(messages.join('\n')).toMatch(
      new RegExp(
        `runs or is updating to ${DOCKER_V2_DIGEST} although the call failed \\(.*socket hang up\\): Lambda accepted the update and its answer was lost\\.`
      )
    )
  })

  it('the resent request is refused as an update in progress — ours: no retries, accepted', async () => {
    const { timing, sleeps } = fakeTiming()
    let accepted = 0
    lambdaMock.on(UpdateFunctionCodeCommand).rejects(conflict())
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(polledRunning(IN_PROGRESS))
      .resolves(polledRunning(SUCCESSFUL))
    await deployImage(
      lambda,
      FUNCTION_ARN,
      IMAGE_BY_DIGEST,
      DOCKER_V2_DIGEST,
      {
        waitTimeoutMs: 60_000,
        log: () => undefined,
        onAccepted: () => accepted++
      },
      timing
    )
    expect(accepted).toBe(1)
    expect(lambdaMock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(1)
    // No backoff before the wait: only the wait's own poll interval.
    expect(sleeps.every(ms => ms === 500)).toBe(true)
  })

  it('an error, and the function still runs the previous image: not accepted, the error stands', async () => {
    const { timing } = fakeTiming()
    let accepted = 0
    lambdaMock.on(UpdateFunctionCodeCommand).rejects(lostAnswer())
    lambdaMock.on(GetFunctionCommand).resolves(polled(SUCCESSFUL))
    const error = await deployError(
      deployImage(
        lambda,
        FUNCTION_ARN,
        IMAGE_BY_DIGEST,
        DOCKER_V2_DIGEST,
        {
          waitTimeoutMs: 60_000,
          log: () => undefined,
          onAccepted: () => accepted++
        },
        timing
      )
    )
    expect(error.message).toContain('socket hang up')
    expect(accepted).toBe(0)
  })

  it("someone else's update in progress (another image) is still retried", async () => {
    const { timing } = fakeTiming()
    lambdaMock
      .on(UpdateFunctionCodeCommand)
      .rejectsOnce(conflict())
      .resolves(IN_PROGRESS)
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(polled(IN_PROGRESS))
      .resolvesOnce(polledRunning(IN_PROGRESS))
      .resolves(polledRunning(SUCCESSFUL))
    await deployDigest(timing)
    expect(lambdaMock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(2)
  })
})

describe('waitForUpdate with a shared call budget', () => {
  /** A budget that records when it was taken, in the order of events. */
  function recordingBudget(events: string[]): CallBudget {
    return {
      take: () => {
        events.push('take')
        return Promise.resolve()
      }
    }
  }

  it('takes from the budget before every poll', async () => {
    const { timing } = fakeTiming()
    const events: string[] = []
    const answers = [IN_PROGRESS, IN_PROGRESS, SUCCESSFUL].map(config =>
      polled(config)
    )
    lambdaMock.on(GetFunctionCommand).callsFake(() => {
      events.push('poll')
      return answers.shift()
    })
    const outcome = await waitForUpdate(
      lambda,
      FUNCTION_ARN,
      {
        timeoutMs: 60_000,
        log: () => undefined,
        budget: recordingBudget(events)
      },
      timing
    )
    expect(outcome.polls).toBe(3)
    expect(events).toEqual(['take', 'poll', 'take', 'poll', 'take', 'poll'])
  })

  it('takes before a throttled poll too', async () => {
    const { timing } = fakeTiming()
    const events: string[] = []
    lambdaMock
      .on(GetFunctionCommand)
      .rejectsOnce(throttled())
      .resolves(polled(SUCCESSFUL))
    await waitForUpdate(
      lambda,
      FUNCTION_ARN,
      {
        timeoutMs: 60_000,
        log: () => undefined,
        budget: recordingBudget(events)
      },
      timing
    )
    expect(events).toEqual(['take', 'take'])
  })

  it('keeps the 500ms poll when the budget has room', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(polled(IN_PROGRESS))
      .resolvesOnce(polled(IN_PROGRESS))
      .resolves(polled(SUCCESSFUL))
    await waitForUpdate(
      lambda,
      FUNCTION_ARN,
      {
        timeoutMs: 60_000,
        log: () => undefined,
        budget: callBudget(10, timing)
      },
      timing
    )
    expect(sleeps).toEqual([500, 500])
  })

  /**
   * `waiters` functions updating at once, each InProgress for its first
   * `inProgressPolls` polls; every poll's time on one virtual clock.
   */
  async function concurrentWaits(
    waiters: number,
    inProgressPolls: number,
    budget: (timing: Timing) => CallBudget | undefined
  ): Promise<{ times: number[]; perFunction: Map<string, number[]> }> {
    const clock = virtualClock()
    const shared = budget(clock.timing)
    const times: number[] = []
    const perFunction = new Map<string, number[]>()
    lambdaMock
      .on(GetFunctionCommand)
      .callsFake((input: { FunctionName: string }) => {
        const polls = perFunction.get(input.FunctionName) ?? []
        polls.push(clock.timing.now())
        perFunction.set(input.FunctionName, polls)
        times.push(clock.timing.now())
        return polled(
          polls.length <= inProgressPolls ? IN_PROGRESS : SUCCESSFUL
        )
      })
    const outcomes = await clock.run(
      Promise.all(
        Array.from({ length: waiters }, (_, i) =>
          waitForUpdate(
            lambda,
            `${FUNCTION_ARN}-${i}`,
            {
              timeoutMs: 120_000,
              log: () => undefined,
              ...(shared !== undefined && { budget: shared })
            },
            clock.timing
          )
        )
      )
    )
    expect(outcomes.map(outcome => outcome.status)).toEqual(
      Array.from({ length: waiters }, () => 'Successful')
    )
    return { times, perFunction }
  }

  it('without a budget, concurrent waiters together poll faster than 4/s (the case the budget is for)', async () => {
    const { times } = await concurrentWaits(6, 10, () => undefined)
    expect(times).toHaveLength(66)
    expect(busiestSecond(times)).toBe(12)
  })

  it('6 waiters sharing a budget of 4/s never poll more than 4 times in any second, together', async () => {
    const { times, perFunction } = await concurrentWaits(6, 10, timing =>
      callBudget(4, timing)
    )
    expect(times).toHaveLength(66)
    expect(busiestSecond(times)).toBe(4)
    // Each function still polls at most twice a second, and all finish.
    expect(perFunction.size).toBe(6)
    for (const polls of perFunction.values()) {
      expect(polls).toHaveLength(11)
      expect(busiestSecond(polls)).toBeLessThanOrEqual(2)
    }
    // 66 polls at 4/s: the budget, not the 500ms interval, sets the pace.
    expect(Math.max(...times)).toBeGreaterThanOrEqual(16_000)
  })

  it(`10 functions sharing the run's budget (${POLLS_PER_SECOND}/s) stay within it and each still polls every 500ms`, async () => {
    expect(POLLS_PER_SECOND).toBe(40)
    const { times, perFunction } = await concurrentWaits(10, 20, timing =>
      callBudget(POLLS_PER_SECOND, timing)
    )
    expect(times).toHaveLength(210)
    // 10 functions at 2 polls/s: 20 GetFunction calls in the busiest second.
    expect(busiestSecond(times)).toBeLessThanOrEqual(POLLS_PER_SECOND)
    expect(busiestSecond(times)).toBe(20)
    expect(perFunction.size).toBe(10)
    for (const polls of perFunction.values()) {
      expect(polls).toHaveLength(21)
      // The budget never holds a poll back: exactly 500ms apart, from the start.
      expect(polls[0]).toBe(0)
      expect(polls.slice(1).map((t, i) => t - (polls[i] ?? 0))).toEqual(
        Array.from({ length: 20 }, () => 500)
      )
    }
    // 21 polls 500ms apart: done after 10s, as without a budget.
    expect(Math.max(...times)).toBe(10_000)
  })

  it(`the old budget of 10/s would have slowed the same 10 functions down`, async () => {
    const { times, perFunction } = await concurrentWaits(10, 20, timing =>
      callBudget(10, timing)
    )
    expect(busiestSecond(times)).toBe(10)
    const gaps = [...perFunction.values()].flatMap(polls =>
      polls.slice(1).map((t, i) => t - (polls[i] ?? 0))
    )
    expect(Math.max(...gaps)).toBeGreaterThan(500)
    expect(Math.max(...times)).toBeGreaterThanOrEqual(20_000)
  })
})

describe('deployImage with a shared call budget', () => {
  it('passes the budget to the wait', async () => {
    const { timing } = fakeTiming()
    let takes = 0
    const budget: CallBudget = {
      take: () => {
        takes++
        return Promise.resolve()
      }
    }
    lambdaMock.on(UpdateFunctionCodeCommand).resolves(IN_PROGRESS)
    lambdaMock
      .on(GetFunctionCommand)
      .resolvesOnce(polledRunning(IN_PROGRESS))
      .resolves(polledRunning(SUCCESSFUL))
    const result = await deployImage(
      lambda,
      FUNCTION_ARN,
      IMAGE_BY_DIGEST,
      DOCKER_V2_DIGEST,
      { waitTimeoutMs: 60_000, log: () => undefined, budget },
      timing
    )
    expect(result.polls).toBe(2)
    // One take per GetFunction, and no GetFunction outside the budget.
    expect(takes).toBe(2)
    expect(lambdaMock.commandCalls(GetFunctionCommand)).toHaveLength(2)
  })
})
