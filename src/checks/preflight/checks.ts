import type { PreflightMode } from '../../inputs/types.js'
/** What a preflight check found, and what preflight mode makes of it. */
/** skip: the check could not run here (said why); only the local run skips. */
export type CheckResult = 'pass' | 'warn' | 'fail' | 'skip'

export interface Check {
  /** Stable identifier, e.g. image.extensions. */
  id: string
  /** What was checked, in the user's words. */
  title: string
  result: CheckResult
  /** What was found and, for warn/fail, what to change. */
  message: string
}

export type { PreflightMode }

export interface PreflightVerdict {
  /** Checks that stop the deploy (strict mode fails). */
  blocking: Check[]
  /** Checks to show as warning annotations. */
  warnings: Check[]
}

/**
 * strict: a failed check stops the deploy, warnings are annotations;
 * warn: everything is only a warning; off: nothing runs (and nothing here).
 */
export function decide(checks: Check[], mode: PreflightMode): PreflightVerdict {
  if (mode === 'off') return { blocking: [], warnings: [] }
  const failed = checks.filter(check => check.result === 'fail')
  const warned = checks.filter(check => check.result === 'warn')
  return mode === 'strict'
    ? { blocking: failed, warnings: warned }
    : { blocking: [], warnings: [...failed, ...warned] }
}

export function pass(id: string, title: string, message: string): Check {
  return { id, title, result: 'pass', message }
}

export function warn(id: string, title: string, message: string): Check {
  return { id, title, result: 'warn', message }
}

export function fail(id: string, title: string, message: string): Check {
  return { id, title, result: 'fail', message }
}

/** The error a strict preflight stops the deploy with. */
export function blockingMessage(phase: string, blocking: Check[]): string {
  return (
    `Preflight (${phase}) stopped the deploy before the function was changed:\n` +
    blocking.map(check => `- ${check.title}: ${check.message}`).join('\n') +
    '\nFix the above, or set preflight: warn to deploy anyway.'
  )
}

const ICONS: Record<CheckResult, string> = {
  pass: 'pass',
  skip: 'skip',
  warn: 'WARN',
  fail: 'FAIL'
}

export interface Reporter {
  log: (message: string) => void
  warn: (message: string) => void
}

/**
 * Log every check, annotate what the mode makes a warning, and return the
 * error that stops the deploy, if any (the caller throws it).
 */
export function enforce(
  phase: string,
  checks: Check[],
  mode: PreflightMode,
  reporter: Reporter
): string | undefined {
  for (const check of checks) {
    reporter.log(`[${ICONS[check.result]}] ${check.title}: ${check.message}`)
  }
  const verdict = decide(checks, mode)
  for (const check of verdict.warnings) {
    reporter.warn(`Preflight: ${check.title}: ${check.message}`)
  }
  return verdict.blocking.length > 0
    ? blockingMessage(phase, verdict.blocking)
    : undefined
}
