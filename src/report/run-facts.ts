/**
 * The run-level facts of the report that the run spec gives (before any
 * stage runs), and how the report reads the release.
 */
import { releasedAlias } from '../inputs/spec.js'
import type { RunSpec } from '../inputs/types.js'
import type { Release } from '../targets.js'
import type { Report } from './report.js'

/** How the report reads the release: the alias, if any. */
export function releaseOf(spec: RunSpec): Release {
  return {
    alias: spec.mode === 'cleanup' ? undefined : releasedAlias(spec.release)
  }
}

/** Run-level facts of the report that the inputs give. */
export function recordRun(report: Report, spec: RunSpec): void {
  report.functionName = spec.functionName
  if (spec.dryRun) report.dryRun = true
  if (spec.mode !== 'deploy') {
    report.productionFunctionName = spec.functionName
    report.previewFunctionName = spec.preview.name
  }
  if (spec.mode !== 'cleanup') {
    report.imageTag = spec.tag === '' ? undefined : spec.tag
    report.alias = releasedAlias(spec.release)
  }
}
