/**
 * The attribution of a start-up CPU profile (scripts/bench/startup.ts): each
 * sample's self time goes to the package or src/ folder the bundle's source
 * map names, or to Node, V8 or the garbage collector.
 */
import { describe, expect, it } from '@jest/globals'
import { attribute, partOf } from '../scripts/bench/startup.js'

describe('partOf', () => {
  it.each([
    [
      'webpack://aspnet-lambda-deploy/./node_modules/@aws-sdk/client-lambda/dist-es/index.js',
      '@aws-sdk/client-lambda'
    ],
    ['webpack://x/./node_modules/undici/lib/fetch/index.js', 'undici'],
    [
      'webpack://x/./node_modules/@smithy/core/node_modules/tslib/tslib.es6.mjs',
      'tslib'
    ],
    ['webpack://x/./src/aws/ecr.ts', 'src/aws/'],
    ['webpack://x/./src/main.ts', 'src/'],
    ['../webpack/bootstrap', 'bundler runtime'],
    ['webpack/runtime/define property getters', 'bundler runtime'],
    ['../external node-commonjs "http"', 'bundler runtime'],
    ['', '(unmapped bundle code)']
  ])('%s → %s', (source, part) => {
    expect(partOf(source)).toBe(part)
  })
})

describe('attribute', () => {
  it('sums self time per part: Node, V8, GC, idle, and the bundle through its map', () => {
    const frame = (id: number, functionName: string, url = '', line = 0) => ({
      id,
      callFrame: { functionName, url, lineNumber: line, columnNumber: 0 }
    })
    const parts = attribute(
      {
        nodes: [
          frame(1, '(root)'),
          frame(2, '(program)'),
          frame(3, '(garbage collector)'),
          frame(4, 'compileSourceTextModule', 'node:internal/modules/esm'),
          frame(5, 'getInputs', 'file:///b/index.js', 10),
          frame(6, 'send', 'file:///b/index.js', 20),
          frame(7, '(idle)')
        ],
        samples: [2, 3, 4, 5, 6, 6, 7, 4],
        timeDeltas: [100, 200, 300, 400, 500, 600, 700, 800]
      },
      (url, line) =>
        url === 'file:///b/index.js'
          ? line === 10
            ? 'src/inputs/'
            : '@smithy/core'
          : undefined
    )
    expect(Object.fromEntries(parts)).toEqual({
      'V8 native: parsing, compiling, runtime': 100,
      'garbage collector': 200,
      'Node: start-up, module loader, built-ins': 1100,
      'src/inputs/': 400,
      '@smithy/core': 1100,
      'idle (waiting for I/O)': 700
    })
  })
})
