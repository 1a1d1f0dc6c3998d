/**
 * The reuse-unchanged-image cases of `npm run bench`, side by side with the
 * path without the option, in the same run on the same stand-in:
 *
 *  - a new commit that changes only a file outside the build context (a
 *    README edit, excluded by .dockerignore): with the option (no build, no
 *    push, no UpdateFunctionCode) against the full build-push-deploy path
 *    without it, built with no-cache as on a fresh hosted runner (without a
 *    cache a rebuild is a new digest, and the function is updated);
 *  - a new commit that changes the app: with and without the option, warm
 *    cache, and the time the key took (hashing the context, base lookups);
 *  - the base image tag repointed (a patched base): the build runs;
 *  - a context of 5,000 more files: how long hashing it takes.
 *
 * The app is built FROM a base image in the stand-in's registry. Every run
 * is checked for what it must (and must not) have done, not only timed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  createImageFunction,
  runAction,
  updates,
  type ActionResult,
  type ImageFunction
} from '../../test/local-aws/fixtures.js'
import { makeAppContext } from '../../test/local-aws/images.js'
import { pushBaseImage } from '../../test/local-aws/base-image.js'

export interface ReuseRow {
  case: string
  /** With reuse-unchanged-image. */
  reuse: number[]
  /** Without it. */
  plain: number[]
  /** Build key time (hash + base look-ups) of the runs with the option. */
  keyMs: number[]
  note: string
  target: string
}

interface ReuseSetup {
  fn: ImageFunction
  context: string
}

/** "Reuse an unchanged build: done in 312ms" → 312. */
export function keyTime(stdout: string): number {
  const match = /Reuse an unchanged build: done in (\d+(?:\.\d+)?)(ms|s)/.exec(
    stdout
  )
  if (match === null) return NaN
  const value = Number(match[1])
  return match[2] === 's' ? value * 1000 : value
}

async function run(
  setup: ReuseSetup,
  sha: string,
  inputs: Record<string, string>
): Promise<{ ms: number; result: ActionResult }> {
  const started = Date.now()
  const result = await runAction({
    inputs: {
      'function-name': setup.fn.functionName,
      repository: setup.fn.repositoryName,
      context: setup.context,
      ...inputs
    },
    sha
  })
  const ms = Date.now() - started
  if (result.exitCode !== 0 || result.post?.exitCode !== 0)
    throw new Error(`the action failed:\n${result.stdout}\n${result.stderr}`)
  return { ms, result }
}

const built = (result: ActionResult): boolean =>
  /The push refers to|Pushed /.test(result.stdout)

function check(condition: boolean, what: string, result: ActionResult): void {
  if (!condition) throw new Error(`bench: ${what}\n${result.stdout}`)
}

let edits = 0
const sha = (prefix: string, i: number): string =>
  `${prefix}${i}`.padStart(40, '0')

