/**
 * What a preview takes from production, and only by opt-in: its
 * configuration (environment, role, VPC), read here.
 */
import type {
  FunctionConfiguration,
  LambdaClient
} from '@aws-sdk/client-lambda'
import { DeployError } from '../util/errors.js'
import { sdkMessage } from '../aws/call.js'
import { getFunctionConfiguration } from '../aws/preview-lambda.js'
import { needsProduction } from './create.js'
import type { PreviewIsolation } from '../inputs/types.js'

/** The warning of a preview that runs with production's execution role. */
export function productionRoleWarning(
  previewName: string,
  role: string | undefined
): string {
  return `preview-use-production-role is true: the preview ${previewName} runs with production's execution role ${role ?? ''}, so the pull request's code gets everything production's role may do in AWS. Create a role for previews and set preview-role-arn (see docs/previews.md).`
}

/** What a new preview got of production, for the log: names, never values. */
export function isolationLines(
  isolation: PreviewIsolation,
  production: Record<string, string> | undefined,
  hasVpc: boolean
): string[] {
  const notCopied = Object.keys(production ?? {}).filter(
    name => !isolation.copyEnv.includes(name)
  )
  const setHere = Object.keys(isolation.env)
  return [
    notCopied.length === 0
      ? undefined
      : `Not copied from production (preview-copy-env copies by name): ${notCopied.join(', ')}.`,
    isolation.copyEnv.length === 0
      ? undefined
      : `Copied from production: ${isolation.copyEnv.join(', ')}.`,
    setHere.length === 0
      ? undefined
      : `Set by preview-env: ${setHere.join(', ')}.`,
    !hasVpc
      ? undefined
      : isolation.vpc
        ? "The preview runs in production's VPC (preview-vpc: true)."
        : "The preview runs outside production's VPC (preview-vpc: true puts it there)."
  ].filter((line): line is string => line !== undefined)
}

/**
 * Production's configuration, read only for the opt-ins that share it with
 * the preview (needsProduction). Its answer carries production's
 * environment, so a preview role should not be allowed to make this call:
 * without the opt-ins, nothing of production is read.
 */
export async function readProduction(
  lambda: LambdaClient,
  productionName: string,
  isolation: PreviewIsolation,
  log: (message: string) => void
): Promise<FunctionConfiguration | undefined> {
  if (!needsProduction(isolation)) return undefined
  log(
    `Reading ${productionName}'s configuration (lambda:GetFunction) for ${[
      isolation.copyEnv.length > 0 && 'preview-copy-env',
      isolation.vpc && 'preview-vpc',
      isolation.roleArn === undefined &&
        isolation.useProductionRole &&
        'preview-use-production-role'
    ]
      .filter(Boolean)
      .join(', ')}.`
  )
  try {
    return await getFunctionConfiguration(lambda, productionName)
  } catch (error) {
    throw new DeployError(
      `Could not read ${productionName}'s configuration, which preview-copy-env, preview-vpc and preview-use-production-role need: ${sdkMessage(error)} A preview role should not read production (its answer carries production's environment): set preview-env and preview-role-arn instead (docs/previews.md).`
    )
  }
}
