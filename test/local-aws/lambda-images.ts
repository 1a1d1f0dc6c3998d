/**
 * Tiny images that speak Lambda's Runtime and Extensions APIs, for the execution emulator's
 * tests (src/emulator, e2e/emulator.test.ts): FROM scratch with a static busybox.
 *
 * The runtime (/var/runtime/bootstrap) has the shape of AWS's custom-runtime tutorial
 * (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-walkthrough.html): loop on
 * invocation/next, run the handler, post invocation/{id}/response. What the handler does is
 * chosen by _HANDLER (the image's CMD, or the function's ImageConfig Command):
 *   echo         answers the event as it came
 *   sleep        sleeps 30 s before answering (past any short timeout)
 *   big          answers 7,000,000 bytes (over the 6 MB buffered limit)
 *   exit-in-init exits 104 before its first next, as bootstrap.net8.sh does when the handler
 *                names no assembly
 *   init-error   posts runtime/init/error (Runtime.BadInit) and runs on
 *   http-only    serves HTTP on 127.0.0.1:$HTTP_PORT and never calls next (an
 *                AddAWSLambdaHosting app that does not see a Runtime API)
 * Extensions are busybox shell scripts in /opt/extensions that register for INVOKE and
 * SHUTDOWN and loop on event/next (exit on SHUTDOWN, writing "[name] SHUTDOWN <reason>"),
 * or misbehave as `mode` says; a `wrong-cpu` extension is a busybox binary of the other CPU.
 */
import { execFile } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

import { busyboxPath } from './images.js'

export type ExtensionMode =
  | 'well-behaved'
  | 'never-register'
  | 'wrong-name'
  | 'no-next'
  | 'exit-on-invoke'
  | 'wrong-cpu'

export interface RuntimeImageOptions {
  /** Default CMD (the handler). */
  handler?: string
  extensions?: { name: string; mode: ExtensionMode }[]
}

/** A 64-byte ELF64 little-endian executable header for aarch64 (e_machine 183). */
function aarch64ElfHeader(): Buffer {
  const b = Buffer.alloc(64)
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(b)
  b.writeUInt16LE(2, 16) // e_type EXEC
  b.writeUInt16LE(183, 18) // e_machine AARCH64
  b.writeUInt32LE(1, 20) // e_version
  return b
}

const RUNTIME = `#!/bin/busybox sh
B=/bin/busybox
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
case "$_HANDLER" in
  exit-in-init)
    echo "Could not find /var/task/$_HANDLER.dll" >&2
    exit 104 ;;
  init-error)
    $B wget -q -O /dev/null --header 'Lambda-Runtime-Function-Error-Type: Runtime.BadInit' \\
      --post-data '{"errorType":"BadInit","errorMessage":"no configuration"}' "$API/init/error"
    exec $B sleep 3600 ;;
  http-only)
    exec $B httpd -f -p "127.0.0.1:$HTTP_PORT" -h /var/runtime ;;
esac
while true; do
  $B wget -q -S -O /tmp/event "$API/invocation/next" 2>/tmp/headers || exit 1
  ID=$($B sed -n 's/^ *Lambda-Runtime-Aws-Request-Id: *\\([^ \\r]*\\).*/\\1/ip' /tmp/headers)
  case "$_HANDLER" in
    sleep) $B sleep 30; $B cp /tmp/event /tmp/response ;;
    big) $B head -c 7000000 /dev/zero | $B tr '\\0' 'a' > /tmp/response ;;
    *) $B cp /tmp/event /tmp/response ;;
  esac
  $B wget -q -O /dev/null --post-file /tmp/response "$API/invocation/$ID/response" ||
    echo "runtime: the response was rejected" >&2
done
`

function extensionScript(mode: ExtensionMode): string {
  return `#!/bin/busybox sh
B=/bin/busybox
NAME=$($B basename "$0")
${mode === 'wrong-name' ? 'NAME="$NAME-renamed"' : ''}
API="http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension"
${mode === 'never-register' ? 'exec $B sleep 3600' : ''}
$B wget -q -S -O /dev/null --header "Lambda-Extension-Name: $NAME" \\
  --post-data '{"events":["INVOKE","SHUTDOWN"]}' "$API/register" 2>/tmp/register-$$ || exit 1
ID=$($B sed -n 's/^ *Lambda-Extension-Identifier: *\\([^ \\r]*\\).*/\\1/ip' /tmp/register-$$)
echo "[$NAME] registered" >&2
${mode === 'no-next' ? 'exec $B sleep 3600' : ''}
while true; do
  EVENT=$($B wget -q -O - --header "Lambda-Extension-Identifier: $ID" "$API/event/next") || exit 1
  case "$EVENT" in
    *SHUTDOWN*)
      echo "[$NAME] SHUTDOWN $(echo "$EVENT" | $B sed -n 's/.*"shutdownReason":"\\([a-z]*\\)".*/\\1/p')" >&2
      exit 0 ;;
  esac
  ${mode === 'exit-on-invoke' ? 'echo "[$NAME] exiting on INVOKE" >&2; exit 0' : ':'}
done
`
}

/** Writes the build context; returns its directory. amd64 images only (the host's busybox). */
export function makeRuntimeContext(
  dir: string,
  opts: RuntimeImageOptions = {}
): string {
  mkdirSync(path.join(dir, 'extensions'), { recursive: true })
  copyFileSync(busyboxPath('amd64'), path.join(dir, 'busybox'))
  chmodSync(path.join(dir, 'busybox'), 0o755)
  writeFileSync(path.join(dir, 'bootstrap'), RUNTIME, { mode: 0o755 })
  for (const e of opts.extensions ?? []) {
    const file = path.join(dir, 'extensions', e.name)
    if (e.mode === 'wrong-cpu') {
      const arm64 = busyboxPath('arm64')
      // The genuine arm64 busybox when scripts/local-aws.sh fetched it, else an ELF header that
      // says aarch64 (all the emulator's check reads; the host's busybox would be the right CPU).
      if (arm64 !== busyboxPath('amd64')) copyFileSync(arm64, file)
      else writeFileSync(file, aarch64ElfHeader())
      chmodSync(file, 0o755)
    } else writeFileSync(file, extensionScript(e.mode), { mode: 0o755 })
  }
  const lines = [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'COPY bootstrap /var/runtime/bootstrap',
    ...((opts.extensions ?? []).length > 0
      ? ['COPY extensions /opt/extensions']
      : []),
    'WORKDIR /var/task',
    'ENTRYPOINT ["/var/runtime/bootstrap"]',
    `CMD ${JSON.stringify([opts.handler ?? 'echo'])}`,
    ''
  ]
  writeFileSync(path.join(dir, 'Dockerfile'), lines.join('\n'))
  return dir
}

const run = promisify(execFile)

/** Builds the image locally (no registry); returns its tag. */
export async function buildRuntimeImage(
  tag: string,
  opts: RuntimeImageOptions = {}
): Promise<string> {
  const dir = makeRuntimeContext(
    mkdtempSync(path.join(os.tmpdir(), 'lambda-runtime-image-')),
    opts
  )
  await run('docker', ['build', '--quiet', '--tag', tag, dir])
  return tag
}
