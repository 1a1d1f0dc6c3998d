/**
 * The images a Dockerfile builds on: every FROM (after the ARGs before the
 * first FROM, with build-args), COPY --from and RUN --mount from= that names
 * an image rather than an earlier stage, and the # syntax= frontend. Pure:
 * the digests are looked up in ./registry-digest.ts.
 *
 * Not images: `scratch`, a stage named by AS, a stage by its number.
 * https://docs.docker.com/reference/dockerfile/#understand-how-arg-and-from-interact
 */

export type BaseImages =
  | { kind: 'images'; images: string[] }
  /** Why the images cannot be told (the key is not made: the build runs). */
  | { kind: 'unknown'; reason: string }

/** BuildKit's automatic platform ARGs, for FROM lines that use them. */
export function platformArgs(
  target: string,
  build: string
): Record<string, string> {
  const [targetOs = '', targetArch = '', targetVariant = ''] = target.split('/')
  const [buildOs = '', buildArch = '', buildVariant = ''] = build.split('/')
  return {
    TARGETPLATFORM: target,
    TARGETOS: targetOs,
    TARGETARCH: targetArch,
    TARGETVARIANT: targetVariant,
    BUILDPLATFORM: build,
    BUILDOS: buildOs,
    BUILDARCH: buildArch,
    BUILDVARIANT: buildVariant
  }
}

interface Instruction {
  keyword: string
  args: string
}

/** Directives (# syntax=, # escape=) at the top, before anything else. */
function directives(lines: string[]): Record<string, string> {
  const found: Record<string, string> = {}
  for (const line of lines) {
    const match = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(line)
    if (match?.[1] === undefined || match[2] === undefined) break
    const name = match[1].toLowerCase()
    if (name in found) break
    found[name] = match[2]
  }
  return found
}

