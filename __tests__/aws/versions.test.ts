import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  CreateAliasCommand,
  GetAliasCommand,
  LambdaClient,
  PreconditionFailedException,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateAliasCommand,
  type AliasConfiguration
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { DeployError } from '../../src/util/errors.js'
import {
  MAX_ALIAS_DESCRIPTION,
  aliasDescription,
  getAlias,
  pointAlias,
  previousVersionFromDescription,
  publishVersion,
  type AliasState
} from '../../src/aws/versions.js'
import { fakeTiming } from '../../__fixtures__/timing.js'
import { DOCKER_V2_DIGEST, FUNCTION_ARN } from '../../__fixtures__/aws.js'

const lambdaMock = mockClient(LambdaClient)
const lambda = new LambdaClient({ region: 'us-east-1' })
const HEX = DOCKER_V2_DIGEST.slice('sha256:'.length)
const ALIAS_ARN = `${FUNCTION_ARN}:live`

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name })
}

const conflict = (): ResourceConflictException =>
  new ResourceConflictException({
    message: `The operation cannot be performed at this time. An update is in progress for resource: ${FUNCTION_ARN}`,
    $metadata: {}
  })

const throttled = (): TooManyRequestsException =>
  new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} })

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

const quiet: { log: (message: string) => void } = { log: () => undefined }

beforeEach(() => {
  lambdaMock.reset()
})

describe('publishVersion', () => {
  const publish = (
    timing = fakeTiming().timing,
    log = quiet
  ): ReturnType<typeof publishVersion> =>
    publishVersion(
      lambda,
      FUNCTION_ARN,
      DOCKER_V2_DIGEST,
      'deployed by run 42',
      log,
      timing
    )

  it('publishes only the code just deployed, by its CodeSha256', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock
      .on(PublishVersionCommand)
      .resolves({ Version: '8', FunctionArn: `${FUNCTION_ARN}:8` })
    await expect(publish(timing)).resolves.toEqual({
      version: '8',
      versionArn: `${FUNCTION_ARN}:8`
    })
    const [call] = lambdaMock.commandCalls(PublishVersionCommand)
    expect(call?.args[0].input).toEqual({
      FunctionName: FUNCTION_ARN,
      CodeSha256: HEX,
      Description: 'deployed by run 42'
    })
    expect(sleeps).toEqual([])
  })

  it('accepts the hex without sha256:', async () => {
    lambdaMock
      .on(PublishVersionCommand)
      .resolves({ Version: '8', FunctionArn: `${FUNCTION_ARN}:8` })
    await publishVersion(
      lambda,
      FUNCTION_ARN,
      HEX,
      '',
      quiet,
      fakeTiming().timing
    )
    const [call] = lambdaMock.commandCalls(PublishVersionCommand)
    expect(call?.args[0].input.CodeSha256).toBe(HEX)
  })

  it('retries an update in progress and throttling with backoff', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock
      .on(PublishVersionCommand)
      .rejectsOnce(conflict())
      .rejectsOnce(throttled())
      .resolves({ Version: '9', FunctionArn: `${FUNCTION_ARN}:9` })
    const { log, messages } = logger()
    const result = await publish(timing, { log })
    expect(result.version).toBe('9')
    expect(lambdaMock.commandCalls(PublishVersionCommand)).toHaveLength(3)
    expect(sleeps).toEqual([750, 1500])
    expect(messages[0]).toMatch(
      /^PublishVersion attempt 1 was refused \(ResourceConflictException: The operation cannot be performed.*\); retrying in 750ms\.$/
    )
  })

  it('gives up after a bound and points at concurrency groups', async () => {
    const { timing } = fakeTiming()
    lambdaMock.on(PublishVersionCommand).rejects(conflict())
    const error = await deployError(publish(timing))
    expect(lambdaMock.commandCalls(PublishVersionCommand)).toHaveLength(8)
    expect(error.message).toMatch(
      /kept refusing to publish a version because an update is in progress.*concurrency group/
    )
  })

  it.each([
    [
      'PreconditionFailedException',
      new PreconditionFailedException({
        message: 'The CodeSha256 does not match',
        $metadata: {}
      })
    ],
    [
      'InvalidParameterValueException about the CodeSHA256',
      awsError(
        'InvalidParameterValueException',
        `CodeSHA256 (${HEX}) is different from current CodeSHA256 in $LATEST. Please try again with the CodeSHA256 in $LATEST.`
      )
    ]
  ])(
    'says the code changed while deploying on %s, without retrying',
    async (_, rejection) => {
      const { timing, sleeps } = fakeTiming()
      lambdaMock.on(PublishVersionCommand).rejects(rejection)
      const error = await deployError(publish(timing))
      expect(error.message).toMatch(
        new RegExp(
          `^The code of ${FUNCTION_ARN} changed while deploying: \\$LATEST no longer runs the image just deployed, so no version was published .*use a concurrency group per function`
        )
      )
      expect(sleeps).toEqual([])
    }
  )

  it.each([
    [
      awsError('InvalidParameterValueException', 'Description too long'),
      'lambda:PublishVersion failed (InvalidParameterValueException): Description too long'
    ],
    [
      awsError('AccessDeniedException', 'not authorized'),
      'Allow "lambda:PublishVersion"'
    ]
  ])('reports %p with the API action', async (rejection, text) => {
    lambdaMock.on(PublishVersionCommand).rejects(rejection)
    const error = await deployError(publish())
    expect(error.message).toContain(text)
    expect(lambdaMock.commandCalls(PublishVersionCommand)).toHaveLength(1)
  })

  it('refuses an answer without a version', async () => {
    lambdaMock.on(PublishVersionCommand).resolves({ FunctionArn: FUNCTION_ARN })
    const error = await deployError(publish())
    expect(error.message).toBe(
      `lambda:PublishVersion on ${FUNCTION_ARN} returned no version number.`
    )
  })
})

