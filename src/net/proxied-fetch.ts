/**
 * fetch through the proxy ./proxy.ts picks per URL (each redirect hop is
 * decided again): https through a CONNECT tunnel, http forwarded in absolute
 * form, NO_PROXY hosts directly. undici's own fetch with undici's
 * dispatchers, so both are one version whatever Node bundles. Loaded only
 * when a proxy variable is set (./fetch.ts).
 */
import {
  Agent,
  Dispatcher,
  ProxyAgent,
  fetch as undiciFetch,
  type RequestInit as UndiciRequestInit
} from 'undici'

import { proxyAuthorization, proxyFor, type ProxySettings } from './proxy.js'

/** Sends each request to the proxy its origin takes, or directly. */
export class ProxyRouter extends Dispatcher {
  readonly direct = new Agent()
  private readonly proxies = new Map<string, ProxyAgent>()

  constructor(readonly settings: ProxySettings) {
    super()
  }

  /** The dispatcher for a request to this origin. */
  dispatcherFor(origin: URL): Dispatcher {
    const proxy = proxyFor(origin, this.settings)
    if (proxy === undefined) return this.direct
    let agent = this.proxies.get(proxy.href)
    if (agent === undefined) {
      const token = proxyAuthorization(proxy)
      agent = new ProxyAgent({
        uri: `${proxy.protocol}//${proxy.host}`,
        ...(token === undefined ? {} : { token }),
        // http URLs are forwarded, not tunnelled: many proxies allow
        // CONNECT only to port 443.
        proxyTunnel: false
      })
      this.proxies.set(proxy.href, agent)
    }
    return agent
  }

  override dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandlers
  ): boolean {
    const origin = new URL(String(options.origin ?? ''))
    const dispatcher = this.dispatcherFor(origin)
    const forwarded = dispatcher !== this.direct && origin.protocol === 'http:'
    return dispatcher.dispatch(
      options,
      forwarded ? withoutPausing(handler) : handler
    )
  }

  /** Closes every connection this router opened. */
  async closeAll(): Promise<void> {
    await Promise.all(
      [this.direct, ...this.proxies.values()].map(d => d.close())
    )
  }
}

/**
 * A forwarded response is read without pausing undici's parser. Proxies
 * such as tinyproxy close the connection right after each response without
 * saying `Connection: close`; when that close arrives while a slow reader
 * (the layer scan) has the parser paused before the message's end, undici
 * 6 fails the complete body as "terminated: other side closed". Unpaused,
 * the message ends as its last byte arrives. The cost: a forwarded body is
 * buffered ahead of its reader. Only http:// URLs are forwarded (stand-ins,
 * an http smoke URL); https, as every AWS endpoint, is tunnelled.
 */
export function withoutPausing(
  handler: Dispatcher.DispatchHandlers
): Dispatcher.DispatchHandlers {
  return new Proxy(handler, {
    get(target, property, receiver) {
      if (property === 'onData') {
        return (chunk: Buffer): boolean => {
          target.onData?.call(receiver as typeof target, chunk)
          return true
        }
      }
      return Reflect.get(target, property, receiver) as unknown
    }
  })
}

/** A fetch that goes through the router. */
export function proxiedFetch(
  settings: ProxySettings,
  router = new ProxyRouter(settings)
): typeof fetch {
  return (input, init) => {
    if (typeof input !== 'string' && !(input instanceof URL))
      throw new TypeError('The proxied fetch takes a URL, not a Request.')
    return undiciFetch(input, {
      ...(init as UndiciRequestInit | undefined),
      dispatcher: router
    }) as unknown as Promise<Response>
  }
}
