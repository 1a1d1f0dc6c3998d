import { DeployError } from '../util/errors.js'
import type { Architecture } from '../inputs/types.js'

export type Platform = 'linux/amd64' | 'linux/arm64'

const PLATFORMS: Record<Architecture, Platform> = {
  x86_64: 'linux/amd64',
  arm64: 'linux/arm64'
}

/** Lambda architecture → docker platform. */
export function platformFor(architecture: Architecture): Platform {
  return PLATFORMS[architecture]
}

/** OCI image config `architecture` for a Lambda architecture. */
export function ociArchitecture(architecture: Architecture): 'amd64' | 'arm64' {
  return architecture === 'x86_64' ? 'amd64' : 'arm64'
}

/** The function's architecture as Lambda reports it (absent means x86_64). */
export function functionArchitecture(
  architectures: readonly string[] | undefined
): Architecture {
  const first = architectures?.[0] ?? 'x86_64'
  if (first === 'x86_64' || first === 'arm64') return first
  throw new DeployError(
    `The function reports architecture "${first}", which this action does not know (expected x86_64 or arm64).`
  )
}

/**
 * The image is always built for what the function runs on; the
 * `architecture` input can only confirm it.
 */
export function resolveArchitecture(
  live: Architecture,
  requested: Architecture | undefined,
  functionName: string
): Architecture {
  if (requested !== undefined && requested !== live) {
    throw new DeployError(
      `architecture is "${requested}" but function ${functionName} is configured for ${live}. ` +
        `An image built for ${platformFor(requested)} would fail on this function with ` +
        `"exec format error" (Runtime.InvalidEntrypoint). Either remove the architecture input ` +
        `(the image is built for the function's ${live}), or change the function's architecture first.`
    )
  }
  return live
}
