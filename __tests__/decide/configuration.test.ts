/**
 * The configuration shipped with the code: what the inputs ask for, what
 * differs (by name, never by value), and the UpdateFunctionConfiguration
 * input that applies it or puts the previous configuration back.
 */
import { describe, expect, it } from '@jest/globals'
import {
  configDiff,
  configFingerprint,
  configUpdate,
  describeDiff,
  snapshotOf,
  wantedConfig,
  type ConfigSnapshot
} from '../../src/decide/configuration.js'
import { configurationHolder } from '../../src/decide/ownership.js'
import type { FunctionConfigInputs } from '../../src/inputs/types.js'

const NOW: ConfigSnapshot = {
  environment: { STAGE: 'prod', DB_PASSWORD: 's3cret' },
  memorySize: 512,
  timeout: 30,
  ephemeralStorage: 512,
  imageConfig: {},
  description: 'api'
}

function inputs(
  overrides: Partial<FunctionConfigInputs>
): FunctionConfigInputs {
  return {
    environment: undefined,
    environmentMode: 'merge',
    memorySize: undefined,
    timeout: undefined,
    ephemeralStorage: undefined,
    imageConfig: undefined,
    description: undefined,
    ...overrides
  }
}

describe('wantedConfig and configDiff', () => {
  it.each<[string, Partial<FunctionConfigInputs>, string[], string]>([
    ['no input: nothing changes', {}, [], 'no configuration change'],
    [
      'merge keeps the variables environment does not name',
      { environment: { STAGE: 'test' } },
      ['environment'],
      'environment (STAGE changed)'
    ],
    [
      'replace drops them',
      { environment: { STAGE: 'prod' }, environmentMode: 'replace' },
      ['environment'],
      'environment (DB_PASSWORD removed)'
    ],
    [
      'a new variable is added',
      { environment: { FEATURE: 'on' } },
      ['environment'],
      'environment (FEATURE added)'
    ],
    [
      'the same values change nothing',
      { environment: { STAGE: 'prod' }, memorySize: 512, timeout: 30 },
      [],
      'no configuration change'
    ],
    [
      'memory, timeout, storage, image config and description by name',
      {
        memorySize: 1024,
        timeout: 60,
        ephemeralStorage: 1024,
        imageConfig: { command: ['MyApi'] },
        description: 'v2'
      },
      [
        'memory-size',
        'timeout',
        'ephemeral-storage',
        'image-config',
        'function-description'
      ],
      'memory-size, timeout, ephemeral-storage, image-config, function-description'
    ]
  ])('%s', (_name, given, settings, text) => {
    const diff = configDiff(NOW, wantedConfig(NOW, inputs(given)))
    expect(diff.settings).toEqual(settings)
    expect(describeDiff(diff)).toBe(text)
    // Never a value: the secret's value appears nowhere in the words.
    expect(describeDiff(diff)).not.toContain('s3cret')
  })
})

describe('configUpdate', () => {
  it('is undefined when nothing differs: an unchanged configuration is not sent', () => {
    expect(configUpdate('api', NOW, { ...NOW }, 'r1')).toBeUndefined()
  })

  it('sends only what differs, the whole variable map, guarded by the revision', () => {
    const to = wantedConfig(NOW, inputs({ environment: { STAGE: 'test' } }))
    expect(configUpdate('api', NOW, to, 'r1')).toEqual({
      FunctionName: 'api',
      RevisionId: 'r1',
      Environment: { Variables: { STAGE: 'test', DB_PASSWORD: 's3cret' } }
    })
  })

  it('clears every variable with an empty map, and an override with empty values', () => {
    const to: ConfigSnapshot = { ...NOW, environment: {}, imageConfig: {} }
    const from: ConfigSnapshot = {
      ...NOW,
      imageConfig: { command: ['MyApi'], workingDirectory: '/app' }
    }
    expect(configUpdate('api', from, to, undefined)).toEqual({
      FunctionName: 'api',
      Environment: { Variables: {} },
      ImageConfig: { EntryPoint: [], Command: [], WorkingDirectory: '' }
    })
  })

  it('puts the previous configuration back: the reverse update', () => {
    const applied = wantedConfig(NOW, inputs({ memorySize: 2048 }))
    expect(configUpdate('api', applied, NOW, 'r2')).toEqual({
      FunctionName: 'api',
      RevisionId: 'r2',
      MemorySize: 512
    })
  })
})

describe('snapshotOf', () => {
  it('reads what GetFunction reports, an empty ImageConfig as none', () => {
    expect(
      snapshotOf({
        Environment: { Variables: { A: '1' } },
        MemorySize: 256,
        Timeout: 10,
        EphemeralStorage: { Size: 1024 },
        ImageConfigResponse: {
          ImageConfig: { Command: ['MyApi'], EntryPoint: [] }
        }
      })
    ).toEqual({
      environment: { A: '1' },
      memorySize: 256,
      timeout: 10,
      ephemeralStorage: 1024,
      imageConfig: { command: ['MyApi'] },
      description: ''
    })
  })
})

describe('configurationHolder', () => {
  const applied = wantedConfig(NOW, inputs({ memorySize: 2048 }))
  const left = {
    applied: configFingerprint(applied),
    previous: configFingerprint(NOW)
  }
  it.each<[string, ConfigSnapshot, string]>([
    ['what the run applied: ours', applied, 'ours'],
    ['what it replaced: put back already', { ...NOW }, 'put-back'],
    [
      'anything else: someone else changed it',
      { ...applied, timeout: 99 },
      'theirs'
    ],
    [
      'the same variables in another order: ours',
      {
        ...applied,
        environment: { DB_PASSWORD: 's3cret', STAGE: 'prod' }
      },
      'ours'
    ]
  ])('%s', (_name, now, holder) => {
    expect(configurationHolder(left, configFingerprint(now))).toBe(holder)
  })
})
