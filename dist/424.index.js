export const id = 424;
export const ids = [424];
export const modules = {

/***/ 9424:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   discoverReach: () => (/* binding */ discoverReach)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_api_gateway__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(7986);
/* harmony import */ var _aws_sdk_client_apigatewayv2__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(6007);
/* harmony import */ var _aws_sdk_client_elastic_load_balancing_v2__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(7498);
/* harmony import */ var _aws_sdk_client_lambda__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(5648);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9115);
/* harmony import */ var _aws_lambda_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2788);
/* harmony import */ var _util_read_once_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(5540);
/* harmony import */ var _preflight_eventsource_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2562);
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
async function discoverReach(clients, functionArn, once = _util_read_once_js__WEBPACK_IMPORTED_MODULE_3__/* .EVERY_TIME */ .S) {
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
            const config = await once(`function-url ${functionArn}`, () => clients.lambda.send(new _aws_sdk_client_lambda__WEBPACK_IMPORTED_MODULE_4__/* .GetFunctionUrlConfigCommand */ .Hcc({ FunctionName: functionArn })));
            if (config.FunctionUrl !== undefined) {
                reaches.push({
                    via: `Function URL ${config.FunctionUrl}`,
                    eventSource: 'HttpApi'
                });
            }
        }),
        attempt('apigateway:GET', async () => {
            let nextToken;
            let looked = 0;
            do {
                const token = nextToken;
                const apis = await once(`apis ${token ?? ''}`, () => clients.apigateway.send(new _aws_sdk_client_apigatewayv2__WEBPACK_IMPORTED_MODULE_5__/* .GetApisCommand */ .NN6(token !== undefined ? { NextToken: token } : {})));
                for (const api of apis.Items ?? []) {
                    if (api.ProtocolType !== 'HTTP' || api.ApiId === undefined)
                        continue;
                    if (++looked > MAX_LOOKUPS)
                        return;
                    const apiId = api.ApiId;
                    const integrations = await once(`integrations ${apiId}`, () => clients.apigateway.send(new _aws_sdk_client_apigatewayv2__WEBPACK_IMPORTED_MODULE_5__/* .GetIntegrationsCommand */ .nlW({ ApiId: apiId })));
                    for (const integration of integrations.Items ?? []) {
                        if (!(0,_aws_lambda_js__WEBPACK_IMPORTED_MODULE_1__/* .invokesFunction */ .eH)(integration.IntegrationUri, functionArn))
                            continue;
                        const version = integration.PayloadFormatVersion ?? '2.0';
                        reaches.push({
                            via: `HTTP API ${api.Name ?? api.ApiId} (payload ${version})`,
                            eventSource: (0,_preflight_eventsource_js__WEBPACK_IMPORTED_MODULE_2__/* .eventSourceForPayload */ .Xx)(version)
                        });
                    }
                }
                nextToken = apis.NextToken;
            } while (nextToken !== undefined);
        }),
        attempt('apigateway:GET', async () => {
            const rest = clients.apigatewayRest;
            if (rest === undefined)
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
            if (elb === undefined)
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
