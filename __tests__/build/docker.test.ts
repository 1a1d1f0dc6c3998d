import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  buildWithBuildx,
  buildWithDocker,
  builderDriver,
  dockerLogin,
  hasBuildx,
  needsContainerBuilder,
  prepareDockerConfig,
  tokenLikeBuildArgs,
  buildArgValuesToMask,
  type BuildContext
} from '../../src/build/docker.js'
import {
  pushArgs,
  buildxArgs,
  digestFromMetadata,
  digestFromPushOutput,
  fallbackBuildArgs,
  secretEnv,
  type BuildRequest
} from '../../src/build/argv.js'
import { DeployError, LocalTagMovedError } from '../../src/util/errors.js'
import {
  fakeExec,
  writesBuildxMetadata,
  writesImageId,
  type ScriptEntry
} from '../../__fixtures__/exec.js'

const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const IMAGE = `${REGISTRY}/team/my-api:v1`
const DIGEST = `sha256:${'4e'.repeat(32)}`
const OTHER_DIGEST = `sha256:${'0a'.repeat(32)}`
/** Local image ids (the config digest docker reports). */
const BUILT_ID = `sha256:${'b1'.repeat(32)}`
const STALE_ID = `sha256:${'5e'.repeat(32)}`
const ENV = { DOCKER_CONFIG: '/tmp/docker-config-test' }

const request = (overrides: Partial<BuildRequest> = {}): BuildRequest => ({
  context: '.',
  file: undefined,
  target: undefined,
  buildArgs: [],
  labels: [],
  cacheFrom: [],
  cacheTo: [],
  secrets: [],
  secretFiles: [],
  noCache: false,
  pull: false,
  platform: 'linux/amd64',
  imageRef: IMAGE,
  ...overrides
})

const NUGET_TOKEN = 'oy2nugetfeedtokenvalue-never-in-argv'
const SECRETS: Partial<BuildRequest> = {
  secrets: [
    { id: 'nuget', value: NUGET_TOKEN },
    { id: 'npm.token', value: 'second value' }
  ],
  secretFiles: [{ id: 'nuget-config', path: '/runner/temp/nuget.config' }]
}

// What `docker push` prints (stdout), layer ids shortened by docker itself.
const PUSH_OUTPUT = `The push refers to repository [${REGISTRY}/team/my-api]
5f70bf18a086: Preparing
d9b7b2e5e5b4: Preparing
e3a0e2ab7b0e: Preparing
5f70bf18a086: Layer already exists
e3a0e2ab7b0e: Pushed
d9b7b2e5e5b4: Pushed
v1: digest: ${DIGEST} size: 1573
`

describe('buildxArgs', () => {
  const META = '/work/build-metadata.json'
  const FIXED = [
    '--provenance=false',
    '--sbom=false',
    '--push',
    '--metadata-file',
    META
  ]
  it.each<[string, Partial<BuildRequest>, string | undefined, string[]]>([
    [
      'x86_64',
      {},
      undefined,
      [
        'buildx',
        'build',
        '--platform',
        'linux/amd64',
        '--tag',
        IMAGE,
        ...FIXED,
        '.'
      ]
    ],
    [
      'arm64',
      { platform: 'linux/arm64' },
      undefined,
      [
        'buildx',
        'build',
        '--platform',
        'linux/arm64',
        '--tag',
        IMAGE,
        ...FIXED,
        '.'
      ]
    ],
    [
      'file, target, build args and labels',
      {
        context: 'src/Api',
        file: 'src/Api/Dockerfile',
        target: 'runtime',
        buildArgs: ['CONFIGURATION=Release', 'VERSION=1.2'],
        labels: ['team=api']
      },
      undefined,
      [
        'buildx',
        'build',
        '--platform',
        'linux/amd64',
        '--tag',
        IMAGE,
        '--file',
        'src/Api/Dockerfile',
        '--target',
        'runtime',
        '--build-arg',
        'CONFIGURATION=Release',
        '--build-arg',
        'VERSION=1.2',
        '--label',
        'team=api',
        ...FIXED,
        'src/Api'
      ]
    ],
    [
      'GitHub cache',
      { cacheFrom: ['type=gha'], cacheTo: ['type=gha,mode=max'] },
      'aspnet-lambda-deploy-1',
      [
        'buildx',
        'build',
        '--builder',
        'aspnet-lambda-deploy-1',
        '--platform',
        'linux/amd64',
        '--tag',
        IMAGE,
        ...FIXED,
        '--cache-from',
        'type=gha',
        '--cache-to',
        'type=gha,mode=max',
        '.'
      ]
    ],
    [
      'several caches',
      {
        cacheFrom: ['type=registry,ref=x/cache', 'type=gha'],
        cacheTo: ['type=inline']
      },
      undefined,
      [
        'buildx',
        'build',
        '--platform',
        'linux/amd64',
        '--tag',
        IMAGE,
        ...FIXED,
        '--cache-from',
        'type=registry,ref=x/cache',
        '--cache-from',
        'type=gha',
        '--cache-to',
        'type=inline',
        '.'
      ]
    ]
  ])('%s', (_label, overrides, builder, expected) => {
    expect(buildxArgs(request(overrides), META, builder)).toEqual(expected)
  })
})

