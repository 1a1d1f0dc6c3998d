/**
 * The parts of the build key (reuse-unchanged-image, ./key.ts) that need
 * nothing from AWS: the Dockerfile, the digest of the build context and the
 * digest of each base image that every platform builds on. The plan runner
 * starts them before the look-up, so that they run while the look-up waits
 * on AWS (issue 16); the reuse stage's computeKey awaits them.
 *
 * What needs the look-up waits for it: an image that only the function's
 * platform tells (a FROM with ${TARGETARCH}), and an image in the registry
 * the account's login is for. Nothing here rejects: a failure is a reason
 * not to make the key, which the reuse stage gives.
 */
import type { RegistryAuth } from '../aws/ecr.js'
import type { Fetch } from '../aws/ecr-image.js'
import type { Architecture, Inputs } from '../inputs/types.js'
import { errorMessage } from '../util/errors.js'
import type { Timing } from '../util/time.js'
import { hashContext, type ContextDigest } from './context-hash.js'
import { dockerfilePath } from './dockerfile.js'
import { DOCKERFILE_MAX_BYTES } from '../inputs/build.js'
import { readSmallFileSync } from '../util/small-file.js'
import { baseImages, platformArgs } from './from.js'
import { platformFor } from './platform.js'
import {
  isPrivateEcrImage,
  resolveDigest,
  usesLogin,
  type DigestLookup
} from './registry-digest.js'

/** The platform docker builds on: BuildKit's BUILDPLATFORM. */
export function buildPlatform(): string {
  return `linux/${process.arch === 'arm64' ? 'arm64' : 'amd64'}`
}

export type Dockerfile =
  | { kind: 'read'; path: string; text: string }
  | { kind: 'unreadable'; path: string; reason: string }

export type ContextHash =
  | (ContextDigest & {
      kind: 'hashed'
      /** How long the hash took. */
      ms: number
      /** When it was done (the run's clock). */
      doneAt: number
    })
  | { kind: 'failed'; reason: string }

export interface TimedLookup {
  image: string
  lookup: DigestLookup
  startedAt: number
  doneAt: number
  /** Started before the look-up. */
  early: boolean
}

export interface KeyParts {
  /** Started before the look-up (by the plan runner), or by the stage. */
  early: boolean
  dockerfile: Dockerfile
  /** The build context's digest. */
  context: Promise<ContextHash>
  /**
   * The digest of a base image: the lookup started early, else one started
   * now (an image of the login's own registry always is asked now, with it).
   */
  digest: (
    image: string,
    auth: RegistryAuth | undefined
  ) => Promise<TimedLookup>
  /** Ends what still runs: the key is not needed (or is made). */
  stop: () => void
}

export interface KeyPartsDeps {
  fetch: Fetch
  timing: Pick<Timing, 'now'>
}

/**
 * The base images the Dockerfile reads whatever the target platform: for
 * every platform the function may have (the `architecture` input, when set,
 * tells it), the images all of them read. None when one cannot be told.
 */
export function platformFreeImages(
  dockerfile: string,
  buildArgs: readonly string[],
  architecture: Architecture | undefined
): string[] {
  const platforms =
    architecture === undefined
      ? [platformFor('x86_64'), platformFor('arm64')]
      : [platformFor(architecture)]
  let common: string[] | undefined
  for (const platform of platforms) {
    const images = baseImages(
      dockerfile,
      buildArgs,
      platformArgs(platform, buildPlatform())
    )
    if (images.kind === 'unknown') return []
    common = (common ?? images.images).filter(image =>
      images.images.includes(image)
    )
  }
  return common ?? []
}

/**
 * Start the key's parts: read the Dockerfile (small: at once), hash the
 * context and, when `early`, look up the base images every platform reads
 * that need no login (a lookup is memoized per image reference).
 */
export function startKeyParts(
  inputs: Pick<Inputs, 'context' | 'file' | 'buildArgs' | 'architecture'>,
  deps: KeyPartsDeps,
  { early }: { early: boolean }
): KeyParts {
  const stopper = new AbortController()
  const now = (): number => deps.timing.now()
  const file = dockerfilePath(inputs)
  const dockerfile = readDockerfile(file)
  const lookUp = (
    image: string,
    auth: RegistryAuth | undefined,
    started: boolean
  ): Promise<TimedLookup> => {
    const startedAt = now()
    const timed = (lookup: DigestLookup): TimedLookup => ({
      image,
      lookup,
      startedAt,
      doneAt: now(),
      early: started
    })
    return resolveDigest(image, auth, deps.fetch, stopper.signal).then(
      timed,
      (error: unknown) => timed({ kind: 'failed', reason: errorMessage(error) })
    )
  }
  const lookups = new Map<string, Promise<TimedLookup>>()
  let context: Promise<ContextHash>
  if (dockerfile.kind === 'unreadable') {
    context = Promise.resolve({ kind: 'failed', reason: dockerfile.reason })
  } else {
    const started = now()
    // Handled where it is made: a hash nobody awaits (the look-up failed)
    // must not end as an unhandled rejection.
    context = hashContext(inputs.context, file, stopper.signal).then(
      digest => ({
        ...digest,
        kind: 'hashed',
        ms: now() - started,
        doneAt: now()
      }),
      // A remote context (a git URL), an unreadable file, a bad pattern:
      // the build reports what is wrong with it, if anything.
      (error: unknown) => ({ kind: 'failed', reason: errorMessage(error) })
    )
    if (early)
      for (const image of platformFreeImages(
        dockerfile.text,
        inputs.buildArgs,
        inputs.architecture
      ))
        if (!isPrivateEcrImage(image))
          lookups.set(image, lookUp(image, undefined, true))
  }
  return {
    early,
    dockerfile,
    context,
    digest: (image, auth) => {
      const started = lookups.get(image)
      // Asked without a login, the registry the login is for answers 401.
      if (started !== undefined && !usesLogin(image, auth)) return started
      return lookUp(image, auth, false)
    },
    stop: () => {
      stopper.abort(new Error('the build key is not needed any more'))
    }
  }
}

/** A Dockerfile is small: read at once, so that its lookups start at once. */
function readDockerfile(file: string): Dockerfile {
  try {
    return {
      kind: 'read',
      path: file,
      text: readSmallFileSync(file, DOCKERFILE_MAX_BYTES)
    }
  } catch (error) {
    return { kind: 'unreadable', path: file, reason: errorMessage(error) }
  }
}
