/**
 * The report of a deploy or preview run, assembled once at its end from
 * what the stages left: each function's state (src/targets.ts), the image
 * released, and the few run-level facts a stage gave (the preview's URL, the
 * lifecycle rules the look-up found). The run-level facts the inputs give
 * are recorded before the first stage (run-facts.ts); the phases by the
 * phase runner as they end.
 */
import type { Image, Release, TargetState } from '../targets.js'
import type { Report } from './report.js'
import { reportTargets, rollbackOf } from './target-report.js'

export interface RunEnd {
  targets: readonly TargetState[]
  release: Release
  /** The image released: checked, or rollback-to previous's. */
  image?: Image | undefined
  /** rollback-to previous: the image came from the version, not from a build. */
  previous: boolean
  previewUrl?: string | undefined
  lifecycleWarnings: readonly string[]
  failed: boolean
  /** The run failed after the look-up found functions: the undo ran. */
  undone: boolean
}

export function assembleReport(report: Report, end: RunEnd): void {
  if (end.previous && end.image !== undefined) {
    report.imageUri = end.image.uri
    report.imageDigest = end.image.digest
    report.reusedImage = true
  }
  if (end.lifecycleWarnings.length > 0)
    report.lifecycleWarnings = [...end.lifecycleWarnings]
  if (end.previewUrl !== undefined) report.previewUrl = end.previewUrl
  if (end.undone) {
    const { rolledBack, rolledBackTo } = rollbackOf(end.targets, end.release)
    report.rolledBack = rolledBack
    if (rolledBackTo !== undefined) report.rolledBackTo = rolledBackTo
  }
  reportTargets(report, end.targets, end.release, end.image, end.failed)
}
