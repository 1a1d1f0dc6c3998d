import type { Check } from '../checks/preflight/checks.js'
import { formatDuration } from '../util/time.js'
import { wouldChangeOutput, type WouldChange } from './would-change.js'

export interface PhaseRecord {
  name: string
  durationMs: number
  outcome: 'ok' | 'failed' | 'skipped'
}

export type SmokeSummary =
  | {
      state: 'passed' | 'failed'
      url: string
      status: number | undefined
      attempts: number
      reason: string
    }
  | { state: 'skipped'; reason: string }

/** A pre-traffic (or canary) check: the new version invoked directly. */
export type CheckSummary =
  | {
      state: 'passed' | 'failed'
      status: number | undefined
      attempts: number
      reason: string
    }
  | { state: 'skipped'; reason: string }

/**
 * pending: not finished; deployed: runs (serves) the new image;
 * unchanged: already did; stopped: failed before traffic reached it;
 * failed: failed and still serves it (no rollback); rolled-back: restored;
 * superseded: someone else changed it during the run (left alone);
 * reverted: restored because another function failed;
 * rollback-pending: the job was cancelled before its undo ended, and the
 * post step puts it back (its log and summary say whether it did).
 */
export type TargetOutcome =
  | 'pending'
  | 'deployed'
  | 'unchanged'
  | 'stopped'
  | 'failed'
  | 'rolled-back'
  | 'reverted'
  | 'rollback-failed'
  | 'rollback-pending'
  | 'superseded'

/** What happened to one function of the run. */
export interface TargetReport {
  functionName: string
  functionArn: string
  outcome: TargetOutcome
  updated?: boolean | undefined
  previousImageUri?: string | undefined
  /** alias deploys: the version the alias pointed to before. */
  previousVersion?: string | undefined
  /** publish / alias: the version published for the new code. */
  version?: string | undefined
  aliasArn?: string | undefined
  preTraffic?: CheckSummary | undefined
  canary?: CheckSummary | undefined
  smoke?: SmokeSummary | undefined
  /** What the function (or its alias) serves at the end of the run. */
  servingImageUri?: string | undefined
  servingVersion?: string | undefined
  error?: string | undefined
  /** A command that restores what ran before, by hand. */
  undo?: string | undefined
  /** The lines of the function's logs that explain a failure. */
  diagnostics?: { lines: string[]; note: string | undefined } | undefined
  /** dry-run: what a real run would change. */
  wouldChange?: WouldChange | undefined
}

/** reuse-unchanged-image: what the build key decided. */
export type ReuseSummary =
  /** An earlier build of the same app was tagged `tag`: nothing was built. */
  | {
      kind: 'reused'
      key: string
      /** The tag the image was built for, when known. */
      builtFor: string | undefined
      tag: string
      digest: string
    }
  /** No image had the key: built, and the key recorded on it. */
  | { kind: 'new-key'; key: string }
  /** The key could not be made: built as without the option. */
  | { kind: 'no-key'; reason: string }

/** What one run did: the source of the outputs and the job summary. */
export interface Report {
  /** One per function of function-name (the preview function in preview mode). */
  targets?: TargetReport[] | undefined
  alias?: string | undefined
  functionName?: string | undefined
  functionArn?: string | undefined
  architecture?: string | undefined
  platform?: string | undefined
  imageTag?: string | undefined
  imageDigest?: string | undefined
  imageUri?: string | undefined
  reusedImage?: boolean | undefined
  builder?: string | undefined
  reuse?: ReuseSummary | undefined
  /** How long making the build key took (hashing, base image look-ups). */
  keyMs?: number | undefined
  previousImageUri?: string | undefined
  updated?: boolean | undefined
  smoke?: SmokeSummary | undefined
  rolledBack?: boolean | undefined
  rolledBackTo?: string | undefined
  /** mode preview / cleanup: the production function the preview copies. */
  productionFunctionName?: string | undefined
  previewFunctionName?: string | undefined
  previewUrl?: string | undefined
  /** mode cleanup: what was deleted. */
  removed?: string[] | undefined
  /** dry-run: nothing was changed. */
  dryRun?: boolean | undefined
  /** dry-run: what a real run would change (or remove), in order. */
  wouldChange?: WouldChange[] | undefined
  /** dry-run: the local image the build made, not pushed. */
  builtLocally?: string | undefined
  phases: PhaseRecord[]
  /** Every preflight check that ran, in order. */
  preflight?: Check[] | undefined
  error?: string | undefined
}

