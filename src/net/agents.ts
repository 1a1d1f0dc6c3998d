/**
 * Node http(s) agents that send the AWS SDK's requests through a proxy, as
 * ./proxy.ts decides per endpoint: https through a CONNECT tunnel, http
 * forwarded to the proxy in absolute form (what a forward proxy expects, and
 * what proxies that only allow CONNECT to port 443 still accept). A host
 * NO_PROXY names is reached directly by the same agent.
 *
 * Only made when a proxy variable is set (src/aws/clients.ts).
 */
import http from 'node:http'
import https from 'node:https'
import { isIP, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'

import {
  proxyAuthorization,
  proxyFor,
  shownProxy,
  type ProxySettings
} from './proxy.js'

type Callback = (err: Error | null, stream: Duplex) => void

/** The parts of http.Agent that Node has but does not type. */
interface AgentInternals {
  addRequest(req: http.ClientRequest, options: http.ClientRequestArgs): void
}

/** What the SDK's own agents are made with (NodeHttpHandler's defaults). */
const POOL = { keepAlive: true, maxSockets: 50 }

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1')
}

function portOf(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : +url.port
}

/** `host:port`, with brackets around an IPv6 address. */
function authority(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`
}

/**
 * A socket to `host:port` through the proxy's CONNECT tunnel. The limit
 * covers reaching the proxy and its answer.
 */
export function openTunnel(
  proxy: URL,
  host: string,
  port: number,
  timeoutMs: number
): Promise<Socket> {
  const target = authority(host, port)
  const auth = proxyAuthorization(proxy)
  const request = (proxy.protocol === 'https:' ? https : http).request({
    host: hostOf(proxy),
    port: portOf(proxy),
    method: 'CONNECT',
    path: target,
    agent: false,
    timeout: timeoutMs,
    headers: {
      host: target,
      ...(auth === undefined ? {} : { 'proxy-authorization': auth })
    }
  })
  return new Promise((resolve, reject) => {
    request.once('connect', (response, socket, head) => {
      if (response.statusCode !== 200) {
        socket.destroy()
        const hint =
          response.statusCode === 407
            ? ': the proxy wants credentials (http://user:password@host:port)'
            : ''
        reject(
          new Error(
            `The proxy ${shownProxy(proxy)} refused a tunnel to ${target}: HTTP ${response.statusCode ?? '?'} ${response.statusMessage ?? ''}`.trimEnd() +
              hint
          )
        )
        return
      }
      socket.setTimeout(0)
      if (head.length > 0) socket.unshift(head)
      resolve(socket)
    })
    request.once('timeout', () =>
      request.destroy(
        new Error(
          `The proxy ${shownProxy(proxy)} did not open a tunnel to ${target} within ${timeoutMs} ms`
        )
      )
    )
    request.once('error', error =>
      reject(
        new Error(
          `Could not reach the proxy ${shownProxy(proxy)}: ${error.message}`,
          { cause: error }
        )
      )
    )
    request.end()
  })
}

/** https requests: through a CONNECT tunnel, unless NO_PROXY says direct. */
export class TunnelingAgent extends https.Agent {
  constructor(
    readonly settings: ProxySettings,
    private readonly timeoutMs: number,
    /** TLS options for the endpoints (tests give a CA here). */
    tlsOptions: https.AgentOptions = {}
  ) {
    super({ ...POOL, ...tlsOptions })
  }

  override createConnection(
    options: http.ClientRequestArgs & tls.ConnectionOptions,
    callback?: Callback
  ): Duplex | null | undefined {
    const host = options.host ?? options.hostname ?? 'localhost'
    const port = Number(options.port ?? 443)
    const proxy = proxyFor(
      new URL(`https://${authority(host, port)}`),
      this.settings
    )
    if (proxy === undefined) return super.createConnection(options, callback)
    openTunnel(proxy, host, port, this.timeoutMs).then(
      socket => {
        const secure = tls.connect({
          ...options,
          socket,
          servername: options.servername ?? (isIP(host) ? undefined : host)
        } as tls.ConnectionOptions)
        callback?.(null, secure)
      },
      (error: unknown) =>
        callback?.(error as Error, undefined as unknown as Duplex)
    )
    return undefined
  }
}

/** Marks the sockets of a forwarding agent that go to an https:// proxy. */
const TO_TLS_PROXY = Symbol('tls proxy')

/**
 * http requests: sent to the proxy with the whole URL as the request target
 * (RFC 9112, 3.2.2), unless NO_PROXY says direct. Node's agent has no
 * public hook for this; like the well-known http-proxy-agent, this one
 * rewrites the request's path before the request is queued.
 */
export class ForwardingAgent extends http.Agent {
  constructor(readonly settings: ProxySettings) {
    super(POOL)
  }

  addRequest(req: http.ClientRequest, options: http.ClientRequestArgs): void {
    const base = http.Agent.prototype as unknown as AgentInternals
    const host = options.host ?? options.hostname ?? 'localhost'
    const port = Number(options.port ?? 80)
    const origin = `http://${authority(host, port)}`
    const proxy = proxyFor(new URL(origin), this.settings)
    if (proxy === undefined) {
      base.addRequest.call(this, req, options)
      return
    }
    // A request with `Expect` has its head already rendered: render it again.
    const rendered = req as unknown as { _header: string | null }
    rendered._header = null
    req.path = `${origin}${req.path}`
    const auth = proxyAuthorization(proxy)
    if (auth !== undefined) req.setHeader('proxy-authorization', auth)
    base.addRequest.call(this, req, {
      ...options,
      host: hostOf(proxy),
      hostname: hostOf(proxy),
      port: portOf(proxy),
      [TO_TLS_PROXY]: proxy.protocol === 'https:'
    } as http.ClientRequestArgs)
  }

  override createConnection(
    options: http.ClientRequestArgs & { [TO_TLS_PROXY]?: boolean },
    callback?: Callback
  ): Duplex | null | undefined {
    if (options[TO_TLS_PROXY] === true) {
      const host = options.host ?? 'localhost'
      return tls.connect({
        host,
        port: Number(options.port),
        servername: isIP(host) ? undefined : host
      } as tls.ConnectionOptions)
    }
    return super.createConnection(options, callback)
  }
}

/** The agents the SDK's NodeHttpHandler is given when a proxy is set. */
export function proxyAgents(
  settings: ProxySettings,
  connectionTimeoutMs: number
): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  return {
    httpAgent: new ForwardingAgent(settings),
    httpsAgent: new TunnelingAgent(settings, connectionTimeoutMs)
  }
}
