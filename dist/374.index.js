export const id = 374;
export const ids = [374,720];
export const modules = {

/***/ 2720:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   httpApiEndpoint: () => (/* binding */ httpApiEndpoint),
/* harmony export */   l: () => (/* binding */ integrationsInvoking)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_apigatewayv2__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4919);
/* harmony import */ var _aws_lambda_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(5974);
/* harmony import */ var _util_read_once_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(746);
/**
 * HTTP APIs (API Gateway v2) in front of a function: the one walk over the
 * account's APIs and their integrations that the smoke test (where to send
 * its request) and the reach discovery (which event sources the app must
 * handle) both take. Loaded only by runs that look for an HTTP API, so the
 * API Gateway SDK stays out of start-up.
 */



/**
 * Each integration of an HTTP API that invokes the function, in the order
 * AWS lists the APIs; at most `limit` APIs are looked at.
 */
async function* integrationsInvoking(apigateway, functionArn, once = _util_read_once_js__WEBPACK_IMPORTED_MODULE_1__/* .EVERY_TIME */ .S, limit = Number.POSITIVE_INFINITY) {
    let nextToken;
    let looked = 0;
    do {
        const token = nextToken;
        const apis = await once(`apis ${token ?? ''}`, () => apigateway.send(new _aws_sdk_client_apigatewayv2__WEBPACK_IMPORTED_MODULE_2__.GetApisCommand(token !== undefined ? { NextToken: token } : {})));
        for (const api of apis.Items ?? []) {
            if (api.ProtocolType !== 'HTTP' || api.ApiId === undefined)
                continue;
            if (++looked > limit)
                return;
            const apiId = api.ApiId;
            const integrations = await once(`integrations ${apiId}`, () => apigateway.send(new _aws_sdk_client_apigatewayv2__WEBPACK_IMPORTED_MODULE_2__.GetIntegrationsCommand({ ApiId: apiId })));
            for (const integration of integrations.Items ?? [])
                if ((0,_aws_lambda_js__WEBPACK_IMPORTED_MODULE_0__/* .invokesFunction */ .eH)(integration.IntegrationUri, functionArn))
                    yield { api: { ...api, ApiId: apiId }, integration };
        }
        nextToken = apis.NextToken;
    } while (nextToken !== undefined);
}
/**
 * The first HTTP API that invokes the function with exactly `qualifier`
 * ('$LATEST': the unqualified ARN; an integration on another alias or
 * version serves other code) and can be called at its default endpoint
 * (with the execute-api endpoint disabled it answers 403 to everything;
 * only the API's custom domain reaches the function).
 */
async function httpApiEndpoint(apigateway, functionArn, qualifier, warn, once = _util_read_once_js__WEBPACK_IMPORTED_MODULE_1__/* .EVERY_TIME */ .S) {
    const seen = new Set();
    for await (const { api, integration } of integrationsInvoking(apigateway, functionArn, once)) {
        if ((0,_aws_lambda_js__WEBPACK_IMPORTED_MODULE_0__/* .invokedQualifier */ .jR)(integration.IntegrationUri, functionArn) !== qualifier)
            continue;
        if (seen.has(api.ApiId) || api.ApiEndpoint === undefined)
            continue;
        seen.add(api.ApiId);
        if (api.DisableExecuteApiEndpoint === true) {
            warn(`HTTP API ${api.Name ?? api.ApiId} invokes the function but its default endpoint is disabled, so it is not used; set smoke-url to the API's custom domain.`);
            continue;
        }
        const stages = await apigateway.send(new _aws_sdk_client_apigatewayv2__WEBPACK_IMPORTED_MODULE_2__.GetStagesCommand({ ApiId: api.ApiId }));
        const names = (stages.Items ?? []).map(stage => stage.StageName ?? '');
        return {
            endpoint: api.ApiEndpoint,
            stage: names.includes('$default') ? '' : (names[0] ?? '')
        };
    }
    return undefined;
}


/***/ }),

/***/ 2374:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   discoverReach: () => (/* binding */ discoverReach)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_api_gateway__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(818);
/* harmony import */ var _aws_sdk_client_elastic_load_balancing_v2__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(586);
/* harmony import */ var _aws_sdk_client_lambda__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(1696);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(17);
/* harmony import */ var _aws_lambda_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5974);
/* harmony import */ var _util_read_once_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(746);
/* harmony import */ var _http_api_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2720);
/* harmony import */ var _preflight_eventsource_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9000);
/**
 * How the function is reached, asked of AWS. Its own module (loaded only by
 * runs that need it): the REST API and ALB SDK clients stay out of start-up.
 */








/** Bound on APIs / target groups looked at, so a large account stays quick. */
const MAX_LOOKUPS = 100;
/**
 * How the function is reached: its Function URL, HTTP APIs and REST APIs
 * whose integrations invoke it, ALB target groups that target it.
 */
