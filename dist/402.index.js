export const id = 402;
export const ids = [402,759];
export const modules = {

/***/ 7402:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   MAX_STREAM_BYTES: () => (/* binding */ MAX_STREAM_BYTES),
/* harmony export */   PRELUDE_DELIMITER: () => (/* binding */ PRELUDE_DELIMITER),
/* harmony export */   invokeStreamedAnswer: () => (/* binding */ invokeStreamedAnswer),
/* harmony export */   isHttpResponseStream: () => (/* binding */ isHttpResponseStream),
/* harmony export */   readStreamedAnswer: () => (/* binding */ readStreamedAnswer)
/* harmony export */ });
/* harmony import */ var _checks_invoke_payload_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4466);
/* harmony import */ var _lambda_stream_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5759);
/**
 * Reading a streamed answer (InvokeWithResponseStream) as the HTTP response
 * it carries, in the same shape as a buffered Invoke's (checks/invoke-payload).
 *
 * A streaming ASP.NET Core app (Amazon.Lambda.AspNetCoreServer with
 * `EnableResponseStreaming`) writes its response as Lambda's HTTP integration
 * stream, content type application/vnd.awslambda.http-integration-response:
 * a JSON prelude ({statusCode, headers, multiValueHeaders, cookies};
 * Amazon.Lambda.Core.ResponseStreaming.HttpResponseStreamPrelude in
 * aws/aws-lambda-dotnet), then 8 NUL bytes, then the body. The same framing
 * Lambda's Node.js runtime writes (aws-lambda-nodejs-runtime-interface-client,
 * HttpResponseStream.js: DELIMITER_LEN = 8), and what a Function URL with
 * InvokeMode RESPONSE_STREAM turns into status, headers and body (AWS Lambda
 * developer guide, "Response streaming for Lambda functions",
 * configuration-response-streaming.html).
 */


/** The prelude ends at the first 8 NUL bytes (JSON text holds no NUL). */
const PRELUDE_DELIMITER = Buffer.alloc(8);
const MAX_SHOWN = 300;
function shown(bytes) {
    const text = bytes
        .toString('utf8')
        .replace(/\0/g, '\\0')
        .replace(/\s+/g, ' ')
        .trim();
    return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
const HOSTING_HINT = 'A streaming app is hosted with AddAWSLambdaHosting(LambdaEventSource.HttpApi, options => options.EnableResponseStreaming = true) ' +
    '(Amazon.Lambda.AspNetCoreServer.Hosting 2.x); a buffered app needs its Function URL InvokeMode BUFFERED ' +
    '(aws lambda update-function-url-config --invoke-mode BUFFERED).';
/**
 * The HTTP answer in a streamed invocation, or why there is none:
 * - InvokeComplete with an ErrorCode: the function failed (function-error,
 *   errorType = ErrorCode, so Runtime.ExitError and the like stop retries);
 * - no 8-NUL delimiter, or a prelude that is not a JSON object with a numeric
 *   statusCode: the function does not stream like an ASP.NET Core app
 *   (wrong-shape; a buffered app's proxy JSON is named as such);
 * - a stream cut at the byte limit keeps its first bytes as the body.
 */
function readStreamedAnswer(streamed) {
    if (streamed.errorCode !== undefined) {
        const details = streamed.errorDetails ?? '';
        return {
            kind: 'error',
            cause: 'function-error',
            errorType: streamed.errorCode,
            reason: details === ''
                ? `the stream ended with ${streamed.errorCode}`
                : `the stream ended with ${streamed.errorCode}: ${details.slice(0, MAX_SHOWN)}`
        };
    }
    if (streamed.incomplete) {
        // The connection ended before Lambda said the invocation was over.
        return {
            kind: 'error',
            cause: 'function-error',
            errorType: undefined,
            reason: `the stream ended after ${streamed.bytes.length} bytes without InvokeComplete`
        };
    }
    const bytes = streamed.bytes;
    const end = bytes.indexOf(PRELUDE_DELIMITER);
    if (end < 0) {
        if (streamed.cut) {
            return wrongShape(`no HTTP prelude in the first ${bytes.length} bytes of the stream (no 8 NUL bytes after a JSON prelude)`);
        }
        const whole = parseJson(bytes);
        const buffered = isRecord(whole) && typeof whole.statusCode === 'number';
        return wrongShape(buffered
            ? `the function answered with a buffered proxy response (${shown(bytes)}), not a stream: a Function URL with InvokeMode RESPONSE_STREAM would send that JSON as the body`
            : `the stream has no HTTP prelude (a JSON object, then 8 NUL bytes); got ${bytes.length === 0 ? 'nothing' : shown(bytes)}`);
    }
    const preludeBytes = bytes.subarray(0, end);
    const prelude = parseJson(preludeBytes);
    if (!isRecord(prelude)) {
        return wrongShape(`the stream's HTTP prelude is not a JSON object: ${shown(preludeBytes)}`);
    }
    const status = prelude.statusCode;
    if (status !== undefined && typeof status !== 'number') {
        return wrongShape(`the stream's HTTP prelude has a statusCode that is not a number: ${shown(preludeBytes)}`);
    }
    return {
        kind: 'answer',
        answer: {
            // HttpResponseStreamPrelude leaves statusCode out when the app set
            // none; the Function URL answers 200 then.
            status: status ?? 200,
            headers: (0,_checks_invoke_payload_js__WEBPACK_IMPORTED_MODULE_0__/* .headersOf */ .Yl)(prelude),
            body: bytes.subarray(end + PRELUDE_DELIMITER.length).toString('utf8')
        }
    };
}
/**
 * Bytes in the HTTP streaming format: a JSON object, then 8 NUL bytes. What a
 * buffered Invoke of a streaming app returns (Lambda invokes it with Invoke
 * unless asked for a stream: AWS Lambda developer guide,
 * config-rs-invoke-furls.html).
 */
function isHttpResponseStream(bytes) {
    const end = bytes.indexOf(PRELUDE_DELIMITER);
    return end >= 0 && isRecord(parseJson(bytes.subarray(0, end)));
}
function parseJson(bytes) {
    try {
        return JSON.parse(bytes.toString('utf8'));
    }
    catch {
        return undefined;
    }
}
function wrongShape(what) {
    return {
        kind: 'error',
        cause: 'wrong-shape',
        errorType: undefined,
        reason: `The function did not stream like an ASP.NET Core app with response streaming: ${what}. ${HOSTING_HINT}`
    };
}
/** How much of a streamed answer is read: the checks look at its start. */
const MAX_STREAM_BYTES = 1024 * 1024;
/**
 * Invoke with InvokeWithResponseStream and read the HTTP answer, as
 * inspectInvokePayload does for a buffered Invoke.
 */
async function invokeStreamedAnswer(lambda, request, abortSignal) {
    const streamed = await (0,_lambda_stream_js__WEBPACK_IMPORTED_MODULE_1__/* .invokeStreaming */ .x)(lambda, { ...request, maxBytes: MAX_STREAM_BYTES }, abortSignal);
    return {
        executedVersion: streamed.executedVersion,
        inspection: readStreamedAnswer(streamed)
    };
}


/***/ }),

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
