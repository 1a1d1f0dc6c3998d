/**
 * Start-up of a bundle: `node <bundle>` with no inputs, so the run stops at
 * input validation (function-name is required). For each bundle: wall time
 * and CPU time (user + system of the child), median and mean of RUNS runs.
 * Run: node scripts/measure/start-up.ts [runs] bundle.js [bundle.js…]
 * (Node 24 strips the types itself.)
 *
 * Order: runs back to back are not alike. On a quiet 2-core machine the
 * bundle named second was 70–100 ms slower in wall time, whichever bundle it
 * was (2026-12-06), so a fixed A,B order each round biases the comparison.
 * The rounds alternate the order (A B, B A, A B, …: ABBA; with more bundles,
 * given and reversed), so with two bundles and an even RUNS each runs first
 * and second equally often; the script prints the mean by position so the
 * effect can be seen. One warm-up run of each
 * bundle (not counted) comes first.
 *
 * CPU: a preload (`--require`) writes `process.cpuUsage()` at the child's
 * exit to its fd 3. That is getrusage(RUSAGE_SELF) in microseconds: every
 * thread of the process from exec to the exit event (the teardown after it
 * is left out, alike for every bundle). Wall time includes spawning and
 * reaping the child. CPU time is the one less sensitive to other load; wall
 * time is what a user waits.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'

const [runsArg, ...bundles] = process.argv.slice(2)
const runs = Number(runsArg ?? 20)
if (!Number.isInteger(runs) || runs < 1 || bundles.length === 0) {
  console.error('usage: node scripts/measure/start-up.ts [runs] bundle.js…')
  process.exit(2)
}

/** Inputs and the runner's variables left out: validation fails at once. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) =>
      !name.startsWith('INPUT_') &&
      !name.startsWith('GITHUB_') &&
      name !== 'NODE_OPTIONS'
  )
)

const scratch = mkdtempSync(join(tmpdir(), 'start-up-'))
const preload = join(scratch, 'cpu-at-exit.cjs')
writeFileSync(
  preload,
  `process.on('exit', () => {
  const { user, system } = process.cpuUsage()
  require('node:fs').writeSync(3, String(user + system))
})
`
)

interface Sample {
  wallMs: number
  cpuMs: number
  /** 0: ran first in its round, 1: second, … */
  position: number
}

function once(bundle: string, position: number): Sample {
  const start = process.hrtime.bigint()
  const run = spawnSync(process.execPath, ['--require', preload, bundle], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe']
  })
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6
  if (!/function-name/.test(`${run.stdout}${run.stderr}`))
    throw new Error(
      `${bundle} did not stop at input validation:\n${run.stdout}${run.stderr}`
    )
  const cpuMicros = Number(run.output[3])
  if (!Number.isFinite(cpuMicros) || cpuMicros <= 0)
    throw new Error(`${bundle}: no CPU time from the preload`)
  return { wallMs, cpuMs: cpuMicros / 1000, position }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2
}
const mean = (values: number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length
const ms = (value: number): string => `${value.toFixed(1)} ms`
const load = (): string =>
  loadavg()
    .map(value => value.toFixed(2))
    .join(' ')

const samples = new Map<string, Sample[]>(bundles.map(bundle => [bundle, []]))
try {
  const loadBefore = load()
  for (const bundle of bundles) once(bundle, 0)
  for (let round = 0; round < runs; round++) {
    const order = round % 2 === 0 ? bundles : [...bundles].reverse()
    order.forEach((bundle, position) =>
      samples.get(bundle)?.push(once(bundle, position))
    )
  }
  console.log(
    `node ${process.version}, ${runs} runs each, order alternating (ABBA); ` +
      `load average before ${loadBefore}, after ${load()}`
  )
  for (const [bundle, values] of samples) {
    const wall = values.map(sample => sample.wallMs)
    const cpu = values.map(sample => sample.cpuMs)
    console.log(
      `${bundle}: wall median ${ms(median(wall))} mean ${ms(mean(wall))}; ` +
        `CPU (user+sys) median ${ms(median(cpu))} mean ${ms(mean(cpu))}`
    )
  }
  const all = [...samples.values()].flat()
  const byPosition = bundles.map((_, position) =>
    all.filter(sample => sample.position === position)
  )
  console.log(
    `by position in the round (all bundles): ${byPosition
      .map(
        (values, position) =>
          `#${position + 1} wall mean ${ms(mean(values.map(s => s.wallMs)))}` +
          ` CPU mean ${ms(mean(values.map(s => s.cpuMs)))}`
      )
      .join('; ')}`
  )
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
