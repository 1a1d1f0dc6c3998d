/**
 * The sticky pull request comment written over the GitHub REST API with
 * fetch: found again by its marker, created or updated. Loaded only in
 * preview and cleanup modes.
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