describe('build secrets, no-cache and pull in the argv', () => {
  const SECRET_ARGV = [
    '--secret',
    'id=nuget,env=ASPNET_LAMBDA_DEPLOY_SECRET_0',
    '--secret',
    'id=npm.token,env=ASPNET_LAMBDA_DEPLOY_SECRET_1',
    '--secret',
    'id=nuget-config,src=/runner/temp/nuget.config'
  ]
  it.each<[string, Partial<BuildRequest>, string[]]>([
    ['secrets and secret files', SECRETS, SECRET_ARGV],
    ['no-cache', { noCache: true }, ['--no-cache']],
    ['pull', { pull: true }, ['--pull']],
    [
      'all of them',
      { ...SECRETS, noCache: true, pull: true },
      [...SECRET_ARGV, '--no-cache', '--pull']
    ],
    ['none', {}, []]
  ])('%s', (_label, overrides, expected) => {
    const common = ['--platform', 'linux/amd64', '--tag', IMAGE, ...expected]
    const buildx = buildxArgs(request(overrides), '/m.json')
    expect(buildx.slice(2, 2 + common.length)).toEqual(common)
    expect(buildx[2 + common.length]).toBe('--provenance=false')
    const fallback = fallbackBuildArgs(request(overrides), '/iid')
    expect(fallback.slice(1, 1 + common.length)).toEqual(common)
    expect(fallback[1 + common.length]).toBe('--iidfile')
  })

  it('never puts a secret value in argv; the environment carries it', () => {
    const argv = buildxArgs(request(SECRETS), '/m.json').join(' ')
    expect(argv).not.toContain(NUGET_TOKEN)
    expect(argv).not.toContain('second value')
    expect(fallbackBuildArgs(request(SECRETS), '/iid').join(' ')).not.toContain(
      NUGET_TOKEN
    )
    expect(secretEnv(request(SECRETS))).toEqual({
      ASPNET_LAMBDA_DEPLOY_SECRET_0: NUGET_TOKEN,
      ASPNET_LAMBDA_DEPLOY_SECRET_1: 'second value'
    })
    expect(secretEnv(request())).toEqual({})
  })
})

describe('tokenLikeBuildArgs', () => {
  it.each<[string, string[]]>([
    ['CONFIGURATION=Release', []],
    ['VERSION=1.2.3', []],
    ['BUILD_COMMIT=0123456789abcdef0123456789abcdef01234567', []],
    ['KEYBOARD=us', []],
    ['CACHE_BUST=1', []],
    ['EMPTY=', []],
    ['NUGET_TOKEN=x', ['NUGET_TOKEN']],
    ['github_token=x', ['github_token']],
    ['CLIENT_SECRET=x', ['CLIENT_SECRET']],
    ['DB_PASSWORD=x', ['DB_PASSWORD']],
    ['NUGET_API_KEY=x', ['NUGET_API_KEY']],
    ['KEY=x', ['KEY']],
    ['FEED_PAT=x', ['FEED_PAT']],
    ['AWS_CREDENTIALS=x', ['AWS_CREDENTIALS']],
    [`FEED=ghp_${'a'.repeat(36)}`, ['FEED']],
    [`FEED=github_pat_${'A1_'.repeat(10)}`, ['FEED']],
    ['ID=AKIAIOSFODNN7EXAMPLE', ['ID']],
    ['ID=AKIAIOSFODNN7EXAMPL', []],
    [`NPM=npm_${'b'.repeat(36)}`, ['NPM']],
    [`GL=glpat-${'c'.repeat(20)}`, ['GL']],
    [`AUTH=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.sig`, ['AUTH']],
    [`FEED=oy2${'d'.repeat(43)}`, ['FEED']]
  ])('%p → %p', (arg, expected) => {
    expect(tokenLikeBuildArgs([arg]).map(a => a.name)).toEqual(expected)
  })

  it('finds every one, in order, with its value', () => {
    expect(
      tokenLikeBuildArgs(['A_TOKEN=one', 'PLAIN=x', `B=ghp_${'z'.repeat(36)}`])
    ).toEqual([
      { name: 'A_TOKEN', value: 'one' },
      { name: 'B', value: `ghp_${'z'.repeat(36)}` }
    ])
  })
})

describe('buildArgValuesToMask', () => {
  it.each<[string, string[]]>([
    ['NUGET_TOKEN=s3cr3t-value', ['s3cr3t-value']],
    [`FEED=ghp_${'a'.repeat(36)}`, [`ghp_${'a'.repeat(36)}`]],
    ['PASSWORD=a=b=c', ['a=b=c']],
    // docker takes the value from its environment: nothing in the log.
    ['NUGET_TOKEN', []],
    ['NUGET_TOKEN=', []],
    // No credential, and masking it would hide every "1" in the log.
    ['API_KEY=1', []],
    ['USE_TOKEN=yes', []],
    ['CONFIGURATION=Release', []]
  ])('%p → %p', (arg, expected) => {
    expect(buildArgValuesToMask([arg])).toEqual(expected)
  })
})

