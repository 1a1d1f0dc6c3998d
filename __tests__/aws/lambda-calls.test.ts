/**
 * Lambda calls whose known errors are answered through awsCall (issue 23):
 * prune-versions' listings (the SDK's paginators) and deletions, the
 * configuration update, the environment the local run reads, and the
 * stalled or throttled polls of the waits. Each known error's answer, and
 * any other error naming the IAM action.
 */
import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  DeleteFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  UpdateFunctionConfigurationCommand
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { applyConfiguration } from '../../src/aws/lambda-config.js'
import { functionEnvironment } from '../../src/aws/lambda.js'
import { waitForUpdate } from '../../src/aws/lambda-update.js'
import {
  LATEST_PUBLISHED,
  readLatestPublished,
  waitForActivation
} from '../../src/aws/managed-instances.js'
import { pruneVersions } from '../../src/aws/prune.js'
import { ChangedMeanwhileError, DeployError } from '../../src/util/errors.js'
import { fakeTiming } from '../../__fixtures__/timing.js'
import {
  ACCOUNT,
  FUNCTION_ARN,
  GET_FUNCTION_X86_64_IMAGE
} from '../../__fixtures__/aws.js'

const lambdaMock = mockClient(LambdaClient)
const lambda = new LambdaClient({ region: 'us-east-1' })

function awsError(name: string, message = `${name} happened`): Error {
  return Object.assign(new Error(message), { name })
}

