import {
  Aws,
  CfnOutput,
  CfnParameter,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps
} from 'aws-cdk-lib'
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import * as ecr from 'aws-cdk-lib/aws-ecr'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import type { Construct } from 'constructs'
import { deployPolicy, readReadmePolicy } from './readme-policy'

export type FunctionArchitecture = 'x86_64' | 'arm64'

export interface RepositoryStackProps extends StackProps {
  repositoryName: string
  /** Images kept in all (previews included). Default 30. */
  imagesToKeep?: number
  /** Preview images (pr-*) kept; the action's cleanup deletes them anyway. Default 10. */
  previewImagesToKeep?: number
  /** Tags that are never expired, for images you pin for rollbacks. Default release-*. */
  pinnedTagPatterns?: string[]
  /**
   * A repository of their own for previews (<repositoryName>-previews), the
   * only one the preview role may push to. Default true.
   */
  previewRepository?: boolean
}

/**
 * The ECR repository, in a stack of its own: the function's stack can only be
 * created once the repository holds a first image.
 */
export class RepositoryStack extends Stack {
  readonly repository: ecr.Repository
  readonly previewRepository: ecr.Repository | undefined

  constructor(scope: Construct, id: string, props: RepositoryStackProps) {
    super(scope, id, props)
    const imagesToKeep = props.imagesToKeep ?? 30
    const previewImagesToKeep = props.previewImagesToKeep ?? 10
    if (previewImagesToKeep >= imagesToKeep) {
      throw new Error(
        `previewImagesToKeep (${previewImagesToKeep}) must be less than imagesToKeep (${imagesToKeep}), or previews could push every deployed image out`
      )
    }

    // ECR lifecycle rules only expire; nothing in them can say "the image the
    // function runs now". What they can say: an image whose tags match a rule
    // can only be expired by that rule, never by a rule of lower priority.
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      // The action reuses an existing tag and never overwrites one.
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          rulePriority: 1,
          description:
            'Pinned tags are matched here and so never expired by the rules below (9999 is ECR idiom for "keep")',
          tagPatternList: props.pinnedTagPatterns ?? ['release-*'],
          maxImageCount: 9999
        },
        {
          rulePriority: 2,
          description: `Pull request previews (pr-<number>-<sha>): keep the newest ${previewImagesToKeep}`,
          tagPatternList: ['pr-*'],
          maxImageCount: previewImagesToKeep
        },
        {
          rulePriority: 3,
          description: 'Untagged images: expire after a day',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(1)
        },
        {
          rulePriority: 4,
          // Deploys from main are tagged with the commit SHA, which no tag
          // pattern can tell apart, so this rule counts every image. Previews
          // and pinned images count here but are not expired here, so at least
          // imagesToKeep - previewImagesToKeep deploys from main stay for rollbacks.
          description: `Everything else: keep the newest ${imagesToKeep}`,
          tagStatus: ecr.TagStatus.ANY,
          maxImageCount: imagesToKeep
        }
      ]
    })

    // Lambda pulls the image with the repository policy, not with any role.
    const lambdaPull = (): iam.PolicyStatement =>
      new iam.PolicyStatement({
        sid: 'LambdaPull',
        principals: [new iam.ServicePrincipal('lambda.amazonaws.com')],
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        conditions: {
          StringLike: {
            'aws:sourceArn': `arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:function:*`
          }
        }
      })
    this.repository.addToResourcePolicy(lambdaPull())

    // Pull request images live apart: production never deploys from here,
    // so a pull request cannot plant an image a main run would reuse.
    if (props.previewRepository ?? true) {
      this.previewRepository = new ecr.Repository(this, 'PreviewRepository', {
        repositoryName: `${props.repositoryName}-previews`,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        removalPolicy: RemovalPolicy.RETAIN,
        lifecycleRules: [
          {
            rulePriority: 1,
            description: `Pull request previews: keep the newest ${previewImagesToKeep}`,
            tagStatus: ecr.TagStatus.ANY,
            maxImageCount: previewImagesToKeep
          }
        ]
      })
      this.previewRepository.addToResourcePolicy(lambdaPull())
      new CfnOutput(this, 'PreviewRepositoryUri', {
        value: this.previewRepository.repositoryUri
      })
    } else {
      this.previewRepository = undefined
    }

    new CfnOutput(this, 'RepositoryUri', {
      value: this.repository.repositoryUri
    })
  }
}

