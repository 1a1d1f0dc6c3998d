/**
 * Lambda versions (moto's versions share ImageUri with $LATEST; the gateway records each version's
 * image when it is published: PublishVersion, UpdateFunctionCode or CreateFunction with Publish):
 *   - GetFunction / GetFunctionConfiguration of a version (Qualifier=N, FunctionName `name:N` or
 *     `arn:...:function:name:N`, or an alias: its primary version) and ListVersionsByFunction /
 *     ListFunctions(FunctionVersion=ALL) show the version's own Code.ImageUri,
 *     Code.ResolvedImageUri, CodeSha256 (manifest digest hex), State Active, LastUpdateStatus
 *     Successful and a RevisionId of its own.
 *   - PublishVersion: 409 while an update is InProgress; CodeSha256 given and not $LATEST's ->
 *     412 PreconditionFailedException "CodeSha256 (x) is different from current CodeSha256 in
 *     $LATEST (y). Please try again with the current CodeSha256."; nothing changed since the last
 *     published version (same digest, no UpdateFunctionConfiguration) -> that version again.
 */
import { publishImageConfig, reportImageConfig } from './function-config.js'
import { randomUUID } from 'node:crypto'
import type http from 'node:http'

import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand
} from '@aws-sdk/client-lambda'

import { lambdaError, staleRevision } from './errors.js'
import { errName, log, parseJson, relay, type Json } from './http.js'
import {
  resolveImage,
  stubShaToImage,
  type ResolvedImage
} from './image-refs.js'
import {
  conflictMessage,
  fnState,
  inProgress,
  type FnState,
  type VersionRecord
} from './lambda-state.js'
import { fixConfiguration } from './lambda-updates.js'
import {
  fixManagedVersion,
  startActivation,
  versionLimitError
} from './managed-instances.js'
import { forwardToMoto, moto } from './moto.js'

export function recordVersion(
  s: FnState,
  version: string,
  image: ResolvedImage,
  /** false: a version published before the gateway saw it (recovered, not activating) */
  justPublished = true
): VersionRecord {
  const rec: VersionRecord = {
    version,
    imageUri: image.ref.uri,
    image,
    revision: randomUUID(),
    publishedAt: Date.now()
  }
  s.versions.set(version, rec)
  if (justPublished) publishImageConfig(s.name, version)
  log(`version ${s.name}:${version} = ${image.digest}`)
  // Managed Instances: Pending until the capacity provider has started it.
  if (justPublished) startActivation(s, rec)
  return rec
}

/** A published version's configuration as Lambda shows it: its own image, Active, Successful. */
export function fixVersionConfiguration(c: Json, rec: VersionRecord): void {
  c.CodeSha256 = rec.image.digest.replace(/^sha256:/, '')
  c.CodeSize = 0
  c.Version = rec.version
  c.State = 'Active'
  c.LastUpdateStatus = 'Successful'
  delete c.StateReason
  delete c.StateReasonCode
  delete c.LastUpdateStatusReason
  delete c.LastUpdateStatusReasonCode
  c.RevisionId = rec.revision
  reportImageConfig(
    c,
    typeof c.FunctionName === 'string' ? c.FunctionName : '',
    rec.version
  )
  fixManagedVersion(c, rec)
}

/**
 * The record of a published version; versions the gateway did not see published (none, normally)
 * are recovered from moto's CodeSha256 (sha256 of the version's ImageUri in stub mode).
 */
export async function versionRecord(
  name: string,
  version: string,
  region: string
): Promise<VersionRecord | undefined> {
  const s = fnState(name, region)
  const known = s.versions.get(version)
  if (known) return known
  try {
    const c = await moto(region).lambda.send(
      new GetFunctionConfigurationCommand({
        FunctionName: name,
        Qualifier: version
      })
    )
    const image = stubShaToImage.get(c.CodeSha256 ?? '')
    if (image && c.Version === version)
      return recordVersion(s, version, image, false)
  } catch (e) {
    if (errName(e) !== 'ResourceNotFoundException') throw e
  }
  return undefined
}

/** The image $LATEST runs now (moto's ImageUri, resolved to its digest). */
async function latestImage(
  name: string,
  region: string
): Promise<ResolvedImage | undefined> {
  const f = await moto(region).lambda.send(
    new GetFunctionCommand({ FunctionName: name })
  )
  const uri = f.Code?.ImageUri
  return uri ? resolveImage(uri, region) : undefined
}

export async function publishVersion(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  name: string,
  region: string
): Promise<void> {
  const s = fnState(name, region)
  if (inProgress(s))
    return lambdaError(
      res,
      409,
      'ResourceConflictException',
      conflictMessage(name, region)
    )
  const input = (parseJson(body) ?? {}) as {
    RevisionId?: string
    CodeSha256?: string
  }
  if (input.RevisionId !== undefined && input.RevisionId !== s.revision)
    return staleRevision(res)
  let image: ResolvedImage | undefined
  try {
    image = await latestImage(name, region)
  } catch (e) {
    // moto gives the function-not-found answer
    if (errName(e) === 'ResourceNotFoundException')
      return relay(res, await forwardToMoto(req, body))
    throw e
  }
  const current = image?.digest.replace(/^sha256:/, '') ?? ''
  if (input.CodeSha256 !== undefined && input.CodeSha256 !== current)
    return lambdaError(
      res,
      412,
      'PreconditionFailedException',
      `CodeSha256 (${input.CodeSha256}) is different from current CodeSha256 in $LATEST (${current}). Please try again with the current CodeSha256.`
    )
  // Nothing changed since the last published version: Lambda returns that version.
  const last = [...s.versions.values()].sort(
    (a, b) => Number(b.version) - Number(a.version)
  )[0]
  if (
    last &&
    image &&
    last.image.digest === image.digest &&
    !s.configChangedSincePublish
  ) {
    const r = await forwardToMoto(
      req,
      Buffer.alloc(0),
      `/2015-03-31/functions/${encodeURIComponent(name)}/configuration?Qualifier=${last.version}`
    )
    const out = r.status < 300 ? parseJson(r.body) : undefined
    if (out) {
      fixVersionConfiguration(out, last)
      return relay(res, { ...r, status: 201 }, out)
    }
  }
  // Managed Instances: 100 versions per capacity provider.
  const limit = versionLimitError(s)
  if (limit) return lambdaError(res, limit.status, limit.type, limit.message)
  const r = await forwardToMoto(req, body)
  const out = r.status < 300 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  const version = typeof out.Version === 'string' ? out.Version : ''
  let rec = s.versions.get(version)
  if (!rec && image && /^\d+$/.test(version))
    rec = recordVersion(s, version, image)
  s.configChangedSincePublish = false
  if (rec) fixVersionConfiguration(out, rec)
  else await fixConfiguration(out, { latest: false, region })
  relay(res, r, out)
}
