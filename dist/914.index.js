export const id = 914;
export const ids = [914];
export const modules = {

/***/ 1914:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   commentMarker: () => (/* binding */ commentMarker),
/* harmony export */   redactedLine: () => (/* binding */ redactedLine),
/* harmony export */   renderPreviewComment: () => (/* binding */ renderPreviewComment),
/* harmony export */   renderRemovedComment: () => (/* binding */ renderRemovedComment),
/* harmony export */   runUrl: () => (/* binding */ runUrl)
/* harmony export */ });
/* harmony import */ var _util_markdown_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7183);
/**
 * The text of a preview's sticky pull request comment (pure): what it
 * says, the marker that finds it again, and the redaction of a failure.
 */

/** Finds the comment again on later pushes; one per production function. */
function commentMarker(productionName) {
    return `<!-- aspnet-lambda-deploy:preview:${productionName} -->`;
}
function inline(value) {
    return value === undefined || value === '' ? '—' : (0,_util_markdown_js__WEBPACK_IMPORTED_MODULE_0__/* .markdownCode */ .D9)(value);
}
/** Lines that look like they carry a secret or data, cut out whole. */
const SECRET_PATTERNS = [
    /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g,
    /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g,
    /\b(eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,})\b/g,
    /\b[A-Za-z0-9+/]{40,}={0,2}/g,
    /(password|passwd|secret|token|api[_-]?key|authorization)\s*[=:]\s*\S+/gi,
    /:\/\/[^/\s:@]+:[^/\s@]+@/g
];
/**
 * Where a check's failure quotes what the app answered (checks/smoke.ts and
 * checks/invoke.ts end their reason with `; body: <the body>`): the pull
 * request never shows it, whatever it holds.
 */
const APP_BODY = /;\s*body:.*$/;
/**
 * One line of a failure for the pull request, where the runner does not
 * mask secrets: the first line only (never build output), without the
 * app's answer, cut to 200 characters, with what looks like a token, a key
 * or credentials replaced. Plain text: the comment escapes it.
 */
function redactedLine(text) {
    let line = (text.split(/\r?\n/).find(l => l.trim() !== '') ?? '')
        .replace(APP_BODY, '')
        .trim();
    for (const pattern of SECRET_PATTERNS) {
        line = line.replace(pattern, match => /^[a-z_-]+\s*[=:]/i.test(match)
            ? `${match.split(/[=:]/)[0] ?? ''}=[redacted]`
            : match.startsWith('://')
                ? '://[redacted]@'
                : '[redacted]');
    }
    return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
/** The run's page: GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID. */
function runUrl(env) {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const { GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
    if (repository === undefined || runId === undefined || runId === '')
        return undefined;
    return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}`;
}
function renderPreviewComment(info) {
    const ok = info.error === undefined;
    const lines = [
        commentMarker(info.productionName),
        `### ${ok ? '🚀' : '❌'} Preview of ${(0,_util_markdown_js__WEBPACK_IMPORTED_MODULE_0__/* .markdownCode */ .D9)(info.productionName)}${ok ? '' : ' failed'}`,
        '',
        '| | |',
        '|---|---|',
        `| URL | ${info.url !== undefined ? (0,_util_markdown_js__WEBPACK_IMPORTED_MODULE_0__/* .markdownText */ .p7)(info.url) : '—'} |`,
        `| Function | ${inline(info.previewName)} |`,
        `| Image | ${inline(info.image)} |`,
        `| Commit | ${inline(info.commit)} |`,
        `| Smoke test | ${(0,_util_markdown_js__WEBPACK_IMPORTED_MODULE_0__/* .markdownText */ .p7)(info.smoke)} |`
    ];
    if (!ok) {
        lines.push('', `**What failed:** ${(0,_util_markdown_js__WEBPACK_IMPORTED_MODULE_0__/* .markdownText */ .p7)(redactedLine(info.error ?? '')) || 'see the run'}`, '', info.runUrl === undefined
            ? 'The whole log is in the workflow run.'
            : `The whole log is in [the workflow run](${info.runUrl}).`);
    }
    lines.push('', '<sub>Updated on every push by aspnet-lambda-deploy; removed with the preview when the pull request closes.</sub>');
    return lines.join('\n');
}
function renderRemovedComment(productionName, removed) {
    return [
        commentMarker(productionName),
        `### 🧹 Preview of ${(0,_util_markdown_js__WEBPACK_IMPORTED_MODULE_0__/* .markdownCode */ .D9)(productionName)} removed`,
        '',
        ...(removed.length === 0
            ? ['Nothing was left to remove.']
            : removed.map(item => `- ${(0,_util_markdown_js__WEBPACK_IMPORTED_MODULE_0__/* .markdownText */ .p7)(item)}`))
    ].join('\n');
}


/***/ })

};
