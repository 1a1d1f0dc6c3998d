/**
 * A tiny base image in the stand-in's raw registry (no auth, plain HTTP on loopback, as docker
 * allows), for apps built `FROM <registry>/<name>:<tag>`: FROM scratch plus the given files.
 * Pushing it again under the same tag repoints the tag, as a patched public base image does.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { localAwsEnv } from './fixtures.js'

export interface BaseImage {
  /** <registry>/<name>:<tag>, as a FROM line names it. */
  reference: string
  digest: string
}

function docker(args: string[], config: string): string {
  const result = spawnSync(
    localAwsEnv().docker,
    ['--config', config, ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_BUILDKIT: '1' }
    }
  )
  if (result.status !== 0)
    throw new Error(
      `docker ${args.join(' ')} exited ${result.status ?? '?'}:\n${result.stdout}\n${result.stderr}`
    )
  return `${result.stdout}\n${result.stderr}`
}

export function pushBaseImage(
  name: string,
  tag: string,
  files: Record<string, string>,
  platform = 'linux/amd64'
): BaseImage {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'local-aws-base-'))
  const config = mkdtempSync(path.join(os.tmpdir(), 'local-aws-base-config-'))
  try {
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, 'files', file)), {
        recursive: true
      })
      writeFileSync(path.join(dir, 'files', file), content)
    }
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY files/ /\n')
    const reference = `${localAwsEnv().registry}/${name}:${tag}`
    docker(['build', '--platform', platform, '-t', reference, dir], config)
    const pushed = docker(['push', reference], config)
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1]
    if (digest === undefined)
      throw new Error(`no digest in docker push output:\n${pushed}`)
    return { reference, digest }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    rmSync(config, { recursive: true, force: true })
  }
}
