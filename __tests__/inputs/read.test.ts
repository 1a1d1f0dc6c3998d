import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { FileFacts, StatFile } from '../../src/inputs/files.js'
import { InputError, getInputs } from '../../src/inputs/read.js'
import type { Inputs } from '../../src/inputs/types.js'

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:my-api'
const URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/my-api'

/** The smallest set of inputs that is valid on its own. */
const VALID: Record<string, string> = {
  'function-name': 'my-api',
  repository: 'team/my-api',
  tag: 'v1',
  'aws-region': 'eu-west-1'
}

type Values = Record<string, string>

function reader(values: Values): (name: string) => string {
  return name => values[name] ?? ''
}

/** Every path is a small Dockerfile, unless `files` says otherwise. */
function fakeStat(files: Record<string, FileFacts> = {}): StatFile & {
  looked: string[]
} {
  const looked: string[] = []
  const stat = (path: string): FileFacts => {
    looked.push(path)
    return files[path] ?? { kind: 'file', size: 120 }
  }
  return Object.assign(stat, { looked })
}

function parse(
  values: Values,
  env: NodeJS.ProcessEnv = {},
  stat: StatFile = fakeStat()
): Inputs {
  return getInputs(reader({ ...VALID, ...values }), env, stat)
}

/** The problems getInputs reports for these inputs (none when it accepts them). */
function problems(
  values: Values,
  env: NodeJS.ProcessEnv = {},
  stat: StatFile = fakeStat()
): string[] {
  try {
    parse(values, env, stat)
  } catch (error) {
    if (error instanceof InputError) return error.problems
    throw error
  }
  return []
}

