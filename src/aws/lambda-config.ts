/**
 * The calls of a deploy that ships configuration with its code, and of the
 * first deploy that creates the function (opt-in by the role input):
 * UpdateFunctionConfiguration and its wait, CreateFunction, and a Function
 * URL with the permissions a public one needs. Thin I/O: what to send is
 * decided in src/decide/configuration.ts and src/deploy/.
 *
 * Lambda applies one update at a time: a configuration update and a code
 * update each end in LastUpdateStatus Successful before the next may start
 * ("Lambda function states",
 * https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
 */
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  UpdateFunctionConfigurationCommand,
  type AddPermissionCommandInput,
  type CreateFunctionCommandInput,
  type FunctionConfiguration,
  type LambdaClient,
  type UpdateFunctionConfigurationCommandInput
} from '@aws-sdk/client-lambda'
import {
  ChangedMeanwhileError,
  DeployError,
  UpdateFailedError,
  awsErrorName,
  errorMessage,
  isThrottling
} from '../util/errors.js'
import {
  configDiff,
  configFingerprint,
  configUpdate,
  describeDiff,
  snapshotOf,
  type ConfigSnapshot
} from '../decide/configuration.js'
import { configurationHolder } from '../decide/ownership.js'
import { retry } from '../util/retry.js'
import type { Timing } from '../util/time.js'
import { awsCall } from './call.js'
import type { FunctionState, Log } from './lambda.js'
import { waitForUpdate, type WaitOptions } from './lambda-update.js'

/**
 * UpdateFunctionConfiguration, retried while another update is in progress,
 * then waited for. A RevisionId in `input` guards it: a change by someone
 * else since makes Lambda refuse (PreconditionFailedException), reported as
 * ChangedMeanwhileError. `onAccepted` runs once Lambda took it.
 */
export async function applyConfiguration(
  lambda: LambdaClient,
  input: UpdateFunctionConfigurationCommandInput,
  options: WaitOptions & { onAccepted?: () => void },
  timing: Timing
): Promise<FunctionState> {
  const name = input.FunctionName ?? ''
  await awsCall(
    'lambda:UpdateFunctionConfiguration',
    () =>
      retry(
        () => lambda.send(new UpdateFunctionConfigurationCommand(input)),
        {
          attempts: 8,
          baseDelayMs: 1000,
          maxDelayMs: 10_000,
          retryable: error =>
            awsErrorName(error) === 'ResourceConflictException' ||
            isThrottling(error),
          onRetry: (error, attempt, delay) =>
            options.log(
              `UpdateFunctionConfiguration attempt ${attempt} was refused (${awsErrorName(error) ?? 'error'}); retrying in ${delay}ms.`
            )
        },
        timing
      ),
    {
      PreconditionFailedException: error => {
        throw new ChangedMeanwhileError(
          `Function ${name} was changed by someone else since it was read, so its configuration was left as it is (${errorMessage(error)}).`
        )
      },
      // Lambda's message may quote the variables ("String measured: ..."):
      // only its first sentence is kept.
      InvalidParameterValueException: error => {
        throw new DeployError(
          `Lambda refused the configuration of ${name}: ${errorMessage(error).split('. ')[0] ?? ''}.`
        )
      }
    }
  )
  options.onAccepted?.()
  const outcome = await waitForUpdate(lambda, name, options, timing)
  if (outcome.status === 'Failed')
    throw new UpdateFailedError(
      `Lambda could not apply the configuration of ${name}: ${outcome.reasonCode ?? 'Failed'}: ${(outcome.reason ?? 'no reason given').replace(/\.+$/, '')}.`
    )
  return outcome.observed
}

/** CreateFunction; a role Lambda cannot assume or pass is named as such. */
export async function createImageFunction(
  lambda: LambdaClient,
  input: CreateFunctionCommandInput,
  log: Log
): Promise<FunctionConfiguration> {
  const created = await awsCall(
    'lambda:CreateFunction',
    () => lambda.send(new CreateFunctionCommand(input)),
    {
      InvalidParameterValueException: error => {
        throw new DeployError(
          `Lambda refused to create ${input.FunctionName ?? ''}: ${errorMessage(error).split('. ')[0] ?? ''}. Check that role ${input.Role ?? ''} exists, trusts lambda.amazonaws.com, and that the deploy role may iam:PassRole it.`
        )
      }
    }
  )
  log(
    `Created ${created.FunctionArn ?? input.FunctionName ?? ''} (package type Image, ${input.Architectures?.join(', ') ?? ''}, role ${input.Role ?? ''}).`
  )
  return created
}

/** CreateFunctionUrlConfig on the function or one of its aliases. */
export async function createUrl(
  lambda: LambdaClient,
  functionName: string,
  qualifier: string | undefined,
  authType: 'NONE' | 'AWS_IAM'
): Promise<string | undefined> {
  const created = await awsCall('lambda:CreateFunctionUrlConfig', () =>
    lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: functionName,
        AuthType: authType,
        ...(qualifier !== undefined && { Qualifier: qualifier })
      })
    )
  )
  return created.FunctionUrl
}

/** AddPermission; a statement id already taken counts as granted. */
export async function grant(
  lambda: LambdaClient,
  functionName: string,
  qualifier: string | undefined,
  statement: Omit<AddPermissionCommandInput, 'FunctionName' | 'Qualifier'>
): Promise<void> {
  await awsCall(
    'lambda:AddPermission',
    () =>
      lambda.send(
        new AddPermissionCommand({
          FunctionName: functionName,
          ...(qualifier !== undefined && { Qualifier: qualifier }),
          ...statement
        })
      ),
    { ResourceConflictException: () => undefined }
  )
}

/** What an undo knows of a configuration this run changed. */
export interface ConfigurationToRestore {
  functionArn: string
  /** Fingerprints (decide/configuration.ts) of what the run applied and replaced. */
  applied: string
  previous: string
  restore: ConfigSnapshot
}

/**
 * Puts the previous configuration back, guarded as the code's undo is:
 * first an update in progress settles, then only a configuration that is
 * still what this run applied is changed (decide/ownership.ts), with the
 * RevisionId just read, so a change by someone else makes Lambda refuse
 * rather than be overwritten. Says what it did; ChangedMeanwhileError when
 * someone else's configuration is there.
 */
export async function restoreConfiguration(
  lambda: LambdaClient,
  record: ConfigurationToRestore,
  options: { settleMs: number; waitTimeoutMs: number; log: Log },
  timing: Timing
): Promise<string> {
  const settled = await waitForUpdate(
    lambda,
    record.functionArn,
    { timeoutMs: options.settleMs, log: options.log },
    timing
  )
  const now = snapshotOf(settled.configuration)
  const holder = configurationHolder(record, configFingerprint(now))
  if (holder === 'put-back') return 'has its previous configuration'
  if (holder === 'theirs')
    throw new ChangedMeanwhileError(
      'its configuration was changed by someone else meanwhile; it is left as it is.'
    )
  const input = configUpdate(
    record.functionArn,
    now,
    record.restore,
    settled.configuration.RevisionId
  )
  if (input === undefined) return 'has its previous configuration'
  options.log(
    `Restoring the previous configuration: ${describeDiff(configDiff(now, record.restore))}.`
  )
  await applyConfiguration(
    lambda,
    input,
    { timeoutMs: options.waitTimeoutMs, log: options.log },
    timing
  )
  return 'has its previous configuration again'
}
