/**
 * A tiny fake of the GitHub REST API's issue comments, for end-to-end tests of the preview
 * comment: started in-process on 127.0.0.1 with an ephemeral port; pass its `apiUrl` as
 * GITHUB_API_URL. Records every request and the comments of each issue; `denyWith(403)` makes
 * every request answer that status (a token without pull-requests: write).
 *
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
}

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

export async function startGitHubFake(): Promise<GitHubFake> {
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
            all
              .slice((page - 1) * perPage, page * perPage)
              .map(c => ({ id: c.id, body: c.body }))
          )
        }
        if (method === 'POST' && typeof input.body === 'string') {
          const comment = { id: nextId++, body: input.body, issue, repository }
          comments.push(comment)
          return send(res, 201, {
            id: comment.id,
            body: comment.body,
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
        comment.body = input.body
        return send(res, 200, { id: comment.id, body: comment.body })
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
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close(error => (error ? reject(error) : resolve()))
      )
  }
}
