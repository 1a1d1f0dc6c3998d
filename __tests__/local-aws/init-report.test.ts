import { describe, expect, it } from '@jest/globals'

import {
  initReport,
  initReportLines
} from '../../test/local-aws/init-report.js'

const coldStart = [
  'EXTENSION\tName: telemetry\tState: Ready\tEvents: [INVOKE,SHUTDOWN]\n',
  'START RequestId: a Version: 3\n',
  'END RequestId: a\n',
  'REPORT RequestId: a\tDuration: 12.00 ms\tBilled Duration: 700 ms\tMemory Size: 512 MB\tMax Memory Used: 4 MB\tInit Duration: 687.40 ms\t\n',
  'START RequestId: b Version: 3\n',
  'END RequestId: b\n',
  'REPORT RequestId: b\tDuration: 9.00 ms\tBilled Duration: 9 ms\tMemory Size: 512 MB\tMax Memory Used: 4 MB\t\n'
]

describe('initReport', () => {
  it('counts cold starts by the Init Duration of their REPORT and reads the extensions', () => {
    const r = initReport(coldStart)
    expect(r).toEqual({
      coldStartsMs: [687.4],
      failedInits: [],
      extensions: [
        { name: 'telemetry', state: 'Ready', events: '[INVOKE,SHUTDOWN]' }
      ],
      invocations: 2
    })
    expect(initReportLines(r)).toEqual([
      'invocations      2',
      'cold starts      1 (Init Duration 687 ms)',
      'failed inits     none (no INIT_REPORT)',
      'extensions       telemetry Ready [INVOKE,SHUTDOWN]'
    ])
  })

  it('lists failed inits (INIT_REPORT) and a crashed extension', () => {
    const r = initReport([
      'EXTENSION\tName: agent\tState: Started\tEvents: []\tError Type: Extension.Crash\n',
      'INIT_REPORT Init Duration: 120.50 ms\tPhase: init\tStatus: error\tError Type: Extension.Crash\n'
    ])
    expect(r.failedInits).toEqual([
      'INIT_REPORT Init Duration: 120.50 ms | Phase: init | Status: error | Error Type: Extension.Crash'
    ])
    expect(r.extensions).toEqual([
      { name: 'agent', state: 'Started', events: '[]' }
    ])
    expect(initReportLines(r)).toContain('failed inits     1')
    expect(r.coldStartsMs).toEqual([])
  })
})
