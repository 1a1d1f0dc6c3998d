// Mutation testing of the pure decision modules: `npm run mutate`.
// See docs/testing-mutation.md for what is mutated, the scores, and the
// surviving mutants that are explained rather than killed.
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import jestConfig from './jest.config.js'

const unit = jestConfig.projects.find(p => p.displayName === 'unit')
if (unit === undefined) throw new Error('jest.config.js has no unit project')

/**
 * What is mutated: whole files, or named top-level declarations of a file
 * (functions, constants, classes). Stryker itself only takes line ranges,
 * which do not follow edits; the ranges are computed here from the names
 * each time the config loads, so a moved function is still found and a
 * renamed or removed one fails the run (and __tests__/stryker-config.test.ts
 * in CI) instead of mutating whatever now sits on those lines.
 *
 * To add a module (e.g. the coming decide/ and ownership modules of issue
 * 23): add its file here (`{ file }` for the whole file, `{ file, names }`
 * for some of its declarations) and its unit tests to TESTS below.
 */
export const SCOPE = [
  { file: 'src/plan.ts' },
  { file: 'src/targets.ts' },
  // The undo records for the post step, derived from targets.ts.
  { file: 'src/post/pending-undo.ts' },
  // The per-function report and undo commands derived from targets.ts.
  { file: 'src/report/target-report.ts' },
  { file: 'src/inputs/*.ts' },
  { file: 'src/build/platform.ts' },
  { file: 'src/aws/ecr.ts', names: ['wildcardMatches', 'tagIsImmutable'] },
  {
    file: 'src/aws/ecr-image.ts',
    names: ['checkManifest', 'checkImagePlatform']
  },
  { file: 'src/checks/smoke.ts', names: ['evaluateResponse', 'joinUrl'] },
  {
    file: 'src/checks/invoke.ts',
    names: ['isPermanentFunctionError', 'TRANSIENT_ERRORS', 'invokeErrorAction']
  },
  // What a run does to each function, and whether it is still this run's.
  { file: 'src/decide/*.ts' }
]

/** The unit tests of the mutated modules (see SCOPE above). */
export const TESTS = [
  '<rootDir>/__tests__/plan.test.ts',
  '<rootDir>/__tests__/targets.test.ts',
  '<rootDir>/__tests__/inputs/**/*.test.ts',
  '<rootDir>/__tests__/build/platform.test.ts',
  '<rootDir>/__tests__/aws/ecr.test.ts',
  '<rootDir>/__tests__/checks/smoke.test.ts',
  '<rootDir>/__tests__/checks/invoke.test.ts',
  '<rootDir>/__tests__/decide/*.test.ts'
]

/** The names a top-level statement declares. */
function declaredNames(statement) {
  if (ts.isVariableStatement(statement))
    return statement.declarationList.declarations
      .map(d => (ts.isIdentifier(d.name) ? d.name.text : undefined))
      .filter(name => name !== undefined)
  const name = statement.name
  return name !== undefined && ts.isIdentifier(name) ? [name.text] : []
}

/**
 * The lines (1-based, inclusive: Stryker's `file:start-end`) of each named
 * top-level declaration of `file`, from its first keyword (after its doc
 * comment) to its closing line. Throws when a name is not declared there.
 */
export function rangesOf(file, names) {
  const text = readFileSync(new URL(file, import.meta.url), 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const line = position => source.getLineAndCharacterOfPosition(position).line
  return names.map(name => {
    const found = source.statements.find(s => declaredNames(s).includes(name))
    if (found === undefined)
      throw new Error(
        `stryker.config.js: ${file} declares no top-level ${name}; update SCOPE`
      )
    return {
      name,
      start: line(found.getStart(source)) + 1,
      end: line(found.getEnd()) + 1
    }
  })
}

/** Stryker's `mutate` patterns for SCOPE. */
export function mutatePatterns(scope = SCOPE) {
  return scope.flatMap(({ file, names }) =>
    names === undefined
      ? [file]
      : rangesOf(file, names).map(r => `${file}:${r.start}-${r.end}`)
  )
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  // The project is ESM: jest needs the VM modules flag in every test runner.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    projectType: 'custom',
    // Stryker merges this over jest.config.js shallowly: the unit project's
    // settings become the only project (no e2e, which needs local AWS), and
    // only the tests of the mutated modules run. A test of run() loads the
    // whole action and the AWS SDK again for every mutant (10 s and more of
    // CPU each, for some 1,400 mutants); the decisions are tested directly.
    config: { ...unit, projects: [], testMatch: TESTS }
  },
  coverageAnalysis: 'perTest',
  // The machine has 2 cores; on a shared machine pass `--concurrency 1`.
  concurrency: 2,
  mutate: mutatePatterns(),
  // .tools holds the pinned Node (scripts/use-node.sh), a symlink in a
  // worktree: not part of the sandbox.
  ignorePatterns: ['dist', 'coverage', 'reports', '.local-aws', '.tools'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // A later run tests again only the mutants whose code or covering tests
  // changed; `npm run mutate -- --force` tests every mutant.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  // ts-jest compiles every test file; the first (dry) run is the slow one.
  dryRunTimeoutMinutes: 15,
  timeoutMS: 10000
}
