/**
 * What the pushed image must have for Lambda to start it on the function's
 * CPU: the start configuration (ENTRYPOINT, CMD, WORKDIR, with the function's
 * ImageConfig applied), the program it names, the runtime bootstrap, the app
 * assembly on the AWS .NET base image, the extensions, the size, and whether
 * the .NET the app runs on is still supported (./dotnet-support.js). The
 * files come from ./layers.js; preflightImage reads them and runs the checks.
 */
import type { RegistryAuth } from '../../aws/ecr.js'
import type { Fetch } from '../../aws/ecr-image.js'
import type { ImageConfigOverride } from '../../aws/lambda.js'
import { fail, pass, warn, type Check } from './checks.js'
import { expectedMachine, identify } from './elf.js'
import { describeExecutable, judgeExecutable } from './executable.js'
import { dotnetSupportCheck, frameworkTargets } from './dotnet-support.js'
import {
  EXTENSIONS_DIR,
  TASK_ROOT,
  baseName,
  fetchAndScanLayer,
  isCovered,
  parentOf,
  parseLayers,
  reachedLimit,
  stoppedScan,
  type ImageFiles,
  type SizeBudget
} from './layers.js'
import { mergeLayers, resolvePath } from './file-tree.js'
import { normalizePath } from './tar.js'
import {
  AWS_BASE_ENTRYPOINT,
  BOOTSTRAP,
  DOTNET_IN_BASE_IMAGE,
  applyOverride,
  parseStartConfig,
  programCandidates,
  startArgv,
  usesAwsBaseEntrypoint,
  type StartConfig
} from './start-config.js'
import { CancelledError } from '../../util/cancel.js'
import type { Architecture } from '../../inputs/types.js'

/** Lambda's limit for an image, uncompressed, all layers. */
export const SIZE_LIMIT_BYTES = 10 * 1024 ** 3
/** Warn well before the limit. */
export const SIZE_WARNING_BYTES = 8 * 1024 ** 3
/** The AWS base images start everything through this script. */
/** Paths whose first bytes preflight needs. */
export function wantedPaths(start: StartConfig): Set<string> {
  const wanted = new Set<string>([
    BOOTSTRAP,
    DOTNET_IN_BASE_IMAGE,
    AWS_BASE_ENTRYPOINT
  ])
  const program = startArgv(start)[0]
  if (program !== undefined) {
    for (const candidate of programCandidates(program, start))
      wanted.add(candidate)
  }
  const handler = start.cmd[0]
  if (handler !== undefined && !handler.includes('/')) {
    const assembly = handler.split('::')[0] ?? handler
    wanted.add(normalizePath(`${TASK_ROOT}/${assembly}`))
    wanted.add(normalizePath(`${TASK_ROOT}/${assembly}.dll`))
  }
  return wanted
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  return `${(bytes / 1024).toFixed(1)} KiB`
}

export function sizeCheck(bytes: number): Check {
  const title = 'Image size (uncompressed)'
  const size = formatBytes(bytes)
  if (bytes >= SIZE_LIMIT_BYTES) {
    return fail(
      'image.size',
      title,
      `${size}, over Lambda's 10 GiB limit for an image: UpdateFunctionCode would be refused. Make the image smaller (multi-stage build, publish only the app, no SDK in the final stage).`
    )
  }
  if (bytes >= SIZE_WARNING_BYTES) {
    return warn(
      'image.size',
      title,
      `${size}, close to Lambda's 10 GiB limit (warning from 8 GiB). Large images also start slower.`
    )
  }
  return pass('image.size', title, `${size} of Lambda's 10 GiB limit`)
}

/**
 * The size check of an image whose layers were not all read: reading
 * stopped once the uncompressed bytes reached `limit`.
 */
export function sizeStoppedCheck(
  bytesRead: number,
  limit: number,
  layersRead: number,
  layers: number
): Check {
  return fail(
    'image.size',
    'Image size (uncompressed)',
    `more than ${formatBytes(limit)}, Lambda's limit for an image: UpdateFunctionCode would be refused. Reading the layers stopped there, after ${formatBytes(bytesRead)} (${layersRead} of ${layers} layers read whole), so the image's files were not checked. Make the image smaller (multi-stage build, publish only the app, no SDK in the final stage).`
  )
}

