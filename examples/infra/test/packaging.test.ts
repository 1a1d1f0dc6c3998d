/**
 * What a Marketplace user relies on besides the code: action.yml's listing
 * metadata, the release workflow (its scripts are run here against a scratch
 * git repository and a stand-in for gh), CHANGELOG, SECURITY.md, Dependabot.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'

const root = join(__dirname, '..', '..', '..')
const read = (path: string): string => readFileSync(join(root, path), 'utf8')

interface Step {
  name?: string
  uses?: string
  run?: string
  env?: Record<string, string>
}
interface Workflow {
  on: Record<string, unknown>
  jobs: Record<
    string,
    { needs?: string; permissions?: Record<string, string>; steps: Step[] }
  >
}

const release = parse(read('.github/workflows/release.yml')) as Workflow
const stepNamed = (job: string, name: string): Step => {
  const step = release.jobs[job]?.steps.find(s => s.name === name)
  if (step?.run === undefined) throw new Error(`no run step "${name}"`)
  return step
}

const scratch = mkdtempSync(join(tmpdir(), 'release-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com'
    }
  }).trim()
}

describe('action.yml listing metadata', () => {
  const action = parse(read('action.yml')) as {
    name?: string
    description?: string
    author?: string
    branding?: { icon?: string; color?: string }
    runs?: { using?: string; main?: string; post?: string }
  }

  it('has a name, an author and a description the Marketplace accepts', () => {
    expect(action.name).toBe('ASP.NET Lambda Deploy')
    expect(action.author).toMatch(/\S/)
    // The Marketplace refuses 125 characters or more.
    expect(action.description?.length).toBeGreaterThan(40)
    expect(action.description?.length).toBeLessThan(125)
  })

  it('has branding with a colour GitHub offers', () => {
    expect([
      'white',
      'black',
      'yellow',
      'blue',
      'green',
      'orange',
      'red',
      'purple',
      'gray-dark'
    ]).toContain(action.branding?.color)
    expect(action.branding?.icon).toMatch(/^[a-z]+(-[a-z]+)*$/)
  })

  it('runs the committed bundles on node24, the post step from its own', () => {
    expect(action.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/post/index.js'
    })
  })
})

describe('the release workflow', () => {
  it('runs on version tags only', () => {
    expect(release.on).toEqual({
      push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] }
    })
  })

  it('checks dist/ and runs the tests before it publishes anything', () => {
    const check = release.jobs.check?.steps.map(s => s.run ?? '') ?? []
    const dist = check.findIndex(run => run.includes('npm run package'))
    expect(check[dist]).toContain('git diff --exit-code --stat dist/')
    for (const command of [
      'npm run lint',
      'npm run test:unit',
      'npm test --prefix examples/infra'
    ]) {
      expect(check).toContain(command)
    }
    expect(release.jobs.release?.needs).toBe('check')
    expect(release.jobs.release?.permissions).toEqual({ contents: 'write' })
    expect(release.jobs.check?.permissions).toBeUndefined()
  })

  it('the CHANGELOG has one [Unreleased] section, and a dated one per release', () => {
    const headings = read('CHANGELOG.md').match(/^## .*$/gm) ?? []
    expect(headings.filter(h => h === '## [Unreleased]')).toHaveLength(1)
    expect(
      headings.filter(
        h =>
          h !== '## [Unreleased]' &&
          !/^## \[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$/.test(h)
      )
    ).toEqual([])
  })

  it('package.json has a released version or the next one', () => {
    const { version } = JSON.parse(read('package.json')) as { version: string }
    const released = [
      ...read('CHANGELOG.md').matchAll(/^## \[(\d+)\.(\d+)\.(\d+)\] - /gm)
    ].map(match => match.slice(1, 4).map(Number))
    const ours = version.split('.').map(Number)
    const compare = (a: number[], b: number[]): number =>
      (a[0] ?? 0) - (b[0] ?? 0) ||
      (a[1] ?? 0) - (b[1] ?? 0) ||
      (a[2] ?? 0) - (b[2] ?? 0)
    const isReleased = released.some(r => compare(r, ours) === 0)
    const isNext = released.every(r => compare(r, ours) < 0)
    expect(isReleased || isNext).toBe(true)
  })

  it.each([
    ['## [1.1.0] - 2026-01-02', 0],
    ['## [1.1.0] - Unreleased', 1],
    ['## [Unreleased]', 1],
    ['## [1.1.0]', 1],
    ['## [1x1x0] - 2026-01-02', 1],
    ['## [1.1.01] - 2026-01-02', 1]
  ])(
    'refuses a tag without a dated CHANGELOG entry: "%s" → %i',
    (heading, status) => {
      const dir = mkdtempSync(join(scratch, 'dated-'))
      writeFileSync(
        join(dir, 'CHANGELOG.md'),
        `# Changelog\n\n${heading}\n\n- x\n`
      )
      const result = spawnSync(
        'bash',
        [
          '--norc',
          '-e',
          '-c',
          stepNamed('check', 'CHANGELOG.md has a dated entry for the tag')
            .run ?? ''
        ],
        {
          cwd: dir,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', TAG: 'v1.1.0' }
        }
      )
      expect(result.status).toBe(status)
    }
  )

  it("publishes the version's CHANGELOG section as the release notes", () => {
    const bin = join(scratch, 'bin')
    mkdirSync(bin, { recursive: true })
    // A stand-in for gh that records its arguments and the notes file.
    writeFileSync(
      join(bin, 'gh'),
      '#!/bin/sh\nprintf "%s\\n" "$@" > "$RUNNER_TEMP/gh-args"\nwhile [ $# -gt 0 ]; do [ "$1" = --notes-file ] && cp "$2" "$RUNNER_TEMP/published.md"; shift; done\n'
    )
    chmodSync(join(bin, 'gh'), 0o755)
    const changelog = join(scratch, 'changelog')
    mkdirSync(changelog, { recursive: true })
    writeFileSync(
      join(changelog, 'CHANGELOG.md'),
      '# Changelog\n\n## [1.1.0] - 2026-01-02\n\n- new thing\n\n## [1.0.0] - 2026-01-01\n\n- first\n'
    )
    const result = spawnSync(
      'bash',
      [
        '--norc',
        '-e',
        '-c',
        stepNamed(
          'release',
          'Draft the release with the CHANGELOG section as notes'
        ).run ?? ''
      ],
      {
        cwd: changelog,
        encoding: 'utf8',
        env: {
          PATH: `${bin}:${process.env.PATH ?? ''}`,
          TAG: 'v1.1.0',
          RUNNER_TEMP: changelog
        }
      }
    )
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(readFileSync(join(changelog, 'published.md'), 'utf8')).toBe(
      '\n- new thing\n\n'
    )
    expect(
      readFileSync(join(changelog, 'gh-args'), 'utf8').split('\n')
    ).toEqual(
      expect.arrayContaining([
        'release',
        'create',
        'v1.1.0',
        '--draft',
        '--verify-tag'
      ])
    )
  })

  // Immutable releases: a published release's tag and assets never change,
  // so the release is drafted, given its assets, and only then published;
  // the major tag (a plain tag, outside the release) moves after that.
  // https://docs.github.com/en/actions/how-tos/create-and-publish-actions/using-immutable-releases-and-tags-to-manage-your-actions-releases
  it('drafts the release, attaches its assets, publishes it, then moves the major tag', () => {
    const names = (release.jobs.release?.steps ?? []).map(s => s.name ?? '')
    const order = [
      'Draft the release with the CHANGELOG section as notes',
      'Attach the bundle and its checksum',
      'Publish the release',
      'Move the major tag'
    ].map(name => names.indexOf(name))
    expect(order.every(i => i >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    const creates = (release.jobs.release?.steps ?? []).filter(s =>
      (s.run ?? '').includes('gh release create')
    )
    expect(creates).toHaveLength(1)
    expect(creates[0]?.run).toContain('--draft')
  })

  it('attaches action.yml and dist/ as one archive with its SHA-256, and publishes the draft', () => {
    const bin = join(scratch, 'bin-assets')
    mkdirSync(bin, { recursive: true })
    // A stand-in for gh that appends each call's arguments, one per line.
    writeFileSync(
      join(bin, 'gh'),
      '#!/bin/sh\nprintf "%s\\n" "$@" "--" >> "$RUNNER_TEMP/gh-calls"\n'
    )
    chmodSync(join(bin, 'gh'), 0o755)
    const work = join(scratch, 'assets')
    const temp = join(scratch, 'assets-temp')
    mkdirSync(join(work, 'dist'), { recursive: true })
    mkdirSync(temp, { recursive: true })
    writeFileSync(join(work, 'action.yml'), 'name: x\n')
    writeFileSync(join(work, 'dist', 'index.js'), 'console.log(1)\n')
    const runStep = (name: string): void => {
      const result = spawnSync(
        'bash',
        ['--norc', '-e', '-c', stepNamed('release', name).run ?? ''],
        {
          cwd: work,
          encoding: 'utf8',
          env: {
            PATH: `${bin}:${process.env.PATH ?? ''}`,
            TAG: 'v1.1.0',
            RUNNER_TEMP: temp
          }
        }
      )
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
    }
    runStep('Attach the bundle and its checksum')
    runStep('Publish the release')
    const calls = readFileSync(join(temp, 'gh-calls'), 'utf8')
      .split('--\n')
      .filter(c => c !== '')
      .map(c => c.trim().split('\n'))
    expect(calls).toEqual([
      [
        'release',
        'upload',
        'v1.1.0',
        join(temp, 'dist-v1.1.0.tar.gz'),
        join(temp, 'dist-v1.1.0.tar.gz.sha256')
      ],
      ['release', 'edit', 'v1.1.0', '--draft=false']
    ])
    const listed = execFileSync('tar', [
      '-tzf',
      join(temp, 'dist-v1.1.0.tar.gz')
    ])
      .toString()
      .split('\n')
      .filter(l => l !== '')
      .sort()
    expect(listed).toEqual(['action.yml', 'dist/', 'dist/index.js'])
    // The checksum file verifies the archive, as a user checks it.
    expect(
      spawnSync('sha256sum', ['-c', 'dist-v1.1.0.tar.gz.sha256'], {
        cwd: temp,
        encoding: 'utf8'
      }).status
    ).toBe(0)
  })

  describe('moving the major tag', () => {
    const origin = join(scratch, 'origin.git')
    const clone = join(scratch, 'clone')
    const commits: Record<string, string> = {}

    beforeAll(() => {
      git(scratch, 'init', '-q', '--bare', origin)
      git(scratch, 'clone', '-q', origin, clone)
      for (const version of ['v1.0.0', 'v1.1.0', 'v2.0.0']) {
        writeFileSync(join(clone, 'file'), version)
        git(clone, 'add', 'file')
        git(clone, 'commit', '-q', '-m', version)
        git(clone, 'tag', version)
        commits[version] = git(clone, 'rev-parse', 'HEAD')
      }
      // A fix for the older minor, tagged after v1.1.0.
      git(clone, 'checkout', '-q', commits['v1.0.0'] ?? '')
      writeFileSync(join(clone, 'file'), 'v1.0.1')
      git(clone, 'commit', '-q', '-am', 'v1.0.1')
      git(clone, 'tag', 'v1.0.1')
      commits['v1.0.1'] = git(clone, 'rev-parse', 'HEAD')
      git(clone, 'push', '-q', 'origin', '--tags')
    })

    const moveMajorTag = (tag: string): string => {
      const result = spawnSync(
        'bash',
        [
          '--norc',
          '-e',
          '-c',
          stepNamed('release', 'Move the major tag').run ?? ''
        ],
        {
          cwd: clone,
          encoding: 'utf8',
          env: { ...process.env, TAG: tag, GITHUB_SHA: commits[tag] ?? '' }
        }
      )
      expect(result.status).toBe(0)
      return result.stdout
    }
    const remoteTarget = (tag: string): string =>
      git(origin, 'rev-parse', `${tag}^{commit}`)

    it('points vX at the release', () => {
      moveMajorTag('v1.1.0')
      expect(remoteTarget('v1')).toBe(commits['v1.1.0'])
      moveMajorTag('v2.0.0')
      expect(remoteTarget('v2')).toBe(commits['v2.0.0'])
      expect(remoteTarget('v1')).toBe(commits['v1.1.0'])
    })

    it('never moves it back to an older minor', () => {
      expect(moveMajorTag('v1.0.1')).toContain('v1 stays on v1.1.0')
      expect(remoteTarget('v1')).toBe(commits['v1.1.0'])
    })
  })
})

describe('repository files', () => {
  it('SECURITY.md says how to report a vulnerability privately', () => {
    expect(read('SECURITY.md')).toMatch(/## Reporting a vulnerability/)
    expect(read('SECURITY.md')).toMatch(/Report a vulnerability/)
  })

  it('Dependabot updates both npm projects and the workflow actions', () => {
    const config = parse(read('.github/dependabot.yml')) as {
      updates: {
        'package-ecosystem': string
        directory?: string
        directories?: string[]
      }[]
    }
    const watched = config.updates.flatMap(u =>
      (u.directories ?? [u.directory ?? '']).map(d => ({
        ecosystem: u['package-ecosystem'],
        directory: d
      }))
    )
    expect(watched.map(w => `${w.ecosystem} ${w.directory}`).sort()).toEqual([
      'github-actions /',
      'github-actions /examples/workflows',
      'npm /',
      'npm /examples/infra'
    ])
    for (const { ecosystem, directory } of watched) {
      if (ecosystem === 'npm') {
        expect(existsSync(join(root, directory, 'package-lock.json'))).toBe(
          true
        )
      }
    }
  })

  it('the example workflows use the same action versions as ours', () => {
    const versions = (dir: string): Map<string, Set<string>> => {
      const found = new Map<string, Set<string>>()
      for (const name of readdirSync(join(root, dir))) {
        for (const match of read(`${dir}/${name}`).matchAll(
          /uses:\s*([\w.-]+\/[\w.-]+)@(\S+)(?:[ \t]*#[ \t]*(v\d+)[\w.-]*)?/g
        )) {
          const [, action = '', ref = '', pinnedMajor] = match
          // Ours are pinned by commit SHA with the version in a comment
          // (`@<sha> # v5.1.0`); the examples name the major (`@v5`).
          const version =
            /^[0-9a-f]{40}$/.test(ref) && pinnedMajor !== undefined
              ? pinnedMajor
              : ref
          if (action === 'your-org/aspnet-lambda-deploy') continue
          found.set(action, (found.get(action) ?? new Set()).add(version))
        }
      }
      return found
    }
    const ours = versions('.github/workflows')
    const examples = versions('examples/workflows')
    expect(examples.size).toBeGreaterThan(0)
    for (const [action, used] of examples) {
      expect([action, [...used]]).toEqual([
        action,
        [...(ours.get(action) ?? [])]
      ])
    }
  })
})
