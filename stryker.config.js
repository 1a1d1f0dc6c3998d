// Mutation testing of the pure decision modules: `npm run mutate`.
// See docs/testing-mutation.md for what is mutated, the scores, and the
// surviving mutants that are explained rather than killed.
import jestConfig from './jest.config.js'

const unit = jestConfig.projects.find(p => p.displayName === 'unit')
if (unit === undefined) throw new Error('jest.config.js has no unit project')

/** The unit tests of the mutated modules (see `mutate` below). */
const TESTS = [
  '<rootDir>/__tests__/plan.test.ts',
  '<rootDir>/__tests__/targets.test.ts',
  '<rootDir>/__tests__/inputs/**/*.test.ts',
  '<rootDir>/__tests__/build/platform.test.ts',
  '<rootDir>/__tests__/aws/ecr.test.ts',
  '<rootDir>/__tests__/checks/smoke.test.ts',
  '<rootDir>/__tests__/checks/invoke.test.ts',
  '<rootDir>/__tests__/stages/image.test.ts'
]

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
  concurrency: 2,
  // A line range restricts a file to the functions in scope. Ranges do not
  // follow edits: when one of these files changes, check that each range
  // still covers its function (docs/testing-mutation.md).
  mutate: [
    'src/plan.ts',
    'src/targets.ts',
    'src/inputs/*.ts',
    'src/build/platform.ts',
    // tagIsImmutable
    'src/aws/ecr.ts:41-50',
    // checkManifest
    'src/aws/ecr-image.ts:88-126',
    // checkImagePlatform
    'src/aws/ecr-image.ts:281-298',
    // evaluateResponse, joinUrl
    'src/checks/smoke.ts:35-60',
    // isPermanentFunctionError, TRANSIENT_ERRORS, invokeErrorAction
    'src/checks/invoke.ts:58-110',
    // alreadyServing
    'src/stages/image.ts:234-247'
  ],
  ignorePatterns: ['dist', 'coverage', 'reports', '.local-aws'],
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
