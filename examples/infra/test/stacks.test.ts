/**
 * The repository stack, the app stack's function, API, URL and OIDC provider,
 * and the stacks cdk.json's context gives. The GitHub roles' trust and
 * policies are in deploy-roles.test.ts.
 */
import { App } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { stacksFromContext } from '../lib/app'
import { RepositoryStack } from '../lib/stacks'
import { appStack, trustedSubjects } from './stack-fixtures'

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
