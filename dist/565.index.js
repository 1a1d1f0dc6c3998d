export const id = 565;
export const ids = [565,720];
export const modules = {

/***/ 4871:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   e: () => (/* binding */ invokesFunction),
/* harmony export */   j: () => (/* binding */ invokedQualifier)
/* harmony export */ });
/**
 * Which API Gateway integrations and ALB targets invoke a function, from
 * their URIs and ids (pure).
 */
/**
 * The qualifier with which an API Gateway integration URI or an ALB target
 * id invokes this function: '$LATEST' for the unqualified ARN, else the
 * alias or version after the ARN; undefined when it does not invoke this
 * function. HTTP API integrations take the function (or alias) ARN, or the
 * long form arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/
 * <arn>/invocations; a stage variable in place of the qualifier cannot be
 * resolved here ("API Gateway stage variables reference for HTTP APIs",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.stage-variables-reference.html)
 * and is returned as written, so it matches no qualifier a run releases.
 */
function invokedQualifier(uri, functionArn) {
    if (uri === undefined)
        return undefined;
    const long = /\/functions\/(.+)\/invocations$/.exec(uri);
    const target = long?.[1] ?? uri;
    if (target === functionArn)
        return '$LATEST';
    if (!target.startsWith(`${functionArn}:`))
        return undefined;
    const qualifier = target.slice(functionArn.length + 1);
    return qualifier === '' ? undefined : qualifier;
}
/**
 * Whether an API Gateway integration URI or an ALB target id invokes this
 * function (any qualifier): the function ARN, ARN:alias, or the legacy
 * arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations.
 */
function invokesFunction(uri, functionArn) {
    if (uri === undefined)
        return false;
    return (uri === functionArn ||
        uri.startsWith(`${functionArn}:`) ||
        uri.includes(`/functions/${functionArn}/`) ||
        uri.includes(`/functions/${functionArn}:`));
}


/***/ }),

/***/ 3343:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   CC: () => (/* binding */ APIGATEWAY_GET),
/* harmony export */   Re: () => (/* binding */ apiStageNames),
/* harmony export */   SS: () => (/* binding */ apiIntegrations),
/* harmony export */   Z_: () => (/* binding */ apiPages)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_apigatewayv2__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4919);
/* harmony import */ var _util_read_once_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(746);
/* harmony import */ var _call_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1373);
/**
 * HTTP APIs (API Gateway v2): the account's APIs, their integrations and
 * stages (API Gateway v2 API reference: GetApis, GetIntegrations,
 * GetStages). The SDK has no paginator for GetApis (its v2 client pages only
 * ListRoutingRules), so its pages are walked here by NextToken. Every call
 * needs `apigateway:GET` on the resource.
 */



/** The IAM action of every API Gateway read. */
const APIGATEWAY_GET = 'apigateway:GET';
/** The account's APIs (HTTP and WebSocket), page by page; `once` shares each page within a run. */
async function* apiPages(apigateway, once = _util_read_once_js__WEBPACK_IMPORTED_MODULE_1__/* .EVERY_TIME */ .S) {
    let nextToken;
    do {
        const token = nextToken;
        const page = await once(`apis ${token ?? ''}`, () => (0,_call_js__WEBPACK_IMPORTED_MODULE_0__/* .awsCall */ .uF)(APIGATEWAY_GET, () => apigateway.send(new _aws_sdk_client_apigatewayv2__WEBPACK_IMPORTED_MODULE_2__.GetApisCommand(token !== undefined ? { NextToken: token } : {}))));
        yield page.Items ?? [];
        nextToken = page.NextToken;
    } while (nextToken !== undefined);
}
/** The API's integrations; `once` shares them within a run. */
async function apiIntegrations(apigateway, apiId, once = _util_read_once_js__WEBPACK_IMPORTED_MODULE_1__/* .EVERY_TIME */ .S) {
    const answer = await once(`integrations ${apiId}`, () => (0,_call_js__WEBPACK_IMPORTED_MODULE_0__/* .awsCall */ .uF)(APIGATEWAY_GET, () => apigateway.send(new _aws_sdk_client_apigatewayv2__WEBPACK_IMPORTED_MODULE_2__.GetIntegrationsCommand({ ApiId: apiId }))));
    return answer.Items ?? [];
}
/** The names of the API's stages ('$default' for the default one). */
async function apiStageNames(apigateway, apiId) {
    const answer = await (0,_call_js__WEBPACK_IMPORTED_MODULE_0__/* .awsCall */ .uF)(APIGATEWAY_GET, () => apigateway.send(new _aws_sdk_client_apigatewayv2__WEBPACK_IMPORTED_MODULE_2__.GetStagesCommand({ ApiId: apiId })));
    return (answer.Items ?? []).map(stage => stage.StageName ?? '');
}


