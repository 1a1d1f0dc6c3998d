/**
 * A small forward proxy on loopback for unit tests: forwards absolute-form
 * http requests, opens CONNECT tunnels, and records every request line and
 * Proxy-Authorization it was sent. It can demand credentials (407) or refuse
 * tunnels. (The e2e tests use a real one: tinyproxy.)
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net, { type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'

export interface RecordingProxy {
  url: string
  /** `GET http://host:port/path` or `CONNECT host:port`, in order. */
  requests: string[]
  /** The Proxy-Authorization each request came with. */
  authorizations: (string | undefined)[]
  close: () => Promise<void>
}

export interface ProxyOptions {
  /** Answer 407 unless Proxy-Authorization is this. */
  requireAuthorization?: string
  /** Answer CONNECT with this status instead of opening the tunnel. */
  refuseConnect?: number
  /**
   * Like tinyproxy: close the connection right after each forwarded
   * response, without saying `Connection: close`.
   */
  closeWithoutSaying?: boolean
}

function listen(server: net.Server): Promise<number> {
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () =>
      resolve((server.address() as AddressInfo).port)
    )
  )
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise(resolve => {
    server.close(() => resolve())
    if ('closeAllConnections' in server)
      (server as http.Server).closeAllConnections()
  })
}

export async function startRecordingProxy(
  options: ProxyOptions = {}
): Promise<RecordingProxy> {
  const requests: string[] = []
  const authorizations: (string | undefined)[] = []
  const sockets = new Set<net.Socket>()
  const allowed = (req: http.IncomingMessage): boolean => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`)
    authorizations.push(req.headers['proxy-authorization'])
    return (
      options.requireAuthorization === undefined ||
      req.headers['proxy-authorization'] === options.requireAuthorization
    )
  }
  const server = http.createServer((req, res) => {
    if (!allowed(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' })
      res.end()
      return
    }
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    const upstream = http.request(
      req.url ?? '',
      { method: req.method, headers },
      answer => {
        if (options.closeWithoutSaying === true) {
          const chunks: Buffer[] = []
          answer.on('data', (chunk: Buffer) => chunks.push(chunk))
          answer.on('end', () => {
            const body = Buffer.concat(chunks)
            const socket = res.socket as net.Socket
            socket.write(
              `HTTP/1.1 ${answer.statusCode ?? 502} OK\r\ncontent-length: ${body.length}\r\n\r\n`
            )
            socket.end(body)
          })
          return
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    req.pipe(upstream)
  })
  server.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
    sockets.add(client)
    if (!allowed(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n')
      return
    }
    if (options.refuseConnect !== undefined) {
      client.end(`HTTP/1.1 ${options.refuseConnect} Refused\r\n\r\n`)
      return
    }
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/)
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    authorizations,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await closeServer(server)
    }
  }
}

export interface TestServer {
  port: number
  /** Request lines as the server saw them (`GET /path`). */
  requests: string[]
  close: () => Promise<void>
}

/** An http or https server on 127.0.0.1 that answers every request with `body`. */
export async function startServer(
  body: string,
  tls?: { key: string; cert: string }
): Promise<TestServer> {
  const requests: string[] = []
  const handler: http.RequestListener = (req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(body)
  }
  const server =
    tls === undefined
      ? http.createServer(handler)
      : https.createServer(tls, handler)
  const port = await listen(server)
  return { port, requests, close: () => closeServer(server) }
}

/** A self-signed certificate for 127.0.0.1 (openssl, at test time). */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'proxy-cert-'))
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1'
    ],
    { stdio: 'ignore' }
  )
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') }
}
