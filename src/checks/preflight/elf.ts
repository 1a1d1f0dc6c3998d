import type { Architecture } from '../../inputs/types.js'

/** ELF e_machine values Lambda can run. */
export const EM_X86_64 = 62
export const EM_AARCH64 = 183

export type Executable =
  | {
      kind: 'elf'
      /** 32 or 64 bit (EI_CLASS). */
      bits: 32 | 64
      machine: number
      /** x86-64, AArch64, or "machine <n>". */
      machineName: string
    }
  | { kind: 'script'; interpreter: string }
  | { kind: 'other'; reason: string }

/** Bytes of a file's start that tell what it is. */
export const HEADER_BYTES = 128

export function machineName(machine: number): string {
  if (machine === EM_X86_64) return 'x86-64'
  if (machine === EM_AARCH64) return 'AArch64'
  if (machine === 3) return 'x86 (32-bit)'
  if (machine === 40) return 'ARM (32-bit)'
  return `machine ${machine}`
}

export function expectedMachine(architecture: Architecture): number {
  return architecture === 'arm64' ? EM_AARCH64 : EM_X86_64
}

/** What the first bytes of a file say it is: an ELF binary, a #! script, or neither. */
export function identify(header: Uint8Array): Executable {
  if (
    header.length >= 4 &&
    header[0] === 0x7f &&
    header[1] === 0x45 &&
    header[2] === 0x4c &&
    header[3] === 0x46
  ) {
    if (header.length < 20) {
      return { kind: 'other', reason: 'a truncated ELF header' }
    }
    const elfClass = header[4]
    const littleEndian = header[5] !== 2
    if (elfClass !== 1 && elfClass !== 2) {
      return {
        kind: 'other',
        reason: `an ELF file of unknown class ${elfClass}`
      }
    }
    const view = new DataView(header.buffer, header.byteOffset, header.length)
    const machine = view.getUint16(18, littleEndian)
    return {
      kind: 'elf',
      bits: elfClass === 2 ? 64 : 32,
      machine,
      machineName: machineName(machine)
    }
  }
  if (header.length >= 2 && header[0] === 0x23 && header[1] === 0x21) {
    const line = Buffer.from(header.subarray(2))
      .toString('latin1')
      .split('\n')[0]
    const interpreter = (line ?? '').trim().split(/\s+/)[0] ?? ''
    return { kind: 'script', interpreter }
  }
  if (header.length === 0) return { kind: 'other', reason: 'an empty file' }
  if (header[0] === 0x4d && header[1] === 0x5a) {
    return {
      kind: 'other',
      reason: 'a Windows/.NET PE file, not a Linux executable'
    }
  }
  return { kind: 'other', reason: 'neither an ELF binary nor a #! script' }
}
