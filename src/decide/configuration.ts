/**
 * The configuration a run ships with its code (environment, memory-size,
 * timeout, ephemeral-storage, image-config, function-description): what a
 * function has now, what the inputs ask for, the difference (told by
 * variable names, never values), and the UpdateFunctionConfiguration input
 * that applies it or puts the previous configuration back. Pure.
 */
import { createHash } from 'node:crypto'
import type {
  FunctionConfiguration,
  UpdateFunctionConfigurationCommandInput
} from '@aws-sdk/client-lambda'
import type { FunctionConfigInputs, ImageConfigInput } from '../inputs/types.js'

/** The part of a function's configuration this action manages. */
export interface ConfigSnapshot {
  environment: Record<string, string>
  memorySize: number | undefined
  timeout: number | undefined
  ephemeralStorage: number | undefined
  imageConfig: ImageConfigInput
  description: string
}

export type ConfigSetting =
  | 'environment'
  | 'memory-size'
  | 'timeout'
  | 'ephemeral-storage'
  | 'image-config'
  | 'function-description'

/** One variable of `environment` and what happens to it (its value is never told). */
export interface VariableChange {
  name: string
  change: 'added' | 'changed' | 'removed' | 'unchanged'
}

/** What differs between two configurations: settings, and variables by name. */
export interface ConfigDiff {
  settings: ConfigSetting[]
  variables: VariableChange[]
}

/** GetFunction's Configuration, reduced to what this action manages. */
export function snapshotOf(config: FunctionConfiguration): ConfigSnapshot {
  const image = config.ImageConfigResponse?.ImageConfig
  return {
    environment: { ...(config.Environment?.Variables ?? {}) },
    memorySize: config.MemorySize,
    timeout: config.Timeout,
    ephemeralStorage: config.EphemeralStorage?.Size,
    imageConfig: {
      ...(image?.EntryPoint !== undefined &&
        image.EntryPoint.length > 0 && { entryPoint: [...image.EntryPoint] }),
      ...(image?.Command !== undefined &&
        image.Command.length > 0 && { command: [...image.Command] }),
      ...(image?.WorkingDirectory !== undefined &&
        image.WorkingDirectory !== '' && {
          workingDirectory: image.WorkingDirectory
        })
    },
    description: config.Description ?? ''
  }
}

/**
 * The configuration the inputs ask for, from the one the function has:
 * what they do not name stays; environment-mode merge keeps the variables
 * environment does not name, replace drops them.
 */
export function wantedConfig(
  current: ConfigSnapshot,
  inputs: FunctionConfigInputs
): ConfigSnapshot {
  const environment =
    inputs.environment === undefined
      ? current.environment
      : inputs.environmentMode === 'replace'
        ? { ...inputs.environment }
        : { ...current.environment, ...inputs.environment }
  return {
    environment,
    memorySize: inputs.memorySize ?? current.memorySize,
    timeout: inputs.timeout ?? current.timeout,
    ephemeralStorage: inputs.ephemeralStorage ?? current.ephemeralStorage,
    imageConfig: inputs.imageConfig ?? current.imageConfig,
    description: inputs.description ?? current.description
  }
}

const sameList = (
  a: readonly string[] | undefined,
  b: readonly string[] | undefined
): boolean => JSON.stringify(a ?? []) === JSON.stringify(b ?? [])

const sameImageConfig = (a: ImageConfigInput, b: ImageConfigInput): boolean =>
  sameList(a.entryPoint, b.entryPoint) &&
  sameList(a.command, b.command) &&
  (a.workingDirectory ?? '') === (b.workingDirectory ?? '')