describe('getInputs with valid inputs', () => {
  it('fills defaults for everything optional', () => {
    expect(parse({})).toEqual({
      functionName: 'my-api',
      functionNames: ['my-api'],
      dryRun: false,
      publish: false,
      pruneVersions: undefined,
      alias: undefined,
      canary: undefined,
      source: { kind: 'build' },
      repository: { name: 'team/my-api', registryId: undefined },
      tag: 'v1',
      architecture: undefined,
      context: '.',
      file: undefined,
      target: undefined,
      buildArgs: [],
      labels: [],
      cacheFrom: [],
      cacheTo: [],
      secrets: [],
      secretFiles: [],
      builder: undefined,
      noCache: false,
      pull: false,
      restoreArchived: false,
      reuseUnchanged: false,
      waitTimeoutMs: 300_000,
      activationTimeoutMs: 900_000,
      smokeTest: true,
      smokeUrl: undefined,
      smokePath: '/',
      smokeExpectStatus: 200,
      smokeExpectBody: undefined,
      smokeTimeoutMs: 120_000,
      rollbackOnFailure: true,
      credentialsLifetimeMs: 3_600_000,
      region: 'eu-west-1',
      preflight: 'strict',
      eventSource: undefined,
      localRun: 'auto',
      localRunEnvironment: 'placeholders',
      localRunCredentials: false,
      mode: 'deploy',
      pullRequest: undefined,
      preview: undefined,
      previewUrlAuth: 'NONE',
      githubToken: undefined,
      headSha: undefined,
      // No configuration input: the function's configuration is left alone.
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

  it('trims values and passes context, file and target through', () => {
    const inputs = parse({
      'function-name': '  my-api\n',
      context: 'src/Api',
      file: 'src/Api/Dockerfile.lambda',
      target: 'runtime'
    })
    expect(inputs.functionName).toBe('my-api')
    expect(inputs.context).toBe('src/Api')
    expect(inputs.file).toBe('src/Api/Dockerfile.lambda')
    expect(inputs.target).toBe('runtime')
  })
})

describe('context and file', () => {
  it.each<[string, Values, string]>([
    [
      'a context that docker would take for an option',
      { context: '--help' },
      'context "--help" must be a directory path that does not start with - (docker would take it for an option): for example . or src/Api, or ./--help for a directory of that name.'
    ],
    [
      'a context of -',
      { context: '-' },
      'context "-" must be a directory path that does not start with - (docker would take it for an option): for example . or src/Api, or ./- for a directory of that name.'
    ],
    [
      'a file of - (standard input)',
      { file: '-' },
      'file "-" must be a path to a Dockerfile that does not start with - (docker would take it for an option, and - for standard input): for example src/Api/Dockerfile, or ./- for a file of that name.'
    ],
    [
      'a file that docker would take for an option',
      { file: '--no-cache' },
      'file "--no-cache" must be a path to a Dockerfile that does not start with - (docker would take it for an option, and - for standard input): for example src/Api/Dockerfile, or ./--no-cache for a file of that name.'
    ]
  ])('refuses %s', (_label, values, problem) => {
    const stat = fakeStat()
    expect(problems(values, {}, stat)).toEqual([problem])
    // Refused as written: the file system is not asked about it.
    expect(stat.looked).toEqual([])
  })

  it.each([' ./-', './--help', 'src/-x', '.'])(
    'takes the context %p: only a leading - is an option',
    context => {
      expect(parse({ context }).context).toBe(context.trim())
    }
  )

  it('looks at the file of a run that builds, and refuses a device', () => {
    const stat = fakeStat({ '/dev/zero': { kind: 'device', size: 0 } })
    expect(problems({ file: '/dev/zero' }, {}, stat)).toEqual([
      'file "/dev/zero" is a device, not a regular file: give the path of the Dockerfile, relative to the working directory (for example src/Api/Dockerfile).'
    ])
    expect(stat.looked).toEqual(['/dev/zero'])
  })

  it.each<[string, Values]>([
    ['an image input', { image: 'v0.9', tag: '' }],
    ['rollback-to', { 'rollback-to': 'v0.9', tag: '' }]
  ])(
    'does not look at the file of a run that builds nothing (%s)',
    (_label, values) => {
      const stat = fakeStat({ 'Dockerfile.gone': { kind: 'missing', size: 0 } })
      expect(
        problems({ ...values, file: 'Dockerfile.gone' }, {}, stat)
      ).toEqual([])
      expect(stat.looked).toEqual([])
    }
  )

  it('does not look at the file of a cleanup, whose job may not check it out', () => {
    const stat = fakeStat({ 'Dockerfile.gone': { kind: 'missing', size: 0 } })
    const inputs = parse(
      {
        mode: 'cleanup',
        'pull-request': '7',
        tag: '',
        file: 'Dockerfile.gone'
      },
      {},
      stat
    )
    expect(inputs.mode).toBe('cleanup')
    expect(stat.looked).toEqual([])
  })

  describe('on the real file system', () => {
    let dir: string
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'inputs-file-'))
    })
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true })
    })
    const real = (values: Values): string[] => {
      try {
        getInputs(reader({ ...VALID, ...values }), {})
      } catch (error) {
        if (error instanceof InputError) return error.problems
        throw error
      }
      return []
    }

    it('takes a Dockerfile and refuses a directory, a missing file, a FIFO and a device', () => {
      const dockerfile = path.join(dir, 'Dockerfile')
      writeFileSync(dockerfile, 'FROM public.ecr.aws/lambda/dotnet:8\n')
      expect(real({ file: dockerfile })).toEqual([])
      expect(real({ file: dir })).toEqual([
        expect.stringMatching(/^file ".*" is a directory, not a regular file: /)
      ])
      expect(real({ file: path.join(dir, 'nope') })).toEqual([
        expect.stringMatching(/^file ".*nope" does not exist: give the path/)
      ])
      expect(real({ file: '/dev/null' })).toEqual([
        'file "/dev/null" is a device, not a regular file: give the path of the Dockerfile, relative to the working directory (for example src/Api/Dockerfile).'
      ])
      const fifo = path.join(dir, 'fifo')
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
      expect(real({ file: fifo })).toEqual([
        expect.stringMatching(/^file ".*fifo" is a named pipe, not a regular/)
      ])
    })

    it('refuses a file bigger than 1 MiB', () => {
      const big = path.join(dir, 'Dockerfile.big')
      writeFileSync(big, Buffer.alloc(1024 * 1024 + 1, 0x23))
      expect(real({ file: big })).toEqual([
        `file "${big}" is 1.0 MiB, more than a Dockerfile's 1 MiB at most: give the path of the Dockerfile, relative to the working directory (for example src/Api/Dockerfile).`
      ])
      const exact = path.join(dir, 'Dockerfile.exact')
      writeFileSync(exact, Buffer.alloc(1024 * 1024, 0x23))
      expect(real({ file: exact })).toEqual([])
    })
  })
})

