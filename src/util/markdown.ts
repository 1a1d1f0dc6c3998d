/**
 * Text from outside the action (the app's answers, the pull request, AWS)
 * shown in GitHub Markdown — the job summary and the pull request comment —
 * as itself: no link, image, mention, HTML, emphasis or table cell of its
 * own, on one line. The one escaping helper; everything such text reaches
 * Markdown through goes through here.
 */

/**
 * What starts an inline construct in GitHub Flavored Markdown: backslash
 * escapes, code spans, emphasis, links and images, strikethrough, table
 * cells. Escaped with a backslash (CommonMark: any ASCII punctuation may
 * be; in a GFM table `\|` is a literal pipe).
 */
const INLINE = /[\\`*_[\]~|]/g

/** What starts a block at the beginning of a line: heading, quote, list, rule. */
const BLOCK_START = /^(\s*)([#>+=-]|\d+[.)])/

/**
 * A GitHub @mention (and team mention) is an @ at the start or after a
 * character that is not part of a word; a zero-width space after the @
 * keeps it from notifying anyone (what Dependabot and Renovate do).
 * `repo@sha256:…` and e-mail addresses are not mentions and stay as they are.
 */
const MENTION = /(^|[^\w])@(?=[A-Za-z0-9])/g

/**
 * An http(s) URL of plain characters (host, port, a path of unreserved
 * characters): GitHub shows it as a link to exactly the address it reads,
 * so it is left as it is — escaping a `_` in it would break the link.
 */
const PLAIN_URL = /https?:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~%/-]*)?/g

/** Plain text: renders exactly as the text reads, on one line. */
export function markdownText(value: string): string {
  const line = value.replace(/\r\n?|\n/g, ' ')
  let out = ''
  let last = 0
  for (const url of line.matchAll(PLAIN_URL)) {
    const at = url.index
    // Only a URL of its own (not the tail of a longer word).
    if (at > 0 && !/[\s(]/.test(line[at - 1] ?? '')) continue
    out += escapeText(line.slice(last, at), last === 0) + url[0]
    last = at + url[0].length
  }
  return out + escapeText(line.slice(last), last === 0)
}

function escapeText(text: string, atLineStart: boolean): string {
  const escaped = text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(INLINE, char => `\\${char}`)
  return (
    atLineStart
      ? escaped.replace(BLOCK_START, (_all, space: string, start: string) =>
          start.length === 1
            ? `${space}\\${start}`
            : `${space}${start.slice(0, -1)}\\${start.slice(-1)}`
        )
      : escaped
  ).replace(MENTION, '$1@&#8203;')
}

/**
 * A code span for a table cell: no backtick can end it early, no pipe can
 * end the cell (GFM reads `\|` inside a code span in a table as `|`), one
 * line. Nothing inside a code span renders as a link, a mention or HTML.
 */
export function markdownCode(value: string): string {
  return `\`${value
    .replace(/`/g, "'")
    .replace(/\|/g, '\\|')
    .replace(/\r\n?|\n/g, ' ')}\``
}

/**
 * Text inside an HTML block (such as `<summary>`), where Markdown is not
 * read but tags and mentions are: the HTML special characters as entities.
 */
export function htmlText(value: string): string {
  return value
    .replace(/\r\n?|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(MENTION, '$1@&#8203;')
}
