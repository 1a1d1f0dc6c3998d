/**
 * Lambda Managed Instances (moto knows nothing of them): a function marked as one (control
 * `POST /_local/functions/<name>/managed-instances`, or CreateFunction with
 * CapacityProviderConfig) behaves as the AWS docs describe:
 *   - GetFunction / GetFunctionConfiguration / ListVersionsByFunction carry its
 *     CapacityProviderConfig (API reference: CapacityProviderConfig,
 *     LambdaManagedInstancesCapacityProviderConfig), and $LATEST reports State
 *     `ActiveNonInvocable` (API reference: FunctionConfiguration State values).
 *   - PublishVersion and UpdateFunctionCode accept `PublishTo: LATEST_PUBLISHED` (API reference:
 *     PublishVersion, UpdateFunctionCode): $LATEST's image becomes `$LATEST.PUBLISHED`
 *     (Developer Guide: lambda-managed-instances-version-publishing, "$LATEST.PUBLISHED version in
 *     Lambda Managed Instances"). The answer has Version `$LATEST.PUBLISHED` and State Pending.
 *   - Unqualified invokes and the unqualified Function URL run `$LATEST.PUBLISHED`
 *     (lambda-managed-instances-version-publishing: "When you invoke a Lambda Managed Instances
 *     function using an unqualified ARN, Lambda implicitly invokes the $LATEST.PUBLISHED version
 *     rather than the unpublished $LATEST version"). With nothing published: 400
 *     NoPublishedVersionException (SDK model: Invoke / InvokeWithResponseStream errors, HTTP 400,
 *     fields Type and Message; the message text is the stand-in's own).
 *   - A published version ($LATEST.PUBLISHED or a number) is Pending (StateReasonCode Creating)
 *     for the activation time (`activationMs`, default LOCAL_AWS_ACTIVATION_MS or 2000 ms), then
 *     Active, or Failed with the injected StateReasonCode (control `next-activation`, e.g.
 *     InsufficientCapacity). Lambda launches instances and "starts three execution environments
 *     before marking your function version ACTIVE" (lambda-managed-instances-scaling). While a
 *     republished $LATEST.PUBLISHED is Pending, or after it Failed, callers keep getting the one
 *     that was Active: a rolling update replaces environments only with a working version
 *     (lambda-managed-instances-deployments, "Rolling updates").
 *   - Invoking a version that is not Active (Pending, Failed, and $LATEST, ActiveNonInvocable):
 *     409 ResourceConflictException "The operation cannot be performed at this time. The function
 *     is currently in the following state: <State>" (Lambda's answer for a function that is not
 *     Active, functions-states.html: "Lambda does not invoke a function during pending state";
 *     the wording for ActiveNonInvocable and Failed versions is not documented: the stand-in's).
 *   - 100 function versions per capacity provider (lambda-managed-instances-quotas: "Function
 *     versions per capacity provider: 100 ... Cannot be increased"): the next new version, numbered
 *     or the first $LATEST.PUBLISHED, is refused with 400
 *     FunctionVersionsPerCapacityProviderLimitExceededException (SDK model: PublishVersion and
 *     CreateFunction errors). Counted: the published versions of every marked function on that
 *     capacity provider, plus `otherVersions` (versions of functions the stand-in does not know).
 *   - An alias may point at `$LATEST.PUBLISHED` (API reference: CreateAlias / UpdateAlias
 *     FunctionVersion is a VersionWithLatestPublished, pattern `(\$LATEST(\.PUBLISHED)?|[0-9]+)`);
 *     moto refuses that version, so the gateway stores such an alias as `$LATEST` in moto and
 *     remembers it. Weights with it are refused as they are for `$LATEST` (the stand-in's choice).
 * Not modelled: ListVersionsByFunction does not list `$LATEST.PUBLISHED` (undocumented), the
 * capacity provider API itself, scaling.
 */
import { randomUUID } from 'node:crypto'
import type http from 'node:http'

import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand
} from '@aws-sdk/client-lambda'

import { ACCOUNT } from './config.js'
import { ApiError, lambdaError } from './errors.js'
import {
  errName,
  log,
  parseJson,
  relay,
  type Json,
  type RawResponse
} from './http.js'
import { fixCode, resolveImage, type ResolvedImage } from './image-refs.js'
import type { FunctionCall } from './lambda-call.js'
import {
  conflictMessage,
  fnState,
  fns,
  functionArn,
  inProgress,
  type Activation,
  type FnState,
  type ManagedState,
  type VersionRecord
} from './lambda-state.js'
import { forwardToMoto, moto } from './moto.js'