describe('function-name', () => {
  it.each([
    ['my-api', 'my-api'],
    ['My_Api-2', 'My_Api-2'],
    ['a'.repeat(64), 'a'.repeat(64)],
    [ARN, ARN],
    ['123456789012:function:my-api', '123456789012:function:my-api'],
    [
      'arn:aws-cn:lambda:cn-north-1:123456789012:function:my-api',
      'arn:aws-cn:lambda:cn-north-1:123456789012:function:my-api'
    ]
  ])('accepts %p', (input, expected) => {
    const region = input.includes('cn-north-1') ? 'cn-north-1' : 'eu-west-1'
    expect(
      parse({ 'function-name': input, 'aws-region': region }).functionName
    ).toBe(expected)
  })

  it.each([
    ['a space', 'my api'],
    ['a dot', 'my.api'],
    ['65 characters', 'a'.repeat(65)],
    ['a version qualifier', `${ARN}:7`],
    ['an alias qualifier', `${ARN}:live`],
    ['a layer ARN', 'arn:aws:lambda:eu-west-1:123456789012:layer:deps']
  ])('rejects %s, naming both accepted forms', (_label, input) => {
    expect(problems({ 'function-name': input })).toEqual([
      `function-name "${input}" is not a function name (1-64 letters, digits, - or _) or a function ARN without qualifier (arn:aws:lambda:<region>:<account>:function:<name>).`
    ])
  })

  it('is required', () => {
    expect(problems({ 'function-name': '' })).toEqual([
      expect.stringMatching(
        /^function-name is required: .*\(my-api\).*arn:aws:lambda:/
      )
    ])
  })
})

describe('repository', () => {
  it.each([
    ['team/my-api', { name: 'team/my-api', registryId: undefined }],
    ['my-api', { name: 'my-api', registryId: undefined }],
    [
      'org/team/my_api.v2',
      { name: 'org/team/my_api.v2', registryId: undefined }
    ],
    [URI, { name: 'team/my-api', registryId: '123456789012' }],
    [
      '123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/my-api',
      { name: 'my-api', registryId: '123456789012' }
    ]
  ])('parses %p', (input, expected) => {
    const region = input.includes('us-east-1') ? 'us-east-1' : 'eu-west-1'
    expect(
      parse({ repository: input, 'aws-region': region }).repository
    ).toEqual(expected)
  })

  it.each([
    ['uppercase', 'Team/My-Api'],
    ['a tag', 'team/my-api:latest'],
    ['a digest', `team/my-api@sha256:${'a'.repeat(64)}`],
    ['a URI with a tag', `${URI}:v1`],
    ['one character', 'a'],
    ['a leading separator', '-my-api'],
    ['a doubled slash', 'team//my-api']
  ])('rejects %s, naming the accepted forms', (_label, input) => {
    expect(problems({ repository: input })).toEqual([
      `repository "${input}" is not an ECR repository name (lowercase letters, digits, and . _ - / separators, 2-256 characters) or URI (<account>.dkr.ecr.<region>.amazonaws.com/<name>); give it without a tag or digest.`
    ])
  })

  it('is required', () => {
    expect(problems({ repository: '' })).toEqual([
      expect.stringMatching(/^repository is required: .*team\/my-api.*dkr\.ecr/)
    ])
  })
})

describe('tag', () => {
  it.each([
    ['v1', 'v1'],
    ['_build', '_build'],
    ['1.2.3-rc.1_b', '1.2.3-rc.1_b'],
    ['a'.repeat(128), 'a'.repeat(128)]
  ])('accepts %p', (tag, expected) => {
    expect(parse({ tag }).tag).toBe(expected)
  })

  it.each([
    ['129 characters', 'a'.repeat(129)],
    ['a leading dot', '.v1'],
    ['a leading dash', '-v1'],
    ['a slash', 'feature/x'],
    ['a colon', 'v1:2'],
    ['an @', 'v1@x'],
    ['a space', 'v 1']
  ])('rejects %s', (_label, tag) => {
    expect(problems({ tag })).toEqual([
      `tag "${tag}" is not a valid image tag: it must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} (no slashes, colons or @).`
    ])
  })

  it('defaults to GITHUB_SHA', () => {
    const sha = 'f'.repeat(40)
    expect(parse({ tag: '' }, { GITHUB_SHA: sha }).tag).toBe(sha)
  })

  it('prefers the tag input to GITHUB_SHA', () => {
    expect(parse({ tag: 'v2' }, { GITHUB_SHA: 'f'.repeat(40) }).tag).toBe('v2')
  })

  it('reports a missing tag when GITHUB_SHA is not set either', () => {
    expect(problems({ tag: '' })).toEqual([
      'tag is empty and GITHUB_SHA is not set: give a tag matching [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.'
    ])
  })
})

