/**
 * The Lambda execution emulator (src/emulator) running real tiny images (FROM scratch, busybox)
 * that speak the Runtime and Extensions APIs: the ten ways of ../shared/notes/lambda-execution.md
 * in which a deploy fails only on AWS, plus the healthy path. Needs a Docker engine and
 * busybox-static (scripts/local-aws.sh up provides both, and the arm64 busybox for the
 * wrong-CPU extension).
 */
import { createServer } from 'node:net'

import { afterEach, beforeAll, describe, expect, it } from '@jest/globals'

import { LambdaEmulator } from '../src/emulator/emulator.js'
import type { FunctionSpec } from '../src/emulator/types.js'
import {
  buildRuntimeImage,
  type RuntimeImageOptions
} from '../test/local-aws/lambda-images.js'

const T = 120_000
let running: LambdaEmulator | undefined
let counter = 0

async function image(opts: RuntimeImageOptions): Promise<string> {
  counter += 1
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
        'EXTENSION\tName: watcher\tState: Ready\tEvents: [INVOKE, SHUTDOWN]'
      )
      expect(lines).toContain(
        `START RequestId: ${result.requestId} Version: $LATEST`
      )
      expect(lines).toContain(`END RequestId: ${result.requestId}`)
      expect(
        has(
          lines,
          new RegExp(
            `^REPORT RequestId: ${result.requestId}\\tDuration: [0-9.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 256 MB\\tInit Duration: [0-9.]+ ms\\t$`
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
})
