import { promises as fs } from 'node:fs'
import * as core from '@actions/core'
import { realExec, type Exec } from '../build/docker.js'
import { errorMessage } from '../util/errors.js'
import { STATE } from './saved-state.js'

/** Cleanup after the job: it warns, never fails. */
export async function post(exec: Exec = realExec): Promise<void> {
  const dockerConfig = core.getState(STATE.dockerConfig)
  // The builder made for cache-to may be recorded only in the run's docker
  // config (when the user has no ~/.docker/buildx): remove it first.
  const builder = core.getState(STATE.builder)
  if (builder !== '') {
    try {
      const result = await exec(
        'docker',
        ['buildx', 'rm', builder],
        dockerConfig !== '' ? { env: { DOCKER_CONFIG: dockerConfig } } : {}
      )
      if (result.exitCode === 0) core.info(`Removed buildx builder ${builder}.`)
      else
        core.warning(
          `Could not remove buildx builder ${builder}: ${result.stderr.trim()}`
        )
    } catch (error) {
      core.warning(
        `Could not remove buildx builder ${builder}: ${errorMessage(error)}`
      )
    }
  }
  if (dockerConfig !== '') {
    try {
      await fs.rm(dockerConfig, { recursive: true, force: true })
      core.info(
        `Removed the temporary docker config ${dockerConfig} (ECR credentials).`
      )
    } catch (error) {
      core.warning(`Could not remove ${dockerConfig}: ${errorMessage(error)}`)
    }
  }
}
