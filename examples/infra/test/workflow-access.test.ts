/**
 * The example workflows can run against the example infrastructure: for every
 * job that uses the action, the role it assumes (by the repository variable
 * the infra README maps to a stack output) trusts the OIDC subject GitHub
 * gives that job, and its policy allows what the action calls on every
 * function, region and repository the step names. The stacks are synthesized
 * from cdk.json, as `cdk synth` does; the checks live in ./workflow-access.ts.
 */
import { parse } from 'yaml'
import {
  ACCOUNT,
  EXAMPLES,
  FILES,
  STACK_REGION,
  VARIABLES,
  type Workflow,
  accessProblems,
  cdkContext,
  githubRepository,
  read,
  roleOfOutput,
  subjectsOf,
  synthesize
} from './workflow-access'

const infra = synthesize()

describe('the infra README maps repository variables to stack outputs', () => {
  it('for the region, both roles and the preview execution role', () => {
    expect(VARIABLES).toEqual({
      AWS_REGION: 'region',
      AWS_DEPLOY_ROLE_ARN: 'DeployRoleArn',
      AWS_PREVIEW_ROLE_ARN: 'PreviewRoleArn',
      AWS_PREVIEW_EXECUTION_ROLE_ARN: 'PreviewExecutionRoleArn'
    })
  })
})

describe('the example workflows against the example infrastructure', () => {
  it("gives each role policies within IAM's quota for a role's inline policies", () => {
    // 10,240 characters for all of a role's inline policies, whitespace not
    // counted (IAM and AWS STS quotas). The stand-in region is longer than
    // any real one, so this errs on the safe side.
    for (const output of ['DeployRoleArn', 'PreviewRoleArn']) {
      const { permissions } = roleOfOutput(infra.app, output)
      const size = JSON.stringify(permissions).replace(/\s/g, '').length
      expect(size).toBeGreaterThan(1000)
      expect(size).toBeLessThan(10_240)
    }
  })

  it.each(FILES)(
    '%s.yml: every role trusts its jobs and allows their calls',
    name => {
      const path = `${EXAMPLES}/${name}.yml`
      expect(accessProblems(path, read(path), infra)).toEqual([])
    }
  )

  it('checks real jobs: the subjects and calls it derives', () => {
    const buildOnce = parse(read(`${EXAMPLES}/build-once.yml`)) as Workflow
    const repo = `repo:${githubRepository}`
    expect(subjectsOf(buildOnce, buildOnce.jobs.build ?? {})).toEqual([
      `${repo}:ref:refs/heads/main`
    ])
    expect(subjectsOf(buildOnce, buildOnce.jobs.production ?? {})).toEqual([
      `${repo}:environment:production`
    ])
    const preview = parse(read(`${EXAMPLES}/preview.yml`)) as Workflow
    expect(subjectsOf(preview, preview.jobs.preview ?? {})).toEqual([
      `${repo}:pull_request`
    ])
    const rollback = parse(read(`${EXAMPLES}/rollback.yml`)) as Workflow
    expect(subjectsOf(rollback, rollback.jobs.rollback ?? {})).toEqual([
      `${repo}:ref:refs/heads/main`
    ])
  })
})

describe('the check fails when the workflows and the infra disagree', () => {
  const variant = (name: string, from: string, to: string): string => {
    const text = read(`${EXAMPLES}/${name}.yml`)
    expect(text).toContain(from)
    return text.replace(from, to)
  }

  it('a preview that assumes the deploy role', () => {
    const text = variant(
      'preview',
      'vars.AWS_PREVIEW_ROLE_ARN',
      'vars.AWS_DEPLOY_ROLE_ARN'
    )
    expect(accessProblems('p.yml', text, infra)).toContain(
      `p.yml preview: DeployRoleArn does not trust repo:${githubRepository}:pull_request`
    )
  })

  it('a function the deploy role may not deploy, which the stack lacks', () => {
    const text = variant(
      'deploy-many',
      'aspnet-minimal-api-partners',
      'aspnet-minimal-api-partners\n            aspnet-minimal-api-admin'
    )
    expect(accessProblems('m.yml', text, infra)).toEqual(
      expect.arrayContaining([
        `m.yml deploy: DeployRoleArn may not lambda:UpdateFunctionCode on arn:aws:lambda:${STACK_REGION}:${ACCOUNT}:function:aspnet-minimal-api-admin`,
        'm.yml deploy: the infra has no function aspnet-minimal-api-admin'
      ])
    )
  })

  it('a region the deploy role does not cover', () => {
    const text = variant(
      'build-once',
      '[eu-west-1, us-east-1]',
      '[eu-west-1, ap-south-1]'
    )
    expect(accessProblems('b.yml', text, infra)).toContain(
      `b.yml production: DeployRoleArn may not lambda:UpdateFunctionCode on arn:aws:lambda:ap-south-1:${ACCOUNT}:function:aspnet-minimal-api`
    )
  })

  it('an environment the deploy role does not trust', () => {
    const without = synthesize({ ...cdkContext, deployEnvironments: [] })
    const path = `${EXAMPLES}/build-once.yml`
    expect(accessProblems(path, read(path), without)).toEqual([
      `${path} production: DeployRoleArn does not trust repo:${githubRepository}:environment:production`
    ])
  })

  it('a preview pushed to the production repository', () => {
    const text = variant(
      'preview',
      'REPOSITORY: aspnet-minimal-api-previews',
      'REPOSITORY: aspnet-minimal-api'
    )
    expect(accessProblems('p.yml', text, infra)).toContain(
      `p.yml preview: PreviewRoleArn may not ecr:PutImage on arn:aws:ecr:${STACK_REGION}:${ACCOUNT}:repository/aspnet-minimal-api`
    )
  })
})
