/**
 * The shutdown phase: SHUTDOWN to the subscribed extensions with the reason, their budget
 * (`shutdownBudgetMs`, lifecycle.ts), then the container is removed (SIGKILL for whatever still
 * runs) and every parked `next` is answered.
 * AWS docs: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html.
 */
import { errorReply } from './api-server.js'
import { shutdownBudgetMs } from './lifecycle.js'
import type { SandboxState } from './sandbox.js'
import type { ShutdownReason } from './types.js'

/** Shuts down the current environment, if any. */
export async function shutdown(
  state: SandboxState,
  reason: ShutdownReason
): Promise<void> {
  const sandbox = state.sandbox
  if (sandbox === undefined) return
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
  // SIGKILL for whatever still runs: the holder is PID 1, so removing the container ends all.
  await state.docker.run(['container', 'rm', '--force', sandbox.container])
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
  if (state.sandbox === sandbox) state.sandbox = undefined
}
