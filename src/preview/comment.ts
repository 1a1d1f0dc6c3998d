/**
 * The sticky pull request comment of a preview, over the GitHub REST API
 * with fetch. Loaded only in preview and cleanup modes.
 */
import { formatLimit, readBounded } from '../util/body.js'
import { errorMessage, networkErrorMessage } from '../util/errors.js'

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
  /** A failure of the run, if any. */
  error?: string | undefined
}

/** Finds the comment again on later pushes; one per production function. */
export function commentMarker(productionName: string): string {
  return `<!-- aspnet-lambda-deploy:preview:${productionName} -->`
}

function inline(value: string | undefined): string {
  return value === undefined || value === ''
    ? '—'
    : `\`${value.replace(/`/g, "'")}\``
}

export function renderPreviewComment(info: PreviewCommentInfo): string {
  const ok = info.error === undefined
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
  ]
  if (!ok) {
    lines.push(
      '',
      '```',
      (info.error ?? '').replace(/```/g, "'''").slice(0, 2000),
      '```'
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
    `### 🧹 Preview of \`${productionName}\` removed`,
    '',
    ...(removed.length === 0
      ? ['Nothing was left to remove.']
      : removed.map(item => `- ${item}`))
  ].join('\n')
}

export interface IssueComment {
  id: number
  body?: string | null
}

export type UpsertDecision =
  { action: 'create' } | { action: 'update'; commentId: number }

/** Update our comment if the PR has one (the oldest, if several), else create one. */
export function decideUpsert(
  comments: IssueComment[],
  marker: string
): UpsertDecision {
  const ours = comments.find(comment => comment.body?.includes(marker))
  return ours === undefined
    ? { action: 'create' }
    : { action: 'update', commentId: ours.id }
}

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
  | { state: 'created' | 'updated'; url: string | undefined }
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
    const decision = decideUpsert(await listComments(target), marker)
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
      return { state: 'skipped', reason: 'no preview comment to update' }
    }
    const created = (await call(
      target,
      'POST',
      `/repos/${owner ?? ''}/${repo ?? ''}/issues/${target.issueNumber}/comments`,
      { body }
    )) as { html_url?: string } | undefined
    return { state: 'created', url: created?.html_url }
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
