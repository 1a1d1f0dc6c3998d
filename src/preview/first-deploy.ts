/**
 * The first deploy of a pull request's preview: the function created from
 * preview-settings with the new image, waited for until it is Active.
 */
import * as core from '@actions/core'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { DeployError } from '../util/errors.js'
import { markdownText } from '../util/markdown.js'
import {
  checkDeployedDigest,
  getFunctionState,
  type FunctionState
} from '../aws/lambda.js'
import { waitForUpdate } from '../aws/lambda-update.js'
import {
  ISOLATED,
  createPreviewFunction,
  previewCreateInput
} from './create.js'
import {
  isolationLines,
  productionRoleWarning,
  readProduction
} from './production.js'
import type { Timing } from '../util/time.js'
import type { Architecture, PreviewIsolation } from '../inputs/types.js'

/**
 * First preview of a PR: create the function from preview-settings directly
 * with the new image, and wait until it is Active. It gets production's
 * environment, role and VPC only as `isolation` opts in.
 */
export async function createPreview(
  lambda: LambdaClient,
  options: {
    production: FunctionState
    previewName: string
    pullRequest: number
    imageUri: string
    digest: string
    architecture: Architecture
    waitTimeoutMs: number
    log: (message: string) => void
    isolation?: PreviewIsolation | undefined
  },
  timing: Timing
): Promise<FunctionState> {
  const isolation = options.isolation ?? ISOLATED
  const productionName = options.production.functionName
  const configuration = await readProduction(
    lambda,
    options.production.functionArn,
    isolation,
    options.log
  )
  const input = previewCreateInput(
    {
      production: configuration,
      productionName,
      previewName: options.previewName,
      pullRequest: options.pullRequest,
      imageUri: options.imageUri,
      architecture: options.architecture
    },
    isolation
  )
  for (const line of isolationLines(
    isolation,
    configuration?.Environment?.Variables,
    (configuration?.VpcConfig?.SubnetIds?.length ?? 0) > 0
  ))
    options.log(line)
  if (isolation.roleArn === undefined) {
    const warning = productionRoleWarning(options.previewName, input.Role)
    core.warning(warning)
    // Ahead of the run's summary, which main.ts writes from the same buffer.
    core.summary.addRaw(`> [!WARNING]\n> ${markdownText(warning)}\n\n`)
  }
  const created = await createPreviewFunction(lambda, input)
  options.log(
    `Created ${created.FunctionArn ?? options.previewName} (${input.Architectures?.join(', ') ?? ''}, ${input.MemorySize ?? '?'} MB, ${input.Timeout ?? '?'} s); waiting until it is Active.`
  )
  const outcome = await waitForUpdate(
    lambda,
    options.previewName,
    { timeoutMs: options.waitTimeoutMs, log: options.log },
    timing
  )
  if (outcome.status === 'Failed') {
    throw new DeployError(
      `The preview function ${options.previewName} was created but did not become Active: ${outcome.reasonCode ?? 'Failed'}: ${outcome.reason ?? 'no reason given'}`
    )
  }
  const after = await getFunctionState(lambda, options.previewName)
  checkDeployedDigest(after, options.digest)
  return after
}
