/**
 * The run's first phase: read and validate the inputs, mask what must never
 * be printed before anything can print it, and say what the run will do.
 */
import * as core from '@actions/core'
import { buildArgValuesToMask } from '../build/docker.js'
import { describeRun } from '../inputs/describe.js'
import { getInputs } from '../inputs/read.js'
import type { Inputs } from '../inputs/types.js'
import { announceProxy } from '../net/announce.js'
import type { Dependencies, PhaseRunner } from './context.js'

export function readInputs(
  deps: Dependencies,
  phase: PhaseRunner
): Promise<Inputs> {
  return phase('Read inputs', () => {
    announceProxy(deps.env, core)
    const parsed = getInputs(deps.readInput, deps.env)
    // Masked before anything can print them: build secrets, and the values
    // of build-args that look like secrets (the docker command line is
    // logged, and a FROM may name an image through a build-arg).
    for (const secret of parsed.secrets) core.setSecret(secret.value)
    for (const value of buildArgValuesToMask(parsed.buildArgs))
      core.setSecret(value)
    core.info(describeRun(parsed))
    for (const deprecation of parsed.deprecations ?? [])
      core.warning(deprecation)
    if (parsed.mode === 'preview' && parsed.reuseUnchanged)
      core.info(
        'reuse-unchanged-image does not apply to previews: a preview neither reuses nor records build-<key> tags.'
      )
    if (parsed.preview !== undefined) {
      core.info(
        `Mode ${parsed.mode}: pull request #${parsed.pullRequest ?? '?'}, preview function ${parsed.preview.name}`
      )
      if (parsed.preview.shortened)
        core.warning(
          `The preview function name "${parsed.preview.full}" is longer than Lambda's 64 characters; using "${parsed.preview.name}" (cut, with a hash of the full name).`
        )
    }
    return parsed
  })
}
