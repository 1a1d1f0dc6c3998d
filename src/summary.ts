import type { Check } from './preflight/checks.js'
import { formatDuration } from './time.js'

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

/** What one run did: the source of the outputs and the job summary. */
export interface Report {
  functionName?: string | undefined
  functionArn?: string | undefined
  architecture?: string | undefined
  platform?: string | undefined
  imageTag?: string | undefined
  imageDigest?: string | undefined
  imageUri?: string | undefined
  reusedImage?: boolean | undefined
  builder?: string | undefined
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
  phases: PhaseRecord[]
  /** Every preflight check that ran, in order. */
  preflight?: Check[] | undefined
  error?: string | undefined
}

/** Action outputs, as strings, for what is known (a failed run still tells what it did). */
export function reportOutputs(report: Report): Record<string, string> {
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
    'preview-url': report.previewUrl,
    'preview-function-name': report.previewFunctionName
  }
  return Object.fromEntries(
    Object.entries(outputs).filter(
      (entry): entry is [string, string] => entry[1] !== undefined
    )
  )
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

/** The job summary, as Markdown. */
export function renderSummary(report: Report): string {
  const outcome =
    report.error === undefined
      ? report.removed !== undefined
        ? '🧹 Preview removed'
        : report.previewFunctionName !== undefined
          ? '✅ Preview deployed'
          : '✅ Deployed'
      : report.rolledBack === true
        ? '↩️ Failed and rolled back'
        : '❌ Failed'
  const lines = [
    `## ${outcome}: ${report.functionName ?? 'Lambda function'}`,
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
    [
      'Build',
      report.reusedImage === true
        ? 'reused the existing tag (no build)'
        : cell(report.builder)
    ],
    ['Previous image', code(report.previousImageUri)],
    [
      'Function updated',
      report.updated === undefined
        ? '—'
        : report.updated
          ? 'yes'
          : 'no (already running this image)'
    ],
    ['Smoke test', cell(smokeCell(report.smoke))]
  ]
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

const PREFLIGHT_ICONS: Record<Check['result'], string> = {
  pass: '✅',
  warn: '⚠️',
  fail: '❌'
}