describe('architecture', () => {
  it.each([
    ['', undefined],
    ['x86_64', 'x86_64'],
    ['arm64', 'arm64'],
    ['ARM64', 'arm64'],
    ['X86_64', 'x86_64']
  ])('%p → %p', (architecture, expected) => {
    expect(parse({ architecture }).architecture).toBe(expected)
  })

  it.each(['amd64', 'aarch64', 'linux/arm64'])(
    'rejects the docker-style name %p',
    architecture => {
      expect(problems({ architecture })).toEqual([
        `architecture "${architecture}" must be x86_64 or arm64 (Lambda's names), or left empty to use the function's.`
      ])
    }
  )
})

describe('prune-versions (issue 24)', () => {
  it.each([
    ['1', 1],
    ['10', 10],
    ['100', 100]
  ])('keeps the newest %p versions', (text, n) => {
    expect(parse({ 'prune-versions': text }).pruneVersions).toBe(n)
  })

  it.each(['0', '101', '-3', '2.5', 'all', 'ten'])(
    'refuses %p before anything changes, naming the input and the accepted form',
    text => {
      expect(() => parse({ 'prune-versions': text })).toThrow(
        `prune-versions "${text}" must be how many of the newest published versions to keep, a whole number from 1 to 100`
      )
    }
  )

  it('is refused with mode: preview', () => {
    expect(() =>
      parse({
        mode: 'preview',
        'pull-request': '7',
        'prune-versions': '5'
      })
    ).toThrow('prune-versions is not used with mode: preview')
  })
})

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['45', 45_000],
    ['15m', 900_000]
  ])('wait-timeout and smoke-timeout %p → %p ms', (text, ms) => {
    const inputs = parse({ 'wait-timeout': text, 'smoke-timeout': text })
    expect(inputs.waitTimeoutMs).toBe(ms)
    expect(inputs.smokeTimeoutMs).toBe(ms)
  })

  it.each<[string, string, number]>([
    ['wait-timeout', '5s', 5_000],
    ['wait-timeout', '1h', 3_600_000],
    ['wait-timeout', '59m59s', 3_599_000],
    ['smoke-timeout', '1s', 1_000],
    ['smoke-timeout', '1000ms', 1_000],
    ['smoke-timeout', '14m60s', 900_000]
  ])('accepts %s %p at the ends of its range', (name, text, ms) => {
    const inputs = parse({ [name]: text })
    expect(
      name === 'wait-timeout' ? inputs.waitTimeoutMs : inputs.smokeTimeoutMs
    ).toBe(ms)
  })

  it.each<[string, string, string]>([
    ['wait-timeout', '4s', 'from 5s to 1h'],
    ['wait-timeout', '500ms', 'from 5s to 1h'],
    ['wait-timeout', '1h1s', 'from 5s to 1h'],
    ['wait-timeout', '9999h', 'from 5s to 1h'],
    ['wait-timeout', '9'.repeat(400), 'from 5s to 1h'],
    ['smoke-timeout', '999ms', 'from 1s to 15m'],
    ['smoke-timeout', '15m1s', 'from 1s to 15m'],
    ['smoke-timeout', '1h', 'from 1s to 15m'],
    ['smoke-timeout', '9999h', 'from 1s to 15m']
  ])('refuses %s %p: it must be %s', (name, text, range) => {
    expect(problems({ [name]: text })).toEqual([
      `${name} "${text}" must be ${range}.`
    ])
  })

  it.each(['5 minutes', '1.5m', '0', '0s', '-30', 'soon'])(
    'rejects %p',
    text => {
      expect(problems({ 'wait-timeout': text })).toEqual([
        `wait-timeout "${text}" is not a duration: use a number of seconds or forms like 90s, 5m, 1m30s, 1h.`
      ])
      expect(problems({ 'smoke-timeout': text })).toEqual([
        expect.stringMatching(
          /^smoke-timeout ".*" is not a duration: .*90s, 5m, 1m30s/
        )
      ])
    }
  )
})

describe('booleans', () => {
  it.each([
    ['', true],
    ['true', true],
    ['TRUE', true],
    ['false', false],
    ['False', false]
  ])('smoke-test and rollback-on-failure %p → %p', (text, expected) => {
    const inputs = parse({ 'smoke-test': text, 'rollback-on-failure': text })
    expect(inputs.smokeTest).toBe(expected)
    expect(inputs.rollbackOnFailure).toBe(expected)
  })

  it.each(['yes', '1', 'no', 'off'])('rejects %p', text => {
    expect(
      problems({ 'smoke-test': text, 'rollback-on-failure': text })
    ).toEqual([
      `smoke-test "${text}" must be true or false.`,
      `rollback-on-failure "${text}" must be true or false.`
    ])
  })
})

