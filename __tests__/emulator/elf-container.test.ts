import { describe, expect, it, jest } from '@jest/globals'

import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  HOLDER_READY,
  HOLDER_SCRIPT,
  execArgs,
  holderRunArgs,
  lambdaEnvironment,
  launchErrorOf,
  logStreamName,
  maxMemoryUsedMb,
  parseHolderListing,
  parseImageInspect,
  runtimeCommand
} from '../../src/emulator/container.js'
import { parseOdHex, readElfMachine, wrongCpu } from '../../src/emulator/elf.js'
import type { FunctionSpec } from '../../src/emulator/types.js'

function elfHead(machine: number): Uint8Array {
  const b = new Uint8Array(20)
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])
  b[18] = machine & 0xff
  b[19] = machine >> 8
  return b
}

describe('ELF machine', () => {
  it.each<[string, Uint8Array, 'x86_64' | 'arm64', string | undefined]>([
    ['x86_64 binary on x86_64', elfHead(62), 'x86_64', undefined],
    ['aarch64 binary on arm64', elfHead(183), 'arm64', undefined],
    [
      'aarch64 binary on x86_64',
      elfHead(183),
      'x86_64',
      'cannot execute binary file: built for arm64, the function runs on x86_64'
    ],
    [
      'x86_64 binary on arm64',
      elfHead(62),
      'arm64',
      'cannot execute binary file: built for x86_64, the function runs on arm64'
    ],
    [
      'another machine (RISC-V)',
      elfHead(243),
      'x86_64',
      'cannot execute binary file: built for ELF machine 243, the function runs on x86_64'
    ],
    [
      'a shell script',
      new TextEncoder().encode('#!/bin/sh\necho hello world\n'),
      'x86_64',
      undefined
    ],
    ['a short file', Uint8Array.from([0x7f, 0x45]), 'arm64', undefined]
  ])('%s', (_name, head, arch, expected) => {
    expect(wrongCpu(head, arch)).toBe(expected)
  })

  it('reads od -An -tx1 output', () => {
    const head = parseOdHex(
      ' 7f 45 4c 46 02 01 01 03 00 00 00 00 00 00 00 00\n 02 00 3e 00\n'
    )
    expect(readElfMachine(head)).toEqual({
      kind: 'elf',
      architecture: 'x86_64',
      machine: 62
    })
  })
})

const spec: FunctionSpec = {
  functionName: 'web',
  image: 'app:1',
  architecture: 'arm64',
  memorySize: 512,
  timeout: 30,
  region: 'eu-west-1',
  environment: { SECRET_TOKEN: 's3cr3t', AWS_LAMBDA_FUNCTION_NAME: 'spoofed' }
}

