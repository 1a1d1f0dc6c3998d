import * as path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { readArchitecture, readBuildOptions } from '../../src/inputs/build.js'
import type { FileFacts, StatFile } from '../../src/inputs/files.js'

function reader(values: Record<string, string>): (name: string) => string {
  return name => values[name] ?? ''
}

describe('readArchitecture', () => {
  it.each<[string, string | undefined, number]>([
    ['', undefined, 0],
    ['  ', undefined, 0],
    [' Arm64 ', 'arm64', 0],
    ['x86_64', 'x86_64', 0],
    ['x86-64', undefined, 1],
    ['arm', undefined, 1]
  ])('%p → %p with %d problem(s)', (text, expected, count) => {
    const { value, problems } = readArchitecture(reader({ architecture: text }))
    expect(value).toBe(expected)
    expect(problems).toHaveLength(count)
  })

  it('quotes the input as given', () => {
    expect(
      readArchitecture(reader({ architecture: ' AMD64 ' })).problems
    ).toEqual([
      `architecture "AMD64" must be x86_64 or arm64 (Lambda's names), or left empty to use the function's.`
    ])
  })
})

describe('readBuildOptions', () => {
  it('defaults the context to . and leaves the rest empty', () => {
    expect(readBuildOptions(reader({}))).toEqual({
      value: {
        context: '.',
        file: undefined,
        target: undefined,
        buildArgs: [],
        labels: [],
        cacheFrom: [],
        cacheTo: [],
        secrets: [],
        secretFiles: [],
        builder: undefined,
        noCache: false,
        pull: false,
        reuseUnchanged: false
      },
      problems: []
    })
  })

  it.each<[string, Record<string, string>, string[]]>([
    ['nothing wrong', { 'build-args': 'A=1', labels: 'b=2' }, []],
    // cache-from and cache-to are docker's own syntax: passed as they are.
    ['cache lines', { 'cache-from': 'type=gha', 'cache-to': 'mode=max' }, []],
    [
      'build-args before labels',
      { labels: 'nolabel', 'build-args': 'NOARG' },
      [
        'build-args: "NOARG" is not KEY=VALUE (one per line).',
        'labels: "nolabel" is not KEY=VALUE (one per line).'
      ]
    ]
  ])('reports %s', (_label, values, problems) => {
    expect(readBuildOptions(reader(values)).problems).toEqual(problems)
  })
})

