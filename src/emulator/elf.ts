/**
 * Which CPU an extension binary is built for, read from its ELF header (e_machine at byte 18,
 * little-endian on both Lambda architectures). Lambda starts every file in /opt/extensions; a
 * binary for the other CPU fails to start there ("cannot execute binary file") and the init
 * fails with Extension.Crash. On this emulator's host an arm64 image runs under QEMU, so an
 * x86_64 extension inside it would run natively: the emulator checks the header instead.
 * ELF header layout: https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html
 */
import type { Architecture } from './types.js'

const EM_X86_64 = 62
const EM_AARCH64 = 183

export type ElfMachine =
  | { kind: 'not-elf' }
  | { kind: 'elf'; architecture: Architecture | undefined; machine: number }

/** Reads e_machine from the first 20 bytes of a file. */
export function readElfMachine(head: Uint8Array): ElfMachine {
  if (
    head.length < 20 ||
    head[0] !== 0x7f ||
    head[1] !== 0x45 ||
    head[2] !== 0x4c ||
    head[3] !== 0x46
  ) {
    return { kind: 'not-elf' }
  }
  // EI_DATA (byte 5): 1 little-endian, 2 big-endian.
  const machine =
    head[5] === 2
      ? ((head[18] ?? 0) << 8) | (head[19] ?? 0)
      : ((head[19] ?? 0) << 8) | (head[18] ?? 0)
  const architecture =
    machine === EM_X86_64
      ? 'x86_64'
      : machine === EM_AARCH64
        ? 'arm64'
        : undefined
  return { kind: 'elf', architecture, machine }
}

/** Parses `od -An -tx1` output (hex bytes separated by blanks) into bytes. */
export function parseOdHex(text: string): Uint8Array {
  const bytes = text
    .split(/\s+/)
    .filter(t => /^[0-9a-f]{2}$/i.test(t))
    .map(t => parseInt(t, 16))
  return Uint8Array.from(bytes)
}

/**
 * Why an extension cannot start on a function of `architecture`, or undefined when it can
 * (scripts and other non-ELF files are started and left to their interpreter).
 */
export function wrongCpu(
  head: Uint8Array,
  architecture: Architecture
): string | undefined {
  const elf = readElfMachine(head)
  if (elf.kind === 'not-elf') return undefined
  if (elf.architecture === architecture) return undefined
  const built = elf.architecture ?? `ELF machine ${elf.machine}`
  return `cannot execute binary file: built for ${built}, the function runs on ${architecture}`
}
