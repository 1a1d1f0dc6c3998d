/**
 * The sticky pull request comment of a preview, over the GitHub REST API
 * with fetch. Loaded only in preview and cleanup modes.
 */
import { formatLimit, readBounded } from '../util/body.js'
import { errorMessage, networkErrorMessage } from '../util/errors.js'
import { markdownCode, markdownText } from '../util/markdown.js'

export type Fetch = typeof fetch

/** Longest one GitHub API call may take, its answer included. */
export const GITHUB_TIMEOUT_MS = 30_000
/**
 * Most of an answer read: a page of 100 comments of GitHub's largest size
 * (65,536 characters each) stays well under it.
 */
export const GITHUB_BODY_MAX_BYTES = 16 * 1024 * 1024

export interface PreviewCommentInfo {
  productionName: string
  previewName: string
  url: string | undefined
  image: string | undefined
  commit: string | undefined
  smoke: string
  /** A failure of the run, if any: one line, shown redacted. */
  error?: string | undefined
  /** The run's page, where the whole log is. */
  runUrl?: string | undefined
}

/** Finds the comment again on later pushes; one per production function. */
export function commentMarker(productionName: string): string {
  return `<!-- aspnet-lambda-deploy:preview:${productionName} -->`
}

function inline(value: string | undefined): string {
  return value === undefined || value === '' ? '—' : markdownCode(value)
}

/** Lines that look like they carry a secret or data, cut out whole. */
const SECRET_PATTERNS: RegExp[] = [
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g,
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\b(eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,})\b/g,
  /\b[A-Za-z0-9+/]{40,}={0,2}/g,
  /(password|passwd|secret|token|api[_-]?key|authorization)\s*[=:]\s*\S+/gi,
  /:\/\/[^/\s:@]+:[^/\s@]+@/g
]

/**
 * Where a check's failure quotes what the app answered (checks/smoke.ts and
 * checks/invoke.ts end their reason with `; body: <the body>`): the pull
 * request never shows it, whatever it holds.
 */
const APP_BODY = /;\s*body:.*$/

/**
 * One line of a failure for the pull request, where the runner does not
 * mask secrets: the first line only (never build output), without the
 * app's answer, cut to 200 characters, with what looks like a token, a key
 * or credentials replaced. Plain text: the comment escapes it.
 */
export function redactedLine(text: string): string {
  let line = (text.split(/\r?\n/).find(l => l.trim() !== '') ?? '')
    .replace(APP_BODY, '')
    .trim()
  for (const pattern of SECRET_PATTERNS) {
    line = line.replace(pattern, match =>
      /^[a-z_-]+\s*[=:]/i.test(match)
        ? `${match.split(/[=:]/)[0] ?? ''}=[redacted]`
        : match.startsWith('://')
          ? '://[redacted]@'
          : '[redacted]'
    )
  }
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}

/** The run's page: GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID. */
export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com'
  const { GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env
  if (repository === undefined || runId === undefined || runId === '')
    return undefined
  return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}`
}

export function renderPreviewComment(info: PreviewCommentInfo): string {
  const ok = info.error === undefined
  const lines = [
    commentMarker(info.productionName),
    `### ${ok ? '🚀' : '❌'} Preview of ${markdownCode(info.productionName)}${ok ? '' : ' failed'}`,
    '',
    '| | |',
    '|---|---|',
    `| URL | ${info.url !== undefined ? markdownText(info.url) : '—'} |`,
    `| Function | ${inline(info.previewName)} |`,
    `| Image | ${inline(info.image)} |`,
    `| Commit | ${inline(info.commit)} |`,
    `| Smoke test | ${markdownText(info.smoke)} |`
  ]
  if (!ok) {
    lines.push(
      '',
      `**What failed:** ${markdownText(redactedLine(info.error ?? '')) || 'see the run'}`,
      '',
      info.runUrl === undefined
        ? 'The whole log is in the workflow run.'
        : `The whole log is in [the workflow run](${info.runUrl}).`
    )
  }
  lines.push(
    '',
    '<sub>Updated on every push by aspnet-lambda-deploy; removed with the preview when the pull request closes.</sub>'
  )
  return lines.join('\n')
}

export function renderRemovedComment(
  productionName: string,
  removed: string[]
): string {
  return [
    commentMarker(productionName),
    `### 🧹 Preview of ${markdownCode(productionName)} removed`,
    '',
    ...(removed.length === 0
      ? ['Nothing was left to remove.']
      : removed.map(item => `- ${markdownText(item)}`))
  ].join('\n')
}

export interface IssueComment {
  id: number
  body?: string | null
  user?: { login?: string | null } | null
}

export type UpsertDecision =
  | { action: 'create'; othersWithMarker: number }
  | { action: 'update'; commentId: number }

/**
 * Update our comment if the PR has one (the oldest, if several), else
 * create one. Ours: it has the marker and was written by the token's own
 * identity; anyone can write the marker into a comment of theirs, and the
 * action must not rewrite it.
 */
export function decideUpsert(
  comments: IssueComment[],
  marker: string,
  identity: string
): UpsertDecision {
  const marked = comments.filter(comment => comment.body?.includes(marker))
  const ours = marked.find(comment => comment.user?.login === identity)
  return ours === undefined
    ? { action: 'create', othersWithMarker: marked.length }
    : { action: 'update', commentId: ours.id }
}

