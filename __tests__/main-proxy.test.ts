/**
 * Behind a proxy, through run() against the simulated world: the run says
 * once, in its first phase, which proxy it uses (credentials masked first,
 * never shown), and a proxy variable it cannot use fails the run before
 * any AWS call.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { REGION, REPOSITORY_NAME } from '../__fixtures__/aws.js'
import {
  HEALTH_PATH,
  START,
  simulatedWorld,
  storedImage,
  type World
} from '../__fixtures__/world.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

const NEW = storedImage('amd64', 'v2')

function world(): World {
  const w = simulatedWorld({
    'function-name': 'my-api',
    repository: REPOSITORY_NAME,
    tag: 'v2',
    'aws-region': REGION,
    preflight: 'off',
    'smoke-test': 'true',
    'smoke-path': HEALTH_PATH,
    'smoke-expect-status': '200',
    'smoke-timeout': '30s'
  })
  w.registry.push('v2', NEW, new Date(START - 1000))
  return w
}

beforeEach(() => {
  core.resetCore()
})

describe('a run behind a proxy', () => {
  it('masks the credentials, then says which proxy in the first phase, and deploys', async () => {
    const w = world()
    w.deps.env.HTTPS_PROXY = 'http://deploy:s3cr%40t@proxy.corp:3128'
    w.deps.env.NO_PROXY = '169.254.169.254,.internal'

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const line =
      'Using proxy http://proxy.corp:3128 for https (NO_PROXY: 169.254.169.254,.internal)'
    expect(core.infos().filter(info => info.startsWith('Using proxy'))).toEqual(
      [line]
    )
    expect(core.groupNames()[0]).toBe('Read inputs')
    const masked = core.setSecret.mock.calls.map(([secret]) => secret)
    expect(masked).toEqual(expect.arrayContaining(['s3cr%40t', 's3cr@t']))
    // Masked before it could be shown.
    expect(core.setSecret.mock.invocationCallOrder[0]).toBeLessThan(
      core.info.mock.invocationCallOrder[core.infos().indexOf(line)] ?? 0
    )
    const shown = JSON.stringify([
      core.infos(),
      core.warnings(),
      core.writtenSummaries(),
      core.outputs()
    ])
    expect(shown).not.toMatch(/s3cr/)
    expect(core.outputs()['image-digest']).toBe(NEW.digest)
  })

  it('says nothing about a proxy when none is set', async () => {
    const w = world()
    await run(w.deps)
    expect(core.failures()).toEqual([])
    expect(core.infos().some(info => /proxy/i.test(info))).toBe(false)
  })

  it('a proxy it cannot use fails the run in the first phase, before any AWS call', async () => {
    const w = world()
    w.deps.env.https_proxy = 'socks5://user:pw@proxy.corp:1080'

    await run(w.deps)

    expect(core.failures()).toEqual([
      expect.stringMatching(
        /^https_proxy uses socks5:\/\/, which the action cannot use: give an http:\/\/ or https:\/\/ proxy/
      )
    ])
    expect(w.events.filter(e => e.call.includes(':'))).toEqual([])
  })
})
