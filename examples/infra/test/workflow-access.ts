/**
 * Checks the example workflows against the example infrastructure, for
 * workflow-access.test.ts: synthesizes the stacks from cdk.json (as `cdk synth`
 * does), resolves the templates' roles and policies, derives each job's OIDC
 * subjects (GitHub's default subject template) and what the action calls per
 * mode (see docs/permissions.md), and lists what the infrastructure would
 * refuse. Policies are evaluated with ./iam.ts.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { App } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import { parse } from 'yaml'
import { stacksFromContext } from '../lib/app'
import { allows, type Policy, type RequestContext, trustsSubject } from './iam'

const root = join(__dirname, '..', '..', '..')
export const read = (path: string): string =>
  readFileSync(join(root, path), 'utf8')
export const EXAMPLES = 'examples/workflows'
export const FILES = [
  'build-once',
  'deploy-many',
  'deploy',
  'preview',
  'rollback'
]

export const cdkContext = (
  JSON.parse(read('examples/infra/cdk.json')) as {
    context: Record<string, unknown>
  }
).context
export const githubRepository = String(cdkContext.githubRepository)

// Stand-ins for what is only known at deploy time: the stacks are
// environment-agnostic, so ${{ vars.AWS_REGION }} is "the stacks' region",
// which no literal region in a workflow equals.
export const STACK_REGION = 'the-stacks-region'
export const ACCOUNT = '123456789012'
const PSEUDO: Record<string, string> = {
  'AWS::Region': STACK_REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com'
}

interface Resource {
  Type: string
  Properties?: Record<string, unknown>
}
export interface CfnTemplate {
  Resources: Record<string, Resource>
  Outputs?: Record<string, { Value: unknown }>
}

export interface Infra {
  app: CfnTemplate
  repository: CfnTemplate
}

export function synthesize(
  context: Record<string, unknown> = cdkContext
): Infra {
  const stacks = stacksFromContext(new App({ context }))
  return {
    app: Template.fromStack(stacks.app).toJSON() as CfnTemplate,
    repository: Template.fromStack(stacks.repository).toJSON() as CfnTemplate
  }
}

/** A template value with Ref, Fn::Join and Fn::GetAtt (role ARNs) resolved. */
function resolve(value: unknown, template: CfnTemplate): unknown {
  if (Array.isArray(value)) return value.map(v => resolve(v, template))
  if (typeof value !== 'object' || value === null) return value
  const entries = Object.entries(value)
  const [key, argument] = entries[0] ?? []
  if (entries.length === 1 && key === 'Ref') {
    const name = String(argument)
    const pseudo = PSEUDO[name]
    if (pseudo !== undefined) return pseudo
    if (template.Resources[name] !== undefined) return `ref:${name}`
    throw new Error(`cannot resolve Ref ${name}`)
  }
  if (entries.length === 1 && key === 'Fn::Join') {
    const [separator, parts] = argument as [string, unknown[]]
    return parts.map(part => String(resolve(part, template))).join(separator)
  }
  if (entries.length === 1 && key === 'Fn::GetAtt') {
    const [id, attribute] = argument as [string, string]
    const resource = template.Resources[id]
    if (resource?.Type === 'AWS::IAM::Role' && attribute === 'Arn') {
      const name = resource.Properties?.RoleName
      return `arn:aws:iam::${ACCOUNT}:role/${typeof name === 'string' ? name : id}`
    }
    throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`)
  }
  if (key?.startsWith('Fn::') === true) {
    throw new Error(`cannot resolve ${key}`)
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v, template)]))
}

export interface Role {
  output: string
  arn: string
  trust: Policy
  permissions: Policy
}

/** The role whose ARN a stack output holds: its logical id and ARN. */
function roleArnOfOutput(
  template: CfnTemplate,
  output: string
): { id: string; arn: string } {
  const value = template.Outputs?.[output]?.Value as
    { 'Fn::GetAtt'?: [string, string] } | undefined
  const id = value?.['Fn::GetAtt']?.[0]
  if (id === undefined || template.Resources[id]?.Type !== 'AWS::IAM::Role') {
    throw new Error(`the output ${output} is not a role's ARN`)
  }
  return { id, arn: String(resolve(value, template)) }
}