describe('fallbackBuildArgs', () => {
  const IID = '/work/build-image-id'
  it.each<[string, Partial<BuildRequest>, string[]]>([
    [
      'x86_64',
      {},
      [
        'build',
        '--platform',
        'linux/amd64',
        '--tag',
        IMAGE,
        '--iidfile',
        IID,
        '--',
        '.'
      ]
    ],
    [
      'arm64 with everything',
      {
        platform: 'linux/arm64',
        context: 'app',
        file: 'app/Dockerfile',
        target: 'final',
        buildArgs: ['A=1'],
        labels: ['l=v'],
        cacheFrom: ['type=gha'],
        cacheTo: ['type=gha,mode=max']
      },
      [
        'build',
        '--platform',
        'linux/arm64',
        '--tag',
        IMAGE,
        '--file',
        'app/Dockerfile',
        '--target',
        'final',
        '--build-arg',
        'A=1',
        '--label',
        'l=v',
        '--iidfile',
        IID,
        '--',
        'app'
      ]
    ],
    [
      // Refused as inputs; were one to get through, -- keeps it a path.
      'a context that looks like an option',
      { context: '--help' },
      [
        'build',
        '--platform',
        'linux/amd64',
        '--tag',
        IMAGE,
        '--iidfile',
        IID,
        '--',
        '--help'
      ]
    ],
    [
      // Values that follow their flag are values, whatever they look like.
      'values that look like options',
      {
        file: '-',
        target: '--pull',
        buildArgs: ['--network=host'],
        labels: ['-q']
      },
      [
        'build',
        '--platform',
        'linux/amd64',
        '--tag',
        IMAGE,
        '--file',
        '-',
        '--target',
        '--pull',
        '--build-arg',
        '--network=host',
        '--label',
        '-q',
        '--iidfile',
        IID,
        '--',
        '.'
      ]
    ]
  ])('%s', (_label, overrides, expected) => {
    const args = fallbackBuildArgs(request(overrides), IID)
    expect(args).toEqual(expected)
    // The context is the one argument after --, and the last.
    expect(args.indexOf('--')).toBe(args.length - 2)
    // Plain docker build has none of buildx's flags.
    for (const flag of [
      '--push',
      '--provenance=false',
      '--sbom=false',
      '--metadata-file',
      '--cache-from',
      '--cache-to'
    ]) {
      expect(args).not.toContain(flag)
    }
  })
})

describe('digestFromMetadata', () => {
  it.each<[string, string, string | undefined]>([
    [
      'the pushed digest',
      JSON.stringify({
        'buildx.build.ref': 'builder/builder0/abc',
        'containerimage.config.digest': OTHER_DIGEST,
        'containerimage.digest': DIGEST,
        'image.name': IMAGE
      }),
      DIGEST
    ],
    [
      'no digest (nothing exported)',
      JSON.stringify({ 'buildx.build.ref': 'x' }),
      undefined
    ],
    [
      'only the config digest',
      JSON.stringify({ 'containerimage.config.digest': OTHER_DIGEST }),
      undefined
    ],
    [
      'a digest that is not sha256',
      JSON.stringify({ 'containerimage.digest': 'sha256:abc' }),
      undefined
    ],
    [
      'a digest that is not a string',
      JSON.stringify({ 'containerimage.digest': 42 }),
      undefined
    ],
    ['an empty file', '', undefined],
    ['not JSON', '{"containerimage.digest":', undefined],
    ['JSON null', 'null', undefined]
  ])('%s', (_label, metadata, expected) => {
    expect(digestFromMetadata(metadata)).toBe(expected)
  })
})

describe('digestFromPushOutput', () => {
  it('reads the digest from a real docker push output', () => {
    expect(digestFromPushOutput(PUSH_OUTPUT)).toBe(DIGEST)
  })

  it('takes the last digest line when there are several', () => {
    const output = `latest: digest: ${OTHER_DIGEST} size: 1573\nv1: digest: ${DIGEST} size: 1573\n`
    expect(digestFromPushOutput(output)).toBe(DIGEST)
  })

  it.each([
    [
      'no digest line',
      'The push refers to repository [x]\n5f70bf18a086: Pushed\n'
    ],
    ['a truncated digest', 'v1: digest: sha256:4e4e size: 1573'],
    ['an empty output', '']
  ])('finds nothing in %s', (_label, output) => {
    expect(digestFromPushOutput(output)).toBeUndefined()
  })
})

describe('needsContainerBuilder', () => {
  it.each<[string[], boolean]>([
    [[], false],
    [['type=inline'], false],
    [['mode=max,type=inline'], false],
    [['type=gha'], true],
    [['type=gha,mode=max'], true],
    [['type=registry,ref=x/cache'], true],
    [['x/cache:latest'], true],
    [['type=inline', 'type=gha'], true],
    [['type=inlined'], true]
  ])('cache-to %p → %p', (cacheTo, expected) => {
    expect(needsContainerBuilder([], cacheTo)).toBe(expected)
  })

  it.each<[string[], boolean]>([
    [['type=inline'], false],
    [['type=registry,ref=x/cache'], false],
    [['x/cache:latest'], false],
    // The docker driver cannot read the GitHub cache: restore-only gha
    // (no cache-to) needs the container builder as well.
    [['type=gha'], true],
    [['type=gha,scope=api'], true],
    [['scope=api,type=gha'], true],
    [['type=local,src=/tmp/cache'], true],
    [['type=s3,region=eu-west-1,bucket=b'], true],
    [['x/cache:latest', 'type=gha'], true]
  ])('cache-from %p alone → %p', (cacheFrom, expected) => {
    expect(needsContainerBuilder(cacheFrom, [])).toBe(expected)
  })

  it('cache-from that the docker driver reads, with a cache-to it cannot write', () => {
    expect(needsContainerBuilder(['type=inline'], ['type=gha'])).toBe(true)
  })
})

