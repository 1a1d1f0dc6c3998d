import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { hashContext, ignoreFileFor } from '../../src/build/context-hash.js'

let dir: string
const file = (name: string, content: string, mode = 0o644): void => {
  const full = path.join(dir, name)
  mkdirSync(path.dirname(full), { recursive: true })
  writeFileSync(full, content)
  chmodSync(full, mode)
}
const digest = async (): Promise<string> =>
  (await hashContext(dir, path.join(dir, 'Dockerfile'))).digest

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'context-hash-'))
  file('Dockerfile', 'FROM scratch\nCOPY . /\n')
  file('.dockerignore', '.git\n**/bin\n**/obj\n*.md\n!README.md\n')
  file('src/Program.cs', 'app.Run();\n')
  file('src/run.sh', '#!/bin/sh\n', 0o755)
  file('README.md', '# app\n')
})

afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('hashContext', () => {
  it('counts what the build is sent and nothing the .dockerignore leaves out', async () => {
    file('.git/HEAD', 'ref: refs/heads/main\n')
    file('src/bin/app.dll', 'binary')
    const result = await hashContext(dir, path.join(dir, 'Dockerfile'))
    expect(result.digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    // .dockerignore, Dockerfile, README.md, src, src/Program.cs, src/run.sh
    expect(result.entries).toBe(6)
    expect(result.ignoreFile).toBe(path.join(dir, '.dockerignore'))
  })

  it.each<[string, () => void]>([
    ['a file excluded by a pattern', () => file('src/obj/x.json', '{}')],
    ['a file under .git', () => file('.git/refs/heads/main', 'abc\n')],
    ['a markdown file other than README.md', () => file('CHANGES.md', 'new\n')],
    [
      'only the modification time',
      () => utimesSync(path.join(dir, 'src/Program.cs'), 1, 1)
    ]
  ])('does not change with %s', async (_what, change) => {
    const before = await digest()
    change()
    expect(await digest()).toBe(before)
  })

  it.each<[string, () => void]>([
    ['a file content', () => file('src/Program.cs', 'app.Run(); // 2\n')],
    ['a new file', () => file('src/appsettings.json', '{}')],
    ['a file brought back by an exception', () => file('README.md', '# 2\n')],
    [
      'the executable bit',
      () => chmodSync(path.join(dir, 'src/run.sh'), 0o644)
    ],
    ['an empty directory', () => mkdirSync(path.join(dir, 'src/empty'))],
    [
      'a renamed file',
      () => {
        rmSync(path.join(dir, 'src/Program.cs'))
        file('src/Main.cs', 'app.Run();\n')
      }
    ],
    [
      'a symlink target',
      () => symlinkSync('Program.cs', path.join(dir, 'src/link'))
    ],
    [
      'the .dockerignore letting more through',
      () => file('.dockerignore', '.git\n')
    ]
  ])('changes with %s', async (_what, change) => {
    const before = await digest()
    change()
    expect(await digest()).not.toBe(before)
  })

  it('sends an excluded directory as the parent of a file an exception brings back', async () => {
    file('.dockerignore', 'config\n!config/app.json\n')
    file('config/app.json', '{}')
    file('config/secret.json', '{}')
    const sent = await hashContext(dir, path.join(dir, 'Dockerfile'))
    // .dockerignore, Dockerfile, README.md, config, config/app.json, src, 2 in src
    expect(sent.entries).toBe(8)
    const before = sent.digest
    chmodSync(path.join(dir, 'config'), 0o700)
    expect(await digest()).not.toBe(before)
  })

  it('takes <Dockerfile>.dockerignore over the context one', async () => {
    file('build/Api.Dockerfile', 'FROM scratch\n')
    file('build/Api.Dockerfile.dockerignore', 'src\n')
    const dockerfile = path.join(dir, 'build/Api.Dockerfile')
    expect(await ignoreFileFor(dir, dockerfile)).toBe(
      `${dockerfile}.dockerignore`
    )
    const before = (await hashContext(dir, dockerfile)).digest
    file('src/Program.cs', 'changed\n')
    expect((await hashContext(dir, dockerfile)).digest).toBe(before)
  })

  // How fast is npm run bench's business (its "build key" column), not a
  // timed test's: a wall-clock limit here failed on a loaded machine.
  it('hashes a context of thousands of files, every one of them', async () => {
    for (let i = 0; i < 3000; i++) file(`src/gen/f${i}.cs`, `// ${i}\n`)
    const result = await hashContext(dir, path.join(dir, 'Dockerfile'))
    expect(result.entries).toBeGreaterThan(3000)
    file('src/gen/f2999.cs', '// changed\n')
    const changed = await hashContext(dir, path.join(dir, 'Dockerfile'))
    expect(changed.entries).toBe(result.entries)
    expect(changed.digest).not.toBe(result.digest)
  }, 120_000)
})
