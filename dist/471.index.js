export const id = 471;
export const ids = [471];
export const modules = {

/***/ 1471:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ProxyRouter: () => (/* binding */ ProxyRouter),
/* harmony export */   proxiedFetch: () => (/* binding */ proxiedFetch),
/* harmony export */   withoutPausing: () => (/* binding */ withoutPausing)
/* harmony export */ });
/* harmony import */ var undici__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6752);
/* harmony import */ var _proxy_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1987);
/**
 * fetch through the proxy ./proxy.ts picks per URL (each redirect hop is
 * decided again): https through a CONNECT tunnel, http forwarded in absolute
 * form, NO_PROXY hosts directly. undici's own fetch with undici's
 * dispatchers, so both are one version whatever Node bundles. Loaded only
 * when a proxy variable is set (./fetch.ts).
 */


/** Sends each request to the proxy its origin takes, or directly. */
class ProxyRouter extends undici__WEBPACK_IMPORTED_MODULE_0__/* .Dispatcher */ .mk {
    settings;
    direct = new undici__WEBPACK_IMPORTED_MODULE_0__/* .Agent */ .g6();
    proxies = new Map();
    constructor(settings) {
        super();
        this.settings = settings;
    }
    /** The dispatcher for a request to this origin. */
    dispatcherFor(origin) {
        const proxy = (0,_proxy_js__WEBPACK_IMPORTED_MODULE_1__/* .proxyFor */ .iJ)(origin, this.settings);
        if (proxy === undefined)
            return this.direct;
        let agent = this.proxies.get(proxy.href);
        if (agent === undefined) {
            const token = (0,_proxy_js__WEBPACK_IMPORTED_MODULE_1__/* .proxyAuthorization */ .YB)(proxy);
            agent = new undici__WEBPACK_IMPORTED_MODULE_0__/* .ProxyAgent */ .kT({
                uri: `${proxy.protocol}//${proxy.host}`,
                ...(token === undefined ? {} : { token }),
                // http URLs are forwarded, not tunnelled: many proxies allow
                // CONNECT only to port 443.
                proxyTunnel: false
            });
            this.proxies.set(proxy.href, agent);
        }
        return agent;
    }
    dispatch(options, handler) {
        const origin = new URL(String(options.origin ?? ''));
        const dispatcher = this.dispatcherFor(origin);
        const forwarded = dispatcher !== this.direct && origin.protocol === 'http:';
        return dispatcher.dispatch(options, forwarded ? withoutPausing(handler) : handler);
    }
    /** Closes every connection this router opened. */
    async closeAll() {
        await Promise.all([this.direct, ...this.proxies.values()].map(d => d.close()));
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
function withoutPausing(handler) {
    return new Proxy(handler, {
        get(target, property, receiver) {
            if (property === 'onData') {
                return (chunk) => {
                    target.onData?.call(receiver, chunk);
                    return true;
                };
            }
            return Reflect.get(target, property, receiver);
        }
    });
}
/** A fetch that goes through the router. */
function proxiedFetch(settings, router = new ProxyRouter(settings)) {
    return (input, init) => {
        if (typeof input !== 'string' && !(input instanceof URL))
            throw new TypeError('The proxied fetch takes a URL, not a Request.');
        return (0,undici__WEBPACK_IMPORTED_MODULE_0__/* .fetch */ .hd)(input, {
            ...init,
            dispatcher: router
        });
    };
}


/***/ })

};