/** Every check of the image's files: pure, over what the layers held. */
export function imageChecks(
  start: StartConfig,
  files: ImageFiles,
  architecture: Architecture,
  uncompressedBytes: number
): Check[] {
  const checks: Check[] = []
  const target = architecture === 'arm64' ? 'linux-arm64' : 'linux-x64'
  const rebuild = `Build it for ${target} (in a Dockerfile: ARG TARGETARCH and -a $TARGETARCH).`
  const argv = startArgv(start)
  const program = argv[0]
  const wanted = wantedPaths(start)
  const covered = (path: string): boolean => isCovered(path, wanted)

  // The entrypoint.
  if (program === undefined) {
    checks.push(
      fail(
        'image.entrypoint',
        'Entrypoint',
        'The image has neither ENTRYPOINT nor CMD: Lambda has nothing to start. Base the final stage on public.ecr.aws/lambda/dotnet:<version>, or set ENTRYPOINT.'
      )
    )
  } else {
    const candidates = programCandidates(program, start)
    const found =
      candidates.find(path => resolvePath(files, path).file !== undefined) ??
      candidates[0] ??
      program
    const verdict = judgeExecutable(
      files,
      found,
      architecture,
      rebuild,
      covered
    )
    checks.push({
      id: 'image.entrypoint',
      title: 'Entrypoint',
      result: verdict.result,
      message: `${JSON.stringify(argv)}: ${verdict.message}`
    })
  }

  // /var/runtime/bootstrap, when present.
  if (resolvePath(files, BOOTSTRAP).file !== undefined) {
    const verdict = judgeExecutable(
      files,
      BOOTSTRAP,
      architecture,
      rebuild,
      covered
    )
    checks.push({
      id: 'image.bootstrap',
      title: 'Runtime bootstrap',
      ...verdict
    })
  }

  // CMD on the AWS .NET base image: the assembly to run.
  const dotnetBase =
    usesAwsBaseEntrypoint(start) &&
    resolvePath(files, DOTNET_IN_BASE_IMAGE).file !== undefined
  if (dotnetBase) {
    checks.push(handlerCheck(start, files, architecture))
  } else {
    checks.push(
      pass(
        'image.cmd',
        'CMD',
        program === undefined
          ? 'no CMD'
          : usesAwsBaseEntrypoint(start)
            ? `${JSON.stringify(start.cmd)} on an AWS base image without .NET in /var/lang: not checked as an assembly name`
            : `the image has its own entrypoint ${JSON.stringify(start.entrypoint[0] ?? program)}; CMD ${JSON.stringify(start.cmd)} is passed to it`
      )
    )
  }

  // Extensions: every file directly in /opt/extensions.
  const extensions = [...files.keys()]
    .filter(path => parentOf(path) === EXTENSIONS_DIR)
    .sort()
  if (extensions.length === 0) {
    checks.push(
      pass('image.extensions', 'Extensions', `nothing in ${EXTENSIONS_DIR}`)
    )
  }
  for (const path of extensions) {
    const file = files.get(path)
    if (file?.type === 'directory') {
      checks.push(
        warn(
          `image.extension:${path}`,
          `Extension ${baseName(path)}`,
          `${path} is a directory: Lambda only starts files directly in ${EXTENSIONS_DIR}, so nothing in it runs.`
        )
      )
      continue
    }
    const verdict = judgeExecutable(
      files,
      path,
      architecture,
      `Copy the extension built for ${target} (in a Dockerfile: pick it by ARG TARGETARCH).`,
      covered
    )
    checks.push({
      id: `image.extension:${path}`,
      title: `Extension ${baseName(path)}`,
      ...verdict
    })
  }

  checks.push(sizeCheck(uncompressedBytes))
  return checks
}

