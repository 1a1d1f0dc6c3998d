import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { STATE } from '../src/state.js'

// index.ts runs on import: the runner starts the same file for the main step
// and again for the post step, and the state saved by the first tells the
// second which one it is.
const run = jest.fn<() => Promise<void>>()
const post = jest.fn<() => Promise<void>>()
jest.unstable_mockModule('@actions/core', () => core)
jest.unstable_mockModule('../src/main.js', () => ({ run }))
jest.unstable_mockModule('../src/post.js', () => ({ post }))

beforeEach(() => {
  core.resetCore()
  run.mockReset().mockResolvedValue(undefined)
  post.mockReset().mockResolvedValue(undefined)
  jest.resetModules()
})

describe('index', () => {
  it('runs the deploy on the main step and marks the state for the post step', async () => {
    await import('../src/index.js')

    expect(run).toHaveBeenCalledTimes(1)
    expect(post).not.toHaveBeenCalled()
    expect(core.savedState()[STATE.isPost]).toBe('true')
  })

  it('only cleans up on the post step, never deploying again', async () => {
    core.setState({ [STATE.isPost]: 'true' })

    await import('../src/index.js')

    expect(post).toHaveBeenCalledTimes(1)
    expect(run).not.toHaveBeenCalled()
  })

  it('the post entry (action.yml runs.post) only cleans up', async () => {
    await import('../src/post-step.js')

    expect(post).toHaveBeenCalledTimes(1)
    expect(run).not.toHaveBeenCalled()
  })
})
