/**
 * The Lambda execution emulator (src/emulator) running real tiny images (FROM scratch, busybox)
 * that speak the Runtime and Extensions APIs: the ten ways of ../shared/notes/lambda-execution.md
 * in which a deploy fails only on AWS, plus the healthy path. Needs a Docker engine and
 * busybox-static (scripts/local-aws.sh up provides both, and the arm64 busybox for the
 * wrong-CPU extension).
 */
import { execFileSync } from 'node:child_process'
import { createServer } from 'node:net'

import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it
} from '@jest/globals'

import { LambdaEmulator } from '../src/emulator/emulator.js'
import type { FunctionSpec } from '../src/emulator/types.js'
import {
  buildRuntimeImage,
  type RuntimeImageOptions
} from '../test/local-aws/lambda-images.js'

const T = 120_000
let running: LambdaEmulator | undefined
let counter = 0
const built: string[] = []

async function image(opts: RuntimeImageOptions): Promise<string> {
  counter += 1
  built.push(`lambda-emulator-test:${process.pid}-${counter}`)
  return buildRuntimeImage(
    `lambda-emulator-test:${process.pid}-${counter}`,
    opts
  )
}

async function start(
  img: string,
  spec: Partial<FunctionSpec> = {},
  initLimitMs?: number
): Promise<LambdaEmulator> {
  running = await LambdaEmulator.start(
    {
      functionName: 'emulated',
      image: img,
      architecture: 'x86_64',
      memorySize: 256,
      timeout: 3,
      ...spec
    },
    initLimitMs === undefined ? {} : { initLimitMs }
  )
  return running
}

function errorOf(payload: Buffer): { errorType: string; errorMessage: string } {
  return JSON.parse(payload.toString('utf8')) as {
    errorType: string
    errorMessage: string
  }
}

function has(lines: readonly string[], pattern: RegExp): boolean {
  return lines.some(l => pattern.test(l))
}

async function freePort(): Promise<number> {
  return new Promise(resolve => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port =
        typeof address === 'object' && address !== null ? address.port : 0
      s.close(() => resolve(port))
    })
  })
}

beforeAll(() => {
  if (process.arch !== 'x64')
    throw new Error('these tests assume an x86_64 host')
})

afterEach(async () => {
  await running?.close()
  running = undefined
})

afterAll(() => {
  if (built.length > 0)
    execFileSync('docker', ['image', 'rm', '--force', ...built], {
      stdio: 'ignore'
    })
})

