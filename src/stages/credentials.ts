/**
 * Credentials that expire mid-run: a canary as long as the role's session
 * would end with the alias move, the undo and the post step running on
 * expired credentials, leaving the split live. Before anything changes, the
 * plan's worst case (every wait, check and the undo running to its limit)
 * must end, with a margin, before the credentials expire: at the expiry the
 * SDK's credential provider reports (AwsCredentialIdentity.expiration; the
 * environment provider reads it from AWS_CREDENTIAL_EXPIRATION), else
 * credentials-lifetime after the action's start (1h: the default STS
 * session, DurationSeconds 3600, which aws-actions/configure-aws-credentials
 * asks for by default).
 */
import type { Inputs } from '../inputs/types.js'
import { planRun, type StageName } from '../plan.js'
import { DeployError, errorMessage } from '../util/errors.js'
import { formatDuration } from '../util/time.js'
import type { RunContext } from './context.js'
import { UNDO_SETTLE_MS } from './undo.js'

/** Left over at the worst case's end: the post step and a slow last call. */
export const CREDENTIALS_MARGIN_MS = 5 * 60_000

/** When the credentials expire, and who said so. */
export interface CredentialsDeadline {
  at: number
  /** sdk: the credential provider's expiry; input: credentials-lifetime. */
  source: 'sdk' | 'input'
}

export function credentialsDeadline(
  startedAt: number,
  lifetimeMs: number,
  expiration: Date | undefined
): CredentialsDeadline {
  return expiration !== undefined && Number.isFinite(expiration.getTime())
    ? { at: expiration.getTime(), source: 'sdk' }
    : { at: startedAt + lifetimeMs, source: 'input' }
}

export type WorstCaseInputs = Pick<
  Inputs,
  | 'mode'
  | 'alias'
  | 'canary'
  | 'source'
  | 'preflight'
  | 'dryRun'
  | 'reuseUnchanged'
  | 'publish'
  | 'waitTimeoutMs'
  | 'smokeTest'
  | 'smokeTimeoutMs'
>

/** One part of the worst case: the input it comes from, and how long. */
export interface WorstCasePart {
  input: string
  what: string
  ms: number
}

/**
 * The longest the rest of a real run of this plan may take once it starts
 * changing things: each wait and check to its limit, then the undo. (A dry
 * run is judged as the real run it previews.)
 */
export function worstCase(inputs: WorstCaseInputs): WorstCasePart[] {
  // The local run comes before the first change: it is no part of the worst case.
  const stages = new Set<StageName>(
    planRun({ ...inputs, localRun: 'off', dryRun: false })
  )
  const parts: WorstCasePart[] = []
  const changes = stages.has('deploy')
  if (changes)
    parts.push({
      input: 'wait-timeout',
      what: 'the update',
      ms: inputs.waitTimeoutMs
    })
  if (changes && inputs.publish)
    parts.push({
      input: 'wait-timeout',
      what: 'the published version',
      ms: inputs.waitTimeoutMs
    })
  if (stages.has('pre-traffic'))
    parts.push({
      input: 'smoke-timeout',
      what: 'the pre-traffic check',
      ms: inputs.smokeTimeoutMs
    })
  if (stages.has('canary') && inputs.canary !== undefined) {
    const interval = inputs.canary.intervalMs
    // The last canary check may start just before the interval ends.
    const lastCheck = Math.min(30_000, Math.max(1000, interval / 4))
    parts.push({
      input: 'canary-interval',
      what: 'the canary',
      ms: interval + lastCheck
    })
  }
  if (stages.has('smoke') && inputs.smokeTest)
    parts.push({
      input: 'smoke-timeout',
      what: 'the smoke test (an HTTP request and a direct Invoke)',
      ms: 2 * inputs.smokeTimeoutMs
    })
  if (changes || stages.has('move-alias'))
    parts.push({
      input: 'wait-timeout',
      what: `the undo (${formatDuration(UNDO_SETTLE_MS)} to settle, then the restore)`,
      ms: UNDO_SETTLE_MS + inputs.waitTimeoutMs
    })
  return parts
}

/**
 * Why the plan cannot finish before the credentials expire, naming the
 * input that makes it long and the credentials' lifetime; undefined when
 * it can, with CREDENTIALS_MARGIN_MS to spare.
 */
export function credentialsProblem(
  parts: readonly WorstCasePart[],
  now: number,
  startedAt: number,
  deadline: CredentialsDeadline
): string | undefined {
  const worstMs = parts.reduce((sum, part) => sum + part.ms, 0)
  if (worstMs === 0) return undefined
  const leftMs = deadline.at - now
  if (now + worstMs + CREDENTIALS_MARGIN_MS <= deadline.at) return undefined
  // The input that counts most in the worst case is the one to shorten.
  const byInput = new Map<string, number>()
  for (const part of parts)
    byInput.set(part.input, (byInput.get(part.input) ?? 0) + part.ms)
  const longest = [...byInput].sort((a, b) => b[1] - a[1])[0]?.[0]
  const breakdown = parts
    .map(p => `${p.what} ${formatDuration(p.ms)} (${p.input})`)
    .join(', ')
  const expiry =
    deadline.source === 'sdk'
      ? `the AWS credentials expire in ${formatDuration(Math.max(0, leftMs))} (as their provider reports: ${new Date(deadline.at).toISOString()})`
      : `the AWS credentials expire in ${formatDuration(Math.max(0, leftMs))} (credentials-lifetime ${formatDuration(deadline.at - startedAt)} from the action's start, ${formatDuration(now - startedAt)} ago)`
  return (
    `This run could take up to ${formatDuration(worstMs)} more (${breakdown}), plus a ${formatDuration(CREDENTIALS_MARGIN_MS)} margin, but ${expiry}: ` +
    `the undo and the post step would then run on expired credentials and leave the release half done. Nothing was changed. ` +
    `Shorten ${longest ?? 'the waits'}, or give the job longer credentials (role-duration-seconds of aws-actions/configure-aws-credentials, up to the role's maximum session duration) and set credentials-lifetime to match.`
  )
}

/** The expiry the SDK's credential provider reports, if any. */
export async function reportedExpiration(
  ctx: RunContext
): Promise<Date | undefined> {
  try {
    const identity = await ctx.clients.lambda.config.credentials()
    return identity.expiration
  } catch (error) {
    // No credentials at all: the first AWS call says so, with its own error.
    ctx.log(
      `Could not read the AWS credentials' expiry (${errorMessage(error)}); counting credentials-lifetime from the start.`
    )
    return undefined
  }
}

/**
 * Refuse the plan, before anything changes, when its worst case cannot end
 * before the credentials expire. Run before the look-up and again right
 * before the first change (after the build, whose time counts too).
 */
export async function checkCredentialsLifetime(
  ctx: RunContext,
  plan: WorstCaseInputs
): Promise<void> {
  const parts = worstCase(plan)
  if (parts.length === 0) return
  const deadline = credentialsDeadline(
    ctx.startedAt,
    ctx.inputs.credentialsLifetimeMs,
    await reportedExpiration(ctx)
  )
  const problem = credentialsProblem(
    parts,
    ctx.deps.timing.now(),
    ctx.startedAt,
    deadline
  )
  if (problem !== undefined) throw new DeployError(problem)
}
