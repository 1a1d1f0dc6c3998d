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
      text: c.text
    }))
  )
}
