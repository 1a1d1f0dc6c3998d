import { describe, expect, it } from '@jest/globals'
import {
  DeployError,
  awsErrorName,
  describeAwsError,
  errorMessage,
  isThrottling
} from '../../src/util/errors.js'

/** An error shaped like the ones AWS SDK v3 throws. */
function awsError(name: string, message: string): Error {
  const error = new Error(message)
  error.name = name
  return error
}

describe('errorMessage', () => {
  it.each([
    ['an Error', new Error('boom'), 'boom'],
    ['a string', 'plain text', 'plain text'],
    ['an object', { code: 42 }, '{"code":42}'],
    ['a number', 7, '7'],
    ['undefined', undefined, 'undefined'],
    ['a symbol', Symbol('lost'), 'Symbol(lost)']
  ])('reads %s', (_label, thrown, expected) => {
    expect(errorMessage(thrown)).toBe(expected)
  })

  it('falls back to String() for an object JSON cannot print', () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    expect(errorMessage(circular)).toBe('[object Object]')
  })
})

describe('awsErrorName', () => {
  it.each([
    [awsError('ResourceNotFoundException', 'x'), 'ResourceNotFoundException'],
    [{ name: 'ThrottlingException' }, 'ThrottlingException'],
    [{ name: 42 }, undefined],
    ['AccessDenied', undefined],
    [null, undefined]
  ])('%p → %p', (error, expected) => {
    expect(awsErrorName(error)).toBe(expected)
  })
})

describe('describeAwsError', () => {
  it.each([
    'AccessDeniedException',
    'AccessDenied',
    'UnauthorizedOperation',
    'UnrecognizedClientException',
    'ExpiredTokenException'
  ])('names the IAM action to allow on %s', name => {
    const message = describeAwsError(
      'ecr:GetAuthorizationToken',
      awsError(
        name,
        'User: arn:aws:sts::123456789012:assumed-role/deploy is not authorized'
      )
    )
    expect(message).toContain(`ecr:GetAuthorizationToken was denied (${name})`)
    expect(message).toContain('is not authorized')
    expect(message).toContain('Allow "ecr:GetAuthorizationToken"')
  })

  it('reports other AWS errors with their name and no IAM advice', () => {
    const message = describeAwsError(
      'lambda:GetFunction',
      awsError('ResourceNotFoundException', 'Function not found: my-api')
    )
    expect(message).toBe(
      'lambda:GetFunction failed (ResourceNotFoundException): Function not found: my-api'
    )
  })

  it('leaves out the generic "Error" name', () => {
    expect(
      describeAwsError('ecr:DescribeImages', new Error('socket hang up'))
    ).toBe('ecr:DescribeImages failed: socket hang up')
  })

  it('handles a thrown string', () => {
    expect(describeAwsError('lambda:GetFunction', 'timeout')).toBe(
      'lambda:GetFunction failed: timeout'
    )
  })
})

describe('DeployError', () => {
  it('is an Error named DeployError carrying its message', () => {
    const error = new DeployError('what to fix')
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('DeployError')
    expect(error.message).toBe('what to fix')
  })
})

describe('isThrottling', () => {
  it.each([
    ['TooManyRequestsException', true],
    ['ThrottlingException', true],
    ['Throttling', true],
    ['ResourceConflictException', false],
    ['ServiceUnavailableException', false],
    ['EC2ThrottledException', false]
  ])('%s: %s', (name, expected) => {
    expect(isThrottling(awsError(name, 'Rate exceeded'))).toBe(expected)
  })

  it('is false for what is not an AWS error', () => {
    expect(isThrottling('Throttling')).toBe(false)
    expect(isThrottling(undefined)).toBe(false)
  })
})
