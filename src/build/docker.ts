import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as actionsExec from '@actions/exec'
import { DeployError, LocalTagMovedError } from '../util/errors.js'
import {
  INSPECT_FORMAT,
  buildxArgs,
  digestFromMetadata,
  digestFromPushOutput,
  fallbackBuildArgs,
  pushArgs,
  secretEnv,
  type BuildRequest
} from './argv.js'

const IMAGE_ID = /^sha256:[a-f0-9]{64}$/

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface ExecOptions {
  env?: Record<string, string>
  /** Written to the command's standard input (e.g. a password). */
  input?: Buffer
  /** Stream the command's output to the log (builds); otherwise quiet. */
  stream?: boolean
}

/** Every command is an argv array; nothing goes through a shell. */
export type Exec = (
  command: string,
  args: string[],
  options?: ExecOptions
) => Promise<ExecResult>

export const realExec: Exec = async (command, args, options = {}) => {
  const result = await actionsExec.getExecOutput(command, args, {
    ignoreReturnCode: true,
    silent: options.stream !== true,
    ...(options.input !== undefined && { input: options.input }),
    ...(options.env !== undefined && {
      env: { ...(process.env as Record<string, string>), ...options.env }
    })
  })
  return {
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr
  }
}

const NAME_LIKE_SECRET =
  /TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|APIKEY|(^|[_.-])(KEY|PWD|PAT)([_.-]|$)/i

/** Shapes of well-known tokens: GitHub, AWS access keys, Slack, npm, JWTs, NuGet API keys. */
const VALUE_LIKE_TOKEN = [
  /^gh[pousr]_[A-Za-z0-9]{20,}/,
  /^github_pat_[A-Za-z0-9_]{20,}/,
  /^(AKIA|ASIA)[A-Z0-9]{16}$/,
  /^xox[abprs]-[A-Za-z0-9-]{10,}/,
  /^npm_[A-Za-z0-9]{30,}/,
  /^glpat-[A-Za-z0-9_-]{20,}/,
  /^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./,
  /^oy2[a-z0-9]{43}$/
]

/**
 * The build-args that look like they carry a secret (by name or by the
 * shape of the value): a build-arg lands in the image history and in the
 * logged docker command.
 */
export function tokenLikeBuildArgs(
  buildArgs: readonly string[]
): { name: string; value: string }[] {
  return buildArgs.flatMap(arg => {
    const separator = arg.indexOf('=')
    const name = separator < 0 ? arg : arg.slice(0, separator)
    const value = separator < 0 ? '' : arg.slice(separator + 1)
    return NAME_LIKE_SECRET.test(name) ||
      VALUE_LIKE_TOKEN.some(shape => shape.test(value))
      ? [{ name, value }]
      : []
  })
}

/**
 * The values to mask among token-like build-args. `NAME` alone (docker
 * takes the value from its environment) puts no value in the log; a value
 * of one to three characters is no credential, and masking it would hide
 * every occurrence of it in the log.
 */
export function buildArgValuesToMask(buildArgs: readonly string[]): string[] {
  return tokenLikeBuildArgs(buildArgs)
    .map(arg => arg.value)
    .filter(value => value.trim().length >= 4)
}

/** The type= of a cache-from/cache-to entry; a bare reference is a registry. */
function cacheType(cache: string): string {
  return /(?:^|,)type=([^,]*)/.exec(cache)?.[1] ?? 'registry'
}

/**
 * The default `docker` driver (without the containerd image store) exports
 * only an inline cache and imports only inline or registry caches; the
 * GitHub cache (type=gha), local, s3 or azblob need a BuildKit builder of the
 * docker-container kind, whichever side asks for them.
 */
export function needsContainerBuilder(
  cacheFrom: readonly string[],
  cacheTo: readonly string[]
): boolean {
  return (
    cacheTo.some(cache => cacheType(cache) !== 'inline') ||
    cacheFrom.some(cache => !['inline', 'registry'].includes(cacheType(cache)))
  )
}

export function builderDriver(inspectOutput: string): string | undefined {
  return /^Driver:\s*(\S+)/m.exec(inspectOutput)?.[1]
}

export async function hasBuildx(
  exec: Exec,
  env: Record<string, string>
): Promise<boolean> {
  const result = await exec('docker', ['buildx', 'version'], { env })
  return result.exitCode === 0
}

