/**
 * What the PR comment's module costs inside a bundle: loading it (the lazy
 * chunk, as comment-on-pr.ts loads it) and the three calls of a new comment
 * against an in-memory GitHub; wall and CPU ms of this process, one line:
 * `load-wall load-cpu total-wall total-cpu`. Bundle it as the action is
 * bundled, then run the bundle (alternate two builds to compare them):
 *   npx ncc build scripts/measure/comment-cost.ts -o /tmp/comment-cost --minify
 *   node /tmp/comment-cost/index.js
 */
import * as core from '@actions/core'

// The action's main chunk loads @actions/core (and with it undici) first.
if (process.env.NEVER_SET === '1') core.info('loaded as in the action')

const json = { 'content-type': 'application/json; charset=utf-8' }
const fakeGitHub = ((url: string, init?: RequestInit) => {
  const path = new URL(url).pathname
  if (path === '/user')
    return Promise.resolve(
      new Response('{"message":"no"}', { status: 403, headers: json })
    )
  if ((init?.method ?? 'GET') === 'GET')
    return Promise.resolve(new Response('[]', { headers: json }))
  return Promise.resolve(
    new Response('{"id":1,"html_url":"https://github.test/1"}', {
      status: 201,
      headers: json
    })
  )
}) as typeof fetch

const cpu = process.cpuUsage()
const start = performance.now()
const { upsertComment } = await import('../../src/report/github-comments.js')
const loaded = [performance.now() - start, process.cpuUsage(cpu)] as const
const outcome = await upsertComment(
  {
    apiUrl: 'https://api.github.test',
    token: 't',
    repository: 'o/r',
    issueNumber: 7,
    fetch: fakeGitHub
  },
  'marker',
  'body'
)
const total = process.cpuUsage(cpu)
if (outcome.state !== 'created') throw new Error(JSON.stringify(outcome))
console.log(
  [
    loaded[0],
    (loaded[1].user + loaded[1].system) / 1000,
    performance.now() - start,
    (total.user + total.system) / 1000
  ]
    .map(value => value.toFixed(2))
    .join(' ')
)