describe('builderDriver', () => {
  const inspect = (driver: string): string =>
    `Name:          default\nDriver:        ${driver}\nLast Activity: 2024-05-01 10:00:00 +0000 UTC\n\nNodes:\nName:      default\nEndpoint:  default\nStatus:    running\n`
  it.each([
    [inspect('docker'), 'docker'],
    [inspect('docker-container'), 'docker-container'],
    ['', undefined],
    ['Name: x\nNodes:\n', undefined]
  ])('reads the driver (%#)', (output, expected) => {
    expect(builderDriver(output)).toBe(expected)
  })
})

describe('hasBuildx', () => {
  it.each([
    [0, true],
    [1, false],
    [125, false]
  ])('exit code %p → %p', async (exitCode, expected) => {
    const fake = fakeExec([[['docker', 'buildx', 'version'], { exitCode }]])
    await expect(hasBuildx(fake.exec, ENV)).resolves.toBe(expected)
    expect(fake.calls).toHaveLength(1)
    expect(fake.calls[0]?.env).toEqual(ENV)
  })
})

describe('dockerLogin', () => {
  const PASSWORD = 'eyJwYXlsb2FkIjoiZWNyLXRva2VuIn0='

  it('passes the password on stdin only, with the private DOCKER_CONFIG', async () => {
    const fake = fakeExec([
      [['docker', 'login'], { stdout: 'Login Succeeded\n' }]
    ])
    await dockerLogin(fake.exec, REGISTRY, 'AWS', PASSWORD, ENV)
    expect(fake.argvs()).toEqual([
      ['docker', 'login', '--username', 'AWS', '--password-stdin', REGISTRY]
    ])
    expect(fake.calls[0]?.input).toBe(PASSWORD)
    expect(fake.calls[0]?.env).toEqual(ENV)
    expect(fake.argvs().flat().join(' ')).not.toContain(PASSWORD)
  })

  it('fails with the registry, exit code and docker message', async () => {
    const fake = fakeExec([
      [
        ['docker', 'login'],
        {
          exitCode: 1,
          stderr: `Error response from daemon: login attempt to https://${REGISTRY}/v2/ failed with status: 400 Bad Request\n`
        }
      ]
    ])
    const login = dockerLogin(fake.exec, REGISTRY, 'AWS', PASSWORD, ENV)
    await expect(login).rejects.toBeInstanceOf(DeployError)
    await expect(login).rejects.toThrow(
      `docker login to ${REGISTRY} failed (exit code 1):\nError response from daemon: login attempt to https://${REGISTRY}/v2/ failed with status: 400 Bad Request`
    )
  })

  it('uses stdout when stderr has only whitespace', async () => {
    const fake = fakeExec([
      [
        ['docker', 'login'],
        { exitCode: 1, stderr: '\n', stdout: 'denied: not authorized\n' }
      ]
    ])
    await expect(
      dockerLogin(fake.exec, REGISTRY, 'AWS', PASSWORD, ENV)
    ).rejects.toThrow(/failed \(exit code 1\):\ndenied: not authorized$/)
  })
})

