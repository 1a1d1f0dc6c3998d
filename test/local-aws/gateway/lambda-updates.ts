/**
 * Lambda's updates of $LATEST, and how a function's configuration shows them:
 *   - UpdateFunctionCode / UpdateFunctionConfiguration start an update that stays InProgress for
 *     LOCAL_AWS_UPDATE_MS (default 1500) ms, then Successful (or Failed when injected; a failed code
 *     update restores the previous image). While InProgress, UpdateFunctionCode,
 *     UpdateFunctionConfiguration and PublishVersion answer 409 ResourceConflictException.
 *     RevisionId is emulated (changes when an update starts and ends; a stale one -> 412).
 *   - GetFunction / GetFunctionConfiguration / ListFunctions and the update responses carry
 *     State / LastUpdateStatus / LastUpdateStatusReason / LastUpdateStatusReasonCode accordingly.
 */
import { reportImageConfig } from './function-config.js'
import { randomUUID } from 'node:crypto'

import { UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda'

import { DEFAULT_UPDATE_MS } from './config.js'
import { errMessage, log, type Json } from './http.js'
import { imageForStubSha } from './image-refs.js'
import {
  fnState,
  fns,
  type FnState,
  type NextUpdate,
  type UpdateRecord
} from './lambda-state.js'
import { fixManagedLatest } from './managed-instances.js'
import { moto } from './moto.js'

export function startUpdate(
  s: FnState,
  source: UpdateRecord['source'],
  imageUri: string | null,
  previousImageUri: string | null,
  opts: NextUpdate
): UpdateRecord {
  const durationMs = opts.durationMs ?? s.durationMs ?? DEFAULT_UPDATE_MS
  const record: UpdateRecord = {
    imageUri,
    startedAt: Date.now(),
    finishedAt: null,
    status: 'InProgress',
    source
  }
  s.updates.push(record)
  s.revision = randomUUID()
  const fail =
    opts.failReason !== undefined || opts.failReasonCode !== undefined
  const timer = setTimeout(() => {
    void finishUpdate(s, record, previousImageUri, fail ? opts : undefined)
  }, durationMs)
  s.current = { record, previousImageUri, timer }
  log(
    `update ${s.name} ${source} ${imageUri ?? ''} for ${durationMs} ms${fail ? ' (will fail)' : ''}`
  )
  return record
}

async function finishUpdate(
  s: FnState,
  record: UpdateRecord,
  previousImageUri: string | null,
  fail: NextUpdate | undefined
): Promise<void> {
  if (fns.get(s.name) !== s) return // reset meanwhile
  if (fail) {
    const reason = fail.failReason ?? 'The update failed.'
    const reasonCode = fail.failReasonCode ?? 'InvalidImage'
    if (previousImageUri && record.source === 'UpdateFunctionCode') {
      try {
        // Lambda keeps the previous code when an update fails.
        await moto(s.region).lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: s.name,
            ImageUri: previousImageUri
          })
        )
      } catch (e) {
        log(
          `restore of ${s.name} to ${previousImageUri} failed: ${errMessage(e)}`
        )
      }
    }
    if (fns.get(s.name) !== s) return
    record.status = 'Failed'
    record.reason = reason
    record.reasonCode = reasonCode
    s.last = { status: 'Failed', reason, reasonCode }
  } else {
    record.status = 'Successful'
    s.last = { status: 'Successful' }
  }
  record.finishedAt = Date.now()
  s.current = undefined
  s.revision = randomUUID()
  log(`update ${s.name} ${record.status}`)
}

/** Rewrite a FunctionConfiguration object as Lambda would show it. */
export async function fixConfiguration(
  c: Json,
  opts: { latest: boolean; region: string; imageUri?: string }
): Promise<void> {
  const name = typeof c.FunctionName === 'string' ? c.FunctionName : ''
  if (c.PackageType === 'Image') {
    const image = await imageForStubSha(
      typeof c.CodeSha256 === 'string' ? c.CodeSha256 : '',
      name,
      opts.region,
      opts.imageUri
    )
    if (image) c.CodeSha256 = image.digest.replace(/^sha256:/, '')
    c.CodeSize = 0
  }
  if (!opts.latest) return
  reportImageConfig(c, name, '$LATEST')
  const s = fns.get(name)
  c.State = 'Active'
  delete c.StateReason
  delete c.StateReasonCode
  delete c.LastUpdateStatusReason
  delete c.LastUpdateStatusReasonCode
  if (s?.current) {
    c.LastUpdateStatus = 'InProgress'
  } else if (s?.last?.status === 'Failed') {
    c.LastUpdateStatus = 'Failed'
    if (s.last.reason) c.LastUpdateStatusReason = s.last.reason
    if (s.last.reasonCode) c.LastUpdateStatusReasonCode = s.last.reasonCode
  } else {
    c.LastUpdateStatus = 'Successful'
  }
  c.RevisionId = (s ?? fnState(name, opts.region)).revision
  // Managed Instances: $LATEST is ActiveNonInvocable, with its capacity provider.
  fixManagedLatest(c, s)
}
