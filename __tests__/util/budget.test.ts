import { describe, expect, it } from '@jest/globals'
import { UNLIMITED, callBudget } from '../../src/util/budget.js'
import { fakeTiming } from '../../__fixtures__/timing.js'
import {
  busiestSecond,
  virtualClock
} from '../../__fixtures__/virtual-clock.js'

describe('callBudget', () => {
  it('lets perSecond calls through at once, then waits for the window to pass', async () => {
    const { timing, sleeps } = fakeTiming({ start: 5_000 })
    const budget = callBudget(2, timing)
    const granted: number[] = []
    for (let i = 0; i < 5; i++) {
      await budget.take()
      granted.push(timing.now())
    }
    expect(granted).toEqual([5_000, 5_000, 6_000, 6_000, 7_000])
    expect(sleeps).toEqual([1000, 1000])
  })

  it('does not wait when calls are already spread out', async () => {
    const { timing, sleeps, advance } = fakeTiming()
    const budget = callBudget(1, timing)
    await budget.take()
    advance(1000)
    await budget.take()
    advance(1500)
    await budget.take()
    expect(sleeps).toEqual([])
  })

  it('waits only for what is left of the window', async () => {
    const { timing, sleeps, advance } = fakeTiming()
    const budget = callBudget(1, timing)
    await budget.take()
    advance(300)
    await budget.take()
    expect(sleeps).toEqual([700])
    expect(timing.now()).toBe(1000)
  })

  it('serves concurrent callers in order, perSecond per second', async () => {
    const clock = virtualClock()
    const budget = callBudget(3, clock.timing)
    const granted: [number, number][] = []
    const callers = Array.from({ length: 8 }, async (_, i) => {
      await budget.take()
      granted.push([i, clock.timing.now()])
    })
    await clock.run(Promise.all(callers))
    expect(granted).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 1000],
      [4, 1000],
      [5, 1000],
      [6, 2000],
      [7, 2000]
    ])
  })

  it('keeps any second within the budget for callers arriving at random times', async () => {
    const clock = virtualClock()
    const budget = callBudget(4, clock.timing)
    const times: number[] = []
    // A fixed pseudo-random schedule: 40 callers over about 3 seconds.
    let seed = 7
    const next = (): number => {
      seed = (seed * 48_271) % 2_147_483_647
      return seed / 2_147_483_647
    }
    const callers = Array.from({ length: 40 }, async () => {
      await clock.timing.sleep(Math.floor(next() * 3000))
      await budget.take()
      times.push(clock.timing.now())
    })
    await clock.run(Promise.all(callers))
    expect(times).toHaveLength(40)
    expect(busiestSecond(times)).toBe(4)
  })

  it('spaces calls out when the rate is below one a second', async () => {
    const { timing, sleeps } = fakeTiming()
    const budget = callBudget(0.5, timing)
    await budget.take()
    await budget.take()
    await budget.take()
    expect(sleeps).toEqual([2000, 2000])
  })

  it('rounds a fractional rate above one down', async () => {
    const { timing, sleeps } = fakeTiming()
    const budget = callBudget(2.5, timing)
    for (let i = 0; i < 3; i++) await budget.take()
    expect(sleeps).toEqual([1000])
  })

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses a rate of %p',
    perSecond => {
      expect(() => callBudget(perSecond, fakeTiming().timing)).toThrow(
        /perSecond must be above 0/
      )
    }
  )

  it('keeps serving after a caller’s wait fails', async () => {
    const { timing } = fakeTiming()
    let failures = 1
    const budget = callBudget(1, {
      ...timing,
      sleep: ms => {
        if (failures-- > 0) return Promise.reject(new Error('cancelled'))
        return timing.sleep(ms)
      }
    })
    await budget.take()
    await expect(budget.take()).rejects.toThrow('cancelled')
    await budget.take()
    expect(timing.now()).toBe(1000)
  })
})

describe('UNLIMITED', () => {
  it('never waits', async () => {
    const clock = virtualClock()
    const granted: number[] = []
    const callers = Array.from({ length: 50 }, async () => {
      await UNLIMITED.take()
      granted.push(clock.timing.now())
    })
    await clock.run(Promise.all(callers))
    expect(granted).toHaveLength(50)
    expect(busiestSecond(granted)).toBe(50)
  })
})

describe('virtualClock', () => {
  it('overlaps concurrent sleeps instead of adding them up', async () => {
    const clock = virtualClock(100)
    const woke: number[] = []
    const sleeper = async (ms: number): Promise<void> => {
      await clock.timing.sleep(ms)
      woke.push(clock.timing.now())
    }
    await clock.run(Promise.all([sleeper(500), sleeper(300), sleeper(500)]))
    expect(woke).toEqual([400, 600, 600])
    expect(clock.timing.random()).toBe(0.5)
  })

  it('passes a rejection through', async () => {
    const clock = virtualClock()
    const failing = (async () => {
      await clock.timing.sleep(10)
      throw new Error('boom')
    })()
    await expect(clock.run(failing)).rejects.toThrow('boom')
  })

  it('reports work that waits on something other than a timer', async () => {
    const clock = virtualClock()
    await expect(clock.run(new Promise(() => undefined))).rejects.toThrow(
      /waits, but not on a timer/
    )
  })
})
