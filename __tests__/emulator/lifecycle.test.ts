import { describe, expect, it } from '@jest/globals'

import {
  INIT_LIMIT_MS,
  decideInit,
  decideInvoke,
  initLimitFor,
  invalidEvents,
  responseTooLarge,
  shutdownBudgetMs,
  type ExtensionFacts,
  type InitFacts,
  type InvokeFacts
} from '../../src/emulator/lifecycle.js'

const ext = (over: Partial<ExtensionFacts> = {}): ExtensionFacts => ({
  name: 'agent',
  external: true,
  registered: true,
  waiting: true,
  ...over
})

const init = (over: Partial<InitFacts> = {}): InitFacts => ({
  extensions: [],
  runtimeStarted: true,
  runtimeWaiting: true,
  elapsedMs: 100,
  limitMs: 10_000,
  ...over
})

describe('decideInit', () => {
  it.each<[string, Partial<InitFacts>, string, string | undefined]>([
    [
      'all extensions and the runtime wait on next',
      { extensions: [ext()] },
      'ready',
      undefined
    ],
    [
      'an extension has not registered: the runtime is not started yet',
      {
        extensions: [ext({ registered: false, waiting: false })],
        runtimeStarted: false,
        runtimeWaiting: false
      },
      'wait',
      undefined
    ],
    [
      'every extension registered: start the runtime',
      {
        extensions: [ext({ waiting: false })],
        runtimeStarted: false,
        runtimeWaiting: false
      },
      'start-runtime',
      undefined
    ],
    [
      'the runtime has not called next',
      { runtimeWaiting: false },
      'wait',
      undefined
    ],
    [
      'a registered extension has not called event/next',
      { extensions: [ext({ waiting: false })] },
      'wait',
      undefined
    ],
    [
      'an internal extension that never calls next holds init too',
      { extensions: [ext({ external: false, waiting: false })] },
      'wait',
      undefined
    ],
    [
      'a launched file that never registered holds init (name mismatch)',
      {
        extensions: [
          ext({ registered: false, waiting: false }),
          ext({ name: 'other', external: false })
        ]
      },
      'wait',
      undefined
    ],
    [
      'wrong CPU',
      { extensions: [ext({ wrongCpu: 'built for arm64' })] },
      'fail',
      'Extension.Crash'
    ],
    [
      'an extension exited, even with 0',
      { extensions: [ext({ exitCode: 0 })] },
      'fail',
      'Extension.Crash'
    ],
    [
      'an extension posted init/error',
      { extensions: [ext({ initError: 'Extension.Boom' })] },
      'fail',
      'Extension.Boom'
    ],
    [
      'the entrypoint cannot start',
      { runtimeLaunchError: 'no such file' },
      'fail',
      'Runtime.InvalidEntrypoint'
    ],
    [
      'the runtime posted init/error',
      { runtimeInitError: 'Runtime.BadInit' },
      'fail',
      'Runtime.BadInit'
    ],
    [
      'the runtime exited',
      { runtimeExitCode: 104, runtimeWaiting: false },
      'fail',
      'Runtime.ExitError'
    ],
    [
      'past the limit',
      { elapsedMs: 10_000, runtimeWaiting: false },
      'fail',
      'Sandbox.Timedout'
    ],
    [
      'no limit under emulation',
      { elapsedMs: 60_000, runtimeWaiting: false, limitMs: undefined },
      'wait',
      undefined
    ]
  ])('%s', (_name, facts, kind, errorType) => {
    const step = decideInit(init(facts))
    expect(step.kind).toBe(kind)
    expect(step.kind === 'fail' ? step.failure.errorType : undefined).toBe(
      errorType
    )
  })

  it('reports a timeout with status timeout and the limit in seconds', () => {
    expect(
      decideInit(init({ elapsedMs: 10_001, runtimeWaiting: false }))
    ).toEqual({
      kind: 'fail',
      failure: {
        errorType: 'Sandbox.Timedout',
        status: 'timeout',
        message: 'Init timed out after 10.00 seconds'
      }
    })
  })

  it('reports the exit status of a runtime that exits in init', () => {
    const step = decideInit(init({ runtimeExitCode: 104 }))
    expect(step).toEqual({
      kind: 'fail',
      failure: {
        errorType: 'Runtime.ExitError',
        status: 'error',
        message: 'Runtime exited with error: exit status 104'
      }
    })
  })
})

const invoke = (over: Partial<InvokeFacts> = {}): InvokeFacts => ({
  requestId: 'r1',
  outcome: 'response',
  runtimeWaiting: true,
  extensionsWaiting: true,
  elapsedMs: 100,
  timeoutSeconds: 3,
  ...over
})

