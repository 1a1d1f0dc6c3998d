/**
 * Lambda functions: CreateFunction, DeleteFunction, AddPermission, UpdateFunctionCode and
 * UpdateFunctionConfiguration (the update that follows: ./lambda-updates.ts).
 *   - CreateFunction / UpdateFunctionCode: ImageUri must name an image in (moto's) ECR by digest or
 *     tag, else 400 InvalidParameterValueException; an image index / manifest list -> 400
 *     InvalidParameterValueException "The image manifest, config or layer media type ... is not
 *     supported.". CodeSha256 is the manifest digest hex, Code.ResolvedImageUri
 *     <repositoryUri>@sha256:<hex>, CodeSize 0 (as Lambda reports for images).
 *   - DeleteFunction also stops the function's data-plane containers and forgets its update state
 *     (its log group stays, as in CloudWatch); DeleteFunction of a version forgets that version.
 *   - AddPermission with a StatementId the policy has -> 409 ResourceConflictException (moto: dup).
 *   - Fault injection (next-update dropAnswer): UpdateFunctionCode is accepted, then the connection
 *     is reset with no answer. While Lambda applies an update GetFunction already shows the new
 *     code with LastUpdateStatus InProgress, and a second update is refused with 409 (AWS docs,
 *     "Lambda function states", functions-states.html; API_UpdateFunctionCode "Errors").
 */
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand
} from '@aws-sdk/client-lambda'

import {
  removeFunctionContainers,
  removeVersionContainers
} from './containers.js'
import { markDryRun } from './call-log.js'
import { lambdaError, staleRevision } from './errors.js'
import { errName, log, parseJson, relay, sendJson, type Json } from './http.js'
import { resolveImage, type ResolvedImage } from './image-refs.js'
import type { FunctionCall, LambdaCall } from './lambda-call.js'
import { conflictMessage, fnState, fns, inProgress } from './lambda-state.js'
import { fixConfiguration, startUpdate } from './lambda-updates.js'
import { recordVersion } from './lambda-versions.js'
import {
  markFromCreate,
  publishLatest,
  publishToProblem,
  versionLimitError
} from './managed-instances.js'
import { forwardToMoto, moto } from './moto.js'

export async function createFunction(c: LambdaCall): Promise<void> {
  const { req, res, body, region } = c
  const input = parseJson(body) as
    { Code?: { ImageUri?: string }; FunctionName?: string } | undefined
  let image: ResolvedImage | undefined
  if (input?.Code?.ImageUri)
    image = await resolveImage(input.Code.ImageUri, region)
  const r = await forwardToMoto(req, body)
  const out = r.status < 300 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  if (typeof out.FunctionName === 'string') {
    const old = fns.get(out.FunctionName)
    if (old?.current) clearTimeout(old.current.timer)
    fns.delete(out.FunctionName)
    const s = fnState(out.FunctionName, region)
    // CapacityProviderConfig: a Lambda Managed Instances function (./managed-instances.ts)
    markFromCreate(s, parseJson(body))
    // Publish: true -> version 1 carries the image the function was created with
    if (image && typeof out.Version === 'string' && /^\d+$/.test(out.Version))
      recordVersion(s, out.Version, image)
  }
  await fixConfiguration(out, {
    latest: true,
    region,
    ...(image ? { imageUri: image.ref.uri } : {})
  })
  return relay(res, r, out)
}

/** DeleteFunction: the data plane stops serving it at once. */
export async function deleteFunction(c: FunctionCall): Promise<void> {
  const { req, res, body, fn } = c
  const r = await forwardToMoto(req, body)
  if (r.status < 300) {
    const s = fns.get(fn.name)
    if (s?.current) clearTimeout(s.current.timer)
    fns.delete(fn.name)
    await removeFunctionContainers(fn.name)
  }
  return relay(res, r)
}

/** DeleteFunction of a version: forget its image and stop its environments. */
export async function deleteFunctionVersion(
  c: FunctionCall,
  qualifier: string
): Promise<void> {
  const { req, res, body, fn } = c
  const r = await forwardToMoto(req, body)
  if (r.status < 300) {
    fns.get(fn.name)?.versions.delete(qualifier)
    await removeVersionContainers(fn.name, qualifier)
  }
  return relay(res, r)
}

