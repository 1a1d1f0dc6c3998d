import { describe, expect, it } from '@jest/globals'
import { elfHeader } from '../../../__fixtures__/layers.js'
import {
  EM_AARCH64,
  EM_X86_64,
  expectedMachine,
  identify
} from '../../../src/checks/preflight/elf.js'
import type { Architecture } from '../../../src/inputs/types.js'

describe('identify', () => {
  it.each([
    [
      'x86-64 ELF',
      elfHeader(62),
      { kind: 'elf', bits: 64, machine: 62, machineName: 'x86-64' }
    ],
    [
      'AArch64 ELF',
      elfHeader(183),
      { kind: 'elf', bits: 64, machine: 183, machineName: 'AArch64' }
    ],
    [
      '32-bit ARM ELF',
      elfHeader(40, { bits: 32 }),
      { kind: 'elf', bits: 32, machine: 40, machineName: 'ARM (32-bit)' }
    ],
    [
      'big-endian ELF',
      elfHeader(183, { bigEndian: true }),
      { kind: 'elf', bits: 64, machine: 183, machineName: 'AArch64' }
    ],
    [
      'shell script',
      Buffer.from('#!/bin/sh\necho hi\n'),
      { kind: 'script', interpreter: '/bin/sh' }
    ],
    [
      'env script',
      Buffer.from('#! /usr/bin/env bash\n'),
      { kind: 'script', interpreter: '/usr/bin/env' }
    ],
    [
      '.NET assembly',
      Buffer.from('MZ\x90\x00'),
      {
        kind: 'other',
        reason: 'a Windows/.NET PE file, not a Linux executable'
      }
    ],
    [
      'text',
      Buffer.from('hello'),
      { kind: 'other', reason: 'neither an ELF binary nor a #! script' }
    ],
    ['empty file', Buffer.alloc(0), { kind: 'other', reason: 'an empty file' }],
    [
      'truncated ELF',
      elfHeader(62).subarray(0, 10),
      { kind: 'other', reason: 'a truncated ELF header' }
    ]
  ])('%s', (_name, bytes, expected) => {
    expect(identify(bytes)).toEqual(expected)
  })
})

describe('expectedMachine', () => {
  it.each<[Architecture, number]>([
    ['x86_64', EM_X86_64],
    ['arm64', EM_AARCH64]
  ])('%s → e_machine %i', (architecture, machine) => {
    expect(expectedMachine(architecture)).toBe(machine)
  })
})