describe('builds', () => {
  let workDir: string
  let warnings: string[]
  beforeEach(async () => {
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'docker-test-'))
    warnings = []
  })
  afterEach(async () => {
    await fs.rm(workDir, { recursive: true, force: true })
  })
  const context = (
    script: readonly ScriptEntry[]
  ): { ctx: BuildContext; fake: ReturnType<typeof fakeExec> } => {
    // Debian's 20.10 engine, as on this project's test machines (no push --platform).
    const fake = fakeExec([
      ...script,
      [['docker', 'version'], { stdout: '1.41\n' }]
    ])
    return {
      fake,
      ctx: {
        exec: fake.exec,
        env: ENV,
        workDir,
        log: () => undefined,
        warn: message => warnings.push(message)
      }
    }
  }

  describe('buildWithBuildx', () => {
    it('reads the digest from the metadata file buildx wrote', async () => {
      const { ctx, fake } = context([
        [
          ['docker', 'buildx', 'build'],
          writesBuildxMetadata({
            'containerimage.config.digest': OTHER_DIGEST,
            'containerimage.digest': DIGEST
          })
        ]
      ])
      await expect(
        buildWithBuildx(request(), ctx, 'my-builder')
      ).resolves.toEqual({ digest: DIGEST, builder: 'buildx' })
      const metadataFile = path.join(workDir, 'build-metadata.json')
      expect(fake.argvs()).toEqual([
        ['docker', ...buildxArgs(request(), metadataFile, 'my-builder')]
      ])
      expect(fake.calls[0]?.env).toEqual(ENV)
      expect(fake.calls[0]?.stream).toBe(true)
    })

    it('with a local run: --load and --iidfile instead of --push, the local run on the loaded image, then docker push', async () => {
      const { ctx, fake } = context([
        [['docker', 'buildx', 'build'], writesImageId(BUILT_ID)],
        [
          ['docker', 'image', 'inspect'],
          { stdout: `${BUILT_ID} linux/amd64\n` }
        ],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ])
      const seen: string[] = []
      ctx.beforePush = image => {
        seen.push(`${image.id} after ${fake.argvs().length} commands`)
        return Promise.resolve()
      }
      await expect(
        buildWithBuildx(request(), ctx, 'my-builder')
      ).resolves.toEqual({ digest: DIGEST, builder: 'buildx' })
      const metadataFile = path.join(workDir, 'build-metadata.json')
      const iidFile = path.join(workDir, 'build-image-id')
      const buildx = buildxArgs(request(), metadataFile, 'my-builder', iidFile)
      expect(buildx).not.toContain('--push')
      expect(buildx.join(' ')).toContain(
        `--provenance=false --sbom=false --load --iidfile ${iidFile} --metadata-file`
      )
      expect(fake.argvs()).toEqual([
        ['docker', ...buildx],
        [
          'docker',
          'image',
          'inspect',
          '--format',
          '{{.Id}} {{.Os}}/{{.Architecture}}',
          IMAGE
        ],
        ['docker', 'version', '--format', '{{.Client.APIVersion}}'],
        ['docker', 'push', IMAGE]
      ])
      expect(seen).toEqual([`${BUILT_ID} after 2 commands`])
    })

    it('gives BuildKit the secret values in its environment only', async () => {
      const { ctx, fake } = context([
        [
          ['docker', 'buildx', 'build'],
          writesBuildxMetadata({ 'containerimage.digest': DIGEST })
        ]
      ])
      await buildWithBuildx(request(SECRETS), ctx)
      const [call] = fake.calls
      expect(call?.env).toEqual({
        ...ENV,
        ASPNET_LAMBDA_DEPLOY_SECRET_0: NUGET_TOKEN,
        ASPNET_LAMBDA_DEPLOY_SECRET_1: 'second value'
      })
      expect(call?.argv.join(' ')).not.toContain(NUGET_TOKEN)
      expect(call?.argv).toContain('id=nuget,env=ASPNET_LAMBDA_DEPLOY_SECRET_0')
    })

    it('dry-run: builds with the image exporter and push=false, never --push', async () => {
      const { ctx, fake } = context([
        [['docker', 'buildx', 'build'], { exitCode: 0 }]
      ])
      await expect(
        buildWithBuildx(request({ dryRun: true }), ctx)
      ).resolves.toEqual({ digest: undefined, builder: 'buildx' })
      const argv = fake.argvs()[0] ?? []
      expect(argv).not.toContain('--push')
      expect(argv.join(' ')).toContain(
        '--provenance=false --sbom=false --output type=image,push=false --metadata-file'
      )
    })

    it('fails clearly when buildx wrote no metadata file', async () => {
      const { ctx } = context([
        [['docker', 'buildx', 'build'], { exitCode: 0 }]
      ])
      await expect(buildWithBuildx(request(), ctx)).rejects.toThrow(
        `docker buildx build succeeded but wrote no image digest to ${path.join(workDir, 'build-metadata.json')}.`
      )
    })

    it('fails clearly when the metadata has no image digest', async () => {
      const { ctx } = context([
        [
          ['docker', 'buildx', 'build'],
          writesBuildxMetadata({ 'buildx.build.ref': 'x' })
        ]
      ])
      await expect(buildWithBuildx(request(), ctx)).rejects.toThrow(
        /succeeded but wrote no image digest/
      )
    })

    it('reports a failed build with the last 15 lines of its output', async () => {
      const stderr = Array.from(
        { length: 30 },
        (_, i) => `line-${String(i + 1).padStart(2, '0')}`
      ).join('\n')
      const { ctx } = context([
        [['docker', 'buildx', 'build'], { exitCode: 1, stderr }]
      ])
      const error = await buildWithBuildx(request(), ctx).catch(
        (caught: unknown) => caught
      )
      expect(error).toBeInstanceOf(DeployError)
      const message = (error as DeployError).message
      expect(message.split('\n')).toEqual([
        'docker buildx build failed (exit code 1):',
        ...Array.from({ length: 15 }, (_, i) => `line-${i + 16}`)
      ])
    })
  })

  describe('buildWithDocker', () => {
    const inspectArgv = [
      'docker',
      'image',
      'inspect',
      '--format',
      '{{.Id}} {{.Os}}/{{.Architecture}}',
      IMAGE
    ]
    const iidFile = (): string => path.join(workDir, 'build-image-id')
    /** What `docker image inspect` prints for a local image. */
    const inspected = (id: string, platform: string): { stdout: string } => ({
      stdout: `${id} ${platform}\n`
    })

    it('builds, proves the tag is this build for its platform, then pushes and reads the pushed digest', async () => {
      const { ctx, fake } = context([
        [
          ['docker', 'build'],
          writesImageId(BUILT_ID, {
            stdout: 'Successfully built b1b1b1b1b1b1\n'
          })
        ],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ])
      await expect(buildWithDocker(request(), ctx)).resolves.toEqual({
        digest: DIGEST,
        builder: 'docker build'
      })
      expect(fake.argvs()).toEqual([
        ['docker', ...fallbackBuildArgs(request(), iidFile())],
        inspectArgv,
        ['docker', 'version', '--format', '{{.Client.APIVersion}}'],
        ['docker', 'push', IMAGE]
      ])
      expect(fake.calls.map(call => call.env)).toEqual([ENV, ENV, ENV, ENV])
      expect(warnings).toEqual([])
    })

    it('runs beforePush (the local run) with the image it built, before the push; a hook that throws pushes nothing', async () => {
      const script: ScriptEntry[] = [
        [['docker', 'build'], writesImageId(BUILT_ID)],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ]
      const seen: string[] = []
      const { ctx, fake } = context(script)
      ctx.beforePush = image => {
        seen.push(
          `${image.id} ${image.ref} after ${fake.argvs().length} commands`
        )
        return Promise.resolve()
      }
      await expect(buildWithDocker(request(), ctx)).resolves.toEqual({
        digest: DIGEST,
        builder: 'docker build'
      })
      // After the build and the inspect that proved the tag, before the push.
      expect(seen).toEqual([`${BUILT_ID} ${IMAGE} after 2 commands`])

      const blocked = context(script)
      blocked.ctx.beforePush = () =>
        Promise.reject(new DeployError('the local run stopped the deploy'))
      await expect(buildWithDocker(request(), blocked.ctx)).rejects.toThrow(
        'the local run stopped the deploy'
      )
      expect(blocked.fake.argvs().map(argv => argv[1])).toEqual([
        'build',
        'image'
      ])
    })

    it('dry-run: builds and proves the platform, pushes nothing', async () => {
      const { ctx, fake } = context([
        [['docker', 'build'], writesImageId(BUILT_ID)],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')]
      ])
      await expect(
        buildWithDocker(request({ dryRun: true }), ctx)
      ).resolves.toEqual({ digest: undefined, builder: 'docker build' })
      expect(fake.argvs()).toEqual([
        ['docker', ...fallbackBuildArgs(request({ dryRun: true }), iidFile())],
        inspectArgv
      ])
    })

    it('dry-run: a build for the wrong platform still fails', async () => {
      const { ctx } = context([
        [['docker', 'build'], writesImageId(BUILT_ID)],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')]
      ])
      await expect(
        buildWithDocker(request({ dryRun: true, platform: 'linux/arm64' }), ctx)
      ).rejects.toThrow(/produced an image for linux\/amd64, not linux\/arm64/)
    })

    it('passes secrets to BuildKit through the environment, with DOCKER_BUILDKIT=1 for the build only', async () => {
      const { ctx, fake } = context([
        [['docker', 'build'], writesImageId(BUILT_ID)],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ])
      await buildWithDocker(request(SECRETS), ctx)
      expect(fake.calls.map(call => call.env)).toEqual([
        {
          ...ENV,
          DOCKER_BUILDKIT: '1',
          ASPNET_LAMBDA_DEPLOY_SECRET_0: NUGET_TOKEN,
          ASPNET_LAMBDA_DEPLOY_SECRET_1: 'second value'
        },
        ENV,
        ENV,
        ENV
      ])
      for (const call of fake.calls)
        expect(call.argv.join(' ')).not.toContain(NUGET_TOKEN)
    })

    it.each([
      // Docker >= 23 without the buildx component.
      'ERROR: BuildKit is enabled but the buildx component is missing or broken.\n       Install the buildx component to build images with BuildKit:',
      'unknown flag: --secret'
    ])(
      'refuses secrets clearly when docker has no BuildKit (%p), pushing nothing',
      async stderr => {
        const { ctx, fake } = context([
          [['docker', 'build'], { exitCode: 1, stderr }]
        ])
        const error = await buildWithDocker(
          request({ secretFiles: SECRETS.secretFiles ?? [] }),
          ctx
        ).catch((caught: unknown) => caught)
        expect(error).toBeInstanceOf(DeployError)
        expect((error as DeployError).message).toMatch(
          /^secrets and secret-files need BuildKit.*Install docker buildx/s
        )
        expect(fake.argvs()).toHaveLength(1)
      }
    )

    it('leaves DOCKER_BUILDKIT alone without secrets', async () => {
      const { ctx, fake } = context([
        [['docker', 'build'], { exitCode: 1, stderr: 'unknown flag: --secret' }]
      ])
      await expect(buildWithDocker(request(), ctx)).rejects.toThrow(
        /^docker build for linux\/amd64 \(fallback without buildx\) failed/
      )
      expect(fake.calls[0]?.env).toEqual(ENV)
    })

    it('reads a digest docker printed on stderr', async () => {
      const { ctx } = context([
        [['docker', 'build'], writesImageId(BUILT_ID)],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/arm64')],
        [['docker', 'push'], { stderr: `v1: digest: ${DIGEST} size: 528\n` }]
      ])
      await expect(
        buildWithDocker(request({ platform: 'linux/arm64' }), ctx)
      ).resolves.toEqual({
        digest: DIGEST,
        builder: 'docker build'
      })
    })

    it.each([
      ['another platform', inspected(BUILT_ID, 'linux/arm64'), 'linux/arm64'],
      [
        'a failed inspect',
        { exitCode: 1, stderr: 'No such image' },
        'an unknown platform'
      ]
    ])('refuses to push after %s', async (_label, inspect, reported) => {
      const { ctx, fake } = context([
        [['docker', 'build'], writesImageId(BUILT_ID)],
        [['docker', 'image', 'inspect'], inspect],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ])
      await expect(buildWithDocker(request(), ctx)).rejects.toThrow(
        `The docker build fallback produced an image for ${reported}, not linux/amd64; nothing was pushed.`
      )
      expect(fake.argvs().map(argv => argv[1])).toEqual(['build', 'image'])
    })

    it('refuses to push a tag that names another local image than the one just built (a stale tag)', async () => {
      const { ctx, fake } = context([
        [['docker', 'build'], writesImageId(BUILT_ID)],
        // Right platform, wrong image: the platform alone would let it through.
        [['docker', 'image', 'inspect'], inspected(STALE_ID, 'linux/amd64')],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ])
      const error = await buildWithDocker(request(), ctx).catch(
        (caught: unknown) => caught
      )
      // Typed, so that the build stage can wait for the other build's push.
      expect(error).toBeInstanceOf(LocalTagMovedError)
      expect((error as LocalTagMovedError).otherImageId).toBe(STALE_ID)
      expect((error as DeployError).message).toBe(
        `${IMAGE} is the local image ${STALE_ID}, not ${BUILT_ID}, which docker build just built: a stale local tag. Nothing was pushed.`
      )
      expect(fake.argvs().map(argv => argv[1])).toEqual(['build', 'image'])
    })

    it.each<[string, ScriptEntry[1]]>([
      ['writes no id file', {}],
      ['writes an id that is not one', writesImageId('1234abcd')],
      ['writes an empty id file', writesImageId('')]
    ])('refuses to push when docker build %s', async (_label, build) => {
      const { ctx, fake } = context([
        [['docker', 'build'], build],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ])
      await expect(buildWithDocker(request(), ctx)).rejects.toThrow(
        `docker build succeeded but wrote no image id to ${iidFile()}, so the image tagged ${IMAGE} cannot be proven to be this build; nothing was pushed.`
      )
      expect(fake.argvs().map(argv => argv[1])).toEqual(['build'])
    })

    it('does not take the id file an earlier build left for this one', async () => {
      await fs.writeFile(iidFile(), BUILT_ID)
      const { ctx, fake } = context([
        // This build writes nothing (as a docker without --iidfile would).
        [['docker', 'build'], {}],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ])
      await expect(buildWithDocker(request(), ctx)).rejects.toThrow(
        /wrote no image id/
      )
      expect(fake.argvs().map(argv => argv[1])).toEqual(['build'])
    })

    it.each([
      [
        'Docker 29 (API 1.52)',
        '1.52\n',
        ['push', '--platform', 'linux/arm64', IMAGE]
      ],
      [
        'Docker 27 (API 1.46)',
        '1.46',
        ['push', '--platform', 'linux/arm64', IMAGE]
      ],
      ['Docker 26 (API 1.45)', '1.45\n', ['push', IMAGE]]
    ])(
      'pushes one platform where client and daemon allow it: %s',
      async (_name, api, push) => {
        const { ctx, fake } = context([
          [['docker', 'build'], writesImageId(BUILT_ID)],
          [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/arm64')],
          [['docker', 'version'], { stdout: api }],
          [['docker', 'push'], { stdout: PUSH_OUTPUT }]
        ])
        await buildWithDocker(request({ platform: 'linux/arm64' }), ctx)
        expect(fake.argvs().at(-1)).toEqual(['docker', ...push])
      }
    )

    it('pushes without --platform when the API version cannot be read', async () => {
      const { ctx, fake } = context([
        [['docker', 'build'], writesImageId(BUILT_ID)],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')],
        [['docker', 'version'], { exitCode: 1, stderr: 'Cannot connect' }],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ])
      await buildWithDocker(request(), ctx)
      expect(fake.argvs().at(-1)).toEqual(['docker', 'push', IMAGE])
    })

    it('proves the tag by the id docker reports for it, whatever kind of digest that is (the containerd image store: a manifest or index digest)', async () => {
      // Docker 29's containerd store (and buildx 0.36 under it) write the
      // manifest or index digest to --iidfile, and image inspect reports the
      // same as .Id: the proof compares the two, never reads either as a config
      // digest, and the pushed digest comes from the push itself.
      const INDEX_ID = `sha256:${'1d'.repeat(32)}`
      const { ctx, fake } = context([
        [['docker', 'build'], writesImageId(INDEX_ID)],
        [['docker', 'image', 'inspect'], inspected(INDEX_ID, 'linux/amd64')],
        [['docker', 'version'], { stdout: '1.52\n' }],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ])
      await expect(buildWithDocker(request(), ctx)).resolves.toEqual({
        digest: DIGEST,
        builder: 'docker build'
      })
      expect(fake.argvs().at(-1)).toEqual([
        'docker',
        'push',
        '--platform',
        'linux/amd64',
        IMAGE
      ])
    })

    it('takes the id with the line end docker may write', async () => {
      const { ctx } = context([
        [['docker', 'build'], writesImageId(`${BUILT_ID}\n`)],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ])
      await expect(buildWithDocker(request(), ctx)).resolves.toEqual({
        digest: DIGEST,
        builder: 'docker build'
      })
    })

    it('warns that cache inputs are ignored', async () => {
      const { ctx, fake } = context([
        [['docker', 'build'], writesImageId(BUILT_ID)],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')],
        [['docker', 'push'], { stdout: PUSH_OUTPUT }]
      ])
      await buildWithDocker(
        request({ cacheFrom: ['type=gha'], cacheTo: ['type=gha,mode=max'] }),
        ctx
      )
      expect(warnings).toEqual([
        'cache-from and cache-to need docker buildx; they are ignored by the docker build fallback.'
      ])
      expect(fake.argvs().flat()).not.toContain('type=gha')
    })

    it('names the platform when the build fails, and pushes nothing', async () => {
      const { ctx, fake } = context([
        [
          ['docker', 'build'],
          {
            exitCode: 1,
            stderr: 'Step 3/9 : RUN dotnet publish\nerror NETSDK1045\n'
          }
        ]
      ])
      await expect(
        buildWithDocker(request({ platform: 'linux/arm64' }), ctx)
      ).rejects.toThrow(
        'docker build for linux/arm64 (fallback without buildx) failed (exit code 1):\nStep 3/9 : RUN dotnet publish\nerror NETSDK1045'
      )
      expect(fake.calls).toHaveLength(1)
    })

    it('fails when the push fails', async () => {
      const { ctx } = context([
        [['docker', 'build'], writesImageId(BUILT_ID)],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')],
        [
          ['docker', 'push'],
          {
            exitCode: 1,
            stderr:
              'tag invalid: The image tag v1 already exists and cannot be overwritten because the repository is immutable.'
          }
        ]
      ])
      await expect(buildWithDocker(request(), ctx)).rejects.toThrow(
        `docker push ${IMAGE} failed (exit code 1):\ntag invalid: The image tag v1 already exists`
      )
    })

    it('fails when the push printed no digest', async () => {
      const { ctx } = context([
        [['docker', 'build'], writesImageId(BUILT_ID)],
        [['docker', 'image', 'inspect'], inspected(BUILT_ID, 'linux/amd64')],
        [['docker', 'push'], { stdout: 'The push refers to repository [x]\n' }]
      ])
      await expect(buildWithDocker(request(), ctx)).rejects.toThrow(
        `docker push ${IMAGE} printed no digest.`
      )
    })
  })
})

