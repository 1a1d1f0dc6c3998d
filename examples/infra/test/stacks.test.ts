import { readFileSync } from 'node:fs'
import { App, type Stack } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import {
  POLICY_PATH,
  actionsOf,
  deployPolicy,
  readmePolicy
} from '../lib/readme-policy'
import { stacksFromContext } from '../lib/app'
import { AppStack, type AppStackProps, RepositoryStack } from '../lib/stacks'

// docs/permissions.md, where the README's Permissions section points.
const readme = readFileSync(POLICY_PATH, 'utf8')

function appStack(overrides: Partial<AppStackProps> = {}): Stack {
  return new AppStack(new App(), 'App', {
    repositoryName: 'team/web',
    functionName: 'web-api',
    architecture: 'arm64',
    githubRepository: 'acme/web',
    ...overrides
  })
}

/** The documented policy, read here independently of lib/readme-policy.ts. */
function readmeActions(heading = 'The policy'): string[] {
  const permissions =
    readme.split(new RegExp(`^## ${heading}\\s*$`, 'm'))[1] ?? ''
  const json = /```json\n([\s\S]*?)\n```/.exec(permissions)?.[1] ?? '{}'
  const policy = JSON.parse(json) as {
    Statement: { Action: string | string[] }[]
  }
  return policy.Statement.flatMap(s =>
    Array.isArray(s.Action) ? s.Action : [s.Action]
  ).sort()
}

/** The statements of the deploy role's policy (DeployPolicy) or the preview role's. */
function deployRoleStatements(
  template: Template,
  logicalPrefix: 'DeployPolicy' | 'PreviewPolicy' = 'DeployPolicy'
): Record<string, unknown>[] {
  const policies = template.findResources('AWS::IAM::Policy')
  const entries = Object.entries(policies).filter(([id]) =>
    id.startsWith(logicalPrefix)
  )
  expect(entries).toHaveLength(1)
  const document = (
    entries[0]?.[1] as {
      Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } }
    }
  ).Properties.PolicyDocument
  return document.Statement
}

/** The sub claims a role's trust policy accepts, by the role's logical id prefix. */
function trustedSubjects(template: Template, logicalPrefix: string): unknown {
  const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(
    ([id]) => id.startsWith(logicalPrefix)
  )
  expect(roles).toHaveLength(1)
  const statement = (
    roles[0]?.[1] as {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: { Condition: { StringEquals: Record<string, unknown> } }[]
        }
      }
    }
  ).Properties.AssumeRolePolicyDocument.Statement
  expect(statement).toHaveLength(1)
  return statement[0]?.Condition.StringEquals[
    'token.actions.githubusercontent.com:sub'
  ]
}

