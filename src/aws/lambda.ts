/**
 * A function as Lambda reports it (GetFunction): the image it runs, by
 * digest, and whether it can take an image at all. Changing its code:
 * ./lambda-update.ts.
 */
import {
  GetFunctionCommand,
  type FunctionConfiguration,
  type GetFunctionResponse,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import { DeployError } from '../util/errors.js'
import { awsCall } from './call.js'
import { functionArchitecture } from '../build/platform.js'
import type { Architecture } from '../inputs/types.js'
import { snapshotOf, type ConfigSnapshot } from '../decide/configuration.js'

export type Log = (message: string) => void

export interface FunctionState {
  functionName: string
  functionArn: string
  packageType: string
  architecture: Architecture
  state: string | undefined
  lastUpdateStatus: string | undefined
  /** The image the function runs, by digest when Lambda reports it. */
  imageUri: string | undefined
  imageDigest: string | undefined
  /** Changes with every change of the function: a guarded call passes it. */
  revisionId?: string | undefined
  /** The function's ImageConfig: overrides the image's ENTRYPOINT, CMD, WORKDIR. */
  imageConfig?: ImageConfigOverride | undefined
  /**
   * Lambda Managed Instances: the capacity provider the function runs on
   * (GetFunction's CapacityProviderConfig); undefined for other functions.
   */
  capacityProviderArn?: string | undefined
  /**
   * The configuration this action manages (environment, memory, timeout,
   * /tmp, ImageConfig, description), as GetFunction reports it.
   */
  config?: ConfigSnapshot | undefined
  /** MemorySize (MB) and Timeout (s): the local run runs the image with them. */
  memorySize?: number | undefined
  timeoutSeconds?: number | undefined
  /** The names of the function's environment variables (never their values). */
  environmentNames?: string[] | undefined
}

export interface ImageConfigOverride {
  entryPoint: string[] | undefined
  command: string[] | undefined
  workingDirectory: string | undefined
}

/** sha256:<hex> from `repo@sha256:<hex>` (or moto's `repo@sha256@sha256:<hex>`). */
export function digestFromImageUri(
  uri: string | undefined
): string | undefined {
  if (uri === undefined) return undefined
  const match = /@(sha256:[a-f0-9]{64})$/.exec(uri)
  return match?.[1]
}

/** Lambda's CodeSha256 of an image function is the manifest digest's hex. */
export function digestFromCodeSha256(
  codeSha256: string | undefined
): string | undefined {
  if (codeSha256 === undefined) return undefined
  if (/^[a-f0-9]{64}$/.test(codeSha256)) return `sha256:${codeSha256}`
  if (/^sha256:[a-f0-9]{64}$/.test(codeSha256)) return codeSha256
  return undefined
}

function repositoryOf(uri: string): string {
  const at = uri.indexOf('@')
  if (at >= 0) return uri.slice(0, at)
  const lastSlash = uri.lastIndexOf('/')
  const lastColon = uri.lastIndexOf(':')
  return lastColon > lastSlash ? uri.slice(0, lastColon) : uri
}

/** GetFunction found no such function (ResourceNotFoundException). */
export class FunctionNotFoundError extends DeployError {}

export async function getFunctionState(
  lambda: LambdaClient,
  functionName: string
): Promise<FunctionState> {
  const response = await awsCall(
    'lambda:GetFunction',
    () => lambda.send(new GetFunctionCommand({ FunctionName: functionName })),
    {
      ResourceNotFoundException: () => {
        throw new FunctionNotFoundError(
          `Lambda function ${functionName} does not exist in this account and region. ` +
            'Create it first (package type Image), give role (its execution role) to have this action create it, or fix function-name / aws-region.'
        )
      }
    }
  )
  return functionStateOf(response, functionName)
}

/**
 * The values of the function's environment variables (GetFunction, which
 * the look-up made without keeping them): for a run of its image with them.
 * The caller masks them.
 */
export async function functionEnvironment(
  lambda: LambdaClient,
  functionArn: string
): Promise<Record<string, string> | undefined> {
  const answer = await awsCall('lambda:GetFunction', () =>
    lambda.send(new GetFunctionCommand({ FunctionName: functionArn }))
  )
  return answer.Configuration?.Environment?.Variables
}

/**
 * The function as one GetFunction answer describes it; `functionName` (what
 * was asked for) stands in for a name or ARN the answer leaves out.
 */
export function functionStateOf(
  response: GetFunctionResponse,
  functionName: string
): FunctionState {
  const config = response.Configuration ?? {}
  const resolved = response.Code?.ResolvedImageUri
  const imageDigest =
    digestFromImageUri(resolved) ?? digestFromCodeSha256(config.CodeSha256)
  const imageUri = response.Code?.ImageUri
  return {
    functionName: config.FunctionName ?? functionName,
    functionArn: config.FunctionArn ?? functionName,
    packageType: config.PackageType ?? 'Zip',
    architecture: functionArchitecture(config.Architectures),
    state: config.State,
    lastUpdateStatus: config.LastUpdateStatus,
    imageUri:
      imageUri !== undefined && imageDigest !== undefined
        ? `${repositoryOf(imageUri)}@${imageDigest}`
        : imageUri,
    imageDigest,
    revisionId: config.RevisionId,
    capacityProviderArn: managedInstancesOf(config)?.capacityProviderArn,
    config: snapshotOf(config),
    memorySize: config.MemorySize,
    timeoutSeconds: config.Timeout,
    environmentNames:
      config.Environment?.Variables === undefined
        ? undefined
        : Object.keys(config.Environment.Variables),
    imageConfig:
      config.ImageConfigResponse?.ImageConfig === undefined
        ? undefined
        : {
            entryPoint: config.ImageConfigResponse.ImageConfig.EntryPoint,
            command: config.ImageConfigResponse.ImageConfig.Command,
            workingDirectory:
              config.ImageConfigResponse.ImageConfig.WorkingDirectory
          }
  }
}

/**
 * Only container-image functions can take an image. A Lambda Managed
 * Instances function (capacityProviderArn) is deployable: its release goes
 * through a publish (stages/publish-managed.ts), since its callers get
 * $LATEST.PUBLISHED, not $LATEST.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-version-publishing.html
 */
export function checkDeployable(fn: FunctionState): void {
  if (fn.packageType !== 'Image') {
    throw new DeployError(
      `Function ${fn.functionName} has package type ${fn.packageType}; this action deploys container images. ` +
        'Lambda cannot change a function\'s package type: create a function with PackageType "Image" and deploy to that one.'
    )
  }
}

/** Never report success for a deploy that did not land. */
export function checkDeployedDigest(
  fn: FunctionState,
  expectedDigest: string
): void {
  if (fn.imageDigest !== expectedDigest) {
    throw new DeployError(
      `Lambda reports that function ${fn.functionName} runs ${fn.imageDigest ?? fn.imageUri ?? 'an unknown image'}, ` +
        `not the image just deployed (${expectedDigest}). Another deploy may have run at the same time: ` +
        'use a concurrency group per function in the workflow.'
    )
  }
}

/** What the function configuration says about its capacity provider. */
export interface ManagedInstances {
  capacityProviderArn: string
  perExecutionEnvironmentMaxConcurrency?: number
  executionEnvironmentMemoryGiBPerVCpu?: number
}

/**
 * The capacity provider of a Managed Instances function, or undefined for a
 * Lambda (default) function. A configuration whose CapacityProviderConfig
 * names no ARN is treated as Managed Instances all the same (the ARN is
 * required by the API): its releases must still go through a publish.
 */
export function managedInstancesOf(
  configuration: FunctionConfiguration | undefined
): ManagedInstances | undefined {
  const config = configuration?.CapacityProviderConfig
  if (config === undefined) return undefined
  const mi = config.LambdaManagedInstancesCapacityProviderConfig
  const found: ManagedInstances = {
    capacityProviderArn: mi?.CapacityProviderArn ?? ''
  }
  if (mi?.PerExecutionEnvironmentMaxConcurrency !== undefined)
    found.perExecutionEnvironmentMaxConcurrency =
      mi.PerExecutionEnvironmentMaxConcurrency
  if (mi?.ExecutionEnvironmentMemoryGiBPerVCpu !== undefined)
    found.executionEnvironmentMemoryGiBPerVCpu =
      mi.ExecutionEnvironmentMemoryGiBPerVCpu
  return found
}
