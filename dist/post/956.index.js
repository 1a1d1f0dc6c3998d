export const id = 956;
export const ids = [956];
export const modules = {

/***/ 5956:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  finishUndo: () => (/* binding */ finishUndo)
});

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-lambda/dist-cjs/index.js
var dist_cjs = __webpack_require__(1696);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
var external_node_http_default = /*#__PURE__*/__webpack_require__.n(external_node_http_);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
var external_node_https_default = /*#__PURE__*/__webpack_require__.n(external_node_https_);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
// EXTERNAL MODULE: external "node:tls"
var external_node_tls_ = __webpack_require__(1692);
var external_node_tls_default = /*#__PURE__*/__webpack_require__.n(external_node_tls_);
;// CONCATENATED MODULE: ./src/net/proxy.ts
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

/** The first non-empty value among the names (lower case first). */
function variable(env, lower) {
    for (const name of [lower, lower.toUpperCase()]) {
        const value = env[name]?.trim();
        if (value)
            return { name, value };
    }
    return undefined;
}
/**
 * A proxy URL without its credentials (and without a trailing slash): what
 * the log may show.
 */
function shownProxy(proxy) {
    return `${proxy.protocol}//${proxy.host}`;
}
/** A proxy variable's value, parsed; `host:port` alone means http://. */
function parseProxyUrl(name, value) {
    const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value)
        ? value
        : `http://${value}`;
    let url;
    try {
        url = new URL(text);
    }
    catch {
        // The value may hold credentials: name the variable, not its value.
        throw new Error(`${name} is not a URL: give it as http://host:port (or http://user:password@host:port).`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new Error(`${name} uses ${url.protocol.slice(0, -1)}://, which the action cannot use: give an http:// or https:// proxy (http://host:port).`);
    }
    if (url.hostname === '')
        throw new Error(`${name} has no host: give it as http://host:port.`);
    return url;
}
function portOf(text) {
    if (text === undefined || text === '')
        return undefined;
    const port = Number(text);
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}
/** One NO_PROXY entry; undefined for what cannot be read (ignored, as curl does). */
function parseNoProxyEntry(entry) {
    const text = entry.trim().toLowerCase();
    if (text === '')
        return undefined;
    if (text === '*')
        return { kind: 'all' };
    const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(text);
    if (cidr?.[1] !== undefined && cidr[2] !== undefined) {
        const family = (0,external_node_net_.isIP)(cidr[1]);
        const prefix = Number(cidr[2]);
        if (family === 0 || prefix > (family === 4 ? 32 : 128))
            return undefined;
        const range = new external_node_net_.BlockList();
        range.addSubnet(cidr[1], prefix, family === 4 ? 'ipv4' : 'ipv6');
        return { kind: 'cidr', range, text };
    }
    // [v6]:port, [v6], bare v6 (several colons), host:port, host.
    let host = text;
    let port;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
    if (bracketed?.[1] !== undefined) {
        host = bracketed[1];
        port = portOf(bracketed[2]);
    }
    else if ((0,external_node_net_.isIP)(text) !== 6) {
        const withPort = /^(.*):(\d+)$/.exec(text);
        if (withPort?.[1] !== undefined) {
            host = withPort[1];
            port = portOf(withPort[2]);
        }
    }
    if ((0,external_node_net_.isIP)(host) !== 0)
        return { kind: 'ip', ip: host, port };
    const domain = host.replace(/^\*?\.+/, '').replace(/\.+$/, '');
    if (domain === '' || domain.includes('*'))
        return undefined;
    return { kind: 'domain', domain, port };
}
function parseNoProxy(text) {
    return text
        .split(/[\s,]+/)
        .map(parseNoProxyEntry)
        .filter((rule) => rule !== undefined);
}
/**
 * The proxy settings the variables describe, or undefined when no proxy
 * variable is set (then nothing about outbound calls changes).
 */
