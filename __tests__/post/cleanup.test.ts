import { existsSync, promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { fakeExec } from '../../__fixtures__/exec.js'
import {
  STATE,
  hasPostWork,
  ownBuilder,
  ownDockerConfig,
  ownLocalRunLabel
} from '../../src/post/saved-state.js'

// post.ts imports @actions/core: mock it first, then import it dynamically.
jest.unstable_mockModule('@actions/core', () => core)
// The undo's AWS side is tested in undo.test.ts; here, only that post runs it.
const finishUndo =
  jest.fn<(records: unknown[]) => Promise<{ lines: string[]; ok: boolean }>>()
jest.unstable_mockModule('../../src/post/undo.js', () => ({ finishUndo }))
const { post } = await import('../../src/post/cleanup.js')

const BUILDER = 'aspnet-lambda-deploy-4242-m3k9x1'
const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com'

let runnerTemp: string

/** A docker config as the main step leaves it after `docker login`. */
async function loggedInDockerConfig(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(runnerTemp, 'aspnet-lambda-deploy-'))
  const auth = Buffer.from('AWS:fake-ecr-password').toString('base64')
  await fs.writeFile(
    path.join(dir, 'config.json'),
    JSON.stringify({ auths: { [REGISTRY]: { auth } } }),
    { mode: 0o600 }
  )
  return dir
}

const exists = (file: string): Promise<boolean> =>
  fs.access(file).then(
    () => true,
    () => false
  )

beforeEach(async () => {
  core.resetCore()
  finishUndo.mockReset()
  runnerTemp = await fs.mkdtemp(
    path.join(os.tmpdir(), 'post-test-runner-temp-')
  )
})

afterEach(async () => {
  await fs.rm(runnerTemp, { recursive: true, force: true })
})

