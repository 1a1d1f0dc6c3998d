import { promises as fs } from 'node:fs'
import * as core from '@actions/core'
import { realExec, type Exec } from '../build/docker.js'
import { errorMessage } from '../util/errors.js'
import { markdownText } from '../util/markdown.js'
import { STATE, parseUndoRecords } from './saved-state.js'

/**
 * A run killed before its undo ended (a cancelled job) left what it changed
 * in the saved state: put it back now. Loaded only then, so the post step
 * of every other run stays small and quick.
 */
async function finishPendingUndo(): Promise<void> {
  const records = parseUndoRecords(core.getState(STATE.undo))
  if (records.length === 0) return
  await core.group('Put back what the cancelled run changed', async () => {
    const { finishUndo } = await import('./undo.js')
    const { lines, ok } = await finishUndo(records, message =>
      core.info(message)
    )
    for (const line of lines) (ok ? core.info : core.error)(line)
    try {
      await core.summary
        .addRaw(
          `\n### ${ok ? '↩️ Put back after the cancel' : '🚨 Could not put everything back after the cancel'}\n\n${lines.map(l => `- ${markdownText(l)}`).join('\n')}\n`
        )
        .write()
    } catch (error) {
      core.warning(`Could not write the job summary: ${errorMessage(error)}`)
    }
  })
}

/** Cleanup after the job: it warns, never fails. */
export async function post(exec: Exec = realExec): Promise<void> {
  try {
    await finishPendingUndo()
  } catch (error) {
    core.error(
      `Could not put back what the run changed: ${errorMessage(error)}`
    )
  }
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
