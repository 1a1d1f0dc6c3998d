/**
 * Whether Docker on this machine can run an image for the function's CPU
 * (pure): natively, or under QEMU when binfmt_misc has an enabled handler
 * for it (qemu-user-static registers `qemu-aarch64` / `qemu-x86_64` in
 * /proc/sys/fs/binfmt_misc; kernel docs "Kernel Support for miscellaneous
 * Binary Formats (binfmt_misc)"). Without one, an image of the other CPU
 * fails with "exec format error" here though it may be fine on Lambda.
 */
import type { Architecture } from '../../inputs/types.js'

/** The binfmt_misc handler that runs binaries of `architecture`. */
export const QEMU_HANDLER: Record<Architecture, string> = {
  arm64: 'qemu-aarch64',
  x86_64: 'qemu-x86_64'
}

export type PlatformSupport =
  { runs: true; emulated: boolean } | { runs: false; reason: string }

/**
 * `binfmt`: the enabled handlers' names (the first line of
 * /proc/sys/fs/binfmt_misc/<name> is "enabled").
 */
export function platformSupport(
  functionArchitecture: Architecture,
  hostArchitecture: Architecture,
  binfmt: readonly string[]
): PlatformSupport {
  if (functionArchitecture === hostArchitecture)
    return { runs: true, emulated: false }
  const handler = QEMU_HANDLER[functionArchitecture]
  if (binfmt.includes(handler)) return { runs: true, emulated: true }
  return {
    runs: false,
    reason: `the function is ${functionArchitecture} and this runner is ${hostArchitecture} without QEMU (no enabled ${handler} in /proc/sys/fs/binfmt_misc; docker/setup-qemu-action or qemu-user-static adds it).`
  }
}

/** Whether a binary's first bytes name a program interpreter (a dynamically linked ELF). */
export function isDynamicElf(head: Buffer): boolean {
  return (
    head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) &&
    /\/ld-(linux|musl)[^\0]*\.so/.test(head.toString('latin1'))
  )
}

/**
 * The init limit the local run enforces: Lambda's 10 s is followed by a
 * second init inside the first request with the function timeout, so only
 * an init that outlasts both never works (one over 10 s is a finding of its
 * own); Managed Instances allow max(130 s, timeout) (AWS docs "Lambda
 * Managed Instances execution environment"). Under QEMU, five times that.
 */
export function localInitLimitMs(
  timeoutSeconds: number,
  managedInstances: boolean,
  emulated: boolean
): number {
  const base = Math.max(
    managedInstances ? 130_000 : 10_000,
    timeoutSeconds * 1000
  )
  return emulated ? base * 5 : base
}
