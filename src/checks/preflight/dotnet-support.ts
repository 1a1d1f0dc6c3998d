/**
 * Which .NET the app in the image runs on, and whether Microsoft still
 * supports it. Read from the app's `<name>.runtimeconfig.json` in the task
 * root (runtimeOptions.framework / frameworks, or includedFrameworks for a
 * self-contained app), else from the `runtimeTarget` at the top of its
 * `<name>.deps.json`. A runtime past its end of support is a warning, never
 * a failure: the image still deploys and runs, it just gets no more fixes.
 */
import { pass, warn, type Check } from './checks.js'
import { TASK_ROOT, baseName, parentOf, type ImageFiles } from './layers.js'
import { resolvePath } from './file-tree.js'

export interface DotnetRelease {
  /** major.minor, as in the target framework net8.0 and runtimeconfig 8.0.x. */
  version: string
  lts: boolean
  /** Microsoft's last day of support, YYYY-MM-DD. */
  endOfSupport: string
  /**
   * The tag of AWS's Lambda base image public.ecr.aws/lambda/dotnet, when
   * AWS publishes one. Its deprecation date is the end of support above.
   */
  lambdaImage?: string
  /** The major of Amazon.Lambda.AspNetCoreServer.Hosting that targets it. */
  hosting?: string
  /** Lambda's managed runtime for .zip functions, when there is one. */
  lambdaRuntime?: { id: string; blockCreate: string; blockUpdate: string }
}

/**
 * One row per .NET release; the next change is one line. Sources, read
 * 2026-12-06:
 * - end of support: Microsoft's .NET support policy
 *   (https://dotnet.microsoft.com/platform/support/policy/dotnet-core, and
 *   the table in github.com/dotnet/core releases.md);
 * - Lambda base image tags and their deprecation: AWS Lambda developer
 *   guide, "Deploy .NET Lambda functions with container images"
 *   (https://docs.aws.amazon.com/lambda/latest/dg/csharp-image.html);
 * - managed runtime identifiers and the dates Lambda blocks function create
 *   and update: "Building Lambda functions with C#"
 *   (https://docs.aws.amazon.com/lambda/latest/dg/lambda-csharp.html), under
 *   the policy of "Runtime deprecation"
 *   (https://docs.aws.amazon.com/lambda/latest/dg/runtime-support-policy.html);
 * - Hosting majors: aws/aws-lambda-dotnet CHANGELOG.md
 *   (Amazon.Lambda.AspNetCoreServer.Hosting 2.0.0 targets net8.0 and net10.0).
 */
export const DOTNET_RELEASES: readonly DotnetRelease[] = [
  { version: '11.0', lts: false, endOfSupport: '2028-11-14' },
  {
    version: '10.0',
    lts: true,
    endOfSupport: '2028-11-14',
    lambdaImage: '10',
    hosting: '2.x',
    lambdaRuntime: {
      id: 'dotnet10',
      blockCreate: '2028-12-14',
      blockUpdate: '2029-01-15'
    }
  },
  { version: '9.0', lts: false, endOfSupport: '2026-11-10', lambdaImage: '9' },
  {
    version: '8.0',
    lts: true,
    endOfSupport: '2026-11-10',
    lambdaImage: '8',
    lambdaRuntime: {
      id: 'dotnet8',
      blockCreate: '2027-02-01',
      blockUpdate: '2027-03-03'
    }
  },
  { version: '7.0', lts: false, endOfSupport: '2024-05-14' },
  { version: '6.0', lts: true, endOfSupport: '2024-11-12' },
  { version: '5.0', lts: false, endOfSupport: '2022-05-10' },
  { version: '3.1', lts: true, endOfSupport: '2022-12-13' },
  { version: '3.0', lts: false, endOfSupport: '2020-03-03' },
  { version: '2.2', lts: false, endOfSupport: '2019-12-23' },
  { version: '2.1', lts: true, endOfSupport: '2021-08-21' },
  { version: '2.0', lts: false, endOfSupport: '2018-10-01' },
  { version: '1.1', lts: true, endOfSupport: '2019-06-27' },
  { version: '1.0', lts: true, endOfSupport: '2019-06-27' }
]

