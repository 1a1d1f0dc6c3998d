/**
 * Aliases (stored by moto, checked and completed by the gateway):
 *   - CreateAlias / UpdateAlias / GetAlias / ListAliases round-trip Description and
 *     RoutingConfig.AdditionalVersionWeights (no RoutingConfig key without weights); RevisionId
 *     changes on every CreateAlias / UpdateAlias (moto never changes it); UpdateAlias with a stale
 *     RevisionId -> 412 PreconditionFailedException. UpdateAlias without RoutingConfig keeps it;
 *     `{AdditionalVersionWeights: {}}` removes it.
 *   - Duplicate CreateAlias -> 409 ResourceConflictException "Alias already exists: <alias arn>"
 *     (moto: ConflictException). FunctionVersion or a weighted version that does not exist -> 404
 *     ResourceNotFoundException "Function not found: <arn>:<version>"; a weighted version equal to
 *     FunctionVersion, weights with $LATEST, or more than one weighted version -> 400
 *     InvalidParameterValueException; a weight outside [0, 1] -> 400 ValidationException.
 */
import { randomUUID } from 'node:crypto'
import type http from 'node:http'

import {
  GetAliasCommand,
  GetFunctionCommand,
  type AliasConfiguration
} from '@aws-sdk/client-lambda'

import { ApiError, lambdaError, staleRevision } from './errors.js'
import { errName, parseJson, relay, type Json } from './http.js'
import { fnState, functionArn, type FnState } from './lambda-state.js'
import { versionRecord } from './lambda-versions.js'
import {
  LATEST_PUBLISHED,
  aliasAtLatestPublished,
  aliasVersion
} from './managed-instances.js'
import { forwardToMoto, moto } from './moto.js'

export async function motoAlias(
  name: string,
  alias: string,
  region: string
): Promise<AliasConfiguration | undefined> {
  try {
    const a = await moto(region).lambda.send(
      new GetAliasCommand({ FunctionName: name, Name: alias })
    )
    // Managed Instances: an alias at $LATEST.PUBLISHED is stored as $LATEST in moto
    const version = aliasVersion(name, alias, a.FunctionVersion)
    return version !== undefined ? { ...a, FunctionVersion: version } : a
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException') return undefined
    throw e
  }
}

/** $LATEST, a version number, or the primary version of an alias (undefined: no such alias). */
export async function versionOfQualifier(
  name: string,
  qualifier: string,
  region: string
): Promise<string | undefined> {
  if (
    qualifier === '$LATEST' ||
    qualifier === LATEST_PUBLISHED ||
    /^\d+$/.test(qualifier)
  )
    return qualifier
  return (await motoAlias(name, qualifier, region))?.FunctionVersion
}

/** An alias as Lambda shows it: the gateway's RevisionId, no RoutingConfig without weights. */
function fixAlias(a: Json, s: FnState): void {
  const name = typeof a.Name === 'string' ? a.Name : ''
  const rev = s.aliasRevisions.get(name)
  if (rev) a.RevisionId = rev
  else if (typeof a.RevisionId === 'string')
    s.aliasRevisions.set(name, a.RevisionId)
  if (s.managed?.aliasesAtLatestPublished.has(name))
    a.FunctionVersion = LATEST_PUBLISHED
  const weights = (a.RoutingConfig as Json | null | undefined)
    ?.AdditionalVersionWeights as Json | null | undefined
  if (!weights || Object.keys(weights).length === 0) delete a.RoutingConfig
  if (a.Description === null) a.Description = ''
}

/** Lambda's checks of an alias's FunctionVersion and RoutingConfig; an error message or undefined. */
async function aliasProblem(
  name: string,
  region: string,
  functionVersion: string | undefined,
  routing: unknown
): Promise<ApiError | undefined> {
  const notFound = (v: string): ApiError =>
    new ApiError(
      404,
      'ResourceNotFoundException',
      `Function not found: ${functionArn(name, region, v)}`
    )
  if (
    functionVersion !== undefined &&
    functionVersion !== '$LATEST' &&
    functionVersion !== LATEST_PUBLISHED // checked by aliasAtLatestPublished
  ) {
    if (!/^\d+$/.test(functionVersion))
      return new ApiError(
        400,
        'InvalidParameterValueException',
        `Invalid function version ${functionVersion}.`
      )
    if (!(await versionRecord(name, functionVersion, region)))
      return notFound(functionVersion)
  }
  const weights = (routing as { AdditionalVersionWeights?: unknown } | null)
    ?.AdditionalVersionWeights
  if (weights === undefined || weights === null) return undefined
  const entries = Object.entries(weights as Record<string, unknown>)
  if (entries.length > 1)
    return new ApiError(
      400,
      'InvalidParameterValueException',
      'Number of items in AdditionalVersionWeights cannot be greater than 1'
    )
  for (const [v, w] of entries) {
    if (typeof w !== 'number' || !(w >= 0 && w <= 1))
      return new ApiError(
        400,
        'ValidationException',
        `1 validation error detected: Value '${String(w)}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]`
      )
    if (functionVersion === '$LATEST' || functionVersion === LATEST_PUBLISHED)
      return new ApiError(
        400,
        'InvalidParameterValueException',
        '$LATEST is not supported for an alias pointing to more than 1 version'
      )
    if (!/^\d+$/.test(v))
      return new ApiError(
        400,
        'InvalidParameterValueException',
        `Invalid function version ${v}.`
      )
    if (v === functionVersion)
      return new ApiError(
        400,
        'InvalidParameterValueException',
        `Invalid function version ${v}. Function version ${v} is already included in routing configuration.`
      )
    if (!(await versionRecord(name, v, region))) return notFound(v)
  }
  return undefined
}

