/**
 * `npm run bench`: the action (dist/index.js, run as the runner runs it)
 * against the same pipeline written by hand (scripts/bench/by-hand.sh: docker
 * build/push, aws lambda update-function-code, aws lambda wait
 * function-updated-v2, curl), side by side in one run on the local AWS
 * stand-in. Medians of BENCH_RUNS (default 5) runs per case, and ratios.
 * Writes the table and the machine's description to docs/benchmarks.md.
 *
 * Cases:
 *  - re-run: the tag exists and the function already runs it;
 *  - full deploy with a warm build cache: a new tag with one changed file;
 *  - detection lag: the stand-in makes each update take 20 s and records when
 *    it finished and every read of the function; the lag is the time from the
 *    end of the update to the first read that reported it;
 *  - 1 vs 10 functions: a new release built once and deployed to 1, then to
 *    10 functions of the same architecture (each updated, waited for and
 *    smoke-tested);
 *  - cold start: node starting dist/index.js until its first AWS request
 *    (inputs read and validated), against a local endpoint that answers 500;
 *  - reuse-unchanged-image (scripts/bench/reuse.ts): commits that leave the
 *    app unchanged, change it, or come after a patched base image, with and
 *    without the option;
 *  - start-up (scripts/bench/startup.ts): `node -e 0` against dist/index.js
 *    to its first input error, and a CPU profile of where the rest goes;
 *  - Lambda Managed Instances (scripts/bench/managed.ts): a plain deploy
 *    that publishes to $LATEST.PUBLISHED, the time the action waited against
 *    the stand-in's activation time;
 *  - the local run (scripts/bench/local-run.ts): the demo Runtime API image
 *    through src/emulator against a plain `docker run` of it
 *    (BENCH_ONLY=local-run runs only this case, BENCH_RUNS times);
 *  - the size of dist/.
 *
 * BENCH_ONLY=managed runs only the Managed Instances case (BENCH_RUNS runs,
 * 1 or more) and prints it without writing docs/benchmarks.md.
 */
import { execFileSync, spawn } from 'node:child_process'
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {
  REPO_ROOT,
  localAwsCommand,
  controlUpdateDuration,
  createImageFunction,
  localAwsEnv,
  reads,
  reset,
  runAction,
  updates,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import { makeAppContext } from '../test/local-aws/images.js'
import { localRunBench, localRunReport } from './bench/local-run.js'
import { reuseBench, type ReuseRow } from './bench/reuse.js'
import { startupBench, startupReport } from './bench/startup.js'
import { managedBench, type ManagedRow } from './bench/managed.js'

const ONLY = process.env.BENCH_ONLY
const RUNS =
  ONLY === 'managed'
    ? Math.max(1, Number(process.env.BENCH_RUNS ?? 5))
    : Math.max(5, Number(process.env.BENCH_RUNS ?? 5))

/** The Managed Instances table: what the action waited vs the activation. */
function managedTable(row: ManagedRow): string[] {
  const waited = median(row.waitedMs)
  return [
    '| case | activation (stand-in) | action waited (median) | added by the action | polls (median) | target |',
    '|---|---|---|---|---|---|',
    `| ${row.case} | ${seconds(row.activationMs)} | ${seconds(waited)} | ${seconds(waited - row.activationMs)} | ${median(row.polls)} | ${row.target} |`
  ]
}
const LOAD_AT_START = os
  .loadavg()
  .map(l => l.toFixed(2))
  .join(', ')
const SLOW_UPDATE_MS = 20_000
const byHand = path.join(REPO_ROOT, 'scripts', 'bench', 'by-hand.sh')

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

interface Setup {
  fn: ImageFunction
  context: string
  dockerConfig: string
}

let revision = 0
/** A new release: one changed file, so one new layer on a warm cache. */
function newRelease(setup: Setup): void {
  revision++
  writeFileSync(
    path.join(setup.context, 'www', 'index.html'),
    `release ${revision}\n`
  )
}

async function actionRun(
  setup: Setup,
  sha: string,
  functionNames: string[] = [setup.fn.functionName]
): Promise<number> {
  const started = Date.now()
  const result = await runAction({
    inputs: {
      'function-name': functionNames.join('\n'),
      repository: setup.fn.repositoryName,
      context: setup.context
    },
    sha
  })
  const wall = Date.now() - started
  if (result.exitCode !== 0 || result.post?.exitCode !== 0) {
    throw new Error(`the action failed:\n${result.stdout}\n${result.stderr}`)
  }
  return wall
}

async function scriptRun(setup: Setup, tag: string): Promise<number> {
  const started = Date.now()
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      'bash',
      [
        byHand,
        setup.fn.functionName,
        setup.fn.repositoryUri,
        tag,
        setup.context,
        setup.fn.functionUrl ?? ''
      ],
      {
        env: { ...process.env, DOCKER_CONFIG: setup.dockerConfig },
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', code =>
      code === 0
        ? resolve()
        : reject(new Error(`by-hand.sh exited ${code}:\n${output}`))
    )
  })
  return Date.now() - started
}

