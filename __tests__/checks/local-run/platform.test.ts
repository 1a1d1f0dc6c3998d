import { describe, expect, it } from '@jest/globals'
import {
  isDynamicElf,
  localInitLimitMs,
  platformSupport,
  type PlatformSupport
} from '../../../src/checks/local-run/platform.js'
import type { Architecture } from '../../../src/inputs/types.js'

describe('platformSupport', () => {
  it.each<[Architecture, Architecture, string[], PlatformSupport]>([
    ['x86_64', 'x86_64', [], { runs: true, emulated: false }],
    ['arm64', 'arm64', [], { runs: true, emulated: false }],
    ['arm64', 'x86_64', ['qemu-aarch64'], { runs: true, emulated: true }],
    ['x86_64', 'arm64', ['qemu-x86_64'], { runs: true, emulated: true }]
  ])('%s on %s with %j', (fn, host, binfmt, expected) => {
    expect(platformSupport(fn, host, binfmt)).toEqual(expected)
  })

  it('without the handler for the CPU, says why (binfmt_misc)', () => {
    const support = platformSupport('arm64', 'x86_64', ['qemu-x86_64'])
    expect(support).toEqual({
      runs: false,
      reason: expect.stringMatching(
        /no enabled qemu-aarch64 in \/proc\/sys\/fs\/binfmt_misc/
      )
    })
  })
})

describe('isDynamicElf', () => {
  const elf = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])
  it.each([
    ['static ELF', Buffer.concat([elf, Buffer.alloc(64)]), false],
    [
      'dynamic ELF',
      Buffer.concat([elf, Buffer.from('\0/lib64/ld-linux-x86-64.so.2\0')]),
      true
    ],
    [
      'a script naming ld-linux',
      Buffer.from('#!/bin/sh\n/lib/ld-linux.so.2'),
      false
    ]
  ])('%s', (_n, head, expected) => {
    expect(isDynamicElf(head)).toBe(expected)
  })
})

describe('localInitLimitMs', () => {
  it.each([
    [3, false, false, 10_000],
    [30, false, false, 30_000],
    [30, true, false, 130_000],
    [900, true, false, 900_000],
    [3, false, true, 50_000]
  ])('timeout %d s, managed %s, emulated %s: %d ms', (t, mi, em, ms) => {
    expect(localInitLimitMs(t, mi, em)).toBe(ms)
  })
})
