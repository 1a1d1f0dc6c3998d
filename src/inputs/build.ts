import type { FileFacts, StatFile } from './files.js'
import { fields, isOneOf, type InputReader, type Parsed } from './readers.js'
import type { Architecture, Inputs } from './types.js'

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
>

/**
 * What docker build is given: context, file, target, build-args, labels,
 * cache. context and file are docker's only values that do not follow a
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
  }
  return input.parsed({
    context,
    file,
    target: input.optional('target'),
    buildArgs: input.keyValues('build-args'),
    labels: input.keyValues('labels'),
    cacheFrom: input.lines('cache-from'),
    cacheTo: input.lines('cache-to')
  })
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
