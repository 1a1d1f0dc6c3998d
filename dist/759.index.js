export const id = 759;
export const ids = [759];
export const modules = {

/***/ 5759:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   functionUrlStreams: () => (/* binding */ functionUrlStreams),
/* harmony export */   x: () => (/* binding */ invokeStreaming)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_lambda__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1696);
/* harmony import */ var _function_url_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8781);
/**
 * InvokeWithResponseStream: a direct call of a function that streams its
 * response (a Function URL with InvokeMode RESPONSE_STREAM; an ASP.NET Core
 * app with Hosting 2.x `EnableResponseStreaming`).
 *
 * AWS Lambda API reference, InvokeWithResponseStream
 * (https://docs.aws.amazon.com/lambda/latest/api/API_InvokeWithResponseStream.html):
 * POST /2021-11-15/functions/<name>/response-streaming-invocations?Qualifier=,
 * needs the permission lambda:InvokeFunction; the answer carries
 * X-Amz-Executed-Version and an event stream of
 * InvokeWithResponseStreamResponseEvent
 * (API_InvokeWithResponseStreamResponseEvent.html): PayloadChunk events
 * (API_InvokeResponseStreamUpdate.html: Payload, a chunk of the bytes the
 * function wrote), then one InvokeComplete
 * (API_InvokeWithResponseStreamCompleteEvent.html: ErrorCode, ErrorDetails,
 * LogResult) when the stream has ended. The SDK decodes the
 * application/vnd.amazon.eventstream framing into those events.
 */


/**
 * Invoke with InvokeWithResponseStream and read the event stream up to
 * `maxBytes` of payload. Throws what the SDK throws (no permission, no such
 * version, throttling): the caller maps it as for Invoke.
 */
async function invokeStreaming(lambda, request, abortSignal) {
    const response = await lambda.send(new _aws_sdk_client_lambda__WEBPACK_IMPORTED_MODULE_1__/* .InvokeWithResponseStreamCommand */ .Jjw({
        FunctionName: request.functionName,
        Qualifier: request.qualifier,
        InvocationType: 'RequestResponse',
        Payload: request.payload
    }), { abortSignal });
    const chunks = [];
    let length = 0;
    let cut = false;
    let complete;
    for await (const event of response.EventStream ?? []) {
        if (event.PayloadChunk !== undefined) {
            const payload = event.PayloadChunk.Payload;
            if (payload === undefined || payload.byteLength === 0)
                continue;
            const room = request.maxBytes - length;
            if (payload.byteLength > room) {
                chunks.push(Buffer.from(payload.subarray(0, room)));
                length += room;
                cut = true;
                // Leaving the loop closes the stream: nothing more is read.
                break;
            }
            chunks.push(Buffer.from(payload));
            length += payload.byteLength;
        }
        else if (event.InvokeComplete !== undefined) {
            complete = event.InvokeComplete;
        }
    }
    return {
        executedVersion: response.ExecutedVersion,
        bytes: Buffer.concat(chunks),
        cut,
        errorCode: nonEmpty(complete?.ErrorCode),
        errorDetails: nonEmpty(complete?.ErrorDetails),
        incomplete: complete === undefined && !cut
    };
}
function nonEmpty(text) {
    return text === undefined || text === '' ? undefined : text;
}
/**
 * Does the Function URL of the function (or of `qualifier`, an alias) stream
 * (InvokeMode RESPONSE_STREAM; absent means BUFFERED: AWS Lambda API
 * reference, FunctionUrlConfig)? No URL, or one the run may not read: false.
 * Shares its answer, through `once`, with the smoke test's and the
 * preflight's GetFunctionUrlConfig of the same URL.
 */
async function functionUrlStreams(lambda, functionArn, qualifier, once) {
    // The same read as the smoke test's and the preflight's (getFunctionUrl:
    // no URL is undefined), so that whichever asks first, the others get an
    // answer they understand.
    const config = await once(`function-url ${functionArn}${qualifier === undefined ? '' : ` ${qualifier}`}`, () => (0,_function_url_js__WEBPACK_IMPORTED_MODULE_0__/* .getFunctionUrl */ .Y1)(lambda, functionArn, qualifier)).catch(
    // No lambda:GetFunctionUrlConfig: the smoke test's look-up of the same
    // URL reports it; here it only means "not known to stream".
    () => undefined);
    return config?.InvokeMode === 'RESPONSE_STREAM';
}


/***/ })

};