describe('RepositoryStack', () => {
  const template = Template.fromStack(
    new RepositoryStack(new App(), 'Repo', { repositoryName: 'team/web' })
  )
  interface LifecyclePolicy {
    rules: { rulePriority: number; selection: Record<string, unknown> }[]
  }
  const lifecycle = (): LifecyclePolicy => {
    const repository = Object.values(
      template.findResources('AWS::ECR::Repository')
    )[0] as {
      Properties: { LifecyclePolicy: { LifecyclePolicyText: string } }
    }
    return JSON.parse(
      repository.Properties.LifecyclePolicy.LifecyclePolicyText
    ) as LifecyclePolicy
  }

  it('is IMMUTABLE, kept on stack deletion', () => {
    template.hasResource('AWS::ECR::Repository', {
      Properties: {
        RepositoryName: 'team/web',
        ImageTagMutability: 'IMMUTABLE'
      },
      DeletionPolicy: 'Retain'
    })
  })

  it('keeps the newest 30 images, of which previews are at most 10', () => {
    const rules = lifecycle().rules
    expect(rules.map(rule => rule.selection)).toEqual([
      {
        tagStatus: 'tagged',
        tagPatternList: ['release-*'],
        countType: 'imageCountMoreThan',
        countNumber: 9999
      },
      {
        tagStatus: 'tagged',
        tagPatternList: ['pr-*'],
        countType: 'imageCountMoreThan',
        countNumber: 10
      },
      {
        tagStatus: 'untagged',
        countType: 'sinceImagePushed',
        countUnit: 'days',
        countNumber: 1
      },
      {
        tagStatus: 'any',
        countType: 'imageCountMoreThan',
        countNumber: 30
      }
    ])
  })

  it('evaluates the pinned and preview rules before the catch-all', () => {
    // An image matched by a rule cannot be expired by a later rule: that is
    // what protects pinned tags, and the any rule must come last (ECR).
    const priorities = lifecycle().rules.map(rule => rule.rulePriority)
    expect([...priorities].sort((a, b) => a - b)).toEqual(priorities)
    expect(lifecycle().rules.at(-1)?.selection.tagStatus).toBe('any')
  })

  it('refuses a preview allowance that could push out every deployed image', () => {
    expect(
      () =>
        new RepositoryStack(new App(), 'Repo', {
          repositoryName: 'x',
          imagesToKeep: 10,
          previewImagesToKeep: 10
        })
    ).toThrow(/must be less than imagesToKeep/)
  })

  it('keeps pull request images in a repository of their own, which Lambda can pull from', () => {
    template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'team/web-previews',
      ImageTagMutability: 'IMMUTABLE',
      RepositoryPolicyText: Match.objectLike({
        Statement: [
          Match.objectLike({
            Principal: { Service: 'lambda.amazonaws.com' },
            Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']
          })
        ]
      })
    })
    Template.fromStack(
      new RepositoryStack(new App(), 'NoPreviews', {
        repositoryName: 'team/web',
        previewRepository: false
      })
    ).resourceCountIs('AWS::ECR::Repository', 1)
  })

  it('lets Lambda functions of this account pull, and nobody else', () => {
    template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'lambda.amazonaws.com' },
            Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            Condition: { StringLike: { 'aws:sourceArn': Match.anyValue() } }
          })
        ]
      }
    })
  })
})

