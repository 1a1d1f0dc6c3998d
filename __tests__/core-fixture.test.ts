import { beforeEach, describe, expect, it } from '@jest/globals'
import * as core from '../__fixtures__/core.js'

// main, post and index tests read the action's behaviour through this mock;
// if it drifted from @actions/core their assertions would mean little.

beforeEach(() => {
  core.resetCore()
})

describe('the @actions/core fixture', () => {
  it('reads inputs like the real getInput: trimmed, empty when missing, required throws', () => {
    core.setInputs({ tag: '  v1 \n' })
    expect(core.getInput('tag')).toBe('v1')
    expect(core.getInput('tag', { trimWhitespace: false })).toBe('  v1 \n')
    expect(core.getInput('context')).toBe('')
    expect(() => core.getInput('function-name', { required: true })).toThrow(
      'Input required and not supplied: function-name'
    )
  })

  it('runs group callbacks, returning their value, with the group open only meanwhile', async () => {
    const seen = await core.group('Deploy', async () =>
      Promise.resolve(core.openGroups())
    )
    expect(seen).toEqual(['Deploy'])
    expect(core.openGroups()).toEqual([])
    await expect(
      core.group('Smoke test', () => Promise.reject(new Error('boom')))
    ).rejects.toThrow('boom')
    expect(core.openGroups()).toEqual([])
    expect(core.groupNames()).toEqual(['Deploy', 'Smoke test'])
  })

  it('counts a summary only once write() succeeded', async () => {
    await core.summary.addRaw('## one').write()
    core.summary.write.mockRejectedValueOnce(
      new Error('no GITHUB_STEP_SUMMARY')
    )
    await expect(core.summary.addRaw('## two').write()).rejects.toThrow()
    expect(core.writtenSummaries()).toEqual(['## one'])
  })

  it('keeps the last value of an output, and forgets everything on reset', () => {
    core.setOutput('updated', 'false')
    core.setOutput('updated', 'true')
    core.saveState('builder', 'b1')
    expect(core.outputs()).toEqual({ updated: 'true' })
    expect(core.getState('builder')).toBe('b1')
    core.getState.mockReturnValue('replaced')

    core.resetCore()

    expect(core.outputs()).toEqual({})
    expect(core.getState('builder')).toBe('')
    expect(core.savedState()).toEqual({})
  })
})
