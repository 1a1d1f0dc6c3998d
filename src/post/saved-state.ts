import * as path from 'node:path'
import type { ConfigSnapshot } from '../decide/configuration.js'

/** Names of the values the main step hands to the post step. */
export const STATE = {
  dockerConfig: 'dockerConfig',
  builder: 'builder',
  /**
   * What this run changed and has not put back yet (JSON UndoRecord[]):
   * written as each change is accepted, emptied when the run ends on a
   * verified release or a finished undo. A run killed before that leaves it
   * for the post step, which puts it back.
   */
  undo: 'undo',
  /**
   * The label of the local run's container while it may exist: saved before
   * the container starts, emptied once its removal has ended. A run killed
   * in between leaves it for the post step, which removes the container.
   */
  localRun: 'localRun'
} as const

/** The label (name) of the local run's container; its value is the run's own. */
export const LOCAL_RUN_LABEL = 'aspnet-lambda-deploy.local-run'

/** One change the post step may have to put back. */
export type UndoRecord =
  | {
      kind: 'latest'
      region: string
      functionArn: string
      /** The image this run deployed: only this is replaced. */
      ourDigest: string
      restoreImageUri: string
      restoreDigest: string
    }
  | {
      /**
       * $LATEST's configuration (configuration inputs), put back only while
       * it is still what this run applied (fingerprints, so the applied
       * values are not kept) and with the RevisionId read just before.
       * `restore` holds the previous values, environment included: the
       * runner's state file stays on the runner, and nothing prints it.
       */
      kind: 'configuration'
      region: string
      functionArn: string
      applied: string
      previous: string
      restore: ConfigSnapshot
    }
  | {
      /**
       * Lambda Managed Instances: $LATEST.PUBLISHED, what callers get, is
       * re-published from the image it ran (after the 'latest' record put
       * $LATEST back), if it still runs this run's image.
       */
      kind: 'published'
      region: string
      functionArn: string
      ourDigest: string
      restoreImageUri: string
      restoreDigest: string
    }
  | {
      kind: 'alias'
      region: string
      functionArn: string
      alias: string
      /** The version this run gave traffic to. */
      ourVersion: string
      previousVersion: string
      /**
       * The alias's RevisionId after this run's last change of it: any other
       * change since (even one that keeps our version) is someone else's,
       * and the post step leaves it. AliasConfiguration.RevisionId "changes
       * when you update the alias" (Lambda API reference, GetAlias and
       * UpdateAlias). Absent when Lambda reported none.
       */
      revisionId?: string | undefined
    }

/**
 * Whether the post step has anything to do, read straight from the saved
 * state the runner hands it (`STATE_<name>`, what @actions/core's getState
 * reads): a temporary docker config or buildx builder to remove, or changes
 * to put back. A run that logged in nowhere and ended on a verified release
 * leaves none, and the post step then loads nothing more.
 */
export function hasPostWork(env: NodeJS.ProcessEnv): boolean {
  const saved = (name: string): string => env[`STATE_${name}`]?.trim() ?? ''
  return (
    saved(STATE.dockerConfig) !== '' ||
    saved(STATE.builder) !== '' ||
    saved(STATE.localRun) !== '' ||
    parseUndoRecords(saved(STATE.undo)).length > 0
  )
}

export function parseUndoRecords(text: string): UndoRecord[] {
  if (text.trim() === '') return []
  try {
    const parsed: unknown = JSON.parse(text)
    return Array.isArray(parsed) ? (parsed as UndoRecord[]) : []
  } catch {
    return []
  }
}

/**
 * What every temporary directory and buildx builder of this action is
 * named with: `<prefix>` and, for a directory, the six characters
 * fs.mkdtemp adds.
 */
export const OWN_PREFIX = 'aspnet-lambda-deploy-'

/**
 * Whether the saved `dockerConfig` names a directory this action made: a
 * child of the runner's temporary directory (RUNNER_TEMP, where the main
 * step makes it) named by fs.mkdtemp from OWN_PREFIX. The saved state is
 * text another step could have written (the runner still reads a logged
 * `::save-state`); the post step deletes recursively, so anything else is
 * refused.
 */
export function ownDockerConfig(
  saved: string,
  tempDir: string
): { dir: string } | { refused: string } {
  const own = `a directory ${OWN_PREFIX}XXXXXX directly in ${tempDir}`
  // A trailing separator would make lstat follow a link.
  if (
    !path.isAbsolute(saved) ||
    path.normalize(saved) !== saved ||
    saved.endsWith(path.sep)
  )
    return { refused: `not an absolute, normal path (expected ${own})` }
  if (path.dirname(saved) !== path.resolve(tempDir))
    return {
      refused: `not in the runner's temporary directory (expected ${own})`
    }
  if (!/^aspnet-lambda-deploy-[A-Za-z0-9]{6}$/.test(path.basename(saved)))
    return { refused: `not a name this action gives (expected ${own})` }
  return { dir: saved }
}

/** Whether the saved builder name is one image.ts gives (never a flag). */
export function ownBuilder(saved: string): boolean {
  return /^aspnet-lambda-deploy-[0-9]+-[0-9a-z]+$/.test(saved)
}

/**
 * Whether the saved local-run label is one the local run gives
 * (`aspnet-lambda-deploy.local-run=<16 hex>`): the post step removes every
 * container carrying it, so any other text (another step's label, a flag)
 * is refused.
 */
export function ownLocalRunLabel(saved: string): boolean {
  return /^aspnet-lambda-deploy\.local-run=[0-9a-f]{16}$/.test(saved)
}
