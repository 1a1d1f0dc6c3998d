/**
 * main.ts in modes preview and cleanup, against the simulated AWS of
 * __fixtures__/world.ts: what runs before anything in AWS changes, a first
 * preview, and what a cleanup reports.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { REGION } from '../__fixtures__/aws.js'
import {
  simulatedWorld,
  storedImage,
  type World
} from '../__fixtures__/world.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

/** Production is shop, its images in the repository shop. */
function world(
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv = {}
): World {
  const w = simulatedWorld(
    {
      'function-name': 'shop',
      repository: 'shop',
      'aws-region': REGION,
      ...inputs
    },
    { repository: 'shop' }
  )
  w.deps.env = env
  return w
}

/** The calls made to a service (lambda, ecr, ...). */
const callsTo = (w: World, service: string): string[] =>
  w.events.filter(e => e.call.startsWith(`${service}:`)).map(e => e.call)

beforeEach(() => {
  core.resetCore()
})

describe('mode preview', () => {
  it('without a pull request number fails before any AWS call, naming pull-request and the events', async () => {
    const w = world(
      { mode: 'preview' },
      { GITHUB_EVENT_NAME: 'push', GITHUB_SHA: 'a'.repeat(40) }
    )

    await run(w.deps)

    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringMatching(
        /pull-request is required with mode: preview: it comes from the event payload of pull_request and pull_request_target events \(this run is a push event\)/
      )
    )
    expect(callsTo(w, 'lambda')).toHaveLength(0)
    expect(callsTo(w, 'ecr')).toHaveLength(0)
  })

  it('refuses a preview function tagged for another pull request before building or updating anything', async () => {
    const w = world(
      { mode: 'preview', 'pull-request': '7' },
      { GITHUB_SHA: 'b'.repeat(40) }
    )
    w.addFunction('shop-pr-7').tags = {
      'aspnet-lambda-deploy:preview-of': 'shop',
      'aspnet-lambda-deploy:pull-request': '6'
    }

    await run(w.deps)

    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringContaining(
        'Function shop-pr-7 is not tagged as the preview of shop for pull request #7: its tag aspnet-lambda-deploy:pull-request is "6", not "7"'
      )
    )
    expect(w.execCalls).toHaveLength(0)
    expect(w.calls('lambda:UpdateFunctionCode')).toHaveLength(0)
  })
})

describe('mode cleanup', () => {
  it('succeeds with nothing left, and updates (never creates) the sticky comment', async () => {
    const w = world(
      { mode: 'cleanup', 'pull-request': '7', 'github-token': 't' },
      { GITHUB_REPOSITORY: 'o/r', GITHUB_API_URL: 'https://api.github.test' }
    )
    w.registry.push('v1', storedImage('amd64', 'v1'))
    w.comments.push({
      id: 5,
      issue: 7,
      body: '<!-- aspnet-lambda-deploy:preview:shop -->\nold'
    })

    await run(w.deps)

    expect(core.setFailed).not.toHaveBeenCalled()
    expect(core.setOutput).toHaveBeenCalledWith(
      'preview-function-name',
      'shop-pr-7'
    )
    expect(core.info).toHaveBeenCalledWith('Nothing was left to remove.')
    const requests = w
      .calls<{ url: string; method: string }>('fetch')
      .map(r => `${r.method} ${new URL(r.url).pathname}`)
    expect(requests).toEqual([
      'GET /repos/o/r/issues/7/comments',
      'PATCH /repos/o/r/issues/comments/5'
    ])
  })

  it('removes the preview of a production function that no longer exists', async () => {
    const w = world({ mode: 'cleanup', 'pull-request': '7' })
    w.functions.clear()
    w.registry.push('pr-7-abc', storedImage('amd64', 'pr-7'))

    await run(w.deps)

    expect(core.setFailed).not.toHaveBeenCalled()
    expect(core.warning).toHaveBeenCalledWith(
      'The production function shop does not exist; removing its preview anyway.'
    )
    expect(w.calls('ecr:BatchDeleteImage')).toHaveLength(1)
  })
})
