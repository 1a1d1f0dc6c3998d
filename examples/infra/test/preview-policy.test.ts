/**
 * Nothing of production is reachable with the preview role (issue 21): the
 * role a pull request's workflow can assume may call nothing on production
 * that returns its configuration (whose answer carries the environment
 * variables in clear text) or changes it, and may not push to production's
 * repository, where a planted build-<key> or commit tag would be deployed by
 * main. Evaluated with the IAM evaluator of ./iam.ts on the synthesized
 * stacks (cdk.json's context).
 */
import { allows } from './iam'
import {
  ACCOUNT,
  STACK_REGION,
  roleOfOutput,
  synthesize
} from './workflow-access'

const infra = synthesize()
const preview = roleOfOutput(infra.app, 'PreviewRoleArn').permissions
const deploy = roleOfOutput(infra.app, 'DeployRoleArn').permissions

const FUNCTION = 'aspnet-minimal-api'
const lambdaArn = (name: string): string =>
  `arn:aws:lambda:${STACK_REGION}:${ACCOUNT}:function:${name}`
const PRODUCTION = lambdaArn(FUNCTION)
const PRODUCTION_REPOSITORY = `arn:aws:ecr:${STACK_REGION}:${ACCOUNT}:repository/${FUNCTION}`
const PREVIEWS_REPOSITORY = `${PRODUCTION_REPOSITORY}-previews`

/**
 * Every Lambda read whose answer includes a function's Environment (Lambda
 * API reference: GetFunction's Configuration, GetFunctionConfiguration,
 * ListVersionsByFunction's and ListFunctions' FunctionConfiguration items).
 * ListFunctions takes no resource: IAM evaluates it on "*".
 */
const READS_WITH_ENVIRONMENT: [string, string][] = [
  ['lambda:GetFunction', PRODUCTION],
  ['lambda:GetFunction', `${PRODUCTION}:live`],
  ['lambda:GetFunction', `${PRODUCTION}:1`],
  ['lambda:GetFunction', `${PRODUCTION}:$LATEST`],
  ['lambda:GetFunctionConfiguration', PRODUCTION],
  ['lambda:GetFunctionConfiguration', `${PRODUCTION}:live`],
  ['lambda:GetFunctionConfiguration', `${PRODUCTION}:1`],
  ['lambda:ListVersionsByFunction', PRODUCTION],
  ['lambda:ListFunctions', '*']
]

/** What changes production, its code, configuration, aliases or access. */
const CHANGES: string[] = [
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'lambda:PublishVersion',
  'lambda:CreateAlias',
  'lambda:UpdateAlias',
  'lambda:DeleteFunction',
  'lambda:TagResource',
  'lambda:AddPermission',
  'lambda:RemovePermission',
  'lambda:CreateFunctionUrlConfig',
  'lambda:UpdateFunctionUrlConfig',
  'lambda:DeleteFunctionUrlConfig',
  'lambda:PutFunctionConcurrency'
]

const PUSH = [
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
  'ecr:BatchDeleteImage'
]

describe('the preview role and production', () => {
  it.each(READS_WITH_ENVIRONMENT)(
    'denies %s on %s, whose answer carries the environment',
    (action, resource) => {
      expect(allows(preview, action, resource)).toBe(false)
    }
  )

  it.each(CHANGES)('denies %s on production and its versions', action => {
    for (const resource of [PRODUCTION, `${PRODUCTION}:live`]) {
      expect(allows(preview, action, resource)).toBe(false)
    }
  })

  it('may ask only how production is reached (its Function URL config)', () => {
    expect(allows(preview, 'lambda:GetFunctionUrlConfig', PRODUCTION)).toBe(
      true
    )
  })

  it.each(PUSH)(
    "cannot %s in production's repository, only in the previews' own",
    action => {
      expect(allows(preview, action, PRODUCTION_REPOSITORY)).toBe(false)
      expect(allows(preview, action, PREVIEWS_REPOSITORY)).toBe(true)
    }
  )

  it("does not even read production's repository", () => {
    for (const action of ['ecr:BatchGetImage', 'ecr:DescribeImages']) {
      expect(allows(preview, action, PRODUCTION_REPOSITORY)).toBe(false)
    }
  })

  it('still does what a preview needs on its own function', () => {
    for (const action of [
      'lambda:GetFunction',
      'lambda:CreateFunction',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:UpdateFunctionUrlConfig',
      'lambda:RemovePermission'
    ]) {
      expect(allows(preview, action, lambdaArn(`${FUNCTION}-pr-42`))).toBe(true)
    }
  })

  it('is a real check: the deploy role does read production', () => {
    expect(allows(deploy, 'lambda:GetFunction', PRODUCTION)).toBe(true)
    expect(allows(deploy, 'ecr:PutImage', PRODUCTION_REPOSITORY)).toBe(true)
  })
})