export async function reuseBench(
  work: string,
  runs: number,
  log: (message: string) => void
): Promise<ReuseRow[]> {
  // One function (and repository) with the option, one without: each
  // keeps running what its own runs deployed.
  const fn = await createImageFunction({
    functionName: 'bench-reuse',
    repositoryName: 'bench-reuse',
    architecture: 'x86_64',
    functionUrl: true
  })
  const plainFn = await createImageFunction({
    functionName: 'bench-plain',
    repositoryName: 'bench-plain',
    architecture: 'x86_64',
    functionUrl: true
  })
  const base = pushBaseImage('bench-base', '1', { 'www/base.txt': 'base 0\n' })
  const context = makeAppContext(path.join(work, 'reuse-app'), {
    body: 'release 0\n'
  })
  const dockerfile = path.join(context, 'Dockerfile')
  writeFileSync(
    dockerfile,
    readFileSync(dockerfile, 'utf8').replace(
      /^FROM scratch$/m,
      `FROM ${base.reference}`
    )
  )
  writeFileSync(path.join(context, '.dockerignore'), '.git\n*.md\n')
  const setup: ReuseSetup = { fn, context }
  const plainSetup: ReuseSetup = { fn: plainFn, context }
  const readme = (): void =>
    writeFileSync(path.join(context, 'README.md'), `edit ${++edits}\n`)
  const appChange = (): void =>
    writeFileSync(path.join(context, 'www', 'index.html'), `app ${++edits}\n`)
  const reuse = { 'reuse-unchanged-image': 'true' }
  const rows: ReuseRow[] = []

  // A first build with the option records the key.
  appChange()
  await run(setup, sha('a', 0), reuse)

  // 1. Only a file outside the build context changes.
  const outside: ReuseRow = {
    case: 'new commit, only a file outside the build context changed',
    reuse: [],
    plain: [],
    keyMs: [],
    note: '',
    target:
      'with the option ≤ 1 s median, no layer pushed, no UpdateFunctionCode'
  }
  for (let i = 0; i < runs; i++) {
    readme()
    const before = (await updates(fn.functionName)).length
    const withKey = await run(setup, sha('b', i), reuse)
    check(!built(withKey.result), 'a reuse run built or pushed', withKey.result)
    check(
      withKey.result.outputs['reused-image'] === 'true' &&
        (await updates(fn.functionName)).length === before,
      'a reuse run did not reuse, or updated the function',
      withKey.result
    )
    outside.reuse.push(withKey.ms)
    outside.keyMs.push(keyTime(withKey.result.stdout))
    readme()
    const plain = await run(plainSetup, sha('c', i), { 'no-cache': 'true' })
    check(
      built(plain.result),
      'a run without the option did not build',
      plain.result
    )
    outside.plain.push(plain.ms)
    log(
      `outside the context ${i + 1}/${runs}: with the option ${withKey.ms} ms, without ${plain.ms} ms (updated: ${plain.result.outputs.updated ?? '?'})`
    )
  }
  outside.note =
    'without the option: docker build --no-cache (a fresh hosted runner has no cache), push, UpdateFunctionCode, wait, smoke'
  rows.push(outside)

  // 2. The app changes: the option must not make it slower.
  const changed: ReuseRow = {
    case: 'new commit that changes the app (warm cache)',
    reuse: [],
    plain: [],
    keyMs: [],
    note: '',
    target:
      'with the option no slower than without (the key time is part of it)'
  }
  for (let i = 0; i < runs; i++) {
    appChange()
    const withKey = await run(setup, sha('d', i), reuse)
    check(built(withKey.result), 'a changed app was not built', withKey.result)
    changed.reuse.push(withKey.ms)
    changed.keyMs.push(keyTime(withKey.result.stdout))
    appChange()
    const plain = await run(plainSetup, sha('e', i), {})
    changed.plain.push(plain.ms)
    log(
      `app changed ${i + 1}/${runs}: with the option ${withKey.ms} ms (key ${changed.keyMs.at(-1) ?? NaN} ms), without ${plain.ms} ms`
    )
  }
  rows.push(changed)

  // 3. The base image tag moves: the build runs.
  const patched: ReuseRow = {
    case: 'new commit, app unchanged, base image tag repointed',
    reuse: [],
    plain: [],
    keyMs: [],
    note: 'the base pushed again under the same tag with other content before each run',
    target: 'the build runs'
  }
  for (let i = 0; i < runs; i++) {
    pushBaseImage('bench-base', '1', { 'www/base.txt': `base ${i + 1}\n` })
    const withKey = await run(setup, sha('f', i), reuse)
    check(
      built(withKey.result) &&
        withKey.result.outputs['reused-image'] === 'false',
      'a repointed base image did not build',
      withKey.result
    )
    patched.reuse.push(withKey.ms)
    patched.keyMs.push(keyTime(withKey.result.stdout))
    log(`base repointed ${i + 1}/${runs}: ${withKey.ms} ms, built`)
  }
  rows.push(patched)

  // 4. A context of 5,000 more files (sources of a big solution).
  const many = path.join(context, 'src')
  mkdirSync(many, { recursive: true })
  for (let i = 0; i < 5000; i++)
    writeFileSync(path.join(many, `File${i}.cs`), `// ${i}\n`.repeat(20))
  appChange()
  await run(setup, sha('g', 0), reuse)
  const large: ReuseRow = {
    case: 'the same, context of 5,000 more files, only a README edit',
    reuse: [],
    plain: [],
    keyMs: [],
    note: '',
    target: 'hashing does not dominate the run'
  }
  for (let i = 0; i < runs; i++) {
    readme()
    const withKey = await run(setup, sha('h', i), reuse)
    check(!built(withKey.result), 'a reuse run built', withKey.result)
    large.reuse.push(withKey.ms)
    large.keyMs.push(keyTime(withKey.result.stdout))
    const hashed = /Hashed the build context [^\n]*/.exec(withKey.result.stdout)
    large.note = hashed?.[0] ?? ''
    log(
      `5,000 files ${i + 1}/${runs}: ${withKey.ms} ms (key ${large.keyMs.at(-1) ?? NaN} ms)`
    )
  }
  rows.push(large)
  return rows
}
