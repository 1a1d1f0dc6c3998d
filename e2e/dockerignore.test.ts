/**
 * The `.dockerignore` reader of the build key (src/build/dockerignore.ts)
 * against what Docker really sends: for each pattern set of the corpus, a
 * context of the same files is built with `COPY . /ctx/` onto a FROM-scratch
 * busybox image, and the paths the image holds under /ctx must be exactly
 * the paths src/build/context-hash.ts hashes.
 *
 * The builder here is the newest docker CLI on the machine (28.x; see
 * newestDocker) with its classic builder: there is no buildx on this machine (docs/dependencies.md). That
 * client reads .dockerignore with moby/patternmatcher, as buildx and
 * BuildKit do; BuildKit's own walk is not exercised.
 * https://docs.docker.com/build/concepts/context/#dockerignore-files
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { contextPaths } from '../src/build/context-hash.js'
import { busyboxPath } from '../test/local-aws/images.js'

jest.setTimeout(240_000)

const LISTER = 'aspnet-lambda-deploy-test/context-lister:latest'
/** Paths every context holds; directories end with /. */
const TREE = [
  'README.md',
  'CHANGES.md',
  'README-secret.md',
  'README-x.md',
  'Api.csproj',
  'appsettings.json',
  'a.b',
  'axb',
  'f(1)+$',
  'b.txt',
  'd.txt',
  'tempa',
  'temp',
  '.git/HEAD',
  '.git/objects/ab/cdef',
  'src/Program.cs',
  'src/obj/app.dll',
  'src/Api/keep.json',
  'src/Api/other.json',
  'src/Api/bin/Debug/Api.dll',
  'src/Api/binary',
  'src/a/b/obj/x.dll',
  'somedir/temporary.txt',
  'somedir/subdir/temporary.txt',
  'node_modules/x/index.js',
  'node_modules/keep/index.js',
  'obj/Debug/app.dll',
  'docs/README.md',
  'docs/guide/intro.md',
  'bin/tool',
  'main.go',
  'a/b/main.go',
  'a/barfoo',
  'empty/'
]

interface Case {
  ignore: string
  /**
   * Paths modern BuildKit sends that the builders on this machine leave
   * out (KEEP_UNDER_EXCLUDED); empty for every other case.
   */
  beyondThisMachine?: string[]
}

// An exception with a wildcard (`!**/keep`) makes BuildKit's sender walk
// every excluded directory, so node_modules/keep comes back (tonistiigi/
// fsutil filter.go, `onlyPrefixExcludeExceptions`; buildx, and `docker
// build` since Docker 23, GitHub's runners). The classic builder of the 28.x
// CLI and the BuildKit of Debian's 20.10 CLI still skip an excluded
// directory unless an exception's text starts with it, so they do not send
// it: the build key follows BuildKit.
const KEEP_UNDER_EXCLUDED = [
  'node_modules',
  'node_modules/keep',
  'node_modules/keep/index.js'
]

/** .dockerignore texts: the unit tests' patterns, alone and combined. */
const CORPUS: Case[] = [
  { ignore: '' },
  { ignore: '*.md' },
  { ignore: '*.md\n!README.md' },
  { ignore: '*.md\n!README*.md\nREADME-secret.md' },
  { ignore: '*.md\nREADME-secret.md\n!README*.md' },
  { ignore: '*/temp*' },
  { ignore: '*/*/temp*' },
  { ignore: 'temp?' },
  { ignore: '**/*.go' },
  { ignore: '**/bin' },
  { ignore: 'src/**/obj' },
  { ignore: 'src/**' },
  { ignore: '**foo' },
  { ignore: 'node_modules' },
  { ignore: 'node_modules\n!node_modules/keep' },
  { ignore: 'node_modules\n!**/keep', beyondThisMachine: KEEP_UNDER_EXCLUDED },
  { ignore: '/obj' },
  { ignore: 'obj' },
  { ignore: 'a.b' },
  { ignore: 'f(1)+$' },
  { ignore: '[abc].txt' },
  { ignore: '[^a].txt' },
  { ignore: 'src\n!src/Api/keep.json' },
  { ignore: '*\n!src\n!*.csproj' },
  { ignore: '.git\n**/obj\n**/bin\ndocs\n!docs/guide' },
  { ignore: '# a comment\n  *.json  \n!/src/Api/keep.json\n./a/../main.go' },
  { ignore: 'empty' }
]