function proxySettings(env) {
    const http = variable(env, 'http_proxy');
    const https = variable(env, 'https_proxy');
    if (http === undefined && https === undefined)
        return undefined;
    const noProxyText = variable(env, 'no_proxy')?.value ?? '';
    return {
        http: http && parseProxyUrl(http.name, http.value),
        https: https && parseProxyUrl(https.name, https.value),
        noProxy: parseNoProxy(noProxyText),
        noProxyText
    };
}
function defaultPort(protocol) {
    return protocol === 'https:' ? 443 : 80;
}
/** The host as NO_PROXY compares it: lower case, no brackets, no final dot. */
function bareHost(url) {
    return url.hostname
        .toLowerCase()
        .replace(/^\[(.*)\]$/, '$1')
        .replace(/\.+$/, '');
}
/** Whether NO_PROXY sends this URL directly. */
function bypassesProxy(url, rules) {
    const host = bareHost(url);
    const port = portOf(url.port) ?? defaultPort(url.protocol);
    const family = (0,external_node_net_.isIP)(host);
    return rules.some(rule => {
        switch (rule.kind) {
            case 'all':
                return true;
            case 'cidr':
                return (family !== 0 && rule.range.check(host, family === 4 ? 'ipv4' : 'ipv6'));
            case 'ip':
                return (family !== 0 &&
                    sameIp(host, rule.ip) &&
                    (rule.port === undefined || rule.port === port));
            case 'domain':
                return ((host === rule.domain || host.endsWith(`.${rule.domain}`)) &&
                    (rule.port === undefined || rule.port === port));
        }
    });
}
/** Two IP addresses written differently (::1 and 0:0:0:0:0:0:0:1) are one. */
function sameIp(a, b) {
    if (a === b)
        return true;
    const family = (0,external_node_net_.isIP)(a);
    if (family === 0 || family !== (0,external_node_net_.isIP)(b))
        return false;
    const one = new external_node_net_.BlockList();
    one.addAddress(b, family === 4 ? 'ipv4' : 'ipv6');
    return one.check(a, family === 4 ? 'ipv4' : 'ipv6');
}
/** The proxy a request to this URL goes through, or undefined for direct. */
function proxyFor(target, settings) {
    if (settings === undefined)
        return undefined;
    const url = typeof target === 'string' ? new URL(target) : target;
    const proxy = url.protocol === 'https:'
        ? settings.https
        : url.protocol === 'http:'
            ? settings.http
            : undefined;
    if (proxy === undefined || bypassesProxy(url, settings.noProxy))
        return undefined;
    return proxy;
}
/** The Proxy-Authorization header value a proxy URL's credentials make. */
function proxyAuthorization(proxy) {
    if (proxy.username === '' && proxy.password === '')
        return undefined;
    const user = decodeURIComponent(proxy.username);
    const password = decodeURIComponent(proxy.password);
    return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
/**
 * What must never appear in a log: each proxy's password (as written and
 * decoded; the user name when there is no password, as a token is given),
 * its whole URL as parsed and as written, and the header its credentials
 * make.
 */
function proxySecrets(env, settings) {
    const secrets = new Set();
    for (const [proxy, lower] of [
        [settings.http, 'http_proxy'],
        [settings.https, 'https_proxy']
    ]) {
        if (proxy === undefined)
            continue;
        const secret = proxy.password || proxy.username;
        if (secret === '')
            continue;
        secrets.add(secret);
        secrets.add(decodeURIComponent(secret));
        secrets.add(proxy.href);
        const written = variable(env, lower)?.value;
        if (written !== undefined)
            secrets.add(written);
        const header = proxyAuthorization(proxy);
        if (header !== undefined)
            secrets.add(header.slice('Basic '.length));
    }
    return [...secrets];
}
/** The one log line: which proxy, for what, and what goes directly. */
function describeProxy(settings) {
    const { http, https } = settings;
    const which = http !== undefined && https !== undefined && http.href === https.href
        ? shownProxy(http)
        : [
            https && `${shownProxy(https)} for https`,
            http && `${shownProxy(http)} for http`
        ]
            .filter(part => part !== undefined)
            .join(', ');
    const direct = settings.noProxyText.trim() || 'not set';
    return `Using proxy ${which} (NO_PROXY: ${direct})`;
}

;// CONCATENATED MODULE: ./src/net/agents.ts
/**
 * Node http(s) agents that send the AWS SDK's requests through a proxy, as
 * ./proxy.ts decides per endpoint: https through a CONNECT tunnel, http
 * forwarded to the proxy in absolute form (what a forward proxy expects, and
 * what proxies that only allow CONNECT to port 443 still accept). A host
 * NO_PROXY names is reached directly by the same agent.
 *
 * Only made when a proxy variable is set (src/aws/clients.ts).
 */





/** What the SDK's own agents are made with (NodeHttpHandler's defaults). */
const POOL = { keepAlive: true, maxSockets: 50 };
function hostOf(url) {
    return url.hostname.replace(/^\[(.*)\]$/, '$1');
}
function agents_portOf(url) {
    return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : +url.port;
}
/** `host:port`, with brackets around an IPv6 address. */
function authority(host, port) {
    return `${(0,external_node_net_.isIP)(host) === 6 ? `[${host}]` : host}:${port}`;
}
/**
 * A socket to `host:port` through the proxy's CONNECT tunnel. The limit
 * covers reaching the proxy and its answer.
 */
function openTunnel(proxy, host, port, timeoutMs) {
    const target = authority(host, port);
    const auth = proxyAuthorization(proxy);
    const request = (proxy.protocol === 'https:' ? (external_node_https_default()) : (external_node_http_default())).request({
        host: hostOf(proxy),
        port: agents_portOf(proxy),
        method: 'CONNECT',
        path: target,
        agent: false,
        timeout: timeoutMs,
        headers: {
            host: target,
            ...(auth === undefined ? {} : { 'proxy-authorization': auth })
        }
    });
    return new Promise((resolve, reject) => {
        request.once('connect', (response, socket, head) => {
            if (response.statusCode !== 200) {
                socket.destroy();
                const hint = response.statusCode === 407
                    ? ': the proxy wants credentials (http://user:password@host:port)'
                    : '';
                reject(new Error(`The proxy ${shownProxy(proxy)} refused a tunnel to ${target}: HTTP ${response.statusCode ?? '?'} ${response.statusMessage ?? ''}`.trimEnd() +
                    hint));
                return;
            }
            socket.setTimeout(0);
            if (head.length > 0)
                socket.unshift(head);
            resolve(socket);
        });
        request.once('timeout', () => request.destroy(new Error(`The proxy ${shownProxy(proxy)} did not open a tunnel to ${target} within ${timeoutMs} ms`)));
        request.once('error', error => reject(new Error(`Could not reach the proxy ${shownProxy(proxy)}: ${error.message}`, { cause: error })));
        request.end();
    });
}
/** https requests: through a CONNECT tunnel, unless NO_PROXY says direct. */
class TunnelingAgent extends (external_node_https_default()).Agent {
    settings;
    timeoutMs;
    constructor(settings, timeoutMs, 
    /** TLS options for the endpoints (tests give a CA here). */
    tlsOptions = {}) {
        super({ ...POOL, ...tlsOptions });
        this.settings = settings;
        this.timeoutMs = timeoutMs;
    }
    createConnection(options, callback) {
        const host = options.host ?? options.hostname ?? 'localhost';
        const port = Number(options.port ?? 443);
        const proxy = proxyFor(new URL(`https://${authority(host, port)}`), this.settings);
        if (proxy === undefined)
            return super.createConnection(options, callback);
        openTunnel(proxy, host, port, this.timeoutMs).then(socket => {
            const secure = external_node_tls_default().connect({
                ...options,
                socket,
                servername: options.servername ?? ((0,external_node_net_.isIP)(host) ? undefined : host)
            });
            callback?.(null, secure);
        }, (error) => callback?.(error, undefined));
        return undefined;
    }
}
/** Marks the sockets of a forwarding agent that go to an https:// proxy. */
const TO_TLS_PROXY = Symbol('tls proxy');
/**
 * http requests: sent to the proxy with the whole URL as the request target
 * (RFC 9112, 3.2.2), unless NO_PROXY says direct. Node's agent has no
 * public hook for this; like the well-known http-proxy-agent, this one
 * rewrites the request's path before the request is queued.
 */
class ForwardingAgent extends (external_node_http_default()).Agent {
    settings;
    constructor(settings) {
        super(POOL);
        this.settings = settings;
    }
    addRequest(req, options) {
        const base = (external_node_http_default()).Agent.prototype;
        const host = options.host ?? options.hostname ?? 'localhost';
        const port = Number(options.port ?? 80);
        const origin = `http://${authority(host, port)}`;
        const proxy = proxyFor(new URL(origin), this.settings);
        if (proxy === undefined) {
            base.addRequest.call(this, req, options);
            return;
        }
        // A request with `Expect` has its head already rendered: render it again.
        const rendered = req;
        rendered._header = null;
        req.path = `${origin}${req.path}`;
        const auth = proxyAuthorization(proxy);
        if (auth !== undefined)
            req.setHeader('proxy-authorization', auth);
        base.addRequest.call(this, req, {
            ...options,
            host: hostOf(proxy),
            hostname: hostOf(proxy),
            port: agents_portOf(proxy),
            [TO_TLS_PROXY]: proxy.protocol === 'https:'
        });
    }
    createConnection(options, callback) {
        if (options[TO_TLS_PROXY] === true) {
            const host = options.host ?? 'localhost';
            return external_node_tls_default().connect({
                host,
                port: Number(options.port),
                servername: (0,external_node_net_.isIP)(host) ? undefined : host
            });
        }
        return super.createConnection(options, callback);
    }
}
/** The agents the SDK's NodeHttpHandler is given when a proxy is set. */
function proxyAgents(settings, connectionTimeoutMs) {
    return {
        httpAgent: new ForwardingAgent(settings),
        httpsAgent: new TunnelingAgent(settings, connectionTimeoutMs)
    };
}

;// CONCATENATED MODULE: ./src/aws/clients.ts




const USER_AGENT = ['aspnet-lambda-deploy', '1'];
/**
 * How long one SDK request may take. The SDK's default is no limit at all,
 * so a connection that stalls would hold the run until the job times out.
 * The SDK makes its NodeHttpHandler from these options (no handler of our
 * own, so nothing more is bundled); throwOnRequestTimeout makes the request
 * limit an error the SDK retries, rather than only a logged warning.
 */
const HTTP_LIMITS = {
    /** Every call the action makes is a small control-plane request. */
    requestTimeout: 30_000,
    connectionTimeout: 5_000,
    throwOnRequestTimeout: true
};
/**
 * What every client is made with. Behind a proxy (HTTPS_PROXY, HTTP_PROXY,
 * NO_PROXY: src/net/proxy.ts) the handler gets agents that go through it;
 * the SDK itself reads none of these variables.
 */
function clientConfig(region, limits = HTTP_LIMITS, env = process.env) {
    const proxy = proxySettings(env);
    return {
        region,
        customUserAgent: [USER_AGENT],
        // The action does its own bounded retries where it matters; the SDK's
        // defaults cover throttling and transient network errors.
        maxAttempts: 4,
        requestHandler: {
            ...limits,
            ...(proxy && proxyAgents(proxy, limits.connectionTimeout))
        }
    };
}
/**
 * The one place SDK clients are made. Endpoints come from the standard
 * AWS_ENDPOINT_URL(_<SERVICE>) variables, credentials from the default chain.
 */
function createClients(region) {
    const config = clientConfig(region);
    let discovery;
    let httpApis;
    return {
        lambda: new LambdaClient(config),
        ecr: new ECRClient(config),
        apigateway: () => (httpApis ??= __webpack_require__.e(/* import() */ 919).then(__webpack_require__.t.bind(__webpack_require__, 4919, 19)).then(sdk => new sdk.ApiGatewayV2Client(config))),
        discoveryClients: () => (discovery ??= Promise.all([
            __webpack_require__.e(/* import() */ 818).then(__webpack_require__.t.bind(__webpack_require__, 818, 19)),
            __webpack_require__.e(/* import() */ 586).then(__webpack_require__.t.bind(__webpack_require__, 586, 19))
        ]).then(([rest, elb]) => ({
            apigatewayRest: new rest.APIGatewayClient(config),
            elb: new elb.ElasticLoadBalancingV2Client(config)
        })))
    };
}
/** The clients for event source discovery: given ones, else made now. */
async function withDiscoveryClients(clients) {
    if (clients.discoveryClients === undefined)
        return clients;
    return { ...clients, ...(await clients.discoveryClients()) };
}
/**
 * A CloudWatch Logs client, for the diagnostics of a failed run: its SDK
 * package is loaded only then, never at start-up.
 */
async function createLogsClient(region) {
    const logs = await __webpack_require__.e(/* import() */ 303).then(__webpack_require__.t.bind(__webpack_require__, 303, 19));
    return new logs.CloudWatchLogsClient(clientConfig(region));
}
/** A Lambda client alone: what the post step needs to finish an undo. */
function createLambdaClient(region) {
    return new dist_cjs/* LambdaClient */.Nox(clientConfig(region));
}

// EXTERNAL MODULE: ./src/util/errors.ts
var errors = __webpack_require__(17);
;// CONCATENATED MODULE: ./src/aws/call.ts
/**
 * The one way the action calls AWS. Every SDK call goes through `awsCall`:
 * an error the caller knows by its AWS name is answered by the caller (a
 * value in the call's place, or the action's own error with the fix); any
 * other error becomes a DeployError that names the IAM action, so a missing
 * permission says which permission to add (describeAwsError).
 */

/**
 * An AWS call failed in a way nobody answers for. Its message names the IAM
 * action; `cause` is the SDK's error, for a caller that words its own.
 */
class AwsCallError extends errors/* DeployError */.sH {
    action;
    cause;
    constructor(action, cause) {
        super((0,errors/* describeAwsError */.Pp)(action, cause));
        this.action = action;
        this.cause = cause;
    }
}
/** The action's error for an AWS call that failed in a way nobody answers for. */
function awsCallError(action, error) {
    return new AwsCallError(action, error);
}
/** What the SDK said, without the action's wording (for a caller's own message). */
function sdkMessage(error) {
    return errorMessage(error instanceof AwsCallError ? error.cause : error);
}
/**
 * Runs `send` (one SDK call, or a retry or paginator around it). `action`
 * is the IAM action the call needs (`lambda:GetFunction`).
 */
async function call_awsCall(action, send, known = {}) {
    try {
        return await send();
    }
    catch (error) {
        const name = awsErrorName(error);
        // Own keys only: an error named "constructor" is not a known one.
        const answer = name !== undefined && Object.hasOwn(known, name) ? known[name] : undefined;
        if (answer !== undefined)
            return answer(error);
        throw awsCallError(action, error);
    }
}
/** A known error that means "not there": the call answers undefined. */
const absent = () => undefined;
/**
 * What went wrong, for a caller that reports a failed look-up rather than
 * failing: an AwsCallError already names its action; anything else (a
 * client that could not be made) is described under `action`.
 */
function failureText(action, error) {
    return error instanceof AwsCallError
        ? error.message
        : describeAwsError(action, error);
}
/**
 * The pages of one of the SDK's paginators (paginateDescribeImages, …), each
 * page's call answered as awsCall answers one call; a known error's answer
 * 'end' ends the listing there.
 */
async function* awsPages(action, pages, known = {}) {
    const iterator = pages[Symbol.asyncIterator]();
    try {
        for (;;) {
            const page = await call_awsCall(action, () => iterator.next(), known);
            if (page === 'end' || page.done === true)
                return;
            yield page.value;
        }
    }
    finally {
        // A consumer that stops early ends the paginator too.
        await iterator.return?.();
    }
}

;// CONCATENATED MODULE: ./src/util/poll.ts
const done = (value) => ({ kind: 'done', value });
const again = { kind: 'again' };
const throttled = (error) => ({
    kind: 'throttled',
    ...(error !== undefined && { error })
});
/**
 * Try until an attempt is done or the deadline comes. An attempt that throws
 * ends the poll at once with its error: throw what no retry can heal.
 */
async function poll(attempt, options, timing) {
    const started = timing.now();
    const { intervalMs } = options;
    const interval = (attempts) => typeof intervalMs === 'number' ? intervalMs : intervalMs(attempts);
    let attempts = 0;
    /** The last wait asked for, which a throttled attempt doubles. */
    let lastDelay;
    /** Wait `delay` unless the deadline has come: then, the time elapsed. */
    const pause = async (delay) => {
        const elapsed = timing.now() - started;
        if (elapsed >= options.timeoutMs)
            return elapsed;
        // Only now, so that a backoff's jitter is drawn only for a real wait.
        const ms = delay();
        lastDelay = ms;
        await timing.sleep(Math.min(ms, options.timeoutMs - elapsed));
        return undefined;
    };
    if (options.waitFirst === true) {
        const elapsed = await pause(() => interval(0));
        if (elapsed !== undefined)
            return { kind: 'deadline', attempts, elapsedMs: elapsed };
    }
    for (;;) {
        attempts++;
        const remainingMs = Math.max(0, options.timeoutMs - (timing.now() - started));
        const step = await attempt({ attempt: attempts, remainingMs });
        if (step.kind === 'done') {
            return { kind: 'done', value: step.value, attempts };
        }
        let next = () => interval(attempts);
        if (step.kind === 'throttled') {
            const slower = Math.min(options.maxIntervalMs ?? Number.POSITIVE_INFINITY, (lastDelay ?? interval(attempts)) * 2);
            options.onThrottled?.(step.error, slower);
            next = () => slower;
        }
        const elapsed = await pause(next);
        if (elapsed !== undefined)
            return { kind: 'deadline', attempts, elapsedMs: elapsed };
    }
}

;// CONCATENATED MODULE: ./src/util/retry.ts
/**
 * The delay before retry number `attempt` (1-based): the capped exponential
 * ceiling, half of it fixed and half random ("equal jitter").
 */
function backoffDelay(attempt, baseDelayMs, maxDelayMs, random) {
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
/** Run `operation`, retrying errors `retryable` accepts with bounded backoff. */
async function retry_retry(operation, options, timing) {
    for (let attempt = 1;; attempt++) {
        try {
            return await operation();
        }
        catch (error) {
            if (attempt >= options.attempts || !options.retryable(error))
                throw error;
            const delay = backoffDelay(attempt, options.baseDelayMs, options.maxDelayMs, timing.random);
            options.onRetry?.(error, attempt, delay);
            await timing.sleep(delay);
        }
    }
}

;// CONCATENATED MODULE: ./src/util/time.ts
const realSleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const realClock = () => Date.now();
const realTiming = {
    sleep: realSleep,
    now: realClock,
    random: Math.random
};
const DURATION = /^(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?(?:(?<ms>\d+)ms)?$/;
/**
 * Parse a duration such as `90s`, `5m`, `1m30s`, `1h`, `500ms` or a plain
 * number of seconds. Returns milliseconds, or undefined when it is not one.
 */
function parseDuration(text) {
    const value = text.trim();
    if (/^\d+$/.test(value))
        return Number(value) * 1000;
    const match = DURATION.exec(value);
    if (match?.groups === undefined || value === '')
        return undefined;
    const { h, m, s, ms } = match.groups;
    return (Number(h ?? 0) * 3_600_000 +
        Number(m ?? 0) * 60_000 +
        Number(s ?? 0) * 1000 +
        Number(ms ?? 0));
}
function formatDuration(ms) {
    // Round before choosing the unit, so a value just under a boundary never
    // prints as "1000ms", "60.0s" or "1m60s".
    if (Math.round(ms) < 1000)
        return `${Math.round(ms)}ms`;
    const tenths = Math.round(ms / 100);
    if (tenths < 600)
        return `${(tenths / 10).toFixed(1)}s`;
    const seconds = Math.round(ms / 1000);
    return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

;// CONCATENATED MODULE: ./src/build/platform.ts

const PLATFORMS = {
    x86_64: 'linux/amd64',
    arm64: 'linux/arm64'
};
/** Lambda architecture → docker platform. */
function platformFor(architecture) {
    return PLATFORMS[architecture];
}
/** OCI image config `architecture` for a Lambda architecture. */
function ociArchitecture(architecture) {
    return architecture === 'x86_64' ? 'amd64' : 'arm64';
}
/** The function's architecture as Lambda reports it (absent means x86_64). */
function functionArchitecture(architectures) {
    const first = architectures?.[0] ?? 'x86_64';
    if (first === 'x86_64' || first === 'arm64')
        return first;
    throw new errors/* DeployError */.sH(`The function reports architecture "${first}", which this action does not know (expected x86_64 or arm64).`);
}
/**
 * The image is always built for what the function runs on; the
 * `architecture` input can only confirm it.
 */
function resolveArchitecture(live, requested, functionName) {
    if (requested !== undefined && requested !== live) {
        throw new DeployError(`architecture is "${requested}" but function ${functionName} is configured for ${live}. ` +
            `An image built for ${platformFor(requested)} would fail on this function with ` +
            `"exec format error" (Runtime.InvalidEntrypoint). Either remove the architecture input ` +
            `(the image is built for the function's ${live}), or change the function's architecture first.`);
    }
    return live;
}

;// CONCATENATED MODULE: ./src/aws/lambda.ts
/**
 * A function as Lambda reports it (GetFunction): the image it runs, by
 * digest, and whether it can take an image at all. Changing its code:
 * ./lambda-update.ts.
 */



/** sha256:<hex> from `repo@sha256:<hex>` (or moto's `repo@sha256@sha256:<hex>`). */
function digestFromImageUri(uri) {
    if (uri === undefined)
        return undefined;
    const match = /@(sha256:[a-f0-9]{64})$/.exec(uri);
    return match?.[1];
}
/** Lambda's CodeSha256 of an image function is the manifest digest's hex. */
function digestFromCodeSha256(codeSha256) {
    if (codeSha256 === undefined)
        return undefined;
    if (/^[a-f0-9]{64}$/.test(codeSha256))
        return `sha256:${codeSha256}`;
    if (/^sha256:[a-f0-9]{64}$/.test(codeSha256))
        return codeSha256;
    return undefined;
}
function repositoryOf(uri) {
    const at = uri.indexOf('@');
    if (at >= 0)
        return uri.slice(0, at);
    const lastSlash = uri.lastIndexOf('/');
    const lastColon = uri.lastIndexOf(':');
    return lastColon > lastSlash ? uri.slice(0, lastColon) : uri;
}
async function getFunctionState(lambda, functionName) {
    let response;
    try {
        response = await lambda.send(new dist_cjs/* GetFunctionCommand */.YF5({ FunctionName: functionName }));
    }
    catch (error) {
        if ((0,errors/* awsErrorName */.ZH)(error) === 'ResourceNotFoundException') {
            throw new errors/* DeployError */.sH(`Lambda function ${functionName} does not exist in this account and region. ` +
                'Create it first (package type Image), or fix function-name / aws-region.');
        }
        throw new errors/* DeployError */.sH((0,errors/* describeAwsError */.Pp)('lambda:GetFunction', error));
    }
    return functionStateOf(response, functionName);
}
/**
 * The function as one GetFunction answer describes it; `functionName` (what
 * was asked for) stands in for a name or ARN the answer leaves out.
 */
function functionStateOf(response, functionName) {
    const config = response.Configuration ?? {};
    const resolved = response.Code?.ResolvedImageUri;
    const imageDigest = digestFromImageUri(resolved) ?? digestFromCodeSha256(config.CodeSha256);
    const imageUri = response.Code?.ImageUri;
    return {
        functionName: config.FunctionName ?? functionName,
        functionArn: config.FunctionArn ?? functionName,
        packageType: config.PackageType ?? 'Zip',
        architecture: functionArchitecture(config.Architectures),
        state: config.State,
        lastUpdateStatus: config.LastUpdateStatus,
        imageUri: imageUri !== undefined && imageDigest !== undefined
            ? `${repositoryOf(imageUri)}@${imageDigest}`
            : imageUri,
        imageDigest,
        revisionId: config.RevisionId,
        capacityProviderArn: managedInstancesOf(config)?.capacityProviderArn,
        imageConfig: config.ImageConfigResponse?.ImageConfig === undefined
            ? undefined
            : {
                entryPoint: config.ImageConfigResponse.ImageConfig.EntryPoint,
                command: config.ImageConfigResponse.ImageConfig.Command,
                workingDirectory: config.ImageConfigResponse.ImageConfig.WorkingDirectory
            }
    };
}
/**
 * Only container-image functions can take an image, and only functions whose
 * callers run what UpdateFunctionCode changes. A Lambda Managed Instances
 * function's unqualified invokes and Function URL run $LATEST.PUBLISHED,
 * which only a PublishVersion with PublishTo LATEST_PUBLISHED changes:
 * updating $LATEST alone would report a release no caller gets. Until the
 * action releases to such functions (docs/managed-instances.md) it refuses
 * them before anything changes.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-version-publishing.html
 */
function checkDeployable(fn) {
    if (fn.packageType !== 'Image') {
        throw new DeployError(`Function ${fn.functionName} has package type ${fn.packageType}; this action deploys container images. ` +
            'Lambda cannot change a function\'s package type: create a function with PackageType "Image" and deploy to that one.');
    }
    if (fn.capacityProviderArn !== undefined) {
        throw new DeployError(`Function ${fn.functionName} runs on Lambda Managed Instances (capacity provider ${fn.capacityProviderArn || 'unnamed'}): ` +
            'its callers get $LATEST.PUBLISHED, which only PublishVersion with PublishTo LATEST_PUBLISHED changes, so updating $LATEST would report a release no caller gets. ' +
            'This action does not release to Managed Instances functions yet (docs/managed-instances.md); nothing was changed. ' +
            'Meanwhile release by hand: `aws lambda update-function-code --function-name <name> --image-uri <uri>`, wait for it, then `aws lambda publish-version --function-name <name> --publish-to LATEST_PUBLISHED`.');
    }
}
/** Never report success for a deploy that did not land. */
function checkDeployedDigest(fn, expectedDigest) {
    if (fn.imageDigest !== expectedDigest) {
        throw new errors/* DeployError */.sH(`Lambda reports that function ${fn.functionName} runs ${fn.imageDigest ?? fn.imageUri ?? 'an unknown image'}, ` +
            `not the image just deployed (${expectedDigest}). Another deploy may have run at the same time: ` +
            'use a concurrency group per function in the workflow.');
    }
}
/**
 * The capacity provider of a Managed Instances function, or undefined for a
 * Lambda (default) function. A configuration whose CapacityProviderConfig
 * names no ARN is treated as Managed Instances all the same (the ARN is
 * required by the API): its releases must still go through a publish.
 */
function managedInstancesOf(configuration) {
    const config = configuration?.CapacityProviderConfig;
    if (config === undefined)
        return undefined;
    const mi = config.LambdaManagedInstancesCapacityProviderConfig;
    const found = {
        capacityProviderArn: mi?.CapacityProviderArn ?? ''
    };
    if (mi?.PerExecutionEnvironmentMaxConcurrency !== undefined)
        found.perExecutionEnvironmentMaxConcurrency =
            mi.PerExecutionEnvironmentMaxConcurrency;
    if (mi?.ExecutionEnvironmentMemoryGiBPerVCpu !== undefined)
        found.executionEnvironmentMemoryGiBPerVCpu =
            mi.ExecutionEnvironmentMemoryGiBPerVCpu;
    return found;
}

;// CONCATENATED MODULE: ./src/aws/lambda-update.ts
/**
 * Changing a function's code and waiting until Lambda has applied it
 * (UpdateFunctionCode, then GetFunction polled as AWS's function-updated-v2
 * waiter does), read back so a deploy that did not land is never reported.
 */







/**
 * Poll GetFunction, like AWS's function-updated-v2 waiter, until the function
 * is neither Pending nor InProgress. A fixed short interval (not the SDK
 * waiter's exponential backoff) notices completion within one interval;
 * throttling slows the poll down instead of failing.
 */
async function waitForUpdate(lambda, functionName, options, timing) {
    let lastSeen = 'unknown';
    const outcome = await poll(async ({ remainingMs }) => {
        await options.budget?.take();
        let response;
        try {
            // A read that hangs must not outlive the wait: it is cut at the
            // deadline (and by the client's own request timeout before that).
            response = await lambda.send(new dist_cjs/* GetFunctionCommand */.YF5({ FunctionName: functionName }), { abortSignal: AbortSignal.timeout(Math.max(1000, remainingMs)) });
        }
        catch (error) {
            if (!(0,errors/* isThrottling */.E2)(error)) {
                throw new errors/* DeployError */.sH((0,errors/* awsErrorName */.ZH)(error) === 'AbortError' ||
                    (0,errors/* awsErrorName */.ZH)(error) === 'TimeoutError'
                    ? `Lambda did not answer GetFunction for ${functionName} before the wait's deadline (a stalled connection): ${(0,errors/* errorMessage */.gJ)(error)}`
                    : (0,errors/* describeAwsError */.Pp)('lambda:GetFunction', error));
            }
            return throttled(error);
        }
        const configuration = response.Configuration ?? {};
        const observed = functionStateOf(response, functionName);
        const status = configuration.LastUpdateStatus;
        const state = configuration.State;
        lastSeen = `State ${state ?? '?'}, LastUpdateStatus ${status ?? '?'}`;
        if (state === 'Failed' && status !== 'InProgress') {
            return done({
                status: 'Failed',
                reason: configuration.StateReason ?? configuration.LastUpdateStatusReason,
                reasonCode: configuration.StateReasonCode ??
                    configuration.LastUpdateStatusReasonCode,
                configuration,
                observed
            });
        }
        if (status === 'Failed') {
            return done({
                status: 'Failed',
                reason: configuration.LastUpdateStatusReason,
                reasonCode: configuration.LastUpdateStatusReasonCode,
                configuration,
                observed
            });
        }
        if (status !== 'InProgress' && state !== 'Pending') {
            return done({
                status: 'Successful',
                reason: undefined,
                reasonCode: undefined,
                configuration,
                observed
            });
        }
        return again;
    }, {
        timeoutMs: options.timeoutMs,
        intervalMs: options.pollMs ?? 500,
        maxIntervalMs: options.maxPollMs ?? 5000,
        onThrottled: (error, nextDelayMs) => options.log(`Throttled while polling (${(0,errors/* errorMessage */.gJ)(error)}); next poll in ${nextDelayMs}ms.`)
    }, timing);
    if (outcome.kind === 'done') {
        return { ...outcome.value, polls: outcome.attempts };
    }
    throw new errors/* DeployError */.sH(`Function ${functionName} is still updating after ${formatDuration(outcome.elapsedMs)} (${lastSeen}). ` +
        'Raise wait-timeout, or look at the function in the Lambda console; the update may still finish.');
}
/**
 * UpdateFunctionCode by digest, retrying update-in-progress conflicts.
 * Resolves undefined when an earlier attempt's update turned out accepted.
 */
async function updateFunctionCode(lambda, functionName, imageUri, options, timing) {
    const attempt = async () => {
        try {
            return await lambda.send(new dist_cjs/* UpdateFunctionCodeCommand */.KfB({
                FunctionName: functionName,
                ImageUri: imageUri,
                ...(options.revisionId !== undefined && {
                    RevisionId: options.revisionId
                })
            }));
        }
        catch (error) {
            if ((0,errors/* awsErrorName */.ZH)(error) === 'ResourceConflictException' &&
                (await options.acceptedEarlier?.()) === true) {
                options.log(`UpdateFunctionCode was refused (${(0,errors/* errorMessage */.gJ)(error)}), but the update in progress is this one: an earlier attempt was accepted and its answer was lost.`);
                return undefined;
            }
            throw error;
        }
    };
    try {
        return await retry_retry(attempt, {
            attempts: options.conflictAttempts ?? 8,
            baseDelayMs: 1000,
            maxDelayMs: 10_000,
            retryable: error => (0,errors/* awsErrorName */.ZH)(error) === 'ResourceConflictException' ||
                (0,errors/* isThrottling */.E2)(error),
            onRetry: (error, attempt, delay) => options.log(`UpdateFunctionCode attempt ${attempt} was refused (${(0,errors/* awsErrorName */.ZH)(error) ?? 'error'}: ${(0,errors/* errorMessage */.gJ)(error)}); retrying in ${delay}ms.`)
        }, timing);
    }
    catch (error) {
        const name = (0,errors/* awsErrorName */.ZH)(error);
        if (name === 'PreconditionFailedException') {
            throw new errors/* ChangedMeanwhileError */.nI(`Function ${functionName} was changed by someone else since it was read, so it was left as it is (${(0,errors/* errorMessage */.gJ)(error)}).`);
        }
        if (name === 'ResourceConflictException') {
            throw new errors/* DeployError */.sH(`Function ${functionName} kept refusing the update because another update is in progress (${(0,errors/* errorMessage */.gJ)(error)}). ` +
                'Use a concurrency group per function in the workflow so deploys do not overlap.');
        }
        if (name === 'InvalidParameterValueException') {
            throw new errors/* DeployError */.sH(`Lambda refused the image ${imageUri}: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
        throw new errors/* DeployError */.sH((0,errors/* describeAwsError */.Pp)('lambda:UpdateFunctionCode', error));
    }
}
/**
 * UpdateFunctionCode, wait until Lambda has applied it, and confirm the
 * function now runs exactly `digest`.
 */
async function deployImage(lambda, functionName, imageUri, digest, options, timing) {
    // An answer can be lost after Lambda accepted the update (a reset, the
    // SDK's request timeout); the SDK then resends it, and Lambda refuses
    // the copy because "an update is in progress" — ours. So after any error
    // the function is read back: while Lambda applies an update, GetFunction
    // already shows the new code (CodeSha256, ResolvedImageUri) with
    // LastUpdateStatus InProgress ("Lambda function states",
    // https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html). A
    // function that runs this digest, or is updating to it, took the update:
    // it counts as changed, and is waited for and checked as usual.
    const showsOurs = async () => {
        const now = await getFunctionState(lambda, functionName).catch(() => undefined);
        return now !== undefined && now.imageDigest === digest;
    };
    try {
        await updateFunctionCode(lambda, functionName, imageUri, {
            log: options.log,
            revisionId: options.revisionId,
            acceptedEarlier: showsOurs
        }, timing);
    }
    catch (error) {
        if (!(await showsOurs()))
            throw error;
        options.log(`The function runs or is updating to ${digest} although the call failed (${(0,errors/* errorMessage */.gJ)(error)}): Lambda accepted the update and its answer was lost.`);
    }
    options.onAccepted?.();
    options.log(`UpdateFunctionCode accepted ${imageUri}; waiting for Lambda to apply it.`);
    const outcome = await waitForUpdate(lambda, functionName, {
        timeoutMs: options.waitTimeoutMs,
        log: options.log,
        ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
        ...(options.budget !== undefined && { budget: options.budget })
    }, timing);
    // The last poll's answer is a full GetFunction: what the function runs now.
    const after = outcome.observed;
    if (outcome.status === 'Failed') {
        // Whether Lambda reports the refused image or the old one after a failed
        // update, the function keeps running the old one: never name the new one.
        const running = after.imageDigest !== digest ? after.imageUri : undefined;
        const reason = (outcome.reason ?? 'no reason given').replace(/\.+$/, '');
        throw new errors/* UpdateFailedError */.vR(`Lambda could not apply the update to ${functionName}: ` +
            `${outcome.reasonCode ?? 'Failed'}: ${reason}. ` +
            `The function still runs ${running ?? 'its previous image'}.`);
    }
    checkDeployedDigest(after, digest);
    return { after, polls: outcome.polls };
}
/**
 * UpdateFunctionCode with `DryRun: true`: "validate the request parameters
 * and access permissions without modifying the function code" (Lambda API
 * reference, UpdateFunctionCode, DryRun). Read-only: proves that the role
 * may deploy `imageUri` to the function, before a real run does.
 * https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html
 */
async function askToUpdateCode(lambda, functionName, imageUri) {
    const as = (answer) => (error) => ({
        answer,
        message: answer === 'denied'
            ? describeAwsError('lambda:UpdateFunctionCode', error)
            : `${awsErrorName(error) ?? 'error'}: ${errorMessage(error)}`
    });
    return awsCall('lambda:UpdateFunctionCode', async () => {
        await lambda.send(new UpdateFunctionCodeCommand({
            FunctionName: functionName,
            ImageUri: imageUri,
            DryRun: true
        }));
        return { answer: 'allowed' };
    }, {
        ...Object.fromEntries([...PERMISSION_ERRORS].map(n => [n, as('denied')])),
        InvalidParameterValueException: as('refused'),
        ResourceNotFoundException: as('refused'),
        ResourceConflictException: as('busy')
    });
}

;// CONCATENATED MODULE: ./src/aws/versions.ts



/** Update in progress, or throttled: both pass if we wait a little. */
function isTransient(error) {
    return ((0,errors/* awsErrorName */.ZH)(error) === 'ResourceConflictException' || (0,errors/* isThrottling */.E2)(error));
}
function retryOptions(operation, log, retryable = isTransient) {
    return {
        attempts: 8,
        baseDelayMs: 1000,
        maxDelayMs: 10_000,
        retryable,
        onRetry: (error, attempt, delay) => log(`${operation} attempt ${attempt} was refused (${(0,errors/* awsErrorName */.ZH)(error) ?? 'error'}: ${(0,errors/* errorMessage */.gJ)(error)}); retrying in ${delay}ms.`)
    };
}
/** Lambda's CodeSha256 of an image function is the digest's hex. */
function codeSha256Of(digestOrHex) {
    return digestOrHex.replace(/^sha256:/, '');
}
/**
 * Publish $LATEST as a version, only if it still runs `codeSha256` (the
 * image digest, with or without `sha256:`). Lambda returns the existing
 * version instead of a new one when nothing changed since it was published.
 */
async function publishVersion(lambda, functionName, codeSha256, description, options, timing) {
    let response;
    try {
        response = await retry(() => lambda.send(new PublishVersionCommand({
            FunctionName: functionName,
            CodeSha256: codeSha256Of(codeSha256),
            Description: description
        })), retryOptions('PublishVersion', options.log), timing);
    }
    catch (error) {
        const name = awsErrorName(error);
        // A CodeSha256 that no longer matches: AWS answers
        // InvalidParameterValueException ("CodeSHA256 (...) is different from
        // current CodeSHA256 in $LATEST"), documented as PreconditionFailed.
        if (name === 'PreconditionFailedException' ||
            (name === 'InvalidParameterValueException' &&
                /CodeSHA256/i.test(errorMessage(error)))) {
            throw new DeployError(`The code of ${functionName} changed while deploying: $LATEST no longer runs the image just deployed, so no version was published (${errorMessage(error)}). ` +
                'Another deploy ran at the same time: use a concurrency group per function in the workflow.');
        }
        if (name === 'ResourceConflictException') {
            throw new DeployError(`Function ${functionName} kept refusing to publish a version because an update is in progress (${errorMessage(error)}). ` +
                'Use a concurrency group per function in the workflow so deploys do not overlap.');
        }
        throw new DeployError(describeAwsError('lambda:PublishVersion', error));
    }
    if (response.Version === undefined || response.FunctionArn === undefined) {
        throw new DeployError(`lambda:PublishVersion on ${functionName} returned no version number.`);
    }
    return { version: response.Version, versionArn: response.FunctionArn };
}
function aliasState(alias, fallbackName) {
    const weights = {};
    for (const [version, weight] of Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {})) {
        if (typeof weight === 'number')
            weights[version] = weight;
    }
    return {
        name: alias.Name ?? fallbackName,
        aliasArn: alias.AliasArn ?? '',
        version: alias.FunctionVersion ?? '',
        weights,
        description: alias.Description,
        revisionId: alias.RevisionId
    };
}
/** The alias as Lambda has it now, or undefined when there is none. */
async function getAlias(lambda, functionName, alias) {
    try {
        const response = await lambda.send(new dist_cjs/* GetAliasCommand */.MES({ FunctionName: functionName, Name: alias }));
        return aliasState(response, alias);
    }
    catch (error) {
        if ((0,errors/* awsErrorName */.ZH)(error) === 'ResourceNotFoundException') {
            // "Function not found" is not a missing alias: say so.
            if (/^Function not found/i.test((0,errors/* errorMessage */.gJ)(error))) {
                throw new errors/* DeployError */.sH(`Lambda function ${functionName} does not exist in this account and region (${(0,errors/* errorMessage */.gJ)(error)}).`);
            }
            return undefined;
        }
        throw new errors/* DeployError */.sH((0,errors/* describeAwsError */.Pp)('lambda:GetAlias', error));
    }
}
function checkWeights(weights) {
    for (const [version, weight] of Object.entries(weights)) {
        if (!Number.isFinite(weight) || weight < 0 || weight > 1) {
            throw new errors/* DeployError */.sH(`The traffic weight of version ${version} must be between 0 and 1, got ${weight}.`);
        }
    }
}
/**
 * Point `alias` at `target.version`, with `target.weights` of the traffic on
 * other versions (a canary), or none. Creates the alias when `current` is
 * undefined; otherwise updates it only if nobody moved it since `current`
 * was read (RevisionId). Without a description, an update keeps the
 * alias's description.
 */
async function pointAlias(lambda, functionName, alias, target, current, options, timing) {
    const weights = target.weights ?? {};
    checkWeights(weights);
    const hasWeights = Object.keys(weights).length > 0;
    const description = target.description !== undefined && {
        Description: target.description
    };
    if (current === undefined) {
        try {
            const created = await retry_retry(() => lambda.send(new dist_cjs/* CreateAliasCommand */.W_e({
                FunctionName: functionName,
                Name: alias,
                FunctionVersion: target.version,
                ...description,
                ...(hasWeights && {
                    RoutingConfig: { AdditionalVersionWeights: weights }
                })
            })), 
            // "Alias already exists" is a ResourceConflictException too, and
            // waiting does not make it go away.
            retryOptions('CreateAlias', options.log, error => isTransient(error) && !/already exists/i.test((0,errors/* errorMessage */.gJ)(error))), timing);
            return aliasState(created, alias);
        }
        catch (error) {
            if ((0,errors/* awsErrorName */.ZH)(error) === 'ResourceConflictException' &&
                /already exists/i.test((0,errors/* errorMessage */.gJ)(error))) {
                throw new errors/* DeployError */.sH(`Alias ${alias} of ${functionName} was created by someone else while deploying (${(0,errors/* errorMessage */.gJ)(error)}). ` +
                    'Use a concurrency group per function in the workflow, and run the deploy again.');
            }
            throw aliasError('lambda:CreateAlias', functionName, alias, error);
        }
    }
    try {
        const updated = await retry_retry(() => lambda.send(new dist_cjs/* UpdateAliasCommand */.lqC({
            FunctionName: functionName,
            Name: alias,
            FunctionVersion: target.version,
            ...description,
            // An empty map clears a canary split left from before.
            RoutingConfig: { AdditionalVersionWeights: weights },
            ...(current.revisionId !== undefined && {
                RevisionId: current.revisionId
            })
        })), retryOptions('UpdateAlias', options.log), timing);
        return aliasState(updated, alias);
    }
    catch (error) {
        if ((0,errors/* awsErrorName */.ZH)(error) === 'PreconditionFailedException') {
            throw new errors/* ChangedMeanwhileError */.nI(`Someone else moved alias ${alias} of ${functionName} while deploying (it no longer points where it did: ${(0,errors/* errorMessage */.gJ)(error)}). ` +
                'It was left as they set it. Use a concurrency group per function in the workflow, and run the deploy again.');
        }
        throw aliasError('lambda:UpdateAlias', functionName, alias, error);
    }
}
function aliasError(action, functionName, alias, error) {
    if ((0,errors/* awsErrorName */.ZH)(error) === 'ResourceConflictException') {
        return new errors/* DeployError */.sH(`Function ${functionName} kept refusing to move alias ${alias} because an update is in progress (${(0,errors/* errorMessage */.gJ)(error)}). ` +
            'Use a concurrency group per function in the workflow so deploys do not overlap.');
    }
    return new errors/* DeployError */.sH((0,errors/* describeAwsError */.Pp)(action, error));
}
const DESCRIPTION_PREFIX = 'aspnet-lambda-deploy:';
/** Lambda's limit on an alias description. */
const MAX_ALIAS_DESCRIPTION = 256;
/**
 * What the action writes in the alias's description when it moves the
 * alias: the version it pointed to before (for `rollback-to: previous`) and
 * the image now deployed.
 */
function aliasDescription(previousVersion, digest) {
    const previous = previousVersion === undefined
        ? 'no previous version'
        : `previous version ${previousVersion}`;
    const text = `${DESCRIPTION_PREFIX} ${previous}; image ${digest}`;
    return text.length > MAX_ALIAS_DESCRIPTION
        ? `${text.slice(0, MAX_ALIAS_DESCRIPTION - 1)}…`
        : text;
}
/**
 * The previous version aliasDescription recorded, or undefined when the
 * description is absent, someone else's, or names no numbered version
 * ($LATEST is not something to roll back to).
 */
function previousVersionFromDescription(description) {
    if (description === undefined)
        return undefined;
    const match = /^aspnet-lambda-deploy: previous version (\d+)(?:;|$)/.exec(description);
    return match?.[1];
}

;// CONCATENATED MODULE: ./src/decide/ownership.ts
const sameWeights = (a, b) => JSON.stringify(Object.entries(a).sort()) ===
    JSON.stringify(Object.entries(b).sort());
function aliasHolder(left, now) {
    if (now === undefined)
        return 'gone';
    if (left.previousVersion !== undefined &&
        now.version === left.previousVersion &&
        Object.keys(now.weights).length === 0)
        return 'put-back';
    const agrees = (left.revisionId === undefined || now.revisionId === left.revisionId) &&
        (left.routing === undefined ||
            (now.version === left.routing.version &&
                sameWeights(now.weights, left.routing.weights))) &&
        (left.ourVersion === undefined ||
            now.version === left.ourVersion ||
            Object.keys(now.weights).includes(left.ourVersion));
    return agrees ? 'ours' : 'theirs';
}
function latestHolder(left, nowDigest) {
    if (left.previousDigest !== undefined && nowDigest === left.previousDigest)
        return 'put-back';
    if (left.digest === undefined || nowDigest === left.digest)
        return 'ours';
    return 'theirs';
}

;// CONCATENATED MODULE: ./src/post/undo.ts
/**
 * The post step's half of the undo: a run that was cancelled or killed
 * before its own undo ended leaves what it changed in the saved state; the
 * post step (which the runner runs even after a cancel) puts it back —
 * guarded like the main step's undo: only what is still this run's change.
 */






/** The post step has more time than a cancelled main step: up to 5 minutes a wait. */
const POST_WAIT_MS = 5 * 60_000;
async function finishOne(lambda, record, log, timing) {
    if (record.kind === 'alias') {
        const now = await getAlias(lambda, record.functionArn, record.alias);
        const holder = aliasHolder({
            revisionId: record.revisionId,
            ourVersion: record.ourVersion,
            previousVersion: record.previousVersion
        }, now);
        if (holder === 'gone' || now === undefined)
            return `alias ${record.alias} of ${record.functionArn} no longer exists; nothing was changed.`;
        const weights = Object.keys(now.weights);
        if (holder === 'put-back')
            return `alias ${record.alias} of ${record.functionArn} points to version ${record.previousVersion} (verified).`;
        // Guarded as the main step's undo is (decide/ownership.ts): by the
        // alias's RevisionId when this run recorded one, so any change since
        // ours is left alone.
        if (holder === 'theirs')
            return `alias ${record.alias} of ${record.functionArn} was changed by someone else since this run moved it (it points to version ${now.version}${weights.length > 0 ? ` with ${weights.join(', ')}` : ''}); it is left as it is.`;
        await pointAlias(lambda, record.functionArn, record.alias, { version: record.previousVersion, description: now.description ?? '' }, now, { log }, timing);
        return `alias ${record.alias} of ${record.functionArn} points to version ${record.previousVersion} again.`;
    }
    const settled = await waitForUpdate(lambda, record.functionArn, { timeoutMs: POST_WAIT_MS, log }, timing);
    const now = settled.observed;
    const holder = latestHolder({ digest: record.ourDigest, previousDigest: record.restoreDigest }, now.imageDigest);
    if (holder === 'put-back')
        return `${record.functionArn} runs ${record.restoreImageUri} (verified).`;
    if (holder === 'theirs')
        return `${record.functionArn} runs ${now.imageUri ?? 'another image'}, deployed by someone else; it is left as it is.`;
    await deployImage(lambda, record.functionArn, record.restoreImageUri, record.restoreDigest, { waitTimeoutMs: POST_WAIT_MS, log, revisionId: now.revisionId }, timing);
    return `${record.functionArn} runs ${record.restoreImageUri} again.`;
}
/**
 * Put back every record; returns one line per record, and whether all of
 * them ended on the known good release (or were left to someone else's).
 */
async function finishUndo(records, log, makeLambda = createLambdaClient, timing = realTiming) {
    const lines = [];
    let ok = true;
    // Aliases first: they are what serves traffic in alias deploys.
    const ordered = [...records].sort((a, b) => Number(a.kind === 'latest') - Number(b.kind === 'latest'));
    for (const record of ordered) {
        try {
            lines.push(await finishOne(makeLambda(record.region), record, log, timing));
        }
        catch (error) {
            ok = false;
            lines.push(`Could not put back ${record.functionArn}: ${(0,errors/* errorMessage */.gJ)(error)}` +
                (record.kind === 'latest'
                    ? ` Restore it by hand: aws lambda update-function-code --function-name ${record.functionArn} --image-uri ${record.restoreImageUri}`
                    : ` Restore it by hand: aws lambda update-alias --function-name ${record.functionArn} --name ${record.alias} --function-version ${record.previousVersion} --routing-config 'AdditionalVersionWeights={}'`));
        }
    }
    return { lines, ok };
}


/***/ })

};
