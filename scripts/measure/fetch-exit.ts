// How long a process that made a few small HTTP requests takes to exit after
// its last answer, with Node's built-in fetch (undici, llhttp in WebAssembly)
// and with src/net/http-fetch.ts (node:http). A loopback server in this
// process answers; each child makes REQUESTS sequential GETs, prints
// Date.now() when its last body is read, and exits on its own.
// Run: node scripts/measure/fetch-exit.ts [runs]   (Node 24 strips the types)
import { spawn } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'

interface Sample {
  total: number
  work: number
  exitDelay: number
}

const RUNS = Number(process.argv[2] ?? 15)
const REQUESTS = 5
const httpFetchPath = fileURLToPath(
  new URL('../../src/net/http-fetch.ts', import.meta.url)
)

const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ ok: true, path: req.url }))
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

const child = (which: string): string => `
const started = Date.now()
const f = ${
  which === 'built-in'
    ? 'fetch'
    : which === 'node:http'
      ? `(await import(${JSON.stringify(httpFetchPath)})).httpFetch`
      : 'null'
}
for (let i = 0; f && i < ${REQUESTS}; i++) await (await f('${base}/' + i)).text()
console.log(JSON.stringify({ done: Date.now(), work: Date.now() - started }))
`

function once(which: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const start = Date.now()
    const proc = spawn(
      process.execPath,
      ['--input-type=module', '-e', child(which)],
      {
        stdio: ['ignore', 'pipe', 'inherit']
      }
    )
    let out = ''
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    proc.on('exit', code => {
      const end = Date.now()
      if (code !== 0) return reject(new Error(`${which} exited ${code}`))
      const { done, work } = JSON.parse(out) as { done: number; work: number }
      resolve({ total: end - start, work, exitDelay: end - done })
    })
  })
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

console.log(`node ${process.version}, ${RUNS} runs each, ${REQUESTS} requests`)
const results: Record<string, Sample[]> = {
  none: [],
  'node:http': [],
  'built-in': []
}
for (let run = 0; run < RUNS; run++)
  for (const [which, rows] of Object.entries(results))
    rows.push(await once(which))
for (const [which, rows] of Object.entries(results))
  console.log(
    `${which.padEnd(10)} total ${median(rows.map(r => r.total))} ms, requests ${median(rows.map(r => r.work))} ms, last answer to exit ${median(rows.map(r => r.exitDelay))} ms (median)`
  )
server.close()
