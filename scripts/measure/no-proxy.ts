// Which of NO_PROXY's cases in __tests__/net/proxy.test.ts (the `route`
// table) two ready-made implementations decide as we do: undici's
// EnvHttpProxyAgent and Node's own http.Agent({ proxyEnv }). Each case gets
// its own recording proxy on loopback; a request that reaches it went
// through the proxy, one that does not within the wait went directly.
// Run: node scripts/measure/no-proxy.ts   (Node 24 strips the types; npm ci)
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { EnvHttpProxyAgent, request as undiciRequest } from 'undici'

interface Case {
  url: string
  noProxy: string
  expected: string
}

const source = readFileSync(
  new URL('../../__tests__/net/proxy.test.ts', import.meta.url),
  'utf8'
)
const cases = [
  ...source.matchAll(/^\s*\['([^']+)', '([^']*)', '(proxy|direct)'\],?$/gm)
].map(([, url = '', noProxy = '', expected = '']): Case => ({
  url,
  noProxy,
  expected
}))

const WAIT_MS = 1500

async function recordingProxy(): Promise<{
  url: string
  seen: () => boolean
  close: () => void
}> {
  let seen = false
  const server = http.createServer((_req, res) => {
    seen = true
    res.writeHead(502).end()
  })
  server.on('connect', (_req, socket) => {
    seen = true
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, seen: () => seen, close: () => void server.close() }
}

function settle(promise: Promise<unknown>): Promise<unknown> {
  return Promise.race([
    promise.then(
      () => undefined,
      () => undefined
    ),
    new Promise(resolve => setTimeout(resolve, WAIT_MS))
  ])
}

async function viaUndici({ url, noProxy }: Case, proxy: string): Promise<void> {
  const dispatcher = new EnvHttpProxyAgent({
    httpProxy: proxy,
    httpsProxy: proxy,
    noProxy
  })
  await settle(
    undiciRequest(url, {
      dispatcher,
      headersTimeout: WAIT_MS,
      bodyTimeout: WAIT_MS
    })
  )
  dispatcher.destroy().catch(() => undefined)
}

async function viaNode({ url, noProxy }: Case, proxy: string): Promise<void> {
  const proxyEnv = { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, NO_PROXY: noProxy }
  const secure = url.startsWith('https:')
  // proxyEnv: Node 24.5 and later; @types/node may not know it yet.
  const options = { proxyEnv } as http.AgentOptions
  const agent = secure ? new https.Agent(options) : new http.Agent(options)
  await settle(
    new Promise<void>((resolve, reject) => {
      const req = (secure ? https : http).get(
        url,
        { agent, timeout: WAIT_MS },
        res => {
          res.resume()
          resolve()
        }
      )
      req.on('error', reject)
      req.on('timeout', () => req.destroy())
    })
  )
  agent.destroy()
}

async function decide(
  kase: Case,
  via: (kase: Case, proxy: string) => Promise<void>
): Promise<string> {
  const proxy = await recordingProxy()
  await via(kase, proxy.url)
  proxy.close()
  return proxy.seen() ? 'proxy' : 'direct'
}

const rows = await Promise.all(
  cases.map(async kase => ({
    ...kase,
    undici: await decide(kase, viaUndici),
    node: await decide(kase, viaNode)
  }))
)
console.log(`node ${process.version}, ${rows.length} cases`)
for (const impl of ['undici', 'node'] as const) {
  const wrong = rows.filter(row => row[impl] !== row.expected)
  console.log(`\n${impl}: ${rows.length - wrong.length}/${rows.length} as ours`)
  for (const row of wrong)
    console.log(
      `  ${row.url} NO_PROXY=${JSON.stringify(row.noProxy)}: ours ${row.expected}, ${impl} ${row[impl]}`
    )
}