describe('smoke test inputs', () => {
  it.each([
    'https://abc123.lambda-url.eu-west-1.on.aws',
    'http://localhost:8080/base'
  ])('accepts the smoke-url %p', url => {
    expect(parse({ 'smoke-url': url }).smokeUrl).toBe(url)
  })

  it.each([
    'ftp://example.com',
    'abc123.lambda-url.eu-west-1.on.aws',
    'file:///etc/passwd'
  ])('rejects the smoke-url %p with an example of one', url => {
    expect(problems({ 'smoke-url': url })).toEqual([
      `smoke-url "${url}" is not an http(s) URL (for example https://abc123.lambda-url.us-east-1.on.aws).`
    ])
  })

  it('accepts a smoke-path starting with /', () => {
    expect(parse({ 'smoke-path': '/health?full=1' }).smokePath).toBe(
      '/health?full=1'
    )
  })

  it('rejects a smoke-path without a leading /', () => {
    expect(problems({ 'smoke-path': 'health' })).toEqual([
      'smoke-path "health" must start with / (for example /health).'
    ])
  })

  it.each([
    ['204', 204],
    ['404', 404],
    ['100', 100],
    ['599', 599]
  ])('smoke-expect-status %p → %p', (text, status) => {
    expect(parse({ 'smoke-expect-status': text }).smokeExpectStatus).toBe(
      status
    )
  })

  it.each(['99', '600', '2000', '20', 'ok', '2e2', '200.0'])(
    'rejects smoke-expect-status %p',
    text => {
      expect(problems({ 'smoke-expect-status': text })).toEqual([
        `smoke-expect-status "${text}" must be an HTTP status code from 100 to 599.`
      ])
    }
  )

  it.each(['Healthy', 'status: "ok"', '/health', 'a/b', '/api/v1/health'])(
    'reads smoke-expect-body %p as a substring',
    text => {
      expect(parse({ 'smoke-expect-body': text }).smokeExpectBody).toEqual({
        kind: 'substring',
        text
      })
    }
  )

  it('reads /pattern/flags as a regular expression', () => {
    const body = parse({
      'smoke-expect-body': '/^"?healthy"?$/i'
    }).smokeExpectBody
    if (body?.kind !== 'regex')
      throw new Error(`expected a regex, got ${JSON.stringify(body)}`)
    expect(body.regex.source).toBe('^"?healthy"?$')
    expect(body.regex.flags).toBe('i')
    expect(body.regex.test('HEALTHY')).toBe(true)
    expect(body.regex.test('unhealthy')).toBe(false)
  })

  it('reports an invalid regular expression with the engine message', () => {
    expect(problems({ 'smoke-expect-body': '/status: (ok/' })).toEqual([
      expect.stringMatching(
        /^smoke-expect-body \/status: \(ok\/ is not a valid \/regular expression\/: .*Unterminated group/
      )
    ])
  })
})

describe('region', () => {
  it.each([
    [
      'the aws-region input',
      { 'aws-region': 'eu-central-1' },
      { AWS_REGION: 'us-east-1' },
      'eu-central-1'
    ],
    [
      'a function ARN',
      { 'aws-region': '', 'function-name': ARN },
      { AWS_REGION: 'us-east-1' },
      'eu-west-1'
    ],
    [
      'a repository URI',
      { 'aws-region': '', repository: URI },
      { AWS_REGION: 'us-east-1' },
      'eu-west-1'
    ],
    [
      'AWS_REGION',
      { 'aws-region': '' },
      { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-west-2' },
      'us-east-1'
    ],
    [
      'AWS_DEFAULT_REGION',
      { 'aws-region': '' },
      { AWS_DEFAULT_REGION: 'us-west-2' },
      'us-west-2'
    ],
    ['GovCloud', { 'aws-region': 'us-gov-west-1' }, {}, 'us-gov-west-1']
  ])(
    'comes from %s',
    (_label, values: Values, env: NodeJS.ProcessEnv, expected) => {
      expect(parse(values, env).region).toBe(expected)
    }
  )

  it('is required', () => {
    expect(problems({ 'aws-region': '' })).toEqual([
      'aws-region: no AWS region. Set aws-region, or AWS_REGION (aws-actions/configure-aws-credentials sets it).'
    ])
  })

  it.each(['Europe', 'eu-west', 'EU-WEST-1'])('rejects %p', region => {
    expect(problems({ 'aws-region': region })).toEqual([
      `aws-region "${region}" is not an AWS region such as eu-west-1.`
    ])
  })

  it('rejects a function ARN in another region than aws-region', () => {
    expect(
      problems({ 'function-name': ARN, 'aws-region': 'us-east-1' })
    ).toEqual([
      'function-name is in eu-west-1 but the deploy runs in us-east-1: Lambda can only run images from an ECR repository in its own region (use ECR replication).'
    ])
  })

  it('rejects a repository URI in another region than the function', () => {
    const repository =
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/my-api'
    expect(
      problems({ 'function-name': ARN, repository, 'aws-region': '' })
    ).toEqual([
      expect.stringMatching(
        /^repository is in us-east-1 but the deploy runs in eu-west-1: .*ECR replication/
      )
    ])
  })
})

describe('multiline lists', () => {
  it('drops blank lines and # comments and trims each line', () => {
    const inputs = parse({
      'build-args':
        'CONFIGURATION=Release\n\n# the SDK image\n  DOTNET_VERSION=8.0  \r\nEMPTY=\nURL=https://x?a=b',
      labels:
        '# none yet\norg.opencontainers.image.source=https://github.com/o/r\n',
      'cache-from': 'type=gha\n\n# and the registry\ntype=registry,ref=x/cache',
      'cache-to': '  type=gha,mode=max  \n#type=inline'
    })
    expect(inputs.buildArgs).toEqual([
      'CONFIGURATION=Release',
      'DOTNET_VERSION=8.0',
      'EMPTY=',
      'URL=https://x?a=b'
    ])
    expect(inputs.labels).toEqual([
      'org.opencontainers.image.source=https://github.com/o/r'
    ])
    expect(inputs.cacheFrom).toEqual(['type=gha', 'type=registry,ref=x/cache'])
    expect(inputs.cacheTo).toEqual(['type=gha,mode=max'])
  })

  it.each([
    ['build-args', 'NO_VALUE'],
    ['build-args', '=value'],
    ['labels', 'maintainer'],
    ['labels', '=x']
  ])('%s rejects %p as not KEY=VALUE', (name, line) => {
    expect(problems({ [name]: `GOOD=1\n${line}` })).toEqual([
      `${name}: "${line}" is not KEY=VALUE (one per line).`
    ])
  })
})

describe('several problems', () => {
  it('reports them all in one error', () => {
    let thrown: unknown
    try {
      parse({
        'function-name': 'my api',
        repository: 'Team/API',
        tag: '.bad',
        architecture: 'amd64',
        'wait-timeout': 'forever',
        'smoke-path': 'health',
        'build-args': 'NOPE'
      })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(InputError)
    const error = thrown as InputError
    expect(error.problems.map(problem => problem.split(' ')[0])).toEqual([
      'function-name',
      'repository',
      'tag',
      'architecture',
      'smoke-path',
      'build-args:',
      'wait-timeout'
    ])
    expect(error.message.split('\n')).toEqual([
      'Invalid inputs:',
      ...error.problems.map(problem => `  - ${problem}`)
    ])
  })

  it('prefixes a single problem with "Invalid input:"', () => {
    expect(() => parse({ tag: '.bad' })).toThrow(/^Invalid input: tag "\.bad"/)
  })
})

describe('the order of problems', () => {
  it('follows the readers: functions, repository, tag, architecture, smoke, region, preview, release, preview tag, preflight, local run, build, verification', () => {
    expect(
      problems({
        'rollback-on-failure': 'x',
        'build-args': 'NOPE',
        preflight: 'x',
        'local-run': 'x',
        tag: 'a'.repeat(124),
        alias: 'live',
        'preview-url-auth': 'x',
        'pull-request': '7',
        mode: 'preview',
        'aws-region': 'Europe',
        'smoke-path': 'x',
        architecture: 'x',
        repository: 'Bad',
        'function-name': 'a\nb\nb'
      }).map(problem => problem.split(' ').slice(0, 2).join(' '))
    ).toEqual([
      'function-name lists', // b more than once
      'repository "Bad"',
      'architecture "x"',
      'smoke-path "x"',
      'aws-region "Europe"',
      'preview-url-auth "x"',
      'preview-role-arn is',
      'function-name lists', // 3 functions, but mode: preview
      'alias is',
      `tag "${'a'.repeat(124)}"`,
      'preflight "x"',
      'local-run "x"',
      'build-args: "NOPE"',
      'rollback-on-failure "x"'
    ])
  })
})
