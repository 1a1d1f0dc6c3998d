import { execFileSync } from 'node:child_process'
import {
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  mkdirSync
} from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { readSmallFileSync } from '../../src/util/small-file.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'small-file-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const at = (name: string): string => path.join(dir, name)
writeFileSync(at('Dockerfile'), 'FROM scratch\n')
writeFileSync(at('big'), Buffer.alloc(2048))
// A named pipe with no writer: a plain read waits for one for ever.
execFileSync('mkfifo', [at('fifo')])
symlinkSync(at('fifo'), at('link-to-fifo'))
// Endless: a plain read never ends.
symlinkSync('/dev/zero', at('zero'))
mkdirSync(at('dir'))

describe('readSmallFileSync', () => {
  it('reads a regular file', () => {
    expect(readSmallFileSync(at('Dockerfile'), 1024)).toBe('FROM scratch\n')
  })

  it.each([
    ['a named pipe', 'fifo', /fifo is a named pipe, not a regular file$/],
    [
      'a link to a named pipe',
      'link-to-fifo',
      /link-to-fifo is a named pipe, not a regular file$/
    ],
    ['a link to /dev/zero', 'zero', /zero is a device, not a regular file$/],
    ['a directory', 'dir', /dir is a directory, not a regular file$/],
    ['too large', 'big', /big is 2 KiB, more than the 1 KiB it may be$/],
    ['missing', 'nothing', /ENOENT/]
  ])('refuses %s at once', (_name, file, message) => {
    const started = Date.now()
    expect(() => readSmallFileSync(at(file), 1024)).toThrow(message)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