function failure(what: string, result: ExecResult): DeployError {
  // Some commands end with a bare newline on stderr and the error on stdout.
  const detail = (result.stderr.trim() || result.stdout.trim())
    .split('\n')
    .slice(-15)
    .join('\n')
  return new DeployError(
    `${what} failed (exit code ${result.exitCode}):\n${detail}`
  )
}

/**
 * A private docker config directory for this run, so ECR credentials never
 * land in the runner's ~/.docker. CLI plugins (buildx), builders and contexts
 * of the user's own config stay visible through links.
 */
export async function prepareDockerConfig(
  parentDir: string,
  userConfigDir: string = process.env.DOCKER_CONFIG ??
    path.join(os.homedir(), '.docker')
): Promise<string> {
  // Absolute: the post step removes only a directory of this name directly
  // in the runner's temporary directory (post/saved-state.ts).
  const dir = await fs.mkdtemp(path.resolve(parentDir, 'aspnet-lambda-deploy-'))
  await fs.chmod(dir, 0o700)
  await fs.writeFile(path.join(dir, 'config.json'), '{"auths":{}}\n', {
    mode: 0o600
  })
  for (const entry of ['cli-plugins', 'buildx', 'contexts']) {
    const source = path.join(userConfigDir, entry)
    try {
      await fs.access(source)
      await fs.symlink(source, path.join(dir, entry))
    } catch {
      // not present in the user's config: nothing to share
    }
  }
  return dir
}

export async function dockerLogin(
  exec: Exec,
  registry: string,
  username: string,
  password: string,
  env: Record<string, string>
): Promise<void> {
  const result = await exec(
    'docker',
    ['login', '--username', username, '--password-stdin', registry],
    { env, input: Buffer.from(password) }
  )
  if (result.exitCode !== 0)
    throw failure(`docker login to ${registry}`, result)
}

export interface BuildResult {
  /** The pushed manifest's digest; undefined for a dry run (nothing pushed). */
  digest: string | undefined
  builder: 'buildx' | 'docker build'
}

export interface BuildContext {
  exec: Exec
  env: Record<string, string>
  workDir: string
  log: (message: string) => void
  warn: (message: string) => void
  /**
   * Runs before the push with the image just built (its local id): the local
   * run (stages/local-run.ts). Throwing stops the build before anything is pushed.
   */
  beforePush?:
    ((image: { ref: string; id: string }) => Promise<void>) | undefined
}

export async function buildWithBuildx(
  request: BuildRequest,
  context: BuildContext,
  builder?: string
): Promise<BuildResult> {
  const metadataFile = path.join(context.workDir, 'build-metadata.json')
  // With a local run the image goes into the engine (--load) and is run
  // before `docker push`: nothing leaves the runner before the local run.
  const loadTo =
    context.beforePush !== undefined && request.dryRun !== true
      ? path.join(context.workDir, 'build-image-id')
      : undefined
  if (loadTo !== undefined) await fs.rm(loadTo, { force: true })
  const result = await context.exec(
    'docker',
    buildxArgs(request, metadataFile, builder, loadTo),
    { env: { ...context.env, ...secretEnv(request) }, stream: true }
  )
  if (result.exitCode !== 0) throw failure('docker buildx build', result)
  if (request.dryRun === true) return { digest: undefined, builder: 'buildx' }
  if (loadTo !== undefined) return pushBuilt(request, context, loadTo, 'buildx')
  const digest = digestFromMetadata(
    await fs.readFile(metadataFile, 'utf8').catch(() => '')
  )
  if (digest === undefined) {
    throw new DeployError(
      `docker buildx build succeeded but wrote no image digest to ${metadataFile}.`
    )
  }
  return { digest, builder: 'buildx' }
}

/**
 * `docker build` + `docker push`. Before pushing, the tag must name the very
 * image this build made (its id from --iidfile), for the built platform: a
 * tag left on another local image (a build that tagged nothing, a tag moved
 * meanwhile) must not be pushed as this build. The id is only compared with
 * what `image inspect` reports for the tag, in the same store: a config
 * digest with the classic store, a manifest or index digest with the
 * containerd store (Docker 29; buildx 0.36 too, docker/buildx#3952). The
 * digest deployed is the one the push prints, checked again in ECR.
 */
