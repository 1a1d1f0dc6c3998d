/**
 * The local run's case of `npm run bench` (docs/preflight.md#the-local-run):
 * the demo Runtime API image (test/local-aws/status-runtime.ts: answers HTTP
 * 200) run as the action runs it — the checks of whether Docker can run it,
 * then src/emulator's init, one synthetic request, and the container's
 * removal started (it ends in the background: timed apart) — side by side with a plain `docker run` of the same image against
 * a bare Runtime API on 127.0.0.1 (its own init: until its first
 * invocation/next; then one request, and `docker rm --force`).
 * Target: the local run at most 1.5 s above the image's own init.
 *
 * `BENCH_ONLY=local-run npm run bench` runs this case alone (BENCH_RUNS, default 5).
 */
import { execFileSync, spawn } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { localRunnable, runLocally } from '../../src/checks/local-run/run.js'
import { runtimeContext } from '../../test/local-aws/status-runtime.js'

export interface LocalRunBench {
  /** Plain docker run to its first invocation/next. */
  ownInit: number[]
  /** Plain docker run: init, one request, removed. */
  plain: number[]
  /** The action's local run: checks, init, one request, removed. */
  localRun: number[]
  /** The INIT_REPORT duration of the local run. */
  reportedInit: number[]
  /** The local run until its container is gone (the removal runs in the background). */
  localRunRemoved: number[]
}

const EVENT = JSON.stringify({ version: '2.0', rawPath: '/', body: '' })

