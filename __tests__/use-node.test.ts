/**
 * scripts/use-node.sh: every step (CI, the README's commands, demo, bench, the
 * e2e tests' bundle) runs on the Node GitHub runs the action on. Each case
 * runs the real script in a scratch copy of the repository's layout, with a
 * fake older `node` first on PATH and, where an install is not what is under
 * test, the pinned build already in `.tools/` (no registry needed).
 */
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from '@jest/globals'

const repo = fileURLToPath(new URL('..', import.meta.url))
const pin = readFileSync(join(repo, '.node-version'), 'utf8').trim()
const arch = process.arch === 'arm64' ? 'arm64' : 'x64'
const scratch: string[] = []

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

/** A scratch root with scripts/use-node.sh, a .node-version and a bin/ of fakes. */
function layout(opts: {
  nodeVersion?: string
  fakeNode?: string
  cached?: boolean
  fakeNpmExit?: number
}): { root: string; path: string } {
  const root = mkdtempSync(join(tmpdir(), 'use-node-'))
  scratch.push(root)
  mkdirSync(join(root, 'scripts'))
  copyFileSync(
    join(repo, 'scripts', 'use-node.sh'),
    join(root, 'scripts', 'use-node.sh')
  )
  writeFileSync(join(root, '.node-version'), `${opts.nodeVersion ?? pin}\n`)
  const bin = join(root, 'fake-bin')
  mkdirSync(bin)
  if (opts.fakeNode !== undefined) {
    // An older node: answers the version question, and says who it is when run.
    writeFileSync(
      join(bin, 'node'),
      `#!/bin/sh\ncase "$1" in -p) echo ${opts.fakeNode} ;; *) echo "fake node ${opts.fakeNode}" ;; esac\n`
    )
    chmodSync(join(bin, 'node'), 0o755)
  } else {
    symlinkSync(process.execPath, join(bin, 'node'))
  }
  if (opts.fakeNpmExit !== undefined) {
    writeFileSync(
      join(bin, 'npm'),
      `#!/bin/sh\necho "npm $*" >>"${root}/npm-calls"\nexit ${opts.fakeNpmExit}\n`
    )
    chmodSync(join(bin, 'npm'), 0o755)
  }
  if (opts.cached === true) {
    const cachedBin = join(root, '.tools', `node-${pin}-linux-${arch}`, 'bin')
    mkdirSync(cachedBin, { recursive: true })
    symlinkSync(process.execPath, join(cachedBin, 'node'))
  }
  // Only the fakes and the system's basic tools: no other node on PATH.
  return { root, path: `${bin}:/usr/bin:/bin` }
}

function bash(
  root: string,
  path: string,
  script: string
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', script], {
    cwd: root,
    env: { PATH: path, HOME: root },
    encoding: 'utf8'
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('scripts/use-node.sh', () => {
  it('pins one exact version of the major action.yml runs on', () => {
    const using = /^\s+using:\s*'?node(\d+)'?/m.exec(
      readFileSync(join(repo, 'action.yml'), 'utf8')
    )?.[1]
    expect(pin).toMatch(/^\d+\.\d+\.\d+$/)
    expect(pin.split('.')[0]).toBe(using)
  })

  it('runs a command on the cached pinned build when the node on PATH is older', () => {
    const { root, path } = layout({ fakeNode: '20.20.2', cached: true })
    const r = bash(
      root,
      path,
      'bash scripts/use-node.sh node -p "process.versions.node"; echo "PATH=$PATH"'
    )
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const [version, after] = r.stdout.trim().split('\n')
    expect(version).toBe(process.versions.node)
    // The caller's own PATH is untouched by the executed form.
    expect(after).toBe(`PATH=${path}`)
  })

  it('sourced, puts the pinned build first on PATH in the calling shell', () => {
    const { root, path } = layout({ fakeNode: '20.20.2', cached: true })
    const r = bash(
      root,
      path,
      '. scripts/use-node.sh && command -v node && node -p "process.versions.node"'
    )
    expect(r.status).toBe(0)
    expect(r.stdout.trim().split('\n')).toEqual([
      join(root, '.tools', `node-${pin}-linux-${arch}`, 'bin', 'node'),
      process.versions.node
    ])
  })

  it('leaves PATH alone when the node on PATH already has the major', () => {
    const { root, path } = layout({
      fakeNode: `${pin.split('.')[0]}.0.0`,
      cached: true
    })
    const r = bash(root, path, '. scripts/use-node.sh && node --version')
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe(`fake node ${pin.split('.')[0]}.0.0`)
  })

  it('installs from the registry package when nothing is cached, and says so when that fails', () => {
    const { root, path } = layout({ fakeNode: '20.20.2', fakeNpmExit: 1 })
    const r = bash(
      root,
      path,
      '. scripts/use-node.sh; echo "status=$? still here"'
    )
    // The sourced form returns a failure: it never exits the caller's shell.
    expect(r.stdout.trim()).toBe('status=1 still here')
    expect(r.stderr).toContain(`installing node-linux-${arch}@${pin}`)
    expect(r.stderr).toContain(
      `could not install node-linux-${arch}@${pin} (is the npm registry reachable?)`
    )
    expect(readFileSync(join(root, 'npm-calls'), 'utf8')).toContain(
      `install --prefix ${root}/.tools/.install.`
    )
    // Nothing half-installed is left to be taken for a good build next time.
    expect(
      spawnSync('ls', ['-A', join(root, '.tools')]).stdout.toString()
    ).toBe('.lock\n')
  })

  it.each([['24'], ['v24.1.0'], ['lts/*'], ['']])(
    'refuses a .node-version of %j, naming the accepted form',
    nodeVersion => {
      const { root, path } = layout({ nodeVersion, fakeNode: '20.20.2' })
      const r = bash(root, path, 'bash scripts/use-node.sh node --version')
      expect(r.status).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toContain(
        '.node-version must hold one exact version (MAJOR.MINOR.PATCH)'
      )
    }
  )
})
