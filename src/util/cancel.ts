/**
 * Cancellation: GitHub cancels a job by sending SIGINT, then SIGTERM about
 * 7.5 s later, then SIGKILL about 2.5 s after that; post steps still run.
 * A cancelled run stops starting new work at once: every wait of the run
 * goes through a timing whose sleep ends early when the run is cancelled.
 */
import type { Timing } from './time.js'

export class CancelledError extends Error {
  constructor(readonly signal: string) {
    super(`The run was cancelled (${signal}).`)
    this.name = 'CancelledError'
  }
}

/** Work a cancelled run never started (it was waiting for a free slot). */
export class NotStartedError extends CancelledError {
  constructor(signal: string) {
    super(signal)
    this.name = 'NotStartedError'
  }
}

/** A timing whose sleeps end with CancelledError once `signal` aborts. */
export function cancellableTiming(timing: Timing, signal: AbortSignal): Timing {
  const cancelled = (): CancelledError =>
    new CancelledError(String(signal.reason ?? 'cancelled'))
  return {
    now: timing.now,
    random: timing.random,
    sleep: ms =>
      new Promise<void>((resolve, reject) => {
        if (signal.aborted) {
          reject(cancelled())
          return
        }
        const onAbort = (): void => reject(cancelled())
        signal.addEventListener('abort', onAbort, { once: true })
        timing.sleep(ms).then(
          () => {
            signal.removeEventListener('abort', onAbort)
            resolve()
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort)
            reject(error instanceof Error ? error : new Error(String(error)))
          }
        )
      })
  }
}

/** Listen for the runner's cancel signals; returns how to stop listening. */
export type OnCancel = (cancel: (signal: string) => void) => () => void

export const processSignals: OnCancel = cancel => {
  const onInt = (): void => cancel('SIGINT')
  const onTerm = (): void => cancel('SIGTERM')
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  return () => {
    process.off('SIGINT', onInt)
    process.off('SIGTERM', onTerm)
  }
}
