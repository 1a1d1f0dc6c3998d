/**
 * The fetch every outbound HTTP call of the action uses (the smoke test, the
 * registry API, the GitHub API): one over node:http (./http-fetch.ts) when
 * no proxy variable is set, else one that goes through the proxy
 * (./proxied-fetch.ts, loaded on the first call).
 */
import { httpFetch } from './http-fetch.js'
import { proxySettings, type ProxyEnv } from './proxy.js'

export function outboundFetch(env: ProxyEnv): typeof fetch {
  if (!hasProxyVariable(env)) return httpFetch
  let routed: Promise<typeof fetch> | undefined
  return async (input, init) => {
    routed ??= import('./proxied-fetch.js').then(module => {
      const settings = proxySettings(env)
      return settings === undefined ? httpFetch : module.proxiedFetch(settings)
    })
    return (await routed)(input, init)
  }
}

/** Whether any proxy variable is set (not yet whether it is valid). */
export function hasProxyVariable(env: ProxyEnv): boolean {
  return ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'].some(
    name => (env[name]?.trim() ?? '') !== ''
  )
}