/** What one app file says it runs on. */
export interface FrameworkTarget {
  /** major.minor */
  version: string
  /** Where it was read, and what it says, for the message. */
  source: string
}

const MS_PER_DAY = 24 * 60 * 60 * 1000

/** Midnight UTC at the start of a YYYY-MM-DD day. */
function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00Z`)
}

/** Support ends with its last day; from the next day on it is past. */
export function isPastSupport(release: DotnetRelease, now: number): boolean {
  return now >= dayStart(release.endOfSupport) + MS_PER_DAY
}

/**
 * The release to move to: the newest LTS with a Lambda base image that is
 * still supported at `now`.
 */
export function upgradeTarget(
  now: number,
  releases: readonly DotnetRelease[] = DOTNET_RELEASES
): DotnetRelease | undefined {
  return releases
    .filter(r => r.lts && r.lambdaImage !== undefined && !isPastSupport(r, now))
    .sort((a, b) => compareVersions(b.version, a.version))[0]
}

function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number)
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number)
  return aMajor - bMajor || aMinor - bMinor
}

function upgradeAdvice(
  now: number,
  releases: readonly DotnetRelease[]
): string {
  const target = upgradeTarget(now, releases)
  if (target === undefined) {
    return 'Move to a supported .NET release (https://dotnet.microsoft.com/platform/support/policy/dotnet-core).'
  }
  const major = target.version.replace(/\.0$/, '')
  const hosting =
    target.hosting === undefined
      ? ''
      : `, Amazon.Lambda.AspNetCoreServer.Hosting ${target.hosting}`
  return (
    `Move to .NET ${major} (LTS, supported until ${target.endOfSupport}): ` +
    `<TargetFramework>net${target.version}</TargetFramework>${hosting}, ` +
    `FROM mcr.microsoft.com/dotnet/sdk:${target.version} to build and ` +
    `FROM public.ecr.aws/lambda/dotnet:${target.lambdaImage ?? ''} for the image.`
  )
}

/**
 * The verdict on what the app runs on: a warning when any of it is past
 * Microsoft's end of support, with the date and the upgrade path.
 */
export function dotnetSupportCheck(
  targets: FrameworkTarget[],
  now: number,
  releases: readonly DotnetRelease[] = DOTNET_RELEASES
): Check {
  const id = 'image.dotnet-support'
  const title = '.NET support'
  if (targets.length === 0) {
    return pass(
      id,
      title,
      `no *.runtimeconfig.json or *.deps.json naming a .NET version in ${TASK_ROOT}: not checked`
    )
  }
  const found = targets.map(target => ({
    target,
    release: releases.find(r => r.version === target.version)
  }))
  const past = found.filter(
    item => item.release !== undefined && isPastSupport(item.release, now)
  )
  const first = past[0]
  if (first?.release !== undefined) {
    const { release, target } = first
    const major = release.version.replace(/\.0$/, '')
    const image =
      release.lambdaImage === undefined
        ? ''
        : ` Its Lambda base image public.ecr.aws/lambda/dotnet:${release.lambdaImage} is deprecated: it still deploys and runs, but gets no more patches.`
    const runtime =
      release.lambdaRuntime === undefined
        ? ''
        : ` (The managed ${release.lambdaRuntime.id} runtime of .zip functions blocks function creation from ${release.lambdaRuntime.blockCreate} and updates from ${release.lambdaRuntime.blockUpdate}.)`
    return warn(
      id,
      title,
      `The app runs on .NET ${major} (${target.source}), out of Microsoft's support since ${release.endOfSupport}: no more security fixes.${image}${runtime} ${upgradeAdvice(now, releases)}`
    )
  }
  const described = found.map(({ target, release }) =>
    release === undefined
      ? `.NET ${target.version} (${target.source}): not in this action's support table, not checked`
      : `.NET ${target.version} (${target.source}), supported until ${release.endOfSupport}`
  )
  return pass(id, title, described.join('; '))
}

