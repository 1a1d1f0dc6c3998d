/**
 * `npm run mutate` is not part of CI, so nothing else notices when its
 * configuration stops pointing at the code it is meant to mutate: a line
 * range left behind by an edit mutates whatever now sits on those lines.
 * stryker.config.js computes its ranges from the names of the functions in
 * scope; these tests hold every range it hands to Stryker to exactly one
 * named top-level declaration, and every file and test pattern to files
 * that exist.
 */
import { globSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface Scope {
  file: string
  names?: string[]
}
interface StrykerConfigModule {
  default: {
    mutate: string[]
    jest: { config: { testMatch: string[] } }
  }
  // Optional here so that a config without them fails the tests below
  // one by one rather than all at load.
  SCOPE?: Scope[]
  TESTS?: string[]
  rangesOf?: (
    file: string,
    names: string[]
  ) => { name: string; start: number; end: number }[]
}

// A path the compiler does not follow: the config is plain JavaScript.
const CONFIG = '../stryker.config.js'
const stryker = (await import(CONFIG)) as StrykerConfigModule
const config = stryker.default
const scope = stryker.SCOPE ?? []
const tests = stryker.TESTS ?? []
const rangesOf: NonNullable<StrykerConfigModule['rangesOf']> = (
  file,
  names
) => {
  if (stryker.rangesOf === undefined)
    throw new Error('stryker.config.js exports no rangesOf')
  return stryker.rangesOf(file, names)
}

const linesOf = (file: string): string[] =>
  readFileSync(path.join(ROOT, file), 'utf8').split('\n')

/** `file:start-end` → its parts; undefined for a whole file or a glob. */
function rangeOf(
  pattern: string
): { file: string; start: number; end: number } | undefined {
  const match = /^(.+):(\d+)-(\d+)$/.exec(pattern)
  if (match === null) return undefined
  const [, file = '', start = '', end = ''] = match
  return { file, start: Number(start), end: Number(end) }
}

/** The name a top-level declaration on this line declares, if any. */
const declared = (line: string): string | undefined =>
  /^(?:export )?(?:async )?(?:function\*? |const |let |class )(\w+)/.exec(
    line
  )?.[1]

describe('stryker.config.js', () => {
  const ranges = config.mutate.flatMap(pattern => {
    const range = rangeOf(pattern)
    return range === undefined ? [] : [{ pattern, ...range }]
  })

  it('mutates line ranges of the files SCOPE names functions of', () => {
    const withNames = scope.filter(s => s.names !== undefined)
    expect(withNames.length).toBeGreaterThan(0)
    expect(new Set(ranges.map(r => r.file))).toEqual(
      new Set(withNames.map(s => s.file))
    )
    expect(ranges).toHaveLength(
      withNames.reduce((n, s) => n + (s.names ?? []).length, 0)
    )
  })

  it.each(ranges.map(r => [r.pattern, r] as const))(
    '%s is one whole top-level declaration',
    (_pattern, { file, start, end }) => {
      const lines = linesOf(file)
      const first = lines[start - 1] ?? ''
      const last = lines[end - 1] ?? ''
      // It starts where a declaration starts, ...
      expect(declared(first)).toBeDefined()
      // ... ends where one ends (at column 0: the declaration's own close) ...
      expect(last).toMatch(/^[}\])]|;$|^(export )?const .*[^,(=[{]$/)
      // ... and holds no other top-level declaration.
      const inside = lines.slice(start, end).filter(l => declared(l))
      expect(inside).toEqual([])
    }
  )

  it.each(
    scope
      .filter(s => s.names !== undefined)
      .flatMap(s => (s.names ?? []).map(name => [s.file, name] as const))
  )('%s: the range for %s starts at its declaration', (file, name) => {
    const [range] = rangesOf(file, [name])
    expect(range).toBeDefined()
    expect(declared(linesOf(file)[(range?.start ?? 0) - 1] ?? '')).toBe(name)
    expect(config.mutate).toContain(`${file}:${range?.start}-${range?.end}`)
  })

  it('refuses a name the file does not declare, naming both', () => {
    expect(() => rangesOf('src/plan.ts', ['noSuchDecisionFunction'])).toThrow(
      /src\/plan\.ts declares no top-level noSuchDecisionFunction/
    )
  })

  it('finds a declaration that moved, with its doc comment left out', () => {
    // planRun is declared after its doc comment: the range starts at the
    // keyword, so a comment edit above it moves the range with it.
    const [range] = rangesOf('src/plan.ts', ['planRun'])
    const lines = linesOf('src/plan.ts')
    expect(lines[(range?.start ?? 0) - 1]).toMatch(/^export function planRun\(/)
    expect(lines[(range?.end ?? 0) - 1]).toBe('}')
  })

  it.each(
    config.mutate.filter(p => rangeOf(p) === undefined).map(p => [p] as const)
  )('the whole-file pattern %s matches source files', pattern => {
    expect(globSync(pattern, { cwd: ROOT }).length).toBeGreaterThan(0)
  })

  it.each(tests.map(t => [t] as const))(
    'the test pattern %s matches test files',
    pattern => {
      const relative = pattern.replace('<rootDir>/', '')
      expect(globSync(relative, { cwd: ROOT }).length).toBeGreaterThan(0)
    }
  )

  it('runs the tests of TESTS only', () => {
    expect(config.jest.config.testMatch).toEqual(tests)
  })
})
