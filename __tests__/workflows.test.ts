/**
 * The repository's own workflows run third-party code with its token (and,
 * in CI's deploy job, with `id-token: write`): every action they use is
 * pinned by a full commit SHA, which no one can move, with the version it
 * is in a comment for people and for Dependabot, which keeps them current.
 */
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const WORKFLOWS = path.join(ROOT, '.github', 'workflows')

interface Use {
  file: string
  line: number
  uses: string
  comment: string | undefined
}

/** Every `uses:` of a step or a job, comments left out. */
function usesOf(file: string, text: string): Use[] {
  return text.split('\n').flatMap((line, index) => {
    if (/^\s*#/.test(line) || !/^\s*(- )?uses:/.test(line)) return []
    const match =
      /^\s*(?:- )?uses:\s*(['"]?)([^'"\s#]+)\1\s*(?:#\s*(.*))?$/.exec(line)
    return [
      {
        file,
        line: index + 1,
        uses: match?.[2] ?? line.trim(),
        comment: match?.[3]?.trim()
      }
    ]
  })
}

/** Why a `uses:` is not pinned, if it is not. */
function pinProblem(use: Use): string | undefined {
  if (use.uses.startsWith('./')) return undefined
  const at = use.uses.lastIndexOf('@')
  const ref = at < 0 ? '' : use.uses.slice(at + 1)
  if (use.uses.startsWith('docker://'))
    return /^sha256:[0-9a-f]{64}$/.test(ref)
      ? undefined
      : 'a docker:// image must be pinned by its @sha256: digest'
  if (!/^[0-9a-f]{40}$/.test(ref))
    return `"${ref}" is not a full commit SHA (40 hex characters): a tag or branch can be moved`
  if (use.comment === undefined || !/^v\d+(\.\d+){0,2}\b/.test(use.comment))
    return 'the version the SHA is (e.g. # v5.1.0) must follow in a comment'
  return undefined
}

const files = readdirSync(WORKFLOWS).filter(f => /\.ya?ml$/.test(f))
const uses = files.flatMap(file =>
  usesOf(file, readFileSync(path.join(WORKFLOWS, file), 'utf8'))
)

describe('the workflows of this repository', () => {
  it('use some actions (the test reads them)', () => {
    expect(files.length).toBeGreaterThan(0)
    expect(uses.length).toBeGreaterThan(5)
  })

  it('pin every action by a full commit SHA, with its version in a comment', () => {
    const problems = uses.flatMap(use => {
      const problem = pinProblem(use)
      return problem === undefined
        ? []
        : [`${use.file}:${use.line} uses ${use.uses}: ${problem}`]
    })
    expect(problems).toEqual([])
  })

  it('are kept current by Dependabot', () => {
    const config = readFileSync(
      path.join(ROOT, '.github', 'dependabot.yml'),
      'utf8'
    )
    expect(config).toMatch(
      /- package-ecosystem: github-actions\n\s+directories:\n\s+- \/\n\s+- \/examples\/workflows\n/
    )
  })
})

/** Where users copy `uses:` lines from: the example workflows, README and docs. */
const USER_FACING = [
  ...readdirSync(path.join(ROOT, 'examples', 'workflows'))
    .filter(f => /\.ya?ml$/.test(f))
    .map(f => path.join('examples', 'workflows', f)),
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter(f => f.endsWith('.md'))
    .map(f => path.join('docs', f))
]

/** The major of each action these workflows run, from its version comment. */
function majorsInUse(all: Use[]): Map<string, number> {
  const majors = new Map<string, number>()
  for (const use of all) {
    const action = use.uses.slice(0, use.uses.lastIndexOf('@'))
    const major = /^v(\d+)/.exec(use.comment ?? '')?.[1]
    if (major === undefined || use.uses.startsWith('./')) continue
    majors.set(action, Math.max(majors.get(action) ?? 0, Number(major)))
  }
  return majors
}

/** `uses: owner/action@vN` older than the major the workflows run. */
function olderMajors(
  file: string,
  text: string,
  majors: Map<string, number>
): string[] {
  return [...text.matchAll(/uses:\s*['"]?([\w.-]+\/[\w./-]+)@v(\d+)\b/g)]
    .filter(([, action, major]) => {
      const current = majors.get(action ?? '')
      return current !== undefined && Number(major) < current
    })
    .map(
      ([, action, major]) =>
        `${file}: ${action}@v${major}, but the workflows run v${majors.get(action ?? '')}`
    )
}

describe('the examples users copy', () => {
  const majors = majorsInUse(uses)

  it('name no older major of an action than this repository runs', () => {
    expect(majors.get('actions/checkout')).toBeGreaterThanOrEqual(7)
    const problems = USER_FACING.flatMap(file =>
      olderMajors(file, readFileSync(path.join(ROOT, file), 'utf8'), majors)
    )
    expect(problems).toEqual([])
  })

  it('olderMajors finds an old major and leaves current and unknown ones', () => {
    const current = new Map([['actions/checkout', 7]])
    expect(
      olderMajors(
        'x.md',
        [
          '- uses: actions/checkout@v5',
          "- uses: 'actions/checkout@v7'",
          '- uses: actions/checkout@v8',
          '- uses: some/other@v1'
        ].join('\n'),
        current
      )
    ).toEqual(['x.md: actions/checkout@v5, but the workflows run v7'])
  })
})

describe('pinProblem', () => {
  const use = (uses: string, comment?: string): Use => ({
    file: 'ci.yml',
    line: 1,
    uses,
    comment
  })
  it.each<[string, Use, RegExp | undefined]>([
    ['a local action', use('./'), undefined],
    [
      'a SHA with its version',
      use(`actions/checkout@${'a'.repeat(40)}`, 'v5.1.0'),
      undefined
    ],
    [
      'an action in a subfolder',
      use(`github/codeql-action/init@${'b'.repeat(40)}`, 'v3.36.2'),
      undefined
    ],
    [
      'a major tag',
      use('actions/checkout@v5'),
      /"v5" is not a full commit SHA/
    ],
    [
      'a branch',
      use('actions/checkout@main'),
      /"main" is not a full commit SHA/
    ],
    [
      'a short SHA',
      use('actions/checkout@fbc6f39', 'v5.1.0'),
      /not a full commit SHA/
    ],
    ['no ref at all', use('actions/checkout'), /not a full commit SHA/],
    [
      'a SHA without its version',
      use(`actions/checkout@${'a'.repeat(40)}`),
      /must follow in a comment/
    ],
    ['a docker image by tag', use('docker://alpine:3'), /@sha256: digest/],
    [
      'a docker image by digest',
      use(`docker://alpine@sha256:${'c'.repeat(64)}`),
      undefined
    ]
  ])('%s', (_name, given, problem) => {
    const found = pinProblem(given) ?? 'pinned'
    expect(found).toMatch(problem ?? /^pinned$/)
  })

  it('reads quoted uses, comments and job-level reusable workflows', () => {
    expect(
      usesOf(
        'x.yml',
        [
          '# uses: not/this@v1 (a comment)',
          'jobs:',
          '  call:',
          "    uses: 'o/r/.github/workflows/w.yml@v2'",
          '    steps:',
          `      - uses: "a/b@${'d'.repeat(40)}" # v1.2.3`
        ].join('\n')
      )
    ).toEqual([
      {
        file: 'x.yml',
        line: 4,
        uses: 'o/r/.github/workflows/w.yml@v2',
        comment: undefined
      },
      {
        file: 'x.yml',
        line: 6,
        uses: `a/b@${'d'.repeat(40)}`,
        comment: 'v1.2.3'
      }
    ])
  })
})