/** What differs from `from` to `to`; every variable of either is listed by name. */
export function configDiff(
  from: ConfigSnapshot,
  to: ConfigSnapshot
): ConfigDiff {
  const names = [
    ...new Set([
      ...Object.keys(from.environment),
      ...Object.keys(to.environment)
    ])
  ].sort()
  const variables = names.map((name): VariableChange => {
    const before = from.environment[name]
    const after = to.environment[name]
    return {
      name,
      change:
        before === undefined
          ? 'added'
          : after === undefined
            ? 'removed'
            : before === after
              ? 'unchanged'
              : 'changed'
    }
  })
  const settings: ConfigSetting[] = []
  if (variables.some(v => v.change !== 'unchanged'))
    settings.push('environment')
  if (from.memorySize !== to.memorySize) settings.push('memory-size')
  if (from.timeout !== to.timeout) settings.push('timeout')
  if (from.ephemeralStorage !== to.ephemeralStorage)
    settings.push('ephemeral-storage')
  if (!sameImageConfig(from.imageConfig, to.imageConfig))
    settings.push('image-config')
  if (from.description !== to.description) settings.push('function-description')
  return { settings, variables }
}

/**
 * UpdateFunctionConfiguration's input that takes a function from `from` to
 * `to`, with only the settings that differ (undefined: nothing to send).
 * Lambda replaces the whole variable map, so the environment is sent whole;
 * an empty map is `Variables: {}`. Guarded by `revisionId`: a change by
 * anyone else since it was read makes Lambda refuse (Lambda API reference,
 * UpdateFunctionConfiguration, RevisionId).
 */
export function configUpdate(
  functionName: string,
  from: ConfigSnapshot,
  to: ConfigSnapshot,
  revisionId: string | undefined
): UpdateFunctionConfigurationCommandInput | undefined {
  const { settings } = configDiff(from, to)
  if (settings.length === 0) return undefined
  const has = (s: ConfigSetting): boolean => settings.includes(s)
  return {
    FunctionName: functionName,
    ...(revisionId !== undefined && { RevisionId: revisionId }),
    ...(has('environment') && {
      Environment: { Variables: { ...to.environment } }
    }),
    ...(has('memory-size') && { MemorySize: to.memorySize }),
    ...(has('timeout') && { Timeout: to.timeout }),
    ...(has('ephemeral-storage') &&
      to.ephemeralStorage !== undefined && {
        EphemeralStorage: { Size: to.ephemeralStorage }
      }),
    // Empty lists and an empty directory clear an override (the image's own
    // ENTRYPOINT, CMD and WORKDIR apply again).
    ...(has('image-config') && {
      ImageConfig: {
        EntryPoint: [...(to.imageConfig.entryPoint ?? [])],
        Command: [...(to.imageConfig.command ?? [])],
        WorkingDirectory: to.imageConfig.workingDirectory ?? ''
      }
    }),
    ...(has('function-description') && { Description: to.description })
  }
}

/**
 * The difference in words for the log, the summary and the dry run:
 * settings by name and variables by name with what happens to each — never
 * a value (environment variables often hold secrets).
 */
export function describeDiff(diff: ConfigDiff): string {
  const parts: string[] = []
  for (const setting of diff.settings) {
    if (setting !== 'environment') {
      parts.push(setting)
      continue
    }
    const changed = diff.variables.filter(v => v.change !== 'unchanged')
    parts.push(
      `environment (${changed.map(v => `${v.name} ${v.change}`).join(', ')})`
    )
  }
  return parts.length === 0 ? 'no configuration change' : parts.join(', ')
}

/**
 * A fingerprint of a configuration: the undo compares what a function has
 * now with what the run applied and what it replaced without keeping the
 * applied values (the post step's saved state holds only this).
 */
export function configFingerprint(config: ConfigSnapshot): string {
  const canonical = JSON.stringify([
    Object.entries(config.environment).sort(([a], [b]) => (a < b ? -1 : 1)),
    config.memorySize ?? null,
    config.timeout ?? null,
    config.ephemeralStorage ?? null,
    config.imageConfig.entryPoint ?? [],
    config.imageConfig.command ?? [],
    config.imageConfig.workingDirectory ?? '',
    config.description
  ])
  return createHash('sha256').update(canonical).digest('hex')
}
