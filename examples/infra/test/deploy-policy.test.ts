/**
 * deployPolicy and readmePolicy: the documented policy, with the example names
 * replaced by a stack's, repeated per function and per region.
 */
import { actionsOf, deployPolicy, readmePolicy } from '../lib/readme-policy'
import { readme, readmeActions } from './stack-fixtures'

describe('deployPolicy', () => {
  const names = {
    partition: 'aws',
    region: 'us-east-2',
    account: '111122223333',
    repositoryName: 'team/web',
    functionName: 'web-api'
  }

  it('substitutes the example names in every kind of resource the README uses', () => {
    const policy = deployPolicy(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'x:Y',
            Resource: [
              '*',
              'arn:aws:ecr:eu-west-1:123456789012:repository/team/my-api',
              'arn:aws:lambda:eu-west-1:123456789012:function:my-api',
              'arn:aws:lambda:eu-west-1:123456789012:function:my-api-pr-*',
              'arn:aws:lambda:eu-west-1:123456789012:function:my-api:*',
              'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/my-api:*',
              'arn:aws:iam::123456789012:role/my-api-lambda',
              'arn:aws:apigateway:eu-west-1::/apis/*'
            ]
          }
        ]
      },
      names
    )
    expect(policy.Statement[0]?.Resource).toEqual([
      '*',
      'arn:aws:ecr:us-east-2:111122223333:repository/team/web',
      'arn:aws:lambda:us-east-2:111122223333:function:web-api',
      'arn:aws:lambda:us-east-2:111122223333:function:web-api-pr-*',
      'arn:aws:lambda:us-east-2:111122223333:function:web-api:*',
      'arn:aws:logs:us-east-2:111122223333:log-group:/aws/lambda/web-api:*',
      'arn:aws:iam::111122223333:role/web-api-lambda',
      'arn:aws:apigateway:us-east-2::/apis/*'
    ])
  })

  it('repeats function resources per function, and regional statements per region', () => {
    const policy = deployPolicy(
      {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Login', Effect: 'Allow', Action: 'ecr:X', Resource: '*' },
          {
            Sid: 'Fn',
            Effect: 'Allow',
            Action: 'lambda:X',
            Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:my-api:*'
          },
          {
            Sid: 'Repo',
            Effect: 'Allow',
            Action: 'ecr:Y',
            Resource:
              'arn:aws:ecr:eu-west-1:123456789012:repository/team/my-api'
          }
        ]
      },
      { ...names, otherFunctionNames: ['web-b'], otherRegions: ['ap-south-1'] }
    )
    expect(policy.Statement).toEqual([
      { Sid: 'Login', Effect: 'Allow', Action: 'ecr:X', Resource: '*' },
      {
        Sid: 'Fn',
        Effect: 'Allow',
        Action: 'lambda:X',
        Resource: [
          'arn:aws:lambda:us-east-2:111122223333:function:web-api:*',
          'arn:aws:lambda:us-east-2:111122223333:function:web-b:*'
        ]
      },
      {
        Sid: 'Repo',
        Effect: 'Allow',
        Action: 'ecr:Y',
        Resource: 'arn:aws:ecr:us-east-2:111122223333:repository/team/web'
      },
      {
        Sid: 'FnApSouth1',
        Effect: 'Allow',
        Action: 'lambda:X',
        Resource: [
          'arn:aws:lambda:ap-south-1:111122223333:function:web-api:*',
          'arn:aws:lambda:ap-south-1:111122223333:function:web-b:*'
        ]
      },
      {
        Sid: 'RepoApSouth1',
        Effect: 'Allow',
        Action: 'ecr:Y',
        Resource: 'arn:aws:ecr:ap-south-1:111122223333:repository/team/web'
      }
    ])
    expect(() =>
      deployPolicy(readmePolicy(readme), {
        ...names,
        otherRegions: ['eu west']
      })
    ).toThrow(/not an AWS region name/)
  })

  it('refuses a resource it does not know how to substitute', () => {
    expect(() =>
      deployPolicy(
        {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::my-api-artifacts/*'
            }
          ]
        },
        names
      )
    ).toThrow(/still names my-api/)
  })

  it('accepts a real function called my-api', () => {
    const policy = deployPolicy(readmePolicy(readme), {
      ...names,
      functionName: 'my-api'
    })
    expect(JSON.stringify(policy)).toContain(':function:my-api"')
  })

  it('reads the policy from the "The policy" section only', () => {
    expect(() => readmePolicy('# x\n```json\n{}\n```\n')).toThrow(
      /no "## The policy" section/
    )
    expect(actionsOf(readmePolicy(readme))).toEqual(readmeActions())
  })
})