describe('readBuildOptions: context and file', () => {
  const stat =
    (facts: FileFacts): StatFile =>
    () =>
      facts
  const ACCEPTED =
    'give the path of the Dockerfile, relative to the working directory (for example src/Api/Dockerfile).'

  it.each<[string, Record<string, string>, number]>([
    ['--help as the context', { context: '--help' }, 1],
    ['- as the context', { context: '-' }, 1],
    ['a padded -x as the context', { context: '  -x ' }, 1],
    ['- as the file', { file: '-' }, 1],
    ['-f as the file', { file: '-f' }, 1],
    ['both', { context: '-', file: '-' }, 2],
    ['./- as the context and file', { context: './-', file: './-' }, 0],
    ['a dash inside', { context: 'a-b/-c', file: 'a/-Dockerfile' }, 0]
  ])('%s: %d problem(s)', (_label, values, count) => {
    const { problems } = readBuildOptions(reader(values))
    expect(problems).toHaveLength(count)
    for (const problem of problems) {
      expect(problem).toMatch(
        /^(context|file) ".*" must be .* not start with -/
      )
    }
  })

  it.each<[string, FileFacts, string | undefined]>([
    ['a Dockerfile', { kind: 'file', size: 412 }, undefined],
    ['an empty file', { kind: 'file', size: 0 }, undefined],
    ['a file of exactly 1 MiB', { kind: 'file', size: 1024 ** 2 }, undefined],
    [
      'a file of 1 MiB and a byte',
      { kind: 'file', size: 1024 ** 2 + 1 },
      `file "x" is 1.0 MiB, more than a Dockerfile's 1 MiB at most: ${ACCEPTED}`
    ],
    [
      'a 2 GiB file',
      { kind: 'file', size: 2 * 1024 ** 3 },
      `file "x" is 2048.0 MiB, more than a Dockerfile's 1 MiB at most: ${ACCEPTED}`
    ],
    [
      'a directory',
      { kind: 'directory', size: 0 },
      `file "x" is a directory, not a regular file: ${ACCEPTED}`
    ],
    [
      'a device',
      { kind: 'device', size: 0 },
      `file "x" is a device, not a regular file: ${ACCEPTED}`
    ],
    [
      'a FIFO',
      { kind: 'fifo', size: 0 },
      `file "x" is a named pipe, not a regular file: ${ACCEPTED}`
    ],
    [
      'a socket',
      { kind: 'socket', size: 0 },
      `file "x" is a socket, not a regular file: ${ACCEPTED}`
    ],
    [
      'a missing file',
      { kind: 'missing', size: 0 },
      `file "x" does not exist: ${ACCEPTED}`
    ],
    [
      'an unreadable path',
      { kind: 'unreadable', size: 0, reason: 'EACCES' },
      `file "x" cannot be read (EACCES): ${ACCEPTED}`
    ]
  ])('with a stat: %s', (_label, facts, problem) => {
    const { value, problems } = readBuildOptions(reader({ file: ' x ' }), {
      stat: stat(facts)
    })
    expect(value.file).toBe('x')
    expect(problems).toEqual(problem === undefined ? [] : [problem])
  })

  it('without a stat, takes the file as written (a run that builds nothing)', () => {
    expect(
      readBuildOptions(reader({ file: 'gone/Dockerfile' })).problems
    ).toEqual([])
  })

  it('asks the stat about the trimmed file only, and not about a - file', () => {
    const looked: string[] = []
    const recording: StatFile = path => {
      looked.push(path)
      return { kind: 'file', size: 1 }
    }
    readBuildOptions(reader({ file: ' src/Dockerfile\n' }), { stat: recording })
    readBuildOptions(reader({ file: '-' }), { stat: recording })
    readBuildOptions(reader({}), { stat: recording })
    // Without file, the default <context>/Dockerfile is looked at.
    expect(looked).toEqual(['src/Dockerfile', 'Dockerfile'])
  })

  const DEFAULT = path.join('app', 'Dockerfile')
  it.each<[string, FileFacts, string | undefined]>([
    ['a regular file', { kind: 'file', size: 100 }, undefined],
    // docker says so (or fetches a remote context such as a git URL).
    ['missing', { kind: 'missing', size: 0 }, undefined],
    [
      'a named pipe',
      { kind: 'fifo', size: 0 },
      `${DEFAULT} is a named pipe, not a regular file: without file, docker reads the Dockerfile of context "app" from ${DEFAULT}: make that a regular file, or give the Dockerfile's path in file.`
    ],
    [
      'a device (a link to /dev/zero)',
      { kind: 'device', size: 0 },
      `${DEFAULT} is a device, not a regular file: without file, docker reads the Dockerfile of context "app" from ${DEFAULT}: make that a regular file, or give the Dockerfile's path in file.`
    ],
    [
      'a directory',
      { kind: 'directory', size: 0 },
      `${DEFAULT} is a directory, not a regular file: without file, docker reads the Dockerfile of context "app" from ${DEFAULT}: make that a regular file, or give the Dockerfile's path in file.`
    ],
    ['exactly 1 MiB', { kind: 'file', size: 1024 * 1024 }, undefined],
    [
      'larger than a Dockerfile',
      { kind: 'file', size: 3 * 1024 * 1024 },
      `${DEFAULT} is 3.0 MiB, more than a Dockerfile's 1 MiB at most: without file, docker reads the Dockerfile of context "app" from ${DEFAULT}: make that a regular file, or give the Dockerfile's path in file.`
    ]
  ])('the default Dockerfile is %s', (_name, facts, problem) => {
    const { problems } = readBuildOptions(reader({ context: 'app' }), {
      stat: () => facts
    })
    expect(problems).toEqual(problem === undefined ? [] : [problem])
  })
})

