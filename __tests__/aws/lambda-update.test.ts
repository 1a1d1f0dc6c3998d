import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  InvalidParameterValueException,
  LambdaClient,
  ResourceConflictException,
  ServiceException,
  TooManyRequestsException,
  UpdateFunctionCodeCommand
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { askToUpdateCode } from '../../src/aws/lambda-update.js'
import { DeployError } from '../../src/util/errors.js'
import { FUNCTION_ARN } from '../../__fixtures__/aws.js'

const lambdaMock = mockClient(LambdaClient)
const lambda = new LambdaClient({ region: 'us-east-1' })
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:${'a'.repeat(64)}`
const meta = { $metadata: {} }

function denied(): Error {
  return Object.assign(
    new Error('not authorized to perform: lambda:UpdateFunctionCode'),
    {
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 }
    }
  )
}

describe('askToUpdateCode', () => {
  beforeEach(() => {
    lambdaMock.reset()
  })

  it('sends UpdateFunctionCode with DryRun, the function and the image, nothing else', async () => {
    lambdaMock.on(UpdateFunctionCodeCommand).resolves({})
    await expect(askToUpdateCode(lambda, FUNCTION_ARN, IMAGE)).resolves.toEqual(
      {
        answer: 'allowed'
      }
    )
    expect(
      lambdaMock.commandCalls(UpdateFunctionCodeCommand)[0]?.args[0].input
    ).toEqual({
      FunctionName: FUNCTION_ARN,
      ImageUri: IMAGE,
      DryRun: true
    })
  })

  it.each<[string, () => Error, string, RegExp]>([
    [
      'a denied call names the permission',
      denied,
      'denied',
      /^lambda:UpdateFunctionCode was denied \(AccessDeniedException\): .*Allow "lambda:UpdateFunctionCode"/
    ],
    [
      'an image Lambda refuses',
      () =>
        new InvalidParameterValueException({
          message: 'Source image does not exist.',
          ...meta
        }),
      'refused',
      /^InvalidParameterValueException: Source image does not exist\.$/
    ],
    [
      'an update in progress says nothing about permissions',
      () =>
        new ResourceConflictException({
          message: 'An update is in progress',
          ...meta
        }),
      'busy',
      /^ResourceConflictException: An update is in progress$/
    ]
  ])('%s', async (_label, error, answer, message) => {
    lambdaMock.on(UpdateFunctionCodeCommand).rejects(error())
    const got = await askToUpdateCode(lambda, FUNCTION_ARN, IMAGE)
    expect(got.answer).toBe(answer)
    expect('message' in got ? got.message : '').toMatch(message)
  })

  it.each([
    [
      'a throttled call',
      new TooManyRequestsException({ message: 'Rate exceeded', ...meta })
    ],
    ['a service error', new ServiceException({ message: 'internal', ...meta })]
  ])("%s is the run's error, not an answer", async (_label, error) => {
    lambdaMock.on(UpdateFunctionCodeCommand).rejects(error)
    await expect(
      askToUpdateCode(lambda, FUNCTION_ARN, IMAGE)
    ).rejects.toBeInstanceOf(DeployError)
  })
})
