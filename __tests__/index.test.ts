import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
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

  describe('the post entry (action.yml runs.post)', () => {
    const names = ['STATE_dockerConfig', 'STATE_builder', 'STATE_undo']
    const saved = new Map(names.map(name => [name, process.env[name]]))
    afterEach(() => {
      for (const [name, value] of saved)
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
    })
    const withState = (values: Record<string, string>): void => {
      for (const name of names) delete process.env[name]
      for (const [name, value] of Object.entries(values))
        process.env[`STATE_${name}`] = value
    }
    const record = JSON.stringify([
      {
        kind: 'alias',
        region: 'us-east-1',
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:app',
        alias: 'live',
        ourVersion: '3',
        previousVersion: '2'
      }
    ])

    it.each([
      ['a temporary docker config', { dockerConfig: '/tmp/runner/docker' }],
      ['a buildx builder', { builder: 'aspnet-lambda-deploy-1' }],
      ['a change to put back', { undo: record }]
    ])('cleans up, and only that, when the run left %s', async (_, state) => {
      withState(state)

      await import('../src/post-step.js')

      expect(post).toHaveBeenCalledTimes(1)
      expect(run).not.toHaveBeenCalled()
    })

    it.each([
      ['no saved state', {}],
      ['an empty undo list', { undo: '[]' }],
      ['blank values', { dockerConfig: ' ', builder: '', undo: '' }],
      ['an unreadable undo list', { undo: '{not json' }]
    ])('ends at once with %s', async (_, state) => {
      withState(state)

      await import('../src/post-step.js')

      expect(post).not.toHaveBeenCalled()
      expect(run).not.toHaveBeenCalled()
    })
  })
})
