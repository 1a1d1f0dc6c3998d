/**
 * The bundled action (dist/index.js), run the way the GitHub runner runs it
 * (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_STATE, post step),
 * against real parts on loopback: a Docker engine, a registry, moto and the
 * gateway in test/local-aws. Needs `scripts/local-aws.sh up` (test:all does it).
 *
 * No buildx exists on this machine, so the action takes its documented
 * fallback (docker build + docker push, BuildKit through Debian's client);
 * the buildx argv is covered by the unit tests.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  buildAndPush,
  controlBeginUpdate,
  controlNextUpdate,
  createHttpApi,
  createImageFunction,
  localAwsEnv,
  pushImageIndex,
  registryManifest,
  reset,
  runAction,
  updates,
  type ActionResult,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import {
  appContext,
  deployed,
  deployedDigest,
  errors,
  httpGet,
  warnings
} from '../test/local-aws/assertions.js'

jest.setTimeout(240_000)

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json'

let web: ImageFunction

beforeEach(async () => {
  localAwsEnv()
  await reset()
})

describe('a first deploy', () => {
  beforeEach(async () => {
    web = await createImageFunction({
      functionName: 'web',
      repositoryName: 'web',
      architecture: 'x86_64',
      functionUrl: true,
      body: 'release 1\n'
    })
  })

  it('builds for x86_64, pushes a single-platform manifest, deploys it by digest and smoke-tests it', async () => {
    const result = await runAction({
      inputs: {
        'function-name': 'web',
        repository: 'web',
        context: appContext({ body: 'release 2\n' }),
        'smoke-expect-body': 'release 2',
        'smoke-timeout': '60s'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    const digest = result.outputs['image-digest'] ?? ''
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    expect(result.outputs).toMatchObject({
      'image-tag': result.sha,
      'image-uri': `${web.repositoryUri}@${digest}`,
      architecture: 'x86_64',
      'function-arn': web.functionArn,
      'previous-image-uri': web.initialImageUri,
      'reused-image': 'false',
      updated: 'true',
      'smoke-status': '200',
      'rolled-back': 'false'
    })
    // What the registry holds is exactly what was deployed.
    const manifest = await registryManifest('web', result.sha)
    expect(manifest).toMatchObject({
      mediaType: DOCKER_V2,
      digest,
      architecture: 'amd64',
      os: 'linux'
    })
    expect(await deployed('web')).toEqual({
      digest,
      lastUpdateStatus: 'Successful'
    })
    expect((await updates('web')).map(u => [u.imageUri, u.status])).toEqual([
      [`${web.repositoryUri}@${digest}`, 'Successful']
    ])
    // The app really serves the new release through the Function URL.
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 2\n'
    })
    expect(result.stdout).toMatch(/falling back to docker build/)
    expect(result.summary).toContain('Deployed: web')
    expect(result.summary).toContain(digest)
    expect(result.post?.exitCode).toBe(0)
  })

  it('re-running the same commit reuses the image: no login, no build, no update', async () => {
    const sha = 'a'.repeat(40)
    const inputs = {
      'function-name': 'web',
      repository: 'web',
      context: appContext({ body: 'release 2\n' })
    }
    const first = await runAction({ inputs, sha })
    expect(first.exitCode).toBe(0)
    const updatesAfterFirst = (await updates('web')).length

    const again = await runAction({ inputs, sha })

    expect(errors(again)).toBe('')
    expect(again.exitCode).toBe(0)
    expect(again.outputs).toMatchObject({
      'reused-image': 'true',
      updated: 'false',
      'image-digest': first.outputs['image-digest'],
      'smoke-status': '200'
    })
    expect(again.stdout).not.toMatch(/Logged in to|docker build|Pushed /)
    expect(again.state.dockerConfig).toBeUndefined()
    expect(await updates('web')).toHaveLength(updatesAfterFirst)
    expect((await registryManifest('web', sha)).digest).toBe(
      first.outputs['image-digest']
    )
  })

  it('refuses an existing tag that holds an image for the other CPU, and overwrites nothing', async () => {
    const other = await buildAndPush({
      repositoryName: 'web',
      tag: 'v-other',
      architecture: 'arm64',
      body: 'arm64 build\n'
    })

    const result = await runAction({
      inputs: {
        'function-name': 'web',
        repository: 'web',
        tag: 'v-other',
        context: appContext({ body: 'release 2\n' })
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /built for linux\/arm64 but the function runs on x86_64[\s\S]*exec format error/
    )
    expect(result.outputs['reused-image']).toBe('true')
    expect((await registryManifest('web', 'v-other')).digest).toBe(other.digest)
    expect(await deployedDigest('web')).toBe(web.initialDigest)
    expect(await updates('web')).toEqual([])
  })

  it("fails with Lambda's reason when the update fails, and the function keeps its image", async () => {
    await controlNextUpdate('web', {
      durationMs: 1000,
      failReason: 'Lambda was unable to pull the image',
      failReasonCode: 'ImageAccessDenied'
    })

    const result = await runAction({
      inputs: {
        'function-name': 'web',
        repository: 'web',
        context: appContext({ body: 'release 2\n' })
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /ImageAccessDenied: Lambda was unable to pull the image/
    )
    expect(errors(result)).toContain(`still runs ${web.initialImageUri}`)
    expect(await deployed('web')).toEqual({
      digest: web.initialDigest,
      lastUpdateStatus: 'Failed'
    })
    expect(result.summary).toContain('Failed')
  })

  it('waits for an update already in progress before updating', async () => {
    await controlBeginUpdate('web', 3000)

    const result = await runAction({
      inputs: {
        'function-name': 'web',
        repository: 'web',
        context: appContext({ body: 'release 2\n' }),
        'smoke-expect-body': 'release 2'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/update of the function is in progress/)
    const [theirs, ours] = await updates('web')
    expect(theirs?.source).toBe('begin-update')
    expect(ours?.source).toBe('UpdateFunctionCode')
    expect(ours?.startedAt).toBeGreaterThanOrEqual(theirs?.finishedAt ?? NaN)
    expect(await deployedDigest('web')).toBe(result.outputs['image-digest'])
  })

  it('fails a release that answers 500 at the smoke test and rolls back to the previous image', async () => {
    const result = await runAction({
      inputs: {
        'function-name': 'web',
        repository: 'web',
        context: appContext({ status: 500, body: 'boom\n' }),
        'smoke-timeout': '20s'
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(/Smoke test failed: .*status 500/)
    expect(errors(result)).toContain(
      `Rolled back: web runs the previous image ${web.initialImageUri} again`
    )
    expect(result.outputs).toMatchObject({
      'smoke-status': '500',
      'rolled-back': 'true'
    })
    expect(await deployedDigest('web')).toBe(web.initialDigest)
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 1\n'
    })
    expect(result.summary).toContain('rolled back')
  })

  it('two runs of the same commit at once write the tag once and both deploy that image', async () => {
    const sha = 'e'.repeat(40)
    const run = (body: string): Promise<ActionResult> =>
      runAction({
        inputs: {
          'function-name': 'web',
          repository: 'web',
          context: appContext({ body })
        },
        sha
      })

    const [a, b] = await Promise.all([run('run A\n'), run('run B\n')])

    expect(errors(a) + errors(b)).toBe('')
    expect([a.exitCode, b.exitCode]).toEqual([0, 0])
    const digest = a.outputs['image-digest']
    expect(b.outputs['image-digest']).toBe(digest)
    expect((await registryManifest('web', sha)).digest).toBe(digest)
    expect(await deployedDigest('web')).toBe(digest)
  })

  it('rejects bad inputs with a message naming each one, before touching AWS', async () => {
    const result = await runAction({
      inputs: {
        'function-name': 'web site',
        repository: 'web',
        tag: 'release:2',
        'wait-timeout': 'soon'
      }
    })

    expect(result.exitCode).toBe(1)
    const message = errors(result)
    expect(message).toMatch(/function-name "web site" is not a function name/)
    expect(message).toMatch(/tag "release:2" is not a valid image tag/)
    expect(message).toMatch(/wait-timeout "soon" is not a duration/)
    expect(await updates('web')).toEqual([])
    expect(await deployedDigest('web')).toBe(web.initialDigest)
  })

  it('leaves no ECR credentials on disk after the post step, and masks the token', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'e2e-home-'))
    const result = await runAction({
      inputs: {
        'function-name': 'web',
        repository: 'web',
        context: appContext({ body: 'release 2\n' })
      },
      env: { HOME: home }
    })
    expect(result.exitCode).toBe(0)

    const dockerConfig = result.state.dockerConfig ?? ''
    const runnerTemp = path.join(path.dirname(result.workspace), 'runner-temp')
    expect(dockerConfig.startsWith(runnerTemp)).toBe(true)
    expect(result.post?.exitCode).toBe(0)
    expect(existsSync(dockerConfig)).toBe(false)
    expect(readdirSync(runnerTemp)).toEqual([])
    // The user's own docker config never received the registry login.
    const userConfig = path.join(home, '.docker', 'config.json')
    const userConfigText = existsSync(userConfig)
      ? readFileSync(userConfig, 'utf8')
      : ''
    expect(userConfigText).not.toContain(localAwsEnv().ecrRegistry)
    // The password is registered as a secret before it could be printed,
    // and appears nowhere else in the log.
    const masked = [...result.stdout.matchAll(/^::add-mask::(.+)$/gm)].map(
      m => m[1] ?? ''
    )
    expect(masked.length).toBeGreaterThan(0)
    const rest = result.stdout
      .split('\n')
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n')
    for (const secret of masked) expect(rest).not.toContain(secret)
  })
})

describe('an arm64 function', () => {
  it('receives an arm64 image, which really serves through its Function URL', async () => {
    const worker = await createImageFunction({
      functionName: 'worker',
      repositoryName: 'worker',
      architecture: 'arm64',
      functionUrl: true
    })

    const result = await runAction({
      inputs: {
        'function-name': 'worker',
        repository: 'worker',
        context: appContext({ body: 'arm64 release\n' }),
        'smoke-expect-body': 'arm64 release'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs.architecture).toBe('arm64')
    expect(result.stdout).toContain('--platform linux/arm64')
    const manifest = await registryManifest('worker', result.sha)
    expect(manifest).toMatchObject({
      mediaType: DOCKER_V2,
      architecture: 'arm64'
    })
    expect(await deployedDigest('worker')).toBe(result.outputs['image-digest'])
    expect(result.outputs['smoke-status']).toBe('200')
    expect(result.outputs['smoke-url']).toBe(`${worker.functionUrl ?? ''}`)
  })
})

describe('smoke-test discovery and refusals', () => {
  it('finds the HTTP API in front of a function without a Function URL', async () => {
    const api = await createImageFunction({
      functionName: 'api',
      repositoryName: 'api',
      architecture: 'x86_64'
    })
    const { apiEndpoint } = await createHttpApi(api.functionArn)

    const result = await runAction({
      inputs: {
        'function-name': 'api',
        repository: 'api',
        context: appContext({ body: 'behind an HTTP API\n' }),
        'smoke-expect-body': '/behind an http api/i'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs['smoke-url']).toBe(`${apiEndpoint}/`)
    expect(result.outputs['smoke-status']).toBe('200')
  })

  it('checks a function no HTTP endpoint serves by a direct Invoke, never skipping it silently', async () => {
    await createImageFunction({
      functionName: 'quiet',
      repositoryName: 'quiet',
      architecture: 'x86_64'
    })

    const result = await runAction({
      inputs: {
        'function-name': 'quiet',
        repository: 'quiet',
        context: appContext({ body: 'no URL\n' })
      }
    })

    expect(result.exitCode).toBe(0)
    expect(result.outputs['smoke-status']).toBe('200')
    expect(result.outputs['smoke-url']).toContain('(direct Invoke)')
    expect(warnings(result)).not.toMatch(/Smoke test skipped/)
  })

  it('deploys the image of an index with a provenance attestation by its own digest', async () => {
    const fn = await createImageFunction({
      functionName: 'indexed',
      repositoryName: 'indexed',
      architecture: 'x86_64',
      functionUrl: true
    })
    const image = await buildAndPush({
      repositoryName: 'indexed',
      tag: 'plain',
      architecture: 'x86_64',
      body: 'from the index\n'
    })
    // What docker/build-push-action pushes with its defaults.
    const index = await pushImageIndex('indexed', 'multi', [image.digest], {
      attestations: true
    })
    const pushed = await registryManifest('indexed', 'multi')
    expect(pushed.mediaType).toBe('application/vnd.oci.image.index.v1+json')
    expect(pushed.manifests?.map(m => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'unknown', os: 'unknown' }
    ])

    const result = await runAction({
      inputs: {
        'function-name': 'indexed',
        repository: 'indexed',
        tag: 'multi',
        'smoke-expect-body': 'from the index'
      }
    })

    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(
      `${fn.repositoryUri}@${index.digest} is an image index (application/vnd.oci.image.index.v1+json: 1 image(s), 1 attestation manifest(s)); Lambda refuses indexes, so this run deploys its linux/amd64 image manifest: ${fn.repositoryUri}@${image.digest}.`
    )
    // The image manifest is the run's one digest: what Lambda runs, the outputs, the summary.
    expect(await deployedDigest('indexed')).toBe(image.digest)
    expect(result.outputs['image-digest']).toBe(image.digest)
    expect(result.jobSummary).toContain(image.digest)
    expect(result.jobSummary).not.toContain(index.digest)
    expect(await httpGet(fn.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'from the index\n'
    })
  })

  it("refuses an index without an image for the function's CPU before UpdateFunctionCode, naming what it holds", async () => {
    const fn = await createImageFunction({
      functionName: 'indexed',
      repositoryName: 'indexed',
      architecture: 'x86_64'
    })
    const arm = await buildAndPush({
      repositoryName: 'indexed',
      tag: 'arm-only',
      architecture: 'arm64',
      body: 'arm\n'
    })
    const index = await pushImageIndex('indexed', 'multi', [arm.digest], {
      attestations: true
    })

    const result = await runAction({
      inputs: {
        'function-name': 'indexed',
        repository: 'indexed',
        tag: 'multi'
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toContain(
      `${fn.repositoryUri}@${index.digest} is an image index with no image for linux/amd64, the platform of the function's x86_64: it holds linux/arm64 (${arm.digest}).`
    )
    expect(result.outputs['image-digest']).toBe(index.digest)
    expect(await updates('indexed')).toEqual([])
    expect(await deployedDigest('indexed')).toBe(fn.initialDigest)
  })
})