export interface AppStackProps extends StackProps {
  repositoryName: string
  functionName: string
  architecture: FunctionArchitecture
  /**
   * The GitHub repository whose workflows may deploy, as its OIDC subject
   * names it: `owner/name`, or `owner@OWNER_ID/name@REPO_ID` for a repository
   * with immutable subject claims. GitHub gives the immutable form to
   * repositories created, renamed or transferred on or after 2026-07-15
   * (older ones keep the name form unless they opt in), e.g.
   * `repo:octocat@123456/my-repo@456789:ref:refs/heads/main`; the ids come
   * from `gh api repos/OWNER/NAME --jq '"\(.owner.id) \(.id)"'`. Only the
   * form given is trusted: trusting the name form as well would let whoever
   * later holds the name assume the role, which the ids exist to prevent.
   * https://docs.github.com/en/actions/reference/security/oidc
   */
  githubRepository: string
  /** The branch deploys run from. Default main. */
  deployBranch?: string
  /**
   * GitHub environments whose jobs may assume the deploy role too (a job with
   * `environment: production` gets the subject
   * repo:<owner>/<repo>:environment:production, not the branch's). Restrict
   * each environment's deployment branches to deployBranch: the role trusts
   * any run that GitHub lets into the environment. Default none.
   */
  deployEnvironments?: readonly string[]
  /**
   * Further functions created from the same image, each with its own `live`
   * alias and a public Function URL on that alias, which the deploy role may
   * deploy too (a staging function, or more functions that run the app).
   * Default none.
   */
  additionalFunctionNames?: readonly string[]
  /**
   * Regions, besides the stack's own, where the deploy role may deploy the
   * functions of these names from the repository of this name (an ECR
   * replica). Nothing is created there. Default none.
   */
  deployRegions?: readonly string[]
  /**
   * Previews: a preview role that pull_request workflows may assume (never
   * the deploy role), and the previews' own execution role. Default true.
   */
  allowPullRequests?: boolean
  /**
   * An account has one OIDC provider per URL: pass the ARN of the existing
   * token.actions.githubusercontent.com provider to reuse it.
   */
  existingOidcProviderArn?: string
  /** The page whose policy the deploy role gets (docs/permissions.md). */
  readmePath?: string
}

const GITHUB_OIDC = 'token.actions.githubusercontent.com'

/**
 * The documented policy's statements for inputs this stack's workflows do not
 * use: it creates the function itself (no `role`, so nothing to create or
 * pass), its workflows give no configuration inputs, no `prune-versions` and
 * no canary signals. Left out, the deploy role's inline policy stays within
 * IAM's 10,240-character quota for a role's inline policies with several
 * functions and regions. Add them back (or attach them as a managed policy)
 * when a workflow uses those inputs; test/workflow-access.test.ts checks that
 * every example workflow's calls are still allowed.
 */
export const NOT_FOR_THIS_STACK: ReadonlySet<string> = new Set([
  'ConfigurationWithTheCode',
  'CreateOnFirstDeployOnlyWithRole',
  'PassOnlyTheExecutionRole',
  'PruneVersionsOnlyWithPruneVersions',
  'CanaryAlarmsOnlyWithCanaryAlarms',
  'CanaryMetricsOnlyWithCanarySignals'
])
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/
/** owner/name, or owner@id/name@id (both ids or none): see githubRepository. */
const GITHUB_REPOSITORY = /^(?:[\w.-]+\/[\w.-]+|[\w.-]+@\d+\/[\w.-]+@\d+)$/

