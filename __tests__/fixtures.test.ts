import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  UpdateFunctionCodeCommand
} from '@aws-sdk/client-lambda'
import { PREVIOUS_DIGEST, REPOSITORY_URI } from '../__fixtures__/aws.js'
import {
  fakeExec,
  writesBuildxMetadata,
  writesImageId
} from '../__fixtures__/exec.js'
import { fakeTiming } from '../__fixtures__/timing.js'
import {
  FakeFunction,
  PREVIOUS_URI,
  functionUrlOf,
  PUBLIC_INVOKE_STATEMENT,
  PUBLIC_URL_STATEMENT,
  URL_FORBIDDEN,
  simulatedWorld,
  storedImage,
  uriOf
} from '../__fixtures__/world.js'

// Other test files rely on these fixtures; a fixture that silently misbehaves
// would make their assertions meaningless.

describe('fakeTiming', () => {
  it('sleeps without waiting, moving the clock and recording each sleep', async () => {
    const { timing, sleeps, advance } = fakeTiming({ start: 1_000 })
    await timing.sleep(250)
    advance(50)
    await timing.sleep(700)
    expect(timing.now()).toBe(2_000)
    expect(sleeps).toEqual([250, 700])
  })

  it('returns the scripted random values', () => {
    expect(fakeTiming().timing.random()).toBe(0.5)
    expect(fakeTiming({ random: 0.25 }).timing.random()).toBe(0.25)
    const values = [0.1, 0.9]
    const { timing } = fakeTiming({ random: () => values.shift() ?? 0 })
    expect([timing.random(), timing.random()]).toEqual([0.1, 0.9])
  })
})

