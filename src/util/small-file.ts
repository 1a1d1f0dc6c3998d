/**
 * Reading a small local file that the workflow (or the pull request) names,
 * without trusting it to be one: a named pipe would block the read for ever,
 * a link to /dev/zero would never end. Opened without blocking, then judged
 * by what was opened (fstat), so a file swapped after a check is judged too.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import { formatLimit } from './body.js'

/** A kind of file that is not a regular one, in words. */
function kindOf(stats: import('node:fs').Stats): string {
  if (stats.isDirectory()) return 'a directory'
  if (stats.isFIFO()) return 'a named pipe'
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device'
  if (stats.isSocket()) return 'a socket'
  return 'not a regular file'
}

/**
 * The text of `file`, a regular file of at most `maxBytes`; throws an
 * error naming the file and what it is otherwise. Synchronous: for files
 * small enough to read at once (a Dockerfile).
 */
export function readSmallFileSync(file: string, maxBytes: number): string {
  // O_NONBLOCK: opening a pipe with no writer returns at once, instead of
  // waiting for one.
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile())
      throw new Error(`${file} is ${kindOf(stats)}, not a regular file`)
    if (stats.size > maxBytes)
      throw new Error(
        `${file} is ${formatLimit(stats.size)}, more than the ${formatLimit(maxBytes)} it may be`
      )
    // One byte more than allowed tells a file that grew since the fstat.
    const buffer = Buffer.alloc(maxBytes + 1)
    let length = 0
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null)
      if (read === 0) break
      length += read
      if (length > maxBytes)
        throw new Error(
          `${file} is more than the ${formatLimit(maxBytes)} it may be`
        )
    }
    return buffer.toString('utf8', 0, length)
  } finally {
    closeSync(fd)
  }
}