/** Action outputs, as strings, for what is known (a failed run still tells what it did). */
export function reportOutputs(report: Report): Record<string, string> {
  const first = report.targets?.[0]
  const outputs: Record<string, string | undefined> = {
    'image-uri': report.imageUri,
    'image-digest': report.imageDigest,
    'image-tag': report.imageTag,
    architecture: report.architecture,
    'function-arn': report.functionArn,
    'previous-image-uri': report.previousImageUri,
    'smoke-url': report.smoke?.state === 'skipped' ? '' : report.smoke?.url,
    'smoke-status':
      report.smoke === undefined
        ? undefined
        : report.smoke.state === 'skipped'
          ? 'skipped'
          : String(report.smoke.status ?? 'no-response'),
    'reused-image':
      report.reusedImage === undefined ? undefined : String(report.reusedImage),
    updated: report.updated === undefined ? undefined : String(report.updated),
    'rolled-back': String(report.rolledBack ?? false),
    'function-version': first?.version,
    'alias-arn': first?.aliasArn,
    'previous-version': first?.previousVersion,
    'serving-image-uri': first?.servingImageUri,
    'serving-version': first?.servingVersion,
    functions:
      report.targets === undefined
        ? undefined
        : JSON.stringify(report.targets.map(functionOutput)),
    'preview-url': report.previewUrl,
    'preview-function-name': report.previewFunctionName,
    'dry-run': report.dryRun === true ? 'true' : undefined,
    'would-change':
      report.wouldChange === undefined
        ? undefined
        : wouldChangeOutput(report.wouldChange)
  }
  return Object.fromEntries(
    Object.entries(outputs).filter(
      (entry): entry is [string, string] => entry[1] !== undefined
    )
  )
}

function functionOutput(target: TargetReport): Record<string, unknown> {
  return {
    name: target.functionName,
    arn: target.functionArn,
    outcome: target.outcome,
    updated: target.updated,
    version: target.version,
    previousVersion: target.previousVersion,
    previousImage: target.previousImageUri,
    servingImage: target.servingImageUri,
    servingVersion: target.servingVersion
  }
}

/**
 * The summary is rendered as Markdown with HTML: text such as
 * `arn:aws:lambda:<region>:...` in an error or a response body would be
 * taken for tags and vanish.
 */
function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
}

function cell(value: string | undefined): string {
  return value === undefined || value === ''
    ? '—'
    : escapeHtml(value).replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function code(value: string | undefined): string {
  return value === undefined || value === ''
    ? '—'
    : `\`${value.replace(/`/g, "'")}\``
}

function smokeCell(smoke: SmokeSummary | undefined): string {
  if (smoke === undefined) return '—'
  if (smoke.state === 'skipped') return `skipped: ${smoke.reason}`
  const status =
    smoke.status === undefined ? 'no response' : `HTTP ${smoke.status}`
  return `${smoke.state === 'passed' ? '✅' : '❌'} ${status} from ${smoke.url} after ${smoke.attempts} attempt(s)${smoke.state === 'failed' ? `: ${smoke.reason}` : ''}`
}

/** The summary's heading: how the run ended, in a few words. */
function headline(report: Report): string {
  const outcomes = (report.targets ?? []).map(t => t.outcome)
  if (report.dryRun === true)
    return report.error === undefined
      ? '🔍 Dry run — nothing was changed'
      : '❌ Dry run failed — nothing was changed'
  if (report.error === undefined) {
    if (report.removed !== undefined) return '🧹 Preview removed'
    if (report.previewFunctionName !== undefined) return '✅ Preview deployed'
    return '✅ Deployed'
  }
  if (report.rolledBack === true) return '↩️ Failed and rolled back'
  if (outcomes.includes('rollback-pending'))
    return '⏳ Cancelled: the post step puts back what this run changed'
  if (outcomes.includes('superseded'))
    return '⚠️ Failed: someone else deployed meanwhile'
  return '❌ Failed'
}

