/** The preview function as it is, before anything changes. */
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { DeployError } from '../util/errors.js'
import { getFunctionState, type FunctionState } from '../aws/lambda.js'
import { findFunction, previewTagProblem } from './create.js'

/**
 * The preview function as it is now, or undefined when it does not exist
 * yet. An existing function must carry this PR's preview tags.
 */
export async function lookUpPreview(
  lambda: LambdaClient,
  target: { name: string; pullRequest: number },
  productionName: string
): Promise<FunctionState | undefined> {
  const existing = await findFunction(lambda, target.name)
  if (existing === undefined) return undefined
  const problem = previewTagProblem(
    target.name,
    existing.tags,
    productionName,
    target.pullRequest
  )
  if (problem !== undefined) throw new DeployError(problem)
  return getFunctionState(lambda, existing.functionArn)
}
