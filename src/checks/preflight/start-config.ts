/**
 * What Lambda starts in the image: its ENTRYPOINT, CMD and WORKDIR with the
 * function's ImageConfig applied, and the program that names (pure).
 */
import type { ImageConfigOverride } from '../../aws/lambda.js'
import { normalizePath } from './tar.js'

export const AWS_BASE_ENTRYPOINT = '/lambda-entrypoint.sh'
export const DOTNET_IN_BASE_IMAGE = '/var/lang/bin/dotnet'
export const BOOTSTRAP = '/var/runtime/bootstrap'
const DEFAULT_PATH =
  '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export interface StartConfig {
  architecture: string | undefined
  os: string | undefined
  entrypoint: string[]
  cmd: string[]
  env: string[]
  workingDir: string | undefined
}

/**
 * What Lambda starts: the function's ImageConfig replaces the image's
 * ENTRYPOINT, CMD and WORKDIR field by field.
 */
export function applyOverride(
  start: StartConfig,
  override: ImageConfigOverride | undefined
): StartConfig {
  if (override === undefined) return start
  return {
    ...start,
    entrypoint:
      override.entryPoint !== undefined && override.entryPoint.length > 0
        ? override.entryPoint
        : start.entrypoint,
    cmd:
      override.command !== undefined && override.command.length > 0
        ? override.command
        : start.cmd,
    workingDir:
      override.workingDirectory !== undefined &&
      override.workingDirectory !== ''
        ? override.workingDirectory
        : start.workingDir
  }
}

export function parseStartConfig(json: string): StartConfig {
  const raw = JSON.parse(json) as {
    architecture?: unknown
    os?: unknown
    config?: {
      Entrypoint?: unknown
      Cmd?: unknown
      Env?: unknown
      WorkingDir?: unknown
    } | null
  }
  const strings = (value: unknown): string[] =>
    Array.isArray(value)
      ? value.filter((item): item is string => typeof item === 'string')
      : []
  const config = raw.config ?? {}
  return {
    architecture:
      typeof raw.architecture === 'string' ? raw.architecture : undefined,
    os: typeof raw.os === 'string' ? raw.os : undefined,
    entrypoint: strings(config.Entrypoint),
    cmd: strings(config.Cmd),
    env: strings(config.Env),
    workingDir:
      typeof config.WorkingDir === 'string' && config.WorkingDir !== ''
        ? config.WorkingDir
        : undefined
  }
}

/** Where Lambda would look for the program: absolute, relative to WorkingDir, or on PATH. */
export function programCandidates(
  program: string,
  start: StartConfig
): string[] {
  if (program.startsWith('/')) return [normalizePath(program)]
  if (program.includes('/')) {
    return [normalizePath(`${start.workingDir ?? '/'}/${program}`)]
  }
  const pathVar =
    start.env.find(entry => entry.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH
  return pathVar
    .split(':')
    .filter(dir => dir !== '')
    .map(dir => normalizePath(`${dir}/${program}`))
}

/** The argv Lambda starts: ENTRYPOINT then CMD. */
export function startArgv(start: StartConfig): string[] {
  return [...start.entrypoint, ...start.cmd]
}

export function usesAwsBaseEntrypoint(start: StartConfig): boolean {
  return start.entrypoint[0] === AWS_BASE_ENTRYPOINT
}
