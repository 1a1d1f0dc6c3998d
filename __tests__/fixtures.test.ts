import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { fakeExec, writesBuildxMetadata } from '../__fixtures__/exec.js'
import { fakeTiming } from '../__fixtures__/timing.js'

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
})
