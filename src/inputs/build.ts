import { dockerfilePath } from '../build/dockerfile.js'
import type { FileFacts, StatFile } from './files.js'
import { fields, isOneOf, type InputReader, type Parsed } from './readers.js'
import type {
  Architecture,
  BuildSecret,
  BuildSecretFile,
  Inputs
} from './types.js'

/** Far above any real Dockerfile; a bigger file is not one. */
export const DOCKERFILE_MAX_BYTES = 1024 * 1024

const ARCHITECTURES: readonly Architecture[] = ['x86_64', 'arm64']

/** architecture: Lambda's name for it; undefined uses the function's. */
export function readArchitecture(
  read: InputReader
): Parsed<Architecture | undefined> {
  const input = fields(read)
  const text = input.optional('architecture')
  if (text === undefined) return input.parsed(undefined)
  const normalized = text.toLowerCase()
  if (isOneOf(ARCHITECTURES, normalized)) return input.parsed(normalized)
  input.problems.push(
    `architecture "${text}" must be x86_64 or arm64 (Lambda's names), or left empty to use the function's.`
  )
  return input.parsed(undefined)
}

export type BuildOptions = Pick<
  Inputs,
  | 'context'
  | 'file'
  | 'target'
  | 'buildArgs'
  | 'labels'
  | 'cacheFrom'
  | 'cacheTo'
  | 'secrets'
  | 'secretFiles'
  | 'builder'
  | 'noCache'
  | 'pull'
  | 'reuseUnchanged'
>

/** BuildKit's secret ids as RUN --mount=type=secret,id=… names them. */
const SECRET_ID = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/

/** buildx builder names (docker buildx create --name). */
const BUILDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/**
 * What docker build is given: context, file, target, build-args, labels,
 * cache, secrets, builder, no-cache, pull. context and file are docker's only values that do not follow a
 * flag, so one starting with - would be read as an option (and `-f -` as the
 * Dockerfile on standard input). With `dockerfile` (a run that may build),
 * file must also be a regular file of Dockerfile size.
 */
export function readBuildOptions(
  read: InputReader,
  dockerfile?: { stat: StatFile }
): Parsed<BuildOptions> {
  const input = fields(read)
  const { problems } = input
  const context = input.optional('context') ?? '.'
  if (context.startsWith('-')) {
    problems.push(
      `context "${context}" must be a directory path that does not start with - (docker would take it for an option): for example . or src/Api, or ./${context} for a directory of that name.`
    )
  }
  const file = input.optional('file')
  if (file?.startsWith('-') === true) {
    problems.push(
      `file "${file}" must be a path to a Dockerfile that does not start with - (docker would take it for an option, and - for standard input): for example src/Api/Dockerfile, or ./${file} for a file of that name.`
    )
  } else if (file !== undefined && dockerfile !== undefined) {
    const problem = dockerfileProblem(file, dockerfile.stat(file))
    if (problem !== undefined) problems.push(problem)
  } else if (dockerfile !== undefined && !context.startsWith('-')) {
    const problem = defaultDockerfileProblem(context, dockerfile.stat)
    if (problem !== undefined) problems.push(problem)
  }
  return input.parsed({
    context,
    file,
    target: input.optional('target'),
    buildArgs: input.keyValues('build-args'),
    labels: input.keyValues('labels'),
    cacheFrom: input.lines('cache-from'),
    cacheTo: input.lines('cache-to'),
    ...readSecrets(input.lines('secrets'), input.lines('secret-files'), {
      problems,
      stat: dockerfile?.stat
    }),
    builder: readBuilder(input.optional('builder'), problems),
    noCache: input.boolean('no-cache', false),
    pull: input.boolean('pull', false),
    reuseUnchanged: input.boolean('reuse-unchanged-image', false)
  })
}

function readBuilder(
  builder: string | undefined,
  problems: string[]
): string | undefined {
  if (builder === undefined || BUILDER_NAME.test(builder)) return builder
  problems.push(
    `builder "${builder}" must be the name of a buildx builder (letters, digits, -, _ and ., not starting with - or .): for example the name output of docker/setup-buildx-action.`
  )
  return undefined
}

/**
 * secrets (id=value) and secret-files (id=path). A problem never quotes a
 * secrets line: a line without = may well be the secret itself. Paths are
 * checked only with `stat` (a run that builds).
 */