export const LATEST_PUBLISHED = '$LATEST.PUBLISHED'
/** lambda-managed-instances-quotas */
export const VERSIONS_PER_CAPACITY_PROVIDER = 100
const DEFAULT_ACTIVATION_MS = Number(
  process.env.LOCAL_AWS_ACTIVATION_MS ?? 2000
)

export function defaultCapacityProviderArn(region: string): string {
  return `arn:aws:lambda:${region}:${ACCOUNT}:capacity-provider:local-capacity-provider`
}

/** Mark a function as a Managed Instances function (control route, CreateFunction). */
export function markManaged(
  s: FnState,
  opts: {
    capacityProviderArn?: string
    activationMs?: number
    otherVersions?: number
  }
): ManagedState {
  const m: ManagedState = s.managed ?? {
    capacityProviderArn: defaultCapacityProviderArn(s.region),
    activationMs: DEFAULT_ACTIVATION_MS,
    otherVersions: 0,
    aliasesAtLatestPublished: new Set()
  }
  if (opts.capacityProviderArn !== undefined)
    m.capacityProviderArn = opts.capacityProviderArn
  if (opts.activationMs !== undefined) m.activationMs = opts.activationMs
  if (opts.otherVersions !== undefined) m.otherVersions = opts.otherVersions
  s.managed = m
  return m
}

/** CreateFunction with CapacityProviderConfig marks the function. */
export function markFromCreate(s: FnState, input: Json | undefined): void {
  const cfg = input?.CapacityProviderConfig as Json | undefined
  if (!cfg) return
  const mi = cfg.LambdaManagedInstancesCapacityProviderConfig as
    Json | undefined
  const arn = mi?.CapacityProviderArn
  markManaged(s, typeof arn === 'string' ? { capacityProviderArn: arn } : {})
}

/** Published versions on a capacity provider, as the quota counts them. */
function versionsOn(capacityProviderArn: string): number {
  let n = 0
  for (const s of fns.values()) {
    const m = s.managed
    if (m?.capacityProviderArn !== capacityProviderArn) continue
    n += s.versions.size + (m.latestPublished ? 1 : 0) + m.otherVersions
  }
  return n
}

/** The quota's refusal of one more version, or undefined. */
export function versionLimitError(s: FnState): ApiError | undefined {
  const m = s.managed
  if (!m) return undefined
  if (versionsOn(m.capacityProviderArn) < VERSIONS_PER_CAPACITY_PROVIDER)
    return undefined
  return new ApiError(
    400,
    'FunctionVersionsPerCapacityProviderLimitExceededException',
    `Function versions per capacity provider limit exceeded: capacity provider ${m.capacityProviderArn} already has ${VERSIONS_PER_CAPACITY_PROVIDER} function versions.`
  )
}

/** Pending now; Active (or Failed, when injected) after the activation time. */
export function startActivation(s: FnState, rec: VersionRecord): void {
  const m = s.managed
  if (!m) return
  const next = m.next ?? {}
  m.next = undefined
  const activation: Activation = {
    state: 'Pending',
    reasonCode: 'Creating',
    reason:
      'Lambda is starting execution environments on the capacity provider.'
  }
  rec.activation = activation
  const durationMs = next.durationMs ?? m.activationMs
  setTimeout(() => {
    if (fns.get(s.name) !== s || rec.activation !== activation) return // reset, or replaced
    if (next.failReasonCode !== undefined || next.failReason !== undefined) {
      activation.state = 'Failed'
      activation.reasonCode = next.failReasonCode ?? 'InternalError'
      activation.reason =
        next.failReason ?? 'The version could not be activated.'
    } else {
      activation.state = 'Active'
      delete activation.reasonCode
      delete activation.reason
      if (m.latestPublished === rec) m.serving = rec
    }
    log(`version ${s.name}:${rec.version} ${activation.state}`)
  }, durationMs).unref()
  log(
    `version ${s.name}:${rec.version} Pending for ${durationMs} ms${next.failReasonCode !== undefined ? ` (will fail: ${next.failReasonCode})` : ''}`
  )
}

/** The capacity provider config a Managed Instances function's configuration carries. */
function capacityProviderConfig(m: ManagedState): Json {
  return {
    LambdaManagedInstancesCapacityProviderConfig: {
      CapacityProviderArn: m.capacityProviderArn
    }
  }
}

/** $LATEST of a Managed Instances function: ActiveNonInvocable, with its capacity provider. */
export function fixManagedLatest(c: Json, s: FnState | undefined): void {
  if (!s?.managed) return
  c.CapacityProviderConfig = capacityProviderConfig(s.managed)
  c.State = 'ActiveNonInvocable'
}

