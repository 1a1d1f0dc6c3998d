/**
 * The text of a preview's sticky pull request comment (pure): what it
 * says, the marker that finds it again, and the redaction of a failure.
 */
import { markdownCode, markdownText } from '../util/markdown.js'

export interface PreviewCommentInfo {
  productionName: string
  previewName: string
  url: string | undefined
  image: string | undefined
  commit: string | undefined
  smoke: string
  /** A failure of the run, if any: one line, shown redacted. */
  error?: string | undefined
  /** The run's page, where the whole log is. */
  runUrl?: string | undefined
}

/** Finds the comment again on later pushes; one per production function. */
export function commentMarker(productionName: string): string {
  return `<!-- aspnet-lambda-deploy:preview:${productionName} -->`
}

function inline(value: string | undefined): string {
  return value === undefined || value === '' ? '—' : markdownCode(value)
}

/** Lines that look like they carry a secret or data, cut out whole. */
const SECRET_PATTERNS: RegExp[] = [
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g,
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\b(eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,})\b/g,
  /\b[A-Za-z0-9+/]{40,}={0,2}/g,
  /(password|passwd|secret|token|api[_-]?key|authorization)\s*[=:]\s*\S+/gi,
  /:\/\/[^/\s:@]+:[^/\s@]+@/g
]

/**
 * Where a check's failure quotes what the app answered (checks/smoke.ts and
 * checks/invoke.ts end their reason with `; body: <the body>`): the pull
 * request never shows it, whatever it holds.
 */
const APP_BODY = /;\s*body:.*$/

/**
 * One line of a failure for the pull request, where the runner does not
 * mask secrets: the first line only (never build output), without the
 * app's answer, cut to 200 characters, with what looks like a token, a key
 * or credentials replaced. Plain text: the comment escapes it.
 */
export function redactedLine(text: string): string {
  let line = (text.split(/\r?\n/).find(l => l.trim() !== '') ?? '')
    .replace(APP_BODY, '')
    .trim()
  for (const pattern of SECRET_PATTERNS) {
    line = line.replace(pattern, match =>
      /^[a-z_-]+\s*[=:]/i.test(match)
        ? `${match.split(/[=:]/)[0] ?? ''}=[redacted]`
        : match.startsWith('://')
          ? '://[redacted]@'
          : '[redacted]'
    )
  }
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}

/** The run's page: GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID. */
export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com'
  const { GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env
  if (repository === undefined || runId === undefined || runId === '')
    return undefined
  return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}`
}

export function renderPreviewComment(info: PreviewCommentInfo): string {
  const ok = info.error === undefined
  const lines = [
    commentMarker(info.productionName),
    `### ${ok ? '🚀' : '❌'} Preview of ${markdownCode(info.productionName)}${ok ? '' : ' failed'}`,
    '',
    '| | |',
    '|---|---|',
    `| URL | ${info.url !== undefined ? markdownText(info.url) : '—'} |`,
    `| Function | ${inline(info.previewName)} |`,
    `| Image | ${inline(info.image)} |`,
    `| Commit | ${inline(info.commit)} |`,
    `| Smoke test | ${markdownText(info.smoke)} |`
  ]
  if (!ok) {
    lines.push(
      '',
      `**What failed:** ${markdownText(redactedLine(info.error ?? '')) || 'see the run'}`,
      '',
      info.runUrl === undefined
        ? 'The whole log is in the workflow run.'
        : `The whole log is in [the workflow run](${info.runUrl}).`
    )
  }
  lines.push(
    '',
    '<sub>Updated on every push by aspnet-lambda-deploy; removed with the preview when the pull request closes.</sub>'
  )
  return lines.join('\n')
}

export function renderRemovedComment(
  productionName: string,
  removed: string[]
): string {
  return [
    commentMarker(productionName),
    `### 🧹 Preview of ${markdownCode(productionName)} removed`,
    '',
    ...(removed.length === 0
      ? ['Nothing was left to remove.']
      : removed.map(item => `- ${markdownText(item)}`))
  ].join('\n')
}