const denied = (action: string): Error =>
  awsError(
    'AccessDeniedException',
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy/gha is not authorized to perform: ${action}`
  )

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

describe('pruneVersions', () => {
  const versions = (...numbers: string[]): { Version: string }[] =>
    numbers.map(Version => ({ Version }))

  it('reads every page of versions and aliases, and deletes the old versions no alias uses', async () => {
    lambdaMock
      .on(ListVersionsByFunctionCommand)
      .resolvesOnce({
        Versions: versions('$LATEST', '1', '2'),
        NextMarker: 'm'
      })
      .resolvesOnce({ Versions: versions('3', '4', '5') })
    lambdaMock
      .on(ListAliasesCommand)
      .resolvesOnce({
        Aliases: [{ Name: 'live', FunctionVersion: '2' }],
        NextMarker: 'a'
      })
      .resolvesOnce({
        Aliases: [
          {
            Name: 'beta',
            FunctionVersion: '5',
            RoutingConfig: { AdditionalVersionWeights: { '3': 0.1 } }
          }
        ]
      })
    lambdaMock.on(DeleteFunctionCommand).resolves({})
    const { log, messages } = logger()
    await expect(
      pruneVersions(lambda, FUNCTION_ARN, 1, new Set(), log)
    ).resolves.toEqual({ deleted: ['1', '4'], kept: [] })
    expect(
      lambdaMock
        .commandCalls(DeleteFunctionCommand)
        .map(c => c.args[0].input.Qualifier)
    ).toEqual(['1', '4'])
    expect(lambdaMock.commandCalls(ListVersionsByFunctionCommand)).toHaveLength(
      2
    )
    expect(lambdaMock.commandCalls(ListAliasesCommand)).toHaveLength(2)
    expect(messages).toEqual([
      `prune-versions: deleted versions 1, 4 of ${FUNCTION_ARN} (keeping the newest 1 and every version an alias uses).`
    ])
  })

  it('a version deleted meanwhile (ResourceNotFoundException) is neither deleted nor kept; any other refusal keeps it, naming lambda:DeleteFunction', async () => {
    lambdaMock
      .on(ListVersionsByFunctionCommand)
      .resolves({ Versions: versions('1', '2', '3') })
    lambdaMock.on(ListAliasesCommand).resolves({ Aliases: [] })
    lambdaMock
      .on(DeleteFunctionCommand, { Qualifier: '1' })
      .rejects(awsError('ResourceNotFoundException'))
      .on(DeleteFunctionCommand, { Qualifier: '2' })
      .rejects(
        awsError(
          'ResourceConflictException',
          'Unable to delete version because the following aliases reference it: [live]'
        )
      )
    const { log, messages } = logger()
    await expect(
      pruneVersions(lambda, FUNCTION_ARN, 1, new Set(), log)
    ).resolves.toEqual({ deleted: [], kept: ['2'] })
    expect(messages[0]).toBe(
      `prune-versions: version 2 of ${FUNCTION_ARN} was not deleted (lambda:DeleteFunction failed (ResourceConflictException): Unable to delete version because the following aliases reference it: [live]); it is kept.`
    )
  })

  it('a listing that fails stops the prune before any deletion, naming the listing’s IAM action', async () => {
    lambdaMock
      .on(ListVersionsByFunctionCommand)
      .resolves({ Versions: versions('1', '2', '3') })
    lambdaMock.on(ListAliasesCommand).rejects(denied('lambda:ListAliases'))
    const error = await deployError(
      pruneVersions(lambda, FUNCTION_ARN, 1, new Set(), () => undefined)
    )
    expect(error.message).toMatch(
      new RegExp(
        `^prune-versions: could not list the versions and aliases of ${FUNCTION_ARN}: lambda:ListAliases was denied \\(AccessDeniedException\\).*Allow "lambda:ListAliases"`
      )
    )
    expect(lambdaMock.commandCalls(DeleteFunctionCommand)).toHaveLength(0)
  })
})

describe('applyConfiguration', () => {
  const input = { FunctionName: FUNCTION_ARN, MemorySize: 2048 }
  const apply = (
    onAccepted?: () => void
  ): ReturnType<typeof applyConfiguration> =>
    applyConfiguration(
      lambda,
      input,
      {
        timeoutMs: 60_000,
        log: () => undefined,
        ...(onAccepted !== undefined && { onAccepted })
      },
      fakeTiming().timing
    )

  it('updates, then waits until Lambda applied it', async () => {
    lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({})
    lambdaMock.on(GetFunctionCommand).resolves(GET_FUNCTION_X86_64_IMAGE)
    let accepted = 0
    const state = await apply(() => accepted++)
    expect(state.functionArn).toBe(FUNCTION_ARN)
    expect(accepted).toBe(1)
  })

  it('PreconditionFailedException: changed by someone else, left as it is', async () => {
    lambdaMock
      .on(UpdateFunctionConfigurationCommand)
      .rejects(awsError('PreconditionFailedException', 'RevisionId differs'))
    const error = await deployError(apply())
    expect(error).toBeInstanceOf(ChangedMeanwhileError)
    expect(error.message).toBe(
      `Function ${FUNCTION_ARN} was changed by someone else since it was read, so its configuration was left as it is (RevisionId differs).`
    )
  })

  it("InvalidParameterValueException: Lambda's first sentence only (the rest may quote the variables)", async () => {
    lambdaMock
      .on(UpdateFunctionConfigurationCommand)
      .rejects(
        awsError(
          'InvalidParameterValueException',
          'Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {"SECRET":"hunter2"}'
        )
      )
    const error = await deployError(apply())
    expect(error.message).toBe(
      `Lambda refused the configuration of ${FUNCTION_ARN}: Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.`
    )
    expect(error.message).not.toContain('hunter2')
  })

  it('any other error names lambda:UpdateFunctionConfiguration, and nothing was accepted', async () => {
    lambdaMock
      .on(UpdateFunctionConfigurationCommand)
      .rejects(denied('lambda:UpdateFunctionConfiguration'))
    let accepted = 0
    const error = await deployError(apply(() => accepted++))
    expect(error.message).toMatch(
      /^lambda:UpdateFunctionConfiguration was denied \(AccessDeniedException\).*Allow "lambda:UpdateFunctionConfiguration"/
    )
    expect(accepted).toBe(0)
  })
})

describe('functionEnvironment (the local run with local-run-environment: real)', () => {
  it("the function's variables, from GetFunction", async () => {
    lambdaMock.on(GetFunctionCommand).resolves({
      Configuration: {
        ...GET_FUNCTION_X86_64_IMAGE.Configuration,
        Environment: { Variables: { STAGE: 'prod' } }
      }
    })
    await expect(functionEnvironment(lambda, FUNCTION_ARN)).resolves.toEqual({
      STAGE: 'prod'
    })
    expect(
      lambdaMock.commandCalls(GetFunctionCommand)[0]?.args[0].input
    ).toEqual({ FunctionName: FUNCTION_ARN })
  })

  it('names lambda:GetFunction when it is denied', async () => {
    lambdaMock.on(GetFunctionCommand).rejects(denied('lambda:GetFunction'))
    expect(
      (await deployError(functionEnvironment(lambda, FUNCTION_ARN))).message
    ).toMatch(
      /^lambda:GetFunction was denied \(AccessDeniedException\).*Allow "lambda:GetFunction"/
    )
  })
})

describe('waitForUpdate: a poll that stalls', () => {
  it.each(['AbortError', 'TimeoutError'])(
    '%s: no answer before the deadline, said as such',
    async name => {
      lambdaMock
        .on(GetFunctionCommand)
        .rejects(awsError(name, 'The operation was aborted'))
      const error = await deployError(
        waitForUpdate(
          lambda,
          FUNCTION_ARN,
          { timeoutMs: 60_000, log: () => undefined },
          fakeTiming().timing
        )
      )
      expect(error.message).toBe(
        `Lambda did not answer GetFunction for ${FUNCTION_ARN} before the wait's deadline (a stalled connection): The operation was aborted`
      )
    }
  )
})

describe('Managed Instances reads', () => {
  it('readLatestPublished names lambda:GetFunction for any error but "nothing published"', async () => {
    lambdaMock.on(GetFunctionCommand).rejects(denied('lambda:GetFunction'))
    expect(
      (await deployError(readLatestPublished(lambda, FUNCTION_ARN))).message
    ).toMatch(/^lambda:GetFunction was denied \(AccessDeniedException\)/)
  })

  it('waitForActivation polls on through throttling, and stops on any other error naming lambda:GetFunction', async () => {
    const { timing, sleeps } = fakeTiming()
    lambdaMock
      .on(GetFunctionCommand)
      .rejectsOnce(awsError('TooManyRequestsException', 'Rate exceeded'))
      .rejects(awsError('ServiceException', 'Internal failure'))
    const { log, messages } = logger()
    const error = await deployError(
      waitForActivation(
        lambda,
        FUNCTION_ARN,
        LATEST_PUBLISHED,
        { timeoutMs: 60_000, log },
        timing
      )
    )
    expect(error.message).toBe(
      'lambda:GetFunction failed (ServiceException): Internal failure'
    )
    expect(lambdaMock.commandCalls(GetFunctionCommand)).toHaveLength(2)
    expect(sleeps).toHaveLength(1)
    expect(messages).toEqual([
      expect.stringMatching(/^Throttled while waiting for .*Rate exceeded/)
    ])
  })
})
