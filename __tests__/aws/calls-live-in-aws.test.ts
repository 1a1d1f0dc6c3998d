/**
 * AWS calls live in src/aws/ (issue 23, docs/architecture.md): no module
 * outside it sends an SDK command, so every SDK error reaches the one call
 * wrapper (src/aws/call.ts) or, for Invoke, the check that classifies it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'

const SRC = fileURLToPath(new URL('../../src', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : []
  )
}

describe('SDK calls', () => {
  it('are sent only from src/aws/', () => {
    const outside = sources(SRC)
      .map(file => relative(SRC, file))
      .filter(file => !file.startsWith('aws/'))
      .flatMap(file =>
        readFileSync(join(SRC, file), 'utf8')
          .split('\n')
          .flatMap((line, i) =>
            /\.send\(\s*(new \w+Command\b|$)/.test(line)
              ? [`src/${file}:${i + 1}`]
              : []
          )
      )
    expect(outside).toEqual([])
  })

  it('the scan sees a send (it is not vacuous)', () => {
    const inAws = readFileSync(join(SRC, 'aws/lambda.ts'), 'utf8')
    expect(/\.send\(\s*(new \w+Command\b|$)/m.test(inAws)).toBe(true)
  })
})
