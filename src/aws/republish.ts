/**
 * The undo of a Lambda Managed Instances release (main step and post step):
 * $LATEST.PUBLISHED, what callers get, back on the image it ran before the
 * run, by publishing that image again (PublishVersion with PublishTo
 * LATEST_PUBLISHED, lambda-managed-instances-version-publishing; a
 * republish is a rolling update, lambda-managed-instances-deployments). It
 * is guarded like every undo (decide/ownership.ts): only while
 * $LATEST.PUBLISHED still runs this run's image.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { latestHolder } from '../decide/ownership.js'
import type { CallBudget } from '../util/budget.js'
import { ChangedMeanwhileError, DeployError } from '../util/errors.js'
import type { Timing } from '../util/time.js'
import { getFunctionState, type Log } from './lambda.js'
import { deployImage } from './lambda-update.js'
import {
  ActivationTimeoutError,
  LATEST_PUBLISHED,
  publishToLatestPublished,
  readLatestPublished,
  waitForActivation
} from './managed-instances.js'

/** What an undo puts back: this run's image, and the one callers had. */
export interface PublishedUndo {
  ourDigest: string
  restoreImageUri: string
  restoreDigest: string
}

/**
 * restored: callers get the previous image again (Active, verified);
 * never-active: this run's version never became Active, callers kept the
 * previous one and nothing was published; activating: the previous image is
 * published again and still activating when the wait ended.
 */
export type RepublishResult =
  | { kind: 'restored' | 'never-active'; text: string }
  | { kind: 'activating'; text: string }

/** The command that shows where an activation stands. */
export const followActivation = (functionName: string): string =>
  `aws lambda get-function-configuration --function-name ${functionName} --qualifier '${LATEST_PUBLISHED}'`

/** Versions that never became Active, or left service: they serve nobody. */
const NEVER_SERVED = new Set([
  'Failed',
  'Inactive',
  'Deactivating',
  'Deactivated'
])

/**
 * Put $LATEST.PUBLISHED back on `undo.restoreImageUri` if it still runs
 * this run's image. Someone else's image there: ChangedMeanwhileError.
 * If the run dies right after the publish: Lambda goes on activating the
 * previous image, and the post step (or a re-run) finds it put back.
 */
export async function republishPrevious(
  lambda: LambdaClient,
  functionName: string,
  undo: PublishedUndo,
  options: { timeoutMs: number; log: Log; budget?: CallBudget },
  timing: Timing
): Promise<RepublishResult> {
  const now = await readLatestPublished(lambda, functionName)
  if (now === undefined)
    throw new DeployError(
      `${functionName} has no ${LATEST_PUBLISHED} any more; nothing was put back.`
    )
  const holder = latestHolder(
    { digest: undo.ourDigest, previousDigest: undo.restoreDigest },
    now.imageDigest
  )
  if (holder === 'theirs')
    throw new ChangedMeanwhileError(
      `someone else published ${now.imageUri ?? 'another image'} to ${LATEST_PUBLISHED} meanwhile; it is left as it is.`
    )
  if (holder === 'ours' && NEVER_SERVED.has(now.state ?? '')) {
    return {
      kind: 'never-active',
      text: `${LATEST_PUBLISHED} with this run's image is ${now.state ?? '?'} and never served: callers kept ${undo.restoreImageUri}`
    }
  }
  if (holder === 'ours') {
    // PublishVersion publishes $LATEST: it must run the previous image
    // first (the 'latest' undo usually did that already), guarded by the
    // revision just read.
    const latest = await getFunctionState(lambda, functionName)
    if (latest.imageDigest !== undo.restoreDigest)
      await deployImage(
        lambda,
        functionName,
        undo.restoreImageUri,
        undo.restoreDigest,
        {
          waitTimeoutMs: options.timeoutMs,
          log: options.log,
          revisionId: latest.revisionId,
          ...(options.budget !== undefined && { budget: options.budget })
        },
        timing
      )
    options.log(
      `Publishing the previous image ${undo.restoreImageUri} to ${LATEST_PUBLISHED} again.`
    )
    await publishToLatestPublished(
      lambda,
      functionName,
      undo.restoreDigest,
      'aspnet-lambda-deploy: rollback',
      { log: options.log },
      timing
    )
  } else if (now.state === 'Active') {
    return {
      kind: 'restored',
      text: `${LATEST_PUBLISHED} runs the previous image ${undo.restoreImageUri} (verified)`
    }
  }
  try {
    await waitForActivation(
      lambda,
      functionName,
      LATEST_PUBLISHED,
      options,
      timing
    )
  } catch (error) {
    if (!(error instanceof ActivationTimeoutError)) throw error
    return {
      kind: 'activating',
      text: `the previous image ${undo.restoreImageUri} is published to ${LATEST_PUBLISHED} again and still activating; callers get it once it is Active, and until then what was Active before (follow it with: ${followActivation(functionName)})`
    }
  }
  return {
    kind: 'restored',
    text: `${LATEST_PUBLISHED} runs the previous image ${undo.restoreImageUri} again (Active)`
  }
}
