export const id = 446;
export const ids = [446];
export const modules = {

/***/ 446:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   formatDiagnostics: () => (/* binding */ formatDiagnostics),
/* harmony export */   readDiagnostics: () => (/* binding */ readDiagnostics)
/* harmony export */ });
/* unused harmony exports linesThatMatter, MAX_PAGES, MAX_EVENTS, functionRef */
/* harmony import */ var _aws_sdk_client_cloudwatch_logs__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(303);
/* harmony import */ var _clients_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(5915);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(17);
/* harmony import */ var _call_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1373);
/* harmony import */ var _util_retry_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4266);
/* harmony import */ var _util_time_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6043);
// Loaded with `await import('./logs.js')` only when a run fails: keep
// its imports to the logs client and small helpers (clients.ts is in the
// start-up path anyway, and loads the logs SDK only when asked).






/** Lines that say why an invocation or an init failed. */
const EXPLAINS_FAILURE = [
    // INIT_REPORT / REPORT / RESTORE_REPORT of a failed or timed-out phase.
    /\bStatus: (?:error|timeout)\b/,
    // Runtime.InvalidEntrypoint, Runtime.ExitError, Runtime.Unknown, ...
    /\bRuntime\.[A-Z]\w+/,
    /\bRuntime exited\b/,
    // IMAGE	Launch error: ... (entrypoint, working directory, architecture)
    /^IMAGE\s+Launch error/m,
    /\bLaunch error\b/,
    // Extension.Crash, Extension.InitError, and EXTENSION lines of a failure.
    /\bExtension\.[A-Z]\w+/,
    /^EXTENSION\b.*(?:Error|Crash|Fail)/m,
    /\bUnhandled exception\b/i,
    // ASP.NET Core console logger categories for errors.
    /^\s*(?:fail|crit): /m,
    /Task timed out/,
    // JSON log format: platform records and application log levels.
    /"status"\s*:\s*"(?:error|timeout|failure)"/,
    /"level"\s*:\s*"(?:error|critical|fatal)"/i,
    /"errorType"\s*:/
];
/** A .NET exception, named with its namespace: System.InvalidOperationException. */
const EXCEPTION = /\b(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*Exception\b/;
/** What follows an exception or a `fail:` line: its stack and message. */
const CONTINUATION = /^(?:\s+at |\s*--- |\s*---> |\s{2,}\S)/;
/** Stack lines kept after each exception. */
const STACK_LINES = 8;
/** Lambda's own lines of a healthy invocation. */
const PLATFORM_NOISE = /^(?:START|END|REPORT|INIT_START|INIT_REPORT|RESTORE_START|RESTORE_REPORT|EXTENSION|TELEMETRY)\b/;
function explainsFailure(message) {
    return EXPLAINS_FAILURE.some(pattern => pattern.test(message));
}
/**
 * The log lines that explain a failure (init and runtime errors, unhandled
 * exceptions with a few of their stack lines, timeouts), in order, at most
 * the last `max`. Healthy invocations' START/END/REPORT lines are left out.
 */
function linesThatMatter(events, max = 20) {
    const kept = [];
    let stackLeft = 0;
    for (const event of events) {
        const startsBlock = EXCEPTION.test(event.message) || /^\s*(?:fail|crit): /.test(event.message);
        if (explainsFailure(event.message) || startsBlock) {
            kept.push(event);
            stackLeft = startsBlock ? STACK_LINES : 0;
        }
        else if (stackLeft > 0 && CONTINUATION.test(event.message)) {
            kept.push(event);
            stackLeft--;
        }
        else {
            stackLeft = 0;
        }
    }
    return max <= 0 ? [] : kept.slice(-max);
}
/** How many lines to show when none of them looks like an error. */
const LAST_LINES = 10;
/** Bounds on what one diagnosis reads. */
const MAX_PAGES = 5;
const MAX_EVENTS = 10_000;
/** The function's name from a name or an ARN, without a qualifier. */
function functionRef(functionName) {
    const arn = /^arn:([\w-]+):lambda:[\w-]+:(\d{12}):function:([^:]+)/.exec(functionName);
    if (arn !== null) {
        return {
            partition: arn[1] ?? 'aws',
            account: arn[2],
            name: arn[3] ?? functionName
        };
    }
    // 123456789012:function:name[:qualifier] and name[:qualifier].
    const partial = /^(?:(\d{12}):function:)?([^:]+)/.exec(functionName);
    return {
        partition: 'aws',
        account: partial?.[1],
        name: partial?.[2] ?? functionName
    };
}
/** The account in an AccessDenied message's "User: arn:aws:sts::<account>:...". */
function accountInMessage(message) {
    return /arn:[\w-]+:(?:sts|iam)::(\d{12}):/.exec(message)?.[1];
}
/** Lambda's stream names: 2026/11/23/[7]0123abcd... */
function streamPrefix(sinceMs, nowMs, version) {
    const day = (ms) => new Date(ms).toISOString().slice(0, 10);
    // The prefix pins one day: only usable when the window stays within it.
    if (day(sinceMs) !== day(nowMs))
        return undefined;
    return `${day(sinceMs).replaceAll('-', '/')}/[${version}]`;
}
async function readEvents(client, input, version, timing) {
    const events = [];
    let nextToken;
    let pages = 0;
    do {
        const page = await (0,_util_retry_js__WEBPACK_IMPORTED_MODULE_4__/* .retry */ .L)(() => client.send(new _aws_sdk_client_cloudwatch_logs__WEBPACK_IMPORTED_MODULE_5__.FilterLogEventsCommand({
            ...input,
            ...(nextToken !== undefined && { nextToken })
        })), {
            attempts: 3,
            baseDelayMs: 1000,
            maxDelayMs: 4000,
            retryable: error => (0,_util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .isThrottling */ .E2)(error) ||
                (0,_util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .awsErrorName */ .ZH)(error) === 'ServiceUnavailableException'
        }, timing);
        pages++;
        for (const event of page.events ?? []) {
            const stream = event.logStreamName ?? '';
            if (version !== undefined && !stream.includes(`/[${version}]`))
                continue;
            events.push({
                timestamp: event.timestamp ?? 0,
                stream,
                message: (event.message ?? '').replace(/\s+$/, '')
            });
        }
        nextToken = page.nextToken;
    } while (nextToken !== undefined &&
        pages < MAX_PAGES &&
        events.length < MAX_EVENTS);
    return {
        events: events.slice(0, MAX_EVENTS),
        truncated: nextToken !== undefined || events.length > MAX_EVENTS
    };
}
/**
 * The function's recent log lines that explain a failure. Never throws:
 * whatever goes wrong becomes the note.
 */
async function readDiagnostics(functionName, region, sinceMs, options = {}) {
    const fn = functionRef(functionName);
    const logGroupName = `/aws/lambda/${fn.name}`;
    const timing = options.timing ?? _util_time_js__WEBPACK_IMPORTED_MODULE_3__/* .realTiming */ .$u;
    const client = options.client ?? (await (0,_clients_js__WEBPACK_IMPORTED_MODULE_0__/* .createLogsClient */ .D3)(region));
    const since = new Date(sinceMs).toISOString();
    const who = options.version === undefined
        ? 'the function'
        : `version ${options.version}`;
    const prefix = options.version === undefined
        ? undefined
        : streamPrefix(sinceMs, timing.now(), options.version);
    const input = {
        logGroupName,
        startTime: sinceMs,
        limit: MAX_EVENTS,
        ...(prefix !== undefined && { logStreamNamePrefix: prefix })
    };
    const result = (lines, note) => ({
        functionName: fn.name,
        lines,
        note
    });
    const denied = (error) => {
        const account = fn.account ?? accountInMessage((0,_util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(error)) ?? '<account>';
        return result([], `Could not read the function's logs (${(0,_util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .awsErrorName */ .ZH)(error) ?? 'AccessDenied'}): allow logs:FilterLogEvents on ` +
            `arn:${fn.partition}:logs:${region}:${account}:log-group:${logGroupName}:* to see them here.`);
    };
    try {
        return await (0,_call_js__WEBPACK_IMPORTED_MODULE_2__/* .awsCall */ .uF)('logs:FilterLogEvents', async () => {
            let read = await readEvents(client, input, options.version, timing);
            const waitMs = options.waitForLogsMs ?? 5000;
            if (read.events.length === 0 && waitMs > 0) {
                await timing.sleep(waitMs);
                read = await readEvents(client, input, options.version, timing);
            }
            const truncated = read.truncated
                ? ` Only the first ${read.events.length} log events since ${since} were read.`
                : '';
            if (read.events.length === 0) {
                return result([], `no logs yet (${who} wrote none since ${since})`);
            }
            const lines = linesThatMatter(read.events);
            if (lines.length > 0) {
                return result(lines, truncated === '' ? undefined : truncated.trim());
            }
            const quiet = read.events.filter(e => !PLATFORM_NOISE.test(e.message));
            const last = (quiet.length > 0 ? quiet : read.events).slice(-LAST_LINES);
            return result(last, `Nothing in the logs since ${since} looks like an error; these are the last ${last.length} lines.${truncated}`);
        }, {
            ResourceNotFoundException: () => result([], `no logs yet (the function wrote none since ${since}: log group ${logGroupName} does not exist)`),
            ...(0,_call_js__WEBPACK_IMPORTED_MODULE_2__/* .answerAll */ .iz)(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation'], denied)
        }).catch((error) => 
        // Never throws: what went wrong is the note.
        result([], `Could not read the function's logs: ${(0,_call_js__WEBPACK_IMPORTED_MODULE_2__/* .failureText */ .kY)('logs:FilterLogEvents', error)}`));
    }
    finally {
        if (options.client === undefined)
            client.destroy();
    }
}
const MAX_LINE = 500;
const MAX_MESSAGE_LINES = 20;
/** `[7]0123abcd` from 2026/11/23/[7]0123abcd..., the stream as is otherwise. */
function shortStream(stream) {
    return /\[[^\]]+\]\w{0,8}/.exec(stream)?.[0] ?? stream;
}
/** Lines for the workflow log. */
function formatDiagnostics(d) {
    if (d.lines.length === 0) {
        return [`Logs of ${d.functionName}: ${d.note ?? 'nothing to show'}`];
    }
    const out = [
        `Recent logs of ${d.functionName} (/aws/lambda/${d.functionName}):`
    ];
    for (const line of d.lines) {
        const [first = '', ...rest] = line.message.split(/\r?\n/);
        const cut = (text) => text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}…` : text;
        out.push(`  ${new Date(line.timestamp).toISOString()} ${shortStream(line.stream)} ${cut(first)}`);
        for (const more of rest.slice(0, MAX_MESSAGE_LINES - 1)) {
            out.push(`      ${cut(more)}`);
        }
        if (rest.length > MAX_MESSAGE_LINES - 1) {
            out.push(`      … ${rest.length - (MAX_MESSAGE_LINES - 1)} more lines`);
        }
    }
    if (d.note !== undefined)
        out.push(`  (${d.note})`);
    return out;
}


/***/ })

};
