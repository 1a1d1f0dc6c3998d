/**
 * A Runtime API image whose every answer is HTTP `<CMD>` (e.g. `["200"]`),
 * shaped as an ASP.NET Core app hosted for an HTTP API answers: the local
 * run's good and 5xx images (e2e/local-run.test.ts, scripts/bench/local-run.ts).
 * Built on the runtime context of ./lambda-images.ts with its own bootstrap.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  makeRuntimeContext,
  type RuntimeImageOptions
} from './lambda-images.js'

const STATUS_RUNTIME = `#!/bin/busybox sh
B=/bin/busybox
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  $B wget -q -S -O /tmp/event "$API/invocation/next" 2>/tmp/headers || exit 1
  ID=$($B sed -n 's/^ *Lambda-Runtime-Aws-Request-Id: *\\([^ \\r]*\\).*/\\1/ip' /tmp/headers)
  echo "{\\"statusCode\\":$_HANDLER,\\"headers\\":{\\"content-type\\":\\"text/plain\\"},\\"body\\":\\"local run $_HANDLER\\"}" > /tmp/response
  $B wget -q -O /dev/null --post-file /tmp/response "$API/invocation/$ID/response"
done
`

/**
 * A build context (its directory): the runtime of ./lambda-images.ts with
 * `status` set, an image that answers HTTP `status` to every request.
 */
export function runtimeContext(
  opts: RuntimeImageOptions & { status?: number }
): string {
  const dir = makeRuntimeContext(
    mkdtempSync(path.join(os.tmpdir(), 'local-run-image-')),
    opts.status === undefined ? opts : { ...opts, handler: String(opts.status) }
  )
  if (opts.status !== undefined)
    writeFileSync(path.join(dir, 'bootstrap'), STATUS_RUNTIME, { mode: 0o755 })
  return dir
}