type InvokeRow = Omit<Partial<InvokeFacts>, 'outcome'> & {
  outcome?: InvokeFacts['outcome'] | undefined
}

describe('decideInvoke', () => {
  it.each<[string, InvokeRow, string, string | undefined]>([
    [
      'response posted, runtime and extensions back on next',
      {},
      'done',
      undefined
    ],
    [
      'error posted counts as an outcome',
      { outcome: 'error' },
      'done',
      undefined
    ],
    ['413 counts as an outcome', { outcome: 'too-large' }, 'done', undefined],
    [
      'response posted, runtime not back on next yet',
      { runtimeWaiting: false },
      'wait',
      undefined
    ],
    [
      'an extension still works on the INVOKE',
      { extensionsWaiting: false },
      'wait',
      undefined
    ],
    [
      'no outcome yet',
      { outcome: undefined, runtimeWaiting: false },
      'wait',
      undefined
    ],
    [
      'the runtime exited',
      { outcome: undefined, runtimeWaiting: false, runtimeExitCode: 1 },
      'fail',
      'Runtime.ExitError'
    ],
    [
      'an extension exited',
      { crashedExtension: 'agent' },
      'fail',
      'Extension.Crash'
    ],
    [
      'past the timeout',
      { outcome: undefined, runtimeWaiting: false, elapsedMs: 3000 },
      'fail',
      'Sandbox.Timedout'
    ],
    [
      'extensions still busy at the timeout',
      { extensionsWaiting: false, elapsedMs: 3000 },
      'fail',
      'Sandbox.Timedout'
    ]
  ])('%s', (_name, facts, kind, errorType) => {
    const { outcome, ...rest } = facts
    const f = invoke(rest)
    // outcome: undefined in a row means the runtime has posted nothing yet.
    if ('outcome' in facts) {
      if (outcome === undefined) delete f.outcome
      else f.outcome = outcome
    }
    const step = decideInvoke(f)
    expect(step.kind).toBe(kind)
    expect(step.kind === 'fail' ? step.failure.errorType : undefined).toBe(
      errorType
    )
  })

  it('words a timeout as Lambda does', () => {
    const f = invoke({ runtimeWaiting: false, elapsedMs: 3500 })
    delete f.outcome
    expect(decideInvoke(f)).toEqual({
      kind: 'fail',
      failure: {
        errorType: 'Sandbox.Timedout',
        status: 'timeout',
        message: 'RequestId: r1 Error: Task timed out after 3.00 seconds'
      }
    })
  })
})

describe('limits', () => {
  it.each<[string, 'init' | 'invoke', 'x86_64' | 'arm64', number | undefined]>([
    ['init phase, native', 'init', 'x86_64', INIT_LIMIT_MS],
    [
      'suppressed init inside the invoke: the function timeout',
      'invoke',
      'x86_64',
      7000
    ],
    [
      'arm64 under QEMU on an x86_64 host: not enforced',
      'init',
      'arm64',
      undefined
    ]
  ])('init limit: %s', (_name, phase, arch, expected) => {
    expect(initLimitFor(phase, arch, 'x86_64', 7)).toBe(expected)
  })

  it.each<[string, { external: boolean; registered: boolean }[], number]>([
    [
      'external extensions: 2,000 ms',
      [{ external: true, registered: true }],
      2000
    ],
    ['internal only: 500 ms', [{ external: false, registered: true }], 500],
    ['none registered: 0', [{ external: true, registered: false }], 0],
    ['no extensions: 0', [], 0]
  ])('shutdown budget: %s', (_name, extensions, expected) => {
    expect(shutdownBudgetMs(extensions)).toBe(expected)
  })

  it.each<[number, 'buffered' | 'streaming', boolean]>([
    [6_291_556, 'buffered', false],
    [6_291_557, 'buffered', true],
    [7_000_000, 'streaming', false],
    [200 * 1024 * 1024 + 1, 'streaming', true]
  ])('response of %d bytes %s: too large %s', (bytes, mode, expected) => {
    expect(responseTooLarge(bytes, mode)).toBe(expected)
  })

  it.each<[unknown, string | undefined]>([
    [['INVOKE', 'SHUTDOWN'], undefined],
    [[], undefined],
    [['INVOKE', 'START'], 'unknown events: START'],
    ['INVOKE', 'events must be an array']
  ])('registration events %j', (events, expected) => {
    expect(invalidEvents(events)).toBe(expected)
  })
})
