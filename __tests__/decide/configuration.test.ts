/**
 * The configuration shipped with the code: what the inputs ask for, what
 * differs (by name, never by value), and the UpdateFunctionConfiguration
 * input that applies it or puts the previous configuration back.
 */
import { describe, expect, it } from '@jest/globals'
import type { FunctionConfiguration } from '@aws-sdk/client-lambda'
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
    ],
    [
      'environment-mode replace without environment keeps every variable',
      { environmentMode: 'replace' },
      [],
      'no configuration change'
    ],
    [
      'a working directory alone is an image-config change',
      { imageConfig: { workingDirectory: '/app' } },
      ['image-config'],
      'image-config'
    ],
    [
      'several variables: by name in order, comma-separated',
      { environment: { Z_NEW: '1', STAGE: 'test', A_NEW: '2' } },
      ['environment'],
      'environment (A_NEW added, STAGE changed, Z_NEW added)'
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
    expect(configUpdate('api', NOW, to, 'r1')).toStrictEqual({
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
    expect(configUpdate('api', from, to, undefined)).toStrictEqual({
      FunctionName: 'api',
      Environment: { Variables: {} },
      ImageConfig: { EntryPoint: [], Command: [], WorkingDirectory: '' }
    })
  })

  // toStrictEqual: a key with an undefined value (RevisionId without a
  // revision) is a difference, not the same input.
  it.each<[string, ConfigSnapshot, string | undefined, object]>([
    [
      'a timeout alone',
      { ...NOW, timeout: 60 },
      'r1',
      { RevisionId: 'r1', Timeout: 60 }
    ],
    [
      'ephemeral storage alone',
      { ...NOW, ephemeralStorage: 1024 },
      'r1',
      { RevisionId: 'r1', EphemeralStorage: { Size: 1024 } }
    ],
    [
      'ephemeral storage GetFunction did not report: nothing sent',
      { ...NOW, ephemeralStorage: undefined },
      'r1',
      { RevisionId: 'r1' }
    ],
    [
      'a description alone, without a revision: no RevisionId',
      { ...NOW, description: 'v2' },
      undefined,
      { Description: 'v2' }
    ],
    [
      'an image config alone: every override as given',
      {
        ...NOW,
        imageConfig: {
          entryPoint: ['dotnet'],
          command: ['MyApi.dll'],
          workingDirectory: '/app'
        }
      },
      'r1',
      {
        RevisionId: 'r1',
        ImageConfig: {
          EntryPoint: ['dotnet'],
          Command: ['MyApi.dll'],
          WorkingDirectory: '/app'
        }
      }
    ]
  ])('%s', (_name, to, revisionId, sent) => {
    expect(configUpdate('api', NOW, to, revisionId)).toStrictEqual({
      FunctionName: 'api',
      ...sent
    })
  })

  it('puts the previous configuration back: the reverse update', () => {
    const applied = wantedConfig(NOW, inputs({ memorySize: 2048 }))
    expect(configUpdate('api', applied, NOW, 'r2')).toStrictEqual({
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

describe('snapshotOf: what GetFunction reports, reduced', () => {
  const bare = {
    environment: {},
    memorySize: undefined,
    timeout: undefined,
    ephemeralStorage: undefined,
    imageConfig: {},
    description: ''
  }
  it.each<[string, FunctionConfiguration, ConfigSnapshot]>([
    [
      'nothing reported: no variables, sizes, override or description',
      {},
      bare
    ],
    [
      'an ImageConfigResponse without ImageConfig (only an error): no override',
      { ImageConfigResponse: { Error: { ErrorCode: 'E', Message: 'm' } } },
      bare
    ],
    [
      'an empty ImageConfig: no override',
      { ImageConfigResponse: { ImageConfig: {} } },
      bare
    ],
    [
      'empty lists and an empty directory: no override',
      {
        ImageConfigResponse: {
          ImageConfig: { EntryPoint: [], Command: [], WorkingDirectory: '' }
        }
      },
      bare
    ],
    [
      'every override, and the description',
      {
        Description: 'api',
        ImageConfigResponse: {
          ImageConfig: {
            EntryPoint: ['dotnet'],
            Command: ['MyApi.dll'],
            WorkingDirectory: '/app'
          }
        }
      },
      {
        ...bare,
        imageConfig: {
          entryPoint: ['dotnet'],
          command: ['MyApi.dll'],
          workingDirectory: '/app'
        },
        description: 'api'
      }
    ],
    [
      'a working directory alone',
      { ImageConfigResponse: { ImageConfig: { WorkingDirectory: '/app' } } },
      { ...bare, imageConfig: { workingDirectory: '/app' } }
    ]
  ])('%s', (_name, config, snapshot) => {
    expect(snapshotOf(config)).toStrictEqual(snapshot)
  })
})

describe('configFingerprint', () => {
  const withImage = (
    imageConfig: ConfigSnapshot['imageConfig']
  ): ConfigSnapshot => ({
    ...NOW,
    imageConfig
  })
  it.each<[string, ConfigSnapshot, ConfigSnapshot, boolean]>([
    [
      'another ephemeral storage: another fingerprint',
      NOW,
      { ...NOW, ephemeralStorage: 1024 },
      false
    ],
    [
      'another memory size: another fingerprint',
      NOW,
      { ...NOW, memorySize: 1024 },
      false
    ],
    [
      'another description: another fingerprint',
      NOW,
      { ...NOW, description: 'v2' },
      false
    ],
    [
      'another entry point: another fingerprint',
      withImage({ entryPoint: ['a'] }),
      withImage({ entryPoint: ['b'] }),
      false
    ],
    [
      'another command: another fingerprint',
      withImage({ command: ['a'] }),
      withImage({ command: ['b'] }),
      false
    ],
    [
      'another working directory: another fingerprint',
      withImage({ workingDirectory: '/a' }),
      withImage({ workingDirectory: '/b' }),
      false
    ],
    [
      'an empty entry point is none: the same fingerprint',
      withImage({ entryPoint: [] }),
      withImage({}),
      true
    ],
    [
      'an empty command is none: the same fingerprint',
      withImage({ command: [] }),
      withImage({}),
      true
    ],
    [
      'an empty working directory is none: the same fingerprint',
      withImage({ workingDirectory: '' }),
      withImage({}),
      true
    ]
  ])('%s', (_name, a, b, same) => {
    expect(configFingerprint(a) === configFingerprint(b)).toBe(same)
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