describe('container', () => {
  const image = parseImageInspect(
    JSON.stringify([
      {
        Architecture: 'arm64',
        Config: {
          Entrypoint: ['/lambda-entrypoint.sh'],
          Cmd: ['App'],
          WorkingDir: '/var/task'
        }
      }
    ])
  )

  it.each<
    [string, FunctionSpec['imageConfig'], ReturnType<typeof runtimeCommand>]
  >([
    [
      'the image own config',
      undefined,
      {
        entrypoint: ['/lambda-entrypoint.sh'],
        cmd: ['App'],
        workingDir: '/var/task'
      }
    ],
    [
      'ImageConfig Command only',
      { command: ['Other'] },
      {
        entrypoint: ['/lambda-entrypoint.sh'],
        cmd: ['Other'],
        workingDir: '/var/task'
      }
    ],
    [
      'ImageConfig everything',
      { entryPoint: ['/bin/app'], command: [], workingDirectory: '/srv' },
      { entrypoint: ['/bin/app'], cmd: [], workingDir: '/srv' }
    ]
  ])('runtime command: %s', (_name, imageConfig, expected) => {
    expect(
      runtimeCommand(imageConfig ? { ...spec, imageConfig } : spec, image)
    ).toEqual(expected)
  })

  it('runs a read-only container on the host network with the holder as PID 1, attached, never pulling', () => {
    expect(holderRunArgs(spec, 'c1', '/bin/busybox', '/tmp/x/cid')).toEqual([
      'container',
      'run',
      '--pull',
      'never',
      '--sig-proxy=false',
      '--cidfile',
      '/tmp/x/cid',
      '--name',
      'c1',
      '--network',
      'host',
      '--platform',
      'linux/arm64',
      '--read-only',
      '--tmpfs',
      '/tmp',
      '--memory',
      '512m',
      '--volume',
      '/bin/busybox:/.lambda-emulator/busybox:ro',
      '--entrypoint',
      '/.lambda-emulator/busybox',
      '--',
      'app:1',
      'sh',
      '-c',
      HOLDER_SCRIPT
    ])
  })

  it("labels the container with the caller's labels", () => {
    const args = holderRunArgs(spec, 'c1', '/bin/busybox', '/tmp/x/cid', [
      'aspnet-lambda-deploy.local=4740',
      'aspnet-lambda-deploy.function=api'
    ])
    expect(args.slice(7, 13)).toEqual([
      '--name',
      'c1',
      '--label',
      'aspnet-lambda-deploy.local=4740',
      '--label',
      'aspnet-lambda-deploy.function=api'
    ])
    expect(args.slice(-4)).toEqual(['app:1', 'sh', '-c', HOLDER_SCRIPT])
  })

  it('reads the holder listing: names sorted, each with its own first bytes, at most max', () => {
    const lines = [
      'WARNING: Your kernel does not support swap limit capabilities',
      'extension:zeta',
      'head: 7f 45 4c 46 02 01 01 00 00 00 00 00 00 00 00 00 02 00 3e 00',
      'extension:alpha ext',
      'head:',
      'extension:mid',
      'head: 23 21'
    ]
    expect(parseHolderListing(lines, 10)).toEqual([
      { name: 'alpha ext', head: '' },
      { name: 'mid', head: '23 21' },
      {
        name: 'zeta',
        head: '7f 45 4c 46 02 01 01 00 00 00 00 00 00 00 00 00 02 00 3e 00'
      }
    ])
    expect(parseHolderListing(lines, 2).map(e => e.name)).toEqual([
      'alpha ext',
      'mid'
    ])
  })

  // The script itself, run by the busybox the emulator mounts, over a directory standing in
  // for /opt/extensions (the paths of the script rewritten to it).
  // A static busybox is a test dependency (docs/testing.md), as it is the local run's.
  const busybox =
    ['/bin/busybox', '/usr/bin/busybox'].find(p => existsSync(p)) ??
    '/bin/busybox'
  it('the holder script lists every entry with its ELF head, then says it is ready', () => {
    const dir = mkdtempSync(join(tmpdir(), 'holder-script-'))
    try {
      const ext = join(dir, 'opt-extensions')
      mkdirSync(ext)
      writeFileSync(join(ext, 'b-script'), '#!/bin/sh\n')
      writeFileSync(join(ext, 'a elf'), Buffer.from(elfHead(183)))
      const script = HOLDER_SCRIPT.replaceAll(
        '/.lambda-emulator/busybox',
        busybox
      )
        .replaceAll('/opt/extensions', ext)
        .replace(/exec \$b sleep \d+$/, 'exit 0')
      const out = execFileSync(busybox, ['sh', '-c', script], {
        encoding: 'utf8'
      }).split('\n')
      expect(out.at(-2)).toBe(HOLDER_READY)
      const listing = parseHolderListing(out, 10)
      expect(listing.map(e => e.name)).toEqual(['a elf', 'b-script'])
      expect(wrongCpu(parseOdHex(listing[0]?.head ?? ''), 'x86_64')).toContain(
        'built for arm64'
      )
      expect(listing[1]?.head).toBe('23 21 2f 62 69 6e 2f 73 68 0a')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  const id = 'a'.repeat(64)
  it.each<[string, Record<string, string>, number | undefined]>([
    [
      'cgroup v2, systemd driver (GitHub runners)',
      {
        [`/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.peak`]:
          '5242880\n'
      },
      5
    ],
    [
      'cgroup v1: max_usage_in_bytes, rounded up to MB',
      {
        [`/sys/fs/cgroup/memory/docker/${id}/memory.max_usage_in_bytes`]:
          '4194305\n'
      },
      5
    ],
    [
      'never over the memory size',
      { [`/sys/fs/cgroup/docker/${id}/memory.peak`]: String(2 ** 40) },
      512
    ],
    ['no readable file (a remote engine): left out', {}, undefined]
  ])('Max Memory Used: %s', (_name, files, expected) => {
    expect(maxMemoryUsedMb(id, 512, p => files[p])).toBe(expected)
  })

  it('Max Memory Used: only a container id names a cgroup file', () => {
    const read = jest.fn<(p: string) => string | undefined>(() => '1')
    expect(maxMemoryUsedMb('../../etc', 512, read)).toBeUndefined()
    expect(maxMemoryUsedMb(undefined, 512, read)).toBeUndefined()
    expect(read).not.toHaveBeenCalled()
  })

  it('passes environment names, never values, in argv', () => {
    const env = lambdaEnvironment(spec, '127.0.0.1:9001', 'App', 'stream')
    const args = execArgs('c1', Object.keys(env.runtime), '/var/task', ['/x'])
    expect(args.join(' ')).not.toContain('s3cr3t')
    expect(args).toContain('SECRET_TOKEN')
  })

  it("sets Lambda's variables over the function's, and keeps _HANDLER and LAMBDA_TASK_ROOT from extensions", () => {
    const env = lambdaEnvironment(
      spec,
      '127.0.0.1:9001',
      'App',
      '2026/12/06/[$LATEST]abc'
    )
    expect(env.runtime).toMatchObject({
      SECRET_TOKEN: 's3cr3t',
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
      AWS_LAMBDA_FUNCTION_NAME: 'web',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/web',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/06/[$LATEST]abc',
      AWS_REGION: 'eu-west-1',
      _HANDLER: 'App',
      LAMBDA_TASK_ROOT: '/var/task'
    })
    expect(env.extension._HANDLER).toBeUndefined()
    expect(env.extension.LAMBDA_TASK_ROOT).toBeUndefined()
    expect(env.extension.AWS_LAMBDA_RUNTIME_API).toBe('127.0.0.1:9001')
  })

  it('names the log stream as Lambda does', () => {
    expect(
      logStreamName(new Date('2026-12-06T13:00:00Z'), '$LATEST', 'ab12')
    ).toBe('2026/12/06/[$LATEST]ab12')
  })

  it.each<[number | null, string, string | undefined]>([
    [
      126,
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "/x": stat /x: no such file or directory: unknown\r\n',
      'exec: "/x": stat /x: no such file or directory'
    ],
    [
      127,
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "app": executable file not found in $PATH: unknown',
      'exec: "app": executable file not found in $PATH'
    ],
    [104, 'Could not find the assembly', undefined],
    [126, 'sh: /x: Permission denied', undefined]
  ])('launch error of exit %s', (code, output, expected) => {
    expect(launchErrorOf(code, output)).toBe(expected)
  })
})
