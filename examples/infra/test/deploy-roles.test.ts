/**
 * The app stack's GitHub roles: whom the deploy and preview roles trust, and
 * that their policies are the documented ones with the stack's names, for
 * every function, region and environment the stack is given.
 */
import { Match, Template } from 'aws-cdk-lib/assertions'
import { readmePolicy } from '../lib/readme-policy'
import { NOT_FOR_THIS_STACK } from '../lib/stacks'
import {
  appStack,
  deployRoleStatements,
  readme,
  readmeActions,
  trustedSubjects
} from './stack-fixtures'

describe('AppStack', () => {
  const template = Template.fromStack(appStack())

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

  it('trusts exactly the immutable subject (owner and repository ids) when the repository uses it', () => {
    // GitHub's OIDC reference: repo:octocat@123456/my-repo@456789:ref:refs/heads/main
    // for repositories created, renamed or transferred on or after 2026-07-15.
    const withIds = Template.fromStack(
      appStack({
        githubRepository: 'acme@123456/web@456789',
        deployEnvironments: ['production']
      })
    )
    expect(trustedSubjects(withIds, 'DeployRole')).toEqual([
      'repo:acme@123456/web@456789:ref:refs/heads/main',
      'repo:acme@123456/web@456789:environment:production'
    ])
    expect(trustedSubjects(withIds, 'PreviewRole')).toBe(
      'repo:acme@123456/web@456789:pull_request'
    )
    // Never the name form beside it: whoever holds the name later must not get the role.
    expect(JSON.stringify(withIds.toJSON())).not.toContain('repo:acme/web')
    for (const repository of [
      'acme@123456/web',
      'acme/web@456789',
      'acme@x/web@1',
      'acme@123456/web@456789/extra'
    ]) {
      expect(() => appStack({ githubRepository: repository })).toThrow(
        /owner\/name, or owner@OWNER_ID\/name@REPO_ID/
      )
    }
  })

  it("gives the deploy role exactly the README's IAM actions", () => {
    const actions = deployRoleStatements(template)
      .flatMap((s): unknown[] =>
        Array.isArray(s.Action) ? s.Action : [s.Action]
      )
      .map(String)
      .sort()
    expect(actions.length).toBeGreaterThan(10)
    // All of them but those of the statements for inputs this stack's
    // workflows do not use (lib/stacks.ts, NOT_FOR_THIS_STACK).
    const left = readmePolicy(readme)
      .Statement.filter(st => NOT_FOR_THIS_STACK.has(st.Sid ?? ''))
      .flatMap(st => [st.Action].flat())
    expect(left.length).toBeGreaterThan(0)
    const expected = [...readmeActions()]
    for (const action of left) expected.splice(expected.indexOf(action), 1)
    expect(actions).toEqual(expected)
  })

  it("keeps the README's statements, with the real names in every resource", () => {
    const statements = deployRoleStatements(template)
    const documented = readmePolicy(readme).Statement.filter(
      st => !NOT_FOR_THIS_STACK.has(st.Sid ?? '')
    )
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

  it('passes no role: the stack creates the function, and the README names its execution role', () => {
    // PassRole is only for role (the first deploy creates the function).
    expect(
      deployRoleStatements(template).find(s => s.Action === 'iam:PassRole')
    ).toBeUndefined()
    const passRole = readmePolicy(readme).Statement.find(
      st => st.Action === 'iam:PassRole'
    )
    expect(passRole?.Sid).toBe('PassOnlyTheExecutionRole')
    // The stack's execution role is <function>-lambda, as the README's.
    expect(passRole?.Resource).toBe(
      'arn:aws:iam::123456789012:role/my-api-lambda'
    )
  })
})
