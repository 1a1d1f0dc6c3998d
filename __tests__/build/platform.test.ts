import { describe, expect, it } from '@jest/globals'
import {
  platformFor,
  resolveArchitecture,
  functionArchitecture
} from '../../src/build/platform.js'

describe('platformFor', () => {
  it.each([
    ['x86_64', 'linux/amd64'],
    ['arm64', 'linux/arm64']
  ] as ['x86_64' | 'arm64', string][])('%s → %s', (architecture, platform) => {
    expect(platformFor(architecture)).toBe(platform)
  })
})

describe('functionArchitecture', () => {
  it.each([
    [undefined, 'x86_64'],
    [[], 'x86_64'],
    [['x86_64'], 'x86_64'],
    [['arm64'], 'arm64']
  ] as [string[] | undefined, string][])('%p → %s', (reported, expected) => {
    expect(functionArchitecture(reported)).toBe(expected)
  })
  it('rejects an unknown architecture', () => {
    expect(() => functionArchitecture(['riscv64'])).toThrow(/riscv64/)
  })
})

describe('resolveArchitecture', () => {
  it('uses the live architecture when none is requested', () => {
    expect(resolveArchitecture('arm64', undefined, 'api')).toBe('arm64')
  })
  it('accepts a matching confirmation', () => {
    expect(resolveArchitecture('x86_64', 'x86_64', 'api')).toBe('x86_64')
  })
  it('explains the exec format error a mismatch would cause', () => {
    expect(() => resolveArchitecture('arm64', 'x86_64', 'api')).toThrow(
      /configured for arm64[\s\S]*exec format error/
    )
  })
  it('names the platform that would fail, and both ways out', () => {
    expect(() => resolveArchitecture('arm64', 'x86_64', 'api')).toThrow(
      'architecture is "x86_64" but function api is configured for arm64. ' +
        'An image built for linux/amd64 would fail on this function with ' +
        '"exec format error" (Runtime.InvalidEntrypoint). Either remove the architecture input ' +
        "(the image is built for the function's arm64), or change the function's architecture first."
    )
  })
})