/***/ }),

/***/ 2720:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   httpApiEndpoint: () => (/* binding */ httpApiEndpoint),
/* harmony export */   l: () => (/* binding */ integrationsInvoking)
/* harmony export */ });
/* harmony import */ var _aws_function_arn_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4871);
/* harmony import */ var _aws_http_apis_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3343);
/* harmony import */ var _util_read_once_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(746);



/**
 * Each integration of an HTTP API that invokes the function, in the order
 * AWS lists the APIs; at most `limit` APIs are looked at.
 */
async function* integrationsInvoking(apigateway, functionArn, once = _util_read_once_js__WEBPACK_IMPORTED_MODULE_1__/* .EVERY_TIME */ .S, limit = Number.POSITIVE_INFINITY) {
    let looked = 0;
    for await (const apis of (0,_aws_http_apis_js__WEBPACK_IMPORTED_MODULE_0__/* .apiPages */ .Z_)(apigateway, once)) {
        for (const api of apis) {
            if (api.ProtocolType !== 'HTTP' || api.ApiId === undefined)
                continue;
            if (++looked > limit)
                return;
            const apiId = api.ApiId;
            for (const integration of await (0,_aws_http_apis_js__WEBPACK_IMPORTED_MODULE_0__/* .apiIntegrations */ .SS)(apigateway, apiId, once))
                if ((0,_aws_function_arn_js__WEBPACK_IMPORTED_MODULE_2__/* .invokesFunction */ .e)(integration.IntegrationUri, functionArn))
                    yield { api: { ...api, ApiId: apiId }, integration };
        }
    }
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
        if ((0,_aws_function_arn_js__WEBPACK_IMPORTED_MODULE_2__/* .invokedQualifier */ .j)(integration.IntegrationUri, functionArn) !== qualifier)
            continue;
        if (seen.has(api.ApiId) || api.ApiEndpoint === undefined)
            continue;
        seen.add(api.ApiId);
        if (api.DisableExecuteApiEndpoint === true) {
            warn(`HTTP API ${api.Name ?? api.ApiId} invokes the function but its default endpoint is disabled, so it is not used; set smoke-url to the API's custom domain.`);
            continue;
        }
        const names = await (0,_aws_http_apis_js__WEBPACK_IMPORTED_MODULE_0__/* .apiStageNames */ .Re)(apigateway, api.ApiId);
        return {
            endpoint: api.ApiEndpoint,
            stage: names.includes('$default') ? '' : (names[0] ?? '')
        };
    }
    return undefined;
}


/***/ }),

/***/ 6565:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  discoverReach: () => (/* binding */ discoverReach)
});

// EXTERNAL MODULE: ./src/aws/call.ts
var call = __webpack_require__(1373);
// EXTERNAL MODULE: ./src/aws/function-url.ts
var function_url = __webpack_require__(8781);
// EXTERNAL MODULE: ./src/aws/function-arn.ts
var function_arn = __webpack_require__(4871);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-elastic-load-balancing-v2/dist-cjs/index.js
var dist_cjs = __webpack_require__(586);
;// CONCATENATED MODULE: ./src/aws/load-balancers.ts
/**
 * Application Load Balancer target groups (Elastic Load Balancing v2 API
 * reference: DescribeTargetGroups, DescribeTargetHealth).
 */


/** The account's target groups, page by page (the SDK's paginator). */
async function* targetGroupPages(elb) {
    for await (const page of (0,call/* awsPages */.A_)('elasticloadbalancing:DescribeTargetGroups', (0,dist_cjs.paginateDescribeTargetGroups)({ client: elb }, {})))
        yield page.TargetGroups ?? [];
}
/** The targets registered in the group. */
async function targetHealth(elb, targetGroupArn) {
    const answer = await (0,call/* awsCall */.uF)('elasticloadbalancing:DescribeTargetHealth', () => elb.send(new dist_cjs.DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })));
    return answer.TargetHealthDescriptions ?? [];
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-api-gateway/dist-cjs/index.js
var client_api_gateway_dist_cjs = __webpack_require__(818);
// EXTERNAL MODULE: ./src/aws/http-apis.ts
var http_apis = __webpack_require__(3343);
;// CONCATENATED MODULE: ./src/aws/rest-apis.ts
/**
 * REST APIs (API Gateway v1): the account's APIs and their resources with
 * their methods (API Gateway API reference: GetRestApis, GetResources).
 */



