import { describe, expect, it } from '@jest/globals'
import {
  classifyLocalRun,
  type LocalAnswer,
  type LocalRunOutcome
} from '../../../src/checks/local-run/verdict.js'
import type { InitReport } from '../../../src/emulator/types.js'

const ready: InitReport = {
  phase: 'init',
  durationMs: 120,
  limitMs: 10_000,
  runtime: 'waiting',
  extensions: []
}

function failed(errorType: string, over: Partial<InitReport> = {}): InitReport {
  return {
    ...ready,
    failure: {
      errorType,
      status: errorType === 'Sandbox.Timedout' ? 'timeout' : 'error',
      message: `${errorType} here`
    },
    ...over
  }
}

function http(status: number): LocalAnswer {
  return {
    payload: `{"statusCode":${status}}`,
    inspection: {
      kind: 'answer',
      answer: { status, headers: {}, body: '' }
    }
  }
}

function ran(
  init: InitReport,
  answer?: LocalAnswer,
  over: { managedInstances?: boolean; emulated?: boolean } = {}
): LocalRunOutcome {
  return {
    kind: 'ran',
    init,
    emulated: over.emulated ?? false,
    managedInstances: over.managedInstances ?? false,
    answer
  }
}

const failure = (errorType: string): LocalAnswer => ({
  functionError: 'Unhandled',
  errorType,
  payload: `{"errorType":"${errorType}"}`,
  inspection: {
    kind: 'error',
    cause: 'function-error',
    errorType,
    reason: errorType
  }
})

describe('classifyLocalRun', () => {
  // [case, outcome, auto, required, text the first finding (or reason) contains]
  it.each<[string, LocalRunOutcome, string, string, RegExp]>([
    ['healthy: init, HTTP 200', ran(ready, http(200)), 'pass', 'pass', /^$/],
    [
      'no QEMU for arm64: auto skips, required blocks',
      { kind: 'cannot-run', reason: 'no enabled qemu-aarch64' },
      'skip',
      'block',
      /qemu-aarch64/
    ],
    [
      'bad entrypoint / exec format error',
      ran(failed('Runtime.InvalidEntrypoint', { runtime: 'launch-error' })),
      'block',
      'block',
      /cannot start/
    ],
    [
      '.NET bootstrap finds no assembly (exit 104)',
      ran(
        failed('Runtime.ExitError', { runtime: 'exited', runtimeExitCode: 104 })
      ),
      'block',
      'block',
      /104.*assembly/
    ],
    [
      'an exception during init (exit 134): configuration may fix it',
      ran(
        failed('Runtime.ExitError', { runtime: 'exited', runtimeExitCode: 134 })
      ),
      'warn',
      'block',
      /exited during init/
    ],
    [
      'the runtime posts init/error (no credentials for SSM)',
      ran(failed('Runtime.Unknown')),
      'warn',
      'block',
      /Runtime.Unknown/
    ],
    [
      'an extension crashes (wrong CPU)',
      ran(
        failed('Extension.Crash', {
          runtime: 'not-started',
          extensions: [
            {
              name: 'agent',
              state: 'Started',
              events: [],
              errorType: 'Extension.Crash'
            }
          ]
        })
      ),
      'block',
      'block',
      /extension agent crashed/
    ],
    [
      'an extension never registers',
      ran(
        failed('Sandbox.Timedout', {
          runtime: 'not-started',
          extensions: [{ name: 'agent', state: 'Started', events: [] }]
        })
      ),
      'block',
      'block',
      /agent never registered/
    ],
    [
      'an extension never calls event/next',
      ran(
        failed('Sandbox.Timedout', {
          runtime: 'waiting',
          extensions: [
            { name: 'agent', state: 'Registered', events: ['INVOKE'] }
          ]
        })
      ),
      'block',
      'block',
      /agent registered but never called event\/next/
    ],
    [
      'the runtime runs but never calls next (Kestrel only)',
      ran(failed('Sandbox.Timedout', { runtime: 'running' })),
      'block',
      'block',
      /never called the Runtime API/
    ],
    ['HTTP 502 answer', ran(ready, http(502)), 'warn', 'block', /HTTP 502/],
    [
      'HTTP 404 answer is no finding (the smoke test judges the status)',
      ran(ready, http(404)),
      'pass',
      'pass',
      /^$/
    ],
    [
      'response over 6 MB',
      ran(ready, failure('Function.ResponseSizeTooLarge')),
      'warn',
      'block',
      /6 MB/
    ],
    [
      'an extension crashes during the request',
      ran(ready, failure('Extension.Crash')),
      'block',
      'block',
      /extension crashed/
    ],
    [
      'the request times out',
      ran(ready, failure('Sandbox.Timedout')),
      'warn',
      'block',
      /Sandbox.Timedout/
    ],
    [
      'init over 10 s on an on-demand function',
      ran({ ...ready, durationMs: 12_500 }, http(200)),
      'warn',
      'block',
      /12.50 s, over Lambda's 10.00 s/
    ],
    [
      'init over 10 s on a Managed Instances function: no warning',
      ran({ ...ready, durationMs: 12_500 }, http(200), {
        managedInstances: true
      }),
      'pass',
      'pass',
      /^$/
    ],
    [
      'init over 10 s under QEMU: timings say nothing',
      ran({ ...ready, durationMs: 40_000 }, http(200), { emulated: true }),
      'pass',
      'pass',
      /^$/
    ]
  ])('%s', (_name, outcome, auto, required, text) => {
    const a = classifyLocalRun('auto', outcome)
    const r = classifyLocalRun('required', outcome)
    expect([a.kind, r.kind]).toEqual([auto, required])
    const said =
      a.kind === 'skip'
        ? a.reason
        : ((r.kind === 'skip' ? '' : r.findings[0]?.text) ?? '')
    expect(said).toMatch(text)
  })
})