/** The role whose ARN a stack output holds, with its trust and its policies. */
export function roleOfOutput(template: CfnTemplate, output: string): Role {
  const { id, arn } = roleArnOfOutput(template, output)
  const role = template.Resources[id]
  if (role?.Properties?.ManagedPolicyArns !== undefined) {
    throw new Error(`${id} has managed policies, which this test cannot read`)
  }
  const attached = Object.values(template.Resources).filter(
    resource =>
      resource.Type === 'AWS::IAM::Policy' &&
      JSON.stringify(resource.Properties?.Roles).includes(`"Ref":"${id}"`)
  )
  return {
    output,
    arn,
    trust: resolve(
      role?.Properties?.AssumeRolePolicyDocument,
      template
    ) as Policy,
    permissions: {
      Statement: attached.flatMap(
        policy =>
          (resolve(policy.Properties?.PolicyDocument, template) as Policy)
            .Statement
      )
    }
  }
}

/** The infra README's table: repository variable → what to set it to. */
function variablesTable(markdown: string): Record<string, string> {
  const rows = [
    ...markdown.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*([^|]+?)\s*\|/gm)
  ]
  return Object.fromEntries(
    rows.map(([, name, value]) => {
      const output = /^the `(\w+)` output/.exec(value?.trim() ?? '')?.[1]
      const region = /^the stacks' region/.test(value?.trim() ?? '')
      return [name ?? '', output ?? (region ? 'region' : `? ${value?.trim()}`)]
    })
  )
}
export const VARIABLES = variablesTable(read('examples/infra/README.md'))

interface Step {
  uses?: string
  with?: Record<string, string | boolean | number>
}
export interface Job {
  environment?: string | { name: string }
  env?: Record<string, string>
  strategy?: { matrix?: Record<string, unknown> }
  steps?: Step[]
}
export interface Workflow {
  on: Record<string, { branches?: string[] } | null>
  env?: Record<string, string>
  jobs: Record<string, Job>
}

const EXPRESSION = /^\$\{\{\s*([\w.-]+)\s*\}\}$/

/**
 * The OIDC sub claim of a job (GitHub's default subject template): with an
 * environment, repo:O/R:environment:NAME; otherwise pull_request runs get
 * repo:O/R:pull_request, and push and workflow_dispatch runs the branch
 * (workflow_dispatch: the default branch, main). One subject per trigger.
 */
export function subjectsOf(workflow: Workflow, job: Job): string[] {
  const repo = `repo:${githubRepository}`
  const environment =
    typeof job.environment === 'object' ? job.environment.name : job.environment
  if (environment !== undefined) {
    if (environment.includes('${{')) {
      throw new Error(`environment ${environment} is an expression`)
    }
    return [`${repo}:environment:${environment}`]
  }
  return Object.entries(workflow.on).flatMap(([event, filter]) => {
    if (event === 'pull_request') return [`${repo}:pull_request`]
    if (event === 'workflow_dispatch') return [`${repo}:ref:refs/heads/main`]
    if (event === 'push') {
      const branches = filter?.branches ?? []
      if (branches.length === 0 || branches.some(b => /[*?[!]/.test(b))) {
        throw new Error('push runs on branches this test cannot list')
      }
      return branches.map(branch => `${repo}:ref:refs/heads/${branch}`)
    }
    throw new Error(`no subject rule for the ${event} event`)
  })
}

interface Call {
  action: string
  resource: string
  context?: RequestContext
}

const LAMBDA_DEPLOY = [
  'lambda:GetFunction',
  'lambda:UpdateFunctionCode',
  'lambda:GetFunctionUrlConfig'
]
const LAMBDA_RELEASE = [
  'lambda:PublishVersion',
  'lambda:GetAlias',
  'lambda:CreateAlias',
  'lambda:UpdateAlias',
  'lambda:InvokeFunction',
  'lambda:GetFunction'
]
const ECR_READ = [
  'ecr:DescribeRepositories',
  'ecr:DescribeImages',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer'
]
const ECR_PUSH = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage'
]
const PREVIEW_CREATE = [
  'lambda:GetFunction',
  'lambda:ListTags',
  'lambda:CreateFunction',
  'lambda:TagResource',
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'lambda:GetFunctionUrlConfig',
  'lambda:CreateFunctionUrlConfig',
  'lambda:UpdateFunctionUrlConfig',
  'lambda:GetPolicy',
  'lambda:AddPermission',
  'lambda:RemovePermission'
]
const PREVIEW_CLEANUP = [
  'lambda:GetFunction',
  'lambda:ListTags',
  'lambda:DeleteFunctionUrlConfig',
  'lambda:DeleteFunction'
]
const PULL_REQUEST = 42

