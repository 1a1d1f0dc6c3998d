/** The preview inputs every preview and cleanup stage needs, checked once. */
import { DeployError } from '../util/errors.js'
import type { Inputs } from '../inputs/types.js'

export type Phase = <T>(name: string, body: () => T | Promise<T>) => Promise<T>

/** The preview inputs that preview and cleanup need, checked. */
export function previewTarget(inputs: Inputs): {
  name: string
  pullRequest: number
} {
  if (inputs.preview === undefined || inputs.pullRequest === undefined) {
    throw new DeployError(
      'mode preview and cleanup need a pull request number (pull-request).'
    )
  }
  return { name: inputs.preview.name, pullRequest: inputs.pullRequest }
}
