/**
 * What a dry run reports a real run would change: one entry per function
 * (or, for a cleanup, per thing it would remove). A leaf module of types and
 * their machine-readable form (the would-change output).
 */

/**
 * What a real run would do to the function's code: create it (a first
 * preview), update $LATEST, nothing ($LATEST already runs the image), or
 * nothing at all (the alias already serves it). The same vocabulary as a
 * TargetState's code.
 */
export type PlannedCode =
  'create' | 'update' | 'up-to-date' | 'alias-up-to-date' | 'remove'

/** What a real run would do to the alias's traffic. */
export type PlannedTraffic = 'untouched' | 'canary' | 'moved'

export interface WouldChange {
  /** The function (or, for a cleanup, what would be removed). */
  name: string
  code: PlannedCode
  /** A version of the deployed code would be published. */
  publish: boolean
  traffic: PlannedTraffic
  /** The image it serves now (the alias's, for alias deploys). */
  from: string | undefined
  /**
   * The image it would serve: by digest, or repository:tag for an image
   * this dry run built and did not push.
   */
  to: string | undefined
  /** One sentence for the log and the job summary. */
  text: string
  /**
   * Lambda's answer to the code update asked with `DryRun: true` (only for
   * a function whose code a real run would update).
   */
  asked?: LambdaAsked | undefined
}

/** What Lambda said when the dry run asked it to update the code. */
export interface LambdaAsked {
  answer: 'allowed' | 'denied' | 'refused' | 'busy'
  /** The image it was asked about. */
  imageUri: string
  /**
   * Asked with the image the function runs now, because ECR cannot serve the
   * one a real run would deploy yet: this dry run built it and pushed
   * nothing, or it is archived (a real run restores it first).
   */
  substitute: 'not pushed' | 'archived' | undefined
  /** Lambda's message, for an answer other than allowed. */
  message: string | undefined
}

const SUBSTITUTE_TEXT = {
  'not pushed': 'this dry run pushed nothing',
  archived: 'the new image is archived: a real run restores it first'
} as const

/** Which image Lambda was asked with, in words. */
export function askedWith(asked: LambdaAsked): string {
  return asked.substitute === undefined
    ? 'this image'
    : `the image it runs now: ${SUBSTITUTE_TEXT[asked.substitute]}`
}

/** What each answer means for a real run. */
const ASKED_MEANING: Record<LambdaAsked['answer'], string> = {
  allowed: 'a real run may update the code',
  denied: 'a real run would fail',
  refused: 'a real run would fail',
  busy: 'permissions not checked: another update of the function is in progress'
}

/**
 * Lambda's answer to the dry run's UpdateFunctionCode (DryRun: true), in
 * words: the answer, the image it was asked with when that is not the one a
 * real run deploys, and Lambda's message. The one wording the job summary's
 * cell and the log's line share.
 */
export function askedWords(asked: LambdaAsked): string {
  const substitute =
    asked.substitute === undefined ? '' : ` (asked with ${askedWith(asked)})`
  const message = asked.message === undefined ? '' : `: ${asked.message}`
  return `${asked.answer}${substitute}${message}`
}

/** The same words for the log, with what the answer means for a real run. */
export function askedLine(asked: LambdaAsked): string {
  return `UpdateFunctionCode with DryRun: ${askedWords(asked)} (${ASKED_MEANING[asked.answer]})`
}

/** The would-change output: JSON, one object per entry. */
export function wouldChangeOutput(changes: readonly WouldChange[]): string {
  return JSON.stringify(
    changes.map(c => ({
      name: c.name,
      code: c.code,
      publish: c.publish,
      traffic: c.traffic,
      from: c.from,
      to: c.to,
      text: c.text,
      ...(c.asked !== undefined && { 'update-dry-run': c.asked.answer })
    }))
  )
}
