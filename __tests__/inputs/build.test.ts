import { describe, expect, it } from '@jest/globals'
import { readArchitecture, readBuildOptions } from '../../src/inputs/build.js'

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
        cacheTo: []
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