/** The job summary, as Markdown. */
export function renderSummary(report: Report): string {
  const outcome = headline(report)
  const targets = report.targets ?? []
  const many = targets.length > 1
  const lines = [
    `## ${outcome}: ${many ? `${targets.length} functions` : (report.functionName ?? 'Lambda function')}`,
    ''
  ]
  if (report.error !== undefined) {
    lines.push(
      '> [!CAUTION]',
      ...report.error.split('\n').map(line => `> ${escapeHtml(line)}`),
      ''
    )
  }
  const rows: [string, string][] = [
    ['Function', code(report.functionArn ?? report.functionName)],
    [
      'Architecture',
      report.architecture === undefined
        ? '—'
        : `${report.architecture} (${report.platform ?? ''})`
    ],
    ['Image tag', code(report.imageTag)],
    ['Image', code(report.imageUri)],
    ['Build', buildCell(report)],
    ['Previous image', code(report.previousImageUri)],
    [
      'Function updated',
      report.updated === undefined
        ? '—'
        : report.updated
          ? 'yes'
          : report.dryRun === true
            ? 'no (dry run)'
            : 'no (already running this image)'
    ],
    ['Smoke test', cell(smokeCell(report.smoke))]
  ]
  const first = targets[0]
  if (report.alias !== undefined && first !== undefined && !many) {
    rows.splice(
      rows.length - 1,
      0,
      ['Alias', aliasCell(report.alias, first)],
      ['Pre-traffic check', cell(checkCell(first.preTraffic))]
    )
    if (first.canary !== undefined)
      rows.splice(rows.length - 1, 0, ['Canary', cell(checkCell(first.canary))])
  } else if (first?.version !== undefined && !many) {
    rows.push(['Published version', code(first.version)])
  }
  if (many) {
    // Per-function facts are in the table below.
    for (const key of ['Function', 'Previous image', 'Smoke test']) {
      const at = rows.findIndex(([k]) => k === key)
      if (at >= 0) rows.splice(at, 1)
    }
  }
  if (report.previewFunctionName !== undefined) {
    rows.push(
      ['Preview of', code(report.productionFunctionName)],
      ['Preview URL', cell(report.previewUrl)]
    )
  }
  if (report.removed !== undefined) {
    rows.push([
      'Removed',
      report.removed.length === 0
        ? 'nothing was left to remove'
        : report.removed.map(cell).join('<br>')
    ])
  }
  if (report.rolledBack !== undefined) {
    rows.push([
      'Rolled back',
      report.rolledBack ? `yes, to ${code(report.rolledBackTo)}` : 'no'
    ])
  }
  lines.push(
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    ''
  )
  if (report.wouldChange !== undefined)
    lines.push(...wouldChangeTable(report.wouldChange))
  // A dry run's functions are all in the would-change table.
  if (many && report.dryRun !== true) {
    lines.push(
      `| Function | Result | Before | Now serving | ${report.alias !== undefined ? 'Pre-traffic | ' : ''}Smoke test |`,
      `|---|---|---|---|${report.alias !== undefined ? '---|' : ''}---|`,
      ...targets.map(
        t =>
          `| ${code(t.functionName)} | ${OUTCOME_TEXT[t.outcome]} | ${before(t)} | ${serving(t)} | ${report.alias !== undefined ? `${cell(checkCell(t.preTraffic))} | ` : ''}${cell(smokeCell(t.smoke))} |`
      ),
      ''
    )
  }
  for (const target of targets) {
    const found = target.diagnostics
    if (found === undefined) continue
    lines.push(
      '<details open>',
      `<summary>Logs of ${escapeHtml(target.functionName)} since the deploy began${found.note !== undefined ? `: ${escapeHtml(found.note)}` : ''}</summary>`,
      '',
      ...(found.lines.length > 0
        ? ['```text', ...found.lines.map(l => l.replace(/```/g, "'''")), '```']
        : []),
      '</details>',
      ''
    )
  }
  const undo = targets.filter(t => t.undo !== undefined)
  if (undo.length > 0) {
    lines.push(
      report.error === undefined
        ? '**To undo this deploy by hand:**'
        : report.rolledBack === true
          ? '**Restored automatically. The command that does it by hand:**'
          : '**To restore what ran before:**',
      '',
      '```sh',
      ...undo.map(t => t.undo ?? ''),
      '```',
      ''
    )
  }
  if (report.phases.length > 0) {
    lines.push(
      '| Phase | Result | Duration |',
      '|---|---|---|',
      ...report.phases.map(
        phase =>
          `| ${phase.name} | ${phase.outcome} | ${formatDuration(phase.durationMs)} |`
      ),
      ''
    )
  }
  if (report.preflight !== undefined && report.preflight.length > 0) {
    lines.push(
      '| Preflight check | Result | Details |',
      '|---|---|---|',
      ...report.preflight.map(
        check =>
          `| ${cell(check.title)} | ${PREFLIGHT_ICONS[check.result]} ${check.result} | ${cell(check.message)} |`
      ),
      ''
    )
  }
  return lines.join('\n')
}

/** dry-run: what a real run would change, one row per function (or item). */
function wouldChangeTable(changes: readonly WouldChange[]): string[] {
  if (changes.length === 0)
    return ['A real run would change nothing: nothing is left to remove.', '']
  return [
    '**What a real run would change:**',
    '',
    '| Function | Serves now | A real run |',
    '|---|---|---|',
    ...changes.map(
      c => `| ${code(c.name)} | ${code(c.from)} | ${cell(c.text)} |`
    ),
    ''
  ]
}

const OUTCOME_TEXT: Record<TargetOutcome, string> = {
  pending: '… not finished',
  deployed: '✅ deployed',
  unchanged: '✅ already running it',
  stopped: '⛔ stopped before traffic',
  failed: '❌ failed',
  'rolled-back': '↩️ rolled back',
  reverted: '↩️ reverted (another function failed)',
  'rollback-failed': '🚨 rollback failed',
  'rollback-pending':
    '⏳ cancelled: the post step puts back the previous release',
  superseded:
    '⚠️ superseded: someone else deployed meanwhile (left as they set it)'
}

function checkCell(check: CheckSummary | undefined): string {
  if (check === undefined) return '—'
  if (check.state === 'skipped') return `skipped: ${check.reason}`
  const status =
    check.status === undefined ? 'no answer' : `HTTP ${check.status}`
  return `${check.state === 'passed' ? '✅' : '❌'} ${status} after ${check.attempts} invocation(s)${check.state === 'failed' ? `: ${check.reason}` : ''}`
}

function aliasCell(alias: string, target: TargetReport): string {
  const now = target.servingVersion ?? target.version
  const was = target.previousVersion
  const fresh = target.version
  if (target.outcome === 'stopped' && was !== undefined)
    return `${code(alias)} stays on version ${was}: version ${fresh ?? '—'} got no traffic`
  if (
    (target.outcome === 'rolled-back' || target.outcome === 'reverted') &&
    now === was
  )
    return `${code(alias)} back on version ${was ?? '—'} after version ${fresh ?? '—'} failed`
  return `${code(alias)} → version ${now ?? '—'}${was !== undefined ? (was === now ? ' (unchanged)' : ` (was ${was})`) : ' (created)'}`
}

function before(target: TargetReport): string {
  return target.previousVersion !== undefined
    ? `version ${target.previousVersion}`
    : code(target.previousImageUri)
}

function serving(target: TargetReport): string {
  return target.servingVersion !== undefined
    ? `version ${target.servingVersion}`
    : code(target.servingImageUri)
}

const PREFLIGHT_ICONS: Record<Check['result'], string> = {
  pass: '✅',
  warn: '⚠️',
  fail: '❌'
}

/** The Build row: what was built, or why nothing was. */
export function buildCell(report: Report): string {
  const reuse = report.reuse
  const key = (k: string): string => code(`build-${k.slice(0, 12)}…`)
  const took =
    report.keyMs === undefined ? '' : `, key in ${formatDuration(report.keyMs)}`
  if (reuse?.kind === 'reused')
    return `No build: the app is unchanged since ${reuse.builtFor === undefined ? 'an earlier build' : code(reuse.builtFor)} (key ${key(reuse.key)}${took}); tagged ${code(reuse.tag)} on ${code(reuse.digest)}`
  if (report.reusedImage === true) return 'reused the existing tag (no build)'
  if (report.builtLocally !== undefined)
    return `${cell(report.builder)}, not pushed: ${code(report.builtLocally)}`
  if (reuse?.kind === 'new-key')
    return `${cell(report.builder)} (new build key ${key(reuse.key)}${took})`
  if (reuse?.kind === 'no-key')
    return `${cell(report.builder)} (no build key: ${cell(reuse.reason)})`
  return cell(report.builder)
}
