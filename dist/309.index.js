export const id = 309;
export const ids = [309];
export const modules = {

/***/ 2309:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GITHUB_BODY_MAX_BYTES: () => (/* binding */ GITHUB_BODY_MAX_BYTES),
/* harmony export */   GITHUB_TIMEOUT_MS: () => (/* binding */ GITHUB_TIMEOUT_MS),
/* harmony export */   commentMarker: () => (/* binding */ commentMarker),
/* harmony export */   decideUpsert: () => (/* binding */ decideUpsert),
/* harmony export */   renderPreviewComment: () => (/* binding */ renderPreviewComment),
/* harmony export */   renderRemovedComment: () => (/* binding */ renderRemovedComment),
/* harmony export */   upsertComment: () => (/* binding */ upsertComment)
/* harmony export */ });
/* harmony import */ var _util_body_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1370);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(17);
/**
 * The sticky pull request comment of a preview, over the GitHub REST API
 * with fetch. Loaded only in preview and cleanup modes.
 */


/** Longest one GitHub API call may take, its answer included. */
const GITHUB_TIMEOUT_MS = 30_000;
/**
 * Most of an answer read: a page of 100 comments of GitHub's largest size
 * (65,536 characters each) stays well under it.
 */
const GITHUB_BODY_MAX_BYTES = 16 * 1024 * 1024;
/** Finds the comment again on later pushes; one per production function. */
function commentMarker(productionName) {
    return `<!-- aspnet-lambda-deploy:preview:${productionName} -->`;
}
function inline(value) {
    return value === undefined || value === ''
        ? '—'
        : `\`${value.replace(/`/g, "'")}\``;
}
function renderPreviewComment(info) {
    const ok = info.error === undefined;
    const lines = [
        commentMarker(info.productionName),
        `### ${ok ? '🚀' : '❌'} Preview of \`${info.productionName}\`${ok ? '' : ' failed'}`,
        '',
        '| | |',
        '|---|---|',
        `| URL | ${info.url !== undefined ? info.url : '—'} |`,
        `| Function | ${inline(info.previewName)} |`,
        `| Image | ${inline(info.image)} |`,
        `| Commit | ${inline(info.commit)} |`,
        `| Smoke test | ${info.smoke.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`
    ];
    if (!ok) {
        lines.push('', '```', (info.error ?? '').replace(/```/g, "'''").slice(0, 2000), '```');
    }
    lines.push('', '<sub>Updated on every push by aspnet-lambda-deploy; removed with the preview when the pull request closes.</sub>');
    return lines.join('\n');
}
function renderRemovedComment(productionName, removed) {
    return [
        commentMarker(productionName),
        `### 🧹 Preview of \`${productionName}\` removed`,
        '',
        ...(removed.length === 0
            ? ['Nothing was left to remove.']
            : removed.map(item => `- ${item}`))
    ].join('\n');
}
/** Update our comment if the PR has one (the oldest, if several), else create one. */
function decideUpsert(comments, marker) {
    const ours = comments.find(comment => comment.body?.includes(marker));
    return ours === undefined
        ? { action: 'create' }
        : { action: 'update', commentId: ours.id };
}
class HttpError extends Error {
    status;
    constructor(status, message) {
        super(message);
        this.status = status;
    }
}
async function call(target, method, path, body) {
    let response;
    const url = `${target.apiUrl.replace(/\/+$/, '')}${path}`;
    try {
        response = await target.fetch(url, {
            method,
            headers: {
                Accept: 'application/vnd.github+json',
                Authorization: `Bearer ${target.token}`,
                'X-GitHub-Api-Version': '2022-11-28',
                'User-Agent': 'aspnet-lambda-deploy',
                ...(body !== undefined && { 'Content-Type': 'application/json' })
            },
            ...(body !== undefined && { body: JSON.stringify(body) }),
            // Also bounds reading the answer.
            signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS)
        });
    }
    catch (error) {
        throw new Error(`${method} ${url}: ${(0,_util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .networkErrorMessage */ .qu)(error)}`);
    }
    const maxBytes = target.maxBodyBytes ?? GITHUB_BODY_MAX_BYTES;
    let read;
    try {
        read = await (0,_util_body_js__WEBPACK_IMPORTED_MODULE_1__/* .readBounded */ .C)(response, maxBytes);
    }
    catch (error) {
        throw new Error(`${method} ${url}: reading the answer: ${(0,_util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .networkErrorMessage */ .qu)(error)}`);
    }
    const text = read.bytes.toString('utf8');
    if (read.cut && response.ok) {
        throw new Error(`${method} ${path}: the answer is larger than ${(0,_util_body_js__WEBPACK_IMPORTED_MODULE_1__/* .formatLimit */ .t)(maxBytes)}; it was not read further.`);
    }
    if (!response.ok) {
        let message = text.slice(0, 200);
        try {
            const parsed = JSON.parse(text);
            if (typeof parsed.message === 'string')
                message = parsed.message;
        }
        catch {
            // not JSON: keep the text
        }
        throw new HttpError(response.status, `${method} ${path} answered HTTP ${response.status}: ${message}`);
    }
    return text === '' ? undefined : JSON.parse(text);
}
async function listComments(target) {
    const all = [];
    const [owner, repo] = target.repository.split('/');
    for (let page = 1; page <= 30; page++) {
        const batch = (await call(target, 'GET', `/repos/${owner ?? ''}/${repo ?? ''}/issues/${target.issueNumber}/comments?per_page=100&page=${page}`));
        if (!Array.isArray(batch))
            break;
        all.push(...batch);
        if (batch.length < 100)
            break;
    }
    return all;
}
/**
 * Create or update the sticky comment. No permission (401, 403, or 404 for
 * a token that cannot see the repository) is an outcome, not an error:
 * the preview works without its comment.
 */
async function upsertComment(target, marker, body, options = { createIfMissing: true }) {
    const [owner, repo] = target.repository.split('/');
    try {
        const decision = decideUpsert(await listComments(target), marker);
        if (decision.action === 'update') {
            const updated = (await call(target, 'PATCH', `/repos/${owner ?? ''}/${repo ?? ''}/issues/comments/${decision.commentId}`, { body }));
            return { state: 'updated', url: updated?.html_url };
        }
        if (!options.createIfMissing) {
            return { state: 'skipped', reason: 'no preview comment to update' };
        }
        const created = (await call(target, 'POST', `/repos/${owner ?? ''}/${repo ?? ''}/issues/${target.issueNumber}/comments`, { body }));
        return { state: 'created', url: created?.html_url };
    }
    catch (error) {
        if (error instanceof HttpError && [401, 403, 404].includes(error.status)) {
            return {
                state: 'no-permission',
                status: error.status,
                reason: (0,_util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(error)
            };
        }
        throw error;
    }
}


/***/ })

};
