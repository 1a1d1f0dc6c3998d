import type { Check } from '../checks/preflight/checks.js'
import { htmlText, markdownCode, markdownText } from '../util/markdown.js'
import { formatDuration } from '../util/time.js'
import type {
  CanarySignalSummary,
  CheckSummary,
  Report,
  SmokeSummary,
  TargetOutcome,
  TargetReport
} from './report.js'
import {
  askedWords,
  type LambdaAsked,
  type WouldChange
} from './would-change.js'

/**
 * Text from the app, the pull request or AWS (errors, response bodies,
 * names) is shown as itself: util/markdown.ts escapes it.
 */
function cell(value: string | undefined): string {
  return value === undefined || value === '' ? '—' : markdownText(value)
}

function code(value: string | undefined): string {
  return value === undefined || value === '' ? '—' : markdownCode(value)
}

/**
 * A line of the error: escaped, but the action's own list of problems
 * (`  - …`, inputs.ts) stays a list.
 */
function errorLine(line: string): string {
  const item = /^(\s*- )(.*)$/.exec(line)
  return item === null
    ? markdownText(line)
    : `${item[1] ?? ''}${markdownText(item[2] ?? '')}`
}

/**
 * The smoke test's cell, as Markdown: what came from outside (the URL, the
 * reason) escaped, the qualifiers the checks reached as code spans.
 */
function smokeCell(smoke: SmokeSummary | undefined): string {
  if (smoke === undefined) return '—'
  if (smoke.state === 'skipped') return cell(`skipped: ${smoke.reason}`)
  const status =
    smoke.status === undefined ? 'no response' : `HTTP ${smoke.status}`
  const reached =
    smoke.reached === null
      ? ' (which qualifier it reaches is not known)'
      : smoke.reached === undefined
        ? ''
        : ` (reached ${code(smoke.reached)})`
  const direct =
    smoke.direct === undefined
      ? ''
      : `; ${smoke.direct.state === 'passed' ? '✅' : '❌'} ${code(smoke.direct.qualifier)} invoked directly: ${smoke.direct.status === undefined ? 'no response' : `HTTP ${smoke.direct.status}`}${smoke.direct.state === 'failed' ? ` (${cell(smoke.direct.reason)})` : ''}`
  return `${smoke.state === 'passed' ? '✅' : '❌'} ${status} from ${cell(smoke.url)}${reached} after ${smoke.attempts} attempt(s)${smoke.state === 'failed' && smoke.direct?.state !== 'failed' ? `: ${cell(smoke.reason)}` : ''}${direct}`
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
  if (outcomes.includes('rollback-activating'))
    return '⏳ Failed: the rollback is published and still activating'
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
    `## ${outcome}: ${many ? `${targets.length} functions` : markdownText(report.functionName ?? 'Lambda function')}`,
    ''
  ]
  if (report.error !== undefined) {
    lines.push(
      '> [!CAUTION]',
      ...report.error.split('\n').map(line => `> ${errorLine(line)}`),
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
    ['Smoke test', smokeCell(report.smoke)]
  ]
  const first = targets[0]
  // Names and whether each changed: the values never reach the summary.
  if (first?.configuration !== undefined && !many)
    rows.splice(rows.length - 1, 0, [
      'Configuration',
      cell(first.configuration)
    ])
  if (report.alias !== undefined && first !== undefined && !many) {
    rows.splice(
      rows.length - 1,
      0,
      ['Alias', aliasCell(report.alias, first)],
      ['Pre-traffic check', cell(checkCell(first.preTraffic))]
    )
    if (first.canary !== undefined)
      rows.splice(rows.length - 1, 0, ['Canary', cell(checkCell(first.canary))])
    if (first.canarySignals !== undefined)
      rows.splice(rows.length - 1, 0, [
        'Canary signals',
        signalsCell(first.canarySignals)
      ])
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
  for (const warning of report.lifecycleWarnings ?? [])
    lines.push(`> ⚠️ ${markdownText(warning)}`, '')
  if (report.wouldChange !== undefined)
    lines.push(...wouldChangeTable(report.wouldChange))
  // A dry run's functions are all in the would-change table.
  if (many && report.dryRun !== true) {
    lines.push(
      `| Function | Result | Before | Now serving | ${report.alias !== undefined ? 'Pre-traffic | ' : ''}Smoke test |`,
      `|---|---|---|---|${report.alias !== undefined ? '---|' : ''}---|`,
      ...targets.map(
        t =>
          `| ${code(t.functionName)} | ${OUTCOME_TEXT[t.outcome]} | ${before(t)} | ${serving(t)} | ${report.alias !== undefined ? `${cell(checkCell(t.preTraffic))} | ` : ''}${smokeCell(t.smoke)} |`
      ),
      ''
    )
  }
  for (const target of targets) {
    if (target.capacityProviderArn === undefined) continue
    lines.push(
      `> Lambda Managed Instances: ${code(target.functionName)} runs on capacity provider ${code(target.capacityProviderArn || 'unnamed')}; ` +
        (report.alias !== undefined
          ? `callers of alias ${code(report.alias)} get the numbered version it points to.`
          : `callers get ${code('$LATEST.PUBLISHED')}, which this run releases by publishing (PublishTo LATEST_PUBLISHED) and waits to be Active.`),
      ''
    )
  }
  for (const target of targets) {
    const found = target.diagnostics
    if (found === undefined) continue
    lines.push(
      '<details open>',
      `<summary>Logs of ${htmlText(target.functionName)} since the deploy began${found.note !== undefined ? `: ${htmlText(found.note)}` : ''}</summary>`,
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
    '| Function | Serves now | A real run | Lambda, asked with DryRun |',
    '|---|---|---|---|',
    ...changes.map(
      c =>
        `| ${code(c.name)} | ${code(c.from)} | ${cell(c.text)} | ${cell(askedCell(c.asked))} |`
    ),
    ''
  ]
}

const ASKED_ICONS: Record<LambdaAsked['answer'], string> = {
  allowed: '✅',
  busy: '⏳',
  denied: '❌',
  refused: '❌'
}

/** Lambda's answer to the dry run's UpdateFunctionCode; '—' when not asked. */
function askedCell(asked: LambdaAsked | undefined): string {
  if (asked === undefined) return '—'
  return `${ASKED_ICONS[asked.answer]} ${askedWords(asked)}`
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
  'rollback-activating':
    '⏳ rolling back: the previous image is re-published and still activating (callers get it once it is Active)',
  superseded:
    '⚠️ superseded: someone else deployed meanwhile (left as they set it)'
}

const VERDICT_ICON = { pass: '✅', fail: '❌', inconclusive: '❔' } as const

/** Each signal a canary was judged by: its verdict, what it saw. */
function signalsCell(signals: readonly CanarySignalSummary[]): string {
  return signals
    .map(
      s =>
        `${VERDICT_ICON[s.verdict]} ${s.verdict}: ${markdownText(`${s.signal}: ${s.seen}`)}`
    )
    .join('<br>')
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
  fail: '❌',
  skip: '⏭️'
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
  if (reuse?.kind === 'archived')
    return `${cell(report.builder)} (build key ${key(reuse.key)}${took}: its image ${code(reuse.digest)} is archived in ECR, so built again)`
  if (reuse?.kind === 'no-key')
    return `${cell(report.builder)} (no build key: ${cell(reuse.reason)})`
  return cell(report.builder)
}