/** A published version of a Managed Instances function: its activation state. */
export function fixManagedVersion(c: Json, rec: VersionRecord): void {
  const name = typeof c.FunctionName === 'string' ? c.FunctionName : ''
  const m = fns.get(name)?.managed
  if (!m) return
  c.CapacityProviderConfig = capacityProviderConfig(m)
  const a = rec.activation
  if (!a) return
  c.State = a.state
  if (a.reasonCode !== undefined) c.StateReasonCode = a.reasonCode
  else delete c.StateReasonCode
  if (a.reason !== undefined) c.StateReason = a.reason
  else delete c.StateReason
}

/** Record $LATEST's image as the new $LATEST.PUBLISHED and start activating it. */
export function publishLatest(s: FnState, image: ResolvedImage): VersionRecord {
  const m = s.managed
  if (!m) throw new Error(`${s.name} is not a Managed Instances function`)
  const rec: VersionRecord = {
    version: LATEST_PUBLISHED,
    imageUri: image.ref.uri,
    image,
    revision: randomUUID(),
    publishedAt: Date.now()
  }
  m.latestPublished = rec
  startActivation(s, rec)
  return rec
}

const notManaged = (name: string): ApiError =>
  new ApiError(
    400,
    'InvalidParameterValueException',
    `PublishTo LATEST_PUBLISHED is supported only for functions with a capacity provider (Lambda Managed Instances); ${name} has none.`
  )

/** Refusal of `PublishTo: LATEST_PUBLISHED` (not Managed Instances, quota), or undefined. */
export function publishToProblem(s: FnState): ApiError | undefined {
  if (!s.managed) return notManaged(s.name)
  return s.managed.latestPublished ? undefined : versionLimitError(s)
}

/** A configuration answer for $LATEST.PUBLISHED: $LATEST's, with the record's image and state. */
async function latestPublishedConfiguration(
  name: string,
  region: string,
  rec: VersionRecord
): Promise<Json> {
  const latest = await moto(region).lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: name })
  )
  const out = JSON.parse(JSON.stringify(latest)) as Json
  delete out.$metadata
  out.Version = LATEST_PUBLISHED
  out.FunctionArn = functionArn(name, region, LATEST_PUBLISHED)
  out.CodeSha256 = rec.image.digest.replace(/^sha256:/, '')
  out.CodeSize = 0
  out.State = 'Active'
  out.LastUpdateStatus = 'Successful'
  delete out.LastUpdateStatusReason
  delete out.LastUpdateStatusReasonCode
  out.RevisionId = rec.revision
  fixManagedVersion(out, rec)
  return out
}

const JSON_ANSWER = (status: number): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.alloc(0)
})

/** PublishVersion with `PublishTo: LATEST_PUBLISHED`. */
export async function publishVersionToLatestPublished(
  c: FunctionCall
): Promise<void> {
  const { res, fn, region } = c
  const s = fnState(fn.name, region)
  let imageUri: string | undefined
  try {
    const f = await moto(region).lambda.send(
      new GetFunctionCommand({ FunctionName: fn.name })
    )
    imageUri = f.Code?.ImageUri
  } catch (e) {
    if (errName(e) === 'ResourceNotFoundException')
      return relay(res, await forwardToMoto(c.req, c.body))
    throw e
  }
  const problem = publishToProblem(s)
  if (problem) throw problem
  if (inProgress(s))
    throw new ApiError(
      409,
      'ResourceConflictException',
      conflictMessage(fn.name, region)
    )
  const input = (parseJson(c.body) ?? {}) as { CodeSha256?: string }
  const image = imageUri ? await resolveImage(imageUri, region) : undefined
  if (!image) throw notManaged(fn.name)
  const current = image.digest.replace(/^sha256:/, '')
  if (input.CodeSha256 !== undefined && input.CodeSha256 !== current)
    throw new ApiError(
      412,
      'PreconditionFailedException',
      `CodeSha256 (${input.CodeSha256}) is different from current CodeSha256 in $LATEST (${current}). Please try again with the current CodeSha256.`
    )
  const rec = publishLatest(s, image)
  return relay(
    res,
    JSON_ANSWER(201),
    await latestPublishedConfiguration(fn.name, region, rec)
  )
}

/** GetFunction / GetFunctionConfiguration with Qualifier `$LATEST.PUBLISHED`. */
export async function readLatestPublished(c: FunctionCall): Promise<void> {
  const rec = fns.get(c.fn.name)?.managed?.latestPublished
  if (!rec)
    throw new ApiError(
      404,
      'ResourceNotFoundException',
      `Function not found: ${functionArn(c.fn.name, c.region, LATEST_PUBLISHED)}`
    )
  const cfg = await latestPublishedConfiguration(c.fn.name, c.region, rec)
  if (c.sub === 'configuration') return relay(c.res, JSON_ANSWER(200), cfg)
  const code: Json = { RepositoryType: 'ECR', ImageUri: rec.imageUri }
  fixCode(code, rec.image)
  return relay(c.res, JSON_ANSWER(200), { Configuration: cfg, Code: code })
}