export async function buildWithDocker(
  request: BuildRequest,
  context: BuildContext
): Promise<BuildResult> {
  if (request.cacheFrom.length > 0 || request.cacheTo.length > 0) {
    context.warn(
      'cache-from and cache-to need docker buildx; they are ignored by the docker build fallback.'
    )
  }
  const iidFile = path.join(context.workDir, 'build-image-id')
  // An id left by an earlier build must not vouch for this one.
  await fs.rm(iidFile, { force: true })
  const secrets = request.secrets.length + request.secretFiles.length > 0
  // Only BuildKit reads --secret (and RUN --mount): Docker 20.10's built-in
  // one does when asked; Docker >= 23 without buildx refuses, which the
  // check below turns into the fix. The legacy builder is never asked.
  const build = await context.exec(
    'docker',
    fallbackBuildArgs(request, iidFile),
    {
      env: {
        ...context.env,
        ...(secrets && { DOCKER_BUILDKIT: '1' }),
        ...secretEnv(request)
      },
      stream: true
    }
  )
  if (
    secrets &&
    build.exitCode !== 0 &&
    /BuildKit is enabled but the buildx component is missing|requires BuildKit|unknown flag: --secret/.test(
      build.stderr + build.stdout
    )
  ) {
    throw new DeployError(
      'secrets and secret-files need BuildKit, and this docker has none without buildx (Docker 23 and later refuse DOCKER_BUILDKIT=1 without the buildx component); ' +
        'the legacy builder cannot pass secrets without leaving them in the image or the log, so nothing was built. ' +
        'Install docker buildx (docker/setup-buildx-action).'
    )
  }
  if (build.exitCode !== 0) {
    throw failure(
      `docker build for ${request.platform} (fallback without buildx)`,
      build
    )
  }
  return pushBuilt(request, context, iidFile, 'docker build')
}

/**
 * The image a build left in the engine (its id in `iidFile`): prove the tag
 * names it, for the built platform, run `beforePush` (the local run) on it,
 * then push it and read the pushed digest.
 */
async function pushBuilt(
  request: BuildRequest,
  context: BuildContext,
  iidFile: string,
  builder: BuildResult['builder']
): Promise<BuildResult> {
  const builtId = (await fs.readFile(iidFile, 'utf8').catch(() => '')).trim()
  if (!IMAGE_ID.test(builtId)) {
    throw new DeployError(
      `${builder === 'buildx' ? 'docker buildx build --load' : 'docker build'} succeeded but wrote no image id to ${iidFile}, so the image tagged ${request.imageRef} cannot be proven to be this build; nothing was pushed.`
    )
  }
  const inspect = await context.exec(
    'docker',
    ['image', 'inspect', '--format', INSPECT_FORMAT, request.imageRef],
    { env: context.env }
  )
  const [taggedId = '', built = ''] = inspect.stdout.trim().split(/\s+/)
  if (inspect.exitCode === 0 && taggedId !== builtId) {
    const message = `${request.imageRef} is the local image ${taggedId || 'of an unknown id'}, not ${builtId}, which docker build just built: a stale local tag. Nothing was pushed.`
    // A real image id there: another build on this engine tagged it after us.
    throw IMAGE_ID.test(taggedId)
      ? new LocalTagMovedError(message, taggedId)
      : new DeployError(message)
  }
  if (inspect.exitCode !== 0 || built !== request.platform) {
    throw new DeployError(
      `The docker build fallback produced an image for ${(inspect.exitCode === 0 && built) || 'an unknown platform'}, not ${request.platform}; ` +
        'nothing was pushed. Install docker buildx (docker/setup-buildx-action) to build for another CPU.'
    )
  }
  await context.beforePush?.({ ref: request.imageRef, id: builtId })
  if (request.dryRun === true) return { digest: undefined, builder }
  // The API version client and daemon agreed on: whether push takes --platform.
  const version = await context.exec(
    'docker',
    ['version', '--format', '{{.Client.APIVersion}}'],
    { env: context.env }
  )
  const apiVersion =
    version.exitCode === 0 ? version.stdout.trim() || undefined : undefined
  const push = await context.exec(
    'docker',
    pushArgs(request.imageRef, request.platform, apiVersion),
    { env: context.env, stream: true }
  )
  if (push.exitCode !== 0)
    throw failure(`docker push ${request.imageRef}`, push)
  const digest = digestFromPushOutput(push.stdout + push.stderr)
  if (digest === undefined) {
    throw new DeployError(`docker push ${request.imageRef} printed no digest.`)
  }
  return { digest, builder }
}
