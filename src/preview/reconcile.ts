/**
 * An existing preview brought to the current settings (role, environment,
 * VPC) before it gets new code.
 */
import type {
  FunctionConfiguration,
  LambdaClient,
  UpdateFunctionConfigurationCommandInput
} from '@aws-sdk/client-lambda'
import { DeployError, errorMessage } from '../util/errors.js'
import {
  getFunctionConfiguration,
  updateFunctionConfiguration
} from '../aws/preview-lambda.js'
import type { FunctionState } from '../aws/lambda.js'
import { waitForUpdate } from '../aws/lambda-update.js'
import {
  ISOLATED,
  previewEnvironment,
  previewRole,
  previewVpc
} from './create.js'
import { readProduction } from './production.js'
import type { Timing } from '../util/time.js'
import type { PreviewIsolation } from '../inputs/types.js'

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n')

const sameEnvironment = (
  a: Record<string, string>,
  b: Record<string, string>
): boolean =>
  sameList(Object.keys(a), Object.keys(b)) &&
  Object.entries(a).every(([key, value]) => b[key] === value)

/**
 * What an existing preview must change to match the current settings: its
 * execution role, environment and VPC (a preview made by an older version
 * may run with production's). Pure: the names of what differs (never
 * values) and the UpdateFunctionConfiguration input, or undefined.
 */
export function previewDrift(
  preview: FunctionConfiguration,
  expected: {
    role: string
    environment: Record<string, string>
    vpc: { SubnetIds: string[]; SecurityGroupIds: string[] } | undefined
  }
):
  | { differences: string[]; update: UpdateFunctionConfigurationCommandInput }
  | undefined {
  const differences: string[] = []
  const update: UpdateFunctionConfigurationCommandInput = {
    FunctionName: preview.FunctionArn ?? preview.FunctionName
  }
  if (preview.Role !== expected.role) {
    differences.push(
      `execution role ${preview.Role ?? 'none'} (expected ${expected.role})`
    )
    update.Role = expected.role
  }
  const environment = preview.Environment?.Variables ?? {}
  if (!sameEnvironment(environment, expected.environment)) {
    const names = [
      ...new Set([
        ...Object.keys(environment),
        ...Object.keys(expected.environment)
      ])
    ].filter(name => environment[name] !== expected.environment[name])
    differences.push(`environment variables ${names.sort().join(', ')}`)
    update.Environment = { Variables: { ...expected.environment } }
  }
  const subnets = preview.VpcConfig?.SubnetIds ?? []
  const groups = preview.VpcConfig?.SecurityGroupIds ?? []
  const wantedSubnets = expected.vpc?.SubnetIds ?? []
  const wantedGroups = expected.vpc?.SecurityGroupIds ?? []
  if (!sameList(subnets, wantedSubnets) || !sameList(groups, wantedGroups)) {
    differences.push(
      wantedSubnets.length === 0
        ? `VPC (subnets ${subnets.join(', ')}; a preview runs outside it unless preview-vpc is true)`
        : `VPC (subnets ${subnets.join(', ') || 'none'}, expected ${wantedSubnets.join(', ')})`
    )
    // Empty lists take the function out of its VPC (Lambda API reference,
    // UpdateFunctionConfiguration, VpcConfig).
    update.VpcConfig = {
      SubnetIds: [...wantedSubnets],
      SecurityGroupIds: [...wantedGroups]
    }
  }
  return differences.length === 0 ? undefined : { differences, update }
}

/**
 * An existing preview is brought to the current settings before it gets
 * the new code: role, environment and VPC (previewDrift). The URL's auth is
 * fixed by the preview-url stage (url.ts). What if the run dies right after
 * the update: the preview keeps its old code with the new settings, which
 * the next run finds in order.
 */
export async function reconcilePreview(
  lambda: LambdaClient,
  options: {
    production: FunctionState
    previewArn: string
    waitTimeoutMs: number
    log: (message: string) => void
    isolation?: PreviewIsolation | undefined
  },
  timing: Timing
): Promise<boolean> {
  const isolation = options.isolation ?? ISOLATED
  const current = await getFunctionConfiguration(lambda, options.previewArn)
  const production = await readProduction(
    lambda,
    options.production.functionArn,
    isolation,
    options.log
  )
  const productionName = options.production.functionName
  const drift = previewDrift(current ?? {}, {
    role: previewRole(isolation, production, productionName),
    environment: previewEnvironment(
      production?.Environment?.Variables,
      isolation,
      productionName
    ),
    vpc: previewVpc(isolation, production)
  })
  if (drift === undefined) return false
  options.log(
    `The preview differs from the current settings: ${drift.differences.join('; ')}. Updating its configuration before its code.`
  )
  try {
    await updateFunctionConfiguration(lambda, drift.update)
  } catch (error) {
    throw new DeployError(
      `Could not bring the preview ${options.previewArn} to the current settings (${drift.differences.join('; ')}): ${errorMessage(error)} Delete the preview (mode: cleanup) so the next run creates it anew.`
    )
  }
  const outcome = await waitForUpdate(
    lambda,
    options.previewArn,
    { timeoutMs: options.waitTimeoutMs, log: options.log },
    timing
  )
  if (outcome.status === 'Failed') {
    throw new DeployError(
      `Lambda did not apply the preview's new settings: ${outcome.reasonCode ?? 'Failed'}: ${outcome.reason ?? 'no reason given'}`
    )
  }
  return true
}
