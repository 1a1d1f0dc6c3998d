/**
 * A tiny fake of the GitHub REST API's issue comments, for end-to-end tests of the preview
 * comment: started in-process on 127.0.0.1 with an ephemeral port; pass its `apiUrl` as
 * GITHUB_API_URL. Records every request and the comments of each issue; `denyWith(403)` makes
 * every request answer that status (a token without pull-requests: write).
 * Comments have an author (`user.login`): the token's identity. A `ghs_` token is an app
 * installation token like GITHUB_TOKEN: GET /user answers 403 and it comments as
 * github-actions[bot]; any other token is a user's (`users` maps token -> login). `plant()` adds
 * a comment by someone else.
 *
 *   GET   /user
 *   GET   /repos/<owner>/<repo>/issues/<n>/comments?per_page=&page=
 *   POST  /repos/<owner>/<repo>/issues/<n>/comments      {"body"}
 *   PATCH /repos/<owner>/<repo>/issues/comments/<id>      {"body"}
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeComment {
  id: number
  body: string
  issue: number
  repository: string
  /** user.login of the author. */
  author: string
}

export const ACTIONS_BOT = 'github-actions[bot]'

export interface FakeRequest {
  method: string
  path: string
  authorization: string | undefined
}

export interface GitHubFake {
  apiUrl: string
  comments: FakeComment[]
  requests: FakeRequest[]
  denyWith(status: number | undefined): void
  /** A comment written by `author` (someone other than the action). */
  plant(comment: Omit<FakeComment, 'id'>): FakeComment
  close(): Promise<void>
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text)
  })
  res.end(text)
}

/** The login a token comments as; undefined: an installation token (no /user). */
function loginOf(
  authorization: string | undefined,
  users: Record<string, string>
): string | undefined {
  const token = /^(?:Bearer|token) (.+)$/.exec(authorization ?? '')?.[1] ?? ''
  if (token.startsWith('ghs_')) return undefined
  return users[token] ?? `user-${token}`
}

export async function startGitHubFake(
  users: Record<string, string> = {}
): Promise<GitHubFake> {
  const comments: FakeComment[] = []
  const requests: FakeRequest[] = []
  let deny: number | undefined
  let nextId = 1000
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const method = req.method ?? 'GET'
      requests.push({
        method,
        path: url.pathname,
        authorization: req.headers.authorization
      })
      if (deny !== undefined)
        return send(res, deny, {
          message: 'Resource not accessible by integration'
        })
      const login = loginOf(req.headers.authorization, users)
      const author = login ?? ACTIONS_BOT
      if (url.pathname === '/user' && method === 'GET')
        return login === undefined
          ? send(res, 403, {
              message: 'Resource not accessible by integration'
            })
          : send(res, 200, { login, type: 'User' })
      const shown = (c: FakeComment) => ({
        id: c.id,
        body: c.body,
        user: { login: c.author }
      })
      let input: { body?: unknown } = {}
      try {
        input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
          body?: unknown
        }
      } catch {
        return send(res, 400, { message: 'Problems parsing JSON' })
      }
      const list = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(
        url.pathname
      )
      if (list?.[1] && list[2]) {
        const repository = list[1]
        const issue = Number(list[2])
        if (method === 'GET') {
          const perPage = Number(url.searchParams.get('per_page') ?? 30)
          const page = Number(url.searchParams.get('page') ?? 1)
          const all = comments.filter(
            c => c.issue === issue && c.repository === repository
          )
          return send(
            res,
            200,
            all.slice((page - 1) * perPage, page * perPage).map(shown)
          )
        }
        if (method === 'POST' && typeof input.body === 'string') {
          const comment = {
            id: nextId++,
            body: input.body,
            issue,
            repository,
            author
          }
          comments.push(comment)
          return send(res, 201, {
            ...shown(comment),
            html_url: `https://github.test/${repository}/pull/${issue}#issuecomment-${comment.id}`
          })
        }
      }
      const one = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(
        url.pathname
      )
      if (one?.[2] && method === 'PATCH' && typeof input.body === 'string') {
        const comment = comments.find(c => c.id === Number(one[2]))
        if (comment === undefined)
          return send(res, 404, { message: 'Not Found' })
        // Like GitHub, a token with write access may edit anyone's comment: the action itself
        // must leave others' alone (the e2e test checks it did).
        comment.body = input.body
        return send(res, 200, shown(comment))
      }
      send(res, 404, { message: 'Not Found' })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    comments,
    requests,
    denyWith(status) {
      deny = status
    },
    plant(comment) {
      const planted = { id: nextId++, ...comment }
      comments.push(planted)
      return planted
    },
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close(error => (error ? reject(error) : resolve()))
      )
  }
}
