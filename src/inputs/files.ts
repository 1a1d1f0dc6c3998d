/**
 * What the inputs may learn from the file system: the kind and size of a
 * path, through a stat the tests replace, so the readers stay table-tested.
 */
import { statSync } from 'node:fs'

export type FileKind =
  'file' | 'directory' | 'device' | 'fifo' | 'socket' | 'missing' | 'unreadable'

export interface FileFacts {
  kind: FileKind
  /** Bytes, for a regular file; 0 otherwise. */
  size: number
  /** Why it could not be looked at, for `unreadable`. */
  reason?: string
}

/** Looks at a path, following symbolic links as docker does. */
export type StatFile = (path: string) => FileFacts

export const statFile: StatFile = path => {
  try {
    const stats = statSync(path)
    if (stats.isFile()) return { kind: 'file', size: stats.size }
    if (stats.isDirectory()) return { kind: 'directory', size: 0 }
    if (stats.isCharacterDevice() || stats.isBlockDevice()) {
      return { kind: 'device', size: 0 }
    }
    if (stats.isFIFO()) return { kind: 'fifo', size: 0 }
    return { kind: 'socket', size: 0 }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return { kind: 'missing', size: 0 }
    }
    return {
      kind: 'unreadable',
      size: 0,
      reason: code ?? (error instanceof Error ? error.message : String(error))
    }
  }
}
