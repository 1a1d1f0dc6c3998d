import { describe, expect, it } from '@jest/globals'
import {
  canSkipDirectory,
  cleanPath,
  isExcluded,
  parseDockerignore
} from '../../src/build/dockerignore.js'

const excluded = (ignore: string, path: string): boolean =>
  isExcluded(parseDockerignore(ignore), path)

describe('parseDockerignore', () => {
  it('drops comments (column 1 only), blank lines, a leading / and ./, and cleans the path', () => {
    expect(
      parseDockerignore(
        '\uFEFF# comment\n\n  /bin/  \n./obj\n!  ./keep/../keep.txt\r\na//b/./c\n'
      ).map(p => [p.pattern, p.exception])
    ).toEqual([
      ['bin', false],
      ['obj', false],
      ['keep.txt', true],
      ['a/b/c', false]
    ])
  })

  it('refuses a line of only !', () => {
    expect(() => parseDockerignore('!\n')).toThrow(/only "!"/)
  })

  it('reads an indented # as a pattern, not a comment', () => {
    expect(excluded('  #notes', '#notes')).toBe(true)
  })
})

describe('cleanPath (Go filepath.Clean)', () => {
  it.each([
    ['', '.'],
    ['./', '.'],
    ['a/../..', '..'],
    ['/../a', '/a'],
    ['a/./b//c/', 'a/b/c'],
    ['../a/../b', '../b']
  ])('%p → %p', (input, output) => {
    expect(cleanPath(input)).toBe(output)
  })
})

describe('isExcluded', () => {
  it.each([
    // * and ? stay within one directory
    ['*.md', 'README.md', true],
    ['*.md', 'docs/README.md', false],
    ['*/temp*', 'somedir/temporary.txt', true],
    ['*/temp*', 'temp', false],
    ['*/*/temp*', 'somedir/subdir/temporary.txt', true],
    ['temp?', 'tempa', true],
    ['temp?', 'temp', false],
    // ** matches any number of directories, none included
    ['**/*.go', 'main.go', true],
    ['**/*.go', 'a/b/main.go', true],
    ['**/bin', 'src/Api/bin', true],
    ['**/bin', 'bin', true],
    ['**/bin', 'src/Api/binary', false],
    ['src/**/obj', 'src/obj', true],
    ['src/**/obj', 'src/a/b/obj/x.dll', true],
    ['src/**', 'src/a/b', true],
    ['src/**', 'other/src/a', false],
    // a leading ** without / is a suffix (moby/patternmatcher)
    ['**foo', 'a/barfoo', true],
    ['**', 'anything/at/all', true],
    // a directory pattern covers everything under it
    ['node_modules', 'node_modules/x/index.js', true],
    ['/obj', 'obj/Debug/app.dll', true],
    ['obj', 'src/obj/app.dll', false],
    // literal characters that mean something to a regular expression
    ['a.b', 'axb', false],
    ['a.b', 'a.b', true],
    ['f(1)+$', 'f(1)+$', true],
    // character classes and escapes
    ['[abc].txt', 'b.txt', true],
    ['[abc].txt', 'd.txt', false],
    ['[^a].txt', 'a.txt', false],
    ['[^a].txt', 'b.txt', true],
    ['\\*.txt', '*.txt', true],
    ['\\*.txt', 'a.txt', false]
  ])('%p excludes %p: %p', (ignore, path, expected) => {
    expect(excluded(ignore, path)).toBe(expected)
  })

  it('lets the last matching line decide (Docker documentation examples)', () => {
    expect(excluded('*.md\n!README.md', 'README.md')).toBe(false)
    expect(excluded('*.md\n!README.md', 'CHANGES.md')).toBe(true)
    expect(
      excluded('*.md\n!README*.md\nREADME-secret.md', 'README-secret.md')
    ).toBe(true)
    expect(excluded('*.md\n!README*.md\nREADME-secret.md', 'README-x.md')).toBe(
      false
    )
    expect(
      excluded('*.md\nREADME-secret.md\n!README*.md', 'README-secret.md')
    ).toBe(false)
  })

  it('brings back a file under an excluded directory with an exception', () => {
    const ignore = 'src\n!src/Api/keep.json'
    expect(excluded(ignore, 'src/Api/keep.json')).toBe(false)
    expect(excluded(ignore, 'src/Api/other.json')).toBe(true)
  })

  it('everything but an allow-list: * then exceptions', () => {
    const ignore = '*\n!src\n!*.csproj'
    expect(excluded(ignore, 'README.md')).toBe(true)
    expect(excluded(ignore, 'src/Program.cs')).toBe(false)
    expect(excluded(ignore, 'Api.csproj')).toBe(false)
    expect(excluded(ignore, '.git/HEAD')).toBe(true)
  })

  it('excludes nothing without patterns', () => {
    expect(excluded('', 'Dockerfile')).toBe(false)
  })
})

describe('canSkipDirectory', () => {
  it.each([
    ['node_modules', 'node_modules', true],
    ['node_modules\n!src/keep', 'node_modules', true],
    ['node_modules\n!node_modules/keep', 'node_modules', false],
    ['node_modules\n!**/keep', 'node_modules', false],
    ['*\n!src', 'src', false],
    ['*\n!src', 'docs', true],
    ['bin', 'src', false]
  ])('%p, directory %p: %p', (ignore, directory, expected) => {
    expect(canSkipDirectory(parseDockerignore(ignore), directory)).toBe(
      expected
    )
  })
})