describe('post', () => {
  it('puts back what a cancelled run left in the saved state, and says so in the summary', async () => {
    const record = {
      kind: 'latest',
      region: 'us-east-1',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:api',
      ourDigest: 'sha256:' + 'b'.repeat(64),
      restoreImageUri: 'repo@sha256:' + 'a'.repeat(64),
      restoreDigest: 'sha256:' + 'a'.repeat(64)
    }
    core.setState({ [STATE.undo]: JSON.stringify([record]) })
    finishUndo.mockResolvedValue({ lines: ['api runs repo again.'], ok: true })
    const { exec } = fakeExec([])

    await post(exec, { RUNNER_TEMP: runnerTemp })

    expect(finishUndo).toHaveBeenCalledTimes(1)
    expect(finishUndo.mock.calls[0]?.[0]).toEqual([record])
    expect(core.groupNames()).toContain(
      'Put back what the cancelled run changed'
    )
    expect(core.writtenSummaries().join('\n')).toContain(
      '- api runs repo again.'
    )
    expect(core.failures()).toEqual([])
  })

  it('a run that finished its own undo (or changed nothing) leaves nothing to put back', async () => {
    core.setState({ [STATE.undo]: '[]' })
    const { exec } = fakeExec([])

    await post(exec, { RUNNER_TEMP: runnerTemp })

    expect(finishUndo).not.toHaveBeenCalled()
    expect(core.writtenSummaries()).toEqual([])
  })

  it('removes the docker config holding the ECR credentials, and nothing else', async () => {
    const dockerConfig = await loggedInDockerConfig()
    const neighbour = path.join(runnerTemp, 'other-step-output.txt')
    await fs.writeFile(neighbour, 'kept')
    core.setState({ [STATE.dockerConfig]: dockerConfig })
    const { exec, calls } = fakeExec([])

    await post(exec, { RUNNER_TEMP: runnerTemp })

    expect(await exists(dockerConfig)).toBe(false)
    expect(await fs.readFile(neighbour, 'utf8')).toBe('kept')
    expect(calls).toEqual([])
    expect(core.warnings()).toEqual([])
    expect(core.failures()).toEqual([])
  })

  it('removes the buildx builder the main step created', async () => {
    core.setState({ [STATE.builder]: BUILDER })
    const { exec, argvs } = fakeExec([
      [['docker', 'buildx', 'rm'], { exitCode: 0 }]
    ])

    await post(exec, { RUNNER_TEMP: runnerTemp })

    expect(argvs()).toEqual([['docker', 'buildx', 'rm', BUILDER]])
    expect(core.infos()).toContain(`Removed buildx builder ${BUILDER}.`)
    expect(core.warnings()).toEqual([])
  })

  it('cleans up both when the main step left both', async () => {
    const dockerConfig = await loggedInDockerConfig()
    core.setState({
      [STATE.dockerConfig]: dockerConfig,
      [STATE.builder]: BUILDER
    })
    let configPresentDuringRm: boolean | undefined
    const { exec, argvs, calls } = fakeExec([
      [
        ['docker', 'buildx', 'rm'],
        () => {
          configPresentDuringRm = existsSync(dockerConfig)
          return { exitCode: 0 }
        }
      ]
    ])

    await post(exec, { RUNNER_TEMP: runnerTemp })

    expect(await exists(dockerConfig)).toBe(false)
    expect(argvs()).toEqual([['docker', 'buildx', 'rm', BUILDER]])
    // The builder may be recorded only in the run's docker config, so it is
    // removed with that config, before the config itself goes.
    expect(calls[0]?.env).toEqual({ DOCKER_CONFIG: dockerConfig })
    expect(configPresentDuringRm).toBe(true)
  })

  it('warns but does not fail when docker cannot remove the builder', async () => {
    core.setState({ [STATE.builder]: BUILDER })
    const { exec } = fakeExec([
      [
        ['docker', 'buildx', 'rm'],
        { exitCode: 1, stderr: `ERROR: no builder "${BUILDER}" found\n` }
      ]
    ])

    await expect(
      post(exec, { RUNNER_TEMP: runnerTemp })
    ).resolves.toBeUndefined()

    expect(core.warnings()).toEqual([
      `Could not remove buildx builder ${BUILDER}: ERROR: no builder "${BUILDER}" found`
    ])
    expect(core.failures()).toEqual([])
  })

  it('warns but does not fail when docker is not there at all', async () => {
    core.setState({ [STATE.builder]: BUILDER })
    const { exec } = fakeExec([
      [
        ['docker'],
        () => {
          throw new Error('Unable to locate executable file: docker.')
        }
      ]
    ])

    await expect(
      post(exec, { RUNNER_TEMP: runnerTemp })
    ).resolves.toBeUndefined()

    expect(core.warnings()).toEqual([
      `Could not remove buildx builder ${BUILDER}: Unable to locate executable file: docker.`
    ])
    expect(core.failures()).toEqual([])
  })

  it('warns when the docker config cannot be removed, and still removes the builder', async () => {
    // A path below a regular file: rm fails with ENOTDIR (force only ignores ENOENT).
    const file = path.join(runnerTemp, 'not-a-directory')
    await fs.writeFile(file, '')
    const dockerConfig = path.join(file, 'aspnet-lambda-deploy-x0Yz9Q')
    core.setState({
      [STATE.dockerConfig]: dockerConfig,
      [STATE.builder]: BUILDER
    })
    const { exec, argvs } = fakeExec([
      [['docker', 'buildx', 'rm'], { exitCode: 0 }]
    ])

    await expect(post(exec, { RUNNER_TEMP: file })).resolves.toBeUndefined()

    expect(core.warnings()).toHaveLength(1)
    expect(core.warnings()[0]).toMatch(
      new RegExp(`^Could not remove ${dockerConfig}: .*ENOTDIR`)
    )
    expect(argvs()).toEqual([['docker', 'buildx', 'rm', BUILDER]])
    expect(core.failures()).toEqual([])
  })

  describe("the local run's container a killed run left", () => {
    const LABEL = 'aspnet-lambda-deploy.local-run=0123456789abcdef'
    const LS = [
      'docker',
      'container',
      'ls',
      '--all',
      '--quiet',
      '--filter',
      `label=${LABEL}`
    ]

    it("removes every container carrying the run's label", async () => {
      core.setState({ [STATE.localRun]: LABEL })
      const { exec, argvs } = fakeExec([
        [LS, { stdout: '3f2a9c1d0b4e\n' }],
        [['docker', 'container', 'rm'], { exitCode: 0 }]
      ])

      await post(exec, { RUNNER_TEMP: runnerTemp })

      expect(argvs()).toEqual([
        LS,
        ['docker', 'container', 'rm', '--force', '3f2a9c1d0b4e']
      ])
      expect(core.infos()).toContain(
        `Removed the local run's container the run left (label ${LABEL}).`
      )
      expect(core.warnings()).toEqual([])
    })

    it('removes nothing when the container is already gone', async () => {
      core.setState({ [STATE.localRun]: LABEL })
      const { exec, argvs } = fakeExec([[LS, { stdout: '' }]])

      await post(exec, { RUNNER_TEMP: runnerTemp })

      expect(argvs()).toEqual([LS])
      expect(core.warnings()).toEqual([])
    })

    it('warns, never fails, when docker cannot remove it', async () => {
      core.setState({ [STATE.localRun]: LABEL })
      const { exec } = fakeExec([
        [LS, { stdout: 'abc\n' }],
        [
          ['docker', 'container', 'rm'],
          { exitCode: 1, stderr: 'Error response from daemon: busy\n' }
        ]
      ])

      await expect(
        post(exec, { RUNNER_TEMP: runnerTemp })
      ).resolves.toBeUndefined()

      expect(core.warnings()).toEqual([
        `Could not remove the local run's container (label ${LABEL}): Error response from daemon: busy; remove it with docker container rm --force.`
      ])
      expect(core.failures()).toEqual([])
    })

    it('a label this action does not give: docker is not called', async () => {
      core.setState({ [STATE.localRun]: 'com.example.keep=1' })
      const { exec, calls } = fakeExec([])

      await post(exec, { RUNNER_TEMP: runnerTemp })

      expect(calls).toEqual([])
      expect(core.warnings()).toEqual([
        'Not removing containers labelled "com.example.keep=1": the saved state names a label this action does not give.'
      ])
    })

    it('is post work on its own', () => {
      expect(hasPostWork({ [`STATE_${STATE.localRun}`]: LABEL })).toBe(true)
      expect(hasPostWork({ [`STATE_${STATE.localRun}`]: '' })).toBe(false)
    })
  })

  it('does nothing when the main step left no state', async () => {
    const { exec, calls } = fakeExec([])

    await post(exec, { RUNNER_TEMP: runnerTemp })

    expect(calls).toEqual([])
    expect(core.infos()).toEqual([])
    expect(core.warnings()).toEqual([])
    expect(core.failures()).toEqual([])
    expect(await fs.readdir(runnerTemp)).toEqual([])
  })

  describe('a saved state this action did not write', () => {
    let outside: string
    let precious: string

    beforeEach(async () => {
      outside = await fs.mkdtemp(path.join(os.tmpdir(), 'post-test-victim-'))
      precious = path.join(outside, 'precious.txt')
      await fs.writeFile(precious, 'kept')
    })

    afterEach(async () => {
      await fs.rm(outside, { recursive: true, force: true })
    })

    it.each([
      ['a directory outside RUNNER_TEMP', () => outside],
      [
        'a path that climbs out of RUNNER_TEMP',
        () => `${runnerTemp}/../${path.basename(outside)}`
      ],
      ['a relative path', () => path.relative(process.cwd(), outside)]
    ])('names %s: it is left alone, with a warning', async (_name, forged) => {
      core.setState({ [STATE.dockerConfig]: forged() })

      await post(fakeExec([]).exec, { RUNNER_TEMP: runnerTemp })

      expect(await fs.readFile(precious, 'utf8')).toBe('kept')
      expect(core.warnings()).toEqual([
        expect.stringMatching(
          /^Not removing the saved docker config path .*: not (an absolute, normal path|in the runner's temporary directory)/
        )
      ])
      expect(core.failures()).toEqual([])
    })

    it("names another step's directory in RUNNER_TEMP: it is left alone", async () => {
      const other = path.join(runnerTemp, 'checkout')
      await fs.mkdir(other)
      await fs.writeFile(path.join(other, 'file'), 'kept')
      core.setState({ [STATE.dockerConfig]: other })

      await post(fakeExec([]).exec, { RUNNER_TEMP: runnerTemp })

      expect(await fs.readFile(path.join(other, 'file'), 'utf8')).toBe('kept')
      expect(core.warnings()[0]).toMatch(/not a name this action gives/)
    })

    it('names a link with our name to a directory elsewhere: neither is removed', async () => {
      const link = path.join(runnerTemp, 'aspnet-lambda-deploy-AbC123')
      await fs.symlink(outside, link)
      core.setState({ [STATE.dockerConfig]: link })

      await post(fakeExec([]).exec, { RUNNER_TEMP: runnerTemp })

      expect(await fs.readFile(precious, 'utf8')).toBe('kept')
      expect((await fs.lstat(link)).isSymbolicLink()).toBe(true)
      expect(core.warnings()[0]).toMatch(/it is not a directory/)
    })

    it('names a builder this action does not make: docker is not called', async () => {
      core.setState({ [STATE.builder]: '--all-inactive' })
      const { exec, calls } = fakeExec([])

      await post(exec, { RUNNER_TEMP: runnerTemp })

      expect(calls).toEqual([])
      expect(core.warnings()).toEqual([
        'Not removing buildx builder "--all-inactive": the saved state names a builder this action did not create.'
      ])
    })
  })
})

describe('ownDockerConfig', () => {
  it.each([
    ['/rt/aspnet-lambda-deploy-a1B2c3', true],
    ['/rt/aspnet-lambda-deploy-a1B2c3/', false],
    ['/rt/aspnet-lambda-deploy-', false],
    ['/rt/aspnet-lambda-deploy-a1B2c3d', false],
    ['/rt/sub/aspnet-lambda-deploy-a1B2c3', false],
    ['/rt/../aspnet-lambda-deploy-a1B2c3', false],
    ['/rt/./aspnet-lambda-deploy-a1B2c3', false],
    ['/aspnet-lambda-deploy-a1B2c3', false],
    ['rt/aspnet-lambda-deploy-a1B2c3', false],
    ['/home/runner', false],
    ['/', false]
  ])('%s in /rt: %s', (saved, ok) => {
    expect('dir' in ownDockerConfig(saved, '/rt')).toBe(ok)
  })
})

describe('ownBuilder', () => {
  it.each([
    ['aspnet-lambda-deploy-4242-m3k9x1', true],
    ['--all-inactive', false],
    ['default', false],
    ['aspnet-lambda-deploy-4242-m3k9x1 --force', false]
  ])('%s: %s', (name, ok) => {
    expect(ownBuilder(name)).toBe(ok)
  })
})

describe('ownLocalRunLabel', () => {
  it.each([
    ['aspnet-lambda-deploy.local-run=0123456789abcdef', true],
    ['aspnet-lambda-deploy.local-run=0123456789ABCDEF', false],
    ['aspnet-lambda-deploy.local-run=0123456789abcde', false],
    ['aspnet-lambda-deploy.local-run', false],
    ['aspnet-lambda-deploy.local=4640', false],
    ['--all', false],
    ['aspnet-lambda-deploy.local-run=0123456789abcdef --force', false]
  ])('%s: %s', (label, ok) => {
    expect(ownLocalRunLabel(label)).toBe(ok)
  })
})
