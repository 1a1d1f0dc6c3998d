/**
 * What the action reaches through fetch: the registry API (config and layer
 * blobs behind the ECR token; the digests of base images, asked with HEAD),
 * the functions' URLs (served by the app, or scripted replies for any URL)
 * and the GitHub API. A held fetch whose signal aborts rejects with its
 * reason, as fetch does, recorded as `fetch:aborted`.
 */
import { REGISTRY } from '../aws.js'
import type { Dependencies } from '../../src/main.js'
import { next, type App } from './app.js'
import type { CallLog, Hold } from './calls.js'
import type { FakeRegistry } from './ecr-registry.js'
import { json, type GithubApi } from './github.js'
import type { FakeFunction } from './lambda-function.js'
import { BASIC_AUTH, URL_FORBIDDEN, digestOf, functionUrlOf } from './names.js'

export interface Reply {
  status: number
  body: string
}

/** The world's fetch. */
export function worldFetch(world: {
  record: CallLog['record']
  hold: Hold
  registry: FakeRegistry
  baseImages: Map<string, string>
  smokeReplies: Map<string, Reply[]>
  functions: Map<string, FakeFunction>
  app: App
  github: GithubApi
  /** GITHUB_API_URL as the run's environment says now. */
  githubApiUrl: () => string | undefined
}): Dependencies['fetch'] {
  const {
    record,
    hold,
    registry,
    baseImages,
    smokeReplies,
    functions,
    app,
    github,
    githubApiUrl
  } = world
  const fetchImpl: Dependencies['fetch'] = (input, init) => {
    const url =
      typeof input === 'string'
        ? input
        : input instanceof URL
          ? input.href
          : input.url
    const method = init?.method ?? 'GET'
    try {
      record('fetch', { url, method })
    } catch (error) {
      return Promise.reject(
        error instanceof Error ? error : new Error(String(error))
      )
    }
    const gate = hold.fetch
    if (gate === undefined) return answerFetch(url, method, init)
    const signal = init?.signal ?? undefined
    return new Promise<Response>((resolve, reject) => {
      const aborted = (): void => {
        record('fetch:aborted', { url })
        reject(signal?.reason as Error)
      }
      if (signal?.aborted === true) return aborted()
      signal?.addEventListener('abort', aborted, { once: true })
      gate.then(() => {
        signal?.removeEventListener('abort', aborted)
        resolve(answerFetch(url, method, init))
      }, reject)
    })
  }
  const answerFetch = (
    url: string,
    method: string,
    init: RequestInit | undefined
  ): Promise<Response> => {
    const blobs = `https://${REGISTRY}/v2/${registry.name}/blobs/`
    if (url.startsWith(blobs)) {
      if (new Headers(init?.headers).get('authorization') !== BASIC_AUTH)
        return Promise.resolve(
          new Response('{"errors":[{"code":"DENIED"}]}', { status: 401 })
        )
      const blob = registry.blob(url.slice(blobs.length))
      return Promise.resolve(
        blob === undefined
          ? new Response('{"errors":[{"code":"BLOB_UNKNOWN"}]}', {
              status: 404
            })
          : new Response(blob, { status: 200 })
      )
    }
    const manifest = /^https:\/\/([^/]+)\/v2\/(.+)\/manifests\/([^/]+)$/.exec(
      url
    )
    if (manifest !== null && method === 'HEAD') {
      const digest = baseImages.get(
        `${manifest[1] ?? ''}/${manifest[2] ?? ''}:${manifest[3] ?? ''}`
      )
      return Promise.resolve(
        digest === undefined
          ? new Response(null, { status: 404 })
          : new Response(null, {
              status: 200,
              headers: { 'docker-content-digest': digest }
            })
      )
    }
    const scripted = smokeReplies.get(url)
    if (scripted !== undefined) {
      const reply = next(scripted, { status: 0, body: '' })
      return Promise.resolve(new Response(reply.body, { status: reply.status }))
    }
    const api = githubApiUrl() ?? 'https://api.github.com'
    if (url.startsWith(`${api}/`)) {
      const answer = github(method, new URL(url).pathname, init)
      return Promise.resolve(answer ?? json({ message: 'Not Found' }, 404))
    }
    const served = [...functions.values()].find(
      f =>
        f.url !== undefined &&
        url.startsWith(f.url.address ?? functionUrlOf(f.name))
    )
    if (served === undefined)
      return Promise.reject(new TypeError('fetch failed'))
    // AuthType AWS_IAM wants a signed request, NONE the public statement.
    if (!served.urlIsPublic) return Promise.resolve(json(URL_FORBIDDEN, 403))
    const answer = app(
      digestOf(served.imageOf(served.url?.qualifier)),
      new URL(url).pathname
    )
    return Promise.resolve(
      'errorType' in answer
        ? new Response('Internal Server Error', { status: 502 })
        : new Response(answer.body, { status: answer.status })
    )
  }
  return fetchImpl
}
