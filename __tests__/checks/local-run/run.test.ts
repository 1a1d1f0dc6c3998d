import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  findHolder,
  localRunnable,
  runLocally
} from '../../../src/checks/local-run/run.js'
import type { CliResult, DockerCli } from '../../../src/emulator/processes.js'

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])
let dir: string
let staticBusybox: string
let dynamicBusybox: string
let binfmt: string

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'local-run-test-'))
  staticBusybox = path.join(dir, 'static')
  dynamicBusybox = path.join(dir, 'dynamic')
  await fs.writeFile(staticBusybox, Buffer.concat([ELF, Buffer.alloc(256)]))
  await fs.writeFile(
    dynamicBusybox,
    Buffer.concat([ELF, Buffer.from('\0/lib64/ld-linux-x86-64.so.2\0')])
  )
  binfmt = path.join(dir, 'binfmt')
  await fs.mkdir(binfmt)
  await fs.writeFile(path.join(binfmt, 'qemu-x86_64'), 'disabled\n')
})

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

function docker(code: number, stderr = ''): DockerCli {
  const result: CliResult = { code, stdout: '28.1.1\n', stderr, tail: stderr }
  return {
    run: () => Promise.resolve(result),
    start: () => ({ exited: Promise.resolve(result) })
  }
}

describe('localRunnable', () => {
  const host = (over: Partial<Parameters<typeof localRunnable>[1]> = {}) => ({
    docker: docker(0),
    log: () => undefined,
    holderCandidates: [staticBusybox],
    binfmtDir: binfmt,
    hostArchitecture: 'x86_64' as const,
    ...over
  })

  it('runs natively with a static busybox to hold the container', async () => {
    await expect(localRunnable('x86_64', host())).resolves.toEqual({
      runs: true,
      emulated: false,
      holder: staticBusybox
    })
  })

  it('no Docker engine: says so', async () => {
    await expect(
      localRunnable(
        'x86_64',
        host({ docker: docker(1, 'Cannot connect to the Docker daemon\n') })
      )
    ).resolves.toEqual({
      runs: false,
      reason: 'no Docker engine answers (Cannot connect to the Docker daemon).'
    })
  })

  it('arm64 without an enabled qemu-aarch64: names the missing handler', async () => {
    const answer = await localRunnable('arm64', host())
    expect(answer).toEqual({
      runs: false,
      reason: expect.stringContaining('no enabled qemu-aarch64')
    })
  })

  it('arm64 with qemu-aarch64 enabled: runs emulated', async () => {
    await fs.writeFile(
      path.join(binfmt, 'qemu-aarch64'),
      'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n'
    )
    try {
      await expect(localRunnable('arm64', host())).resolves.toMatchObject({
        runs: true,
        emulated: true
      })
    } finally {
      await fs.rm(path.join(binfmt, 'qemu-aarch64'))
    }
  })

  it('only a dynamically linked busybox: cannot hold a FROM scratch container', async () => {
    await expect(
      localRunnable(
        'x86_64',
        host({ holderCandidates: [path.join(dir, 'none'), dynamicBusybox] })
      )
    ).resolves.toEqual({
      runs: false,
      reason: expect.stringContaining('no static busybox at')
    })
    await expect(findHolder([dynamicBusybox, staticBusybox])).resolves.toBe(
      staticBusybox
    )
  })
})

describe('runLocally', () => {
  /**
   * A docker whose runtime answers every request with HTTP 200 over the Runtime API, and whose
   * `container rm` ends only when the test says so.
   */
  function playingDocker(): {
    docker: DockerCli
    calls: string[][]
    finishRemoval: () => void
  } {
    const calls: string[][] = []
    let finishRemoval: () => void = () => undefined
    const removal = new Promise<CliResult>(resolve => {
      finishRemoval = () =>
        resolve({ code: 0, stdout: '', stderr: '', tail: '' })
    })
    const ok: CliResult = { code: 0, stdout: '', stderr: '', tail: '' }
    const docker: DockerCli = {
      run: args => {
        calls.push([...args])
        if (args[0] === 'image')
          return Promise.resolve({
            ...ok,
            stdout: JSON.stringify([
              { Architecture: 'amd64', Config: { Entrypoint: ['/bootstrap'] } }
            ])
          })
        if (args[1] === 'rm') return removal
        return Promise.resolve(ok)
      },
      start: (args, env, onLine) => {
        calls.push([...args])
        if (args[1] === 'run') onLine('lambda-emulator-ready')
        else void playRuntime(env.AWS_LAMBDA_RUNTIME_API ?? '')
        return { exited: new Promise(() => undefined) }
      }
    }
    return { docker, calls, finishRemoval: () => finishRemoval() }
  }

  async function playRuntime(api: string): Promise<void> {
    const base = `http://${api}/2018-06-01/runtime/invocation`
    const next = await fetch(`${base}/next`)
    const id = next.headers.get('lambda-runtime-aws-request-id') ?? ''
    await next.text()
    await fetch(`${base}/${id}/response`, {
      method: 'POST',
      body: JSON.stringify({ statusCode: 200, body: 'ok' })
    })
    // parked until the environment goes
    await fetch(`${base}/next`).catch(() => undefined)
  }

  it('returns the answer without waiting for the container to be removed; the removal ends later and is reported', async () => {
    const { docker, calls, finishRemoval } = playingDocker()
    let removal: Promise<boolean> | undefined
    const running = runLocally(
      {
        spec: {
          functionName: 'api',
          image: 'app:1',
          architecture: 'x86_64',
          memorySize: 512,
          timeout: 3
        },
        managedInstances: false,
        source: 'http-api',
        event: '{}',
        containerLabels: ['aspnet-lambda-deploy.local-run=abc123']
      },
      {
        docker,
        log: () => undefined,
        removed: r => {
          removal = r
        }
      },
      { emulated: false, holder: staticBusybox }
    )
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      running,
      new Promise<'waited for the removal'>(resolve => {
        timer = setTimeout(() => resolve('waited for the removal'), 3000)
      })
    ])
    clearTimeout(timer)
    expect(outcome).not.toBe('waited for the removal')
    expect(outcome).toMatchObject({
      kind: 'ran',
      answer: { inspection: { kind: 'answer', answer: { status: 200 } } }
    })
    // The removal was started, and is still going on.
    const rm = calls.find(c => c[1] === 'rm')
    expect(rm?.[3]).toMatch(/^lambda-emulator-[0-9a-f]{12}$/)
    const settled = { done: false }
    void removal?.then(() => (settled.done = true))
    await new Promise(r => setTimeout(r, 50))
    expect(settled.done).toBe(false)
    finishRemoval()
    await expect(removal).resolves.toBe(true)
    // One docker call started the container (with the label) and listed /opt/extensions.
    const run = calls.find(c => c[1] === 'run')
    expect(run).toContain('aspnet-lambda-deploy.local-run=abc123')
    expect(calls.filter(c => c[1] === 'exec')).toHaveLength(1)
    expect(calls.map(c => c[1])).not.toContain('create')
  }, 10_000)
})
