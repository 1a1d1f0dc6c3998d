/**
 * The post step's half of the undo: a run that was cancelled or killed
 * before its own undo ended leaves what it changed in the saved state; the
 * post step (which the runner runs even after a cancel) puts it back —
 * guarded like the main step's undo: only what is still this run's change.
 */
import { createLambdaClient } from '../aws/clients.js'
import { deployImage, waitForUpdate } from '../aws/lambda-update.js'
import { restoreConfiguration } from '../aws/lambda-config.js'
import { followActivation, republishPrevious } from '../aws/republish.js'
import { getAlias, pointAlias } from '../aws/versions.js'
import { aliasHolder, latestHolder } from '../decide/ownership.js'
import { ChangedMeanwhileError, errorMessage } from '../util/errors.js'
import { realTiming, type Timing } from '../util/time.js'
import type { UndoRecord } from './saved-state.js'
import type { LambdaClient } from '@aws-sdk/client-lambda'

/** The undo's publish went through; Lambda was still activating it. */
class StillActivating extends Error {}

/** The post step has more time than a cancelled main step: up to 5 minutes a wait. */
const POST_WAIT_MS = 5 * 60_000

async function finishOne(
  lambda: LambdaClient,
  record: UndoRecord,
  log: (message: string) => void,
  timing: Timing
): Promise<string> {
  if (record.kind === 'alias') {
    const now = await getAlias(lambda, record.functionArn, record.alias)
    const holder = aliasHolder(
      {
        revisionId: record.revisionId,
        ourVersion: record.ourVersion,
        previousVersion: record.previousVersion
      },
      now
    )
    if (holder === 'gone' || now === undefined)
      return `alias ${record.alias} of ${record.functionArn} no longer exists; nothing was changed.`
    const weights = Object.keys(now.weights)
    if (holder === 'put-back')
      return `alias ${record.alias} of ${record.functionArn} points to version ${record.previousVersion} (verified).`
    // Guarded as the main step's undo is (decide/ownership.ts): by the
    // alias's RevisionId when this run recorded one, so any change since
    // ours is left alone.
    if (holder === 'theirs')
      return `alias ${record.alias} of ${record.functionArn} was changed by someone else since this run moved it (it points to version ${now.version}${weights.length > 0 ? ` with ${weights.join(', ')}` : ''}); it is left as it is.`
    await pointAlias(
      lambda,
      record.functionArn,
      record.alias,
      { version: record.previousVersion, description: now.description ?? '' },
      now,
      { log },
      timing
    )
    return `alias ${record.alias} of ${record.functionArn} points to version ${record.previousVersion} again.`
  }
  if (record.kind === 'configuration')
    try {
      return `${record.functionArn} ${await restoreConfiguration(
        lambda,
        record,
        { settleMs: POST_WAIT_MS, waitTimeoutMs: POST_WAIT_MS, log },
        timing
      )}.`
    } catch (error) {
      if (error instanceof ChangedMeanwhileError)
        return `${record.functionArn}: ${error.message}`
      throw error
    }
  if (record.kind === 'published') {
    const result = await republishPrevious(
      lambda,
      record.functionArn,
      record,
      { timeoutMs: POST_WAIT_MS, log },
      timing
    )
    // The post step's limit came before Lambda activated the previous
    // image: not a verified undo, and the line says what to follow.
    if (result.kind === 'activating') throw new StillActivating(result.text)
    return `${record.functionArn}: ${result.text}.`
  }
  const settled = await waitForUpdate(
    lambda,
    record.functionArn,
    { timeoutMs: POST_WAIT_MS, log },
    timing
  )
  const now = settled.observed
  const holder = latestHolder(
    { digest: record.ourDigest, previousDigest: record.restoreDigest },
    now.imageDigest
  )
  if (holder === 'put-back')
    return `${record.functionArn} runs ${record.restoreImageUri} (verified).`
  if (holder === 'theirs')
    return `${record.functionArn} runs ${now.imageUri ?? 'another image'}, deployed by someone else; it is left as it is.`
  await deployImage(
    lambda,
    record.functionArn,
    record.restoreImageUri,
    record.restoreDigest,
    { waitTimeoutMs: POST_WAIT_MS, log, revisionId: now.revisionId },
    timing
  )
  return `${record.functionArn} runs ${record.restoreImageUri} again.`
}

/**
 * Put back every record; returns one line per record, and whether all of
 * them ended on the known good release (or were left to someone else's).
 */
export async function finishUndo(
  records: readonly UndoRecord[],
  log: (message: string) => void,
  makeLambda: (region: string) => LambdaClient = createLambdaClient,
  timing: Timing = realTiming
): Promise<{ lines: string[]; ok: boolean }> {
  const lines: string[] = []
  let ok = true
  // Aliases first: they are what serves traffic in alias deploys; then the
  // configuration, then $LATEST's code (records keep that order within a
  // kind), then $LATEST.PUBLISHED, which a Managed Instances republish
  // publishes from $LATEST.
  const rank = { alias: 0, configuration: 1, latest: 2, published: 3 } as const
  const ordered = [...records].sort((a, b) => rank[a.kind] - rank[b.kind])
  for (const record of ordered) {
    try {
      lines.push(
        await finishOne(makeLambda(record.region), record, log, timing)
      )
    } catch (error) {
      ok = false
      if (error instanceof StillActivating) {
        lines.push(
          `${record.functionArn}: ${error.message}; the post step's limit (${POST_WAIT_MS / 60_000} minutes a wait) ended before it was Active: check it with ${followActivation(record.functionArn)}`
        )
        continue
      }
      lines.push(
        `Could not put back ${record.functionArn}: ${errorMessage(error)}` +
          handRestore(record)
      )
    }
  }
  return { lines, ok }
}

function handRestore(record: UndoRecord): string {
  switch (record.kind) {
    case 'latest':
      return ` Restore it by hand: aws lambda update-function-code --function-name ${record.functionArn} --image-uri ${record.restoreImageUri}`
    case 'published':
      return ` Restore it by hand: aws lambda update-function-code --function-name ${record.functionArn} --image-uri ${record.restoreImageUri}, wait for it, then aws lambda publish-version --function-name ${record.functionArn} --publish-to LATEST_PUBLISHED`
    case 'configuration':
      return ` Restore its configuration by hand (the previous settings: ${Object.keys(record.restore.environment).length} environment variables, memory ${record.restore.memorySize ?? '?'} MB, timeout ${record.restore.timeout ?? '?'} s) with aws lambda update-function-configuration.`
    case 'alias':
      return ` Restore it by hand: aws lambda update-alias --function-name ${record.functionArn} --name ${record.alias} --function-version ${record.previousVersion} --routing-config 'AdditionalVersionWeights={}'`
  }
}