/**
 * What the action calls for one step in one region (see docs/permissions.md):
 * deploys, releases through an alias, previews and their cleanup.
 */
function callsOf(
  inputs: Record<string, string>,
  region: string,
  previewRoleArn: string | undefined
): Call[] {
  const arn = (service: string, resource: string): string =>
    `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`
  const functions = (inputs['function-name'] ?? '')
    .split(/[\n,]/)
    .map(name => name.trim())
    .filter(name => name !== '')
  const repository = arn('ecr', `repository/${inputs.repository ?? ''}`)
  const on = (actions: string[], resource: string): Call[] =>
    actions.map(action => ({ action, resource }))
  const mode = inputs.mode ?? 'deploy'
  const builds =
    inputs.image === undefined && inputs['rollback-to'] === undefined
  const calls: Call[] = [{ action: 'ecr:GetAuthorizationToken', resource: '*' }]
  for (const name of functions) {
    const production = arn('lambda', `function:${name}`)
    const preview = `${production}-pr-${PULL_REQUEST}`
    if (mode === 'deploy') {
      calls.push(...on(LAMBDA_DEPLOY, production))
      calls.push(...on(ECR_READ, repository))
      if (builds) calls.push(...on(ECR_PUSH, repository))
      if (inputs.alias !== undefined || inputs.publish === 'true') {
        const alias = inputs.alias ?? 'live'
        calls.push(...on(LAMBDA_RELEASE, production))
        calls.push(...on(LAMBDA_RELEASE, `${production}:${alias}`))
        calls.push(...on(LAMBDA_RELEASE, `${production}:7`))
      }
    } else if (mode === 'preview') {
      // Production is read only for how it is reached: nothing that
      // returns its configuration (and so its environment).
      calls.push(...on(['lambda:GetFunctionUrlConfig'], production))
      calls.push(...on(PREVIEW_CREATE, preview))
      calls.push(...on([...ECR_READ, ...ECR_PUSH], repository))
      calls.push({
        action: 'iam:PassRole',
        resource: previewRoleArn ?? '(no preview-role-arn)',
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' }
      })
    } else if (mode === 'cleanup') {
      calls.push(...on(PREVIEW_CLEANUP, preview))
      calls.push(
        ...on(
          ['ecr:ListImages', 'ecr:DescribeImages', 'ecr:BatchDeleteImage'],
          repository
        )
      )
    } else {
      throw new Error(`unknown mode ${mode}`)
    }
  }
  return calls
}

