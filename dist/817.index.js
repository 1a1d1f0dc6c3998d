export const id = 817;
export const ids = [817];
export const modules = {

/***/ 3817:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   alarmStates: () => (/* binding */ alarmStates),
/* harmony export */   versionMetrics: () => (/* binding */ versionMetrics)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_cloudwatch__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4085);
/* harmony import */ var _call_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1373);
/**
 * What a canary reads of CloudWatch: the state of the alarms it is judged
 * by, and Lambda's metrics of the version it shifted traffic to. Loaded
 * only by canaries with canary-alarms or the built-in signals.
 */


/**
 * The alarms by name, metric and composite ones: DescribeAlarms answers
 * only metric alarms unless AlarmTypes asks for both, and leaves out names
 * that do not exist (they come back in `missing`); at most 100 names per
 * call (CloudWatch API Reference, DescribeAlarms: AlarmNames, AlarmTypes).
 */
async function alarmStates(client, names) {
    const alarms = [];
    for (let at = 0; at < names.length; at += 100) {
        const pages = (0,_aws_sdk_client_cloudwatch__WEBPACK_IMPORTED_MODULE_1__.paginateDescribeAlarms)({ client }, {
            AlarmNames: names.slice(at, at + 100),
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm']
        });
        for await (const page of (0,_call_js__WEBPACK_IMPORTED_MODULE_0__/* .awsPages */ .A_)('cloudwatch:DescribeAlarms', pages)) {
            for (const alarm of [
                ...(page.MetricAlarms ?? []),
                ...(page.CompositeAlarms ?? [])
            ])
                alarms.push({
                    name: alarm.AlarmName ?? '',
                    state: alarm.StateValue ?? 'INSUFFICIENT_DATA',
                    reason: alarm.StateReason
                });
        }
    }
    const found = new Set(alarms.map(a => a.name));
    return { alarms, missing: names.filter(name => !found.has(name)) };
}
/**
 * Sums of Invocations, Errors and Throttles of the version an alias routed
 * to: the alias's metrics carry the version in the ExecutedVersion
 * dimension, beside FunctionName and Resource (<function>:<alias>), and
 * only those three dimensions together name that metric (AWS Lambda
 * Developer Guide, "Viewing metrics for Lambda functions" and "Types of
 * metrics": Throttles are not counted in Invocations). The action's own
 * checks invoke the version directly (Resource <function>:<version>, no
 * ExecutedVersion): they are not in these sums.
 */
async function versionMetrics(client, q) {
    const dimensions = [
        { Name: 'FunctionName', Value: q.functionName },
        { Name: 'Resource', Value: `${q.functionName}:${q.alias}` },
        { Name: 'ExecutedVersion', Value: q.version }
    ];
    const query = (id, metricName) => ({
        Id: id,
        MetricStat: {
            Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: metricName,
                Dimensions: dimensions
            },
            Period: q.periodS,
            Stat: 'Sum'
        },
        ReturnData: true
    });
    const sums = {
        invocations: 0,
        errors: 0,
        throttles: 0
    };
    const pages = (0,_aws_sdk_client_cloudwatch__WEBPACK_IMPORTED_MODULE_1__.paginateGetMetricData)({ client }, {
        MetricDataQueries: [
            query('invocations', 'Invocations'),
            query('errors', 'Errors'),
            query('throttles', 'Throttles')
        ],
        StartTime: new Date(q.startMs),
        EndTime: new Date(q.endMs)
    });
    for await (const page of (0,_call_js__WEBPACK_IMPORTED_MODULE_0__/* .awsPages */ .A_)('cloudwatch:GetMetricData', pages)) {
        for (const result of page.MetricDataResults ?? []) {
            const id = result.Id ?? '';
            if (!Object.hasOwn(sums, id))
                continue;
            sums[id] =
                (sums[id] ?? 0) + (result.Values ?? []).reduce((a, v) => a + v, 0);
        }
    }
    return {
        invocations: sums.invocations ?? 0,
        errors: sums.errors ?? 0,
        throttles: sums.throttles ?? 0
    };
}


/***/ })

};