const LIVE: AliasConfiguration = {
  AliasArn: ALIAS_ARN,
  Name: 'live',
  FunctionVersion: '7',
  Description: 'aspnet-lambda-deploy: previous version 6; image sha256:abc',
  RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } },
  RevisionId: 'rev-1'
}

const LIVE_STATE: AliasState = {
  name: 'live',
  aliasArn: ALIAS_ARN,
  version: '7',
  weights: { '8': 0.1 },
  description: 'aspnet-lambda-deploy: previous version 6; image sha256:abc',
  revisionId: 'rev-1'
}

describe('getAlias', () => {
  it('reads the alias, its canary weights and revision', async () => {
    lambdaMock.on(GetAliasCommand).resolves(LIVE)
    await expect(getAlias(lambda, FUNCTION_ARN, 'live')).resolves.toEqual(
      LIVE_STATE
    )
    const [call] = lambdaMock.commandCalls(GetAliasCommand)
    expect(call?.args[0].input).toEqual({
      FunctionName: FUNCTION_ARN,
      Name: 'live'
    })
  })

  it('fills in what Lambda leaves out', async () => {
    lambdaMock.on(GetAliasCommand).resolves({})
    await expect(getAlias(lambda, FUNCTION_ARN, 'live')).resolves.toEqual({
      name: 'live',
      aliasArn: '',
      version: '',
      weights: {},
      description: undefined,
      revisionId: undefined
    })
  })

  it('is undefined when the alias does not exist', async () => {
    lambdaMock.on(GetAliasCommand).rejects(
      new ResourceNotFoundException({
        message: `Alias not found: ${ALIAS_ARN}`,
        $metadata: {}
      })
    )
    await expect(
      getAlias(lambda, FUNCTION_ARN, 'live')
    ).resolves.toBeUndefined()
  })

  it('says so when the function itself does not exist', async () => {
    lambdaMock.on(GetAliasCommand).rejects(
      new ResourceNotFoundException({
        message: `Function not found: ${FUNCTION_ARN}`,
        $metadata: {}
      })
    )
    const error = await deployError(getAlias(lambda, FUNCTION_ARN, 'live'))
    expect(error.message).toMatch(/does not exist in this account and region/)
  })

  it('names lambda:GetAlias when access is denied', async () => {
    lambdaMock
      .on(GetAliasCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized'))
    const error = await deployError(getAlias(lambda, FUNCTION_ARN, 'live'))
    expect(error.message).toContain('Allow "lambda:GetAlias"')
  })
})

describe('pointAlias', () => {
  it('creates a missing alias without a routing config', async () => {
    lambdaMock
      .on(CreateAliasCommand)
      .resolves({ ...LIVE, FunctionVersion: '8', RoutingConfig: undefined })
    const state = await pointAlias(
      lambda,
      FUNCTION_ARN,
      'live',
      { version: '8', description: 'first' },
      undefined,
      quiet,
      fakeTiming().timing
    )
    expect(state).toMatchObject({ version: '8', weights: {} })
    const [call] = lambdaMock.commandCalls(CreateAliasCommand)
    expect(call?.args[0].input).toEqual({
      FunctionName: FUNCTION_ARN,
      Name: 'live',
      FunctionVersion: '8',
      Description: 'first'
    })
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(0)
  })

  it('creates an alias with a canary split', async () => {
    lambdaMock.on(CreateAliasCommand).resolves(LIVE)
    await pointAlias(
      lambda,
      FUNCTION_ARN,
      'live',
      { version: '7', weights: { '8': 0.1 } },
      undefined,
      quiet,
      fakeTiming().timing
    )
    const [call] = lambdaMock.commandCalls(CreateAliasCommand)
    expect(call?.args[0].input).toEqual({
      FunctionName: FUNCTION_ARN,
      Name: 'live',
      FunctionVersion: '7',
      RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } }
    })
  })

  it('refuses to overwrite an alias someone else created meanwhile', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock.on(CreateAliasCommand).rejects(
      new ResourceConflictException({
        message: `Alias already exists: ${ALIAS_ARN}`,
        $metadata: {}
      })
    )
    const error = await deployError(
      pointAlias(
        lambda,
        FUNCTION_ARN,
        'live',
        { version: '8' },
        undefined,
        quiet,
        timing
      )
    )
    expect(error.message).toMatch(
      /^Alias live of .* was created by someone else while deploying/
    )
    expect(sleeps).toEqual([])
  })

  it('retries CreateAlias while an update is in progress', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock
      .on(CreateAliasCommand)
      .rejectsOnce(conflict())
      .resolves({ ...LIVE, FunctionVersion: '8' })
    const { log, messages } = logger()
    await pointAlias(
      lambda,
      FUNCTION_ARN,
      'live',
      { version: '8' },
      undefined,
      { log },
      timing
    )
    expect(sleeps).toEqual([750])
    expect(messages[0]).toMatch(/^CreateAlias attempt 1 was refused/)
  })

  it('names lambda:CreateAlias when access is denied', async () => {
    lambdaMock
      .on(CreateAliasCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized'))
    const error = await deployError(
      pointAlias(
        lambda,
        FUNCTION_ARN,
        'live',
        { version: '8' },
        undefined,
        quiet,
        fakeTiming().timing
      )
    )
    expect(error.message).toContain('Allow "lambda:CreateAlias"')
  })

  it('moves an existing alias only from the revision it read, clearing a canary', async () => {
    lambdaMock.on(UpdateAliasCommand).resolves({
      ...LIVE,
      FunctionVersion: '8',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'rev-2'
    })
    const state = await pointAlias(
      lambda,
      FUNCTION_ARN,
      'live',
      { version: '8', description: 'moved' },
      LIVE_STATE,
      quiet,
      fakeTiming().timing
    )
    expect(state).toMatchObject({
      version: '8',
      weights: {},
      revisionId: 'rev-2'
    })
    const [call] = lambdaMock.commandCalls(UpdateAliasCommand)
    expect(call?.args[0].input).toEqual({
      FunctionName: FUNCTION_ARN,
      Name: 'live',
      FunctionVersion: '8',
      Description: 'moved',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'rev-1'
    })
    expect(lambdaMock.commandCalls(CreateAliasCommand)).toHaveLength(0)
  })

  it('sets a canary split, keeping the description when none is given', async () => {
    lambdaMock.on(UpdateAliasCommand).resolves(LIVE)
    await pointAlias(
      lambda,
      FUNCTION_ARN,
      'live',
      { version: '7', weights: { '8': 0.25 } },
      { ...LIVE_STATE, revisionId: undefined },
      quiet,
      fakeTiming().timing
    )
    const [call] = lambdaMock.commandCalls(UpdateAliasCommand)
    expect(call?.args[0].input).toEqual({
      FunctionName: FUNCTION_ARN,
      Name: 'live',
      FunctionVersion: '7',
      RoutingConfig: { AdditionalVersionWeights: { '8': 0.25 } }
    })
  })

  it('says someone else moved the alias when the revision changed', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock.on(UpdateAliasCommand).rejects(
      new PreconditionFailedException({
        message:
          'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id',
        $metadata: {}
      })
    )
    const error = await deployError(
      pointAlias(
        lambda,
        FUNCTION_ARN,
        'live',
        { version: '8' },
        LIVE_STATE,
        quiet,
        timing
      )
    )
    expect(error.message).toMatch(
      /^Someone else moved alias live of .* while deploying.*concurrency group/
    )
    expect(sleeps).toEqual([])
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(1)
  })

  it('retries throttling, then gives up on a lasting conflict', async () => {
    const { timing } = fakeTiming()
    lambdaMock
      .on(UpdateAliasCommand)
      .rejectsOnce(throttled())
      .rejects(conflict())
    const error = await deployError(
      pointAlias(
        lambda,
        FUNCTION_ARN,
        'live',
        { version: '8' },
        LIVE_STATE,
        quiet,
        timing
      )
    )
    expect(lambdaMock.commandCalls(UpdateAliasCommand)).toHaveLength(8)
    expect(error.message).toMatch(
      /kept refusing to move alias live because an update is in progress.*concurrency group/
    )
  })

  it('names lambda:UpdateAlias when access is denied', async () => {
    lambdaMock
      .on(UpdateAliasCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized'))
    const error = await deployError(
      pointAlias(
        lambda,
        FUNCTION_ARN,
        'live',
        { version: '8' },
        LIVE_STATE,
        quiet,
        fakeTiming().timing
      )
    )
    expect(error.message).toContain('Allow "lambda:UpdateAlias"')
  })

  it.each([1.5, -0.1, Number.NaN])(
    'refuses a weight of %p without calling Lambda',
    async weight => {
      const error = await deployError(
        pointAlias(
          lambda,
          FUNCTION_ARN,
          'live',
          { version: '7', weights: { '8': weight } },
          LIVE_STATE,
          quiet,
          fakeTiming().timing
        )
      )
      expect(error.message).toBe(
        `The traffic weight of version 8 must be between 0 and 1, got ${weight}.`
      )
      expect(lambdaMock.calls()).toHaveLength(0)
    }
  )
})

