import {
  BatchDeleteImageCommand,
  ListImagesCommand,
  type ECRClient,
  type ImageIdentifier
} from '@aws-sdk/client-ecr'
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  ListTagsCommand,
  type CreateFunctionCommandInput,
  type FunctionConfiguration,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import { DeployError, awsErrorName, describeAwsError } from '../util/errors.js'
import type { RepositoryRef, UrlAuthType } from '../inputs/types.js'
import { previewTagPrefix } from './naming.js'

// The naming functions moved to the pure ./naming.js; re-exported for the
// modules and tests that import them from here.
export {
  MAX_FUNCTION_NAME,
  bareFunctionName,
  previewFunctionName,
  previewTagPrefix
} from './naming.js'

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

/**
 * The preview's Function URL, created when missing. An AuthType NONE URL
 * also needs the public lambda:InvokeFunctionUrl permission, or every
 * request gets 403.
 */
export async function ensureFunctionUrl(
  lambda: LambdaClient,
  functionName: string,
  authType: UrlAuthType,
  log: (message: string) => void
): Promise<string> {
  try {
    const existing = await lambda.send(
      new GetFunctionUrlConfigCommand({ FunctionName: functionName })
    )
    if (existing.FunctionUrl !== undefined) {
      if (existing.AuthType !== authType) {
        log(
          `The Function URL of ${functionName} keeps its AuthType ${existing.AuthType ?? '?'}; preview-url-auth (${authType}) applies when the URL is created.`
        )
      }
      return existing.FunctionUrl
    }
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceNotFoundException') {
      throw new DeployError(
        describeAwsError('lambda:GetFunctionUrlConfig', error)
      )
    }
  }
  let url: string | undefined
  try {
    const created = await lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: functionName,
        AuthType: authType
      })
    )
    url = created.FunctionUrl
  } catch (error) {
    throw new DeployError(
      describeAwsError('lambda:CreateFunctionUrlConfig', error)
    )
  }
  if (url === undefined) {
    throw new DeployError(
      `Lambda returned no Function URL for ${functionName}.`
    )
  }
  if (authType === 'NONE') {
    try {
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: functionName,
          StatementId: 'FunctionURLAllowPublicAccess',
          Action: 'lambda:InvokeFunctionUrl',
          Principal: '*',
          FunctionUrlAuthType: 'NONE'
        })
      )
    } catch (error) {
      // The statement is there already (a URL deleted and made again).
      if (awsErrorName(error) !== 'ResourceConflictException') {
        throw new DeployError(describeAwsError('lambda:AddPermission', error))
      }
    }
  }
  log(`Created the Function URL ${url} (AuthType ${authType}).`)
  return url
}

export interface CleanupRequest {
  productionName: string
  previewName: string
  pullRequest: number
  repository: RepositoryRef
  /** The digest production runs: its tags are never deleted. */
  productionDigest: string | undefined
  log: (message: string) => void
}

export interface CleanupResult {
  removed: string[]
  kept: string[]
}

/** Tags of this PR's images in the repository, with their digests. */
export async function listPreviewImages(
  ecr: ECRClient,
  repository: RepositoryRef,
  pullRequest: number
): Promise<Required<Pick<ImageIdentifier, 'imageTag' | 'imageDigest'>>[]> {
  const prefix = previewTagPrefix(pullRequest)
  const found: { imageTag: string; imageDigest: string }[] = []
  let nextToken: string | undefined
  try {
    do {
      // ECR filters only on tagStatus; the prefix is matched here.
      const page = await ecr.send(
        new ListImagesCommand({
          repositoryName: repository.name,
          filter: { tagStatus: 'TAGGED' },
          ...(repository.registryId !== undefined && {
            registryId: repository.registryId
          }),
          ...(nextToken !== undefined && { nextToken })
        })
      )
      for (const id of page.imageIds ?? []) {
        if (
          id.imageTag?.startsWith(prefix) === true &&
          id.imageDigest !== undefined
        ) {
          found.push({ imageTag: id.imageTag, imageDigest: id.imageDigest })
        }
      }
      nextToken = page.nextToken
    } while (nextToken !== undefined)
  } catch (error) {
    if (awsErrorName(error) === 'RepositoryNotFoundException') return []
    throw new DeployError(describeAwsError('ecr:ListImages', error))
  }
  return found
}

