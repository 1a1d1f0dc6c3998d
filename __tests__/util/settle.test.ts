import { describe, expect, it } from '@jest/globals'
import { NotStartedError } from '../../src/util/cancel.js'
import { settleEach } from '../../src/util/settle.js'

describe('settleEach', () => {
  it('runs every item, at most `limit` at once, results in order', async () => {
    let running = 0
    let most = 0
    const results = await settleEach([1, 2, 3, 4, 5], 2, async n => {
      most = Math.max(most, ++running)
      await new Promise(resolve => setTimeout(resolve, 1))
      running--
      if (n === 3) throw new Error('three')
      return n * 10
    })
    expect(most).toBe(2)
    expect(results.map(r => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled'
    ])
  })

  it('starts no item after the signal aborts; the started ones end as they do (issue 22, item 5)', async () => {
    const cancel = new AbortController()
    const started: number[] = []
    const results = await settleEach(
      [1, 2, 3, 4, 5],
      2,
      async n => {
        started.push(n)
        await new Promise(resolve => setTimeout(resolve, 1))
        // The job is cancelled while the first two run.
        if (n === 1) cancel.abort('SIGINT')
        return n
      },
      cancel.signal
    )
    expect(started).toEqual([1, 2])
    expect(results.slice(0, 2)).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'fulfilled', value: 2 }
    ])
    for (const result of results.slice(2)) {
      expect(result.status).toBe('rejected')
      const reason = (result as PromiseRejectedResult).reason as Error
      expect(reason).toBeInstanceOf(NotStartedError)
      expect(reason.message).toBe('The run was cancelled (SIGINT).')
    }
  })
})
