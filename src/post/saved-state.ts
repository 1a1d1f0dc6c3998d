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
  undo: 'undo'
} as const

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
      kind: 'alias'
      region: string
      functionArn: string
      alias: string
      /** The version this run gave traffic to. */
      ourVersion: string
      previousVersion: string
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
