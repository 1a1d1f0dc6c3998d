import * as path from 'node:path'
import type { Inputs } from '../inputs/types.js'

/**
 * The Dockerfile docker reads: the `file` input, else <context>/Dockerfile.
 * The one rule for the build, the build key and the app preflight.
 */
export function dockerfilePath(
  inputs: Pick<Inputs, 'context' | 'file'>
): string {
  return inputs.file ?? path.join(inputs.context, 'Dockerfile')
}