describe('the Lambda execution emulator', () => {
  it(
    'inits extensions before the runtime, answers an invoke and reports the init in REPORT',
    async () => {
      const img = await image({
        extensions: [{ name: 'watcher', mode: 'well-behaved' }]
      })
      const emulator = await start(img)
      const result = await emulator.invoke('{"hello":"lambda"}')
      expect(result.functionError).toBeUndefined()
      expect(result.payload.toString()).toBe('{"hello":"lambda"}')
      const lines = emulator.lines
      expect(lines).toContain(
        'EXTENSION\tName: watcher\tState: Ready\tEvents: [INVOKE,SHUTDOWN]'
      )
      expect(lines).toContain(
        `START RequestId: ${result.requestId} Version: $LATEST`
      )
      expect(lines).toContain(`END RequestId: ${result.requestId}`)
      expect(
        has(
          lines,
          new RegExp(
            // Max Memory Used: the container's peak, left out when its
            // cgroup cannot be read (src/emulator/log-lines.ts).
            `^REPORT RequestId: ${result.requestId}\\tDuration: [0-9.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 256 MB\\t(?:Max Memory Used: \\d+ MB\\t)?Init Duration: [0-9.]+ ms\\t$`
          )
        )
      ).toBe(true)
      expect(lines.indexOf('[watcher] registered')).toBeLessThan(
        lines.findIndex(l => l.startsWith('EXTENSION'))
      )
      await emulator.close()
      running = undefined
      expect(emulator.lines).toContain('[watcher] SHUTDOWN spindown')
    },
    T
  )
  it(
    '1. a wrong-CPU extension fails init with Extension.Crash, in init and again inside the invoke',
    async () => {
      const img = await image({
        extensions: [{ name: 'arm-agent', mode: 'wrong-cpu' }]
      })
      const emulator = await start(img)
      expect(emulator.lines).toContain(
        '/opt/extensions/arm-agent: cannot execute binary file'
      )
      expect(emulator.lines).toContain(
        'EXTENSION\tName: arm-agent\tState: Started\tEvents: []\tError Type: Extension.Crash'
      )
      expect(
        has(
          emulator.lines,
          /^INIT_REPORT Init Duration: [0-9.]+ ms\tPhase: init\tStatus: error\tError Type: Extension.Crash$/
        )
      ).toBe(true)
      const result = await emulator.invoke('{}')
      expect(result.functionError).toBe('Unhandled')
      expect(errorOf(result.payload).errorType).toBe('Extension.Crash')
      expect(
        has(
          emulator.lines,
          /^INIT_REPORT .*\tPhase: invoke\tStatus: error\tError Type: Extension.Crash$/
        )
      ).toBe(true)
    },
    T
  )

  it(
    '2. an extension that never registers: init times out (Started, no events)',
    async () => {
      const img = await image({
        extensions: [{ name: 'silent', mode: 'never-register' }]
      })
      const emulator = await start(img, { timeout: 2 }, 3000)
      expect(emulator.lines).toContain(
        'EXTENSION\tName: silent\tState: Started\tEvents: []'
      )
      expect(
        has(
          emulator.lines,
          /^INIT_REPORT Init Duration: [0-9.]+ ms\tPhase: init\tStatus: timeout\tError Type: Sandbox.Timedout$/
        )
      ).toBe(true)
      expect(has(emulator.lines, /^\[silent\]/)).toBe(false)
      const result = await emulator.invoke('{}')
      expect(errorOf(result.payload).errorType).toBe('Sandbox.Timedout')
      expect(
        has(
          emulator.lines,
          /^INIT_REPORT .*\tPhase: invoke\tStatus: timeout\tError Type: Sandbox.Timedout$/
        )
      ).toBe(true)
    },
    T
  )

  it(
    '3. an extension registering under another name counts as internal: the file stays Started, init times out',
    async () => {
      const img = await image({
        extensions: [{ name: 'agent', mode: 'wrong-name' }]
      })
      const emulator = await start(img)
      expect(emulator.lines).toContain('[agent-renamed] registered')
      expect(emulator.lines).toContain(
        'EXTENSION\tName: agent\tState: Started\tEvents: []'
      )
      expect(
        has(
          emulator.lines,
          /^INIT_REPORT .*\tPhase: init\tStatus: timeout\tError Type: Sandbox.Timedout$/
        )
      ).toBe(true)
    },
    T
  )

  it(
    '4. an extension that registers but never calls event/next: init times out (Registered)',
    async () => {
      const img = await image({
        extensions: [{ name: 'lazy', mode: 'no-next' }]
      })
      const emulator = await start(img)
      expect(emulator.lines).toContain('[lazy] registered')
      expect(emulator.lines).toContain(
        'EXTENSION\tName: lazy\tState: Registered\tEvents: [INVOKE,SHUTDOWN]'
      )
      expect(
        has(
          emulator.lines,
          /^INIT_REPORT .*\tPhase: init\tStatus: timeout\tError Type: Sandbox.Timedout$/
        )
      ).toBe(true)
    },
    T
  )

  it(
    '5. an extension that exits on INVOKE: Extension.Crash, and the next invoke runs in a new environment',
    async () => {
      const img = await image({
        extensions: [
          { name: 'quitter', mode: 'exit-on-invoke' },
          { name: 'watcher', mode: 'well-behaved' }
        ]
      })
      const emulator = await start(img)
      const first = await emulator.invoke('{}')
      expect(first.functionError).toBe('Unhandled')
      expect(errorOf(first.payload).errorType).toBe('Extension.Crash')
      expect(
        has(
          emulator.lines,
          new RegExp(
            `^REPORT RequestId: ${first.requestId}\\t.*\\tStatus: error\\tError Type: Extension.Crash\\t$`
          )
        )
      ).toBe(true)
      const second = await emulator.invoke('{}')
      expect(errorOf(second.payload).errorType).toBe('Extension.Crash')
      // The other extension hears why the environment goes.
      expect(emulator.lines).toContain('[watcher] SHUTDOWN failure')
      // A second environment: the extension registered twice.
      expect(
        emulator.lines.filter(l => l === '[quitter] registered')
      ).toHaveLength(2)
    },
    T
  )

  it(
    '6. a runtime that exits in init (exit 104): Runtime.ExitError in both phases, Invoke 200 + Unhandled',
    async () => {
      const img = await image({ handler: 'exit-in-init' })
      const emulator = await start(img)
      const result = await emulator.invoke('{}')
      expect(result.functionError).toBe('Unhandled')
      const error = errorOf(result.payload)
      expect(error.errorType).toBe('Runtime.ExitError')
      expect(error.errorMessage).toBe(
        `RequestId: ${result.requestId} Error: Runtime exited with error: exit status 104`
      )
      const phases = emulator.lines.filter(l => l.startsWith('INIT_REPORT'))
      expect(phases).toEqual([
        expect.stringMatching(
          /\tPhase: init\tStatus: error\tError Type: Runtime.ExitError$/
        ),
        expect.stringMatching(
          /\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError$/
        )
      ])
      const order = ['INIT_REPORT', 'INIT_REPORT', 'START', 'END', 'REPORT']
      expect(
        emulator.lines
          .map(l => l.split(/[\t ]/)[0])
          .filter(w => order.includes(w ?? ''))
      ).toEqual(order)
    },
    T
  )

  it(
    '7. a bad ENTRYPOINT: Runtime.InvalidEntrypoint and the IMAGE Launch error line',
    async () => {
      const img = await image({})
      const emulator = await start(img, {
        imageConfig: { entryPoint: ['/lambda-entrypoint.sh'] }
      })
      expect(
        has(
          emulator.lines,
          /^IMAGE\tLaunch error: .*lambda-entrypoint\.sh.*\tEntrypoint: \[\/lambda-entrypoint\.sh\]\tCmd: \[echo\]\tWorkingDir: \[\/var\/task\]$/
        )
      ).toBe(true)
      expect(
        has(
          emulator.lines,
          /^INIT_REPORT .*\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint$/
        )
      ).toBe(true)
      const result = await emulator.invoke('{}')
      expect(errorOf(result.payload).errorType).toBe(
        'Runtime.InvalidEntrypoint'
      )
    },
    T
  )

  it(
    '8. an app that serves HTTP and never polls the Runtime API: port open, init times out',
    async () => {
      const port = await freePort()
      const img = await image({ handler: 'http-only' })
      const emulator = await start(
        img,
        { environment: { HTTP_PORT: String(port) } },
        3000
      )
      expect(
        has(
          emulator.lines,
          /^INIT_REPORT .*\tPhase: init\tStatus: timeout\tError Type: Sandbox.Timedout$/
        )
      ).toBe(true)
      // The suppressed init inside the invoke: the app serves HTTP while nothing polls next.
      const invoking = emulator.invoke('{}')
      let served = 0
      for (let i = 0; i < 30 && served !== 200; i++) {
        served = await fetch(`http://127.0.0.1:${port}/bootstrap`).then(
          r => r.status,
          () => 0
        )
        if (served !== 200) await new Promise(r => setTimeout(r, 100))
      }
      expect(served).toBe(200)
      const result = await invoking
      expect(errorOf(result.payload).errorType).toBe('Sandbox.Timedout')
    },
    T
  )

  it(
    '9. a handler past its timeout: Sandbox.Timedout, SHUTDOWN timeout to extensions, a cold environment next',
    async () => {
      const img = await image({
        handler: 'sleep',
        extensions: [{ name: 'watcher', mode: 'well-behaved' }]
      })
      const emulator = await start(img, { timeout: 2 })
      const result = await emulator.invoke('{}')
      expect(result.functionError).toBe('Unhandled')
      expect(errorOf(result.payload)).toEqual({
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${result.requestId} Error: Task timed out after 2.00 seconds`
      })
      expect(
        has(
          emulator.lines,
          new RegExp(`Z ${result.requestId} Task timed out after 2.00 seconds$`)
        )
      ).toBe(true)
      expect(
        has(
          emulator.lines,
          new RegExp(
            `^REPORT RequestId: ${result.requestId}\\t.*\\tStatus: timeout\\tError Type: Sandbox.Timedout\\t$`
          )
        )
      ).toBe(true)
      expect(emulator.lines).toContain('[watcher] SHUTDOWN timeout')
      const registered = emulator.lines.filter(
        l => l === '[watcher] registered'
      ).length
      await emulator.invoke('{}')
      expect(
        emulator.lines.filter(l => l === '[watcher] registered')
      ).toHaveLength(registered + 1)
    },
    T
  )

  it(
    '10. a response over 6 MB: the runtime gets 413, the caller Function.ResponseSizeTooLarge',
    async () => {
      const img = await image({ handler: 'big' })
      const emulator = await start(img)
      const result = await emulator.invoke('{}')
      expect(result.functionError).toBe('Unhandled')
      expect(errorOf(result.payload)).toEqual({
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage:
          'Response payload size exceeded maximum allowed payload size (6291556 bytes).'
      })
      expect(emulator.lines).toContain('runtime: the response was rejected')
    },
    T
  )

  it(
    'a runtime that posts init/error and runs on fails init with its error type',
    async () => {
      const img = await image({ handler: 'init-error' })
      const emulator = await start(img)
      expect(
        has(
          emulator.lines,
          /^INIT_REPORT .*\tPhase: init\tStatus: error\tError Type: Runtime.BadInit$/
        )
      ).toBe(true)
    },
    T
  )
})