describe('AppStack', () => {
  const template = Template.fromStack(appStack())

  it('creates the function from the repository by name and the ImageTag parameter', () => {
    template.hasParameter('ImageTag', { Type: 'String' })
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'web-api',
      PackageType: 'Image',
      Architectures: ['arm64'],
      Code: {
        ImageUri: {
          'Fn::Join': [
            '',
            Match.arrayWith([
              Match.stringLikeRegexp('/team/web:$'),
              { Ref: 'ImageTag' }
            ])
          ]
        }
      }
    })
    // Nothing to build or upload at synth time.
    expect(JSON.stringify(template.toJSON())).not.toMatch(
      /cdk-assets|DockerImageAsset/
    )
  })

  it.each([
    ['x86_64', 'x86_64'],
    ['arm64', 'arm64']
  ] as const)(
    'architecture %s gives Architectures [%s]',
    (architecture, expected) => {
      Template.fromStack(appStack({ architecture })).hasResourceProperties(
        'AWS::Lambda::Function',
        { Architectures: [expected] }
      )
    }
  )

  it('runs the function with its own execution role, named as the README expects', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'web-api-lambda',
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [
          Match.objectLike({
            Principal: { Service: 'lambda.amazonaws.com' }
          })
        ]
      })
    })
  })

  it('serves an HTTP API through the live alias, which follows $LATEST', () => {
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionVersion: '$LATEST'
    })
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP'
    })
    const aliasId = Object.keys(template.findResources('AWS::Lambda::Alias'))[0]
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { Ref: aliasId }
    })
  })

  it("gives the function a public URL with both permissions Lambda's current rule requires", () => {
    const template = Template.fromStack(appStack())
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: Match.anyValue()
    })
    const permissions = Object.values(
      template.findResources('AWS::Lambda::Permission')
    ).map(
      resource =>
        (resource as { Properties: Record<string, unknown> }).Properties
    )
    const publicUrl = permissions.filter(p => p.Principal === '*')
    // Since October 2025 an AuthType NONE URL answers 403 without both.
    expect(publicUrl).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'lambda:InvokeFunctionUrl',
          FunctionUrlAuthType: 'NONE'
        }),
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          InvokedViaFunctionUrl: true
        })
      ])
    )
    // Nothing else is granted to everyone.
    expect(publicUrl).toHaveLength(2)
    template.hasOutput('FunctionUrl', Match.anyValue())
  })

  it('creates the GitHub OIDC provider, or reuses an existing one', () => {
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com']
    })
    const reusing = Template.fromStack(
      appStack({
        existingOidcProviderArn:
          'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com'
      })
    )
    reusing.resourceCountIs('AWS::IAM::OIDCProvider', 0)
  })

  it('trusts the deploy role only from main, and the preview role only from pull requests', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRoleWithWebIdentity',
            Effect: 'Allow',
            Principal: { Federated: Match.anyValue() },
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub':
                  'repo:acme/web:ref:refs/heads/main'
              }
            }
          }
        ],
        Version: '2012-10-17'
      }
    })
    // A pull_request run uses the PR's workflow file: it must never get the deploy role.
    expect(trustedSubjects(template, 'DeployRole')).toBe(
      'repo:acme/web:ref:refs/heads/main'
    )
    expect(trustedSubjects(template, 'PreviewRole')).toBe(
      'repo:acme/web:pull_request'
    )
  })

  it('has no preview role, and no pull_request subject anywhere, when previews are off', () => {
    const off = Template.fromStack(appStack({ allowPullRequests: false }))
    expect(trustedSubjects(off, 'DeployRole')).toBe(
      'repo:acme/web:ref:refs/heads/main'
    )
    expect(JSON.stringify(off.toJSON())).not.toContain('pull_request')
    off.resourceCountIs('AWS::IAM::Policy', 1)
  })

  it("gives the preview role exactly the preview policy's actions, only on previews", () => {
    const statements = deployRoleStatements(template, 'PreviewPolicy')
    const actions = statements
      .flatMap((s): unknown[] =>
        Array.isArray(s.Action) ? s.Action : [s.Action]
      )
      .map(String)
      .sort()
    expect(actions).toEqual(readmeActions('The preview policy'))
    const text = JSON.stringify(statements)
    expect(text).toContain(':function:web-api-pr-*')
    expect(text).toContain(':repository/team/web-previews')
    expect(text).not.toContain('my-api')
    const passRole = statements.find(s => s.Action === 'iam:PassRole')
    expect(JSON.stringify(passRole?.Resource)).toMatch(
      /:role\/web-api-preview"/
    )
    // The role it passes exists, runs as Lambda, with basic logging only.
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'web-api-preview',
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [
          Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })
        ]
      })
    })
  })

  it('trusts the deploy role from the deployEnvironments too, never from pull requests', () => {
    const withProduction = Template.fromStack(
      appStack({ deployEnvironments: ['production'] })
    )
    expect(trustedSubjects(withProduction, 'DeployRole')).toEqual([
      'repo:acme/web:ref:refs/heads/main',
      'repo:acme/web:environment:production'
    ])
    expect(trustedSubjects(withProduction, 'PreviewRole')).toBe(
      'repo:acme/web:pull_request'
    )
    for (const name of ['', ' production', 'prod*', 'a:b']) {
      expect(() => appStack({ deployEnvironments: [name] })).toThrow(
        /deployEnvironments names GitHub environments/
      )
    }
  })

  it('creates the additional functions from the same image, with a live alias and a public URL on it, and lets the deploy role deploy them', () => {
    const template = Template.fromStack(
      appStack({ additionalFunctionNames: ['web-api-staging'] })
    )
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'web-api-staging',
      PackageType: 'Image',
      Architectures: ['arm64']
    })
    template.resourceCountIs('AWS::Lambda::Function', 2)
    template.resourceCountIs('AWS::Lambda::Alias', 2)
    const aliases = template.findResources('AWS::Lambda::Alias')
    const stagingAlias = Object.keys(aliases).find(id =>
      id.startsWith('LiveAliaswebapistaging')
    )
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      Qualifier: 'live',
      TargetFunctionArn: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^Functionwebapistaging'), 'Arn']
      }
    })
    expect(stagingAlias).toBeDefined()
    const text = JSON.stringify(deployRoleStatements(template))
    expect(text).toContain(':function:web-api-staging"')
    expect(text).toContain(':function:web-api-staging:*"')
    expect(text).toContain(':log-group:/aws/lambda/web-api-staging:*"')
    // Previews stay previews of the stack's own function.
    expect(
      JSON.stringify(deployRoleStatements(template, 'PreviewPolicy'))
    ).not.toContain('staging')
    expect(() => appStack({ additionalFunctionNames: ['web api'] })).toThrow(
      /function names are 1 to 64/
    )
  })

  it('lets the deploy role deploy in the deployRegions too', () => {
    const statements = deployRoleStatements(
      Template.fromStack(appStack({ deployRegions: ['us-east-1'] }))
    )
    const sids = statements.map(s => s.Sid)
    expect(sids).toEqual(
      expect.arrayContaining([
        'LambdaDeployAndWait',
        'LambdaDeployAndWaitUsEast1',
        'EcrPushAndCheckImageUsEast1'
      ])
    )
    // Statements on '*' are not repeated.
    expect(sids).not.toContain('EcrLoginUsEast1')
    const usEast1 = JSON.stringify(
      statements.find(s => s.Sid === 'LambdaDeployAndWaitUsEast1')
    )
    expect(usEast1).toContain(':lambda:us-east-1:')
    expect(usEast1).toContain(':function:web-api')
  })

  it('refuses a githubRepository that is not owner/name', () => {
    expect(() => appStack({ githubRepository: 'acme' })).toThrow(/owner\/name/)
  })

  it("gives the deploy role exactly the README's IAM actions", () => {
    const actions = deployRoleStatements(template)
      .flatMap((s): unknown[] =>
        Array.isArray(s.Action) ? s.Action : [s.Action]
      )
      .map(String)
      .sort()
    expect(actions.length).toBeGreaterThan(10)
    expect(actions).toEqual(readmeActions())
  })

  it("keeps the README's statements, with the real names in every resource", () => {
    const statements = deployRoleStatements(template)
    const documented = readmePolicy(readme).Statement
    expect(statements.map(s => s.Sid)).toEqual(documented.map(s => s.Sid))
    const text = JSON.stringify(statements)
    for (const example of [
      '123456789012',
      'eu-west-1',
      'team/my-api',
      ':function:my-api',
      '/aws/lambda/my-api'
    ]) {
      expect(text).not.toContain(example)
    }
    expect(text).toContain('team/web')
    expect(text).toContain(':function:web-api')
    expect(text).toContain(':log-group:/aws/lambda/web-api:*')
  })

  it('lets the deploy role pass exactly the execution role, if the README asks for PassRole', () => {
    const passRole = deployRoleStatements(template).find(
      s => s.Action === 'iam:PassRole'
    )
    if (!readmeActions().includes('iam:PassRole')) {
      expect(passRole).toBeUndefined()
      return
    }
    const roleName = (resource: unknown): string =>
      JSON.stringify(resource).replace(/.*:role\/([^"]+)".*/, '$1')
    expect(roleName(passRole?.Resource)).toBe('web-api-lambda')
  })
})

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

