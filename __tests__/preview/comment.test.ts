import { describe, expect, it } from '@jest/globals'
import {
  commentMarker,
  decideUpsert,
  renderPreviewComment,
  upsertComment,
  type IssueComment
} from '../../src/preview/comment.js'

const MARKER = commentMarker('my-api')

describe('decideUpsert', () => {
  it.each<[string, IssueComment[], ReturnType<typeof decideUpsert>]>([
    ['no comments', [], { action: 'create' }],
    [
      'only other comments',
      [
        { id: 1, body: 'LGTM' },
        { id: 2, body: null }
      ],
      { action: 'create' }
    ],
    [
      'our comment among others',
      [
        { id: 1, body: 'LGTM' },
        { id: 5, body: `${MARKER}\nold` },
        { id: 9, body: `${MARKER}\nduplicate` }
      ],
      { action: 'update', commentId: 5 }
    ],
    [
      'the comment of another function’s preview',
      [{ id: 3, body: `${commentMarker('other-api')}\n...` }],
      { action: 'create' }
    ]
  ])('%s', (_name, comments, expected) => {
    expect(decideUpsert(comments, MARKER)).toEqual(expected)
  })
})

describe('renderPreviewComment', () => {
  it('starts with the marker and shows URL, image, commit and smoke result', () => {
    const body = renderPreviewComment({
      productionName: 'my-api',
      previewName: 'my-api-pr-7',
      url: 'https://u.lambda-url.eu-west-1.on.aws/',
      image: 'repo@sha256:ab',
      commit: 'abc123',
      smoke: '✅ passed (HTTP 200 from https://u/)'
    })
    expect(body.split('\n')[0]).toBe(MARKER)
    expect(body).toContain('| URL | https://u.lambda-url.eu-west-1.on.aws/ |')
    expect(body).toContain('| Image | `repo@sha256:ab` |')
    expect(body).toContain('| Commit | `abc123` |')
    expect(body).toContain('✅ passed')
  })

  it('says so when the preview failed', () => {
    const body = renderPreviewComment({
      productionName: 'my-api',
      previewName: 'my-api-pr-7',
      url: undefined,
      image: undefined,
      commit: 'abc',
      smoke: 'not run',
      error: 'Smoke test failed: status 500'
    })
    expect(body).toContain('failed')
    expect(body).toContain('Smoke test failed: status 500')
  })
})

/** A GitHub REST fake: issue comments in memory, or one status for everything. */
function fakeGitHub(comments: IssueComment[], status?: number) {
  const requests: string[] = []
  let nextId = 100
  const respond = (url: string, init?: RequestInit): Response => {
    const method = init?.method ?? 'GET'
    const path = new URL(url).pathname
    requests.push(`${method} ${path}`)
    if (status !== undefined) {
      return new Response(
        JSON.stringify({ message: 'Resource not accessible by integration' }),
        { status }
      )
    }
    const body =
      typeof init?.body === 'string'
        ? (JSON.parse(init.body) as { body: string })
        : undefined
    if (method === 'GET') return new Response(JSON.stringify(comments))
    if (method === 'POST') {
      const created = { id: nextId++, body: body?.body ?? '' }
      comments.push(created)
      return new Response(JSON.stringify(created), { status: 201 })
    }
    const id = Number(path.split('/').pop())
    const existing = comments.find(c => c.id === id)
    if (existing === undefined) return new Response('{}', { status: 404 })
    existing.body = body?.body ?? ''
    return new Response(JSON.stringify(existing))
  }
  const fetchImpl = ((url: string, init?: RequestInit) =>
    Promise.resolve(respond(url, init))) as typeof fetch
  return {
    requests,
    comments,
    target: {
      apiUrl: 'https://api.github.test',
      token: 't',
      repository: 'o/r',
      issueNumber: 7,
      fetch: fetchImpl
    }
  }
}

describe('upsertComment', () => {
  it('creates the comment once, then updates it in place', async () => {
    const gh = fakeGitHub([{ id: 1, body: 'LGTM' }])
    expect(
      await upsertComment(gh.target, MARKER, `${MARKER}\nfirst`)
    ).toMatchObject({ state: 'created' })
    expect(
      await upsertComment(gh.target, MARKER, `${MARKER}\nsecond`)
    ).toMatchObject({ state: 'updated' })
    expect(gh.comments).toEqual([
      { id: 1, body: 'LGTM' },
      { id: 100, body: `${MARKER}\nsecond` }
    ])
    expect(gh.requests).toContain('PATCH /repos/o/r/issues/comments/100')
  })

  it('does not create a comment when asked only to update one', async () => {
    const gh = fakeGitHub([])
    expect(
      await upsertComment(gh.target, MARKER, 'x', { createIfMissing: false })
    ).toEqual({ state: 'skipped', reason: 'no preview comment to update' })
    expect(gh.comments).toEqual([])
  })

  it.each([401, 403, 404])(
    'reports HTTP %d as no permission instead of failing',
    async status => {
      const gh = fakeGitHub([], status)
      expect(await upsertComment(gh.target, MARKER, 'x')).toMatchObject({
        state: 'no-permission',
        status
      })
    }
  )

  it('fails on other errors', async () => {
    const gh = fakeGitHub([], 500)
    await expect(upsertComment(gh.target, MARKER, 'x')).rejects.toThrow(
      /HTTP 500/
    )
  })
})

describe('upsertComment: limits of each call', () => {
  it('gives every call a timeout', async () => {
    const signals: (AbortSignal | null | undefined)[] = []
    const gh = fakeGitHub([])
    const recording: typeof fetch = (input, init) => {
      signals.push(init?.signal)
      return gh.target.fetch(input, init)
    }
    await upsertComment({ ...gh.target, fetch: recording }, MARKER, 'x')
    expect(signals).toHaveLength(2)
    for (const signal of signals) expect(signal).toBeInstanceOf(AbortSignal)
  })

  it('refuses an answer larger than the limit instead of reading it all', async () => {
    const gh = fakeGitHub([
      { id: 1, body: 'x'.repeat(200) },
      { id: 2, body: 'y'.repeat(200) }
    ])
    await expect(
      upsertComment({ ...gh.target, maxBodyBytes: 256 }, MARKER, 'x')
    ).rejects.toThrow(
      'GET /repos/o/r/issues/7/comments?per_page=100&page=1: the answer is larger than 256 bytes; it was not read further.'
    )
    expect(gh.requests).toEqual(['GET /repos/o/r/issues/7/comments'])
  })

  it('still reads the status of a large refusal', async () => {
    const page = `{"message":"Forbidden"}${' '.repeat(10_000)}`
    const fetch: typeof globalThis.fetch = () =>
      Promise.resolve(new Response(page, { status: 403 }))
    const gh = fakeGitHub([])
    await expect(
      upsertComment({ ...gh.target, fetch, maxBodyBytes: 256 }, MARKER, 'x')
    ).resolves.toMatchObject({ state: 'no-permission', status: 403 })
  })

  it('reads answers up to 16 MiB by default', async () => {
    const big = Array.from({ length: 99 }, (_, i) => ({
      id: i + 1,
      body: 'z'.repeat(65_536)
    }))
    const gh = fakeGitHub(big)
    await expect(upsertComment(gh.target, MARKER, 'x')).resolves.toMatchObject({
      state: 'created'
    })
  })
})
