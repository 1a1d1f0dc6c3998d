/**
 * Build secrets (`secrets`, `secret-files`) on a real Docker engine: the
 * Dockerfile reads them with RUN --mount=type=secret, the deployed app proves
 * the build saw them, and nothing the run leaves behind shows them: not the
 * log (which prints every docker argv), the summary or the outputs, not
 * `docker history`, the image config or its layers.
 *
 * No buildx here: the fallback `docker build` passes the secrets to BuildKit
 * (Debian's 20.10 client with DOCKER_BUILDKIT=1, as the stand-in's PATH sets up).
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  createImageFunction,
  localAwsEnv,
  reset,
  runAction,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import {
  appContext,
  errors,
  httpGet,
  warnings
} from '../test/local-aws/assertions.js'

jest.setTimeout(240_000)

const sha256 = (text: string): string =>
  createHash('sha256').update(text).digest('hex')

/** Output of the stand-in's docker client (the one the action ran). */
function docker(args: string[]): string {
  return execFileSync(localAwsEnv().docker, args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024
  })
}

let web: ImageFunction

beforeEach(async () => {
  localAwsEnv()
  await reset()
  web = await createImageFunction({
    functionName: 'web',
    repositoryName: 'web',
    architecture: 'x86_64',
    functionUrl: true,
    body: 'release 1\n'
  })
})

describe('build secrets', () => {
  it('reach the build through RUN --mount=type=secret and are in no log, output, history, config or layer', async () => {
    // Unlike anything else in the run, so that a find anywhere is this value.
    const nonce = sha256(`${Date.now()} ${Math.random()}`)
    const token = `nuget-token-${nonce.slice(0, 24)}`
    const fileSecret = `npmrc-secret-${sha256(token).slice(0, 24)}`
    // A credential passed the wrong way, as a build-arg: still masked.
    const buildArgSecret = `feed-token-${sha256(fileSecret).slice(0, 24)}`
    const dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-secret-file-'))
    const secretFile = path.join(dir, 'npmrc')
    writeFileSync(secretFile, fileSecret)

    const result = await runAction({
      inputs: {
        'function-name': 'web',
        repository: 'web',
        context: appContext({
          // New content before the RUN step: BuildKit does not count a
          // secret in its cache key, so an identical earlier build's layer
          // (another secret's hash) would be reused.
          body: `release ${nonce.slice(40)}\n`,
          buildSecrets: ['nuget', 'npmrc']
        }),
        secrets: `nuget=${token}`,
        'secret-files': `npmrc=${secretFile}`,
        'build-args': `FEED_TOKEN=${buildArgSecret}`,
        'smoke-expect-body': `release ${nonce.slice(40)}`
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    // The build saw both secrets: the served app holds their hashes.
    const url = web.functionUrl ?? ''
    expect(await httpGet(`${url}secret-nuget`)).toEqual({
      status: 200,
      body: `${sha256(token)}\n`
    })
    expect(await httpGet(`${url}secret-npmrc`)).toEqual({
      status: 200,
      body: `${sha256(fileSecret)}\n`
    })

    // Not in what the run printed (every docker argv included), its
    // summary, outputs or saved state; nor in the post step's. The one line
    // with it is the ::add-mask:: command, which the runner consumes (never
    // shows) and which masks the value wherever else it could appear.
    const maskCommand = `::add-mask::${token}`
    expect(result.stdout.split('\n')).toContain(maskCommand)
    const printed = [
      result.stdout
        .split('\n')
        .filter(line => line !== maskCommand)
        .join('\n'),
      result.stderr,
      result.jobSummary,
      JSON.stringify(result.outputs),
      JSON.stringify(result.state),
      result.post?.stdout ?? '',
      result.post?.stderr ?? ''
    ].join('\n')
    expect(printed).toContain('docker build') // the argv is in the log
    expect(printed).not.toContain(token)
    expect(printed).not.toContain(fileSecret)

    // The build-arg's value is on the logged docker command line, which the
    // runner masks: its ::add-mask:: is the first line that holds it.
    const lines = result.stdout.split('\n')
    const first = lines.findIndex(line => line.includes(buildArgSecret))
    expect(lines[first]).toBe(`::add-mask::${buildArgSecret}`)
    expect(
      lines.some(
        (line, at) =>
          at > first &&
          line.includes(`--build-arg FEED_TOKEN=${buildArgSecret}`)
      )
    ).toBe(true)
    expect(warnings(result)).toMatch(
      /build-args FEED_TOKEN look like secrets: their values are masked in this log.*Pass it with the secrets input/
    )

    // Not in the image: its history, its config, or any of its layers.
    const image = `${web.repositoryUri}:${result.sha}`
    const history = docker([
      'history',
      '--no-trunc',
      '--format',
      '{{.CreatedBy}}',
      image
    ])
    expect(history).toContain('/run/secrets/nuget') // the RUN step is there
    expect(history).not.toContain(token)
    expect(history).not.toContain(fileSecret)
    const inspect = docker(['image', 'inspect', image])
    expect(inspect).not.toContain(token)
    const saved = execFileSync(localAwsEnv().docker, ['save', image], {
      maxBuffer: 256 * 1024 * 1024
    })
    expect(saved.length).toBeGreaterThan(100_000) // busybox is in there
    expect(saved.includes(token)).toBe(false)
    expect(saved.includes(fileSecret)).toBe(false)
    // The layers do hold what the build wrote from the secret.
    expect(saved.includes(sha256(token))).toBe(true)
  })
})