describe('stacksFromContext', () => {
  const context = {
    architecture: 'x86_64',
    githubRepository: 'acme/web',
    functionName: 'web-api',
    repositoryName: 'team/web'
  }
  const deployTrust = (extra: Record<string, unknown>): unknown =>
    trustedSubjects(
      Template.fromStack(
        stacksFromContext(new App({ context: { ...context, ...extra } })).app
      ),
      'DeployRole'
    )

  it('reads lists as JSON arrays (cdk.json) or comma-separated (-c)', () => {
    const both = [
      'repo:acme/web:ref:refs/heads/main',
      'repo:acme/web:environment:production',
      'repo:acme/web:environment:staging'
    ]
    expect(
      deployTrust({ deployEnvironments: ['production', 'staging'] })
    ).toEqual(both)
    expect(deployTrust({ deployEnvironments: 'production, staging' })).toEqual(
      both
    )
    expect(deployTrust({})).toBe('repo:acme/web:ref:refs/heads/main')
  })

  it('refuses a list that is not names', () => {
    expect(() => deployTrust({ deployRegions: [1] })).toThrow(
      /"deployRegions" context is a list of names/
    )
    expect(() => deployTrust({ additionalFunctionNames: 'a,,b' })).toThrow(
      /"additionalFunctionNames" context is a list/
    )
  })
})
