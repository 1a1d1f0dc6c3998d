export const id = 7;
export const ids = [7];
export const modules = {

/***/ 1007:
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
/**
 * A CloudWatch client, for canaries judged by alarms and Lambda's metrics:
 * its SDK package is loaded only by those runs.
 */
async function createCloudWatchClient(region) {
    const cloudwatch = await __webpack_require__.e(/* import() */ 85).then(__webpack_require__.t.bind(__webpack_require__, 4085, 19));
    return new cloudwatch.CloudWatchClient(clientConfig(region));
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
function call_awsCallError(action, error) {
    return new AwsCallError(action, error);
}
/** What the SDK said, without the action's wording (for a caller's own message). */
function sdkMessage(error) {
    return (0,errors/* errorMessage */.gJ)(error instanceof AwsCallError ? error.cause : error);
}
/** The SDK's error name (ThrottlingException, …), through an AwsCallError too. */
function sdkErrorName(error) {
    return (0,errors/* awsErrorName */.ZH)(error instanceof AwsCallError ? error.cause : error);
}
/** The same answer for each of `names` (the permission errors, the throttling ones). */
function call_answerAll(names, answer) {
    return Object.fromEntries([...names].map(name => [name, answer]));
}
/**
 * Runs `send` (one SDK call, or a retry or paginator around it). `action`
 * is the IAM action the call needs (`lambda:GetFunction`). An answer may
 * throw (the action's own error, with the fix) or be a promise (a look-up
 * before answering). A retry around awsCall of the same action hands on its
 * last attempt's AwsCallError: that is answered by the SDK's error inside,
 * and never wrapped twice.
 */
async function call_awsCall(action, send, known = {}) {
    try {
        return await send();
    }
    catch (thrown) {
        const ours = thrown instanceof AwsCallError && thrown.action === action;
        const error = ours ? thrown.cause : thrown;
        const name = (0,errors/* awsErrorName */.ZH)(error);
        // Own keys only: an error named "constructor" is not a known one.
        const answer = name !== undefined && Object.hasOwn(known, name) ? known[name] : undefined;
        if (answer !== undefined)
            return answer(error);
        throw ours ? thrown : call_awsCallError(action, error);
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

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/decide/configuration.ts
/**
 * The configuration a run ships with its code (environment, memory-size,
 * timeout, ephemeral-storage, image-config, function-description): what a
 * function has now, what the inputs ask for, the difference (told by
 * variable names, never values), and the UpdateFunctionConfiguration input
 * that applies it or puts the previous configuration back. Pure.
 */

/** GetFunction's Configuration, reduced to what this action manages. */
function snapshotOf(config) {
    const image = config.ImageConfigResponse?.ImageConfig;
    return {
        environment: { ...(config.Environment?.Variables ?? {}) },
        memorySize: config.MemorySize,
        timeout: config.Timeout,
        ephemeralStorage: config.EphemeralStorage?.Size,
        imageConfig: {
            ...(image?.EntryPoint !== undefined &&
                image.EntryPoint.length > 0 && { entryPoint: [...image.EntryPoint] }),
            ...(image?.Command !== undefined &&
                image.Command.length > 0 && { command: [...image.Command] }),
            ...(image?.WorkingDirectory !== undefined &&
                image.WorkingDirectory !== '' && {
                workingDirectory: image.WorkingDirectory
            })
        },
        description: config.Description ?? ''
    };
}
/**
 * The configuration the inputs ask for, from the one the function has:
 * what they do not name stays; environment-mode merge keeps the variables
 * environment does not name, replace drops them.
 */
function wantedConfig(current, inputs) {
    const environment = inputs.environment === undefined
        ? current.environment
        : inputs.environmentMode === 'replace'
            ? { ...inputs.environment }
            : { ...current.environment, ...inputs.environment };
    return {
        environment,
        memorySize: inputs.memorySize ?? current.memorySize,
        timeout: inputs.timeout ?? current.timeout,
        ephemeralStorage: inputs.ephemeralStorage ?? current.ephemeralStorage,
        imageConfig: inputs.imageConfig ?? current.imageConfig,
        description: inputs.description ?? current.description
    };
}
const sameList = (a, b) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
const sameImageConfig = (a, b) => sameList(a.entryPoint, b.entryPoint) &&
    sameList(a.command, b.command) &&
    (a.workingDirectory ?? '') === (b.workingDirectory ?? '');
/** What differs from `from` to `to`; every variable of either is listed by name. */
function configDiff(from, to) {
    const names = [
        ...new Set([
            ...Object.keys(from.environment),
            ...Object.keys(to.environment)
        ])
    ].sort();
    const variables = names.map((name) => {
        const before = from.environment[name];
        const after = to.environment[name];
        return {
            name,
            change: before === undefined
                ? 'added'
                : after === undefined
                    ? 'removed'
                    : before === after
                        ? 'unchanged'
                        : 'changed'
        };
    });
    const settings = [];
    if (variables.some(v => v.change !== 'unchanged'))
        settings.push('environment');
    if (from.memorySize !== to.memorySize)
        settings.push('memory-size');
    if (from.timeout !== to.timeout)
        settings.push('timeout');
    if (from.ephemeralStorage !== to.ephemeralStorage)
        settings.push('ephemeral-storage');
    if (!sameImageConfig(from.imageConfig, to.imageConfig))
        settings.push('image-config');
    if (from.description !== to.description)
        settings.push('function-description');
    return { settings, variables };
}
/**
 * UpdateFunctionConfiguration's input that takes a function from `from` to
 * `to`, with only the settings that differ (undefined: nothing to send).
 * Lambda replaces the whole variable map, so the environment is sent whole;
 * an empty map is `Variables: {}`. Guarded by `revisionId`: a change by
 * anyone else since it was read makes Lambda refuse (Lambda API reference,
 * UpdateFunctionConfiguration, RevisionId).
 */
function configUpdate(functionName, from, to, revisionId) {
    const { settings } = configDiff(from, to);
    if (settings.length === 0)
        return undefined;
    const has = (s) => settings.includes(s);
    return {
        FunctionName: functionName,
        ...(revisionId !== undefined && { RevisionId: revisionId }),
        ...(has('environment') && {
            Environment: { Variables: { ...to.environment } }
        }),
        ...(has('memory-size') && { MemorySize: to.memorySize }),
        ...(has('timeout') && { Timeout: to.timeout }),
        ...(has('ephemeral-storage') &&
            to.ephemeralStorage !== undefined && {
            EphemeralStorage: { Size: to.ephemeralStorage }
        }),
        // Empty lists and an empty directory clear an override (the image's own
        // ENTRYPOINT, CMD and WORKDIR apply again).
        ...(has('image-config') && {
            ImageConfig: {
                EntryPoint: [...(to.imageConfig.entryPoint ?? [])],
                Command: [...(to.imageConfig.command ?? [])],
                WorkingDirectory: to.imageConfig.workingDirectory ?? ''
            }
        }),
        ...(has('function-description') && { Description: to.description })
    };
}
/**
 * The difference in words for the log, the summary and the dry run:
 * settings by name and variables by name with what happens to each — never
 * a value (environment variables often hold secrets).
 */
function describeDiff(diff) {
    const parts = [];
    for (const setting of diff.settings) {
        if (setting !== 'environment') {
            parts.push(setting);
            continue;
        }
        const changed = diff.variables.filter(v => v.change !== 'unchanged');
        parts.push(`environment (${changed.map(v => `${v.name} ${v.change}`).join(', ')})`);
    }
    return parts.length === 0 ? 'no configuration change' : parts.join(', ');
}
/**
 * A fingerprint of a configuration: the undo compares what a function has
 * now with what the run applied and what it replaced without keeping the
 * applied values (the post step's saved state holds only this).
 */
function configFingerprint(config) {
    const canonical = JSON.stringify([
        Object.entries(config.environment).sort(([a], [b]) => (a < b ? -1 : 1)),
        config.memorySize ?? null,
        config.timeout ?? null,
        config.ephemeralStorage ?? null,
        config.imageConfig.entryPoint ?? [],
        config.imageConfig.command ?? [],
        config.imageConfig.workingDirectory ?? '',
        config.description
    ]);
    return (0,external_node_crypto_.createHash)('sha256').update(canonical).digest('hex');
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
/** GetFunction found no such function (ResourceNotFoundException). */
class FunctionNotFoundError extends errors/* DeployError */.sH {
}
async function getFunctionState(lambda, functionName) {
    const response = await call_awsCall('lambda:GetFunction', () => lambda.send(new dist_cjs/* GetFunctionCommand */.YF5({ FunctionName: functionName })), {
        ResourceNotFoundException: () => {
            throw new FunctionNotFoundError(`Lambda function ${functionName} does not exist in this account and region. ` +
                'Create it first (package type Image), give role (its execution role) to have this action create it, or fix function-name / aws-region.');
        }
    });
    return functionStateOf(response, functionName);
}
/**
 * The values of the function's environment variables (GetFunction, which
 * the look-up made without keeping them): for a run of its image with them.
 * The caller masks them.
 */
async function functionEnvironment(lambda, functionArn) {
    const answer = await awsCall('lambda:GetFunction', () => lambda.send(new GetFunctionCommand({ FunctionName: functionArn })));
    return answer.Configuration?.Environment?.Variables;
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
        config: snapshotOf(config),
        memorySize: config.MemorySize,
        timeoutSeconds: config.Timeout,
        environmentNames: config.Environment?.Variables === undefined
            ? undefined
            : Object.keys(config.Environment.Variables),
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
 * Only container-image functions can take an image. A Lambda Managed
 * Instances function (capacityProviderArn) is deployable: its release goes
 * through a publish (stages/publish-managed.ts), since its callers get
 * $LATEST.PUBLISHED, not $LATEST.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-version-publishing.html
 */
function checkDeployable(fn) {
    if (fn.packageType !== 'Image') {
        throw new DeployError(`Function ${fn.functionName} has package type ${fn.packageType}; this action deploys container images. ` +
            'Lambda cannot change a function\'s package type: create a function with PackageType "Image" and deploy to that one.');
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
        const read = await call_awsCall('lambda:GetFunction', async () => ({
            // A read that hangs must not outlive the wait: it is cut at the
            // deadline (and by the client's own request timeout before that).
            response: await lambda.send(new dist_cjs/* GetFunctionCommand */.YF5({ FunctionName: functionName }), { abortSignal: AbortSignal.timeout(Math.max(1000, remainingMs)) })
        }), {
            ...call_answerAll(errors/* THROTTLING_ERRORS */.KI, throttled),
            ...call_answerAll(['AbortError', 'TimeoutError'], error => {
                throw new errors/* DeployError */.sH(`Lambda did not answer GetFunction for ${functionName} before the wait's deadline (a stalled connection): ${(0,errors/* errorMessage */.gJ)(error)}`);
            })
        });
        if (!('response' in read))
            return read; // throttled: poll again
        const { response } = read;
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
    const action = 'lambda:UpdateFunctionCode';
    const attempt = async () => call_awsCall(action, () => lambda.send(new dist_cjs/* UpdateFunctionCodeCommand */.KfB({
        FunctionName: functionName,
        ImageUri: imageUri,
        ...(options.revisionId !== undefined && {
            RevisionId: options.revisionId
        })
    })), {
        ResourceConflictException: async (error) => {
            if ((await options.acceptedEarlier?.()) !== true)
                throw error;
            options.log(`UpdateFunctionCode was refused (${(0,errors/* errorMessage */.gJ)(error)}), but the update in progress is this one: an earlier attempt was accepted and its answer was lost.`);
            return undefined;
        }
    });
    return call_awsCall(action, () => retry_retry(attempt, {
        attempts: options.conflictAttempts ?? 8,
        baseDelayMs: 1000,
        maxDelayMs: 10_000,
        retryable: error => sdkErrorName(error) === 'ResourceConflictException' ||
            errors/* THROTTLING_ERRORS */.KI.has(sdkErrorName(error) ?? ''),
        onRetry: (error, attempt, delay) => options.log(`UpdateFunctionCode attempt ${attempt} was refused (${sdkErrorName(error) ?? 'error'}: ${sdkMessage(error)}); retrying in ${delay}ms.`)
    }, timing), {
        PreconditionFailedException: error => {
            throw new errors/* ChangedMeanwhileError */.nI(`Function ${functionName} was changed by someone else since it was read, so it was left as it is (${(0,errors/* errorMessage */.gJ)(error)}).`);
        },
        ResourceConflictException: error => {
            throw new errors/* DeployError */.sH(`Function ${functionName} kept refusing the update because another update is in progress (${(0,errors/* errorMessage */.gJ)(error)}). ` +
                'Use a concurrency group per function in the workflow so deploys do not overlap.');
        },
        InvalidParameterValueException: error => {
            throw new errors/* DeployError */.sH(`Lambda refused the image ${imageUri}: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
    });
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
        ...answerAll(PERMISSION_ERRORS, as('denied')),
        InvalidParameterValueException: as('refused'),
        ResourceNotFoundException: as('refused'),
        ResourceConflictException: as('busy')
    });
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
function configurationHolder(left, now) {
    if (now === left.previous)
        return 'put-back';
    if (now === left.applied)
        return 'ours';
    return 'theirs';
}

;// CONCATENATED MODULE: ./src/aws/lambda-config.ts
/**
 * The calls of a deploy that ships configuration with its code, and of the
 * first deploy that creates the function (opt-in by the role input):
 * UpdateFunctionConfiguration and its wait, CreateFunction, and a Function
 * URL with the permissions a public one needs. Thin I/O: what to send is
 * decided in src/decide/configuration.ts and src/deploy/.
 *
 * Lambda applies one update at a time: a configuration update and a code
 * update each end in LastUpdateStatus Successful before the next may start
 * ("Lambda function states",
 * https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
 */







/**
 * UpdateFunctionConfiguration, retried while another update is in progress,
 * then waited for. A RevisionId in `input` guards it: a change by someone
 * else since makes Lambda refuse (PreconditionFailedException), reported as
 * ChangedMeanwhileError. `onAccepted` runs once Lambda took it.
 */
async function applyConfiguration(lambda, input, options, timing) {
    const name = input.FunctionName ?? '';
    await call_awsCall('lambda:UpdateFunctionConfiguration', () => retry_retry(() => lambda.send(new dist_cjs/* UpdateFunctionConfigurationCommand */.Zlw(input)), {
        attempts: 8,
        baseDelayMs: 1000,
        maxDelayMs: 10_000,
        retryable: error => (0,errors/* awsErrorName */.ZH)(error) === 'ResourceConflictException' ||
            (0,errors/* isThrottling */.E2)(error),
        onRetry: (error, attempt, delay) => options.log(`UpdateFunctionConfiguration attempt ${attempt} was refused (${(0,errors/* awsErrorName */.ZH)(error) ?? 'error'}); retrying in ${delay}ms.`)
    }, timing), {
        PreconditionFailedException: error => {
            throw new errors/* ChangedMeanwhileError */.nI(`Function ${name} was changed by someone else since it was read, so its configuration was left as it is (${(0,errors/* errorMessage */.gJ)(error)}).`);
        },
        // Lambda's message may quote the variables ("String measured: ..."):
        // only its first sentence is kept.
        InvalidParameterValueException: error => {
            throw new errors/* DeployError */.sH(`Lambda refused the configuration of ${name}: ${(0,errors/* errorMessage */.gJ)(error).split('. ')[0] ?? ''}.`);
        }
    });
    options.onAccepted?.();
    const outcome = await waitForUpdate(lambda, name, options, timing);
    if (outcome.status === 'Failed')
        throw new errors/* UpdateFailedError */.vR(`Lambda could not apply the configuration of ${name}: ${outcome.reasonCode ?? 'Failed'}: ${(outcome.reason ?? 'no reason given').replace(/\.+$/, '')}.`);
    return outcome.observed;
}
/** CreateFunction; a role Lambda cannot assume or pass is named as such. */
async function createImageFunction(lambda, input, log) {
    const created = await awsCall('lambda:CreateFunction', () => lambda.send(new CreateFunctionCommand(input)), {
        InvalidParameterValueException: error => {
            throw new DeployError(`Lambda refused to create ${input.FunctionName ?? ''}: ${errorMessage(error).split('. ')[0] ?? ''}. Check that role ${input.Role ?? ''} exists, trusts lambda.amazonaws.com, and that the deploy role may iam:PassRole it.`);
        }
    });
    log(`Created ${created.FunctionArn ?? input.FunctionName ?? ''} (package type Image, ${input.Architectures?.join(', ') ?? ''}, role ${input.Role ?? ''}).`);
    return created;
}
/** CreateFunctionUrlConfig on the function or one of its aliases. */
async function createUrl(lambda, functionName, qualifier, authType) {
    const created = await awsCall('lambda:CreateFunctionUrlConfig', () => lambda.send(new CreateFunctionUrlConfigCommand({
        FunctionName: functionName,
        AuthType: authType,
        ...(qualifier !== undefined && { Qualifier: qualifier })
    })));
    return created.FunctionUrl;
}
/** AddPermission; a statement id already taken counts as granted. */
async function grant(lambda, functionName, qualifier, statement) {
    await awsCall('lambda:AddPermission', () => lambda.send(new AddPermissionCommand({
        FunctionName: functionName,
        ...(qualifier !== undefined && { Qualifier: qualifier }),
        ...statement
    })), { ResourceConflictException: () => undefined });
}
/**
 * Puts the previous configuration back, guarded as the code's undo is:
 * first an update in progress settles, then only a configuration that is
 * still what this run applied is changed (decide/ownership.ts), with the
 * RevisionId just read, so a change by someone else makes Lambda refuse
 * rather than be overwritten. Says what it did; ChangedMeanwhileError when
 * someone else's configuration is there.
 */
async function restoreConfiguration(lambda, record, options, timing) {
    const settled = await waitForUpdate(lambda, record.functionArn, { timeoutMs: options.settleMs, log: options.log }, timing);
    const now = snapshotOf(settled.configuration);
    const holder = configurationHolder(record, configFingerprint(now));
    if (holder === 'put-back')
        return 'has its previous configuration';
    if (holder === 'theirs')
        throw new errors/* ChangedMeanwhileError */.nI('its configuration was changed by someone else meanwhile; it is left as it is.');
    const input = configUpdate(record.functionArn, now, record.restore, settled.configuration.RevisionId);
    if (input === undefined)
        return 'has its previous configuration';
    options.log(`Restoring the previous configuration: ${describeDiff(configDiff(now, record.restore))}.`);
    await applyConfiguration(lambda, input, { timeoutMs: options.waitTimeoutMs, log: options.log }, timing);
    return 'has its previous configuration again';
}

;// CONCATENATED MODULE: ./src/aws/managed-instances-states.ts
/**
 * Lambda Managed Instances, the pure part (./managed-instances.ts does the
 * calls): what a published version's state means for a wait, and the two
 * Managed Instances errors in words. Sources as in ./managed-instances.ts:
 * the API reference's FunctionConfiguration State and StateReasonCode,
 * lambda-managed-instances-quotas and -version-publishing.
 */


/** The version unqualified invokes of a Managed Instances function run. */
const LATEST_PUBLISHED = '$LATEST.PUBLISHED';
/** lambda-managed-instances-quotas: "Function versions per capacity provider: 100 ... Cannot be increased." */
const VERSIONS_PER_CAPACITY_PROVIDER = 100;
/**
 * What each StateReasonCode means for the person who reads the failure, and
 * what they can do about it. Codes from the API reference's
 * FunctionConfiguration StateReasonCode; the capacity ones are the Managed
 * Instances ones (capacity providers: lambda-managed-instances-capacity-providers,
 * quotas: lambda-managed-instances-quotas).
 */
const REASON_ADVICE = {
    InsufficientCapacity: 'EC2 has no capacity for the instance types the capacity provider allows, in its subnets: allow more instance types or add subnets in other Availability Zones to the capacity provider, or deploy again later',
    CapacityProviderScalingLimitExceeded: "the capacity provider reached its scaling limit (the maximum vCPUs it may run): raise MaxVCpuCount in the capacity provider's scaling configuration, or move other functions to another capacity provider",
    VcpuLimitExceeded: 'the account reached its EC2 vCPU quota for these instance types: ask for an EC2 On-Demand vCPU quota increase in Service Quotas',
    EC2RequestLimitExceeded: 'EC2 throttled the requests Lambda made to launch instances: deploy again later',
    SubnetOutOfIPAddresses: "the capacity provider's subnets have no free IP addresses: free addresses or add subnets to the capacity provider",
    InvalidSubnet: "a subnet in the capacity provider's VPC configuration is not usable: fix the capacity provider's subnets",
    InvalidSecurityGroup: "a security group in the capacity provider's VPC configuration is not usable: fix the capacity provider's security groups",
    EniLimitExceeded: 'the account reached its limit of network interfaces in this Region: delete unused ones or ask for a higher quota',
    InsufficientRolePermissions: "a role lacks permissions (the capacity provider's operator role or the function's execution role): see the reason below and the role's policy",
    ImageAccessDenied: "Lambda may not pull the image: allow the function's execution role and the repository policy to let Lambda read it",
    ImageDeleted: 'the image was deleted (or archived) from the repository: deploy an image that exists',
    InvalidImage: 'Lambda refused the image: see the reason below',
    ServiceQuotaExceededException: 'a service quota was reached: see the reason below',
    InternalError: 'Lambda had an internal error while activating the version: deploy again'
};
function reasonInWords(code, reason) {
    const advice = code === undefined
        ? undefined
        : (REASON_ADVICE[code] ??
            (code.startsWith('FunctionError')
                ? `the function failed while starting (${code}): its INIT phase crashed or timed out; see the function's logs`
                : undefined));
    const parts = [
        code !== undefined ? `reason code ${code}` : undefined,
        advice,
        reason !== undefined && reason !== ''
            ? `Lambda says: "${reason}"`
            : undefined
    ].filter((p) => p !== undefined);
    return parts.length > 0 ? parts.join('; ') : 'Lambda gave no reason';
}
/**
 * The decision after one poll of a published version, pure. Active ends the
 * wait; Pending keeps waiting (activation starts EC2 instances and
 * execution environments, and can take many minutes); every other state ends
 * it with a reason a person can act on. `$LATEST` of a Managed Instances
 * function is ActiveNonInvocable by design: it is never what a release waits
 * for, so a published version in that state is a failure too.
 */
function activationStep(v, elapsedMs) {
    const what = `${v.functionName}:${v.version}`;
    const why = reasonInWords(v.stateReasonCode, v.stateReason);
    switch (v.state) {
        case 'Active':
            return { step: 'done' };
        case 'Pending':
            return {
                step: 'wait',
                progress: `${what} is Pending after ${formatDuration(elapsedMs)}${v.stateReasonCode !== undefined ? ` (${v.stateReasonCode})` : ''}: Lambda is starting instances and execution environments on the capacity provider; traffic moves to it only once it is Active.`
            };
        case 'Failed':
            return {
                step: 'failed',
                reason: `${what} failed to activate: ${why}. Callers still get the version they had.`
            };
        case 'Inactive':
            return {
                step: 'failed',
                reason: `${what} is Inactive (${why}): Lambda reclaimed its execution environments; publish it again.`
            };
        case 'Deactivating':
        case 'Deactivated':
            return {
                step: 'failed',
                reason: `${what} is ${v.state} (${why}): Lambda is taking it out of service, usually because a newer publish replaced it (another deploy at the same time?). Check what the function serves now before deploying again.`
            };
        case 'Deleting':
            return {
                step: 'failed',
                reason: `${what} is being deleted (${why}): someone deleted the version or the function while this run waited for it.`
            };
        case 'ActiveNonInvocable':
            return {
                step: 'failed',
                reason: `${what} is ActiveNonInvocable: it cannot be invoked. That is what $LATEST of a Managed Instances function reports; a release must publish (PublishTo LATEST_PUBLISHED or a numbered version) and wait for that version instead.`
            };
        case undefined:
            return {
                step: 'wait',
                progress: `${what} reports no State yet after ${formatDuration(elapsedMs)}; waiting.`
            };
        default:
            return {
                step: 'wait',
                progress: `${what} is in state ${v.state}, which this action does not know (${why}); waiting for Active until the wait limit.`
            };
    }
}
/**
 * The two Managed Instances errors, explained with what to do; undefined for
 * any other error (the caller describes it as usual).
 */
function explainManagedInstancesError(error, functionName) {
    const name = (0,errors/* awsErrorName */.ZH)(error);
    const said = (0,errors/* errorMessage */.gJ)(error);
    if (name === 'FunctionVersionsPerCapacityProviderLimitExceededException') {
        return (`Lambda refused to publish a version of ${functionName}: the capacity provider already has ${VERSIONS_PER_CAPACITY_PROVIDER} function versions, its limit, which cannot be raised (${name}: ${said}). ` +
            'Nothing changed what callers get. Delete versions no alias uses (the versions of every function on this capacity provider count), for example with prune-versions, or move the function to another capacity provider, then deploy again.');
    }
    if (name === 'NoPublishedVersionException') {
        return (`${functionName} has no published version yet (${name}: ${said}): it is a Lambda Managed Instances function, whose unqualified invokes and Function URL run $LATEST.PUBLISHED, and nothing was ever published there. ` +
            `Publish first (aws lambda publish-version --function-name ${functionName} --publish-to LATEST_PUBLISHED), or call a numbered version or an alias.`);
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/aws/managed-instances.ts
/**
 * Lambda Managed Instances (issue 24): the publish, the wait for a published
 * version to be Active, and the explanations of what ends it. A function with `CapacityProviderConfig` runs on EC2 capacity
 * providers, and its unqualified invokes and unqualified Function URL run the
 * `$LATEST.PUBLISHED` version, not `$LATEST`: UpdateFunctionCode alone
 * changes nothing callers get. AWS docs, Lambda Developer Guide:
 *   - lambda-managed-instances-version-publishing ("$LATEST.PUBLISHED version
 *     in Lambda Managed Instances": `publish-version --publish-to
 *     LATEST_PUBLISHED`, unqualified invokes go to $LATEST.PUBLISHED);
 *   - lambda-managed-instances-deployments (rolling updates republish
 *     $LATEST.PUBLISHED; blue/green and canary use numbered versions behind
 *     a weighted alias);
 *   - lambda-managed-instances-scaling (on publish Lambda launches instances
 *     and starts three execution environments before it marks the version
 *     ACTIVE);
 *   - lambda-managed-instances-quotas (100 function versions per capacity
 *     provider, cannot be increased);
 *   - API reference: FunctionConfiguration (State: Pending | Active |
 *     Inactive | Failed | Deactivating | Deactivated | ActiveNonInvocable |
 *     Deleting, StateReasonCode), PublishVersion / UpdateFunctionCode
 *     (`PublishTo: LATEST_PUBLISHED`), CapacityProviderConfig.
 */










/**
 * The Managed Instances errors a call can meet, answered with what they
 * mean and what to do (explainManagedInstancesError).
 */
function managed_instances_managedInstancesErrors(functionName) {
    return call_answerAll([
        'FunctionVersionsPerCapacityProviderLimitExceededException',
        'NoPublishedVersionException'
    ], error => {
        throw new errors/* DeployError */.sH(explainManagedInstancesError(error, functionName) ?? (0,errors/* errorMessage */.gJ)(error));
    });
}
function publishedVersionState(functionName, c, fallbackVersion) {
    return {
        functionName,
        version: c.Version ?? fallbackVersion,
        versionArn: c.FunctionArn ?? '',
        codeSha256: c.CodeSha256,
        imageUri: undefined,
        imageDigest: digestFromCodeSha256(c.CodeSha256),
        state: c.State,
        stateReason: c.StateReason,
        stateReasonCode: c.StateReasonCode
    };
}
/**
 * Publish $LATEST to `$LATEST.PUBLISHED` (PublishVersion with `PublishTo:
 * LATEST_PUBLISHED`), only if $LATEST still runs `codeSha256`. The answer
 * comes at once; the version is Pending until Lambda has started its
 * execution environments: wait with `activationStep` before telling anyone
 * the release is live.
 *
 * If the run dies right after this call: Lambda goes on activating the
 * version and moves traffic to it once it is Active (rolling update), so the
 * new image will serve without the checks having run. The undo record must be
 * written (the previous $LATEST.PUBLISHED image) BEFORE this call.
 */
async function publishToLatestPublished(lambda, functionName, codeSha256, description, options, timing) {
    const response = await call_awsCall('lambda:PublishVersion', () => retry_retry(() => lambda.send(new dist_cjs/* PublishVersionCommand */.D3m({
        FunctionName: functionName,
        CodeSha256: codeSha256.replace(/^sha256:/, ''),
        Description: description,
        PublishTo: 'LATEST_PUBLISHED'
    })), {
        attempts: 8,
        baseDelayMs: 1000,
        maxDelayMs: 10_000,
        retryable: error => (0,errors/* awsErrorName */.ZH)(error) === 'ResourceConflictException' ||
            (0,errors/* isThrottling */.E2)(error),
        onRetry: (error, attempt, delay) => options.log(`PublishVersion (PublishTo LATEST_PUBLISHED) attempt ${attempt} was refused (${(0,errors/* awsErrorName */.ZH)(error) ?? 'error'}: ${(0,errors/* errorMessage */.gJ)(error)}); retrying in ${delay}ms.`)
    }, timing), managed_instances_managedInstancesErrors(functionName));
    return publishedVersionState(functionName, response, LATEST_PUBLISHED);
}
/**
 * A published version as GetFunction answers; a Managed Instances error in
 * words, the errors in `known` as the caller answers them.
 */
async function fetchPublishedVersion(lambda, functionName, version, known = {}) {
    // GetFunction (one IAM action the action already needs) rather than
    // GetFunctionConfiguration: the same configuration, with the image.
    return call_awsCall('lambda:GetFunction', async () => {
        const f = await lambda.send(new dist_cjs/* GetFunctionCommand */.YF5({
            FunctionName: functionName,
            Qualifier: version
        }));
        const image = functionStateOf(f, functionName);
        return {
            ...publishedVersionState(functionName, f.Configuration ?? {}, version),
            imageUri: image.imageUri,
            imageDigest: image.imageDigest
        };
    }, { ...managed_instances_managedInstancesErrors(functionName), ...known });
}
/** One poll of a published version (`$LATEST.PUBLISHED` or a number). */
async function readPublishedVersion(lambda, functionName, version) {
    return fetchPublishedVersion(lambda, functionName, version);
}
/**
 * $LATEST.PUBLISHED as callers get it now, or undefined when nothing was
 * ever published there (GetFunction of that qualifier then answers
 * ResourceNotFoundException; an invoke would answer
 * NoPublishedVersionException).
 */
async function readLatestPublished(lambda, functionName) {
    return fetchPublishedVersion(lambda, functionName, LATEST_PUBLISHED, {
        ResourceNotFoundException: absent,
        NoPublishedVersionException: absent
    });
}
/** The published version did not become Active: Lambda said why. */
class ActivationFailedError extends errors/* DeployError */.sH {
}
/** The wait's limit came first: Lambda goes on activating the version. */
class ActivationTimeoutError extends errors/* DeployError */.sH {
}
/** The default poll interval of the activation wait. */
const ACTIVATION_POLL_MS = 2000;
/**
 * Wait until a published version (`$LATEST.PUBLISHED` or a number) is
 * Active, with a progress line now and then; Failed and the other end
 * states (activationStep) end it with Lambda's reason. The run's timing is
 * cancellable, so a cancelled job ends the wait at its next sleep. One poll
 * helper (util/poll.ts), as every wait of the action; the interval follows
 * the SDK's waitUntilPublishedVersionActive (2 s).
 */
async function waitForActivation(lambda, functionName, version, options, timing) {
    const started = timing.now();
    const every = options.progressEveryMs ?? 30_000;
    let lastProgressAt;
    let last;
    const outcome = await poll(async () => {
        await options.budget?.take();
        const now = await fetchPublishedVersion(lambda, functionName, version, call_answerAll(errors/* THROTTLING_ERRORS */.KI, throttled));
        // A known error's answer is the poll's step (throttled).
        if (!('functionName' in now))
            return now;
        last = now;
        const elapsed = timing.now() - started;
        const step = activationStep(now, elapsed);
        if (step.step === 'done')
            return done(now);
        if (step.step === 'failed')
            throw new ActivationFailedError(step.reason);
        if (lastProgressAt === undefined || elapsed - lastProgressAt >= every) {
            lastProgressAt = elapsed;
            options.log(step.progress);
        }
        return again;
    }, {
        timeoutMs: options.timeoutMs,
        intervalMs: options.pollMs ?? ACTIVATION_POLL_MS,
        maxIntervalMs: 20_000,
        onThrottled: (error, next) => options.log(`Throttled while waiting for ${functionName}:${version} (${(0,errors/* errorMessage */.gJ)(error)}); next poll in ${next}ms.`)
    }, timing);
    if (outcome.kind === 'done')
        return {
            version: outcome.value,
            polls: outcome.attempts,
            elapsedMs: timing.now() - started
        };
    throw new ActivationTimeoutError(`${functionName}:${version} is still ${last?.state ?? 'not Active'} after ${formatDuration(outcome.elapsedMs)}, the wait's limit (wait-timeout). ` +
        'Lambda goes on activating it and moves traffic to it once it is Active; raise wait-timeout if activations on this capacity provider take longer.');
}

;// CONCATENATED MODULE: ./src/aws/republish.ts





/** The command that shows where an activation stands. */
const followActivation = (functionName) => `aws lambda get-function-configuration --function-name ${functionName} --qualifier '${LATEST_PUBLISHED}'`;
/** Versions that never became Active, or left service: they serve nobody. */
const NEVER_SERVED = new Set([
    'Failed',
    'Inactive',
    'Deactivating',
    'Deactivated'
]);
/**
 * Put $LATEST.PUBLISHED back on `undo.restoreImageUri` if it still runs
 * this run's image. Someone else's image there: ChangedMeanwhileError.
 * If the run dies right after the publish: Lambda goes on activating the
 * previous image, and the post step (or a re-run) finds it put back.
 */
async function republishPrevious(lambda, functionName, undo, options, timing) {
    const now = await readLatestPublished(lambda, functionName);
    if (now === undefined)
        throw new errors/* DeployError */.sH(`${functionName} has no ${LATEST_PUBLISHED} any more; nothing was put back.`);
    const holder = latestHolder({ digest: undo.ourDigest, previousDigest: undo.restoreDigest }, now.imageDigest);
    if (holder === 'theirs')
        throw new errors/* ChangedMeanwhileError */.nI(`someone else published ${now.imageUri ?? 'another image'} to ${LATEST_PUBLISHED} meanwhile; it is left as it is.`);
    if (holder === 'ours' && NEVER_SERVED.has(now.state ?? '')) {
        return {
            kind: 'never-active',
            text: `${LATEST_PUBLISHED} with this run's image is ${now.state ?? '?'} and never served: callers kept ${undo.restoreImageUri}`
        };
    }
    if (holder === 'ours') {
        // PublishVersion publishes $LATEST: it must run the previous image
        // first (the 'latest' undo usually did that already), guarded by the
        // revision just read.
        const latest = await getFunctionState(lambda, functionName);
        if (latest.imageDigest !== undo.restoreDigest)
            await deployImage(lambda, functionName, undo.restoreImageUri, undo.restoreDigest, {
                waitTimeoutMs: options.timeoutMs,
                log: options.log,
                revisionId: latest.revisionId,
                ...(options.budget !== undefined && { budget: options.budget })
            }, timing);
        options.log(`Publishing the previous image ${undo.restoreImageUri} to ${LATEST_PUBLISHED} again.`);
        await publishToLatestPublished(lambda, functionName, undo.restoreDigest, 'aspnet-lambda-deploy: rollback', { log: options.log }, timing);
    }
    else if (now.state === 'Active') {
        return {
            kind: 'restored',
            text: `${LATEST_PUBLISHED} runs the previous image ${undo.restoreImageUri} (verified)`
        };
    }
    try {
        await waitForActivation(lambda, functionName, LATEST_PUBLISHED, options, timing);
    }
    catch (error) {
        if (!(error instanceof ActivationTimeoutError))
            throw error;
        return {
            kind: 'activating',
            text: `the previous image ${undo.restoreImageUri} is published to ${LATEST_PUBLISHED} again and still activating; callers get it once it is Active, and until then what was Active before (follow it with: ${followActivation(functionName)})`
        };
    }
    return {
        kind: 'restored',
        text: `${LATEST_PUBLISHED} runs the previous image ${undo.restoreImageUri} again (Active)`
    };
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
    const changed = (error) => {
        throw new DeployError(`The code of ${functionName} changed while deploying: $LATEST no longer runs the image just deployed, so no version was published (${errorMessage(error)}). ` +
            'Another deploy ran at the same time: use a concurrency group per function in the workflow.');
    };
    const response = await awsCall('lambda:PublishVersion', () => retry(() => lambda.send(new PublishVersionCommand({
        FunctionName: functionName,
        CodeSha256: codeSha256Of(codeSha256),
        Description: description
    })), retryOptions('PublishVersion', options.log), timing), {
        ...managedInstancesErrors(functionName),
        // A CodeSha256 that no longer matches: AWS answers
        // InvalidParameterValueException ("CodeSHA256 (...) is different from
        // current CodeSHA256 in $LATEST"), documented as PreconditionFailed.
        PreconditionFailedException: changed,
        InvalidParameterValueException: error => {
            if (/CodeSHA256/i.test(errorMessage(error)))
                changed(error);
            throw awsCallError('lambda:PublishVersion', error);
        },
        ResourceConflictException: error => {
            throw new DeployError(`Function ${functionName} kept refusing to publish a version because an update is in progress (${errorMessage(error)}). ` +
                'Use a concurrency group per function in the workflow so deploys do not overlap.');
        }
    });
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
    const response = await call_awsCall('lambda:GetAlias', () => lambda.send(new dist_cjs/* GetAliasCommand */.MES({ FunctionName: functionName, Name: alias })), {
        ResourceNotFoundException: error => {
            // "Function not found" is not a missing alias: say so.
            if (/^Function not found/i.test((0,errors/* errorMessage */.gJ)(error)))
                throw new errors/* DeployError */.sH(`Lambda function ${functionName} does not exist in this account and region (${(0,errors/* errorMessage */.gJ)(error)}).`);
            return undefined;
        }
    });
    return response === undefined ? undefined : aliasState(response, alias);
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
        const created = await call_awsCall('lambda:CreateAlias', () => retry_retry(() => lambda.send(new dist_cjs/* CreateAliasCommand */.W_e({
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
        retryOptions('CreateAlias', options.log, error => isTransient(error) && !/already exists/i.test((0,errors/* errorMessage */.gJ)(error))), timing), {
            ResourceConflictException: error => {
                if (/already exists/i.test((0,errors/* errorMessage */.gJ)(error)))
                    throw new errors/* DeployError */.sH(`Alias ${alias} of ${functionName} was created by someone else while deploying (${(0,errors/* errorMessage */.gJ)(error)}). ` +
                        'Use a concurrency group per function in the workflow, and run the deploy again.');
                keptRefusing(functionName, alias, error);
            }
        });
        return aliasState(created, alias);
    }
    const updated = await call_awsCall('lambda:UpdateAlias', () => retry_retry(() => lambda.send(new dist_cjs/* UpdateAliasCommand */.lqC({
        FunctionName: functionName,
        Name: alias,
        FunctionVersion: target.version,
        ...description,
        // An empty map clears a canary split left from before.
        RoutingConfig: { AdditionalVersionWeights: weights },
        ...(current.revisionId !== undefined && {
            RevisionId: current.revisionId
        })
    })), retryOptions('UpdateAlias', options.log), timing), {
        PreconditionFailedException: error => {
            throw new errors/* ChangedMeanwhileError */.nI(`Someone else moved alias ${alias} of ${functionName} while deploying (it no longer points where it did: ${(0,errors/* errorMessage */.gJ)(error)}). ` +
                'It was left as they set it. Use a concurrency group per function in the workflow, and run the deploy again.');
        },
        ResourceConflictException: error => keptRefusing(functionName, alias, error)
    });
    return aliasState(updated, alias);
}
/** Every attempt found another update in progress. */
function keptRefusing(functionName, alias, error) {
    throw new errors/* DeployError */.sH(`Function ${functionName} kept refusing to move alias ${alias} because an update is in progress (${(0,errors/* errorMessage */.gJ)(error)}). ` +
        'Use a concurrency group per function in the workflow so deploys do not overlap.');
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

;// CONCATENATED MODULE: ./src/post/undo.ts
/**
 * The post step's half of the undo: a run that was cancelled or killed
 * before its own undo ended leaves what it changed in the saved state; the
 * post step (which the runner runs even after a cancel) puts it back —
 * guarded like the main step's undo: only what is still this run's change.
 */








/** The undo's publish went through; Lambda was still activating it. */
class StillActivating extends Error {
}
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
    if (record.kind === 'configuration')
        try {
            return `${record.functionArn} ${await restoreConfiguration(lambda, record, { settleMs: POST_WAIT_MS, waitTimeoutMs: POST_WAIT_MS, log }, timing)}.`;
        }
        catch (error) {
            if (error instanceof errors/* ChangedMeanwhileError */.nI)
                return `${record.functionArn}: ${error.message}`;
            throw error;
        }
    if (record.kind === 'published') {
        const result = await republishPrevious(lambda, record.functionArn, record, { timeoutMs: POST_WAIT_MS, log }, timing);
        // The post step's limit came before Lambda activated the previous
        // image: not a verified undo, and the line says what to follow.
        if (result.kind === 'activating')
            throw new StillActivating(result.text);
        return `${record.functionArn}: ${result.text}.`;
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
    // Aliases first: they are what serves traffic in alias deploys; then the
    // configuration, then $LATEST's code (records keep that order within a
    // kind), then $LATEST.PUBLISHED, which a Managed Instances republish
    // publishes from $LATEST.
    const rank = { alias: 0, configuration: 1, latest: 2, published: 3 };
    const ordered = [...records].sort((a, b) => rank[a.kind] - rank[b.kind]);
    for (const record of ordered) {
        try {
            lines.push(await finishOne(makeLambda(record.region), record, log, timing));
        }
        catch (error) {
            ok = false;
            if (error instanceof StillActivating) {
                lines.push(`${record.functionArn}: ${error.message}; the post step's limit (${POST_WAIT_MS / 60_000} minutes a wait) ended before it was Active: check it with ${followActivation(record.functionArn)}`);
                continue;
            }
            lines.push(`Could not put back ${record.functionArn}: ${(0,errors/* errorMessage */.gJ)(error)}` +
                handRestore(record));
        }
    }
    return { lines, ok };
}
function handRestore(record) {
    switch (record.kind) {
        case 'latest':
            return ` Restore it by hand: aws lambda update-function-code --function-name ${record.functionArn} --image-uri ${record.restoreImageUri}`;
        case 'published':
            return ` Restore it by hand: aws lambda update-function-code --function-name ${record.functionArn} --image-uri ${record.restoreImageUri}, wait for it, then aws lambda publish-version --function-name ${record.functionArn} --publish-to LATEST_PUBLISHED`;
        case 'configuration':
            return ` Restore its configuration by hand (the previous settings: ${Object.keys(record.restore.environment).length} environment variables, memory ${record.restore.memorySize ?? '?'} MB, timeout ${record.restore.timeout ?? '?'} s) with aws lambda update-function-configuration.`;
        case 'alias':
            return ` Restore it by hand: aws lambda update-alias --function-name ${record.functionArn} --name ${record.alias} --function-version ${record.previousVersion} --routing-config 'AdditionalVersionWeights={}'`;
    }
}


/***/ })

};