/** How late the last update's end was noticed, and how many reads it took. */
async function lastUpdateLag(
  functionName: string
): Promise<{ lagMs: number; polls: number }> {
  const update = (await updates(functionName))
    .filter(u => u.source === 'UpdateFunctionCode')
    .at(-1)
  if (update?.finishedAt === undefined || update.finishedAt === null) {
    throw new Error('the last update has not finished')
  }
  const finishedAt = update.finishedAt
  const during = (await reads(functionName)).filter(
    r => r.at >= update.startedAt
  )
  const noticed = during.find(
    r => r.at >= finishedAt && r.lastUpdateStatus === 'Successful'
  )
  if (noticed === undefined) throw new Error('nobody noticed the update end')
  return {
    lagMs: noticed.at - finishedAt,
    polls: during.filter(r => r.at <= noticed.at).length
  }
}

/**
 * Milliseconds from spawning `node dist/index.js` to its first AWS request:
 * loading the bundle, reading and validating the inputs, making the clients.
 */
async function coldStart(): Promise<number> {
  let first: number | undefined
  const server = http.createServer((_req, res) => {
    first ??= performance.now()
    res.writeHead(500, { 'content-type': 'application/json' })
    res.end('{}')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port =
    typeof address === 'object' && address !== null ? address.port : 0
  const started = performance.now()
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'dist', 'index.js')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        'INPUT_FUNCTION-NAME': 'cold-start',
        INPUT_REPOSITORY: 'cold-start',
        INPUT_TAG: 'v1',
        'INPUT_AWS-REGION': 'us-east-1',
        'INPUT_WAIT-TIMEOUT': '5m',
        'INPUT_SMOKE-TIMEOUT': '2m',
        AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_MAX_ATTEMPTS: '1',
        GITHUB_OUTPUT: '/dev/null',
        GITHUB_STEP_SUMMARY: '/dev/null',
        GITHUB_STATE: '/dev/null'
      },
      stdio: 'ignore'
    }
  )
  await new Promise(resolve => child.on('exit', resolve))
  server.close()
  if (first === undefined) throw new Error('the action made no AWS request')
  return first - started
}

/** dist/ files (the post step's bundle included) and their sizes, largest first. */
function distSizes(): { file: string; bytes: number }[] {
  const dir = path.join(REPO_ROOT, 'dist')
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(file => file.endsWith('.js'))
    .map(file => ({ file, bytes: statSync(path.join(dir, file)).size }))
    .sort((a, b) => b.bytes - a.bytes)
}

interface Row {
  case: string
  action: number[]
  script: number[]
  unit: 'wall' | 'lag'
  actionPolls?: number[]
  scriptPolls?: number[]
  target: string
}

function machine(): string[] {
  const cpu =
    /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ??
    os.cpus()[0]?.model ??
    'unknown'
  const osName =
    /PRETTY_NAME="([^"]+)"/.exec(
      readFileSync('/etc/os-release', 'utf8')
    )?.[1] ?? os.type()
  const version = (cmd: string, args: string[]): string => {
    try {
      return (
        execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0] ??
        ''
      )
    } catch {
      return 'unknown'
    }
  }
  return [
    `- CPU: ${os.cpus().length} × ${cpu}`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    `- OS: ${osName}, kernel ${os.release()}`,
    `- Node.js ${process.version}; Docker ${version('/usr/bin/docker', ['version', '--format', '{{.Server.Version}}'])} (BuildKit through the docker build fallback: no buildx here); ${version('aws', ['--version'])}`,
    '- AWS: the local stand-in (moto + registry + gateway on 127.0.0.1), see scripts/local-aws.sh',
    `- Load average (1, 5, 15 min) at the start: ${LOAD_AT_START}; at the end: ${os
      .loadavg()
      .map(l => l.toFixed(2))
      .join(
        ', '
      )} (other jobs share the machine: compare figures within one run)`
  ]
}

