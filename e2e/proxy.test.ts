/**
 * A deploy behind a real forward proxy: tinyproxy on loopback, with Basic
 * credentials, in front of the stand-in (whose gateway is plain HTTP on
 * 127.0.0.1, so the action forwards to the proxy in absolute form and the
 * proxy's log names every request). The bundled action runs with
 * HTTP_PROXY / HTTPS_PROXY set; docker's own pushes do not use them (the
 * daemon has its own proxy settings, docs/proxy.md).
 *
 * tinyproxy comes from Debian's tinyproxy-bin (scripts/local-aws.sh up
 * installs it). Without it the tests fail; they are never skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import {
  createImageFunction,
  localAwsEnv,
  reset,
  runAction,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import {
  appContext,
  deployed,
  errors,
  httpGet
} from '../test/local-aws/assertions.js'

jest.setTimeout(300_000)

const USER = 'deployer'
const PASSWORD = 'pr0xy-s3cret'

let dir: string
let logFile: string
let proxyPort: number
let tinyproxy: ChildProcess | undefined
let web: ImageFunction

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const open = await new Promise<boolean>(resolve => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    if (Date.now() > deadline)
      throw new Error(
        `tinyproxy did not listen on 127.0.0.1:${port} within ${timeoutMs} ms (log: ${logFile})`
      )
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** `METHOD target` of every request tinyproxy was sent, in order. */
function proxied(): string[] {
  const log = readFileSync(logFile, 'utf8')
  return [...log.matchAll(/Request \(file descriptor \d+\): (\S+) (\S+)/g)].map(
    m => `${m[1] ?? ''} ${m[2] ?? ''}`
  )
}

beforeAll(async () => {
  if (spawnSync('tinyproxy', ['-v']).error !== undefined)
    throw new Error(
      'tinyproxy is not installed: `scripts/local-aws.sh up` installs it as root on Debian (apt-get install -y tinyproxy-bin).'
    )
  dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-proxy-'))
  logFile = path.join(dir, 'tinyproxy.log')
  proxyPort = await freePort()
  const config = path.join(dir, 'tinyproxy.conf')
  writeFileSync(
    config,
    [
      `Port ${proxyPort}`,
      'Listen 127.0.0.1',
      'Timeout 120',
      `LogFile "${logFile}"`,
      // Connect: one line per connection and per request line.
      'LogLevel Connect',
      'MaxClients 100',
      'Allow 127.0.0.1',
      `BasicAuth ${USER} ${PASSWORD}`,
      'DisableViaHeader Yes',
      ''
    ].join('\n')
  )
  writeFileSync(logFile, '')
  tinyproxy = spawn('tinyproxy', ['-d', '-c', config], { stdio: 'ignore' })
  await waitForPort(proxyPort, 10_000)
})

afterAll(() => {
  if (tinyproxy?.pid !== undefined && tinyproxy.exitCode === null)
    tinyproxy.kill('SIGTERM')
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

beforeEach(async () => {
  localAwsEnv()
  await reset()
  web = await createImageFunction({
    functionName: 'web',
    repositoryName: 'web',
    architecture: 'x86_64',
    functionUrl: true,
    body: 'release 1\n'
  })
  writeFileSync(logFile, '')
})

function proxyEnv(noProxy: string): Record<string, string> {
  const url = `http://${USER}:${PASSWORD}@127.0.0.1:${proxyPort}`
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    NO_PROXY: noProxy,
    http_proxy: '',
    https_proxy: '',
    no_proxy: ''
  }
}

describe('a deploy behind a proxy', () => {
  it('sends every AWS, registry and smoke request through the proxy, and the function serves the new release', async () => {
    const gateway = localAwsEnv().vars.AWS_ENDPOINT_URL ?? ''
    expect(gateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const result = await runAction({
      inputs: {
        'function-name': 'web',
        repository: 'web',
        context: appContext({ body: 'release 2\n' }),
        'smoke-expect-body': 'release 2',
        'smoke-timeout': '60s'
      },
      env: proxyEnv('')
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const digest = result.outputs['image-digest'] ?? ''
    expect(result.outputs).toMatchObject({
      updated: 'true',
      'smoke-status': '200',
      'rolled-back': 'false'
    })
    expect(await deployed('web')).toEqual({
      digest,
      lastUpdateStatus: 'Successful'
    })
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 2\n'
    })

    const requests = proxied()
    // Lambda's REST API: the look-up and the update by digest.
    expect(requests).toContain(`GET ${gateway}/2015-03-31/functions/web`)
    expect(requests).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^PUT ${gateway}/2015-03-31/functions/[^/]*web/code$`)
        )
      ])
    )
    // ECR's JSON API (POST /, the operation in X-Amz-Target).
    expect(requests).toContain(`POST ${gateway}/`)
    // The image config, read through the registry API.
    expect(requests).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^GET ${gateway}/v2/web/blobs/sha256:[0-9a-f]{64}$`)
        )
      ])
    )
    // The smoke test, through the Function URL.
    expect(requests).toContain(`GET ${web.functionUrl ?? ''}`)
    // Nothing went past the proxy's credentials check unannounced.
    expect(readFileSync(logFile, 'utf8')).not.toMatch(/Unauthorized|407/)

    expect(result.stdout).toContain(
      `Using proxy http://127.0.0.1:${proxyPort} (NO_PROXY: not set)`
    )
    // Masked first (the runner hides ::add-mask:: lines), never shown.
    expect(result.stdout).toContain(`::add-mask::${PASSWORD}`)
    const shown = (result.stdout + result.stderr)
      .split('\n')
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n')
    expect(shown).not.toContain(PASSWORD)
    expect(result.post?.exitCode).toBe(0)
  })

  it('with NO_PROXY=127.0.0.1 the same deploy goes directly: the proxy sees nothing', async () => {
    const result = await runAction({
      inputs: {
        'function-name': 'web',
        repository: 'web',
        context: appContext({ body: 'release 3\n' }),
        'smoke-expect-body': 'release 3',
        'smoke-timeout': '60s'
      },
      env: proxyEnv('127.0.0.1')
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({
      updated: 'true',
      'smoke-status': '200'
    })
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 3\n'
    })
    expect(result.stdout).toContain(
      `Using proxy http://127.0.0.1:${proxyPort} (NO_PROXY: 127.0.0.1)`
    )
    expect(proxied()).toEqual([])
  })
})