describe('aliasDescription and previousVersionFromDescription', () => {
  it.each<[string | undefined, string]>([
    [
      '7',
      `aspnet-lambda-deploy: previous version 7; image ${DOCKER_V2_DIGEST}`
    ],
    [
      undefined,
      `aspnet-lambda-deploy: no previous version; image ${DOCKER_V2_DIGEST}`
    ]
  ])('records previous version %p', (previous, description) => {
    expect(aliasDescription(previous, DOCKER_V2_DIGEST)).toBe(description)
  })

  it('stays within Lambda’s 256 characters', () => {
    const description = aliasDescription('12345', `sha256:${'a'.repeat(300)}`)
    expect(description).toHaveLength(MAX_ALIAS_DESCRIPTION)
    expect(description.endsWith('…')).toBe(true)
    expect(previousVersionFromDescription(description)).toBe('12345')
  })

  it.each<[string | undefined, string | undefined]>([
    [aliasDescription('7', DOCKER_V2_DIGEST), '7'],
    [aliasDescription('123', DOCKER_V2_DIGEST), '123'],
    ['aspnet-lambda-deploy: previous version 42', '42'],
    [aliasDescription(undefined, DOCKER_V2_DIGEST), undefined],
    // $LATEST now runs the new code: nothing to roll back to.
    [aliasDescription('$LATEST', DOCKER_V2_DIGEST), undefined],
    ['aspnet-lambda-deploy: previous version 7x; image y', undefined],
    ['production traffic, previous version 7', undefined],
    ['Previous version 7', undefined],
    ['', undefined],
    [undefined, undefined]
  ])('reads %p as %p', (description, previous) => {
    expect(previousVersionFromDescription(description)).toBe(previous)
  })
})
