import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { readPullRequestEvent } from '../../src/inputs/event.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'event-'))
function file(name: string, text: string): string {
  const target = path.join(dir, name)
  writeFileSync(target, text)
  return target
}
const PAYLOAD = { number: 3, pull_request: { number: 3 } }
const valid = file('valid.json', JSON.stringify(PAYLOAD))
const broken = file('broken.json', '{"number": ')

describe('readPullRequestEvent', () => {
  it.each<[string, NodeJS.ProcessEnv, unknown]>([
    [
      'a pull_request event',
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: valid },
      PAYLOAD
    ],
    [
      'a pull_request_target event',
      { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: valid },
      PAYLOAD
    ],
    [
      'a push event',
      { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: valid },
      undefined
    ],
    ['no event name', { GITHUB_EVENT_PATH: valid }, undefined],
    ['no event file', { GITHUB_EVENT_NAME: 'pull_request' }, undefined],
    [
      'an empty event path',
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: '' },
      undefined
    ],
    [
      'a missing file',
      {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: path.join(dir, 'none.json')
      },
      undefined
    ],
    [
      'a file that is not JSON',
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: broken },
      undefined
    ]
  ])('reads %s', (_label, env, expected) => {
    expect(readPullRequestEvent(env)).toEqual(expected)
  })
})