/** Who comments with GITHUB_TOKEN (whose GET /user answers 403). */
export const ACTIONS_BOT = 'github-actions[bot]'

export interface GitHubTarget {
  apiUrl: string
  token: string
  /** owner/repo */
  repository: string
  issueNumber: number
  fetch: Fetch
  /** Most of an answer read (tests make it small). */
  maxBodyBytes?: number
}

export type CommentOutcome =
  | {
      state: 'created' | 'updated'
      url: string | undefined
      /** Marker comments by someone else, left alone. */
      othersWithMarker?: number
    }
  | { state: 'skipped'; reason: string }
  | { state: 'no-permission'; status: number; reason: string }

class HttpError extends Error {
  constructor(
    public readonly status: number,
    message: string
  ) {
    super(message)
  }
}

async function call(
  target: GitHubTarget,
  method: string,
  path: string,
  body?: unknown
): Promise<unknown> {
  let response: Response
  const url = `${target.apiUrl.replace(/\/+$/, '')}${path}`
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
    })
  } catch (error) {
    throw new Error(`${method} ${url}: ${networkErrorMessage(error)}`)
  }
  const maxBytes = target.maxBodyBytes ?? GITHUB_BODY_MAX_BYTES
  let read
  try {
    read = await readBounded(response, maxBytes)
  } catch (error) {
    throw new Error(
      `${method} ${url}: reading the answer: ${networkErrorMessage(error)}`
    )
  }
  const text = read.bytes.toString('utf8')
  if (read.cut && response.ok) {
    throw new Error(
      `${method} ${path}: the answer is larger than ${formatLimit(maxBytes)}; it was not read further.`
    )
  }
  if (!response.ok) {
    let message = text.slice(0, 200)
    try {
      const parsed = JSON.parse(text) as { message?: unknown }
      if (typeof parsed.message === 'string') message = parsed.message
    } catch {
      // not JSON: keep the text
    }
    throw new HttpError(
      response.status,
      `${method} ${path} answered HTTP ${response.status}: ${message}`
    )
  }
  return text === '' ? undefined : (JSON.parse(text) as unknown)
}

/**
 * The login the token comments as: GET /user for a user's token; an app
 * installation token (GITHUB_TOKEN) may not read /user (403) and comments
 * as github-actions[bot].
 */
export async function tokenIdentity(target: GitHubTarget): Promise<string> {
  try {
    const user = (await call(target, 'GET', '/user')) as
      { login?: unknown } | undefined
    if (typeof user?.login === 'string' && user.login !== '') return user.login
  } catch (error) {
    if (!(error instanceof HttpError) || ![403, 404].includes(error.status))
      throw error
  }
  return ACTIONS_BOT
}

async function listComments(target: GitHubTarget): Promise<IssueComment[]> {
  const all: IssueComment[] = []
  const [owner, repo] = target.repository.split('/')
  for (let page = 1; page <= 30; page++) {
    const batch = (await call(
      target,
      'GET',
      `/repos/${owner ?? ''}/${repo ?? ''}/issues/${target.issueNumber}/comments?per_page=100&page=${page}`
    )) as IssueComment[] | undefined
    if (!Array.isArray(batch)) break
    all.push(...batch)
    if (batch.length < 100) break
  }
  return all
}

/**
 * Create or update the sticky comment. No permission (401, 403, or 404 for
 * a token that cannot see the repository) is an outcome, not an error:
 * the preview works without its comment.
 */
export async function upsertComment(
  target: GitHubTarget,
  marker: string,
  body: string,
  options: { createIfMissing: boolean } = { createIfMissing: true }
): Promise<CommentOutcome> {
  const [owner, repo] = target.repository.split('/')
  try {
    const identity = await tokenIdentity(target)
    const decision = decideUpsert(await listComments(target), marker, identity)
    if (decision.action === 'update') {
      const updated = (await call(
        target,
        'PATCH',
        `/repos/${owner ?? ''}/${repo ?? ''}/issues/comments/${decision.commentId}`,
        { body }
      )) as { html_url?: string } | undefined
      return { state: 'updated', url: updated?.html_url }
    }
    if (!options.createIfMissing) {
      return {
        state: 'skipped',
        reason:
          decision.othersWithMarker > 0
            ? `no preview comment by ${identity} to update (${decision.othersWithMarker} by someone else left alone)`
            : 'no preview comment to update'
      }
    }
    const created = (await call(
      target,
      'POST',
      `/repos/${owner ?? ''}/${repo ?? ''}/issues/${target.issueNumber}/comments`,
      { body }
    )) as { html_url?: string } | undefined
    return {
      state: 'created',
      url: created?.html_url,
      ...(decision.othersWithMarker > 0 && {
        othersWithMarker: decision.othersWithMarker
      })
    }
  } catch (error) {
    if (error instanceof HttpError && [401, 403, 404].includes(error.status)) {
      return {
        state: 'no-permission',
        status: error.status,
        reason: errorMessage(error)
      }
    }
    throw error
  }
}
