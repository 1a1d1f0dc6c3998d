export const id = 511;
export const ids = [511];
export const modules = {

/***/ 3511:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  post: () => (/* binding */ post)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 10 modules
var core = __webpack_require__(7264);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/@actions/exec/lib/exec.js + 3 modules
var exec = __webpack_require__(1260);
// EXTERNAL MODULE: ./src/util/errors.ts
var errors = __webpack_require__(17);
;// CONCATENATED MODULE: ./src/build/docker.ts






const IMAGE_ID = /^sha256:[a-f0-9]{64}$/;
const realExec = async (command, args, options = {}) => {
    const result = await exec/* getExecOutput */.H(command, args, {
        ignoreReturnCode: true,
        silent: options.stream !== true,
        ...(options.input !== undefined && { input: options.input }),
        ...(options.env !== undefined && {
            env: { ...process.env, ...options.env }
        })
    });
    return {
        exitCode: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr
    };
};
const NAME_LIKE_SECRET = /TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|APIKEY|(^|[_.-])(KEY|PWD|PAT)([_.-]|$)/i;
/** Shapes of well-known tokens: GitHub, AWS access keys, Slack, npm, JWTs, NuGet API keys. */
const VALUE_LIKE_TOKEN = (/* unused pure expression or super */ null && ([
    /^gh[pousr]_[A-Za-z0-9]{20,}/,
    /^github_pat_[A-Za-z0-9_]{20,}/,
    /^(AKIA|ASIA)[A-Z0-9]{16}$/,
    /^xox[abprs]-[A-Za-z0-9-]{10,}/,
    /^npm_[A-Za-z0-9]{30,}/,
    /^glpat-[A-Za-z0-9_-]{20,}/,
    /^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./,
    /^oy2[a-z0-9]{43}$/
]));
/**
 * The build-args that look like they carry a secret (by name or by the
 * shape of the value): a build-arg lands in the image history and in the
 * logged docker command.
 */
function tokenLikeBuildArgs(buildArgs) {
    return buildArgs.flatMap(arg => {
        const separator = arg.indexOf('=');
        const name = separator < 0 ? arg : arg.slice(0, separator);
        const value = separator < 0 ? '' : arg.slice(separator + 1);
        return NAME_LIKE_SECRET.test(name) ||
            VALUE_LIKE_TOKEN.some(shape => shape.test(value))
            ? [{ name, value }]
            : [];
    });
}
/**
 * The values to mask among token-like build-args. `NAME` alone (docker
 * takes the value from its environment) puts no value in the log; a value
 * of one to three characters is no credential, and masking it would hide
 * every occurrence of it in the log.
 */
function buildArgValuesToMask(buildArgs) {
    return tokenLikeBuildArgs(buildArgs)
        .map(arg => arg.value)
        .filter(value => value.trim().length >= 4);
}
/** The type= of a cache-from/cache-to entry; a bare reference is a registry. */
function cacheType(cache) {
    return /(?:^|,)type=([^,]*)/.exec(cache)?.[1] ?? 'registry';
}
/**
 * The default `docker` driver (without the containerd image store) exports
 * only an inline cache and imports only inline or registry caches; the
 * GitHub cache (type=gha), local, s3 or azblob need a BuildKit builder of the
 * docker-container kind, whichever side asks for them.
 */
function needsContainerBuilder(cacheFrom, cacheTo) {
    return (cacheTo.some(cache => cacheType(cache) !== 'inline') ||
        cacheFrom.some(cache => !['inline', 'registry'].includes(cacheType(cache))));
}
function builderDriver(inspectOutput) {
    return /^Driver:\s*(\S+)/m.exec(inspectOutput)?.[1];
}
async function hasBuildx(exec, env) {
    const result = await exec('docker', ['buildx', 'version'], { env });
    return result.exitCode === 0;
}
function failure(what, result) {
    // Some commands end with a bare newline on stderr and the error on stdout.
    const detail = (result.stderr.trim() || result.stdout.trim())
        .split('\n')
        .slice(-15)
        .join('\n');
    return new DeployError(`${what} failed (exit code ${result.exitCode}):\n${detail}`);
}
/**
 * A private docker config directory for this run, so ECR credentials never
 * land in the runner's ~/.docker. CLI plugins (buildx), builders and contexts
 * of the user's own config stay visible through links.
 */
async function prepareDockerConfig(parentDir, userConfigDir = process.env.DOCKER_CONFIG ??
    path.join(os.homedir(), '.docker')) {
    // Absolute: the post step removes only a directory of this name directly
    // in the runner's temporary directory (post/saved-state.ts).
    const dir = await fs.mkdtemp(path.resolve(parentDir, 'aspnet-lambda-deploy-'));
    await fs.chmod(dir, 0o700);
    await fs.writeFile(path.join(dir, 'config.json'), '{"auths":{}}\n', {
        mode: 0o600
    });
    for (const entry of ['cli-plugins', 'buildx', 'contexts']) {
        const source = path.join(userConfigDir, entry);
        try {
            await fs.access(source);
            await fs.symlink(source, path.join(dir, entry));
        }
        catch {
            // not present in the user's config: nothing to share
        }
    }
    return dir;
}
async function dockerLogin(exec, registry, username, password, env) {
    const result = await exec('docker', ['login', '--username', username, '--password-stdin', registry], { env, input: Buffer.from(password) });
    if (result.exitCode !== 0)
        throw failure(`docker login to ${registry}`, result);
}
async function buildWithBuildx(request, context, builder) {
    const metadataFile = path.join(context.workDir, 'build-metadata.json');
    // With a local run the image goes into the engine (--load) and is run
    // before `docker push`: nothing leaves the runner before the local run.
    const loadTo = context.beforePush !== undefined && request.dryRun !== true
        ? path.join(context.workDir, 'build-image-id')
        : undefined;
    if (loadTo !== undefined)
        await fs.rm(loadTo, { force: true });
    const result = await context.exec('docker', buildxArgs(request, metadataFile, builder, loadTo), { env: { ...context.env, ...secretEnv(request) }, stream: true });
    if (result.exitCode !== 0)
        throw failure('docker buildx build', result);
    if (request.dryRun === true)
        return { digest: undefined, builder: 'buildx' };
    if (loadTo !== undefined)
        return pushBuilt(request, context, loadTo, 'buildx');
    const digest = digestFromMetadata(await fs.readFile(metadataFile, 'utf8').catch(() => ''));
    if (digest === undefined) {
        throw new DeployError(`docker buildx build succeeded but wrote no image digest to ${metadataFile}.`);
    }
    return { digest, builder: 'buildx' };
}
/**
 * `docker build` + `docker push`. Before pushing, the tag must name the very
 * image this build made (its id from --iidfile), for the built platform: a
 * tag left on another local image (a build that tagged nothing, a tag moved
 * meanwhile) must not be pushed as this build. The id is only compared with
 * what `image inspect` reports for the tag, in the same store: a config
 * digest with the classic store, a manifest or index digest with the
 * containerd store (Docker 29; buildx 0.36 too, docker/buildx#3952). The
 * digest deployed is the one the push prints, checked again in ECR.
 */
async function buildWithDocker(request, context) {
    if (request.cacheFrom.length > 0 || request.cacheTo.length > 0) {
        context.warn('cache-from and cache-to need docker buildx; they are ignored by the docker build fallback.');
    }
    const iidFile = path.join(context.workDir, 'build-image-id');
    // An id left by an earlier build must not vouch for this one.
    await fs.rm(iidFile, { force: true });
    const secrets = request.secrets.length + request.secretFiles.length > 0;
    // Only BuildKit reads --secret (and RUN --mount): Docker 20.10's built-in
    // one does when asked; Docker >= 23 without buildx refuses, which the
    // check below turns into the fix. The legacy builder is never asked.
    const build = await context.exec('docker', fallbackBuildArgs(request, iidFile), {
        env: {
            ...context.env,
            ...(secrets && { DOCKER_BUILDKIT: '1' }),
            ...secretEnv(request)
        },
        stream: true
    });
    if (secrets &&
        build.exitCode !== 0 &&
        /BuildKit is enabled but the buildx component is missing|requires BuildKit|unknown flag: --secret/.test(build.stderr + build.stdout)) {
        throw new DeployError('secrets and secret-files need BuildKit, and this docker has none without buildx (Docker 23 and later refuse DOCKER_BUILDKIT=1 without the buildx component); ' +
            'the legacy builder cannot pass secrets without leaving them in the image or the log, so nothing was built. ' +
            'Install docker buildx (docker/setup-buildx-action).');
    }
    if (build.exitCode !== 0) {
        throw failure(`docker build for ${request.platform} (fallback without buildx)`, build);
    }
    return pushBuilt(request, context, iidFile, 'docker build');
}
/**
 * The image a build left in the engine (its id in `iidFile`): prove the tag
 * names it, for the built platform, run `beforePush` (the local run) on it,
 * then push it and read the pushed digest.
 */
async function pushBuilt(request, context, iidFile, builder) {
    const builtId = (await fs.readFile(iidFile, 'utf8').catch(() => '')).trim();
    if (!IMAGE_ID.test(builtId)) {
        throw new DeployError(`${builder === 'buildx' ? 'docker buildx build --load' : 'docker build'} succeeded but wrote no image id to ${iidFile}, so the image tagged ${request.imageRef} cannot be proven to be this build; nothing was pushed.`);
    }
    const inspect = await context.exec('docker', ['image', 'inspect', '--format', INSPECT_FORMAT, request.imageRef], { env: context.env });
    const [taggedId = '', built = ''] = inspect.stdout.trim().split(/\s+/);
    if (inspect.exitCode === 0 && taggedId !== builtId) {
        const message = `${request.imageRef} is the local image ${taggedId || 'of an unknown id'}, not ${builtId}, which docker build just built: a stale local tag. Nothing was pushed.`;
        // A real image id there: another build on this engine tagged it after us.
        throw IMAGE_ID.test(taggedId)
            ? new LocalTagMovedError(message, taggedId)
            : new DeployError(message);
    }
    if (inspect.exitCode !== 0 || built !== request.platform) {
        throw new DeployError(`The docker build fallback produced an image for ${(inspect.exitCode === 0 && built) || 'an unknown platform'}, not ${request.platform}; ` +
            'nothing was pushed. Install docker buildx (docker/setup-buildx-action) to build for another CPU.');
    }
    await context.beforePush?.({ ref: request.imageRef, id: builtId });
    if (request.dryRun === true)
        return { digest: undefined, builder };
    // The API version client and daemon agreed on: whether push takes --platform.
    const version = await context.exec('docker', ['version', '--format', '{{.Client.APIVersion}}'], { env: context.env });
    const apiVersion = version.exitCode === 0 ? version.stdout.trim() || undefined : undefined;
    const push = await context.exec('docker', pushArgs(request.imageRef, request.platform, apiVersion), { env: context.env, stream: true });
    if (push.exitCode !== 0)
        throw failure(`docker push ${request.imageRef}`, push);
    const digest = digestFromPushOutput(push.stdout + push.stderr);
    if (digest === undefined) {
        throw new DeployError(`docker push ${request.imageRef} printed no digest.`);
    }
    return { digest, builder };
}

;// CONCATENATED MODULE: ./src/util/markdown.ts
/**
 * Text from outside the action (the app's answers, the pull request, AWS)
 * shown in GitHub Markdown — the job summary and the pull request comment —
 * as itself: no link, image, mention, HTML, emphasis or table cell of its
 * own, on one line. The one escaping helper; everything such text reaches
 * Markdown through goes through here.
 */
/**
 * What starts an inline construct in GitHub Flavored Markdown: backslash
 * escapes, code spans, emphasis, links and images, strikethrough, table
 * cells. Escaped with a backslash (CommonMark: any ASCII punctuation may
 * be; in a GFM table `\|` is a literal pipe).
 */
const INLINE = /[\\`*_[\]~|]/g;
/** What starts a block at the beginning of a line: heading, quote, list, rule. */
const BLOCK_START = /^(\s*)([#>+=-]|\d+[.)])/;
/**
 * A GitHub @mention (and team mention) is an @ at the start or after a
 * character that is not part of a word; a zero-width space after the @
 * keeps it from notifying anyone (what Dependabot and Renovate do).
 * `repo@sha256:…` and e-mail addresses are not mentions and stay as they are.
 */
const MENTION = /(^|[^\w])@(?=[A-Za-z0-9])/g;
/**
 * An http(s) URL of plain characters (host, port, a path of unreserved
 * characters): GitHub shows it as a link to exactly the address it reads,
 * so it is left as it is — escaping a `_` in it would break the link.
 */
const PLAIN_URL = /https?:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~%/-]*)?/g;
/** Plain text: renders exactly as the text reads, on one line. */
function markdownText(value) {
    const line = value.replace(/\r\n?|\n/g, ' ');
    let out = '';
    let last = 0;
    for (const url of line.matchAll(PLAIN_URL)) {
        const at = url.index;
        // Only a URL of its own (not the tail of a longer word).
        if (at > 0 && !/[\s(]/.test(line[at - 1] ?? ''))
            continue;
        out += escapeText(line.slice(last, at), last === 0) + url[0];
        last = at + url[0].length;
    }
    return out + escapeText(line.slice(last), last === 0);
}
function escapeText(text, atLineStart) {
    const escaped = text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(INLINE, char => `\\${char}`);
    return (atLineStart
        ? escaped.replace(BLOCK_START, (_all, space, start) => start.length === 1
            ? `${space}\\${start}`
            : `${space}${start.slice(0, -1)}\\${start.slice(-1)}`)
        : escaped).replace(MENTION, '$1@&#8203;');
}
/**
 * A code span for a table cell: no backtick can end it early, no pipe can
 * end the cell (GFM reads `\|` inside a code span in a table as `|`), one
 * line. Nothing inside a code span renders as a link, a mention or HTML.
 */
function markdownCode(value) {
    return `\`${value
        .replace(/`/g, "'")
        .replace(/\|/g, '\\|')
        .replace(/\r\n?|\n/g, ' ')}\``;
}
/**
 * Text inside an HTML block (such as `<summary>`), where Markdown is not
 * read but tags and mentions are: the HTML special characters as entities.
 */
