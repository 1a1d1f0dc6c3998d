/**
 * runSpec: input reading ends in one case per mode. Each mode's spec has
 * only what that mode has, so the table pins what each kind of run carries.
 */
import { describe, expect, it } from '@jest/globals'
import { getInputs } from '../../src/inputs/read.js'
import { releasedAlias, runSpec } from '../../src/inputs/spec.js'
import type { Inputs, RunSpec } from '../../src/inputs/types.js'

const VALID: Record<string, string> = {
  'function-name': 'my-api',
  repository: 'team/my-api',
  tag: 'v1',
  'aws-region': 'eu-west-1'
}

const PREVIEW: Record<string, string> = {
  'pull-request': '7',
  'preview-role-arn': 'arn:aws:iam::123456789012:role/preview'
}

function inputs(values: Record<string, string>): Inputs {
  const all = { ...VALID, ...values }
  return getInputs(
    name => all[name] ?? '',
    {},
    () => ({ kind: 'file', size: 120 })
  )
}

function spec(values: Record<string, string>): RunSpec {
  return runSpec(inputs(values))
}

describe('runSpec', () => {
  it.each<[string, Record<string, string>, Partial<RunSpec>]>([
    [
      'a build to $LATEST',
      {},
      {
        mode: 'deploy',
        release: { kind: 'latest', publish: false },
        source: { kind: 'build' }
      }
    ],
    [
      'publish on $LATEST',
      { publish: 'true' },
      { mode: 'deploy', release: { kind: 'latest', publish: true } }
    ],
    [
      'an alias release',
      { alias: 'live' },
      {
        mode: 'deploy',
        release: { kind: 'alias', name: 'live', canary: undefined }
      }
    ],
    [
      'an alias with a canary',
      { alias: 'live', 'canary-percent': '10', 'canary-interval': '5m' },
      {
        mode: 'deploy',
        release: {
          kind: 'alias',
          name: 'live',
          canary: { percent: 10, intervalMs: 300_000 }
        }
      }
    ],
    [
      'rollback-to previous: an alias release',
      { alias: 'live', 'rollback-to': 'previous' },
      {
        mode: 'deploy',
        release: { kind: 'alias', name: 'live', canary: undefined },
        source: { kind: 'previous' }
      }
    ],
    [
      'a preview: on $LATEST, its own function',
      { mode: 'preview', ...PREVIEW },
      {
        mode: 'preview',
        release: { kind: 'latest', publish: false },
        source: { kind: 'build' },
        preview: {
          name: 'my-api-pr-7',
          full: 'my-api-pr-7',
          shortened: false,
          pullRequest: 7
        }
      }
    ],
    [
      'a cleanup: the preview only',
      { mode: 'cleanup', 'pull-request': '7' },
      {
        mode: 'cleanup',
        preview: {
          name: 'my-api-pr-7',
          full: 'my-api-pr-7',
          shortened: false,
          pullRequest: 7
        }
      }
    ]
  ])('%s', (_name, values, expected) => {
    expect(spec(values)).toMatchObject(expected)
  })

  it('a cleanup has no release, source or isolation; a deploy no preview', () => {
    const cleanup = spec({ mode: 'cleanup', 'pull-request': '7' })
    expect('release' in cleanup).toBe(false)
    expect('source' in cleanup || 'isolation' in cleanup).toBe(false)
    const deploy = spec({})
    expect('preview' in deploy || 'alias' in deploy).toBe(false)
  })

  it('the released alias: the alias name, or none on $LATEST', () => {
    expect(
      releasedAlias({ kind: 'alias', name: 'live', canary: undefined })
    ).toBe('live')
    expect(releasedAlias({ kind: 'latest', publish: true })).toBeUndefined()
  })

  // The readers refuse these combinations, so getInputs never hands them
  // over; runSpec still refuses them itself (its types cannot hold them),
  // with the input to fix, rather than build a spec that lies.
  it.each<[string, Partial<Inputs>, string]>([
    [
      'a preview without its pull request number',
      { pullRequest: undefined },
      'mode preview and cleanup need a pull request number (pull-request).'
    ],
    [
      'a preview without its name',
      { preview: undefined },
      'mode preview and cleanup need a pull request number (pull-request).'
    ],
    [
      'a preview of rollback-to: previous',
      { source: { kind: 'previous' } },
      'rollback-to: previous is for mode: deploy.'
    ]
  ])('refuses %s', (_name, change, message) => {
    const preview = inputs({ mode: 'preview', ...PREVIEW })
    expect(() => runSpec({ ...preview, ...change })).toThrow(message)
  })

  it('refuses a cleanup without its pull request number', () => {
    const cleanup = inputs({ mode: 'cleanup', 'pull-request': '7' })
    expect(() => runSpec({ ...cleanup, pullRequest: undefined })).toThrow(
      'mode preview and cleanup need a pull request number (pull-request).'
    )
  })

  it('refuses rollback-to: previous without an alias', () => {
    const rollback = inputs({ alias: 'live', 'rollback-to': 'previous' })
    expect(() => runSpec({ ...rollback, alias: undefined })).toThrow(
      'rollback-to: previous needs alias.'
    )
  })
})
