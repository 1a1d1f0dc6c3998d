/**
 * reuse-unchanged-image, end to end: the bundled action against the local
 * stand-in, with a real docker build, a real registry and the app really
 * served. The app is built FROM a base image in the stand-in's registry, so
 * repointing that tag plays a patched public base image.
 *
 * The cases run in order on one function, as commits of one branch:
 * A builds; B (a README edit, excluded by .dockerignore) reuses A's image;
 * C (an app change) builds; D (the base image repointed) builds; then a
 * pull request's preview in the same repository builds an app change, and
 * main's next commit with that same app builds its own image: the preview
 * wrote no build-<key> tag main could take for its own.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it, jest } from '@jest/globals'
import { ListImagesCommand } from '@aws-sdk/client-ecr'
import {
  createImageFunction,
  ensureRole,
  localAwsEnv,
  awsClients,
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
  errors,
  httpGet
} from '../test/local-aws/assertions.js'
import { pushBaseImage, type BaseImage } from '../test/local-aws/base-image.js'

jest.setTimeout(240_000)

const sha = (c: string): string => c.repeat(40)

let web: ImageFunction
let context: string
let base: BaseImage

/** The app's context, built FROM the base image (not scratch). */
function appOnBase(body: string): string {
  const dir = appContext({ body })
  const dockerfile = path.join(dir, 'Dockerfile')
  writeFileSync(
    dockerfile,
    readFileSync(dockerfile, 'utf8').replace(
      /^FROM scratch$/m,
      `FROM ${base.reference}`
    )
  )
  writeFileSync(path.join(dir, '.dockerignore'), '.git\n*.md\n')
  writeFileSync(path.join(dir, 'README.md'), '# web\n')
  return dir
}

function deploy(commit: string): Promise<ActionResult> {
  return runAction({
    inputs: {
      'function-name': 'web',
      repository: 'web',
      context,
      'reuse-unchanged-image': 'true',
      'smoke-timeout': '60s'
    },
    sha: sha(commit)
  })
}

/** The repository's tags, as ECR lists them. */
async function registryTags(repositoryName: string): Promise<string[]> {
  const listed = await awsClients().ecr.send(
    new ListImagesCommand({ repositoryName })
  )
  return (listed.imageIds ?? []).map(id => id.imageTag ?? '').sort()
}

const built = (result: ActionResult): boolean =>
  /docker build|Pushed /.test(result.stdout)

beforeAll(async () => {
  localAwsEnv()
  await reset()
  web = await createImageFunction({
    functionName: 'web',
    repositoryName: 'web',
    architecture: 'x86_64',
    functionUrl: true,
    body: 'release 0\n'
  })
  base = pushBaseImage('base', '1', { 'www/base.txt': 'base 1\n' })
  context = appOnBase('release A\n')
})

describe('reuse-unchanged-image on the stand-in', () => {
  let a: ActionResult

  it('A: the first commit builds, pushes, deploys and records its build key', async () => {
    a = await deploy('a')

    expect(errors(a)).toBe('')
    expect(a.exitCode).toBe(0)
    expect(built(a)).toBe(true)
    expect(a.outputs['reused-image']).toBe('false')
    expect(a.stdout).toMatch(
      /Hashed the build context .*: \d+ entries, \d+ bytes in \d/
    )
    expect(a.stdout).toContain(`${base.reference} → ${base.digest}`)
    expect(a.stdout).toMatch(
      /Recorded the build key on sha256:[a-f0-9]{64}: tag build-[a-f0-9]{40}/
    )
    expect(a.summary).toContain('new build key')
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release A\n'
    })
  })

  it('B: a commit that only edits a file outside the build context tags A’s image: no build, no push, no update', async () => {
    const digestA = a.outputs['image-digest'] ?? ''
    const updatesBefore = (await updates('web')).length
    writeFileSync(path.join(context, 'README.md'), '# web, edited\n')

    const b = await deploy('b')

    expect(errors(b)).toBe('')
    expect(b.exitCode).toBe(0)
    expect(built(b)).toBe(false)
    expect(b.stdout).not.toMatch(/Logged in to|The push refers to/)
    expect(b.outputs).toMatchObject({
      'image-tag': sha('b'),
      'image-digest': digestA,
      'reused-image': 'true',
      updated: 'false',
      'smoke-status': '200'
    })
    // Tag B is on A's image in the registry itself (pullable by tag).
    expect((await registryManifest('web', sha('b'))).digest).toBe(digestA)
    expect(await updates('web')).toHaveLength(updatesBefore)
    expect((await deployed('web')).digest).toBe(digestA)
    expect(b.summary).toContain(
      `No build: the app is unchanged since \`${sha('a')}\``
    )
    expect(b.summary).toContain(`tagged \`${sha('b')}\` on \`${digestA}\``)
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release A\n'
    })
    expect(b.post?.exitCode).toBe(0)
  })

  it('C: a commit that changes the app builds and deploys it', async () => {
    writeFileSync(path.join(context, 'www', 'index.html'), 'release C\n')

    const c = await deploy('c')

    expect(errors(c)).toBe('')
    expect(c.exitCode).toBe(0)
    expect(built(c)).toBe(true)
    expect(c.outputs).toMatchObject({
      'reused-image': 'false',
      updated: 'true'
    })
    expect(c.outputs['image-digest']).not.toBe(a.outputs['image-digest'])
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release C\n'
    })
  })

  it('D: the base image tag repointed (a patched base) builds, from the new base', async () => {
    const patched = pushBaseImage('base', '1', { 'www/base.txt': 'base 2\n' })
    expect(patched.digest).not.toBe(base.digest)

    const d = await deploy('d')

    expect(errors(d)).toBe('')
    expect(d.exitCode).toBe(0)
    expect(built(d)).toBe(true)
    expect(d.stdout).toContain(`${base.reference} → ${patched.digest}`)
    expect(d.outputs['reused-image']).toBe('false')
    // Built from the new base, not from the engine's older copy of the tag.
    expect(
      await httpGet(new URL('base.txt', web.functionUrl ?? '').href)
    ).toEqual({ status: 200, body: 'base 2\n' })
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release C\n'
    })
  })
})

describe('a preview in the same repository', () => {
  it("writes no build-<key> tag, so main's next deploy of the same app builds instead of deploying the pull request's image", async () => {
    writeFileSync(path.join(context, 'www', 'index.html'), 'release E\n')
    const keysBefore = (await registryTags('web')).filter(tag =>
      tag.startsWith('build-')
    )

    const preview = await runAction({
      inputs: {
        mode: 'preview',
        'pull-request': '7',
        'function-name': 'web',
        repository: 'web',
        context,
        'reuse-unchanged-image': 'true',
        'preview-role-arn': await ensureRole('web-preview'),
        'github-token': '',
        'smoke-timeout': '60s'
      },
      sha: sha('e')
    })

    expect(errors(preview)).toBe('')
    expect(preview.exitCode).toBe(0)
    const previewDigest = preview.outputs['image-digest'] ?? ''
    expect(
      (await registryTags('web')).filter(tag => tag.startsWith('build-'))
    ).toEqual(keysBefore)

    const f = await deploy('f')

    expect(errors(f)).toBe('')
    expect(f.exitCode).toBe(0)
    expect(built(f)).toBe(true)
    expect(f.outputs['reused-image']).toBe('false')
    expect(f.outputs['image-digest']).not.toBe(previewDigest)
    expect((await deployed('web')).digest).toBe(f.outputs['image-digest'])
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release E\n'
    })
    expect(preview.stdout).toContain(
      'reuse-unchanged-image does not apply to previews'
    )
  })
})