function notInvocable(
  name: string,
  region: string,
  version: string,
  state: string
): ApiError {
  return new ApiError(
    409,
    'ResourceConflictException',
    `The operation cannot be performed at this time. The function is currently in the following state: ${state} (${functionArn(name, region, version)})`
  )
}

/** The qualifier an invoke runs: none means `$LATEST.PUBLISHED` for a Managed Instances function. */
export function managedQualifier(
  name: string,
  qualifier: string | undefined
): string | undefined {
  if (!fns.get(name)?.managed) return qualifier
  return qualifier ?? LATEST_PUBLISHED
}

/**
 * Check that `version` of a Managed Instances function can be invoked now (ApiError otherwise):
 * the record that serves for `$LATEST.PUBLISHED`, `rec` for a numbered version. Any other
 * function: `rec` unchanged.
 */
export function invocableRecord(
  name: string,
  version: string,
  region: string,
  rec: VersionRecord | undefined
): VersionRecord | undefined {
  const m = fns.get(name)?.managed
  if (!m) return rec
  if (version === '$LATEST')
    throw notInvocable(name, region, version, 'ActiveNonInvocable')
  if (version === LATEST_PUBLISHED) {
    if (m.serving) return m.serving
    if (!m.latestPublished)
      throw new ApiError(
        400,
        'NoPublishedVersionException',
        `The function ${functionArn(name, region)} has no published version: publish one with PublishTo LATEST_PUBLISHED, or invoke a numbered version or an alias.`,
        true
      )
    throw notInvocable(
      name,
      region,
      version,
      m.latestPublished.activation?.state ?? 'Pending'
    )
  }
  const state = rec?.activation?.state
  if (rec && state !== undefined && state !== 'Active')
    throw notInvocable(name, region, version, state)
  return rec
}

/** An alias stored in moto as $LATEST that really points at $LATEST.PUBLISHED. */
export function aliasVersion(
  name: string,
  alias: string,
  motoVersion: string | undefined
): string | undefined {
  return fns.get(name)?.managed?.aliasesAtLatestPublished.has(alias)
    ? LATEST_PUBLISHED
    : motoVersion
}

/**
 * CreateAlias / UpdateAlias naming $LATEST.PUBLISHED: check it, remember it and give moto
 * `$LATEST` instead. Returns the body to forward; records nothing unless `commit` is called.
 */
export function aliasAtLatestPublished(
  s: FnState,
  aliasName: string,
  functionVersion: string | undefined,
  body: Buffer
): { body: Buffer; commit: () => void } {
  const m = s.managed
  if (functionVersion !== LATEST_PUBLISHED)
    return {
      body,
      commit: () => {
        if (functionVersion !== undefined)
          m?.aliasesAtLatestPublished.delete(aliasName)
      }
    }
  if (!m)
    throw new ApiError(
      400,
      'InvalidParameterValueException',
      `Invalid function version ${LATEST_PUBLISHED}: ${s.name} is not a Lambda Managed Instances function.`
    )
  if (!m.latestPublished)
    throw new ApiError(
      404,
      'ResourceNotFoundException',
      `Function not found: ${functionArn(s.name, s.region, LATEST_PUBLISHED)}`
    )
  const input = parseJson(body) ?? {}
  return {
    body: Buffer.from(JSON.stringify({ ...input, FunctionVersion: '$LATEST' })),
    commit: () => m.aliasesAtLatestPublished.add(aliasName)
  }
}

/** What the control API shows of a Managed Instances function. */
export function managedSummary(s: FnState): Json {
  const m = s.managed
  if (!m) return { managed: false }
  const show = (rec: VersionRecord | undefined): Json | null =>
    rec
      ? {
          version: rec.version,
          digest: rec.image.digest,
          state: rec.activation?.state ?? 'Active',
          ...(rec.activation?.reasonCode !== undefined && {
            stateReasonCode: rec.activation.reasonCode
          })
        }
      : null
  return {
    managed: true,
    capacityProviderArn: m.capacityProviderArn,
    activationMs: m.activationMs,
    otherVersions: m.otherVersions,
    versionsOnCapacityProvider: versionsOn(m.capacityProviderArn),
    latestPublished: show(m.latestPublished),
    serving: show(m.serving),
    versions: [...s.versions.values()].map(v => show(v)),
    aliasesAtLatestPublished: [...m.aliasesAtLatestPublished]
  }
}

/** The error a Managed Instances refusal is answered with (lambdaError, Message when the model says so). */
export function sendApiError(res: http.ServerResponse, e: ApiError): void {
  lambdaError(res, e.status, e.type, e.message, e.capitalMessage)
}
