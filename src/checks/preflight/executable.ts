/**
 * Can Lambda exec a file of the image on the function's CPU: present, a
 * regular file, executable, an ELF binary for that machine, or a #! script
 * whose interpreter passes the same judgement.
 */
import type { Check } from './checks.js'
import {
  expectedMachine,
  identify,
  machineName,
  type Executable
} from './elf.js'
import { type ImageFiles } from './layers.js'
import { resolvePath } from './file-tree.js'
import type { Architecture } from '../../inputs/types.js'

export function describeExecutable(what: Executable): string {
  if (what.kind === 'elf')
    return `a ${what.bits}-bit ${what.machineName} ELF binary`
  if (what.kind === 'script') return `a script for ${what.interpreter}`
  return what.reason
}

export interface ExecutableVerdict {
  result: Check['result']
  message: string
}

/**
 * Can Lambda exec this file on the function's CPU? ELF machine, executable
 * bit, and for a #! script its interpreter.
 */
export function judgeExecutable(
  files: ImageFiles,
  path: string,
  architecture: Architecture,
  fix: string,
  covered: (path: string) => boolean = () => true,
  depth = 0
): ExecutableVerdict {
  const resolved = resolvePath(files, path)
  const shown = resolved.path === path ? path : `${path} (→ ${resolved.path})`
  const file = resolved.file
  const cpu = `${architecture} (${machineName(expectedMachine(architecture))})`
  if (file === undefined && !covered(resolved.path)) {
    return {
      result: 'warn',
      message: `${shown} is outside the directories preflight reads, so its CPU was not checked.`
    }
  }
  if (file === undefined) {
    return { result: 'fail', message: `${shown} is not in the image. ${fix}` }
  }
  if (file.type !== 'file') {
    return {
      result: 'fail',
      message: `${shown} is a ${file.type}, not an executable file. ${fix}`
    }
  }
  if ((file.mode & 0o111) === 0) {
    return {
      result: 'fail',
      message: `${shown} is not executable (mode ${file.mode.toString(8)}): Lambda cannot start it. Make it executable (chmod +x, or COPY --chmod=755).`
    }
  }
  if (file.head === undefined) {
    return {
      result: 'warn',
      message: `${shown}: its first bytes were not read, so its CPU is unknown.`
    }
  }
  const what = identify(file.head)
  if (what.kind === 'elf') {
    if (what.machine !== expectedMachine(architecture)) {
      return {
        result: 'fail',
        message: `${shown} is ${describeExecutable(what)} but the function runs on ${cpu}: Lambda cannot start it (exec format error). ${fix}`
      }
    }
    return { result: 'pass', message: `${shown}: ${describeExecutable(what)}` }
  }
  if (what.kind === 'script') {
    if (!what.interpreter.startsWith('/') || depth > 2) {
      return {
        result: 'pass',
        message: `${shown}: ${describeExecutable(what)}`
      }
    }
    const interpreter = judgeExecutable(
      files,
      what.interpreter,
      architecture,
      `Its interpreter must exist for ${cpu}.`,
      covered,
      depth + 1
    )
    return {
      result: interpreter.result,
      message: `${shown}: ${describeExecutable(what)}; ${interpreter.message}`
    }
  }
  return {
    result: 'fail',
    message: `${shown} is ${what.reason}: Lambda cannot exec it. ${fix}`
  }
}