function handlerCheck(
  start: StartConfig,
  files: ImageFiles,
  architecture: Architecture
): Check {
  const title = 'CMD names the app assembly'
  const handler = start.cmd[0]
  const assemblies = [...files.keys()]
    .filter(
      path =>
        parentOf(path) === TASK_ROOT && path.endsWith('.runtimeconfig.json')
    )
    .map(path => baseName(path).slice(0, -'.runtimeconfig.json'.length))
    .sort()
  const hint =
    assemblies.length > 0
      ? ` Apps in ${TASK_ROOT}: ${assemblies.join(', ')}.`
      : ''
  if (handler === undefined || handler === '') {
    return fail(
      'image.cmd',
      title,
      `The image runs on the AWS .NET base image but has no CMD: set CMD ["<YourAssemblyName>"].${hint}`
    )
  }
  if (handler.includes('::')) {
    const assembly = handler.split('::')[0] ?? handler
    return fail(
      'image.cmd',
      title,
      `CMD is the handler string "${handler}"; an app that calls AddAWSLambdaHosting is started by its assembly name: CMD ["${assembly}"] (aws/aws-lambda-dotnet#1032).`
    )
  }
  const dll = `${TASK_ROOT}/${handler}.dll`
  if (resolvePath(files, dll).file === undefined) {
    return fail(
      'image.cmd',
      title,
      `CMD is "${handler}" but ${dll} is not in the image: the CMD must be the assembly name of the app, and the publish output must be copied to ${TASK_ROOT} (COPY --from=build /app \${LAMBDA_TASK_ROOT}).${hint}`
    )
  }
  const appHost = resolvePath(files, `${TASK_ROOT}/${handler}`).file
  if (appHost?.type === 'file' && appHost.head !== undefined) {
    const what = identify(appHost.head)
    if (what.kind === 'elf' && what.machine !== expectedMachine(architecture)) {
      return warn(
        'image.cmd',
        title,
        `${dll} exists, but the app host ${TASK_ROOT}/${handler} is ${describeExecutable(what)} while the function runs on ${architecture}: the app was published for the other CPU, so native dependencies next to it may be too. Publish with -a $TARGETARCH (ARG TARGETARCH).`
      )
    }
  }
  return pass('image.cmd', title, `CMD "${handler}": ${dll} is in the image`)
}

export interface ImagePreflight {
  checks: Check[]
  uncompressedBytes: number
  layers: number
}

/**
 * Run `work` over items with at most `limit` at a time, results in order;
 * the first failure fails it (reading stops: the image is not deployable or
 * the run is over). After `signal` aborts no further item starts.
 */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
  signal: AbortSignal | undefined
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const workers = Array.from(
    { length: Math.min(limit, items.length) },
    async () => {
      while (next < items.length) {
        if (signal?.aborted === true)
          throw new CancelledError(String(signal.reason ?? 'cancelled'))
        const index = next++
        results[index] = await work(items[index] as T)
      }
    }
  )
  await Promise.all(workers)
  return results
}

/**
 * Read the pushed image through the registry API (config and every layer,
 * streamed) and check what Lambda will start. Past `sizeLimitBytes`
 * uncompressed, reading stops and only the failed size check is reported.
 */
export interface ImagePreflightOptions {
  /** The run's clock, now: what "past its end of support" is measured at. */
  now: number
  /** The function's ImageConfig, which replaces ENTRYPOINT, CMD, WORKDIR. */
  override?: ImageConfigOverride | undefined
  sizeLimitBytes?: number
  /** The job was cancelled: no further layer is read. */
  signal?: AbortSignal | undefined
}

export async function preflightImage(
  auth: RegistryAuth,
  repositoryName: string,
  manifest: string,
  /** The config blob, as read (and verified) by the image check. */
  configText: string,
  architecture: Architecture,
  fetchImpl: Fetch,
  options: ImagePreflightOptions
): Promise<ImagePreflight> {
  const { now, override, sizeLimitBytes = SIZE_LIMIT_BYTES, signal } = options
  const start = applyOverride(parseStartConfig(configText), override)
  const layers = parseLayers(manifest)
  const wanted = wantedPaths(start)
  const budget: SizeBudget = { limit: sizeLimitBytes, read: 0 }
  const scans = await mapLimit(
    layers,
    3,
    layer =>
      reachedLimit(budget)
        ? Promise.resolve(stoppedScan(0))
        : fetchAndScanLayer(
            auth,
            repositoryName,
            layer,
            wanted,
            fetchImpl,
            budget
          ),
    signal
  )
  if (scans.some(scan => scan.stopped === true)) {
    const layersRead = scans.filter(scan => scan.stopped !== true).length
    return {
      checks: [
        sizeStoppedCheck(budget.read, sizeLimitBytes, layersRead, layers.length)
      ],
      uncompressedBytes: budget.read,
      layers: layers.length
    }
  }
  const files = mergeLayers(scans)
  const uncompressedBytes = scans.reduce((sum, scan) => sum + scan.bytes, 0)
  const checks = imageChecks(start, files, architecture, uncompressedBytes)
  checks.push(dotnetSupportCheck(frameworkTargets(files, start.cmd[0]), now))
  const unreadable = scans.flatMap(scan =>
    scan.unreadable === undefined ? [] : [scan.unreadable]
  )
  if (unreadable.length > 0) {
    checks.push(
      warn(
        'image.layers',
        'Layers read',
        `${unreadable.join('; ')}: the checks above miss its files.`
      )
    )
  }
  return { checks, uncompressedBytes, layers: layers.length }
}
