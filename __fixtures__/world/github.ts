/** The world's GitHub REST API: a pull request's issue comments. */

export interface Comment {
  id: number
  issue: number
  body: string
  /** Who wrote it; default github-actions[bot], as with GITHUB_TOKEN. */
  author?: string
}

export const json = (value: unknown, status = 200): Response =>
  new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json' }
  })

export type GithubApi = (
  method: string,
  path: string,
  init: RequestInit | undefined
) => Response | undefined

/** The GitHub REST API's issue comments, for the token given; undefined: not one of its routes. */
export function githubApi(comments: Comment[]): GithubApi {
  return (method, path, init) => {
    if (
      !/^Bearer .+/.test(new Headers(init?.headers).get('authorization') ?? '')
    )
      return json({ message: 'Requires authentication' }, 401)
    const listing = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(
      path
    )
    const one = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path)
    const body = (): string =>
      (
        JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as {
          body?: string
        }
      ).body ?? ''
    const shown = (c: Comment) => ({
      id: c.id,
      body: c.body,
      user: { login: c.author ?? 'github-actions[bot]' },
      html_url: `https://github.com/o/r/pull/${c.issue}#issuecomment-${c.id}`
    })
    // The token is GITHUB_TOKEN: an installation token may not read /user.
    if (path === '/user')
      return json({ message: 'Resource not accessible by integration' }, 403)
    if (listing !== null && method === 'GET')
      return json(
        comments.filter(c => c.issue === Number(listing[1])).map(shown)
      )
    if (listing !== null && method === 'POST') {
      const created = {
        id: Math.max(1000, ...comments.map(c => c.id)) + 1,
        issue: Number(listing[1]),
        body: body()
      }
      comments.push(created)
      return json(shown(created), 201)
    }
    const existing = comments.find(c => c.id === Number(one?.[1]))
    if (one !== null && method === 'PATCH' && existing !== undefined) {
      existing.body = body()
      return json(shown(existing))
    }
    return undefined
  }
}
