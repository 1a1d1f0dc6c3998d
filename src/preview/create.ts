/**
 * A preview function made from production's configuration: the
 * CreateFunction input, the tags that mark a function as a pull request's
 * preview (checked before the action changes or deletes it), and the Lambda
 * calls that look a function up and create it.
 */
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  ListTagsCommand,
  type CreateFunctionCommandInput,
  type FunctionConfiguration,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import { DeployError, awsErrorName, describeAwsError } from '../util/errors.js'
import type { PreviewIsolation } from '../inputs/types.js'

/** Nothing of production's environment, role choice or network: the default. */
export const ISOLATED: PreviewIsolation = {
  env: {},
  copyEnv: [],
  roleArn: undefined,
  vpc: false
}

export const PREVIEW_TAGS = {
  previewOf: 'aspnet-lambda-deploy:preview-of',
  pullRequest: 'aspnet-lambda-deploy:pull-request'
} as const

/** Tags Lambda reserves (aws:...) cannot be set by CreateFunction. */
function copyableTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tags).filter(
      ([key]) =>
        !key.startsWith('aws:') && !key.startsWith('aspnet-lambda-deploy:')
    )
  )
}

export interface PreviewSource {
  /** GetFunction's Configuration of the production function. */
  configuration: FunctionConfiguration
  /** ListTags of the production function. */
  tags: Record<string, string>
  productionName: string
  previewName: string
  pullRequest: number
  /** The image to start with, by digest. */
  imageUri: string
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

/**
 * CreateFunction input for a preview: the shape production runs in
 * (memory, timeout, storage, CPU, image config, tracing, tags) and, only
 * when the workflow asks, its environment variables (preview-copy-env),
 * execution role (without preview-role-arn) and VPC (preview-vpc). Never
 * copied: the code, identity and revision fields, the env KMS key, file
 * systems, dead-letter and logging config (a preview must not write into
 * production's EFS, DLQ or log group).
 */
export function previewCreateInput(
  source: PreviewSource,
  isolation: PreviewIsolation = ISOLATED
): CreateFunctionCommandInput {
  const c = source.configuration
  const role = isolation.roleArn ?? c.Role
  if (role === undefined) {
    throw new DeployError(
      `Lambda reported no execution role for ${source.productionName}; cannot create its preview without preview-role-arn.`
    )
  }
  const environment = previewEnvironment(
    c.Environment?.Variables,
    isolation,
    source.productionName
  )
  const imageConfig = c.ImageConfigResponse?.ImageConfig
  const hasImageConfig =
    imageConfig !== undefined &&
    ((imageConfig.Command?.length ?? 0) > 0 ||
      (imageConfig.EntryPoint?.length ?? 0) > 0 ||
      (imageConfig.WorkingDirectory ?? '') !== '')
  const subnets = c.VpcConfig?.SubnetIds ?? []
  return {
    FunctionName: source.previewName,
    PackageType: 'Image',
    Code: { ImageUri: source.imageUri },
    Role: role,
    Description: `Preview of ${source.productionName} for pull request #${source.pullRequest} (aspnet-lambda-deploy)`,
    Publish: false,
    ...(c.MemorySize !== undefined && { MemorySize: c.MemorySize }),
    ...(c.Timeout !== undefined && { Timeout: c.Timeout }),
    ...(c.EphemeralStorage?.Size !== undefined && {
      EphemeralStorage: { Size: c.EphemeralStorage.Size }
    }),
    ...(Object.keys(environment).length > 0 && {
      Environment: { Variables: environment }
    }),
    ...(c.Architectures !== undefined && {
      Architectures: [...c.Architectures]
    }),
    ...(hasImageConfig && {
      ImageConfig: {
        ...(imageConfig.Command?.length && {
          Command: [...imageConfig.Command]
        }),
        ...(imageConfig.EntryPoint?.length && {
          EntryPoint: [...imageConfig.EntryPoint]
        }),
        ...(imageConfig.WorkingDirectory && {
          WorkingDirectory: imageConfig.WorkingDirectory
        })
      }
    }),
    ...(isolation.vpc &&
      subnets.length > 0 && {
        VpcConfig: {
          SubnetIds: [...subnets],
          SecurityGroupIds: [...(c.VpcConfig?.SecurityGroupIds ?? [])],
          ...(c.VpcConfig?.Ipv6AllowedForDualStack !== undefined && {
            Ipv6AllowedForDualStack: c.VpcConfig.Ipv6AllowedForDualStack
          })
        }
      }),
    ...(c.TracingConfig?.Mode !== undefined && {
      TracingConfig: { Mode: c.TracingConfig.Mode }
    }),
    Tags: {
      ...copyableTags(source.tags),
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
  let functionArn: string
  try {
    const response = await lambda.send(
      new GetFunctionCommand({ FunctionName: functionName })
    )
    functionArn = response.Configuration?.FunctionArn ?? functionName
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return undefined
    throw new DeployError(describeAwsError('lambda:GetFunction', error))
  }
  return { functionArn, tags: await listTags(lambda, functionArn) }
}

export async function listTags(
  lambda: LambdaClient,
  functionArn: string
): Promise<Record<string, string>> {
  try {
    const response = await lambda.send(
      new ListTagsCommand({ Resource: functionArn })
    )
    return response.Tags ?? {}
  } catch (error) {
    throw new DeployError(describeAwsError('lambda:ListTags', error))
  }
}

export async function createPreviewFunction(
  lambda: LambdaClient,
  input: CreateFunctionCommandInput
): Promise<FunctionConfiguration> {
  try {
    return await lambda.send(new CreateFunctionCommand(input))
  } catch (error) {
    if (awsErrorName(error) === 'InvalidParameterValueException') {
      throw new DeployError(
        `Lambda refused to create the preview function ${input.FunctionName ?? ''}: ${describeAwsError('lambda:CreateFunction', error)}`
      )
    }
    throw new DeployError(describeAwsError('lambda:CreateFunction', error))
  }
}
