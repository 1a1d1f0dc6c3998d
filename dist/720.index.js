export const id = 720;
export const ids = [720];
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


/***/ })

};
