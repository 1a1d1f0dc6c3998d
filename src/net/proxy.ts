/**
 * Which proxy an outbound request takes, from the variables a self-hosted
 * runner behind a proxy sets: HTTPS_PROXY / https_proxy for https URLs,
 * HTTP_PROXY / http_proxy for http URLs, NO_PROXY / no_proxy for the hosts
 * that are reached directly. The conventions are curl's and
 * @actions/http-client's: the lower-case name wins, a scheme uses only its
 * own variable (no fallback from https to HTTP_PROXY), and NO_PROXY is a
 * comma-separated list of hosts (suffix match, a leading dot or `*.`
 * ignored), host:port, IP addresses, CIDR ranges and `*` for all.
 *
 * Loopback is not special: 127.0.0.1 goes through the proxy unless NO_PROXY
 * names it (some libraries, @actions/http-client among them, always skip the
 * proxy for loopback; here only NO_PROXY decides).
 *
 * Pure: the variables are given, nothing is read or logged here.
 */
import { BlockList, isIP } from 'node:net'

export type ProxyEnv = Readonly<Record<string, string | undefined>>

/** One entry of NO_PROXY. */
export type NoProxyRule =
  | { kind: 'all' }
  /** A host name: itself and every name under it. */
  | { kind: 'domain'; domain: string; port: number | undefined }
  /** An IP address (v4 or v6), compared as written. */
  | { kind: 'ip'; ip: string; port: number | undefined }
  /** A CIDR range such as 10.0.0.0/8 or fd00::/8. */
  | { kind: 'cidr'; range: BlockList; text: string }

export interface ProxySettings {
  /** For http:// URLs. */
  http: URL | undefined
  /** For https:// URLs. */
  https: URL | undefined
  noProxy: NoProxyRule[]
  /** NO_PROXY as given (for the log). */
  noProxyText: string
}

/** The first non-empty value among the names (lower case first). */
function variable(
  env: ProxyEnv,
  lower: string
): { name: string; value: string } | undefined {
  for (const name of [lower, lower.toUpperCase()]) {
    const value = env[name]?.trim()
    if (value) return { name, value }
  }
  return undefined
}

/**
 * A proxy URL without its credentials (and without a trailing slash): what
 * the log may show.
 */
export function shownProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`
}

/** A proxy variable's value, parsed; `host:port` alone means http://. */
export function parseProxyUrl(name: string, value: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value)
    ? value
    : `http://${value}`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    // The value may hold credentials: name the variable, not its value.
    throw new Error(
      `${name} is not a URL: give it as http://host:port (or http://user:password@host:port).`
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(
      `${name} uses ${url.protocol.slice(0, -1)}://, which the action cannot use: give an http:// or https:// proxy (http://host:port).`
    )
  }
  if (url.hostname === '')
    throw new Error(`${name} has no host: give it as http://host:port.`)
  return url
}

function portOf(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined
  const port = Number(text)
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined
}

/** One NO_PROXY entry; undefined for what cannot be read (ignored, as curl does). */
export function parseNoProxyEntry(entry: string): NoProxyRule | undefined {
  const text = entry.trim().toLowerCase()
  if (text === '') return undefined
  if (text === '*') return { kind: 'all' }
  const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(text)
  if (cidr?.[1] !== undefined && cidr[2] !== undefined) {
    const family = isIP(cidr[1])
    const prefix = Number(cidr[2])
    if (family === 0 || prefix > (family === 4 ? 32 : 128)) return undefined
    const range = new BlockList()
    range.addSubnet(cidr[1], prefix, family === 4 ? 'ipv4' : 'ipv6')
    return { kind: 'cidr', range, text }
  }
  // [v6]:port, [v6], bare v6 (several colons), host:port, host.
  let host = text
  let port: number | undefined
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  if (bracketed?.[1] !== undefined) {
    host = bracketed[1]
    port = portOf(bracketed[2])
  } else if (isIP(text) !== 6) {
    const withPort = /^(.*):(\d+)$/.exec(text)
    if (withPort?.[1] !== undefined) {
      host = withPort[1]
      port = portOf(withPort[2])
    }
  }
  if (isIP(host) !== 0) return { kind: 'ip', ip: host, port }
  const domain = host.replace(/^\*?\.+/, '').replace(/\.+$/, '')
  if (domain === '' || domain.includes('*')) return undefined
  return { kind: 'domain', domain, port }
}

