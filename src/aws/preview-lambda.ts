/**
 * The Lambda calls only previews make: whole functions created, read,
 * reconfigured and deleted (a deploy only changes code: ./lambda.ts), their
 * Function URLs and the resource-policy statements a public one needs.
 * docs/permissions.md grants them to the preview role only. Lambda API
 * reference: GetFunction, ListTags, CreateFunction,
 * UpdateFunctionConfiguration, DeleteFunction, CreateFunctionUrlConfig,
 * UpdateFunctionUrlConfig, DeleteFunctionUrlConfig, GetPolicy,
 * AddPermission, RemovePermission.
 */
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  ListTagsCommand,
  RemovePermissionCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
  type AddPermissionCommandInput,
  type CreateFunctionCommandInput,
  type FunctionConfiguration,
  type LambdaClient,
  type UpdateFunctionConfigurationCommandInput
} from '@aws-sdk/client-lambda'
import type { UrlAuthType } from '../inputs/types.js'
import { absent, awsCall, type KnownErrors } from './call.js'

/** GetFunction's Configuration; undefined when there is no such function. */
export async function findFunctionConfiguration(
  lambda: LambdaClient,
  functionName: string
): Promise<FunctionConfiguration | undefined> {
  const answer = await awsCall(
    'lambda:GetFunction',
    () => lambda.send(new GetFunctionCommand({ FunctionName: functionName })),
    { ResourceNotFoundException: absent }
  )
  return answer === undefined ? undefined : (answer.Configuration ?? {})
}

/** GetFunction's Configuration of a function that must exist. */
export async function getFunctionConfiguration(
  lambda: LambdaClient,
  functionName: string
): Promise<FunctionConfiguration | undefined> {
  const answer = await awsCall('lambda:GetFunction', () =>
    lambda.send(new GetFunctionCommand({ FunctionName: functionName }))
  )
  return answer.Configuration
}

export async function listFunctionTags(
  lambda: LambdaClient,
  functionArn: string
): Promise<Record<string, string>> {
  const answer = await awsCall('lambda:ListTags', () =>
    lambda.send(new ListTagsCommand({ Resource: functionArn }))
  )
  return answer.Tags ?? {}
}

/** `known`: the caller's answers to errors it knows (./call.ts). */
export async function createFunction(
  lambda: LambdaClient,
  input: CreateFunctionCommandInput,
  known: KnownErrors<never> = {}
): Promise<FunctionConfiguration> {
  return awsCall(
    'lambda:CreateFunction',
    () => lambda.send(new CreateFunctionCommand(input)),
    known
  )
}

export async function updateFunctionConfiguration(
  lambda: LambdaClient,
  input: UpdateFunctionConfigurationCommandInput
): Promise<void> {
  await awsCall('lambda:UpdateFunctionConfiguration', () =>
    lambda.send(new UpdateFunctionConfigurationCommand(input))
  )
}

/** Deletes the function; one already gone counts as deleted. */
export async function deleteFunction(
  lambda: LambdaClient,
  functionName: string
): Promise<void> {
  await awsCall(
    'lambda:DeleteFunction',
    () =>
      lambda.send(new DeleteFunctionCommand({ FunctionName: functionName })),
    { ResourceNotFoundException: absent }
  )
}

/** Creates the Function URL; its address (undefined if Lambda gives none). */
export async function createFunctionUrl(
  lambda: LambdaClient,
  functionName: string,
  authType: UrlAuthType
): Promise<string | undefined> {
  const created = await awsCall('lambda:CreateFunctionUrlConfig', () =>
    lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: functionName,
        AuthType: authType
      })
    )
  )
  return created.FunctionUrl
}

export async function updateFunctionUrlAuth(
  lambda: LambdaClient,
  functionName: string,
  authType: UrlAuthType
): Promise<void> {
  await awsCall('lambda:UpdateFunctionUrlConfig', () =>
    lambda.send(
      new UpdateFunctionUrlConfigCommand({
        FunctionName: functionName,
        AuthType: authType
      })
    )
  )
}

/** Deletes the Function URL; one already gone counts as deleted. */
export async function deleteFunctionUrl(
  lambda: LambdaClient,
  functionName: string
): Promise<void> {
  await awsCall(
    'lambda:DeleteFunctionUrlConfig',
    () =>
      lambda.send(
        new DeleteFunctionUrlConfigCommand({ FunctionName: functionName })
      ),
    { ResourceNotFoundException: absent }
  )
}

/** The function's resource policy (JSON text); undefined when it has none. */
export async function readPolicy(
  lambda: LambdaClient,
  functionName: string
): Promise<string | undefined> {
  const answer = await awsCall(
    'lambda:GetPolicy',
    () => lambda.send(new GetPolicyCommand({ FunctionName: functionName })),
    { ResourceNotFoundException: absent }
  )
  return answer?.Policy
}

/**
 * Adds a statement to the function's resource policy: 'added', or 'taken'
 * when a statement with that id is already there (ResourceConflictException).
 */
export async function addPermission(
  lambda: LambdaClient,
  functionName: string,
  statement: Omit<AddPermissionCommandInput, 'FunctionName'>
): Promise<'added' | 'taken'> {
  return awsCall(
    'lambda:AddPermission',
    async () => {
      await lambda.send(
        new AddPermissionCommand({ FunctionName: functionName, ...statement })
      )
      return 'added' as const
    },
    { ResourceConflictException: () => 'taken' as const }
  )
}

/** Removes a statement: 'removed', or 'absent' when there was none with that id. */
export async function removePermission(
  lambda: LambdaClient,
  functionName: string,
  statementId: string
): Promise<'removed' | 'absent'> {
  return awsCall(
    'lambda:RemovePermission',
    async () => {
      await lambda.send(
        new RemovePermissionCommand({
          FunctionName: functionName,
          StatementId: statementId
        })
      )
      return 'removed' as const
    },
    { ResourceNotFoundException: () => 'absent' as const }
  )
}
