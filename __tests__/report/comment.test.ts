import { describe, expect, it } from '@jest/globals'
import {
  ACTIONS_BOT,
  decideUpsert,
  upsertComment,
  type IssueComment
} from '../../src/report/github-comments.js'
import {
  commentMarker,
  redactedLine,
  renderPreviewComment,
  runUrl
} from '../../src/report/pr-comment.js'

const MARKER = commentMarker('my-api')
const BOT = { login: ACTIONS_BOT }

describe('decideUpsert', () => {
  it.each<[string, IssueComment[], ReturnType<typeof decideUpsert>]>([
    ['no comments', [], { action: 'create', othersWithMarker: 0 }],
    [
      'only other comments',
      [
        { id: 1, body: 'LGTM', user: BOT },
        { id: 2, body: null }
      ],
      { action: 'create', othersWithMarker: 0 }
    ],
    [
      'our comment among others',
      [
        { id: 1, body: 'LGTM', user: { login: 'alice' } },
        { id: 5, body: `${MARKER}\nold`, user: BOT },
        { id: 9, body: `${MARKER}\nduplicate`, user: BOT }
      ],
      { action: 'update', commentId: 5 }
    ],
    [
      'the comment of another function’s preview',
      [{ id: 3, body: `${commentMarker('other-api')}\n...`, user: BOT }],
      { action: 'create', othersWithMarker: 0 }
    ],
    [
      'a marker planted by someone else, before ours',
      [
        { id: 2, body: `${MARKER}\nclick here`, user: { login: 'mallory' } },
        { id: 6, body: `${MARKER}\nours`, user: BOT }
      ],
      { action: 'update', commentId: 6 }
    ],
    [
      'only a planted marker, or one with no author',
      [
        { id: 2, body: `${MARKER}\nclick here`, user: { login: 'mallory' } },
        { id: 3, body: `${MARKER}\n?` }
      ],
      { action: 'create', othersWithMarker: 2 }
    ]
  ])('%s', (_name, comments, expected) => {
    expect(decideUpsert(comments, MARKER, ACTIONS_BOT)).toEqual(expected)
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

  it('says so when the preview failed, in one line, and links the run', () => {
    const body = renderPreviewComment({
      productionName: 'my-api',
      previewName: 'my-api-pr-7',
      url: undefined,
      image: undefined,
      commit: 'abc',
      smoke: 'not run',
      error:
        'Smoke test failed: status 500\nbody: {"connection":"Server=db;Password=hunter2"}\n#12 RUN dotnet publish',
      runUrl: 'https://github.com/o/r/actions/runs/42'
    })
    expect(body).toContain('failed')
    expect(body).toContain('**What failed:** Smoke test failed: status 500\n')
    expect(body).toContain(
      'The whole log is in [the workflow run](https://github.com/o/r/actions/runs/42).'
    )
    expect(body).not.toContain('hunter2')
    expect(body).not.toContain('dotnet publish')
    expect(body).not.toContain('```')
  })
})

describe('renderPreviewComment: text from the app, the pull request and AWS', () => {
  const render = (info: Partial<Parameters<typeof renderPreviewComment>[0]>) =>
    renderPreviewComment({
      productionName: 'my-api',
      previewName: 'my-api-pr-7',
      url: 'https://u.lambda-url.eu-west-1.on.aws/',
      image: 'repo@sha256:ab',
      commit: 'abc123',
      smoke: '✅ passed',
      ...info
    })

  it('never shows the body the app answered, only that the check failed', () => {
    const body = render({
      smoke: '❌ failed (HTTP 500 from https://u/health)',
      error:
        'smoke: Smoke test failed: https://u/health did not pass within 1m (2 attempts); last: status 500, expected 200; body: [Claim your prize](https://evil.example) @octocat <img src=https://evil.example/p.png>'
    })
    expect(body).toContain(
      '**What failed:** smoke: Smoke test failed: https://u/health did not pass within 1m (2 attempts); last: status 500, expected 200\n'
    )
    expect(body).not.toContain('prize')
    expect(body).not.toContain('evil.example')
    expect(body).not.toContain('octocat')
  })

  it('escapes Markdown in the error, the smoke result, the URL and the commit', () => {
    const body = render({
      url: 'https://u/<b>',
      smoke: 'skipped: a | b\n@team',
      commit: 'a`b|c',
      error: 'AccessDenied for [x](https://e.example) by @octocat <b>bold</b>'
    })
    expect(body).toContain('| URL | https://u/&lt;b&gt; |')
    expect(body).toContain('| Smoke test | skipped: a \\| b @&#8203;team |')
    expect(body).toContain("| Commit | `a'b\\|c` |")
    expect(body).toContain(
      '**What failed:** AccessDenied for \\[x\\](https://e.example) by @&#8203;octocat &lt;b&gt;bold&lt;/b&gt;'
    )
  })
})

describe('redactedLine', () => {
  it.each([
    [
      'keeps an ordinary first line',
      'lambda:GetFunction was denied (AccessDeniedException)\nmore',
      'lambda:GetFunction was denied (AccessDeniedException)'
    ],
    [
      'cuts a GitHub token',
      'push failed with ghs_abcdefghijklmnopqrstuvwxyz0123',
      'push failed with [redacted]'
    ],
    [
      'cuts an AWS access key id',
      'as AKIAIOSFODNN7EXAMPLE here',
      'as [redacted] here'
    ],
    [
      'cuts key=value secrets',
      'bad config password=hunter2 api_key: abc',
      'bad config password=[redacted] api_key=[redacted]'
    ],
    [
      'cuts credentials in a URL',
      'GET https://user:pa55@example.com/x failed',
      'GET https://[redacted]@example.com/x failed'
    ],
    [
      'cuts long base64',
      `token ${'A'.repeat(50)} refused`,
      'token [redacted] refused'
    ],
    [
      "leaves out the app's answer that a check quotes",
      'Smoke test failed: https://u/health did not pass within 1m (3 attempts); last: status 500, expected 200; body: [win](https://evil.example) @octocat',
      'Smoke test failed: https://u/health did not pass within 1m (3 attempts); last: status 500, expected 200'
    ],
    [
      "leaves out the app's answer to a direct Invoke",
      'Smoke test (direct Invoke) failed: status 500, expected 200;  body: <img src=x>',
      'Smoke test (direct Invoke) failed: status 500, expected 200'
    ]
  ])('%s', (_name, text, expected) => {
    expect(redactedLine(text)).toBe(expected)
  })

  it('keeps at most 200 characters', () => {
    expect(redactedLine('x '.repeat(300))).toHaveLength(200)
  })
})

describe('runUrl', () => {
  it('is the run page from the runner environment', () => {
    expect(
      runUrl({
        GITHUB_SERVER_URL: 'https://github.example.com/',
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_RUN_ID: '42'
      })
    ).toBe('https://github.example.com/o/r/actions/runs/42')
    expect(runUrl({ GITHUB_REPOSITORY: 'o/r' })).toBeUndefined()
  })
})

/**
 * A GitHub REST fake: issue comments in memory with their authors, or one
 * status for everything. `login` undefined: the token is GITHUB_TOKEN (GET
 * /user answers 403, comments are by github-actions[bot]).
 */
function fakeGitHub(comments: IssueComment[], status?: number, login?: string) {
  const requests: string[] = []
  let nextId = 100
  const author = { login: login ?? ACTIONS_BOT }
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
    if (path === '/user') {
      return login === undefined
        ? new Response(
            JSON.stringify({
              message: 'Resource not accessible by integration'
            }),
            { status: 403 }
          )
        : new Response(JSON.stringify({ login }))
    }
    const body =
      typeof init?.body === 'string'
        ? (JSON.parse(init.body) as { body: string })
        : undefined
    if (method === 'GET') return new Response(JSON.stringify(comments))
    if (method === 'POST') {
      const created = { id: nextId++, body: body?.body ?? '', user: author }
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
      { id: 100, body: `${MARKER}\nsecond`, user: BOT }
    ])
    expect(gh.requests).toContain('PATCH /repos/o/r/issues/comments/100')
  })

  it("never edits a marker comment someone else wrote: creates the action's own next to it", async () => {
    const planted = {
      id: 2,
      body: `${MARKER}\n[preview](https://evil.example)`,
      user: { login: 'mallory' }
    }
    const gh = fakeGitHub([{ ...planted }])

    expect(await upsertComment(gh.target, MARKER, `${MARKER}\nreal`)).toEqual({
      state: 'created',
      url: undefined,
      othersWithMarker: 1
    })
    expect(gh.comments[0]).toEqual(planted)
    expect(gh.requests.filter(r => r.startsWith('PATCH'))).toEqual([])
  })

  it("with a user's token, matches the comments by that user's login (GET /user)", async () => {
    const gh = fakeGitHub(
      [
        { id: 2, body: `${MARKER}\nbot`, user: BOT },
        { id: 3, body: `${MARKER}\nmine`, user: { login: 'deploy-bot' } }
      ],
      undefined,
      'deploy-bot'
    )
    expect(
      await upsertComment(gh.target, MARKER, `${MARKER}\nnew`)
    ).toMatchObject({ state: 'updated' })
    expect(gh.requests).toEqual([
      'GET /user',
      'GET /repos/o/r/issues/7/comments',
      'PATCH /repos/o/r/issues/comments/3'
    ])
  })

  it('when only updating, leaves a planted marker comment alone and says so', async () => {
    const gh = fakeGitHub([
      { id: 2, body: `${MARKER}\nx`, user: { login: 'mallory' } }
    ])
    expect(
      await upsertComment(gh.target, MARKER, 'x', { createIfMissing: false })
    ).toEqual({
      state: 'skipped',
      reason: `no preview comment by ${ACTIONS_BOT} to update (1 by someone else left alone)`
    })
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
    // GET /user (whose comment is ours), the list, the new comment.
    expect(signals).toHaveLength(3)
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
    expect(gh.requests).toEqual([
      'GET /user',
      'GET /repos/o/r/issues/7/comments'
    ])
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
