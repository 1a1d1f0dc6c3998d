/**
 * A preview function made from preview-settings (production's configuration
 * is read only by opt-in): the CreateFunction input, the tags that mark a function as a pull request's
 * preview (checked before the action changes or deletes it), and the Lambda
 * calls that look a function up and create it.
 */
import type {
  CreateFunctionCommandInput,
  FunctionConfiguration,
  LambdaClient
} from '@aws-sdk/client-lambda'
import { DeployError, describeAwsError } from '../util/errors.js'
import {
  createFunction,
  findFunctionConfiguration,
  listFunctionTags
} from '../aws/preview-lambda.js'
import { DEFAULT_PREVIEW_SETTINGS } from '../inputs/preview.js'
import type { Architecture, PreviewIsolation } from '../inputs/types.js'

/** Nothing of production's environment, role or network: the default. */
export const ISOLATED: PreviewIsolation = {
  env: {},
  copyEnv: [],
  roleArn: undefined,
  useProductionRole: false,
  vpc: false,
  settings: DEFAULT_PREVIEW_SETTINGS
}

export const PREVIEW_TAGS = {
  previewOf: 'aspnet-lambda-deploy:preview-of',
  pullRequest: 'aspnet-lambda-deploy:pull-request'
} as const

/**
 * Whether making or fixing a preview needs production's configuration: only
 * the opt-ins that share production with the pull request do (the preview
 * role should not be able to read it: GetFunction, GetFunctionConfiguration,
 * ListVersionsByFunction and ListFunctions all return its environment).
 */
export function needsProduction(isolation: PreviewIsolation): boolean {
  return (
    isolation.copyEnv.length > 0 ||
    isolation.vpc ||
    (isolation.roleArn === undefined && isolation.useProductionRole)
  )
}

export interface PreviewSource {
  /**
   * Production's configuration, read only when needsProduction: otherwise
   * undefined, and nothing of production is used.
   */
  production: FunctionConfiguration | undefined
  productionName: string
  previewName: string
  pullRequest: number
  /** The image to start with, by digest. */
  imageUri: string
  architecture: Architecture
}

/**
 * The preview's environment: the production variables named in
 * preview-copy-env, then preview-env over them. A name production does not
 * set is an error, so a typo does not leave the preview silently without it.
 */
export function previewEnvironment(
  production: Record<string, string> | undefined,
  isolation: PreviewIsolation,
  productionName: string
): Record<string, string> {
  const missing = isolation.copyEnv.filter(
    name => production?.[name] === undefined
  )
  if (missing.length > 0) {
    throw new DeployError(
      `preview-copy-env names ${missing.join(', ')}, which ${productionName} does not set; its variables are ${Object.keys(production ?? {}).join(', ') || 'none'}.`
    )
  }
  const copied = Object.fromEntries(
    isolation.copyEnv.map(name => [name, production?.[name] ?? ''])
  )
  return { ...copied, ...isolation.env }
}

/** The execution role a preview runs as: preview-role-arn, or production's by opt-in. */
export function previewRole(
  isolation: PreviewIsolation,
  production: FunctionConfiguration | undefined,
  productionName: string
): string {
  const role =
    isolation.roleArn ??
    (isolation.useProductionRole ? production?.Role : undefined)
  if (role === undefined) {
    throw new DeployError(
      isolation.useProductionRole
        ? `Lambda reported no execution role for ${productionName}; set preview-role-arn.`
        : "preview-role-arn is required: a preview runs pull request code, which must not get production's execution role."
    )
  }
  return role
}

/** The VPC a preview runs in: production's with preview-vpc, else none. */
export function previewVpc(
  isolation: PreviewIsolation,
  production: FunctionConfiguration | undefined
): { SubnetIds: string[]; SecurityGroupIds: string[] } | undefined {
  const subnets = production?.VpcConfig?.SubnetIds ?? []
  if (!isolation.vpc || subnets.length === 0) return undefined
  return {
    SubnetIds: [...subnets],
    SecurityGroupIds: [...(production?.VpcConfig?.SecurityGroupIds ?? [])]
  }
}

