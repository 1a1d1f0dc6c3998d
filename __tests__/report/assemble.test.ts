/**
 * The report of a run, assembled at its end (issue 23): the run-level facts
 * the stages gave and what the undo did come from the facts and the
 * functions' states, not from writes during the run.
 */
import { describe, expect, it } from '@jest/globals'
import type { FunctionState } from '../../src/aws/lambda.js'
import { assembleReport, type RunEnd } from '../../src/report/assemble.js'
import type { Report } from '../../src/report/report.js'
import { newTarget, type Image } from '../../src/targets.js'

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:api'
const OLD = `r@sha256:${'a'.repeat(64)}`
const image: Image = {
  digest: `sha256:${'b'.repeat(64)}`,
  uri: `r@sha256:${'b'.repeat(64)}`,
  manifest: '',
  configText: ''
}
const fn = {
  functionName: 'api',
  functionArn: ARN,
  imageUri: OLD,
  imageDigest: `sha256:${'a'.repeat(64)}`,
  architecture: 'x86_64'
} as FunctionState

function end(overrides: Partial<RunEnd>): RunEnd {
  return {
    targets: [newTarget(fn, 'api', () => undefined)],
    release: { alias: undefined },
    image,
    previous: false,
    previewUrl: undefined,
    lifecycleWarnings: [],
    failed: false,
    undone: false,
    ...overrides
  }
}

function assembled(overrides: Partial<RunEnd>): Report {
  const report: Report = { phases: [] }
  assembleReport(report, end(overrides))
  return report
}

describe('assembleReport', () => {
  it('a checked image is the stages’ to report; rollback-to previous reports the version’s image', () => {
    expect(assembled({}).imageUri).toBeUndefined()
    expect(assembled({ previous: true })).toMatchObject({
      imageUri: image.uri,
      imageDigest: image.digest,
      reusedImage: true
    })
  })

  it('the preview URL and the lifecycle warnings when a stage gave them', () => {
    expect(assembled({})).not.toHaveProperty('previewUrl')
    expect(assembled({})).not.toHaveProperty('lifecycleWarnings')
    expect(
      assembled({ previewUrl: 'https://x/', lifecycleWarnings: ['w'] })
    ).toMatchObject({ previewUrl: 'https://x/', lifecycleWarnings: ['w'] })
  })

  it('says whether it rolled back only when the undo ran', () => {
    const restored = newTarget(fn, 'api', () => undefined)
    restored.code = 'updated'
    restored.undo = 'restored'
    expect(
      assembled({ targets: [restored], failed: true }).rolledBack
    ).toBeUndefined()
    expect(
      assembled({ targets: [restored], failed: true, undone: true })
    ).toMatchObject({ rolledBack: true, rolledBackTo: OLD })
    expect(assembled({ failed: true, undone: true }).rolledBack).toBe(false)
  })

  it('the functions’ part, derived from their states', () => {
    expect(assembled({}).targets).toEqual([
      expect.objectContaining({ functionName: 'api', functionArn: ARN })
    ])
    expect(assembled({ targets: [] }).targets).toBeUndefined()
  })
})
