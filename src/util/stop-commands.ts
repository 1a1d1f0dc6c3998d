/**
 * Text the action did not write — a function's CloudWatch log lines, which
 * can hold request data — printed with the runner's workflow commands
 * stopped, so a logged `::add-mask::`, `::set-output` or `::error` is only
 * text. GitHub docs, "Workflow commands for GitHub Actions", "Stopping and
 * starting workflow commands": `::stop-commands::{endtoken}` stops them,
 * a line `::{endtoken}::` starts them again, and the token must be random
 * and unique for each run (whoever can guess it can end the fence).
 */
import { randomBytes } from 'node:crypto'

/** 256 random bits, hex: a fresh token for every fence. */
export function newStopToken(): string {
  return randomBytes(32).toString('hex')
}

/**
 * Writes `::stop-commands::<token>` with `write` (the job log, unprefixed:
 * a command is read only at the start of a line), runs `body`, which
 * prints the untrusted lines, then `::<token>::`, even if `body` throws.
 * `body` is synchronous, so nothing else can print inside the fence.
 */
export function withCommandsStopped(
  write: (line: string) => void,
  body: () => void,
  token: string = newStopToken()
): void {
  write(`::stop-commands::${token}`)
  try {
    body()
  } finally {
    write(`::${token}::`)
  }
}
