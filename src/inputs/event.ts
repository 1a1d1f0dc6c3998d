import { readFileSync } from 'node:fs'
import { PULL_REQUEST_EVENTS, type EventPayload } from './preview.js'

/**
 * The payload of the pull request event that started the run (the file
 * GITHUB_EVENT_PATH names), or undefined for other events and unreadable
 * files.
 */
export function readPullRequestEvent(
  env: NodeJS.ProcessEnv
): EventPayload | undefined {
  const file = env.GITHUB_EVENT_PATH
  if (
    file === undefined ||
    file === '' ||
    !PULL_REQUEST_EVENTS.includes(env.GITHUB_EVENT_NAME ?? '')
  ) {
    return undefined
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EventPayload
  } catch {
    return undefined
  }
}
