export const id = 589;
export const ids = [589];
export const modules = {

/***/ 589:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   versionLogMessages: () => (/* binding */ versionLogMessages)
/* harmony export */ });
/* unused harmony exports versionStreamPrefixes, MAX_VERSION_EVENTS */
/* harmony import */ var _aws_sdk_client_cloudwatch_logs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(303);
/* harmony import */ var _call_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1373);
/**
 * The log lines one version of a function wrote during a stretch of time:
 * Lambda names each log stream after the version that runs in it,
 * YYYY/MM/DD/[<version>]<id> in the log group /aws/lambda/<function>
 * (AWS Lambda Developer Guide, "Sending Lambda function logs to CloudWatch
 * Logs": log stream names), so the version's own lines are its streams'.
 */


/** Lambda's stream name prefixes of a version for each UTC day from `startMs` to `endMs`. */
function versionStreamPrefixes(version, startMs, endMs) {
    const prefixes = [];
    const day = 86_400_000;
    for (let at = Math.floor(startMs / day) * day; at <= endMs; at += day)
        prefixes.push(`${new Date(at).toISOString().slice(0, 10).replaceAll('-', '/')}/[${version}]`);
    return prefixes;
}
/** At most this many events are read per day (of the canary's interval). */
const MAX_VERSION_EVENTS = 100_000;
/**
 * The messages the version's streams hold from `startMs` to `endMs`, and
 * whether the read stopped at MAX_VERSION_EVENTS. A log group that does not
 * exist yet holds none.
 */
async function versionLogMessages(client, functionName, version, startMs, endMs) {
    const messages = [];
    let truncated = false;
    for (const prefix of versionStreamPrefixes(version, startMs, endMs)) {
        let read = 0;
        const pages = (0,_aws_sdk_client_cloudwatch_logs__WEBPACK_IMPORTED_MODULE_1__.paginateFilterLogEvents)({ client }, {
            logGroupName: `/aws/lambda/${functionName}`,
            logStreamNamePrefix: prefix,
            startTime: startMs,
            endTime: endMs
        });
        for await (const page of (0,_call_js__WEBPACK_IMPORTED_MODULE_0__/* .awsPages */ .A_)('logs:FilterLogEvents', pages, {
            ResourceNotFoundException: () => 'end'
        })) {
            // The prefix ends with "]": version 1's is not a prefix of 10's.
            for (const event of page.events ?? [])
                messages.push(event.message ?? '');
            read += page.events?.length ?? 0;
            if (read >= MAX_VERSION_EVENTS) {
                truncated = true;
                break;
            }
        }
    }
    return { messages, truncated };
}


/***/ })

};
