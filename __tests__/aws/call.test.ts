/**
 * The one call wrapper of src/aws/ (issue 23): known errors answered by the
 * caller, any other error the action's own naming the IAM action, and the
 * SDK's paginators read page by page the same way.
 */
import { describe, expect, it } from '@jest/globals'
import {
  absent,
  answerAll,
  AwsCallError,
  awsCall,
  awsCallError,
  awsPages,
  failureText,
  sdkErrorName,
  sdkMessage
} from '../../src/aws/call.js'
import { DeployError } from '../../src/util/errors.js'

function awsError(name: string, message = `${name} happened`): Error {
  const error = new Error(message)
  error.name = name
  return error
}

describe('awsCall', () => {
  it('answers what the call answers', async () => {
    await expect(
      awsCall('lambda:GetFunction', () => Promise.resolve(42))
    ).resolves.toBe(42)
  })

  it('answers a known error with the caller’s answer', async () => {
    const gone = awsError('ResourceNotFoundException')
    let seen: unknown
    await expect(
      awsCall('lambda:GetFunction', () => Promise.reject(gone), {
        ResourceNotFoundException: error => {
          seen = error
          return 'none'
        }
      })
    ).resolves.toBe('none')
    expect(seen).toBe(gone)
    await expect(
      awsCall('lambda:GetAlias', () => Promise.reject(gone), {
        ResourceNotFoundException: absent
      })
    ).resolves.toBeUndefined()
  })

  it('turns any other error into a DeployError naming the IAM action', async () => {
    const denied = awsError('AccessDeniedException', 'not allowed')
    const failure = awsCall(
      'ecr:DescribeImages',
      () => Promise.reject(denied),
      {
        RepositoryNotFoundException: absent
      }
    )
    await expect(failure).rejects.toBeInstanceOf(AwsCallError)
    await expect(failure).rejects.toBeInstanceOf(DeployError)
    await expect(failure).rejects.toMatchObject({
      action: 'ecr:DescribeImages',
      cause: denied,
      message: expect.stringContaining(
        'ecr:DescribeImages was denied (AccessDeniedException): not allowed. Allow "ecr:DescribeImages"'
      )
    })
  })

  it('knows an error only by an own key: an error named "constructor" is not known', async () => {
    const odd = awsError('constructor', 'odd')
    await expect(
      awsCall('lambda:GetFunction', () => Promise.reject(odd))
    ).rejects.toThrow('lambda:GetFunction failed (constructor): odd')
  })

  it('an error without a name is not known either', async () => {
    const nameless = { message: 'text' }
    await expect(
      awsCall('lambda:GetFunction', () => Promise.reject(nameless as Error), {
        undefined: () => 'answered'
      })
    ).rejects.toThrow('lambda:GetFunction failed: {"message":"text"}')
  })
})

describe('awsCall around a retry of awsCall', () => {
  it('answers the last attempt’s AwsCallError of the same action by the SDK error inside', async () => {
    const refused = awsError('PreconditionFailedException', 'moved')
    const attempt = awsCall('lambda:UpdateAlias', () => Promise.reject(refused))
    let seen: unknown
    await expect(
      awsCall('lambda:UpdateAlias', () => attempt, {
        PreconditionFailedException: error => {
          seen = error
          return 'changed'
        }
      })
    ).resolves.toBe('changed')
    expect(seen).toBe(refused)
  })

  it('hands an unknown one on as it is, never wrapped twice', async () => {
    const inner = awsCallError(
      'lambda:UpdateAlias',
      awsError('ServiceException', 'boom')
    )
    await expect(
      awsCall('lambda:UpdateAlias', () => Promise.reject(inner))
    ).rejects.toBe(inner)
  })

  it('an AwsCallError of another action is that action’s failure: not answered, named as the outer call’s', async () => {
    const other = awsCallError(
      'ecr:DescribeImages',
      awsError('RepositoryNotFoundException', 'gone')
    )
    const failure = awsCall('lambda:GetFunction', () => Promise.reject(other), {
      RepositoryNotFoundException: () => 'answered'
    })
    await expect(failure).rejects.toMatchObject({
      action: 'lambda:GetFunction',
      cause: other
    })
  })
})

