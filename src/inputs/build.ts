import { fields, isOneOf, type InputReader, type Parsed } from './readers.js'
import type { Architecture, Inputs } from './types.js'

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

/** What docker build is given: context, file, target, build-args, labels, cache. */
export function readBuildOptions(read: InputReader): Parsed<BuildOptions> {
  const input = fields(read)
  return input.parsed({
    context: input.optional('context') ?? '.',
    file: input.optional('file'),
    target: input.optional('target'),
    buildArgs: input.keyValues('build-args'),
    labels: input.keyValues('labels'),
    cacheFrom: input.lines('cache-from'),
    cacheTo: input.lines('cache-to')
  })
}