describe('fakeExec', () => {
  it('records argv, env, stdin and streaming of every call', async () => {
    const fake = fakeExec([[['docker'], {}]])
    await fake.exec('docker', ['login', '--password-stdin'], {
      env: { DOCKER_CONFIG: '/x' },
      input: Buffer.from('secret')
    })
    await fake.exec('docker', ['build', '.'], { stream: true })
    expect(fake.calls).toEqual([
      {
        command: 'docker',
        args: ['login', '--password-stdin'],
        argv: ['docker', 'login', '--password-stdin'],
        env: { DOCKER_CONFIG: '/x' },
        input: 'secret',
        stream: false
      },
      {
        command: 'docker',
        args: ['build', '.'],
        argv: ['docker', 'build', '.'],
        env: undefined,
        input: undefined,
        stream: true
      }
    ])
    expect(fake.argvs()).toEqual([
      ['docker', 'login', '--password-stdin'],
      ['docker', 'build', '.']
    ])
  })

  it('answers with the longest matching prefix, defaulting missing fields', async () => {
    const fake = fakeExec([
      [['docker'], { stdout: 'any docker' }],
      [['docker', 'buildx'], { exitCode: 3, stderr: 'buildx' }]
    ])
    await expect(fake.exec('docker', ['buildx', 'version'])).resolves.toEqual({
      exitCode: 3,
      stdout: '',
      stderr: 'buildx'
    })
    await expect(fake.exec('docker', ['push', 'x'])).resolves.toEqual({
      exitCode: 0,
      stdout: 'any docker',
      stderr: ''
    })
  })

  it('answers entries with the same prefix in turn, repeating the last', async () => {
    const fake = fakeExec([
      [['docker', 'push'], { exitCode: 1 }],
      [['docker', 'push'], { exitCode: 0 }]
    ])
    const codes: number[] = []
    for (let i = 0; i < 3; i++)
      codes.push((await fake.exec('docker', ['push'])).exitCode)
    expect(codes).toEqual([1, 0, 0])
  })

  it('throws on a command nobody scripted', async () => {
    const fake = fakeExec([[['docker', 'buildx'], {}]])
    await expect(fake.exec('docker', ['push'])).rejects.toThrow(
      'fakeExec: no scripted result for ["docker","push"]'
    )
    await expect(fake.exec('docker', [])).rejects.toThrow(/no scripted result/)
  })

  it('writesBuildxMetadata writes the JSON to the --metadata-file path', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fixture-'))
    try {
      const file = path.join(dir, 'meta.json')
      const fake = fakeExec([
        [
          ['docker', 'buildx', 'build'],
          writesBuildxMetadata({ 'containerimage.digest': 'sha256:x' })
        ]
      ])
      await fake.exec('docker', [
        'buildx',
        'build',
        '--metadata-file',
        file,
        '.'
      ])
      expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({
        'containerimage.digest': 'sha256:x'
      })
      await expect(
        fake.exec('docker', ['buildx', 'build', '.'])
      ).rejects.toThrow(/without --metadata-file/)
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })

  it('writesImageId writes the id to the --iidfile path', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fixture-'))
    try {
      const file = path.join(dir, 'iid')
      const fake = fakeExec([
        [['docker', 'build'], writesImageId('sha256:ab', { stdout: 'built' })]
      ])
      await expect(
        fake.exec('docker', ['build', '--iidfile', file, '--', '.'])
      ).resolves.toEqual({ exitCode: 0, stdout: 'built', stderr: '' })
      expect(await fs.readFile(file, 'utf8')).toBe('sha256:ab')
      await expect(fake.exec('docker', ['build', '.'])).rejects.toThrow(
        /without --iidfile/
      )
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the simulated world', () => {
  const NEW_URI = uriOf(storedImage('amd64', 'new').digest)

  it('FakeFunction: an update is InProgress for pollsPerUpdate observations, then lands', () => {
    const fn = new FakeFunction('my-api')
    fn.pollsPerUpdate = 2
    fn.updateCode(NEW_URI)
    expect(() => fn.updateCode(NEW_URI)).toThrow(/An update is in progress/)
    const seen = [1, 2, 3].map(
      () => fn.getFunction().Configuration?.LastUpdateStatus
    )
    expect(seen).toEqual(['InProgress', 'InProgress', 'Successful'])
    expect(fn.imageUri).toBe(NEW_URI)
  })

  it('FakeFunction: a failed update leaves the previous image, deployed by tag or not', () => {
    const fn = new FakeFunction('my-api')
    fn.deployedByTag(`${REPOSITORY_URI}:previous`, PREVIOUS_DIGEST)
    fn.nextUpdateFails = { code: 'ImageAccessDenied', reason: 'denied' }
    fn.updateCode(NEW_URI)
    fn.getFunction()
    const after = fn.getFunction()
    expect(after.Configuration).toMatchObject({
      LastUpdateStatus: 'Failed',
      LastUpdateStatusReasonCode: 'ImageAccessDenied'
    })
    expect(after.Code).toMatchObject({
      ImageUri: `${REPOSITORY_URI}:previous`,
      ResolvedImageUri: PREVIOUS_URI
    })
    expect(fn.digest).toBe(PREVIOUS_DIGEST)
  })

  it('records every call with its detail and answers like Lambda: a created function is Pending, then Active', async () => {
    const w = simulatedWorld({ 'function-name': 'my-api' })
    const { lambda } = w.deps.clients('us-east-1')
    await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'my-api',
        ImageUri: NEW_URI
      })
    )
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'my-api-pr-7',
        PackageType: 'Image',
        Role: 'r',
        Code: { ImageUri: NEW_URI }
      })
    )
    const states = []
    for (let i = 0; i < 3; i++)
      states.push(
        (
          await lambda.send(
            new GetFunctionCommand({ FunctionName: 'my-api-pr-7' })
          )
        ).Configuration?.State
      )
    expect(states).toEqual(['Pending', 'Active', 'Active'])
    await expect(
      lambda.send(new GetFunctionCommand({ FunctionName: 'nope' }))
    ).rejects.toThrow(/Function not found/)
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([NEW_URI])
    expect(
      w.order('lambda:CreateFunction', 'lambda:UpdateFunctionCode')
    ).toEqual(['lambda:UpdateFunctionCode', 'lambda:CreateFunction'])
  })

  it('serves a Function URL only when it is public: AuthType NONE with the public statement', async () => {
    const w = simulatedWorld({ 'function-name': 'my-api' })
    const { lambda } = w.deps.clients('us-east-1')
    const preview = w.addFunction('my-api-pr-7')
    preview.url = undefined
    preview.permissions.length = 0
    await lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: 'my-api-pr-7',
        AuthType: 'NONE'
      })
    )
    const health = `${functionUrlOf('my-api-pr-7')}health`
    expect((await w.deps.fetch(health)).status).toBe(403)
    expect(
      (await w.deps.fetch(`${functionUrlOf('my-api')}health`)).status
    ).toBe(200)
    await expect(w.deps.fetch('https://elsewhere.example/')).rejects.toThrow(
      'fetch failed'
    )
  })

  it("follows Lambda's current URL rule: AuthType NONE with only lambda:InvokeFunctionUrl answers 403 until lambda:InvokeFunction through the URL is granted too", async () => {
    const w = simulatedWorld({ 'function-name': 'my-api' })
    const { lambda } = w.deps.clients('us-east-1')
    const preview = w.addFunction('my-api-pr-7')
    preview.permissions.length = 0
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'my-api-pr-7',
        StatementId: PUBLIC_URL_STATEMENT,
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE'
      })
    )
    const health = `${functionUrlOf('my-api-pr-7')}health`
    const refused = await w.deps.fetch(health)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toEqual(URL_FORBIDDEN)
    expect(
      JSON.parse(
        (
          await lambda.send(
            new GetPolicyCommand({ FunctionName: 'my-api-pr-7' })
          )
        ).Policy ?? ''
      )
    ).toMatchObject({
      Statement: [
        {
          Sid: PUBLIC_URL_STATEMENT,
          Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } }
        }
      ]
    })

    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'my-api-pr-7',
        StatementId: PUBLIC_INVOKE_STATEMENT,
        Action: 'lambda:InvokeFunction',
        Principal: '*',
        InvokedViaFunctionUrl: true
      })
    )
    expect((await w.deps.fetch(health)).status).toBe(200)
  })
})