/**
 * CreateFunction input for a preview: the shape preview-settings gives
 * (memory, timeout, storage, image config) for the architecture the run
 * builds, and only when the workflow opts in production's environment
 * variables (preview-copy-env), execution role (preview-use-production-role)
 * and VPC (preview-vpc). Nothing else of production: not its tags, code,
 * env KMS key, file systems, dead-letter or logging config.
 */
export function previewCreateInput(
  source: PreviewSource,
  isolation: PreviewIsolation = ISOLATED
): CreateFunctionCommandInput {
  const c = source.production
  const role = previewRole(isolation, c, source.productionName)
  const environment = previewEnvironment(
    c?.Environment?.Variables,
    isolation,
    source.productionName
  )
  const { settings } = isolation
  const vpc = previewVpc(isolation, c)
  const hasImageConfig =
    settings.command !== undefined ||
    settings.entryPoint !== undefined ||
    settings.workingDirectory !== undefined
  return {
    FunctionName: source.previewName,
    PackageType: 'Image',
    Code: { ImageUri: source.imageUri },
    Role: role,
    Description: `Preview of ${source.productionName} for pull request #${source.pullRequest} (aspnet-lambda-deploy)`,
    Publish: false,
    MemorySize: settings.memorySize,
    Timeout: settings.timeout,
    EphemeralStorage: { Size: settings.ephemeralStorage },
    ...(Object.keys(environment).length > 0 && {
      Environment: { Variables: environment }
    }),
    Architectures: [source.architecture],
    ...(hasImageConfig && {
      ImageConfig: {
        ...(settings.command !== undefined && {
          Command: [...settings.command]
        }),
        ...(settings.entryPoint !== undefined && {
          EntryPoint: [...settings.entryPoint]
        }),
        ...(settings.workingDirectory !== undefined && {
          WorkingDirectory: settings.workingDirectory
        })
      }
    }),
    ...(vpc !== undefined && { VpcConfig: vpc }),
    Tags: {
      [PREVIEW_TAGS.previewOf]: source.productionName,
      [PREVIEW_TAGS.pullRequest]: String(source.pullRequest)
    }
  }
}

/**
 * Whether a function is this PR's preview of this production function:
 * the one check before the action updates or deletes it. Returns the
 * problem, or undefined when the tags match.
 */
export function previewTagProblem(
  functionName: string,
  tags: Record<string, string>,
  productionName: string,
  pullRequest: number
): string | undefined {
  const expected: [string, string][] = [
    [PREVIEW_TAGS.previewOf, productionName],
    [PREVIEW_TAGS.pullRequest, String(pullRequest)]
  ]
  for (const [key, value] of expected) {
    const actual = tags[key]
    if (actual !== value) {
      return (
        `Function ${functionName} is not tagged as the preview of ${productionName} for pull request #${pullRequest}: ` +
        (actual === undefined
          ? `it lacks the tag ${key}=${value}`
          : `its tag ${key} is "${actual}", not "${value}"`) +
        '. The action only changes functions it created as previews; rename preview-function-name or remove that function yourself.'
      )
    }
  }
  return undefined
}

// ------------------------------------------------------------------- I/O

export interface ExistingFunction {
  functionArn: string
  tags: Record<string, string>
}

/** The function and its tags, or undefined when there is no such function. */
export async function findFunction(
  lambda: LambdaClient,
  functionName: string
): Promise<ExistingFunction | undefined> {
  const configuration = await findFunctionConfiguration(lambda, functionName)
  if (configuration === undefined) return undefined
  const functionArn = configuration.FunctionArn ?? functionName
  return { functionArn, tags: await listFunctionTags(lambda, functionArn) }
}

export async function createPreviewFunction(
  lambda: LambdaClient,
  input: CreateFunctionCommandInput
): Promise<FunctionConfiguration> {
  return createFunction(lambda, input, {
    InvalidParameterValueException: error => {
      throw new DeployError(
        `Lambda refused to create the preview function ${input.FunctionName ?? ''}: ${describeAwsError('lambda:CreateFunction', error)}`
      )
    }
  })
}