/** AddPermission: a statement id that exists -> 409 like Lambda (moto adds a duplicate). */
export async function addPermission(c: FunctionCall): Promise<void> {
  const { req, res, body, fn, region } = c
  const input = (parseJson(body) ?? {}) as { StatementId?: string }
  const policy = await moto(region)
    .lambda.send(new GetPolicyCommand({ FunctionName: fn.name }))
    .then(p => p.Policy)
    .catch(() => undefined)
  const statements =
    policy !== undefined
      ? ((
          parseJson(Buffer.from(policy)) as
            { Statement?: { Sid?: string }[] } | undefined
        )?.Statement ?? [])
      : []
  if (statements.some(st => st.Sid === input.StatementId))
    return lambdaError(
      res,
      409,
      'ResourceConflictException',
      `The statement id (${input.StatementId ?? ''}) provided already exists. Please provide a new statement id, or remove the existing statement.`
    )
  relay(res, await forwardToMoto(req, body))
}

export async function updateFunctionCode(c: FunctionCall): Promise<void> {
  const { req, res, body, fn, region } = c
  const s = fnState(fn.name, region)
  if (inProgress(s))
    return lambdaError(
      res,
      409,
      'ResourceConflictException',
      conflictMessage(fn.name, region)
    )
  s.busy = true
  try {
    const input = (parseJson(body) ?? {}) as {
      ImageUri?: string
      RevisionId?: string
      DryRun?: boolean
      Publish?: boolean
      PublishTo?: string
    }
    if (input.RevisionId !== undefined && input.RevisionId !== s.revision) {
      return lambdaError(
        res,
        412,
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id'
      )
    }
    let previousImageUri: string | null = null
    try {
      const cur = await moto(region).lambda.send(
        new GetFunctionCommand({ FunctionName: fn.name })
      )
      previousImageUri = cur.Code?.ImageUri ?? null
    } catch (e) {
      if (errName(e) === 'ResourceNotFoundException')
        return relay(res, await forwardToMoto(req, body))
      throw e
    }
    let image: ResolvedImage | undefined
    if (input.ImageUri) image = await resolveImage(input.ImageUri, region)
    // Managed Instances: PublishTo LATEST_PUBLISHED, and the versions quota for a publish
    const publishTo = input.PublishTo === 'LATEST_PUBLISHED'
    const refused = publishTo
      ? publishToProblem(s)
      : input.Publish === true
        ? versionLimitError(s)
        : undefined
    if (refused)
      return lambdaError(res, refused.status, refused.type, refused.message)
    if (input.DryRun) {
      // DryRun: "validate the request parameters and access permissions
      // without modifying the function code"; the image was checked above.
      // Lambda answers with the function's configuration, unchanged.
      // https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html
      markDryRun(req)
      const out: Json = {
        ...(await moto(region).lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName: fn.name })
        ))
      }
      delete out.$metadata
      await fixConfiguration(out, { latest: true, region })
      return sendJson(res, 200, out)
    }
    const r = await forwardToMoto(req, body)
    const out = r.status < 300 ? parseJson(r.body) : undefined
    if (!out) return relay(res, r)
    // Publish: true -> the new version carries the new image
    if (
      input.Publish &&
      image &&
      typeof out.Version === 'string' &&
      /^\d+$/.test(out.Version) &&
      !s.versions.has(out.Version)
    ) {
      recordVersion(s, out.Version, image)
      s.configChangedSincePublish = false
    }
    // PublishTo LATEST_PUBLISHED: the new image becomes $LATEST.PUBLISHED (Pending until active)
    if (publishTo && image && !input.DryRun) publishLatest(s, image)
    const next = s.next ?? {}
    s.next = undefined
    startUpdate(
      s,
      'UpdateFunctionCode',
      input.ImageUri ?? null,
      previousImageUri,
      next
    )
    if (next.dropAnswer === true) {
      log(`update ${fn.name}: accepted, answer dropped (fault injection)`)
      res.socket?.destroy()
      return
    }
    await fixConfiguration(out, {
      latest: true,
      region,
      ...(image ? { imageUri: image.ref.uri } : {})
    })
    return relay(res, r, out)
  } finally {
    s.busy = false
  }
}

/** UpdateFunctionConfiguration: conflict while an update runs. */
export async function updateFunctionConfiguration(
  c: FunctionCall
): Promise<void> {
  const { req, res, body, fn, region } = c
  const s = fnState(fn.name, region)
  if (inProgress(s))
    return lambdaError(
      res,
      409,
      'ResourceConflictException',
      conflictMessage(fn.name, region)
    )
  const input = (parseJson(body) ?? {}) as { RevisionId?: string }
  if (input.RevisionId !== undefined && input.RevisionId !== s.revision)
    return staleRevision(res)
  const r = await forwardToMoto(req, body)
  const out = r.status < 300 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  s.configChangedSincePublish = true
  startUpdate(s, 'UpdateFunctionConfiguration', null, null, {})
  await fixConfiguration(out, { latest: true, region })
  return relay(res, r, out)
}
