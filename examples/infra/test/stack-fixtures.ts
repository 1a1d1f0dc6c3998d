/**
 * Shared setup for the stack tests (stacks.test.ts, deploy-roles.test.ts,
 * deploy-policy.test.ts): an AppStack with test names, the documented
 * policies read independently of lib/readme-policy.ts, and readers for the
 * GitHub roles' trust and permissions in a synthesized template.
 */
import { readFileSync } from 'node:fs'
import { App, type Stack } from 'aws-cdk-lib'
import { type Template } from 'aws-cdk-lib/assertions'
import { POLICY_PATH } from '../lib/readme-policy'
import { AppStack, type AppStackProps } from '../lib/stacks'

// docs/permissions.md, where the README's Permissions section points.
export const readme = readFileSync(POLICY_PATH, 'utf8')

export function appStack(overrides: Partial<AppStackProps> = {}): Stack {
  return new AppStack(new App(), 'App', {
    repositoryName: 'team/web',
    functionName: 'web-api',
    architecture: 'arm64',
    githubRepository: 'acme/web',
    ...overrides
  })
}

/** The documented policy, read here independently of lib/readme-policy.ts. */
export function readmeActions(heading = 'The policy'): string[] {
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
export function deployRoleStatements(
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
export function trustedSubjects(
  template: Template,
  logicalPrefix: string
): unknown {
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
