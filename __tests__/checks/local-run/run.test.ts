import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { findHolder, localRunnable } from '../../../src/checks/local-run/run.js'
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
