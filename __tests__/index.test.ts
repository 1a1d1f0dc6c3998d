import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'

// action.yml names two entries: dist/index.js (main) and dist/post/index.js
// (post). Each runs on import and does only its own step.
const run = jest.fn<() => Promise<void>>()
const post = jest.fn<() => Promise<void>>()
jest.unstable_mockModule('@actions/core', () => core)
jest.unstable_mockModule('../src/main.js', () => ({ run }))
jest.unstable_mockModule('../src/post/cleanup.js', () => ({ post }))

beforeEach(() => {
  core.resetCore()
  run.mockReset().mockResolvedValue(undefined)
  post.mockReset().mockResolvedValue(undefined)
  jest.resetModules()
})

describe('index', () => {
  it('the main entry deploys and never cleans up', async () => {
    await import('../src/index.js')

    expect(run).toHaveBeenCalledTimes(1)
    expect(post).not.toHaveBeenCalled()
  })

  it('the main entry deploys even when a post state is present', async () => {
    // A stale marker from an older bundle must not turn a deploy into a
    // clean-up: the runner chooses the entry, not the saved state.
    core.setState({ isPost: 'true' })

    await import('../src/index.js')

    expect(run).toHaveBeenCalledTimes(1)
    expect(post).not.toHaveBeenCalled()
  })

  it('the post entry (action.yml runs.post) only cleans up', async () => {
    await import('../src/post-step.js')

    expect(post).toHaveBeenCalledTimes(1)
    expect(run).not.toHaveBeenCalled()
  })
})