export class AppStack extends Stack {
  readonly function: lambda.DockerImageFunction
  readonly liveAlias: lambda.Alias
  readonly functionUrl: lambda.FunctionUrl
  /** One per additionalFunctionNames. */
  readonly additionalFunctions: lambda.DockerImageFunction[]
  readonly deployRole: iam.Role
  /** Assumed by pull_request runs; undefined with allowPullRequests false. */
  readonly previewRole: iam.Role | undefined
  readonly previewExecutionRole: iam.Role | undefined

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props)
    if (!GITHUB_REPOSITORY.test(props.githubRepository)) {
      throw new Error(
        `githubRepository must be owner/name, or owner@OWNER_ID/name@REPO_ID for a repository with immutable OIDC subjects (created, renamed or transferred on or after 2026-07-15), got "${props.githubRepository}"`
      )
    }
    const additionalFunctionNames = props.additionalFunctionNames ?? []
    for (const name of [props.functionName, ...additionalFunctionNames]) {
      if (!FUNCTION_NAME.test(name)) {
        throw new Error(
          `function names are 1 to 64 letters, digits, - and _, got "${name}"`
        )
      }
    }
    const environments = props.deployEnvironments ?? []
    for (const environment of environments) {
      if (!/^[^\s:*?]([^:*?]*[^\s:*?])?$/.test(environment)) {
        throw new Error(
          `deployEnvironments names GitHub environments (production), got "${environment}"`
        )
      }
    }

    // No lookup and no docker build at synth time: the repository by name and
    // the tag of an image already in it. The action deploys later images; a
    // later cdk deploy only sets the image again when this parameter changes.
    const imageTag = new CfnParameter(this, 'ImageTag', {
      type: 'String',
      description:
        'Tag of an image already in the repository, used when the function is created',
      minLength: 1
    })
    const repository = ecr.Repository.fromRepositoryName(
      this,
      'Repository',
      props.repositoryName
    )

    const executionRole = new iam.Role(this, 'ExecutionRole', {
      // The name the README's policy lets the deploy role pass to previews.
      roleName: `${props.functionName}-lambda`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName(
          'service-role/AWSLambdaBasicExecutionRole'
        )
      ]
    })

    this.function = new lambda.DockerImageFunction(this, 'Function', {
      functionName: props.functionName,
      code: lambda.DockerImageCode.fromEcr(repository, {
        tagOrDigest: imageTag.valueAsString
      }),
      architecture:
        props.architecture === 'arm64'
          ? lambda.Architecture.ARM_64
          : lambda.Architecture.X86_64,
      role: executionRole,
      memorySize: 512,
      timeout: Duration.seconds(30)
    })

    // The action updates $LATEST (it publishes no version), so `live` points
    // at $LATEST: a stable name for the API to invoke that every deploy and
    // rollback of the action reaches.
    this.liveAlias = new lambda.Alias(this, 'LiveAlias', {
      aliasName: 'live',
      version: this.function.latestVersion
    })

    // Payload format 2.0, which LambdaEventSource.HttpApi expects.
    const api = new HttpApi(this, 'HttpApi', {
      apiName: props.functionName,
      defaultIntegration: new HttpLambdaIntegration(
        'LiveIntegration',
        this.liveAlias
      )
    })

    // A public URL on the function, which the action's smoke test finds.
    // CDK grants both statements Lambda has required of an AuthType NONE URL
    // since October 2025: lambda:InvokeFunctionUrl (FunctionUrlAuthType
    // NONE) and lambda:InvokeFunction (InvokedViaFunctionUrl true). With only
    // the first, every request answers 403.
    this.functionUrl = this.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE
    })

    // The same app again under other names (the example's staging, internal
    // and partner APIs), with production's execution role. Their URLs are on
    // the `live` alias, so a release through the alias (alias: live) moves
    // what the URL serves.
    this.additionalFunctions = additionalFunctionNames.map(name => {
      const fn = new lambda.DockerImageFunction(this, `Function-${name}`, {
        functionName: name,
        code: lambda.DockerImageCode.fromEcr(repository, {
          tagOrDigest: imageTag.valueAsString
        }),
        architecture: this.function.architecture,
        role: executionRole,
        memorySize: 512,
        timeout: Duration.seconds(30)
      })
      new lambda.Alias(this, `LiveAlias-${name}`, {
        aliasName: 'live',
        version: fn.latestVersion
      }).addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE })
      return fn
    })

    const oidcProviderArn =
      props.existingOidcProviderArn ??
      new iam.OidcProviderNative(this, 'GitHubOidc', {
        url: `https://${GITHUB_OIDC}`,
        clientIds: ['sts.amazonaws.com']
      }).oidcProviderArn

    // The sub claim: refs for push and workflow_dispatch runs, a fixed value
    // for pull_request runs (configure-aws-credentials#511). A pull_request
    // run uses the pull request's workflow file, so the role it may assume
    // must not be able to change production: two roles, one subject each.
    const trustedBy = (...subjects: string[]): iam.WebIdentityPrincipal =>
      new iam.WebIdentityPrincipal(oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_OIDC}:sub`]: subjects.length === 1 ? subjects[0] : subjects
        }
      })
    const names = {
      partition: Aws.PARTITION,
      region: Aws.REGION,
      account: Aws.ACCOUNT_ID,
      repositoryName: props.repositoryName,
      functionName: props.functionName
    }
    this.deployRole = new iam.Role(this, 'DeployRole', {
      description: `GitHub Actions deploys of ${props.functionName} from ${props.githubRepository}`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: trustedBy(
        `repo:${props.githubRepository}:ref:refs/heads/${props.deployBranch ?? 'main'}`,
        ...environments.map(
          environment =>
            `repo:${props.githubRepository}:environment:${environment}`
        )
      )
    })
    const documented = readReadmePolicy(props.readmePath)
    new iam.Policy(this, 'DeployPolicy', {
      roles: [this.deployRole],
      document: iam.PolicyDocument.fromJson(
        deployPolicy(
          {
            ...documented,
            Statement: documented.Statement.filter(
              statement => !NOT_FOR_THIS_STACK.has(statement.Sid ?? '')
            )
          },
          {
            ...names,
            otherFunctionNames: additionalFunctionNames,
            otherRegions: props.deployRegions ?? []
          }
        )
      )
    })

    if (props.allowPullRequests ?? true) {
      // What a preview runs as: nothing of production's (add what previews
      // may reach, such as a preview database).
      this.previewExecutionRole = new iam.Role(this, 'PreviewExecutionRole', {
        // The name the preview policy lets the preview role pass.
        roleName: `${props.functionName}-preview`,
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        managedPolicies: [
          iam.ManagedPolicy.fromAwsManagedPolicyName(
            'service-role/AWSLambdaBasicExecutionRole'
          )
        ]
      })
      this.previewRole = new iam.Role(this, 'PreviewRole', {
        description: `GitHub Actions previews of ${props.functionName} from ${props.githubRepository} pull requests`,
        maxSessionDuration: Duration.hours(1),
        assumedBy: trustedBy(`repo:${props.githubRepository}:pull_request`)
      })
      new iam.Policy(this, 'PreviewPolicy', {
        roles: [this.previewRole],
        document: iam.PolicyDocument.fromJson(
          deployPolicy(
            readReadmePolicy(props.readmePath, 'The preview policy'),
            names
          )
        )
      })
      new CfnOutput(this, 'PreviewRoleArn', {
        value: this.previewRole.roleArn
      })
      new CfnOutput(this, 'PreviewExecutionRoleArn', {
        value: this.previewExecutionRole.roleArn
      })
    } else {
      this.previewRole = undefined
      this.previewExecutionRole = undefined
    }

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint })
    new CfnOutput(this, 'FunctionUrl', { value: this.functionUrl.url })
    new CfnOutput(this, 'DeployRoleArn', { value: this.deployRole.roleArn })
    new CfnOutput(this, 'FunctionName', { value: this.function.functionName })
  }
}