function readSecrets(
  secretLines: string[],
  fileLines: string[],
  { problems, stat }: { problems: string[]; stat: StatFile | undefined }
): { secrets: BuildSecret[]; secretFiles: BuildSecretFile[] } {
  const seen = new Set<string>()
  const idProblem = (input: string, line: number, id: string): boolean => {
    const where = `${input} line ${line}`
    if (!SECRET_ID.test(id)) {
      problems.push(
        `${where}: the id must be letters, digits, -, _ and . (not starting with -), as in RUN --mount=type=secret,id=nuget; write id=value.`
      )
      return true
    }
    if (seen.has(id)) {
      problems.push(
        `${where}: the secret id "${id}" is given twice (secrets and secret-files share ids).`
      )
      return true
    }
    seen.add(id)
    return false
  }
  const secrets: BuildSecret[] = []
  secretLines.forEach((text, index) => {
    const line = index + 1
    const separator = text.indexOf('=')
    if (separator < 0) {
      problems.push(
        `secrets line ${line} is not id=value (the line is not shown: it may be the secret).`
      )
      return
    }
    const id = text.slice(0, separator).trim()
    const value = text.slice(separator + 1).trim()
    if (idProblem('secrets', line, id)) return
    if (value === '') {
      problems.push(
        `secrets line ${line}: the secret "${id}" is empty (a repository secret that is not set reads as empty).`
      )
      return
    }
    secrets.push({ id, value })
  })
  const secretFiles: BuildSecretFile[] = []
  fileLines.forEach((text, index) => {
    const line = index + 1
    const separator = text.indexOf('=')
    const id = separator < 0 ? '' : text.slice(0, separator).trim()
    const path = separator < 0 ? '' : text.slice(separator + 1).trim()
    if (separator < 0 || path === '') {
      problems.push(
        `secret-files line ${line} "${text}" is not id=path: for example nuget=\${{ runner.temp }}/nuget.config.`
      )
      return
    }
    if (idProblem('secret-files', line, id)) return
    const problem = secretFileProblem(line, id, path, stat)
    if (problem !== undefined) problems.push(problem)
    else secretFiles.push({ id, path })
  })
  return { secrets, secretFiles }
}

function secretFileProblem(
  line: number,
  id: string,
  path: string,
  stat: StatFile | undefined
): string | undefined {
  const where = `secret-files line ${line} (${id})`
  if (path.startsWith('-')) {
    return `${where}: the path "${path}" must not start with - (docker would take it for an option): write ./${path}.`
  }
  // docker reads --secret as comma-separated fields with quotes.
  if (/[,"]/.test(path)) {
    return `${where}: the path "${path}" must not contain a comma or a double quote (docker's --secret would split it).`
  }
  if (stat === undefined) return undefined
  const facts = stat(path)
  if (facts.kind === 'file') return undefined
  if (facts.kind === 'missing') return `${where}: "${path}" does not exist.`
  if (facts.kind === 'unreadable')
    return `${where}: "${path}" cannot be read (${facts.reason ?? 'unknown error'}).`
  return `${where}: "${path}" is ${NOT_A_FILE[facts.kind] ?? facts.kind}, not a regular file.`
}

const NOT_A_FILE: Partial<Record<FileFacts['kind'], string>> = {
  directory: 'a directory',
  device: 'a device',
  fifo: 'a named pipe',
  socket: 'a socket'
}

/** Why `file` cannot be the Dockerfile docker reads, if it cannot. */
function dockerfileProblem(file: string, facts: FileFacts): string | undefined {
  const accepted =
    'give the path of the Dockerfile, relative to the working directory (for example src/Api/Dockerfile)'
  if (facts.kind === 'missing') {
    return `file "${file}" does not exist: ${accepted}.`
  }
  if (facts.kind === 'unreadable') {
    return `file "${file}" cannot be read (${facts.reason ?? 'unknown error'}): ${accepted}.`
  }
  const what = NOT_A_FILE[facts.kind]
  if (what !== undefined) {
    return `file "${file}" is ${what}, not a regular file: ${accepted}.`
  }
  if (facts.size > DOCKERFILE_MAX_BYTES) {
    return `file "${file}" is ${(facts.size / 1024 ** 2).toFixed(1)} MiB, more than a Dockerfile's 1 MiB at most: ${accepted}.`
  }
  return undefined
}

/**
 * Why <context>/Dockerfile, read when `file` is not given, cannot be the
 * Dockerfile, if it cannot. Only what is there is judged: a missing one
 * (or a context docker fetches, such as a git URL) is docker's to report.
 */
function defaultDockerfileProblem(
  context: string,
  stat: StatFile
): string | undefined {
  const file = dockerfilePath({ context, file: undefined })
  const facts = stat(file)
  if (facts.kind === 'missing' || facts.kind === 'unreadable') return undefined
  const accepted = `without file, docker reads the Dockerfile of context "${context}" from ${file}: make that a regular file, or give the Dockerfile's path in file`
  const what = NOT_A_FILE[facts.kind]
  if (what !== undefined)
    return `${file} is ${what}, not a regular file: ${accepted}.`
  if (facts.size > DOCKERFILE_MAX_BYTES)
    return `${file} is ${(facts.size / 1024 ** 2).toFixed(1)} MiB, more than a Dockerfile's 1 MiB at most: ${accepted}.`
  return undefined
}