function htmlText(value) {
    return value
        .replace(/\r\n?|\n/g, ' ')
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(MENTION, '$1@&#8203;');
}

// EXTERNAL MODULE: ./src/post/saved-state.ts
var saved_state = __webpack_require__(6649);
;// CONCATENATED MODULE: ./src/post/cleanup.ts







/**
 * A run killed before its undo ended (a cancelled job) left what it changed
 * in the saved state: put it back now. Loaded only then, so the post step
 * of every other run stays small and quick.
 */
async function finishPendingUndo() {
    const records = (0,saved_state/* parseUndoRecords */.aY)(core/* getState */.Gu(saved_state/* STATE */.c4.undo));
    if (records.length === 0)
        return;
    await core/* group */.Os('Put back what the cancelled run changed', async () => {
        const { finishUndo } = await Promise.all(/* import() */[__webpack_require__.e(696), __webpack_require__.e(7)]).then(__webpack_require__.bind(__webpack_require__, 1007));
        const { lines, ok } = await finishUndo(records, message => core/* info */.pq(message));
        for (const line of lines)
            (ok ? core/* info */.pq : core/* error */.z3)(line);
        try {
            await core/* summary */.z
                .addRaw(`\n### ${ok ? '↩️ Put back after the cancel' : '🚨 Could not put everything back after the cancel'}\n\n${lines.map(l => `- ${markdownText(l)}`).join('\n')}\n`)
                .write();
        }
        catch (error) {
            core/* warning */.$e(`Could not write the job summary: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
    });
}
/**
 * The local run's container, when the run ended (killed, cancelled) before
 * its removal did: every container carrying the run's own label goes.
 */
async function removeLocalRunContainer(exec) {
    const label = core/* getState */.Gu(saved_state/* STATE */.c4.localRun);
    if (label === '')
        return;
    if (!(0,saved_state/* ownLocalRunLabel */.rA)(label)) {
        core/* warning */.$e(`Not removing containers labelled "${label}": the saved state names a label this action does not give.`);
        return;
    }
    const failed = (why) => core/* warning */.$e(`Could not remove the local run's container (label ${label}): ${why}; remove it with docker container rm --force.`);
    try {
        const listed = await exec('docker', [
            'container',
            'ls',
            '--all',
            '--quiet',
            '--filter',
            `label=${label}`
        ]);
        if (listed.exitCode !== 0)
            return failed(listed.stderr.trim());
        const ids = listed.stdout.split(/\s+/).filter(id => /^[0-9a-f]+$/.test(id));
        if (ids.length === 0)
            return;
        const removed = await exec('docker', ['container', 'rm', '--force', ...ids]);
        if (removed.exitCode !== 0)
            return failed(removed.stderr.trim());
        core/* info */.pq(`Removed the local run's container the run left (label ${label}).`);
    }
    catch (error) {
        failed((0,errors/* errorMessage */.gJ)(error));
    }
}
/** Cleanup after the job: it warns, never fails. */
async function post(exec = realExec, env = process.env) {
    try {
        await finishPendingUndo();
    }
    catch (error) {
        core/* error */.z3(`Could not put back what the run changed: ${(0,errors/* errorMessage */.gJ)(error)}`);
    }
    await removeLocalRunContainer(exec);
    const dockerConfig = await checkedDockerConfig(core/* getState */.Gu(saved_state/* STATE */.c4.dockerConfig), env.RUNNER_TEMP ?? external_node_os_.tmpdir());
    // The builder made for cache-to may be recorded only in the run's docker
    // config (when the user has no ~/.docker/buildx): remove it first.
    const builder = core/* getState */.Gu(saved_state/* STATE */.c4.builder);
    if (builder !== '' && !(0,saved_state/* ownBuilder */.y$)(builder)) {
        core/* warning */.$e(`Not removing buildx builder "${builder}": the saved state names a builder this action did not create.`);
    }
    else if (builder !== '') {
        try {
            const result = await exec('docker', ['buildx', 'rm', builder], dockerConfig !== undefined
                ? { env: { DOCKER_CONFIG: dockerConfig } }
                : {});
            if (result.exitCode === 0)
                core/* info */.pq(`Removed buildx builder ${builder}.`);
            else
                core/* warning */.$e(`Could not remove buildx builder ${builder}: ${result.stderr.trim()}`);
        }
        catch (error) {
            core/* warning */.$e(`Could not remove buildx builder ${builder}: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
    }
    if (dockerConfig !== undefined) {
        try {
            await external_node_fs_.promises.rm(dockerConfig, { recursive: true, force: true });
            core/* info */.pq(`Removed the temporary docker config ${dockerConfig} (ECR credentials).`);
        }
        catch (error) {
            core/* warning */.$e(`Could not remove ${dockerConfig}: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
    }
}
/**
 * The saved docker config, if it is a directory this action made (by name
 * and place: ownDockerConfig) and still a real directory, not a link to
 * one elsewhere. Anything else is left alone, with a warning.
 */
async function checkedDockerConfig(saved, tempDir) {
    if (saved === '')
        return undefined;
    const own = (0,saved_state/* ownDockerConfig */.FW)(saved, tempDir);
    if ('refused' in own) {
        core/* warning */.$e(`Not removing the saved docker config path ${saved}: ${own.refused}.`);
        return undefined;
    }
    try {
        const stat = await external_node_fs_.promises.lstat(own.dir);
        if (!stat.isDirectory()) {
            core/* warning */.$e(`Not removing the saved docker config path ${saved}: it is not a directory (a link or a file), so this action did not make it.`);
            return undefined;
        }
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return undefined;
        core/* warning */.$e(`Could not remove ${saved}: ${(0,errors/* errorMessage */.gJ)(error)}`);
        return undefined;
    }
    return own.dir;
}


/***/ }),

/***/ 17:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   E2: () => (/* binding */ isThrottling),
/* harmony export */   KI: () => (/* binding */ THROTTLING_ERRORS),
/* harmony export */   Pp: () => (/* binding */ describeAwsError),
/* harmony export */   ZH: () => (/* binding */ awsErrorName),
/* harmony export */   gJ: () => (/* binding */ errorMessage),
/* harmony export */   nI: () => (/* binding */ ChangedMeanwhileError),
/* harmony export */   sH: () => (/* binding */ DeployError),
/* harmony export */   vR: () => (/* binding */ UpdateFailedError)
/* harmony export */ });
/* unused harmony exports networkErrorMessage, LocalTagMovedError, PERMISSION_ERRORS */
/** A readable message from anything that was thrown. */
function errorMessage(error) {
    if (error instanceof Error)
        return error.message;
    if (typeof error === 'string')
        return error;
    try {
        // JSON.stringify returns undefined for undefined, functions and symbols.
        return JSON.stringify(error) ?? String(error);
    }
    catch {
        return String(error);
    }
}
/**
 * fetch() rejects with a bare "fetch failed" and puts what went wrong (DNS,
 * TLS, connection refused) in `cause`.
 */
function networkErrorMessage(error) {
    const message = errorMessage(error);
    const cause = error instanceof Error ? error.cause : undefined;
    return cause === undefined ? message : `${message} (${errorMessage(cause)})`;
}
/** The AWS SDK v3 error name (e.g. ResourceConflictException), if any. */
function awsErrorName(error) {
    if (typeof error === 'object' &&
        error !== null &&
        'name' in error &&
        typeof error.name === 'string') {
        return error.name;
    }
    return undefined;
}
/**
 * An error the action raises on purpose: its message already says what
 * happened and what to do, so main.ts prints it as is.
 */
class DeployError extends Error {
    constructor(message) {
        super(message);
        this.name = 'DeployError';
    }
}
/**
 * Lambda could not apply an update (LastUpdateStatus Failed) and kept
 * running what it ran before: nothing changed.
 */
class UpdateFailedError extends DeployError {
    constructor(message) {
        super(message);
        this.name = 'UpdateFailedError';
    }
}
/**
 * A guarded call was refused because someone else changed the function or
 * alias since this run read it: what serves now is theirs.
 */
class ChangedMeanwhileError extends DeployError {
    constructor(message) {
        super(message);
        this.name = 'ChangedMeanwhileError';
    }
}
/**
 * The local tag names another image than the one this build made: another
 * build on the same docker engine (a second run of the same commit on a
 * shared runner) tagged it after us. Nothing was pushed.
 */
class LocalTagMovedError extends DeployError {
    otherImageId;
    constructor(message, otherImageId) {
        super(message);
        this.otherImageId = otherImageId;
        this.name = 'LocalTagMovedError';
    }
}
/** AWS error names that mean the caller may not make the call. */
const PERMISSION_ERRORS = new Set([
    'AccessDeniedException',
    'AccessDenied',
    'UnauthorizedOperation',
    'UnrecognizedClientException',
    'ExpiredTokenException'
]);
/**
 * AWS error names that mean "slow down": the call was refused for its rate,
 * and the same call a little later will do.
 */
const THROTTLING_ERRORS = new Set([
    'TooManyRequestsException',
    'ThrottlingException',
    'Throttling'
]);
function isThrottling(error) {
    return THROTTLING_ERRORS.has(awsErrorName(error) ?? '');
}
/**
 * Wrap an AWS error with the API action that failed, so a missing IAM
 * permission names the permission to add.
 */
function describeAwsError(action, error) {
    const name = awsErrorName(error);
    const message = errorMessage(error);
    if (name !== undefined && PERMISSION_ERRORS.has(name)) {
        return `${action} was denied (${name}): ${message}. Allow "${action}" in the policy of the role the workflow assumes (see the README's Permissions section).`;
    }
    return `${action} failed${name !== undefined && name !== 'Error' ? ` (${name})` : ''}: ${message}`;
}


/***/ })

};
