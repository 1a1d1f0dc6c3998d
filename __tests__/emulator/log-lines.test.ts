import { describe, expect, it } from '@jest/globals'

import {
  endLine,
  extensionLine,
  imageLaunchErrorLine,
  initReportLine,
  reportLine,
  startLine,
  timedOutLine
} from '../../src/emulator/log-lines.js'

const crash = {
  errorType: 'Extension.Crash',
  status: 'error' as const,
  message: 'x'
}

describe('Lambda log lines', () => {
  it.each<[string, string, string]>([
    [
      'EXTENSION ready',
      extensionLine('agent', 'Ready', ['INVOKE', 'SHUTDOWN']),
      'EXTENSION\tName: agent\tState: Ready\tEvents: [INVOKE,SHUTDOWN]'
    ],
    [
      'EXTENSION started, never registered',
      extensionLine('agent', 'Started', []),
      'EXTENSION\tName: agent\tState: Started\tEvents: []'
    ],
    [
      'EXTENSION that crashed',
      extensionLine('agent', 'Started', [], 'Extension.Crash'),
      'EXTENSION\tName: agent\tState: Started\tEvents: []\tError Type: Extension.Crash'
    ],
    [
      'INIT_REPORT error',
      initReportLine(1236.04, 'init', crash),
      'INIT_REPORT Init Duration: 1236.04 ms\tPhase: init\tStatus: error\tError Type: Extension.Crash'
    ],
    [
      'INIT_REPORT timeout in the invoke',
      initReportLine(3000, 'invoke', {
        errorType: 'Sandbox.Timedout',
        status: 'timeout',
        message: ''
      }),
      'INIT_REPORT Init Duration: 3000.00 ms\tPhase: invoke\tStatus: timeout\tError Type: Sandbox.Timedout'
    ],
    [
      'START',
      startLine('r1', '$LATEST'),
      'START RequestId: r1 Version: $LATEST'
    ],
    ['END', endLine('r1'), 'END RequestId: r1'],
    [
      'REPORT with init, billed includes it',
      reportLine({
        requestId: 'r1',
        durationMs: 1.2,
        memorySize: 512,
        initDurationMs: 100.5
      }),
      'REPORT RequestId: r1\tDuration: 1.20 ms\tBilled Duration: 102 ms\tMemory Size: 512 MB\tInit Duration: 100.50 ms\t'
    ],
    [
      'REPORT with the peak memory the container used',
      reportLine({
        requestId: 'r1',
        durationMs: 1.2,
        memorySize: 512,
        maxMemoryUsedMb: 4
      }),
      'REPORT RequestId: r1\tDuration: 1.20 ms\tBilled Duration: 2 ms\tMemory Size: 512 MB\tMax Memory Used: 4 MB\t'
    ],
    [
      'REPORT of a failed invoke',
      reportLine({
        requestId: 'r1',
        durationMs: 3000,
        memorySize: 128,
        failure: crash
      }),
      'REPORT RequestId: r1\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tStatus: error\tError Type: Extension.Crash\t'
    ],
    [
      'IMAGE Launch error',
      imageLaunchErrorLine(
        'fork/exec /lambda-entrypoint.sh: exec format error',
        ['/lambda-entrypoint.sh'],
        ['App'],
        '/var/task'
      ),
      'IMAGE\tLaunch error: fork/exec /lambda-entrypoint.sh: exec format error\tEntrypoint: [/lambda-entrypoint.sh]\tCmd: [App]\tWorkingDir: [/var/task]'
    ],
    [
      'task timed out',
      timedOutLine(new Date('2026-12-06T10:00:00.000Z'), 'r1', 3),
      '2026-12-06T10:00:00.000Z r1 Task timed out after 3.00 seconds'
    ]
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected)
  })
})