// ----------------------------------------------------------- the files

const RUNTIMECONFIG = '.runtimeconfig.json'
const DEPS = '.deps.json'

/** major.minor of a version such as 8.0.11 or 10.0.0-rc.2. */
function majorMinor(version: string): string | undefined {
  const match = /^(\d+)\.(\d+)/.exec(version)
  return match === null ? undefined : `${match[1]}.${match[2]}`
}

interface RuntimeOptions {
  framework?: unknown
  frameworks?: unknown
  includedFrameworks?: unknown
}

/** The frameworks a runtimeconfig.json names, as "name version". */
export function parseRuntimeConfig(
  text: string
): { name: string; version: string }[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return []
  }
  if (typeof parsed !== 'object' || parsed === null) return []
  const options = (parsed as { runtimeOptions?: RuntimeOptions }).runtimeOptions
  if (typeof options !== 'object' || options === null) return []
  const list = (value: unknown): unknown[] =>
    Array.isArray(value) ? (value as unknown[]) : []
  const listed: unknown[] = [
    options.framework,
    ...list(options.frameworks),
    ...list(options.includedFrameworks)
  ]
  return listed.flatMap(item => {
    if (typeof item !== 'object' || item === null) return []
    const { name, version } = item as { name?: unknown; version?: unknown }
    return typeof name === 'string' && typeof version === 'string'
      ? [{ name, version }]
      : []
  })
}

/** The `.NETCoreApp,Version=v8.0` of a deps.json's runtimeTarget (its first bytes suffice). */
export function parseDepsRuntimeTarget(head: string): string | undefined {
  return /"runtimeTarget"\s*:\s*\{\s*"name"\s*:\s*"\.NETCoreApp,Version=v(\d+\.\d+)/.exec(
    head
  )?.[1]
}

/** What one app (by assembly name) in the task root runs on. */
function targetOf(files: ImageFiles, app: string): FrameworkTarget[] {
  const config = resolvePath(files, `${TASK_ROOT}/${app}${RUNTIMECONFIG}`).file
  const frameworks =
    config?.head === undefined
      ? []
      : parseRuntimeConfig(config.head.toString('utf8'))
  const versions = new Map<string, string[]>()
  for (const framework of frameworks) {
    const version = majorMinor(framework.version)
    if (version === undefined) continue
    versions.set(version, [
      ...(versions.get(version) ?? []),
      `${framework.name} ${framework.version}`
    ])
  }
  if (versions.size > 0) {
    return [...versions].map(([version, names]) => ({
      version,
      source: `${app}${RUNTIMECONFIG}: ${names.join(', ')}`
    }))
  }
  const deps = resolvePath(files, `${TASK_ROOT}/${app}${DEPS}`).file
  const target =
    deps?.head === undefined
      ? undefined
      : parseDepsRuntimeTarget(deps.head.toString('utf8'))
  return target === undefined
    ? []
    : [{ version: target, source: `${app}${DEPS}: .NETCoreApp v${target}` }]
}

/**
 * What the app in the task root runs on: the one CMD names when its files
 * are there, else every app there.
 */
export function frameworkTargets(
  files: ImageFiles,
  handler: string | undefined
): FrameworkTarget[] {
  const assembly = handler?.split('::')[0]
  if (assembly !== undefined && assembly !== '' && !assembly.includes('/')) {
    const named = targetOf(files, assembly)
    if (named.length > 0) return named
  }
  const apps = new Set<string>()
  for (const path of files.keys()) {
    if (parentOf(path) !== TASK_ROOT) continue
    const name = baseName(path)
    for (const suffix of [RUNTIMECONFIG, DEPS]) {
      if (name.endsWith(suffix) && name.length > suffix.length)
        apps.add(name.slice(0, -suffix.length))
    }
  }
  return [...apps].sort().flatMap(app => targetOf(files, app))
}