/** Everything in one workflow that the infrastructure would refuse. */
export function accessProblems(
  path: string,
  text: string,
  infra: Infra
): string[] {
  const workflow = parse(text) as Workflow
  const problems: string[] = []
  const created = (template: CfnTemplate, type: string, key: string) =>
    Object.values(template.Resources)
      .filter(resource => resource.Type === type)
      .map(resource => String(resource.Properties?.[key]))
  const functions = created(infra.app, 'AWS::Lambda::Function', 'FunctionName')
  const repositories = created(
    infra.repository,
    'AWS::ECR::Repository',
    'RepositoryName'
  )
  const outputOf = (expression: string, what: string): string => {
    const name = /^vars\.([A-Z_]+)$/.exec(
      EXPRESSION.exec(expression)?.[1] ?? ''
    )?.[1]
    const output = name === undefined ? undefined : VARIABLES[name]
    if (output === undefined || output === 'region') {
      throw new Error(
        `${what} is ${expression}, not a repository variable the infra README maps to an output`
      )
    }
    return output
  }

  for (const [jobName, job] of Object.entries(workflow.jobs)) {
    const steps = job.steps ?? []
    const where = `${path} ${jobName}`
    // ${{ env.X }} from the job or the workflow; anything else is refused.
    const text = (value: unknown): string =>
      String(value).replace(
        /\$\{\{\s*env\.(\w+)\s*\}\}/g,
        (_, name: string) => {
          const found = job.env?.[name] ?? workflow.env?.[name]
          if (found === undefined) throw new Error(`${where}: no env.${name}`)
          return found
        }
      )
    const regionsOf = (value: unknown): string[] => {
      const expression = EXPRESSION.exec(String(value))?.[1]
      if (expression === undefined) return [String(value)]
      const variable = /^vars\.(\w+)$/.exec(expression)?.[1]
      if (variable !== undefined && VARIABLES[variable] === 'region') {
        return [STACK_REGION]
      }
      const key = /^matrix\.(\w+)$/.exec(expression)?.[1]
      const values = key === undefined ? undefined : job.strategy?.matrix?.[key]
      if (Array.isArray(values) && values.every(v => typeof v === 'string')) {
        return values.map(String)
      }
      throw new Error(`${where}: cannot tell the regions of ${String(value)}`)
    }

    steps.forEach((step, index) => {
      if (step.uses?.startsWith('your-org/aspnet-lambda-deploy@') !== true) {
        return
      }
      const credentials = steps
        .slice(0, index)
        .reverse()
        .find(s => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))
      if (credentials === undefined) {
        problems.push(
          `${where}: no configure-aws-credentials before the action`
        )
        return
      }
      const role = roleOfOutput(
        infra.app,
        outputOf(String(credentials.with?.['role-to-assume']), 'role-to-assume')
      )
      for (const subject of subjectsOf(workflow, job)) {
        if (!trustsSubject(role.trust, subject)) {
          problems.push(`${where}: ${role.output} does not trust ${subject}`)
        }
      }
      const inputs = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([k, v]) => [k, text(v)])
      )
      const previewRole = step.with?.['preview-role-arn']
      const previewRoleArn =
        previewRole === undefined
          ? undefined
          : roleArnOfOutput(
              infra.app,
              outputOf(String(previewRole), 'preview-role-arn')
            ).arn
      const regions = regionsOf(
        inputs['aws-region'] ?? credentials.with?.['aws-region']
      )
      for (const region of regions) {
        for (const call of callsOf(inputs, region, previewRoleArn)) {
          if (
            !allows(role.permissions, call.action, call.resource, call.context)
          ) {
            problems.push(
              `${where}: ${role.output} may not ${call.action} on ${call.resource}`
            )
          }
        }
      }
      // What the stacks create, they create in their own region only.
      if (regions.includes(STACK_REGION)) {
        if (!repositories.includes(inputs.repository ?? '')) {
          problems.push(
            `${where}: the infra has no repository ${inputs.repository}`
          )
        }
        for (const name of (inputs['function-name'] ?? '').split('\n')) {
          if (name.trim() !== '' && !functions.includes(name.trim())) {
            problems.push(`${where}: the infra has no function ${name.trim()}`)
          }
        }
      }
    })
  }
  return [...new Set(problems)]
}
