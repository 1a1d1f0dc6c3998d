export const id = 886;
export const ids = [886];
export const modules = {

/***/ 2886:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ACTIONS_BOT: () => (/* binding */ ACTIONS_BOT),
/* harmony export */   GITHUB_BODY_MAX_BYTES: () => (/* binding */ GITHUB_BODY_MAX_BYTES),
/* harmony export */   GITHUB_TIMEOUT_MS: () => (/* binding */ GITHUB_TIMEOUT_MS),
/* harmony export */   decideUpsert: () => (/* binding */ decideUpsert),
/* harmony export */   tokenIdentity: () => (/* binding */ tokenIdentity),
/* harmony export */   upsertComment: () => (/* binding */ upsertComment)
/* harmony export */ });
/* harmony import */ var _util_body_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1370);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(17);
/**
 * The sticky pull request comment written over the GitHub REST API with
 * fetch: found again by its marker, created or updated. Loaded only in
 * preview and cleanup modes.
 */


/** Longest one GitHub API call may take, its answer included. */
const GITHUB_TIMEOUT_MS = 30_000;
/**
 * Most of an answer read: a page of 100 comments of GitHub's largest size
 * (65,536 characters each) stays well under it.
 */
const GITHUB_BODY_MAX_BYTES = 16 * 1024 * 1024;
/**
 * Update our comment if the PR has one (the oldest, if several), else
 * create one. Ours: it has the marker and was written by the token's own
 * identity; anyone can write the marker into a comment of theirs, and the
 * action must not rewrite it.
 */
function decideUpsert(comments, marker, identity) {
    const marked = comments.filter(comment => comment.body?.includes(marker));
    const ours = marked.find(comment => comment.user?.login === identity);
    return ours === undefined
        ? { action: 'create', othersWithMarker: marked.length }
        : { action: 'update', commentId: ours.id };
}
/** Who comments with GITHUB_TOKEN (whose GET /user answers 403). */
const ACTIONS_BOT = 'github-actions[bot]';
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
/**
 * The login the token comments as: GET /user for a user's token; an app
 * installation token (GITHUB_TOKEN) may not read /user (403) and comments
 * as github-actions[bot].
 */
async function tokenIdentity(target) {
    try {
        const user = (await call(target, 'GET', '/user'));
        if (typeof user?.login === 'string' && user.login !== '')
            return user.login;
    }
    catch (error) {
        if (!(error instanceof HttpError) || ![403, 404].includes(error.status))
            throw error;
    }
    return ACTIONS_BOT;
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
        const identity = await tokenIdentity(target);
        const decision = decideUpsert(await listComments(target), marker, identity);
        if (decision.action === 'update') {
            const updated = (await call(target, 'PATCH', `/repos/${owner ?? ''}/${repo ?? ''}/issues/comments/${decision.commentId}`, { body }));
            return { state: 'updated', url: updated?.html_url };
        }
        if (!options.createIfMissing) {
            return {
                state: 'skipped',
                reason: decision.othersWithMarker > 0
                    ? `no preview comment by ${identity} to update (${decision.othersWithMarker} by someone else left alone)`
                    : 'no preview comment to update'
            };
        }
        const created = (await call(target, 'POST', `/repos/${owner ?? ''}/${repo ?? ''}/issues/${target.issueNumber}/comments`, { body }));
        return {
            state: 'created',
            url: created?.html_url,
            ...(decision.othersWithMarker > 0 && {
                othersWithMarker: decision.othersWithMarker
            })
        };
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