/** Instructions with continuations joined, comments and heredoc bodies dropped. */
export function instructions(text: string): Instruction[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const escape = directives(lines).escape === '`' ? '`' : '\\'
  const result: Instruction[] = []
  let pending = ''
  let heredocs: { word: string; strip: boolean }[] = []
  for (const raw of lines) {
    if (heredocs.length > 0) {
      const first = heredocs[0]
      const line = first?.strip === true ? raw.replace(/^\t+/, '') : raw
      if (line === first?.word) heredocs = heredocs.slice(1)
      continue
    }
    const trimmed = raw.trim()
    if (pending === '' && (trimmed === '' || trimmed.startsWith('#'))) continue
    if (pending !== '' && (trimmed === '' || trimmed.startsWith('#'))) continue
    // Docker joins a continued line as it is, without adding a space.
    const line = pending === '' ? trimmed : raw.trimEnd()
    const continues = line.endsWith(escape)
    pending += continues ? line.slice(0, -1) : line
    if (continues) continue
    const whole = pending.trim()
    pending = ''
    const match = /^(\S+)\s*(.*)$/s.exec(whole)
    if (match?.[1] === undefined) continue
    const args = match[2] ?? ''
    result.push({ keyword: match[1].toUpperCase(), args })
    for (const doc of args.matchAll(/<<(-?)(["']?)([A-Za-z_][\w.-]*)\2/g))
      heredocs.push({ word: doc[3] ?? '', strip: doc[1] === '-' })
  }
  return result
}

/** Words of an instruction, quotes removed (as ARG and FROM read them). */
function words(args: string): string[] {
  const out: string[] = []
  for (const match of args.matchAll(/(?:"([^"]*)"|'([^']*)'|(\S+))/g)) {
    out.push(match[1] ?? match[2] ?? match[3] ?? '')
  }
  return out
}

/** NAME=value pairs of an ARG line (several may share one line). */
function argDefinitions(args: string): [string, string | undefined][] {
  const out: [string, string | undefined][] = []
  for (const match of args.matchAll(
    /([A-Za-z_][A-Za-z0-9_]*)(?:=(?:"([^"]*)"|'([^']*)'|(\S*)))?/g
  )) {
    const name = match[1] ?? ''
    const hasValue = match[0].includes('=')
    out.push([
      name,
      hasValue ? (match[2] ?? match[3] ?? match[4] ?? '') : undefined
    ])
  }
  return out
}

/**
 * $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word}; undefined when a variable
 * has no value and no default, or the form is not one of these.
 */
export function expand(
  text: string,
  vars: Readonly<Record<string, string>>
): string | undefined {
  let unknown = false
  const value = text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (
      _match,
      braced: string | undefined,
      op?: string,
      word?: string,
      bare?: string
    ) => {
      const name = braced ?? bare ?? ''
      const set = Object.prototype.hasOwnProperty.call(vars, name)
      const current = set ? (vars[name] ?? '') : undefined
      if (op === ':-' || op === '-') {
        const useDefault = op === ':-' ? !current : current === undefined
        return useDefault ? (word ?? '') : (current ?? '')
      }
      if (op === ':+' || op === '+') {
        const useWord = op === ':+' ? !!current : current !== undefined
        return useWord ? (word ?? '') : ''
      }
      if (current === undefined) unknown = true
      return current ?? ''
    }
  )
  if (unknown || value.includes('$')) return undefined
  return value
}

/** build-args as NAME → value (NAME alone: from the environment, unknown here). */
function buildArgValues(buildArgs: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {}
  for (const arg of buildArgs) {
    const separator = arg.indexOf('=')
    if (separator > 0)
      values[arg.slice(0, separator)] = arg.slice(separator + 1)
  }
  return values
}

/** The value of a --name=value flag in an instruction's arguments. */
function flag(args: string, name: string): string[] {
  return [...args.matchAll(new RegExp(`--${name}=(\\S+)`, 'g'))].map(
    m => m[1] ?? ''
  )
}

/**
 * The images the Dockerfile's build reads, in the order they appear,
 * without repeats.
 */
export function baseImages(
  dockerfile: string,
  buildArgs: readonly string[],
  automatic: Readonly<Record<string, string>>
): BaseImages {
  const given = buildArgValues(buildArgs)
  const globals: Record<string, string> = { ...automatic }
  const stages = new Set<string>()
  const images: string[] = []
  const add = (image: string): void => {
    if (!images.includes(image)) images.push(image)
  }
  const syntax = directives(dockerfile.split(/\r?\n/)).syntax
  if (syntax !== undefined) add(syntax)
  let stageCount = 0
  for (const { keyword, args } of instructions(dockerfile)) {
    if (keyword === 'ARG' && stageCount === 0) {
      for (const [name, value] of argDefinitions(args)) {
        const chosen = given[name] ?? value
        if (chosen === undefined) continue
        const expanded = expand(chosen, globals)
        if (expanded !== undefined) globals[name] = expanded
      }
    } else if (keyword === 'FROM') {
      const parts = words(args).filter(w => !w.startsWith('--'))
      const written = parts[0]
      if (written === undefined)
        return { kind: 'unknown', reason: `FROM ${args} names no image` }
      const image = expand(written, globals)
      if (image === undefined || image === '')
        return {
          kind: 'unknown',
          reason: `FROM ${written}: a variable in it has no value`
        }
      if (image.toLowerCase() !== 'scratch' && !stages.has(image)) add(image)
      stageCount++
      if (parts[1]?.toUpperCase() === 'AS' && parts[2] !== undefined)
        stages.add(parts[2])
    } else if (keyword === 'COPY' || keyword === 'ADD' || keyword === 'RUN') {
      const sources =
        keyword === 'RUN'
          ? flag(args, 'mount').flatMap(mount =>
              mount
                .split(',')
                .filter(field => field.startsWith('from='))
                .map(field => field.slice('from='.length))
            )
          : flag(args, 'from')
      for (const source of sources) {
        const image = expand(source.replace(/^["']|["']$/g, ''), globals)
        if (image === undefined)
          return {
            kind: 'unknown',
            reason: `${keyword} from ${source}: a variable in it has no value`
          }
        if (stages.has(image) || /^\d+$/.test(image)) continue
        if (image.toLowerCase() !== 'scratch') add(image)
      }
    }
  }
  return { kind: 'images', images }
}
