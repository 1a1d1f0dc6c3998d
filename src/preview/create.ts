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
 * CreateFunction input for a preview: what the app needs to behave like
 * production (role, memory, timeout, storage, environment, CPU, image
 * config, VPC, tracing, tags). Not copied: the code, identity and revision
 * fields, the env KMS key, file systems, dead-letter and logging config
 * (a preview must not write into production's EFS, DLQ or log group).
 */
export function previewCreateInput(
  source: PreviewSource
): CreateFunctionCommandInput {
  const c = source.configuration
  if (c.Role === undefined) {
    throw new DeployError(
      `Lambda reported no execution role for ${source.productionName}; cannot create its preview.`
    )
  }
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
    Role: c.Role,
    Description: `Preview of ${source.productionName} for pull request #${source.pullRequest} (aspnet-lambda-deploy)`,
    Publish: false,
    ...(c.MemorySize !== undefined && { MemorySize: c.MemorySize }),
    ...(c.Timeout !== undefined && { Timeout: c.Timeout }),
    ...(c.EphemeralStorage?.Size !== undefined && {
      EphemeralStorage: { Size: c.EphemeralStorage.Size }
    }),
    ...(c.Environment?.Variables !== undefined && {
      Environment: { Variables: { ...c.Environment.Variables } }
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
    ...(subnets.length > 0 && {
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
