import { promises as fs } from 'node:fs'
import type { Exec, ExecResult } from '../src/build/docker.js'

/** One command the code under test ran. */
export interface ExecCall {
  command: string
  args: string[]
  /** `[command, ...args]`, the form scripts are keyed by. */
  argv: string[]
  env: Record<string, string> | undefined
  /** What was written to standard input, decoded as UTF-8. */
  input: string | undefined
  stream: boolean
}

/**
 * What a scripted command returns: missing fields default to exit code 0 and
 * empty output. A function can look at the call (and e.g. write a file the
 * real command would have written) before answering.
 */
export type Scripted =
  | Partial<ExecResult>
  | ((call: ExecCall) => Partial<ExecResult> | Promise<Partial<ExecResult>>)

/** `[argv prefix, result]`, e.g. `[['docker', 'buildx', 'version'], { exitCode: 1 }]`. */
export type ScriptEntry = readonly [prefix: readonly string[], result: Scripted]

export interface FakeExec {
  exec: Exec
  /** Every call, in order. */
  calls: ExecCall[]
  /** The argv of every call, in order. */
  argvs: () => string[][]
}

function startsWith(argv: string[], prefix: readonly string[]): boolean {
  return (
    prefix.length <= argv.length && prefix.every((part, i) => argv[i] === part)
  )
}

/**
 * A recording `Exec`. Each call is answered by the script entry with the
 * longest prefix of its argv. Entries with the same prefix answer in turn,
 * the last one repeating (e.g. fail once, then succeed). A call no entry
 * matches throws, so an unexpected command fails the test.
 */
export function fakeExec(script: readonly ScriptEntry[]): FakeExec {
  const calls: ExecCall[] = []
  const used = new Map<ScriptEntry, number>()
  const exec: Exec = async (command, args, options = {}) => {
    const argv = [command, ...args]
    const call: ExecCall = {
      command,
      args: [...args],
      argv,
      env: options.env === undefined ? undefined : { ...options.env },
      input: options.input?.toString('utf8'),
      stream: options.stream === true
    }
    calls.push(call)
    const matching = script.filter(([prefix]) => startsWith(argv, prefix))
    const longest = Math.max(...matching.map(([prefix]) => prefix.length))
    const candidates = matching.filter(([prefix]) => prefix.length === longest)
    const entry =
      candidates.find(candidate => !used.has(candidate)) ?? candidates.at(-1)
    if (entry === undefined) {
      throw new Error(
        `fakeExec: no scripted result for ${JSON.stringify(argv)}`
      )
    }
    used.set(entry, (used.get(entry) ?? 0) + 1)
    const scripted = entry[1]
    const result =
      typeof scripted === 'function' ? await scripted(call) : scripted
    return { exitCode: 0, stdout: '', stderr: '', ...result }
  }
  return { exec, calls, argvs: () => calls.map(call => call.argv) }
}

/**
 * A `docker buildx build` that succeeds and writes `metadata` (as JSON) to
 * the path given after `--metadata-file`, as buildx does.
 */
export function writesBuildxMetadata(
  metadata: Record<string, unknown>
): Scripted {
  return async call => {
    const index = call.args.indexOf('--metadata-file')
    const file = index === -1 ? undefined : call.args[index + 1]
    if (file === undefined) {
      throw new Error(
        'fakeExec: docker buildx build was run without --metadata-file'
      )
    }
    await fs.writeFile(file, JSON.stringify(metadata))
    return { exitCode: 0 }
  }
}

/**
 * A plain `docker build` that succeeds and writes `imageId` to the path given
 * after `--iidfile`, as docker does; `output` is what it prints.
 */
export function writesImageId(
  imageId: string,
  output: Partial<ExecResult> = {}
): (call: ExecCall) => Promise<Partial<ExecResult>> {
  return async call => {
    const index = call.args.indexOf('--iidfile')
    const file = index === -1 ? undefined : call.args[index + 1]
    if (file === undefined) {
      throw new Error('fakeExec: docker build was run without --iidfile')
    }
    await fs.writeFile(file, imageId)
    return { exitCode: 0, ...output }
  }
}