/** The account's REST APIs, page by page (the SDK's paginator). */
async function* restApiPages(rest) {
    for await (const page of (0,call/* awsPages */.A_)(http_apis/* APIGATEWAY_GET */.CC, (0,client_api_gateway_dist_cjs.paginateGetRestApis)({ client: rest }, {})))
        yield page.items ?? [];
}
/** The API's resources, each with its methods and their integrations. */
async function restApiResources(rest, restApiId) {
    const answer = await (0,call/* awsCall */.uF)(http_apis/* APIGATEWAY_GET */.CC, () => rest.send(new client_api_gateway_dist_cjs.GetResourcesCommand({ restApiId, embed: ['methods'] })));
    return answer.items ?? [];
}

// EXTERNAL MODULE: ./src/util/read-once.ts
var read_once = __webpack_require__(746);
// EXTERNAL MODULE: ./src/checks/http-api.ts
var http_api = __webpack_require__(2720);
// EXTERNAL MODULE: ./src/checks/preflight/eventsource.ts
var eventsource = __webpack_require__(9000);
;// CONCATENATED MODULE: ./src/checks/reach.ts








/** Bound on APIs / target groups looked at, so a large account stays quick. */
const MAX_LOOKUPS = 100;
/**
 * How the function is reached: its Function URL, HTTP APIs and REST APIs
 * whose integrations invoke it, ALB target groups that target it.
 */
async function discoverReach(clients, functionArn, once = read_once/* EVERY_TIME */.S, 
/** Only the Function URL (its InvokeMode): event-source says the rest. */
functionUrlOnly = false) {
    const reaches = [];
    const problems = [];
    const attempt = async (permission, lookup) => {
        try {
            await lookup();
        }
        catch (error) {
            problems.push((0,call/* failureText */.kY)(permission, error));
        }
    };
    await Promise.all([
        attempt('lambda:GetFunctionUrlConfig', async () => {
            const config = await once(`function-url ${functionArn}`, () => (0,function_url/* getFunctionUrl */.Y1)(clients.lambda, functionArn));
            if (config?.FunctionUrl !== undefined) {
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
            for await (const { api, integration } of (0,http_api/* integrationsInvoking */.l)(await clients.apigateway(), functionArn, once, MAX_LOOKUPS)) {
                const version = integration.PayloadFormatVersion ?? '2.0';
                reaches.push({
                    via: `HTTP API ${api.Name ?? api.ApiId} (payload ${version})`,
                    eventSource: (0,eventsource/* eventSourceForPayload */.Xx)(version)
                });
            }
        }),
        attempt('apigateway:GET', async () => {
            const rest = clients.apigatewayRest;
            if (rest === undefined || functionUrlOnly)
                return;
            let looked = 0;
            for await (const apis of restApiPages(rest)) {
                for (const api of apis) {
                    if (api.id === undefined)
                        continue;
                    if (++looked > MAX_LOOKUPS)
                        return;
                    const resources = await restApiResources(rest, api.id);
                    const invokes = resources.some(resource => Object.values(resource.resourceMethods ?? {}).some(method => (0,function_arn/* invokesFunction */.e)(method.methodIntegration?.uri, functionArn)));
                    if (invokes) {
                        reaches.push({
                            via: `REST API ${api.name ?? api.id}`,
                            eventSource: 'RestApi'
                        });
                    }
                }
            }
        }),
        attempt('elasticloadbalancing:DescribeTargetGroups', async () => {
            const elb = clients.elb;
            if (elb === undefined || functionUrlOnly)
                return;
            let looked = 0;
            for await (const groups of targetGroupPages(elb)) {
                for (const group of groups) {
                    if (group.TargetType !== 'lambda' ||
                        group.TargetGroupArn === undefined)
                        continue;
                    if (++looked > MAX_LOOKUPS)
                        return;
                    const targets = (await targetHealth(elb, group.TargetGroupArn)).some(target => (0,function_arn/* invokesFunction */.e)(target.Target?.Id, functionArn));
                    if (targets) {
                        reaches.push({
                            via: `ALB target group ${group.TargetGroupName ?? group.TargetGroupArn}`,
                            eventSource: 'ApplicationLoadBalancer'
                        });
                    }
                }
            }
        })
    ]);
    reaches.sort((a, b) => a.via.localeCompare(b.via));
    return { reaches, problems };
}


/***/ })

};
