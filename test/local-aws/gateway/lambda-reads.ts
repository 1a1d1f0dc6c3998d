/**
 * GetFunction / GetFunctionConfiguration / ListFunctions / ListVersionsByFunction: moto's answer,
 * corrected as Lambda shows it.
 *   - GetFunction / GetFunctionConfiguration / ListFunctions and the update responses carry
 *     State / LastUpdateStatus / LastUpdateStatusReason / LastUpdateStatusReasonCode accordingly.
 *   - Of a version (or of an alias: its primary version): the version's own record, see
 *     ./lambda-versions.ts.
 *   - Reads of $LATEST are recorded for the control API (`/_local/functions/<name>/reads`).
 */
import { sha256Hex, parseJson, relay, type Json } from './http.js'
import { fixCode, imageForStubSha } from './image-refs.js'
import { versionOfQualifier } from './lambda-aliases.js'
import type { LambdaCall } from './lambda-call.js'
import { recordRead, type VersionRecord } from './lambda-state.js'
import { fixConfiguration } from './lambda-updates.js'
import { fixVersionConfiguration, versionRecord } from './lambda-versions.js'
import { forwardToMoto } from './moto.js'

export async function readFunctions(call: LambdaCall): Promise<void> {
  const { req, res, body, fn, qualifier, latest, sub, region } = call
  // A qualified read of a version or an alias: answered from the version's own record.
  let version: VersionRecord | undefined
  if (fn && !latest && (sub === undefined || sub === 'configuration')) {
    const v = await versionOfQualifier(fn.name, qualifier ?? '', region)
    if (v && v !== '$LATEST') version = await versionRecord(fn.name, v, region)
  }
  const r = await forwardToMoto(req, body)
  const out = r.status < 300 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  if (fn && sub === undefined) {
    const code = out.Code as Json | undefined
    const imageUri =
      typeof code?.ImageUri === 'string' ? code.ImageUri : undefined
    const cfg = out.Configuration as Json | undefined
    if (version) {
      if (cfg) fixVersionConfiguration(cfg, version)
      if (code) {
        code.ImageUri = version.imageUri
        fixCode(code, version.image)
      }
    } else {
      if (cfg)
        await fixConfiguration(cfg, {
          latest,
          region,
          ...(imageUri ? { imageUri } : {})
        })
      if (code && imageUri) {
        const image = await imageForStubSha(
          sha256Hex(imageUri),
          fn.name,
          region,
          imageUri
        )
        fixCode(code, image)
      }
    }
    if (latest) recordRead(fn.name, region, 'GetFunction', cfg)
  } else if (fn && sub === 'configuration') {
    if (version) fixVersionConfiguration(out, version)
    else await fixConfiguration(out, { latest, region })
    if (latest) recordRead(fn.name, region, 'GetFunctionConfiguration', out)
  } else if (!fn || sub === 'versions') {
    const fixAny = async (c: Json, isLatest: boolean): Promise<void> => {
      const name = typeof c.FunctionName === 'string' ? c.FunctionName : ''
      const v = typeof c.Version === 'string' ? c.Version : '$LATEST'
      const rec =
        v !== '$LATEST' ? await versionRecord(name, v, region) : undefined
      if (rec) fixVersionConfiguration(c, rec)
      else await fixConfiguration(c, { latest: isLatest, region })
    }
    for (const c of (out.Functions as Json[] | undefined) ?? [])
      await fixAny(c, !fn && c.Version === '$LATEST')
    for (const c of (out.Versions as Json[] | undefined) ?? [])
      await fixAny(c, c.Version === '$LATEST')
  }
  return relay(res, r, out)
}
