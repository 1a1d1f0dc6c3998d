/**
 * Start-up of a bundle: the wall time of `node <bundle>` with no inputs, so
 * the run stops at input validation (function-name is required). Median of
 * RUNS runs, the bundles interleaved so that load on the machine hits them
 * alike. Run: node scripts/measure/start-up.ts [runs] bundle.js [bundle.js…]
 * (Node 24 strips the types itself.)
 */
import { spawnSync } from 'node:child_process'

const [runsArg, ...bundles] = process.argv.slice(2)
const runs = Number(runsArg ?? 15)

/** Inputs and the runner's variables left out: validation fails at once. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => !name.startsWith('INPUT_') && !name.startsWith('GITHUB_')
  )
)

function once(bundle: string): number {
  const start = process.hrtime.bigint()
  const run = spawnSync(process.execPath, [bundle], { env, encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (!/function-name/.test(run.stdout + run.stderr))
    throw new Error(
      `${bundle} did not stop at input validation:\n${run.stdout}`
    )
  return ms
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN

const times = new Map<string, number[]>(bundles.map(bundle => [bundle, []]))
for (let run = 0; run < runs; run++)
  for (const bundle of bundles) times.get(bundle)?.push(once(bundle))
console.log(`node ${process.version}, ${runs} runs each`)
for (const [bundle, values] of times)
  console.log(`${bundle}: median ${median(values).toFixed(0)} ms`)
