import { NotStartedError } from './cancel.js'

/**
 * Run `work` for every item with at most `limit` at once; every item runs
 * (a failure does not stop the others) and the results keep their order.
 * Once `signal` aborts (the job was cancelled), no further item starts:
 * each item still waiting for a slot ends rejected with NotStartedError
 * without running, so a cancel stops queued changes as well as waits
 * (issue 22: with more than `limit` functions, queued functions were still
 * updated after the cancel).
 */
export async function settleEach<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(
    items.length
  )
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      if (signal?.aborted === true) {
        results[index] = {
          status: 'rejected',
          reason: new NotStartedError(String(signal.reason ?? 'cancelled'))
        }
        continue
      }
      try {
        results[index] = {
          status: 'fulfilled',
          value: await work(items[index] as T, index)
        }
      } catch (reason) {
        results[index] = { status: 'rejected', reason }
      }
    }
  }
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker)
  )
  return results
}
