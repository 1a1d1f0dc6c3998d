/**
 * Which version and image run for a function + qualifier (Invoke, Function URLs, HTTP APIs):
 *   - The qualifier ($LATEST when none, a version, an alias: a version picked at random by its
 *     AdditionalVersionWeights) selects the image. Unknown function / version / alias -> 404
 *     ResourceNotFoundException "Function not found: <arn>".
 *   - During an update, the data plane keeps serving the previous image (as Lambda does).
 */
import {
  GetFunctionCommand,
  type AliasConfiguration,
  type GetFunctionCommandOutput
} from '@aws-sdk/client-lambda'

import { ApiError, RuntimeError } from './errors.js'
import { imageConfigOf, type FunctionImageConfig } from './function-config.js'
import { errName } from './http.js'
import { resolveImage, type ResolvedImage } from './image-refs.js'
import { motoAlias } from './lambda-aliases.js'
import { fns, functionArn } from './lambda-state.js'
import { versionRecord } from './lambda-versions.js'
import {
  LATEST_PUBLISHED,
  invocableRecord,
  managedQualifier
} from './managed-instances.js'
import { moto } from './moto.js'

export interface Target {
  fn: string
  region: string
  /** the version that runs: $LATEST or a number (an alias resolved by its routing weights) */
  version: string
  /** the qualifier the caller named, when it named a version or $LATEST (undefined: unqualified) */
  qualifier?: string
  /** the alias the caller named (its routing picked `version`) */
  alias?: string
  image?: ResolvedImage
  imageError?: RuntimeError
  arch: string
  memoryMb: number
  timeoutS: number
  /** The version's environment variables and ImageConfig: its container runs with them. */
  environment: Record<string, string>
  imageConfig?: FunctionImageConfig | undefined
}

/** An alias's version for one invocation: AdditionalVersionWeights honoured at random. */
function pickVersion(alias: AliasConfiguration): string {
  const r = Math.random()
  let acc = 0
  for (const [v, w] of Object.entries(
    alias.RoutingConfig?.AdditionalVersionWeights ?? {}
  )) {
    acc += w
    if (r < acc) return v
  }
  return alias.FunctionVersion ?? '$LATEST'
}

/**
 * What runs for `name` + qualifier ($LATEST, a version, an alias): ApiError 404 when the function,
 * version or alias does not exist. While an update of $LATEST is InProgress, $LATEST runs the
 * previous image.
 */
export async function resolveTarget(
  name: string,
  qualifier: string | undefined,
  region: string
): Promise<Target> {
  let f: GetFunctionCommandOutput
  try {
    f = await moto(region).lambda.send(
      new GetFunctionCommand({ FunctionName: name })
    )
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException')
      throw new ApiError(
        404,
        'ResourceNotFoundException',
        `Function not found: ${functionArn(name, region)}`
      )
    throw e
  }
  const cfg = f.Configuration
  const base = {
    fn: name,
    region,
    ...(qualifier === undefined
      ? {}
      : qualifier === '$LATEST' ||
          qualifier === LATEST_PUBLISHED ||
          /^\d+$/.test(qualifier)
        ? { qualifier }
        : { alias: qualifier }),
    arch: cfg?.Architectures?.[0] ?? 'x86_64',
    memoryMb: cfg?.MemorySize ?? 128,
    timeoutS: cfg?.Timeout ?? 3,
    environment: { ...(cfg?.Environment?.Variables ?? {}) }
  }
  const notFound = (q: string): ApiError =>
    new ApiError(
      404,
      'ResourceNotFoundException',
      `Function not found: ${functionArn(name, region, q)}`
    )
  // Managed Instances: no qualifier means $LATEST.PUBLISHED (./managed-instances.ts)
  let q = managedQualifier(name, qualifier) ?? '$LATEST'
  if (q !== '$LATEST' && q !== LATEST_PUBLISHED && !/^\d+$/.test(q)) {
    const alias = await motoAlias(name, q, region)
    if (!alias) throw notFound(q)
    q = pickVersion(alias)
  }
  if (q === LATEST_PUBLISHED) {
    const rec = invocableRecord(name, q, region, undefined)
    if (!rec) throw notFound(q)
    return { ...base, version: q, image: rec.image }
  }
  if (q === '$LATEST') {
    const latestBase = { ...base, imageConfig: imageConfigOf(name) }
    invocableRecord(name, q, region, undefined) // ActiveNonInvocable for Managed Instances
    let uri = f.Code?.ImageUri
    const s = fns.get(name)
    if (s?.current?.previousImageUri) uri = s.current.previousImageUri // old code serves until the update lands
    if (!uri)
      return {
        ...latestBase,
        version: q,
        imageError: new RuntimeError(
          'Runtime.InvalidImage',
          `function ${name} has no image`
        )
      }
    try {
      return {
        ...latestBase,
        version: q,
        image: await resolveImage(uri, region)
      }
    } catch (e) {
      if (e instanceof ApiError)
        return {
          ...latestBase,
          version: q,
          imageError: new RuntimeError('Runtime.InvalidImage', e.message)
        }
      throw e
    }
  }
  const rec = invocableRecord(
    name,
    q,
    region,
    await versionRecord(name, q, region)
  )
  if (!rec) throw notFound(q)
  // A published version runs with its own environment (moto keeps it per version).
  const versioned = await moto(region)
    .lambda.send(new GetFunctionCommand({ FunctionName: name, Qualifier: q }))
    .catch(() => undefined)
  return {
    ...base,
    environment: {
      ...(versioned?.Configuration?.Environment?.Variables ?? base.environment)
    },
    imageConfig: imageConfigOf(name, q),
    version: q,
    image: rec.image
  }
}
