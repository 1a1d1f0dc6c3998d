/**
 * describeRun: the run as the inputs ask for it, in the one line the log
 * starts with (which functions, which image, which release).
 */
import { describe, expect, it } from '@jest/globals'
import { describeRun } from '../../src/inputs/describe.js'
import { getInputs } from '../../src/inputs/read.js'
import type { Inputs } from '../../src/inputs/types.js'

const VALID: Record<string, string> = {
  'function-name': 'my-api',
  repository: 'team/my-api',
  tag: 'v1',
  'aws-region': 'eu-west-1'
}

/** The defaults of the smallest valid inputs (read as the action reads them). */
const BASE: Inputs = getInputs(
  name => VALID[name] ?? '',
  {},
  () => ({ kind: 'file', size: 120 })
)

describe('describeRun', () => {
  it.each<[string, Partial<Inputs>, string]>([
    [
      'one function, built and tagged',
      {},
      'Function my-api, repository team/my-api, tag v1, region eu-west-1'
    ],
    [
      'several functions, comma-separated',
      { functionNames: ['a-api', 'b-api'], functionName: 'a-api' },
      'Functions a-api, b-api, repository team/my-api, tag v1, region eu-west-1'
    ],
    [
      'a dry run says so first',
      { dryRun: true },
      'Dry run (nothing will be changed): Function my-api, repository team/my-api, tag v1, region eu-west-1'
    ],
    [
      'no repository name',
      { repository: { name: '', registryId: undefined } },
      'Function my-api, repository —, tag v1, region eu-west-1'
    ],
    [
      'rollback-to previous, with its alias',
      { source: { kind: 'previous' }, alias: 'live' },
      'Function my-api, repository team/my-api, rollback-to previous (alias live), region eu-west-1, alias live'
    ],
    [
      'an existing image by digest (the digest, not the tag)',
      {
        source: {
          kind: 'existing',
          input: 'image',
          tag: 'v1',
          digest: 'sha256:abc',
          registry: undefined
        }
      },
      'Function my-api, repository team/my-api, image sha256:abc (no build), region eu-west-1'
    ],
    [
      'an existing image by tag',
      {
        source: {
          kind: 'existing',
          input: 'rollback-to',
          tag: 'v0.9',
          digest: undefined,
          registry: undefined
        }
      },
      'Function my-api, repository team/my-api, rollback-to v0.9 (no build), region eu-west-1'
    ],
    [
      'an alias without a canary, even with publish',
      { alias: 'live', publish: true },
      'Function my-api, repository team/my-api, tag v1, region eu-west-1, alias live'
    ],
    [
      'an alias with a canary',
      { alias: 'live', canary: { percent: 10, intervalMs: 600_000 } },
      'Function my-api, repository team/my-api, tag v1, region eu-west-1, alias live (canary 10% for 10m0s)'
    ],
    [
      'publish, and prune',
      { publish: true, pruneVersions: 5 },
      'Function my-api, repository team/my-api, tag v1, region eu-west-1, publish a version, prune versions beyond the newest 5 before publishing'
    ]
  ])('%s', (_name, overrides, line) => {
    expect(describeRun({ ...BASE, ...overrides })).toBe(line)
  })
})
