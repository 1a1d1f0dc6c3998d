/**
 * The docker and buildx argv of a build and a push, and reading their
 * answers (pure): what `docker build`, `docker buildx build` and
 * `docker push` are called with, never through a shell.
 */
import type { Platform } from './platform.js'
import type { Inputs } from '../inputs/types.js'

/** What to build: the build inputs as given, plus where the image goes. */
export type BuildRequest = Pick<
  Inputs,
  | 'context'
  | 'file'
  | 'target'
  | 'buildArgs'
  | 'labels'
  | 'cacheFrom'
  | 'cacheTo'
  | 'secrets'
  | 'secretFiles'
  | 'noCache'
  | 'pull'
> & {
  platform: Platform
  /** repository:tag */
  imageRef: string
  /** dry-run: build (and check) the image, push nothing. */
  dryRun?: boolean | undefined
}

/** The variable of the build's environment that carries secret `index`. */
export function secretEnvName(index: number): string {
  return `ASPNET_LAMBDA_DEPLOY_SECRET_${index}`
}

/**
 * The environment the build command gets on top of the context's: each
 * secret's value under its own variable. Values never go in argv, which
 * @actions/exec prints and `ps` shows; `--secret id=…,env=…` names only the
 * variable.
 */
export function secretEnv(request: BuildRequest): Record<string, string> {
  return Object.fromEntries(
    request.secrets.map((secret, i) => [secretEnvName(i), secret.value])
  )
}

function commonBuildArgs(request: BuildRequest): string[] {
  const args = ['--platform', request.platform, '--tag', request.imageRef]
  if (request.file !== undefined) args.push('--file', request.file)
  if (request.target !== undefined) args.push('--target', request.target)
  for (const arg of request.buildArgs) args.push('--build-arg', arg)
  for (const label of request.labels) args.push('--label', label)
  request.secrets.forEach((secret, i) =>
    args.push('--secret', `id=${secret.id},env=${secretEnvName(i)}`)
  )
  for (const file of request.secretFiles)
    args.push('--secret', `id=${file.id},src=${file.path}`)
  if (request.noCache) args.push('--no-cache')
  if (request.pull) args.push('--pull')
  return args
}

/** TOKEN, SECRET, PASSWORD or CREDENTIAL anywhere; KEY, PWD or PAT as a part of the name. */
/**
 * `docker buildx build` argv. Provenance and SBOM are off so buildx pushes a
 * single image manifest: Lambda rejects image indexes. A dry run builds the
 * same image with the image exporter and push=false: every step of the
 * Dockerfile runs for the function's platform, and nothing leaves the
 * builder (https://docs.docker.com/build/exporters/image-registry/).
 */
export function buildxArgs(
  request: BuildRequest,
  metadataFile: string,
  builder?: string,
  /** Load the image into the engine (its id to this file) instead of pushing: the local run runs it first. */
  loadIidFile?: string
): string[] {
  const args = ['buildx', 'build']
  if (builder !== undefined) args.push('--builder', builder)
  args.push(
    ...commonBuildArgs(request),
    '--provenance=false',
    '--sbom=false',
    ...(request.dryRun === true
      ? ['--output', 'type=image,push=false']
      : loadIidFile !== undefined
        ? ['--load', '--iidfile', loadIidFile]
        : ['--push']),
    '--metadata-file',
    metadataFile
  )
  for (const cache of request.cacheFrom) args.push('--cache-from', cache)
  for (const cache of request.cacheTo) args.push('--cache-to', cache)
  args.push(request.context)
  return args
}

/**
 * Without buildx: plain `docker build`, writing the id of the image it built
 * to `iidFile`. Which builder runs depends on the client: Docker 20.10 uses
 * its built-in BuildKit when DOCKER_BUILDKIT=1; Docker 23 and later have no
 * BuildKit without the buildx component and refuse DOCKER_BUILDKIT=1 ("BuildKit
 * is enabled but the buildx component is missing or broken"), so without it
 * the legacy builder runs (no --mount, no --secret, no cache import). `--` ends the options:
 * the context cannot be read as one, whatever it is.
 */
export function fallbackBuildArgs(
  request: BuildRequest,
  iidFile: string
): string[] {
  return [
    'build',
    ...commonBuildArgs(request),
    '--iidfile',
    iidFile,
    '--',
    request.context
  ]
}

/** What `docker image inspect` is asked for: the image id and its platform. */
export const INSPECT_FORMAT = '{{.Id}} {{.Os}}/{{.Architecture}}'

/** The digest buildx wrote to its metadata file. */
export function digestFromMetadata(metadata: string): string | undefined {
  try {
    const parsed = JSON.parse(metadata) as Record<string, unknown>
    const digest = parsed['containerimage.digest']
    return typeof digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(digest)
      ? digest
      : undefined
  } catch {
    return undefined
  }
}

/**
 * The Engine API version from which `docker push --platform` exists (Docker
 * 27.0: docker/cli#4984, moby/moby#47679). The CLI refuses the flag against an
 * older daemon ("requires API version 1.46").
 */
export const PUSH_PLATFORM_API = '1.46'

/** Whether API version `version` ("1.41", "1.52") is at least `least`. */
export function apiAtLeast(version: string, least: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  const [wantMajor = 0, wantMinor = 0] = least.split('.').map(Number)
  if (!Number.isInteger(major) || !Number.isInteger(minor)) return false
  return major > wantMajor || (major === wantMajor && minor >= wantMinor)
}

/**
 * `docker push` argv. With the containerd image store (Docker 29's default on
 * new installs), a push without --platform sends an image index even for a
 * one-platform build (moby/moby#51532), which Lambda refuses; with it, the
 * one image manifest. `apiVersion` is what client and daemon agreed on.
 */
export function pushArgs(
  imageRef: string,
  platform: string,
  apiVersion: string | undefined
): string[] {
  return apiVersion !== undefined && apiAtLeast(apiVersion, PUSH_PLATFORM_API)
    ? ['push', '--platform', platform, imageRef]
    : ['push', imageRef]
}

/** `docker push` ends with "<tag>: digest: sha256:… size: N". */
export function digestFromPushOutput(output: string): string | undefined {
  const matches = [...output.matchAll(/digest: (sha256:[a-f0-9]{64})/g)]
  return matches.at(-1)?.[1]
}