export function parseNoProxy(text: string): NoProxyRule[] {
  return text
    .split(/[\s,]+/)
    .map(parseNoProxyEntry)
    .filter((rule): rule is NoProxyRule => rule !== undefined)
}

/**
 * The proxy settings the variables describe, or undefined when no proxy
 * variable is set (then nothing about outbound calls changes).
 */
export function proxySettings(env: ProxyEnv): ProxySettings | undefined {
  const http = variable(env, 'http_proxy')
  const https = variable(env, 'https_proxy')
  if (http === undefined && https === undefined) return undefined
  const noProxyText = variable(env, 'no_proxy')?.value ?? ''
  return {
    http: http && parseProxyUrl(http.name, http.value),
    https: https && parseProxyUrl(https.name, https.value),
    noProxy: parseNoProxy(noProxyText),
    noProxyText
  }
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80
}

/** The host as NO_PROXY compares it: lower case, no brackets, no final dot. */
function bareHost(url: URL): string {
  return url.hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.+$/, '')
}

/** Whether NO_PROXY sends this URL directly. */
export function bypassesProxy(
  url: URL,
  rules: readonly NoProxyRule[]
): boolean {
  const host = bareHost(url)
  const port = portOf(url.port) ?? defaultPort(url.protocol)
  const family = isIP(host)
  return rules.some(rule => {
    switch (rule.kind) {
      case 'all':
        return true
      case 'cidr':
        return (
          family !== 0 && rule.range.check(host, family === 4 ? 'ipv4' : 'ipv6')
        )
      case 'ip':
        return (
          family !== 0 &&
          sameIp(host, rule.ip) &&
          (rule.port === undefined || rule.port === port)
        )
      case 'domain':
        return (
          (host === rule.domain || host.endsWith(`.${rule.domain}`)) &&
          (rule.port === undefined || rule.port === port)
        )
    }
  })
}

/** Two IP addresses written differently (::1 and 0:0:0:0:0:0:0:1) are one. */
function sameIp(a: string, b: string): boolean {
  if (a === b) return true
  const family = isIP(a)
  if (family === 0 || family !== isIP(b)) return false
  const one = new BlockList()
  one.addAddress(b, family === 4 ? 'ipv4' : 'ipv6')
  return one.check(a, family === 4 ? 'ipv4' : 'ipv6')
}

/** The proxy a request to this URL goes through, or undefined for direct. */
export function proxyFor(
  target: URL | string,
  settings: ProxySettings | undefined
): URL | undefined {
  if (settings === undefined) return undefined
  const url = typeof target === 'string' ? new URL(target) : target
  const proxy =
    url.protocol === 'https:'
      ? settings.https
      : url.protocol === 'http:'
        ? settings.http
        : undefined
  if (proxy === undefined || bypassesProxy(url, settings.noProxy))
    return undefined
  return proxy
}

/** The Proxy-Authorization header value a proxy URL's credentials make. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (proxy.username === '' && proxy.password === '') return undefined
  const user = decodeURIComponent(proxy.username)
  const password = decodeURIComponent(proxy.password)
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
}

/**
 * What must never appear in a log: each proxy's password (as written and
 * decoded; the user name when there is no password, as a token is given),
 * its whole URL as parsed and as written, and the header its credentials
 * make.
 */
export function proxySecrets(env: ProxyEnv, settings: ProxySettings): string[] {
  const secrets = new Set<string>()
  for (const [proxy, lower] of [
    [settings.http, 'http_proxy'],
    [settings.https, 'https_proxy']
  ] as const) {
    if (proxy === undefined) continue
    const secret = proxy.password || proxy.username
    if (secret === '') continue
    secrets.add(secret)
    secrets.add(decodeURIComponent(secret))
    secrets.add(proxy.href)
    const written = variable(env, lower)?.value
    if (written !== undefined) secrets.add(written)
    const header = proxyAuthorization(proxy)
    if (header !== undefined) secrets.add(header.slice('Basic '.length))
  }
  return [...secrets]
}

/** The one log line: which proxy, for what, and what goes directly. */
export function describeProxy(settings: ProxySettings): string {
  const { http, https } = settings
  const which =
    http !== undefined && https !== undefined && http.href === https.href
      ? shownProxy(http)
      : [
          https && `${shownProxy(https)} for https`,
          http && `${shownProxy(http)} for http`
        ]
          .filter(part => part !== undefined)
          .join(', ')
  const direct = settings.noProxyText.trim() || 'not set'
  return `Using proxy ${which} (NO_PROXY: ${direct})`
}
