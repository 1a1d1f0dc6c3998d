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

describe('readConfiguration: the forms mutation testing found unpinned', () => {
  const valueOf = (inputs: Record<string, string>) =>
    readConfiguration(read(inputs), 'deploy')
  const imageForm =
    'image-config must be a JSON object with EntryPoint and Command (arrays of strings) and WorkingDirectory (a string), each optional, such as {"Command":["MyApi"]}.'
  const envForm =
    'environment must be a JSON object of string values, such as {"ASPNETCORE_ENVIRONMENT":"Production","FEATURE_X":"on"}.'

  it('gives the defaults when nothing is given', () => {
    expect(valueOf({}).value).toStrictEqual({
      functionConfig: {
        environment: undefined,
        environmentMode: 'merge',
        memorySize: undefined,
        timeout: undefined,
        ephemeralStorage: undefined,
        imageConfig: undefined,
        description: undefined
      },
      role: undefined,
      functionUrl: 'none'
    })
  })

  // The names "Defined runtime environment variables" lists as reserved
  // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-runtime.html),
  // written out here rather than read from RESERVED_VARIABLES. _HANDLER and
  // _X_AMZN_TRACE_ID start with _, which the name pattern refuses first
  // (the message test below still needs them in the list).
  it.each([
    'AWS_DEFAULT_REGION',
    'AWS_REGION',
    'AWS_EXECUTION_ENV',
    'AWS_LAMBDA_FUNCTION_NAME',
    'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
    'AWS_LAMBDA_FUNCTION_VERSION',
    'AWS_LAMBDA_INITIALIZATION_TYPE',
    'AWS_LAMBDA_LOG_GROUP_NAME',
    'AWS_LAMBDA_LOG_STREAM_NAME',
    'AWS_ACCESS_KEY',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_LAMBDA_RUNTIME_API',
    'LAMBDA_TASK_ROOT',
    'LAMBDA_RUNTIME_DIR',
    'TZ'
  ])('refuses the reserved variable %s', name => {
    expect(problems({ environment: JSON.stringify({ [name]: 'x' }) })).toEqual([
      expect.stringMatching(new RegExp(`^environment: ${name} is reserved: `))
    ])
  })

  it('names every reserved variable in the problem, comma-separated', () => {
    expect(problems({ environment: '{"TZ":"UTC"}' })).toEqual([
      'environment: TZ is reserved: Lambda sets it itself (_HANDLER, _X_AMZN_TRACE_ID, AWS_DEFAULT_REGION, AWS_REGION, AWS_EXECUTION_ENV, AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_FUNCTION_VERSION, AWS_LAMBDA_INITIALIZATION_TYPE, AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME, AWS_ACCESS_KEY, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_LAMBDA_RUNTIME_API, LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR, TZ are reserved).'
    ])
  })

  it.each<[string, string, boolean]>([
    ['two letters', 'AB', true],
    ['a letter, a digit and _', 'a1_', true],
    ['a digit first', '1AB', false],
    ['_ first (not reserved)', '_AB', false],
    ['a dash last', 'AB-', false],
    ['a dot inside', 'A.B', false]
  ])('a variable name: %s', (_name, name, allowed) => {
    expect(problems({ environment: JSON.stringify({ [name]: 'x' }) })).toEqual(
      allowed
        ? []
        : [
            `environment: "${name}" is not a name Lambda allows: a letter, then at least one letter, digit or _.`
          ]
    )
  })

  it.each<[string, string]>([
    ['an array', '["A"]'],
    ['null', 'null'],
    ['a string', '"A"'],
    ['a list value', '{"AB":["x"]}'],
    ['a string and a number', '{"AB":"x","CD":1}']
  ])('environment: %s is refused', (_name, text) => {
    expect(valueOf({ environment: text })).toStrictEqual({
      problems: [envForm],
      value: expect.objectContaining({
        functionConfig: expect.objectContaining({ environment: undefined })
      })
    })
  })

  it('environment: an empty object is no variable, and given', () => {
    const { problems: found, value } = valueOf({ environment: '{}' })
    expect(found).toEqual([])
    expect(value?.functionConfig.environment).toStrictEqual({})
  })

  it.each<[string, string, number | undefined]>([
    ['a leading zero is still decimal', '0128', 128],
    ['hexadecimal', '0x80', undefined],
    ['an exponent', '1e3', undefined],
    ['a fraction', '128.0', undefined],
    ['seven digits', '0000128', undefined]
  ])('memory-size: %s', (_name, text, memorySize) => {
    const { problems: found, value } = valueOf({ 'memory-size': text })
    expect(value?.functionConfig.memorySize).toBe(memorySize)
    expect(found).toEqual(
      memorySize === undefined
        ? [
            `memory-size "${text}" must be a whole number of MB from 128 to 10240.`
          ]
        : []
    )
  })

  it('function-description: 256 characters are allowed, 257 are not', () => {
    expect(problems({ 'function-description': 'd'.repeat(256) })).toEqual([])
    expect(problems({ 'function-description': 'd'.repeat(257) })).toEqual([
      'function-description is 257 characters long; Lambda allows 256.'
    ])
  })

  it.each<[string, string, boolean]>([
    [
      'another partition and a path',
      'arn:aws-cn:iam::123456789012:role/service/my-api',
      true
    ],
    ['eleven account digits', 'arn:aws:iam::12345678901:role/my-api', false],
    ['a user, not a role', 'arn:aws:iam::123456789012:user/my-api', false],
    ['a prefix', 'x-arn:aws:iam::123456789012:role/my-api', false],
    ['a space in the name', 'arn:aws:iam::123456789012:role/my api', false],
    ['no name', 'arn:aws:iam::123456789012:role/', false],
    [
      'a name of 513 characters',
      `arn:aws:iam::123456789012:role/${'r'.repeat(513)}`,
      false
    ]
  ])('role: %s', (_name, role, allowed) => {
    expect(problems({ role })).toEqual(
      allowed
        ? []
        : [
            `role "${role}" is not an IAM role ARN (arn:aws:iam::123456789012:role/my-api-execution).`
          ]
    )
  })

  it.each<[string, string]>([
    ['not JSON', '{Command'],
    ['an array', '["MyApi"]'],
    ['null', 'null'],
    ['a string', '"MyApi"'],
    ['an EntryPoint that is a string', '{"EntryPoint":"dotnet"}'],
    ['a Command with a number', '{"Command":["MyApi",1]}'],
    ['a WorkingDirectory that is not a string', '{"WorkingDirectory":["/app"]}']
  ])('image-config: %s is refused with the form', (_name, text) => {
    const { problems: found, value } = valueOf({ 'image-config': text })
    expect(found).toEqual([imageForm])
    expect(value?.functionConfig.imageConfig).toBeUndefined()
  })

  it('image-config: every unknown key is named', () => {
    expect(problems({ 'image-config': '{"Cmd":["x"],"Workdir":"/"}' })).toEqual(
      [`${imageForm} Cmd, Workdir is not one of them.`]
    )
  })

  it.each<[string, string, object]>([
    [
      'every override',
      '{"EntryPoint":["dotnet"],"Command":["MyApi.dll"],"WorkingDirectory":"/app"}',
      {
        entryPoint: ['dotnet'],
        command: ['MyApi.dll'],
        workingDirectory: '/app'
      }
    ],
    [
      'empty lists and an empty directory: no override',
      '{"EntryPoint":[],"Command":[],"WorkingDirectory":""}',
      {}
    ],
    ['an empty object', '{}', {}]
  ])('image-config: %s', (_name, text, imageConfig) => {
    const { problems: found, value } = valueOf({ 'image-config': text })
    expect(found).toEqual([])
    expect(value?.functionConfig.imageConfig).toStrictEqual(imageConfig)
  })

  it.each<[string, Record<string, string>, Record<string, unknown>]>([
    [
      'environment-mode merge',
      { 'environment-mode': 'merge' },
      { environmentMode: 'merge' }
    ],
    ['function-url iam', { 'function-url': 'iam' }, { functionUrl: 'iam' }],
    ['function-url none', { 'function-url': 'none' }, { functionUrl: 'none' }]
  ])('%s is taken', (_name, inputs, taken) => {
    const { problems: found, value } = valueOf(inputs)
    expect(found).toEqual([])
    expect({ ...value, ...value?.functionConfig }).toMatchObject(taken)
  })
})