const work = mkdtempSync(path.join(os.tmpdir(), 'dockerignore-e2e-'))

/**
 * The newest docker client here. Its classic builder reads .dockerignore
 * with current moby/patternmatcher; the Debian 20.10 client, which the
 * stand-in's environment puts first on PATH (for BuildKit), reads it with the
 * older fileutils, which treats `**foo` and regexp characters otherwise.
 */
const DOCKER = newestDocker()

function newestDocker(): string {
  let best = 'docker'
  let bestMajor = -1
  for (const candidate of [
    '/usr/local/bin/docker',
    '/usr/bin/docker',
    'docker'
  ]) {
    try {
      const said = execFileSync(candidate, ['--version'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore']
      })
      const major = Number(/version (\d+)\./.exec(said)?.[1] ?? -1)
      if (major > bestMajor) {
        best = candidate
        bestMajor = major
      }
    } catch {
      // not installed there
    }
  }
  return best
}

function docker(args: string[], input?: string): string {
  return execFileSync(DOCKER, args, {
    encoding: 'utf8',
    input,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    stdio: ['pipe', 'pipe', 'pipe']
  })
}

function makeContext(index: number, ignore: string): string {
  const dir = path.join(work, `case-${index}`)
  for (const entry of TREE) {
    const full = path.join(dir, entry)
    if (entry.endsWith('/')) mkdirSync(full, { recursive: true })
    else {
      mkdirSync(path.dirname(full), { recursive: true })
      writeFileSync(full, `${entry}\n`)
    }
  }
  writeFileSync(path.join(dir, '.dockerignore'), ignore)
  writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${LISTER}\nCOPY . /ctx/\n`)
  return dir
}

/** The paths under /ctx of the image built from `dir`, relative to it. */
function builtPaths(dir: string, index: number): string[] {
  const tag = `aspnet-lambda-deploy-test/context-${index}:latest`
  docker(['build', '-q', '-t', tag, dir])
  const listing = docker([
    'run',
    '--rm',
    '--network=none',
    tag,
    '/bin/busybox',
    'find',
    '/ctx',
    '-mindepth',
    '1'
  ])
  docker(['image', 'rm', tag])
  return listing
    .split('\n')
    .filter(line => line !== '')
    .map(line => line.slice('/ctx/'.length))
}

/** Docker always sends these two (the classic builder drops them itself). */
const BUILD_FILES = new Set(['Dockerfile', '.dockerignore'])

beforeAll(() => {
  const dir = path.join(work, 'lister')
  mkdirSync(dir, { recursive: true })
  execFileSync('cp', [busyboxPath('amd64'), path.join(dir, 'busybox')])
  writeFileSync(
    path.join(dir, 'Dockerfile'),
    'FROM scratch\nCOPY busybox /bin/busybox\n'
  )
  docker(['build', '-q', '-t', LISTER, dir])
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
  docker(['image', 'rm', LISTER])
})

describe('.dockerignore as Docker reads it', () => {
  it.each(CORPUS.map(c => [JSON.stringify(c.ignore), c] as const))(
    '%s: the build key hashes exactly the paths the build is sent',
    async (_shown, c) => {
      const dir = makeContext(CORPUS.indexOf(c), c.ignore)
      const ours = (await contextPaths(dir, path.join(dir, 'Dockerfile')))
        .filter(entry => !BUILD_FILES.has(entry))
        .sort()
      const sent = builtPaths(dir, CORPUS.indexOf(c))
        .filter(entry => !BUILD_FILES.has(entry))
        .sort()
      const beyond = c.beyondThisMachine ?? []
      // What BuildKit adds is hashed; the rest is exactly what was sent.
      expect(beyond.filter(entry => !ours.includes(entry))).toEqual([])
      expect(ours.filter(entry => !beyond.includes(entry))).toEqual(sent)
    }
  )
})
