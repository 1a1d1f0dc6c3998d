/**
 * Which files of the build context Docker sends, as `.dockerignore` says:
 * the semantics of BuildKit's dockerignore reader and moby/patternmatcher,
 * so that the build key hashes exactly what the build sees.
 *
 * - a line starting with # is a comment (only in column 1);
 * - each line is trimmed; a leading ! makes it an exception;
 * - the pattern is cleaned like Go's filepath.Clean (./, .., //), and a
 *   leading / is dropped: patterns are relative to the context root;
 * - * and ? never match /, [...] are classes, \ escapes, ** matches any
 *   number of directories (including none);
 * - a pattern that matches a directory excludes everything under it;
 * - the last pattern that matches a path decides.
 * https://docs.docker.com/build/concepts/context/#dockerignore-files
 *
 * Checked against a real build (COPY . of a context, then the image's file
 * list). One difference from Docker 20.10, whose older matcher escaped only
 * . and $: there `f(1)+` is a regular expression; buildx and Docker 23 and
 * later (moby/patternmatcher), which GitHub's runners have, read it
 * literally, as here.
 */

export interface IgnorePattern {
  /** The cleaned pattern, without its !. */
  pattern: string
  /** A ! line: matching paths are sent again. */
  exception: boolean
  matches: (path: string) => boolean
}

const UTF8_BOM = '\uFEFF'

/** The patterns of a .dockerignore file, in order. */
export function parseDockerignore(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  for (const line of lines) {
    if (line.startsWith('#')) continue
    let pattern = line.trim()
    if (pattern === '' || pattern === UTF8_BOM) continue
    const exception = pattern.startsWith('!')
    if (exception) pattern = pattern.slice(1).trim()
    if (pattern !== '') {
      pattern = cleanPath(pattern)
      if (pattern.length > 1 && pattern.startsWith('/'))
        pattern = pattern.slice(1)
    }
    // An empty exception is an error in Docker ("illegal exclusion pattern").
    if (exception && pattern === '')
      throw new Error('.dockerignore: a line holds only "!"')
    patterns.push({ pattern, exception, matches: compilePattern(pattern) })
  }
  return patterns
}

/** Go's filepath.Clean for / separated paths. */
export function cleanPath(path: string): string {
  if (path === '') return '.'
  const rooted = path.startsWith('/')
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop()
      else if (!rooted) parts.push('..')
      continue
    }
    parts.push(part)
  }
  const joined = parts.join('/')
  if (rooted) return `/${joined}`
  return joined === '' ? '.' : joined
}

/** Characters with no meaning in filepath.Match that a regex would read. */
const ESCAPED = new Set(['.', '+', '(', ')', '|', '{', '}', '$'])

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp'

/**
 * moby/patternmatcher's compiled pattern: patterns without wildcards are
 * compared as strings (a leading ** is a suffix, a trailing ** a prefix),
 * the others through the regular expression it builds.
 */
export function compilePattern(pattern: string): (path: string) => boolean {
  let source = '^'
  let type: MatchType = 'exact'
  const chars = [...pattern]
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? ''
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++
        // **/ is read as **.
        if (chars[i + 1] === '/') i++
        if (i + 1 >= chars.length) {
          if (type === 'exact') type = 'prefix'
          else {
            source += '.*'
            type = 'regexp'
          }
        } else {
          source += '(.*/)?'
          type = 'regexp'
        }
        if (i === 1 || (i === 2 && chars[2] === '/')) type = 'suffix'
      } else {
        source += '[^/]*'
        type = 'regexp'
      }
    } else if (ch === '?') {
      source += '[^/]'
      type = 'regexp'
    } else if (ESCAPED.has(ch)) {
      source += `\\${ch}`
    } else if (ch === '\\') {
      const next = chars[i + 1]
      if (next === undefined) source += '\\'
      else {
        source += `\\${next}`
        i++
        type = 'regexp'
      }
    } else if (ch === '[' || ch === ']') {
      source += ch
      type = 'regexp'
    } else {
      source += ch
    }
  }
  if (type === 'exact') return path => path === pattern
  if (type === 'prefix') {
    const prefix = pattern.slice(0, -2)
    return path => path.startsWith(prefix)
  }
  if (type === 'suffix') {
    const suffix = pattern.slice(2)
    return path =>
      path.endsWith(suffix) ||
      (suffix.startsWith('/') && path === suffix.slice(1))
  }
  let regex: RegExp
  try {
    regex = new RegExp(`${source}$`, 's')
  } catch {
    // Docker refuses such a pattern too ("syntax error in pattern").
    throw new Error(`.dockerignore: "${pattern}" is not a valid pattern`)
  }
  return path => regex.test(path)
}

/**
 * Whether the path (relative to the context, / separated) is left out: the
 * last pattern matching it or one of its parent directories decides.
 */
export function isExcluded(
  patterns: readonly IgnorePattern[],
  path: string
): boolean {
  const parents = parentDirectories(path)
  let excluded = false
  for (const p of patterns) {
    // An exclusion cannot change an excluded path, nor an exception a sent one.
    if (p.exception !== excluded) continue
    const matches = p.matches(path) || parents.some(parent => p.matches(parent))
    if (matches) excluded = !p.exception
  }
  return excluded
}

/** a/b/c → [a, a/b]. */
function parentDirectories(path: string): string[] {
  const parts = path.split('/')
  const parents: string[] = []
  for (let i = 1; i < parts.length; i++)
    parents.push(parts.slice(0, i).join('/'))
  return parents
}

/**
 * Whether a walk may skip an excluded directory: only when no exception
 * could bring back anything under it. An exception's literal beginning (up
 * to its first wildcard) must lead into the directory for that.
 */
export function canSkipDirectory(
  patterns: readonly IgnorePattern[],
  directory: string
): boolean {
  if (!isExcluded(patterns, directory)) return false
  const inside = `${directory}/`
  return !patterns.some(p => {
    if (!p.exception) return false
    const literal = /^[^*?[\\]*/.exec(p.pattern)?.[0] ?? ''
    return literal.startsWith(inside) || inside.startsWith(literal)
  })
}
