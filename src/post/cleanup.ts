import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as core from '@actions/core'
import { realExec, type Exec } from '../build/docker.js'
import { errorMessage } from '../util/errors.js'
import { markdownText } from '../util/markdown.js'
import {
  STATE,
  ownBuilder,
  ownDockerConfig,
  ownLocalRunLabel,
  parseUndoRecords
} from './saved-state.js'

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

/**
 * The local run's container, when the run ended (killed, cancelled) before
 * its removal did: every container carrying the run's own label goes.
 */
async function removeLocalRunContainer(exec: Exec): Promise<void> {
  const label = core.getState(STATE.localRun)
  if (label === '') return
  if (!ownLocalRunLabel(label)) {
    core.warning(
      `Not removing containers labelled "${label}": the saved state names a label this action does not give.`
    )
    return
  }
  const failed = (why: string): void =>
    core.warning(
      `Could not remove the local run's container (label ${label}): ${why}; remove it with docker container rm --force.`
    )
  try {
    const listed = await exec('docker', [
      'container',
      'ls',
      '--all',
      '--quiet',
      '--filter',
      `label=${label}`
    ])
    if (listed.exitCode !== 0) return failed(listed.stderr.trim())
    const ids = listed.stdout.split(/\s+/).filter(id => /^[0-9a-f]+$/.test(id))
    if (ids.length === 0) return
    const removed = await exec('docker', ['container', 'rm', '--force', ...ids])
    if (removed.exitCode !== 0) return failed(removed.stderr.trim())
    core.info(
      `Removed the local run's container the run left (label ${label}).`
    )
  } catch (error) {
    failed(errorMessage(error))
  }
}

/** Cleanup after the job: it warns, never fails. */
export async function post(
  exec: Exec = realExec,
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  try {
    await finishPendingUndo()
  } catch (error) {
    core.error(
      `Could not put back what the run changed: ${errorMessage(error)}`
    )
  }
  await removeLocalRunContainer(exec)
  const dockerConfig = await checkedDockerConfig(
    core.getState(STATE.dockerConfig),
    env.RUNNER_TEMP ?? os.tmpdir()
  )
  // The builder made for cache-to may be recorded only in the run's docker
  // config (when the user has no ~/.docker/buildx): remove it first.
  const builder = core.getState(STATE.builder)
  if (builder !== '' && !ownBuilder(builder)) {
    core.warning(
      `Not removing buildx builder "${builder}": the saved state names a builder this action did not create.`
    )
  } else if (builder !== '') {
    try {
      const result = await exec(
        'docker',
        ['buildx', 'rm', builder],
        dockerConfig !== undefined
          ? { env: { DOCKER_CONFIG: dockerConfig } }
          : {}
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
  if (dockerConfig !== undefined) {
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

/**
 * The saved docker config, if it is a directory this action made (by name
 * and place: ownDockerConfig) and still a real directory, not a link to
 * one elsewhere. Anything else is left alone, with a warning.
 */
async function checkedDockerConfig(
  saved: string,
  tempDir: string
): Promise<string | undefined> {
  if (saved === '') return undefined
  const own = ownDockerConfig(saved, tempDir)
  if ('refused' in own) {
    core.warning(
      `Not removing the saved docker config path ${saved}: ${own.refused}.`
    )
    return undefined
  }
  try {
    const stat = await fs.lstat(own.dir)
    if (!stat.isDirectory()) {
      core.warning(
        `Not removing the saved docker config path ${saved}: it is not a directory (a link or a file), so this action did not make it.`
      )
      return undefined
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    core.warning(`Could not remove ${saved}: ${errorMessage(error)}`)
    return undefined
  }
  return own.dir
}
