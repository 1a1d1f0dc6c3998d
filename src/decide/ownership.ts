/**
 * Is this function (or alias) still what this run left? One rule, pure,
 * asked by the final check after each check (stages/still-ours.ts), the
 * main step's undo (stages/undo.ts) and the post step's (post/undo.ts):
 * what serves counts as this run's only while every fact the caller kept
 * of what the run left agrees with what Lambda answers now.
 *
 * ours: still as this run left it; put-back: already back on what served
 * before the run (an undo has nothing left to do); theirs: someone else
 * changed it since (a check then answered for their release, and an undo
 * leaves it alone); gone: the alias was deleted.
 */
export type Holder = 'ours' | 'put-back' | 'theirs' | 'gone'

/** What Lambda says the alias serves now. */
export interface AliasNow {
  version: string
  weights: Record<string, number>
  revisionId: string | undefined
}

/** What the caller kept of what this run left on the alias (each fact optional). */
export interface AliasLeft {
  /**
   * The alias's RevisionId after this run's last change of it (or as this
   * run last read it): any change since, even one that keeps our routing,
   * is someone else's. It "changes when you update the alias" (Lambda API
   * reference, GetAlias and UpdateAlias).
   */
  revisionId?: string | undefined
  /**
   * The exact routing this run left: primary version and canary weights
   * (version undefined: there was no alias, so any alias now is another's).
   */
  routing?:
    { version: string | undefined; weights: Record<string, number> } | undefined
  /** The version this run gave traffic to: it must still carry some. */
  ourVersion?: string | undefined
  /** The version the alias served before the run, all of its traffic. */
  previousVersion?: string | undefined
}

const sameWeights = (
  a: Record<string, number>,
  b: Record<string, number>
): boolean =>
  JSON.stringify(Object.entries(a).sort()) ===
  JSON.stringify(Object.entries(b).sort())

export function aliasHolder(
  left: AliasLeft,
  now: AliasNow | undefined
): Holder {
  if (now === undefined) return 'gone'
  if (
    left.previousVersion !== undefined &&
    now.version === left.previousVersion &&
    Object.keys(now.weights).length === 0
  )
    return 'put-back'
  const agrees =
    (left.revisionId === undefined || now.revisionId === left.revisionId) &&
    (left.routing === undefined ||
      (now.version === left.routing.version &&
        sameWeights(now.weights, left.routing.weights))) &&
    (left.ourVersion === undefined ||
      now.version === left.ourVersion ||
      Object.keys(now.weights).includes(left.ourVersion))
  return agrees ? 'ours' : 'theirs'
}

/** What this run left on $LATEST. */
export interface LatestLeft {
  /** The image this run deployed; undefined: the caller relied on none. */
  digest: string | undefined
  /** The image $LATEST ran before the run. */
  previousDigest?: string | undefined
}

export function latestHolder(
  left: LatestLeft,
  nowDigest: string | undefined
): Exclude<Holder, 'gone'> {
  if (left.previousDigest !== undefined && nowDigest === left.previousDigest)
    return 'put-back'
  if (left.digest === undefined || nowDigest === left.digest) return 'ours'
  return 'theirs'
}

/**
 * What this run left of the configuration: fingerprints
 * (decide/configuration.ts) of what it applied and of what the function had
 * before. Any other configuration is someone else's, which an undo leaves.
 */
export interface ConfigurationLeft {
  applied: string
  previous: string
}

export function configurationHolder(
  left: ConfigurationLeft,
  now: string
): Exclude<Holder, 'gone'> {
  if (now === left.previous) return 'put-back'
  if (now === left.applied) return 'ours'
  return 'theirs'
}