describe('answerAll and sdkErrorName', () => {
  it('answers each of the names the same way', async () => {
    const known = answerAll(['ThrottlingException', 'Throttling'], () => 'slow')
    expect(Object.keys(known)).toEqual(['ThrottlingException', 'Throttling'])
    await expect(
      awsCall(
        'logs:FilterLogEvents',
        () => Promise.reject(awsError('Throttling')),
        known
      )
    ).resolves.toBe('slow')
  })

  it('sdkErrorName sees through an AwsCallError', () => {
    const error = awsError('ThrottlingException', 'Rate exceeded')
    expect(sdkErrorName(awsCallError('lambda:GetFunction', error))).toBe(
      'ThrottlingException'
    )
    expect(sdkErrorName(error)).toBe('ThrottlingException')
    expect(sdkErrorName('text')).toBeUndefined()
  })
})

describe('what an AwsCallError says', () => {
  it('sdkMessage is the SDK’s words, without the action’s', () => {
    const error = awsError('ThrottlingException', 'Rate exceeded')
    expect(sdkMessage(awsCallError('lambda:GetFunction', error))).toBe(
      'Rate exceeded'
    )
    expect(sdkMessage(error)).toBe('Rate exceeded')
  })

  it('failureText names the action once, whoever made the error', () => {
    const error = awsError('ThrottlingException', 'Rate exceeded')
    const wrapped = awsCallError('lambda:GetFunction', error)
    expect(failureText('ecr:DescribeImages', wrapped)).toBe(wrapped.message)
    expect(failureText('ecr:DescribeImages', error)).toBe(
      'ecr:DescribeImages failed (ThrottlingException): Rate exceeded'
    )
  })
})

/** A paginator of the given pages that records whether it was ended. */
function pagesOf(pages: (number | Error)[]): {
  pages: AsyncIterable<number>
  ended: () => boolean
} {
  let ended = false
  let i = 0
  return {
    ended: () => ended,
    pages: {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          const page = pages[i++]
          if (page === undefined)
            return Promise.resolve({ done: true, value: undefined })
          if (page instanceof Error) return Promise.reject(page)
          return Promise.resolve({ done: false, value: page })
        },
        return: () => {
          ended = true
          return Promise.resolve({ done: true, value: undefined })
        }
      })
    }
  }
}

async function collect(pages: AsyncIterable<number>): Promise<number[]> {
  const all: number[] = []
  for await (const page of pages) all.push(page)
  return all
}

describe('awsPages', () => {
  it('yields every page, then ends the paginator', async () => {
    const p = pagesOf([1, 2, 3])
    await expect(
      collect(awsPages('ecr:DescribeImages', p.pages))
    ).resolves.toEqual([1, 2, 3])
    expect(p.ended()).toBe(true)
  })

  it('a known error answered "end" ends the listing there', async () => {
    const p = pagesOf([1, awsError('RepositoryNotFoundException'), 3])
    await expect(
      collect(
        awsPages('ecr:DescribeImages', p.pages, {
          RepositoryNotFoundException: () => 'end'
        })
      )
    ).resolves.toEqual([1])
    expect(p.ended()).toBe(true)
  })

  it('any other error of a page names the IAM action', async () => {
    const p = pagesOf([1, awsError('AccessDeniedException', 'no')])
    await expect(collect(awsPages('ecr:ListImages', p.pages))).rejects.toThrow(
      'ecr:ListImages was denied (AccessDeniedException): no.'
    )
    expect(p.ended()).toBe(true)
  })

  it('a consumer that stops early ends the paginator', async () => {
    const p = pagesOf([1, 2, 3])
    for await (const page of awsPages('ecr:DescribeImages', p.pages))
      if (page === 1) break
    expect(p.ended()).toBe(true)
  })
})