describe('readBuildOptions: secrets, secret-files, builder, no-cache, pull', () => {
  const TOKEN = 'oy2secretvalue'
  const files: StatFile = path =>
    path.startsWith('/missing')
      ? { kind: 'missing', size: 0 }
      : path.startsWith('/dir')
        ? { kind: 'directory', size: 0 }
        : path.startsWith('/locked')
          ? { kind: 'unreadable', size: 0, reason: 'EACCES' }
          : { kind: 'file', size: 10 }

  it('reads id=value and id=path lines, a value keeping its own =', () => {
    const { value, problems } = readBuildOptions(
      reader({
        secrets: `nuget=${TOKEN}\n  npm.token = a=b==  \n# a comment\n`,
        'secret-files': 'nuget-config=/tmp/nuget.config',
        builder: ' builder-1a2b ',
        'no-cache': 'TRUE',
        pull: 'true',
        'reuse-unchanged-image': 'true'
      }),
      { stat: files }
    )
    expect(problems).toEqual([])
    expect(value).toMatchObject({
      secrets: [
        { id: 'nuget', value: TOKEN },
        { id: 'npm.token', value: 'a=b==' }
      ],
      secretFiles: [{ id: 'nuget-config', path: '/tmp/nuget.config' }],
      builder: 'builder-1a2b',
      noCache: true,
      pull: true,
      reuseUnchanged: true
    })
  })

  it.each<[string, Record<string, string>, string[]]>([
    [
      'a secrets line without = (never quoted: it may be the secret)',
      { secrets: `ok=1\n${TOKEN}` },
      [
        'secrets line 2 is not id=value (the line is not shown: it may be the secret).'
      ]
    ],
    [
      'an empty value',
      { secrets: 'nuget=' },
      [
        'secrets line 1: the secret "nuget" is empty (a repository secret that is not set reads as empty).'
      ]
    ],
    [
      'an id with a space, a comma or a leading -',
      { secrets: `a b=${TOKEN}\nx,src=/etc/passwd=1\n-x=1` },
      [1, 2, 3].map(
        line =>
          `secrets line ${line}: the id must be letters, digits, -, _ and . (not starting with -), as in RUN --mount=type=secret,id=nuget; write id=value.`
      )
    ],
    [
      'an id given twice across both inputs',
      { secrets: 'nuget=1', 'secret-files': 'nuget=/tmp/f' },
      [
        'secret-files line 1: the secret id "nuget" is given twice (secrets and secret-files share ids).'
      ]
    ],
    [
      'a secret-files line without a path',
      { 'secret-files': 'nuget' },
      [
        'secret-files line 1 "nuget" is not id=path: for example nuget=${{ runner.temp }}/nuget.config.'
      ]
    ],
    [
      // The two guards of the line's form each catch what the other does not.
      'a secret-files line with an empty path, and one with an empty id',
      { 'secret-files': 'a=\n=/tmp/x' },
      [
        'secret-files line 1 "a=" is not id=path: for example nuget=${{ runner.temp }}/nuget.config.',
        'secret-files line 2: the id must be letters, digits, -, _ and . (not starting with -), as in RUN --mount=type=secret,id=nuget; write id=value.'
      ]
    ],
    [
      'a path starting with -',
      { 'secret-files': 'a=-f' },
      [
        'secret-files line 1 (a): the path "-f" must not start with - (docker would take it for an option): write ./-f.'
      ]
    ],
    [
      'a path with a comma',
      { 'secret-files': 'a=/tmp/x,env=HOME' },
      [
        'secret-files line 1 (a): the path "/tmp/x,env=HOME" must not contain a comma or a double quote (docker\'s --secret would split it).'
      ]
    ],
    [
      'a missing, a directory and an unreadable path',
      { 'secret-files': 'a=/missing/f\nb=/dir\nc=/locked/f' },
      [
        'secret-files line 1 (a): "/missing/f" does not exist.',
        'secret-files line 2 (b): "/dir" is a directory, not a regular file.',
        'secret-files line 3 (c): "/locked/f" cannot be read (EACCES).'
      ]
    ],
    [
      'a builder starting with -',
      { builder: '--help' },
      [
        'builder "--help" must be the name of a buildx builder (letters, digits, -, _ and ., not starting with - or .): for example the name output of docker/setup-buildx-action.'
      ]
    ],
    [
      'no-cache, pull and reuse-unchanged-image not booleans',
      { 'no-cache': 'yes', pull: '1', 'reuse-unchanged-image': 'on' },
      [
        'no-cache "yes" must be true or false.',
        'pull "1" must be true or false.',
        'reuse-unchanged-image "on" must be true or false.'
      ]
    ]
  ])('reports %s', (_label, values, expected) => {
    const { problems, value } = readBuildOptions(reader(values), {
      stat: files
    })
    expect(problems).toEqual(expected)
    expect(problems.join('\n')).not.toContain(TOKEN)
    expect(value.secrets.map(s => s.id)).not.toContain('a b')
  })

  it('checks secret-files paths only in a run that builds (with a stat)', () => {
    expect(
      readBuildOptions(reader({ 'secret-files': 'a=/missing/f' })).problems
    ).toEqual([])
  })
})
