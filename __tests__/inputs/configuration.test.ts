/**
 * The configuration inputs are refused before anything changes, naming the
 * input and the accepted form (Lambda's ranges and variable rules).
 */
import { describe, expect, it } from '@jest/globals'
import {
  environmentBytes,
  readConfiguration
} from '../../src/inputs/configuration.js'
import type { Mode } from '../../src/inputs/types.js'

const read =
  (inputs: Record<string, string>) =>
  (name: string): string =>
    inputs[name] ?? ''

const problems = (inputs: Record<string, string>, mode: Mode = 'deploy') =>
  readConfiguration(read(inputs), mode).problems

describe('readConfiguration', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['nothing given', {}, []],
    ['memory at both ends', { 'memory-size': '128' }, []],
    ['memory at the top', { 'memory-size': '10240' }, []],
    [
      'memory below',
      { 'memory-size': '127' },
      ['memory-size "127" must be a whole number of MB from 128 to 10240.']
    ],
    [
      'memory above',
      { 'memory-size': '10241' },
      ['memory-size "10241" must be a whole number of MB from 128 to 10240.']
    ],
    ['timeout 900', { timeout: '900' }, []],
    [
      'timeout 0',
      { timeout: '0' },
      ['timeout "0" must be a whole number of seconds from 1 to 900.']
    ],
    [
      'timeout 901',
      { timeout: '901' },
      ['timeout "901" must be a whole number of seconds from 1 to 900.']
    ],
    [
      'ephemeral 511',
      { 'ephemeral-storage': '511' },
      [
        'ephemeral-storage "511" must be a whole number of MB from 512 to 10240.'
      ]
    ],
    ['ephemeral 10240', { 'ephemeral-storage': '10240' }, []],
    [
      'not JSON (the text is not repeated)',
      { environment: 'A=secret' },
      [
        'environment must be a JSON object of string values, such as {"ASPNETCORE_ENVIRONMENT":"Production","FEATURE_X":"on"}.'
      ]
    ],
    [
      'a number value',
      { environment: '{"A1":1}' },
      [
        'environment must be a JSON object of string values, such as {"ASPNETCORE_ENVIRONMENT":"Production","FEATURE_X":"on"}.'
      ]
    ],
    [
      'a reserved name',
      { environment: '{"AWS_REGION":"eu-west-1"}' },
      [
        expect.stringMatching(
          /^environment: AWS_REGION is reserved/
        ) as unknown as string
      ]
    ],
    [
      'a one-letter name (Lambda wants at least two characters)',
      { environment: '{"A":"x"}' },
      [
        'environment: "A" is not a name Lambda allows: a letter, then at least one letter, digit or _.'
      ]
    ],
    [
      'a name with a dash',
      { environment: '{"MY-VAR":"x"}' },
      [
        'environment: "MY-VAR" is not a name Lambda allows: a letter, then at least one letter, digit or _.'
      ]
    ],
    [
      'environment-mode',
      { 'environment-mode': 'overwrite' },
      [
        'environment-mode "overwrite" must be merge (keep the variables environment does not name) or replace.'
      ]
    ],
    [
      'image-config with an unknown key',
      { 'image-config': '{"Cmd":["x"]}' },
      [expect.stringContaining('Cmd is not one of them') as unknown as string]
    ],
    [
      'function-url',
      { 'function-url': 'open' },
      [
        'function-url "open" must be none, public (anyone may call it) or iam (signed requests only).'
      ]
    ],
    [
      'role',
      { role: 'my-role' },
      [
        'role "my-role" is not an IAM role ARN (arn:aws:iam::123456789012:role/my-api-execution).'
      ]
    ]
  ])('%s', (_name, inputs, expected) => {
    expect(problems(inputs)).toEqual(expected)
  })

  it('counts 4 KB as Lambda does: the JSON of names and values, in UTF-8 bytes', () => {
    // {"BIG":"<v>"} is 10 bytes plus the value.
    const fits = { BIG: 'x'.repeat(4086) }
    expect(environmentBytes(fits)).toBe(4096)
    expect(problems({ environment: JSON.stringify(fits) })).toEqual([])
    const over = { BIG: 'x'.repeat(4085) + 'é' }
    expect(environmentBytes(over)).toBe(4097)
    expect(problems({ environment: JSON.stringify(over) })).toEqual([
      expect.stringContaining('take 4097 bytes as Lambda counts them')
    ])
  })

  it('refuses environment in preview mode: previews take preview-env', () => {
    expect(problems({ environment: '{"STAGE":"pr"}' }, 'preview')).toEqual([
      "environment is refused in mode: preview: a preview gets none of production's configuration; give its variables with preview-env."
    ])
  })

  it('reads every input into the typed configuration', () => {
    expect(
      readConfiguration(
        read({
          environment: '{"STAGE":"prod"}',
          'environment-mode': 'replace',
          'memory-size': '1024',
          timeout: '60',
          'ephemeral-storage': '1024',
          'image-config': '{"Command":["MyApi"],"WorkingDirectory":"/app"}',
          'function-description': 'My API',
          role: 'arn:aws:iam::123456789012:role/my-api',
          'function-url': 'public'
        }),
        'deploy'
      ).value
    ).toEqual({
      functionConfig: {
        environment: { STAGE: 'prod' },
        environmentMode: 'replace',
        memorySize: 1024,
        timeout: 60,
        ephemeralStorage: 1024,
        imageConfig: { command: ['MyApi'], workingDirectory: '/app' },
        description: 'My API'
      },
      role: 'arn:aws:iam::123456789012:role/my-api',
      functionUrl: 'public'
    })
  })
})
