/**
 * Start-up, part of `npm run bench` (and `tsx scripts/bench/startup.ts` alone):
 * node by itself (`node -e 0`) against `node dist/index.js` with no inputs,
 * which ends at the first input error (the bundle loaded, the inputs read and
 * refused, the error written), interleaved, on the node that runs the bench
 * (scripts/use-node.sh: the runner's major).
 *
 * Where that time goes: CPU profiles (`node --cpu-prof`) of the same source
 * bundled by ncc without minification and with a source map, each sample's
 * self time attributed to what it ran: Node's own start-up and module loader
 * (`node:` frames), V8's compiling and other native work (`(program)`), the
 * garbage collector, or the bundle's code by the package or src/ folder its
 * source map names.
 */
import { execFileSync, spawn } from 'node:child_process'
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { SourceMap, type SourceMapPayload } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const REPO_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..'
)

export interface StartupResult {
  node: string
  nodeAlone: number[]
  toInputError: number[]
  /** Self time per part, summed over the profiled runs, largest first. */
  profile: { part: string; ms: number }[]
  profiledRuns: number
}

/** Wall milliseconds from spawning `node ...args` to its exit. */
async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now()
  const child = spawn(process.execPath, args, { env, stdio: 'ignore' })
  await new Promise(resolve => child.on('exit', resolve))
  return performance.now() - started
}

/** The runner's environment for a step with no inputs at all. */
function bareEnv(dir: string): NodeJS.ProcessEnv {
  for (const f of ['output', 'state', 'summary'])
    writeFileSync(path.join(dir, f), '')
  return {
    PATH: process.env.PATH ?? '',
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STATE: path.join(dir, 'state'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary')
  }
}

interface ProfileNode {
  id: number
  callFrame: {
    functionName: string
    url: string
    lineNumber: number
    columnNumber: number
  }
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** `webpack://name/./node_modules/@aws-sdk/x/dist-es/a.js` → `@aws-sdk/x`; `…/./src/aws/ecr.ts` → `src/aws/`. */
export function partOf(source: string): string {
  // The innermost package: a nested node_modules is a dependency of its own.
  const modules = [...source.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)]
  const innermost = modules.at(-1)?.[1]
  if (innermost !== undefined) return innermost
  const src = /(?:^|\/)(src\/(?:[^/]+\/)?)/.exec(source)
  if (src?.[1] !== undefined)
    return src[1].endsWith('.ts') || src[1].endsWith('.js') ? 'src/' : src[1]
  // ncc's own module table and require shims: webpack/bootstrap, webpack/runtime/…, `external node-commonjs "http"`.
  if (/(?:^|\/)webpack\/|^(?:\.\.\/)?external /.test(source))
    return 'bundler runtime'
  return source === '' ? '(unmapped bundle code)' : source
}

/** Self time per part of one profile, in microseconds. */
export function attribute(
  profile: Profile,
  partOfUrl: (url: string, line: number, column: number) => string | undefined
): Map<string, number> {
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const parts = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame
    if (frame === undefined) return
    const delta = profile.timeDeltas[i] ?? 0
    let part: string
    if (frame.url === '') {
      part =
        frame.functionName === '(garbage collector)'
          ? 'garbage collector'
          : frame.functionName === '(idle)'
            ? 'idle (waiting for I/O)'
            : frame.functionName === '(program)'
              ? 'V8 native: parsing, compiling, runtime'
              : `native: ${frame.functionName || '(anonymous)'}`
    } else if (frame.url.startsWith('node:')) {
      part = 'Node: start-up, module loader, built-ins'
    } else {
      part =
        partOfUrl(frame.url, frame.lineNumber, frame.columnNumber) ?? frame.url
    }
    parts.set(part, (parts.get(part) ?? 0) + delta)
  })
  return parts
}

/** Bundles src/index.ts as `npm run package` does, but readable and with a source map. */
function mappedBundle(dir: string): string {
  execFileSync(
    path.join(REPO_ROOT, 'node_modules', '.bin', 'ncc'),
    ['build', 'src/index.ts', '-o', dir, '--source-map', '-q'],
    { cwd: REPO_ROOT, stdio: 'ignore' }
  )
  return path.join(dir, 'index.js')
}