describe('pushArgs', () => {
  it.each([
    ['1.41', ['push', 'r:t']],
    ['1.45', ['push', 'r:t']],
    ['1.46', ['push', '--platform', 'linux/amd64', 'r:t']],
    ['1.52', ['push', '--platform', 'linux/amd64', 'r:t']],
    ['2.0', ['push', '--platform', 'linux/amd64', 'r:t']],
    ['', ['push', 'r:t']],
    ['garbage', ['push', 'r:t']],
    [undefined, ['push', 'r:t']]
  ])('API %s → %j', (api, argv) => {
    expect(pushArgs('r:t', 'linux/amd64', api)).toEqual(argv)
  })
})

describe('prepareDockerConfig', () => {
  let parent: string
  let userConfig: string
  beforeEach(async () => {
    parent = await fs.mkdtemp(path.join(os.tmpdir(), 'runner-temp-'))
    userConfig = await fs.mkdtemp(path.join(os.tmpdir(), 'user-docker-'))
  })
  afterEach(async () => {
    await fs.rm(parent, { recursive: true, force: true })
    await fs.rm(userConfig, { recursive: true, force: true })
  })

  it('creates a private directory whose config.json holds no credentials', async () => {
    await fs.writeFile(
      path.join(userConfig, 'config.json'),
      JSON.stringify({
        auths: { 'ghcr.io': { auth: 'dXNlcjpzZWNyZXQ=' } },
        credsStore: 'desktop'
      })
    )
    const dir = await prepareDockerConfig(parent, userConfig)
    expect(path.dirname(dir)).toBe(parent)
    expect(path.basename(dir)).toMatch(/^aspnet-lambda-deploy-/)
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o700)
    const configFile = path.join(dir, 'config.json')
    expect(JSON.parse(await fs.readFile(configFile, 'utf8'))).toEqual({
      auths: {}
    })
    expect((await fs.stat(configFile)).mode & 0o077).toBe(0)
  })

  it('links cli-plugins, buildx and contexts from the user config', async () => {
    for (const entry of ['cli-plugins', 'buildx', 'contexts']) {
      await fs.mkdir(path.join(userConfig, entry))
    }
    const dir = await prepareDockerConfig(parent, userConfig)
    expect((await fs.readdir(dir)).sort()).toEqual([
      'buildx',
      'cli-plugins',
      'config.json',
      'contexts'
    ])
    for (const entry of ['cli-plugins', 'buildx', 'contexts']) {
      const link = path.join(dir, entry)
      expect((await fs.lstat(link)).isSymbolicLink()).toBe(true)
      expect(await fs.readlink(link)).toBe(path.join(userConfig, entry))
    }
  })

  it('links only what the user config has', async () => {
    await fs.mkdir(path.join(userConfig, 'cli-plugins'))
    const dir = await prepareDockerConfig(parent, userConfig)
    expect((await fs.readdir(dir)).sort()).toEqual([
      'cli-plugins',
      'config.json'
    ])
  })

  it('skips every link when the user config directory does not exist', async () => {
    const dir = await prepareDockerConfig(
      parent,
      path.join(userConfig, 'missing')
    )
    expect(await fs.readdir(dir)).toEqual(['config.json'])
  })

  it('makes a new directory on each call', async () => {
    const first = await prepareDockerConfig(parent, userConfig)
    const second = await prepareDockerConfig(parent, userConfig)
    expect(first).not.toBe(second)
  })
})
