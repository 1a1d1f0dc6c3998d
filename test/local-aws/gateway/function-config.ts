/**
 * The function configuration moto gets wrong, kept by the gateway as Lambda keeps it:
 *   - ImageConfig (EntryPoint, Command, WorkingDirectory): moto ignores it on CreateFunction and
 *     UpdateFunctionConfiguration; the gateway stores it per function ($LATEST) and copies it to
 *     each published version, reports it as ImageConfigResponse.ImageConfig, and clears an override
 *     given as empty lists / an empty directory (Lambda API reference, ImageConfig: Command and
 *     EntryPoint "0 to 1500 items", WorkingDirectory "0 to 1000 characters";
 *     https://docs.aws.amazon.com/lambda/latest/dg/API_ImageConfig.html).
 *   - Environment without Variables (`Environment: {}`): real Lambda accepts it (Variables is not
 *     required, https://docs.aws.amazon.com/lambda/latest/dg/API_Environment.html) and the function
 *     then has no variables; moto answers HTTP 500 (KeyError 'Variables'). The gateway sends moto
 *     `Variables: {}` instead.
 *   - The container of a function runs with its environment and ImageConfig, as Lambda starts it
 *     ("Container image settings", https://docs.aws.amazon.com/lambda/latest/dg/images-parms.html:
 *     ENTRYPOINT, CMD and WORKDIR overridden by the function's ImageConfig): they reach it through
 *     the emulator's FunctionSpec (containers.ts, sandboxSpec); here only their fingerprint,
 *     which keys the environment.
 */
import { createHash } from 'node:crypto'

export interface FunctionImageConfig {
  EntryPoint?: string[]
  Command?: string[]
  WorkingDirectory?: string
}

type Json = Record<string, unknown>

/** `fn` ($LATEST) or `fn:version` -> the ImageConfig override. */
const imageConfigs = new Map<string, FunctionImageConfig>()

const keyOf = (fn: string, version = '$LATEST'): string =>
  version === '$LATEST' ? fn : `${fn}:${version}`

/** The body moto gets: Environment without Variables becomes an empty map. */
export function motoSafeBody(body: Buffer): Buffer {
  let input: unknown
  try {
    input = JSON.parse(body.toString('utf8'))
  } catch {
    return body
  }
  if (typeof input !== 'object' || input === null) return body
  const env = (input as Json).Environment
  if (
    typeof env === 'object' &&
    env !== null &&
    (env as Json).Variables === undefined
  ) {
    ;(input as Json).Environment = { ...(env as Json), Variables: {} }
    return Buffer.from(JSON.stringify(input))
  }
  return body
}

const list = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every(x => typeof x === 'string') && v.length > 0
    ? v
    : undefined

/** CreateFunction / UpdateFunctionConfiguration: remember the ImageConfig it gave. */
export function recordImageConfig(fn: string, body: Buffer): void {
  let input: Json
  try {
    input = JSON.parse(body.toString('utf8')) as Json
  } catch {
    return
  }
  const given = input.ImageConfig as Json | undefined
  if (given === undefined || given === null) return
  const entryPoint = list(given.EntryPoint)
  const command = list(given.Command)
  const dir =
    typeof given.WorkingDirectory === 'string' && given.WorkingDirectory !== ''
      ? given.WorkingDirectory
      : undefined
  const config: FunctionImageConfig = {
    ...(entryPoint && { EntryPoint: entryPoint }),
    ...(command && { Command: command }),
    ...(dir !== undefined && { WorkingDirectory: dir })
  }
  if (Object.keys(config).length === 0) imageConfigs.delete(keyOf(fn))
  else imageConfigs.set(keyOf(fn), config)
}

/** A new function (CreateFunction) starts with no override. */
export function forgetImageConfig(fn: string): void {
  for (const key of [...imageConfigs.keys()])
    if (key === fn || key.startsWith(`${fn}:`)) imageConfigs.delete(key)
}

/** PublishVersion: the version keeps the ImageConfig $LATEST had. */
export function publishImageConfig(fn: string, version: string): void {
  const latest = imageConfigs.get(keyOf(fn))
  if (latest) imageConfigs.set(keyOf(fn, version), latest)
}

export function imageConfigOf(
  fn: string,
  version = '$LATEST'
): FunctionImageConfig | undefined {
  return imageConfigs.get(keyOf(fn, version))
}

/** A configuration answer with the ImageConfig Lambda would report (none: no field). */
export function reportImageConfig(c: Json, fn: string, version: string): void {
  const config = imageConfigOf(fn, version)
  if (config) c.ImageConfigResponse = { ImageConfig: config }
  else delete c.ImageConfigResponse
}

/**
 * What names one configuration of a function's environment: its variables and ImageConfig, as
 * a stable fingerprint (keys sorted, so the order they were given in does not matter). A new
 * configuration starts a new environment, as on Lambda. The configuration itself reaches the
 * container only through the emulator's FunctionSpec (containers.ts, sandboxSpec).
 */
export function configurationKey(
  environment: Record<string, string>,
  config: FunctionImageConfig | undefined
): string {
  return createHash('sha256')
    .update(stableJson({ environment, imageConfig: config ?? null }))
    .digest('hex')
    .slice(0, 12)
}

/** JSON with every object's keys sorted (arrays keep their order: it is meaningful). */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map(
        k =>
          `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`
      )
      .join(',')}}`
  return JSON.stringify(value) ?? 'null'
}