/** One plain `docker run` against a bare Runtime API: ms to the first next, and to removal. */
async function plainRun(
  image: string
): Promise<{ init: number; total: number }> {
  const name = `bench-plain-${process.pid}-${Date.now()}`
  let firstNext = 0
  let answered: () => void = () => undefined
  const done = new Promise<void>(resolve => (answered = resolve))
  let served = false
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith('/invocation/next') === true) {
      if (served) return // park the second next, as Lambda does
      served = true
      firstNext = performance.now()
      res.writeHead(200, {
        'Lambda-Runtime-Aws-Request-Id': 'bench-1',
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + 30_000),
        'content-type': 'application/json'
      })
      res.end(EVENT)
      return
    }
    req.resume()
    req.on('end', () => {
      res.writeHead(202).end('{}')
      answered()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const t0 = performance.now()
  const child = spawn(
    'docker',
    [
      'run',
      '--rm',
      '--name',
      name,
      '--network',
      'host',
      // FROM scratch has no /tmp: Lambda's (and the emulator's) writable /tmp.
      '--tmpfs',
      '/tmp',
      '--env',
      `AWS_LAMBDA_RUNTIME_API=127.0.0.1:${port}`,
      '--env',
      '_HANDLER=200',
      image
    ],
    { stdio: 'ignore' }
  )
  const exited = new Promise<void>((_, reject) =>
    child.once('close', code => {
      reject(
        new Error(
          `docker run of ${image} ended (${String(code)}) before answering`
        )
      )
    })
  )
  exited.catch(() => undefined)
  await Promise.race([done, exited])
  execFileSync('docker', ['rm', '--force', name], { stdio: 'ignore' })
  const total = performance.now() - t0
  await exited.catch(() => undefined)
  server.closeAllConnections()
  server.close()
  return { init: firstNext - t0, total }
}

async function localRun(
  image: string
): Promise<{ total: number; init: number; removed: number }> {
  let removal: Promise<boolean> = Promise.resolve(false)
  const host = {
    log: () => undefined,
    removed: (r: Promise<boolean>) => (removal = r)
  }
  const t0 = performance.now()
  const runnable = await localRunnable('x86_64', host)
  if (!runnable.runs)
    throw new Error(`the local run cannot run here: ${runnable.reason}`)
  const outcome = await runLocally(
    {
      spec: {
        functionName: 'bench',
        image,
        architecture: 'x86_64',
        memorySize: 512,
        timeout: 30
      },
      managedInstances: false,
      source: 'http-api',
      event: EVENT
    },
    host,
    runnable
  )
  const total = performance.now() - t0
  // The removal goes on in the background (as in the action, where the deploy goes on); the
  // next case starts only once it ended, so that the cases never overlap.
  if (!(await removal)) throw new Error('the local run left its container')
  const removed = performance.now() - t0
  const status =
    outcome.answer?.inspection.kind === 'answer'
      ? outcome.answer.inspection.answer.status
      : undefined
  if (status !== 200)
    throw new Error(`the demo image answered ${String(status)}, not 200`)
  return { total, init: outcome.init.durationMs, removed }
}

export async function localRunBench(
  runs: number,
  log: (message: string) => void
): Promise<LocalRunBench> {
  const image = `aspnet-lambda-deploy-bench-local-run:${process.pid}`
  execFileSync(
    'docker',
    ['build', '--quiet', '--tag', image, runtimeContext({ status: 200 })],
    {
      stdio: 'ignore'
    }
  )
  const result: LocalRunBench = {
    ownInit: [],
    plain: [],
    localRun: [],
    reportedInit: [],
    localRunRemoved: []
  }
  try {
    // One of each first: the image and the busybox holder in the page cache.
    await plainRun(image)
    await localRun(image)
    for (let i = 0; i < runs; i++) {
      const plain = await plainRun(image)
      const local = await localRun(image)
      result.ownInit.push(Math.round(plain.init))
      result.plain.push(Math.round(plain.total))
      result.localRun.push(Math.round(local.total))
      result.reportedInit.push(Math.round(local.init))
      result.localRunRemoved.push(Math.round(local.removed))
      log(
        `local run ${i + 1}/${runs}: plain docker run ${Math.round(plain.init)} ms to next, ${Math.round(plain.total)} ms in all; local run ${Math.round(local.total)} ms (init ${Math.round(local.init)} ms, container gone at ${Math.round(local.removed)} ms)`
      )
    }
  } finally {
    execFileSync('docker', ['image', 'rm', '--force', image], {
      stdio: 'ignore'
    })
  }
  return result
}

/** The section of docs/benchmarks.md. */
export function localRunReport(
  bench: LocalRunBench,
  median: (values: number[]) => number
): string[] {
  const ms = (values: number[]): string => `${median(values).toFixed(0)} ms`
  const above = median(bench.localRun) - median(bench.ownInit)
  return [
    '## The local run',
    '',
    "The demo Runtime API image (test/local-aws/status-runtime.ts) run as the action's local run runs it",
    '(docs/preflight.md#the-local-run: whether Docker can run it, then src/emulator: the container, init, one',
    'synthetic request, SHUTDOWN and removal) side by side with a plain `docker run` of it against a bare Runtime',
    'API on 127.0.0.1 (scripts/bench/local-run.ts). A pull by digest adds the pull of the image on top.',
    '',
    '| case | median | target |',
    '|---|---|---|',
    `| plain \`docker run\`: to its first invocation/next (the image's own init) | ${ms(bench.ownInit)} | — |`,
    `| plain \`docker run\`: init, one request, \`docker rm --force\` | ${ms(bench.plain)} | — |`,
    `| the local run: init, one request, removal started (INIT_REPORT init ${ms(bench.reportedInit)}) | ${ms(bench.localRun)} (${(above / 1000).toFixed(2)} s above the image's own init) | ≤ 1.5 s above the image's own init |`,
    '',
    `The local run's container is gone ${ms(bench.localRunRemoved)} after the start (median): its removal (\`docker container rm --force\`) is started`,
    'when the run ends and goes on in the background while the deploy does; the step ends only after it (scripts/bench waits for it',
    'before the next case, outside the timing, so that the cases never overlap).',
    '',
    'Where the time goes (three profiled runs, milliseconds from the start): `docker version` 80–150; the holder started by one',
    'attached `docker container run` (which also lists /opt/extensions: no `docker exec` for it) ready at 540–800, the',
    '`docker image inspect` beside it; the runtime started by `docker exec` to its first next 250–400 (the INIT_REPORT init);',
    'the request 30–100; the removal 300–400, in the background. Above a plain `docker run`: `docker version`, and the',
    "runtime's `docker exec` (a plain run's process is the container's own PID 1).",
    '',
    `Raw: own init [${bench.ownInit.join(', ')}] ms; plain [${bench.plain.join(', ')}] ms; local run [${bench.localRun.join(', ')}] ms; INIT_REPORT [${bench.reportedInit.join(', ')}] ms; container gone [${bench.localRunRemoved.join(', ')}] ms.`
  ]
}
