/**
 * The init report of a function's execution environments, from the lines Lambda writes in its
 * log group (src/emulator/log-lines.ts): every cold start (REPORT with Init Duration), every
 * failed init (INIT_REPORT) and each extension's state at the end of init (EXTENSION). What
 * `npm run demo` prints in its summary.
 */
export interface InitReport {
  /** Init Duration of each cold start, in ms, in log order. */
  coldStartsMs: number[]
  /** The INIT_REPORT lines (failed or timed-out inits), tabs as ' | '. */
  failedInits: string[]
  /** One entry per EXTENSION line: name, state, events. */
  extensions: { name: string; state: string; events: string }[]
  invocations: number
}

export function initReport(messages: readonly string[]): InitReport {
  const report: InitReport = {
    coldStartsMs: [],
    failedInits: [],
    extensions: [],
    invocations: 0
  }
  for (const raw of messages) {
    const line = raw.replace(/\n$/, '')
    if (line.startsWith('REPORT RequestId:')) {
      report.invocations += 1
      const init = /\tInit Duration: ([\d.]+) ms/.exec(line)
      if (init?.[1] !== undefined) report.coldStartsMs.push(Number(init[1]))
    } else if (line.startsWith('INIT_REPORT ')) {
      report.failedInits.push(line.split('\t').join(' | '))
    } else if (line.startsWith('EXTENSION\t')) {
      const field = (name: string): string =>
        new RegExp(`\\t${name}: ([^\\t]*)`).exec(line)?.[1] ?? ''
      report.extensions.push({
        name: field('Name'),
        state: field('State'),
        events: field('Events')
      })
    }
  }
  return report
}

/** The report as the demo prints it. */
export function initReportLines(r: InitReport): string[] {
  return [
    `invocations      ${r.invocations}`,
    `cold starts      ${r.coldStartsMs.length}${
      r.coldStartsMs.length > 0
        ? ` (Init Duration ${r.coldStartsMs.map(ms => `${ms.toFixed(0)} ms`).join(', ')})`
        : ''
    }`,
    `failed inits     ${r.failedInits.length === 0 ? 'none (no INIT_REPORT)' : r.failedInits.length}`,
    ...r.failedInits.map(l => `  ${l}`),
    `extensions       ${
      r.extensions.length === 0
        ? 'none'
        : r.extensions.map(e => `${e.name} ${e.state} ${e.events}`).join('; ')
    }`
  ]
}
