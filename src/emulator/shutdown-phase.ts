/**
 * The shutdown phase: SHUTDOWN to the subscribed extensions with the reason, their budget
 * (`shutdownBudgetMs`, lifecycle.ts), then the container is removed (SIGKILL for whatever still
 * runs: awaited, or in the background for a caller that only needs it gone eventually) and every
 * parked `next` is answered.
 * AWS docs: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html.
 */
import { errorReply } from './api-server.js'
import { shutdownBudgetMs } from './lifecycle.js'
import { emulatorLine } from './log-lines.js'
import type { SandboxState } from './sandbox.js'
import type { ShutdownReason } from './types.js'

/**
 * Shuts down the current environment, if any. `removal: 'background'` resolves as soon as the
 * container's removal has started (the environment is gone for the emulator at once); `removed`
 * resolves when it ended, true when docker removed the container (a failure is logged). The
 * parked `next` requests are answered only then, so nothing in the container sees the APIs go
 * before it is killed.
 */
export async function shutdown(
  state: SandboxState,
  reason: ShutdownReason,
  removal: 'wait' | 'background' = 'wait'
): Promise<{ removed: Promise<boolean> }> {
  const sandbox = state.sandbox
  if (sandbox === undefined) return { removed: Promise.resolve(true) }
  sandbox.phase = 'shutdown'
  const budget = shutdownBudgetMs(sandbox.extensions)
  const t0 = state.now()
  const subscribed = sandbox.extensions.filter(
    e =>
      e.registered && e.events.includes('SHUTDOWN') && e.exitCode === undefined
  )
  for (const e of subscribed)
    state.deliver(e, {
      eventType: 'SHUTDOWN',
      shutdownReason: reason,
      deadlineMs: t0 + budget
    })
  if (budget > 0)
    await state.until(() =>
      subscribed.every(e => e.exitCode !== undefined) ||
      state.now() - t0 >= budget
        ? true
        : undefined
    )
  if (state.sandbox === sandbox) state.sandbox = undefined
  // SIGKILL for whatever still runs: the holder is PID 1, so removing the container ends all.
  const removed = state.docker
    .run(['container', 'rm', '--force', sandbox.container])
    .then(
      r => r,
      (error: unknown) => ({
        code: null,
        stdout: '',
        stderr: String(error),
        tail: ''
      })
    )
    .then(r => {
      if (r.code !== 0)
        state.write(
          emulatorLine(
            `could not remove container ${sandbox.container}: ${r.stderr.trim() || `exit status ${r.code}`}`
          )
        )
      for (const e of sandbox.extensions) {
        e.parked?.resolve(
          errorReply(500, 'ServiceException', 'environment shut down')
        )
        delete e.parked
      }
      sandbox.runtimeParked?.resolve(
        errorReply(500, 'ServiceException', 'environment shut down')
      )
      delete sandbox.runtimeParked
      return r.code === 0
    })
  if (removal === 'wait') await removed
  return { removed }
}