export async function startupBench(
  runs: number,
  log: (message: string) => void
): Promise<StartupResult> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'))
  try {
    const env = bareEnv(work)
    const entry = path.join(REPO_ROOT, 'dist', 'index.js')
    const nodeAlone: number[] = []
    const toInputError: number[] = []
    // One of each first: the files are then in the page cache for every measured run.
    await timed(['-e', '0'], env)
    await timed([entry], env)
    for (let i = 0; i < runs; i++) {
      nodeAlone.push(await timed(['-e', '0'], env))
      toInputError.push(await timed([entry], env))
    }
    log(
      `start-up: node -e 0 [${nodeAlone.map(ms => ms.toFixed(0)).join(', ')}] ms; dist/index.js to the input error [${toInputError.map(ms => ms.toFixed(0)).join(', ')}] ms`
    )

    const bundle = mappedBundle(path.join(work, 'bundle'))
    const maps = new Map<string, SourceMap | undefined>()
    const mapFor = (url: string): SourceMap | undefined => {
      if (!maps.has(url)) {
        let map: SourceMap | undefined
        try {
          const file = fileURLToPath(url)
          map = new SourceMap(
            JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload
          )
        } catch {
          map = undefined
        }
        maps.set(url, map)
      }
      return maps.get(url)
    }
    const bundleDir = pathToFileURL(path.dirname(bundle)).href
    const profiles = path.join(work, 'profiles')
    const profiledRuns = Math.max(runs, 5)
    for (let i = 0; i < profiledRuns; i++) {
      await timed(
        [
          '--cpu-prof',
          `--cpu-prof-dir=${profiles}`,
          '--cpu-prof-interval=100',
          bundle
        ],
        env
      )
    }
    const total = new Map<string, number>()
    for (const file of readdirSync(profiles)) {
      const profile = JSON.parse(
        readFileSync(path.join(profiles, file), 'utf8')
      ) as Profile
      const parts = attribute(profile, (url, line, column) => {
        if (!url.startsWith(bundleDir)) return undefined
        const entry = mapFor(url)?.findEntry(line, column)
        const source =
          entry !== undefined && 'originalSource' in entry
            ? entry.originalSource
            : ''
        return partOf(source)
      })
      for (const [part, us] of parts)
        total.set(part, (total.get(part) ?? 0) + us)
    }
    const profile = [...total]
      .map(([part, us]) => ({ part, ms: us / 1000 / profiledRuns }))
      .sort((a, b) => b.ms - a.ms)
    return {
      node: process.version,
      nodeAlone,
      toInputError,
      profile,
      profiledRuns
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** The report's lines for the start-up section (median of each series; profile per run). */
export function startupReport(
  result: StartupResult,
  median: (values: number[]) => number
): string[] {
  const alone = median(result.nodeAlone)
  const whole = median(result.toInputError)
  const shown = result.profile.filter(p => p.ms >= 1)
  const rest = result.profile
    .filter(p => p.ms < 1)
    .reduce((sum, p) => sum + p.ms, 0)
  return [
    `| Node ${result.node} | median | |`,
    '|---|---|---|',
    `| \`node -e 0\` (node alone) | ${alone.toFixed(0)} ms | |`,
    `| \`node dist/index.js\`, no inputs: to the exit after the first input error | ${whole.toFixed(0)} ms | ${(whole - alone).toFixed(0)} ms more than node alone |`,
    '',
    `Where the time of one such run goes (CPU profile, mean of ${result.profiledRuns} runs of the same source bundled unminified with a source map; self time):`,
    '',
    '| part | ms per run |',
    '|---|---|',
    ...shown.map(p => `| ${p.part} | ${p.ms.toFixed(1)} |`),
    ...(rest > 0 ? [`| everything under 1 ms | ${rest.toFixed(1)} |`] : [])
  ]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const median = (values: number[]): number => {
    const s = [...values].sort((a, b) => a - b)
    const mid = Math.floor(s.length / 2)
    return s.length % 2 === 1
      ? (s[mid] ?? 0)
      : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
  }
  startupBench(Number(process.env.BENCH_RUNS ?? 9), m => console.log(m)).then(
    result => console.log(startupReport(result, median).join('\n')),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    }
  )
}