interface AliasInput {
  Name?: string
  FunctionVersion?: string
  RoutingConfig?: unknown
  RevisionId?: string
}

/** One alias call; `alias` is the alias the path names (none for CreateAlias, ListAliases). */
interface AliasCall {
  req: http.IncomingMessage
  res: http.ServerResponse
  body: Buffer
  name: string
  alias: string | undefined
  region: string
  s: FnState
  input: AliasInput
}

/** CreateAlias, UpdateAlias; GetAlias, ListAliases and DeleteAlias (moto, completed). */
export async function handleAlias(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  name: string,
  aliasSeg: string | undefined,
  region: string
): Promise<void> {
  const method = req.method ?? 'GET'
  const s = fnState(name, region)
  const alias =
    aliasSeg !== undefined ? decodeURIComponent(aliasSeg) : undefined
  const input = (parseJson(body) ?? {}) as AliasInput
  const c: AliasCall = { req, res, body, name, alias, region, s, input }
  if (method === 'POST' && alias === undefined) return createAlias(c)
  if (method === 'PUT' && alias !== undefined) return updateAlias(c, alias)
  return otherAliasCall(c, method)
}

async function createAlias(c: AliasCall): Promise<void> {
  const { req, res, body, name, region, s, input } = c
  const newName = input.Name ?? ''
  try {
    await moto(region).lambda.send(
      new GetFunctionCommand({ FunctionName: name })
    )
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException')
      return relay(res, await forwardToMoto(req, body))
    throw e
  }
  if (await motoAlias(name, newName, region))
    return lambdaError(
      res,
      409,
      'ResourceConflictException',
      `Alias already exists: ${functionArn(name, region, newName)}`
    )
  const problem = await aliasProblem(
    name,
    region,
    input.FunctionVersion ?? '',
    input.RoutingConfig
  )
  if (problem)
    return lambdaError(res, problem.status, problem.type, problem.message)
  let managed: ReturnType<typeof aliasAtLatestPublished>
  try {
    managed = aliasAtLatestPublished(s, newName, input.FunctionVersion, body)
  } catch (e) {
    if (e instanceof ApiError)
      return lambdaError(res, e.status, e.type, e.message)
    throw e
  }
  const r = await forwardToMoto(req, managed.body)
  const out = r.status < 300 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  managed.commit()
  s.aliasRevisions.set(newName, randomUUID())
  fixAlias(out, s)
  return relay(res, { ...r, status: 201 }, out)
}

async function updateAlias(c: AliasCall, alias: string): Promise<void> {
  const { req, res, body, name, region, s, input } = c
  const current = await motoAlias(name, alias, region)
  if (!current) return relay(res, await forwardToMoto(req, body))
  const revision =
    s.aliasRevisions.get(alias) ?? current.RevisionId ?? randomUUID()
  if (input.RevisionId !== undefined && input.RevisionId !== revision)
    return staleRevision(res)
  const problem = await aliasProblem(
    name,
    region,
    input.FunctionVersion ?? current.FunctionVersion,
    input.RoutingConfig !== undefined
      ? input.RoutingConfig
      : current.RoutingConfig
  )
  if (problem)
    return lambdaError(res, problem.status, problem.type, problem.message)
  let managed: ReturnType<typeof aliasAtLatestPublished>
  try {
    managed = aliasAtLatestPublished(s, alias, input.FunctionVersion, body)
  } catch (e) {
    if (e instanceof ApiError)
      return lambdaError(res, e.status, e.type, e.message)
    throw e
  }
  const r = await forwardToMoto(req, managed.body)
  const out = r.status < 300 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  managed.commit()
  s.aliasRevisions.set(alias, randomUUID())
  fixAlias(out, s)
  return relay(res, { ...r, status: 200 }, out)
}

/** GetAlias, ListAliases, DeleteAlias: moto's answer with the gateway's RevisionIds. */
async function otherAliasCall(c: AliasCall, method: string): Promise<void> {
  const { req, res, body, alias, s } = c
  const r = await forwardToMoto(req, body)
  if (method === 'DELETE' && alias !== undefined && r.status < 300)
    s.aliasRevisions.delete(alias)
  const out = r.status < 300 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  if (alias !== undefined) fixAlias(out, s)
  for (const a of (out.Aliases as Json[] | undefined) ?? []) fixAlias(a, s)
  relay(res, { ...r, status: 200 }, out)
}