async function discoverReach(clients, functionArn, once = _util_read_once_js__WEBPACK_IMPORTED_MODULE_4__/* .EVERY_TIME */ .S, 
/** Only the Function URL (its InvokeMode): event-source says the rest. */
functionUrlOnly = false) {
    const reaches = [];
    const problems = [];
    const attempt = async (permission, lookup) => {
        try {
            await lookup();
        }
        catch (error) {
            if ((0,_util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .awsErrorName */ .ZH)(error) === 'ResourceNotFoundException')
                return;
            problems.push((0,_util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .describeAwsError */ .Pp)(permission, error));
        }
    };
    await Promise.all([
        attempt('lambda:GetFunctionUrlConfig', async () => {
            const config = await once(`function-url ${functionArn}`, () => clients.lambda.send(new _aws_sdk_client_lambda__WEBPACK_IMPORTED_MODULE_5__/* .GetFunctionUrlConfigCommand */ .Hcc({ FunctionName: functionArn })));
            if (config.FunctionUrl !== undefined) {
                reaches.push({
                    via: `Function URL ${config.FunctionUrl}`,
                    eventSource: 'HttpApi',
                    // Absent means BUFFERED, the default (AWS Lambda API reference,
                    // GetFunctionUrlConfig / FunctionUrlConfig.InvokeMode).
                    invokeMode: config.InvokeMode ?? 'BUFFERED'
                });
            }
        }),
        attempt('apigateway:GET', async () => {
            if (functionUrlOnly)
                return;
            for await (const { api, integration } of (0,_http_api_js__WEBPACK_IMPORTED_MODULE_2__/* .integrationsInvoking */ .l)(await clients.apigateway(), functionArn, once, MAX_LOOKUPS)) {
                const version = integration.PayloadFormatVersion ?? '2.0';
                reaches.push({
                    via: `HTTP API ${api.Name ?? api.ApiId} (payload ${version})`,
                    eventSource: (0,_preflight_eventsource_js__WEBPACK_IMPORTED_MODULE_3__/* .eventSourceForPayload */ .Xx)(version)
                });
            }
        }),
        attempt('apigateway:GET', async () => {
            const rest = clients.apigatewayRest;
            if (rest === undefined || functionUrlOnly)
                return;
            let position;
            let looked = 0;
            do {
                const apis = await rest.send(new _aws_sdk_client_api_gateway__WEBPACK_IMPORTED_MODULE_6__.GetRestApisCommand(position !== undefined ? { position } : {}));
                for (const api of apis.items ?? []) {
                    if (api.id === undefined)
                        continue;
                    if (++looked > MAX_LOOKUPS)
                        return;
                    const resources = await rest.send(new _aws_sdk_client_api_gateway__WEBPACK_IMPORTED_MODULE_6__.GetResourcesCommand({ restApiId: api.id, embed: ['methods'] }));
                    const invokes = (resources.items ?? []).some(resource => Object.values(resource.resourceMethods ?? {}).some(method => (0,_aws_lambda_js__WEBPACK_IMPORTED_MODULE_1__/* .invokesFunction */ .eH)(method.methodIntegration?.uri, functionArn)));
                    if (invokes) {
                        reaches.push({
                            via: `REST API ${api.name ?? api.id}`,
                            eventSource: 'RestApi'
                        });
                    }
                }
                position = apis.position;
            } while (position !== undefined);
        }),
        attempt('elasticloadbalancing:DescribeTargetGroups', async () => {
            const elb = clients.elb;
            if (elb === undefined || functionUrlOnly)
                return;
            let marker;
            let looked = 0;
            do {
                const groups = await elb.send(new _aws_sdk_client_elastic_load_balancing_v2__WEBPACK_IMPORTED_MODULE_7__.DescribeTargetGroupsCommand(marker !== undefined ? { Marker: marker } : {}));
                for (const group of groups.TargetGroups ?? []) {
                    if (group.TargetType !== 'lambda' ||
                        group.TargetGroupArn === undefined)
                        continue;
                    if (++looked > MAX_LOOKUPS)
                        return;
                    const health = await elb.send(new _aws_sdk_client_elastic_load_balancing_v2__WEBPACK_IMPORTED_MODULE_7__.DescribeTargetHealthCommand({
                        TargetGroupArn: group.TargetGroupArn
                    }));
                    const targets = (health.TargetHealthDescriptions ?? []).some(target => (0,_aws_lambda_js__WEBPACK_IMPORTED_MODULE_1__/* .invokesFunction */ .eH)(target.Target?.Id, functionArn));
                    if (targets) {
                        reaches.push({
                            via: `ALB target group ${group.TargetGroupName ?? group.TargetGroupArn}`,
                            eventSource: 'ApplicationLoadBalancer'
                        });
                    }
                }
                marker = groups.NextMarker;
            } while (marker !== undefined);
        })
    ]);
    reaches.sort((a, b) => a.via.localeCompare(b.via));
    return { reaches, problems };
}


/***/ })

};
