/**
 * What reading layers costs inside a bundle: the first `readTar` (with the
 * lazy tar-stream chunk, its loading), a second one, and a 52 MB layer of
 * 20,000 files read twice (the first time as the action reads a layer: its
 * code not yet optimised by the JIT); wall and CPU ms of this process, one
 * line: `first second many-first many-again`, each as `wall cpu`.
 * Bundle it as the action is bundled, then run the bundle (alternate two
 * builds yourself to compare them):
 *   npx ncc build scripts/measure/tar-cost.ts -o /tmp/tar-cost --minify
 *   node /tmp/tar-cost/index.js
 */
import * as core from '@actions/core'
import { readTar } from '../../src/checks/preflight/tar.js'
import { tar } from '../../__fixtures__/layers.js'

// The action's main chunk loads @actions/core (and with it undici) first.
if (process.env.NEVER_SET === '1') core.info('loaded as in the action')

async function timed(read: () => Promise<unknown>): Promise<number[]> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  await read()
  const used = process.cpuUsage(cpu)
  return [performance.now() - start, (used.user + used.system) / 1000]
}

const small = tar([
  { path: 'opt/extensions/x', content: 'abc' },
  { path: 'var/task/App.dll', content: 'MZ' }
])
const many = tar(
  Array.from({ length: 20_000 }, (_, i) => ({
    path: `var/task/dir${i % 50}/file${i}.dll`,
    content: Buffer.alloc(1500 + (i % 700), 0x41)
  }))
)
function* chunks(data: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < data.length; offset += 65_536)
    yield data.subarray(offset, offset + 65_536)
}
const readSmall = (): Promise<unknown> =>
  readTar(
    [small],
    () => 4,
    () => undefined
  )
const readMany = (): Promise<unknown> =>
  readTar(
    chunks(many),
    entry => (entry.path.endsWith('0.dll') ? 64 : 0),
    () => undefined
  )
const times = [
  ...(await timed(readSmall)),
  ...(await timed(readSmall)),
  ...(await timed(readMany)),
  ...(await timed(readMany))
]
console.log(times.map(value => value.toFixed(2)).join(' '))