/** BENCH_ONLY=local-run: the local run's case alone, printed (docs/benchmarks.md untouched). */
async function localRunOnly(): Promise<number> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 5))
  const bench = await localRunBench(runs, m => console.log(`bench: ${m}`))
  console.log(`\n${localRunReport(bench, median).join('\n')}`)
  return 0
}

async function main(): Promise<number> {
  if (process.env.BENCH_ONLY === 'local-run') return localRunOnly()
  const wasRunning = localAwsCommand('status')
  if (!wasRunning && !localAwsCommand('up')) return 1
  const work = mkdtempSync(
    path.join(os.tmpdir(), 'aspnet-lambda-deploy-bench-')
  )
  try {
    localAwsEnv()
    await reset()
    const fn = await createImageFunction({
      functionName: 'bench',
      repositoryName: 'bench',
      architecture: 'x86_64',
      functionUrl: true
    })
    const setup: Setup = {
      fn,
      context: makeAppContext(path.join(work, 'app'), { body: 'release 0\n' }),
      dockerConfig: mkdtempSync(path.join(work, 'docker-'))
    }
    const rows: Row[] = []
    const log = (message: string): void => console.log(`bench: ${message}`)
    if (ONLY === 'managed') {
      const row = await managedBench(work, RUNS, log)
      console.log(
        `\n${managedTable(row).join('\n')}\n(BENCH_ONLY: docs/benchmarks.md not written)`
      )
      return 0
    }

    // Re-run: each tool once to create its tag, then RUNS measured re-runs.
    newRelease(setup)
    const rerun: Row = {
      case: 're-run, tag exists',
      action: [],
      script: [],
      unit: 'wall',
      target: 'action ≤ 0.7 s and ≥ 8× faster'
    }
    const rerunSha = 'b'.repeat(40)
    await actionRun(setup, rerunSha)
    for (let i = 0; i < RUNS; i++)
      rerun.action.push(await actionRun(setup, rerunSha))
    await scriptRun(setup, 'by-hand-rerun')
    for (let i = 0; i < RUNS; i++)
      rerun.script.push(await scriptRun(setup, 'by-hand-rerun'))
    log(
      `re-run: action ${rerun.action.join(', ')} ms; script ${rerun.script.join(', ')} ms`
    )
    rows.push(rerun)

    // Full deploys of a new release each time, warm cache, interleaved.
    const full: Row = {
      case: 'full deploy, warm build cache',
      action: [],
      script: [],
      unit: 'wall',
      target: '—'
    }
    for (let i = 0; i < RUNS; i++) {
      newRelease(setup)
      full.action.push(await actionRun(setup, `${i}`.padStart(40, 'c')))
      newRelease(setup)
      full.script.push(await scriptRun(setup, `by-hand-full-${i}`))
    }
    log(
      `full: action ${full.action.join(', ')} ms; script ${full.script.join(', ')} ms`
    )
    rows.push(full)

    const reuseRows = await reuseBench(work, RUNS, log)
    const managed = await managedBench(work, RUNS, log)

    // Detection lag for updates that take 20 s.
    await controlUpdateDuration(fn.functionName, SLOW_UPDATE_MS)
    const lag: Row = {
      case: `detection lag, ${SLOW_UPDATE_MS / 1000} s update`,
      action: [],
      script: [],
      actionPolls: [],
      scriptPolls: [],
      unit: 'lag',
      target: 'action ≤ 0.5 s median'
    }
    for (let i = 0; i < RUNS; i++) {
      newRelease(setup)
      await actionRun(setup, `${i}`.padStart(40, 'd'))
      const a = await lastUpdateLag(fn.functionName)
      lag.action.push(a.lagMs)
      lag.actionPolls?.push(a.polls)
      newRelease(setup)
      await scriptRun(setup, `by-hand-lag-${i}`)
      const s = await lastUpdateLag(fn.functionName)
      lag.script.push(s.lagMs)
      lag.scriptPolls?.push(s.polls)
      log(
        `lag ${i + 1}/${RUNS}: action ${a.lagMs} ms (${a.polls} reads), script ${s.lagMs} ms (${s.polls} reads)`
      )
    }
    await controlUpdateDuration(fn.functionName, null)
    rows.push(lag)

    // One build, deployed to 1 and to 10 functions (interleaved).
    const many: string[] = [fn.functionName]
    for (let i = 1; i < 10; i++) {
      const other = await createImageFunction({
        functionName: `bench-${i}`,
        repositoryName: 'bench',
        architecture: 'x86_64',
        functionUrl: true,
        tag: `initial-${i}`
      })
      many.push(other.functionName)
    }
    const fanOut: Row = {
      case: 'one build deployed to 1 function (action) vs 10 functions (also the action)',
      action: [],
      script: [],
      unit: 'wall',
      target: '10 take ≤ 1.5× the time of 1'
    }
    for (let i = 0; i < RUNS; i++) {
      newRelease(setup)
      fanOut.action.push(
        await actionRun(setup, `${i}`.padStart(40, 'e'), [fn.functionName])
      )
      newRelease(setup)
      fanOut.script.push(await actionRun(setup, `${i}`.padStart(40, 'f'), many))
      log(
        `fan-out ${i + 1}/${RUNS}: 1 function ${fanOut.action.at(-1) ?? 0} ms, 10 functions ${fanOut.script.at(-1) ?? 0} ms`
      )
    }

    const localRun = await localRunBench(RUNS, log)
    const startup = await startupBench(Math.max(RUNS, 9), log)

    const cold: number[] = []
    for (let i = 0; i < Math.max(RUNS, 9); i++) cold.push(await coldStart())
    log(`cold start: ${cold.map(ms => ms.toFixed(0)).join(', ')} ms`)
    const sizes = distSizes()

    const table = [
      '| case | this action (median) | by hand (median) | by hand ÷ action | target |',
      '|---|---|---|---|---|',
      ...rows.map(row => {
        const a = median(row.action)
        const s = median(row.script)
        const polls =
          row.actionPolls !== undefined && row.scriptPolls !== undefined
            ? ` (${median(row.actionPolls)} vs ${median(row.scriptPolls)} reads)`
            : ''
        return `| ${row.case}${polls} | ${seconds(a)} | ${seconds(s)} | ${(s / a).toFixed(1)}× | ${row.target} |`
      })
    ]
    const fanOutRatio = median(fanOut.script) / median(fanOut.action)
    const scale = [
      '| case | median | target |',
      '|---|---|---|',
      `| one build → 1 function | ${seconds(median(fanOut.action))} | — |`,
      `| one build → 10 functions | ${seconds(median(fanOut.script))} (${fanOutRatio.toFixed(2)}× of 1) | ≤ 1.5× of 1 |`,
      `| cold start: node + dist/index.js to the first AWS request | ${median(cold).toFixed(0)} ms | ≤ 150 ms |`,
      `| dist/index.js (what every run loads) | ${(sizes.find(f => f.file === 'index.js')?.bytes ?? 0).toLocaleString('en')} bytes | — |`,
      `| dist/post/index.js (the post step's own bundle) | ${(sizes.find(f => f.file === path.join('post', 'index.js'))?.bytes ?? 0).toLocaleString('en')} bytes | — |`,
      `| dist/ in all (${sizes.length} files; the chunks load only when a run needs them) | ${sizes.reduce((sum, f) => sum + f.bytes, 0).toLocaleString('en')} bytes | — |`
    ]
    const reuseTable = [
      '| case | with reuse-unchanged-image (median) | without (median) | without ÷ with | build key (median) | target |',
      '|---|---|---|---|---|---|',
      ...reuseRows.map(
        row =>
          `| ${row.case} | ${seconds(median(row.reuse))} | ${row.plain.length > 0 ? seconds(median(row.plain)) : '—'} | ${row.plain.length > 0 ? `${(median(row.plain) / median(row.reuse)).toFixed(1)}×` : '—'} | ${median(row.keyMs).toFixed(0)} ms | ${row.target} |`
      )
    ]
    const raw = [
      ...rows.map(
        row =>
          `- ${row.case}: action [${row.action.join(', ')}] ms; by hand [${row.script.join(', ')}] ms`
      ),
      ...reuseRows.map(
        (row: ReuseRow) =>
          `- ${row.case}: with the option [${row.reuse.join(', ')}] ms (build key [${row.keyMs.join(', ')}] ms)${row.plain.length > 0 ? `; without [${row.plain.join(', ')}] ms` : ''}${row.note === '' ? '' : `; ${row.note}`}`
      ),
      `- one build → 1 function [${fanOut.action.join(', ')}] ms; → 10 functions [${fanOut.script.join(', ')}] ms`,
      `- ${managed.case}: waited [${managed.waitedMs.join(', ')}] ms, polls [${managed.polls.join(', ')}], wall [${managed.wallMs.join(', ')}] ms`,
      `- cold start [${cold.map(ms => ms.toFixed(0)).join(', ')}] ms`,
      `- node -e 0 [${startup.nodeAlone.map(ms => ms.toFixed(0)).join(', ')}] ms; dist/index.js to the first input error [${startup.toInputError.map(ms => ms.toFixed(0)).join(', ')}] ms`,
      `- dist: ${sizes.map(f => `${f.file} ${f.bytes}`).join(', ')}`
    ]
    const report = [
      '# Benchmarks',
      '',
      `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${RUNS} runs per case and tool, medians, in one run on one machine.`,
      '"By hand" is scripts/bench/by-hand.sh: `docker build`/`docker push`, `aws lambda update-function-code`,',
      '`aws lambda wait function-updated-v2` (the AWS CLI waiter) and `curl`, as people write it in a workflow step.',
      'Wall times include process start-up (the runner starts the action with node; the script starts the AWS CLI several times)',
      'and the post step. The detection lag is the time from the end of the update (recorded by the stand-in)',
      'to the first GetFunction/GetFunctionConfiguration that reported it, with the number of reads during the update.',
      '',
      ...table,
      '',
      '## Reusing unchanged builds',
      '',
      'reuse-unchanged-image side by side with the same commits without it (docs/build.md#reusing-unchanged-builds).',
      "The app is built FROM a base image in the stand-in's registry. Every run is checked, not only timed: a reuse run",
      'built and pushed nothing and called no UpdateFunctionCode; a changed app or a repointed base image was built.',
      'Without the option, the README-only commit is built with no-cache, as on a fresh hosted runner: a rebuild',
      'is a new digest, so it is pushed and the function updated. The build key column is the reuse stage: the wait for',
      'the key (its context hash and base image digests start with the look-up), DescribeImages and, for a known key, the tagging.',
      '',
      ...reuseTable,
      '',
      '## Lambda Managed Instances',
      '',
      'A plain deploy of a Managed Instances function publishes to $LATEST.PUBLISHED and waits until it is Active',
      "(scripts/bench/managed.ts). The stand-in activates each published version in a set time; the action's own log",
      'says how long it waited from its PublishVersion to the poll that saw Active. The difference is what the action adds.',
      '',
      ...managedTable(managed),
      '',
      '## Scale and start-up',
      '',
      'The same release built once and deployed to one function, then to ten (same architecture; each updated,',
      'waited for and smoke-tested through its Function URL; polls (GetFunction) of all functions share one budget of 40 calls/s).',
      'Cold start is node starting dist/index.js until its first AWS request, against a local endpoint',
      '(the bundle loaded, the inputs read and validated, the SDK clients made).',
      '',
      ...scale,
      '',
      ...localRunReport(localRun, median),
      '',
      "## Start-up on the runner's Node",
      '',
      'What every run pays before it does anything: node by itself against the bundle taken to its first input error',
      '(no inputs: the bundle loaded, the inputs read and refused), interleaved, on the Node the runner uses (action.yml',
      '`runs.using`; scripts/use-node.sh). The profile says where the difference goes (scripts/bench/startup.ts).',
      '',
      ...startupReport(startup, median),
      '',
      '## Machine',
      '',
      ...machine(),
      '',
      '## Raw figures',
      '',
      ...raw,
      ''
    ].join('\n')
    writeFileSync(path.join(REPO_ROOT, 'docs', 'benchmarks.md'), report)
    console.log(
      `\n${table.join('\n')}\n\n${reuseTable.join('\n')}\n\nWritten to docs/benchmarks.md`
    )
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
    if (!wasRunning) localAwsCommand('down')
  }
}

main().then(
  code => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
