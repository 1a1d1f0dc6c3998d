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
 *    end of the update to the first read that reported it.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5))
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

async function actionRun(setup: Setup, sha: string): Promise<number> {
  const started = Date.now()
  const result = await runAction({
    inputs: {
      'function-name': setup.fn.functionName,
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
    '- AWS: the local stand-in (moto + registry + gateway on 127.0.0.1), see scripts/local-aws.sh'
  ]
}

async function main(): Promise<number> {
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

    // Re-run: each tool once to create its tag, then RUNS measured re-runs.
    newRelease(setup)
    const rerun: Row = {
      case: 're-run, tag exists',
      action: [],
      script: [],
      unit: 'wall',
      target: 'action ≤ 1.5 s and ≥ 3× faster'
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

    // Detection lag for updates that take 20 s.
    await controlUpdateDuration(fn.functionName, SLOW_UPDATE_MS)
    const lag: Row = {
      case: `detection lag, ${SLOW_UPDATE_MS / 1000} s update`,
      action: [],
      script: [],
      actionPolls: [],
      scriptPolls: [],
      unit: 'lag',
      target: 'action ≤ 1 s median'
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
    const raw = rows.map(
      row =>
        `- ${row.case}: action [${row.action.join(', ')}] ms; by hand [${row.script.join(', ')}] ms`
    )
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
    console.log(`\n${table.join('\n')}\n\nWritten to docs/benchmarks.md`)
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