/**
 * Remove a pull request's preview: its Function URL, the function and the
 * pr-<n>- image tags. Refuses, before deleting anything, a function that is
 * not tagged as this PR's preview of this production function.
 */
export async function cleanupPreview(
  lambda: LambdaClient,
  ecr: ECRClient,
  request: CleanupRequest
): Promise<CleanupResult> {
  const removed: string[] = []
  const kept: string[] = []
  const fn = await findFunction(lambda, request.previewName)
  if (fn !== undefined) {
    const problem = previewTagProblem(
      request.previewName,
      fn.tags,
      request.productionName,
      request.pullRequest
    )
    if (problem !== undefined) throw new DeployError(problem)
  }
  const images = await listPreviewImages(
    ecr,
    request.repository,
    request.pullRequest
  )

  if (fn !== undefined) {
    let url: string | undefined
    try {
      url = (
        await lambda.send(
          new GetFunctionUrlConfigCommand({ FunctionName: request.previewName })
        )
      ).FunctionUrl
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') {
        throw new DeployError(
          describeAwsError('lambda:GetFunctionUrlConfig', error)
        )
      }
    }
    if (url !== undefined) {
      try {
        await lambda.send(
          new DeleteFunctionUrlConfigCommand({
            FunctionName: request.previewName
          })
        )
      } catch (error) {
        if (awsErrorName(error) !== 'ResourceNotFoundException') {
          throw new DeployError(
            describeAwsError('lambda:DeleteFunctionUrlConfig', error)
          )
        }
      }
      removed.push(`Function URL ${url}`)
      request.log(`Deleted the Function URL ${url}.`)
    }
    try {
      await lambda.send(
        new DeleteFunctionCommand({ FunctionName: request.previewName })
      )
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') {
        throw new DeployError(describeAwsError('lambda:DeleteFunction', error))
      }
    }
    removed.push(`function ${fn.functionArn}`)
    request.log(`Deleted the function ${fn.functionArn}.`)
  } else {
    request.log(`There is no function ${request.previewName}.`)
  }

  const deletable = images.filter(image => {
    if (image.imageDigest !== request.productionDigest) return true
    kept.push(
      `image tag ${image.imageTag} (${image.imageDigest} is what ${request.productionName} runs)`
    )
    return false
  })
  for (let i = 0; i < deletable.length; i += 100) {
    const batch = deletable.slice(i, i + 100)
    let response: BatchDeleteImageCommandOutputLike
    try {
      response = await ecr.send(
        new BatchDeleteImageCommand({
          repositoryName: request.repository.name,
          ...(request.repository.registryId !== undefined && {
            registryId: request.repository.registryId
          }),
          imageIds: batch.map(image => ({ imageTag: image.imageTag }))
        })
      )
    } catch (error) {
      throw new DeployError(describeAwsError('ecr:BatchDeleteImage', error))
    }
    for (const id of response.imageIds ?? []) {
      if (id.imageTag !== undefined) {
        removed.push(`image tag ${request.repository.name}:${id.imageTag}`)
      }
    }
    for (const failure of response.failures ?? []) {
      // Gone already (another cleanup run): nothing left to remove.
      if (failure.failureCode === 'ImageNotFound') continue
      kept.push(
        `image tag ${failure.imageId?.imageTag ?? '?'} (${failure.failureCode ?? 'failed'}: ${failure.failureReason ?? ''})`
      )
    }
  }
  if (images.length === 0) {
    request.log(
      `No ${previewTagPrefix(request.pullRequest)}* image tags in ${request.repository.name}.`
    )
  }
  return { removed, kept }
}

interface BatchDeleteImageCommandOutputLike {
  imageIds?: ImageIdentifier[] | undefined
  failures?:
    | {
        imageId?: ImageIdentifier | undefined
        failureCode?: string | undefined
        failureReason?: string | undefined
      }[]
    | undefined
}
