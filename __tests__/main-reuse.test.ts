/**
 * reuse-unchanged-image through run(), against the simulated world: commits
 * that leave the app unchanged tag the image an earlier commit built and
 * deploy it without building; a changed app or base image builds.
 */
import { appendFileSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import * as core from '../__fixtures__/core.js'
import { REGION, REPOSITORY_NAME, sha256Digest } from '../__fixtures__/aws.js'
import {
  HEALTH_PATH,
  simulatedWorld,
  storedImage,
  uriOf,
  type StoredImage,
  type World
} from '../__fixtures__/world.js'
import { BUILT_FOR_LABEL, KEY_LABEL, isKeyTag } from '../src/build/key.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

const SDK = 'mcr.microsoft.com/dotnet/sdk:8.0'
const RUNTIME = 'public.ecr.aws/lambda/dotnet:8'
const APP = fileURLToPath(
  new URL('../__fixtures__/apps/http-api', import.meta.url)
)

/** An image as a build with a key pushes it: labelled with the tag it was built for. */
function builtImage(revision: string, builtFor: string): StoredImage {
  const base = storedImage('amd64', revision)
  const config = JSON.parse(base.config ?? '{}') as {
    config: Record<string, unknown>
  }
  config.config.Labels = { [BUILT_FOR_LABEL]: builtFor, [KEY_LABEL]: 'k' }
  const configText = JSON.stringify(config)
  const manifest = JSON.parse(base.manifest) as {
    config: { digest: string; size: number }
  }
  manifest.config.digest = sha256Digest(configText)
  manifest.config.size = configText.length
  const manifestText = JSON.stringify(manifest)
  return {
    ...base,
    config: configText,
    manifest: manifestText,
    digest: sha256Digest(manifestText)
  }
}

let context: string

/** What the workflow passes on every commit. */
const inputs = (): Record<string, string> => ({
  'function-name': 'my-api',
  repository: REPOSITORY_NAME,
  'aws-region': REGION,
  context,
  preflight: 'strict',
  'event-source': 'http-api',
  'wait-timeout': '5m',
  'smoke-test': 'true',
  'smoke-path': HEALTH_PATH,
  'smoke-expect-status': '200',
  'smoke-expect-body': 'Healthy',
  'smoke-timeout': '30s',
  'rollback-on-failure': 'true',
  'reuse-unchanged-image': 'true',
  // The local run needs a Docker engine (e2e/local-run.test.ts).
  'local-run': 'off'
})

function workflow(): World {
  core.resetCore()
  const w = simulatedWorld(inputs())
  w.build.buildx = true
  w.baseImages.set(SDK, sha256Digest('sdk 8.0.1'))
  w.baseImages.set(RUNTIME, sha256Digest('lambda dotnet 8.0.1'))
  return w
}

/** One run of commit `tag`, as a new job of the same workflow. */
async function commit(
  w: World,
  tag: string,
  extra: Record<string, string> = {}
): Promise<void> {
  core.resetCore()
  core.setInputs({ ...inputs(), tag, ...extra })
  await run(w.deps)
}

const builds = (w: World): string[][] =>
  w.execCalls
    .map(call => call.argv)
    .filter(argv => argv[1] === 'buildx' && argv[2] === 'build')
const updates = (w: World): (string | undefined)[] =>
  w
    .calls<{ ImageUri?: string }>('lambda:UpdateFunctionCode')
    .map(u => u.ImageUri)
const summary = (): string => core.writtenSummaries().join('\n')
const keyTags = (w: World): string[] =>
  [...w.registry.tags.keys()].filter(isKeyTag)

beforeEach(() => {
  context = mkdtempSync(path.join(os.tmpdir(), 'main-reuse-'))
  cpSync(APP, context, { recursive: true })
  writeFileSync(path.join(context, '.dockerignore'), '**/bin\n**/obj\n*.md\n')
  writeFileSync(path.join(context, 'README.md'), '# Orders API\n')
})

describe('a commit that does not change the app', () => {
  it('tags the image the earlier commit built and deploys it: no login, no build, no push, no update', async () => {
    const w = workflow()
    const A = builtImage('a', 'commit-a')
    w.build.image = A
    await commit(w, 'commit-a')
    expect(core.failures()).toEqual([])
    expect(builds(w)).toHaveLength(1)
    // The build records its key on the image it pushed.
    expect(keyTags(w)).toHaveLength(1)
    const keyTag = keyTags(w)[0] ?? ''
    expect(w.registry.tags.get(keyTag)?.digest).toBe(A.digest)
    const argv = builds(w)[0] ?? []
    expect(argv).toContain(`${BUILT_FOR_LABEL}=commit-a`)
    // Built from the base image digests in the key, not a local older copy.
    expect(argv).toContain('--pull')
    expect(argv.find(a => a.startsWith(`${KEY_LABEL}=`))).toMatch(
      new RegExp(`^${KEY_LABEL}=${keyTag.slice('build-'.length)}[a-f0-9]{24}$`)
    )
    expect(summary()).toContain('new build key')
    const updatesAfterA = updates(w).length
    const execsAfterA = w.execCalls.length
    const manifestReadsAfterA = w.calls('ecr:BatchGetImage').length

    // A README edit: excluded by .dockerignore.
    writeFileSync(path.join(context, 'README.md'), '# Orders API, edited\n')
    await commit(w, 'commit-b')

    expect(core.failures()).toEqual([])
    expect(w.execCalls.slice(execsAfterA)).toEqual([])
    expect(updates(w)).toHaveLength(updatesAfterA)
    expect(w.registry.tags.get('commit-b')?.digest).toBe(A.digest)
    expect(w.calls('ecr:PutImage').at(-1)).toMatchObject({
      imageTag: 'commit-b',
      imageDigest: A.digest
    })
    expect(core.outputs()).toMatchObject({
      'image-tag': 'commit-b',
      'image-digest': A.digest,
      'reused-image': 'true',
      updated: 'false',
      'smoke-status': '200'
    })
    expect(summary()).toContain(
      `No build: the app is unchanged since \`commit-a\` (key \`${keyTag.slice(0, 18)}…\``
    )
    expect(summary()).toContain(`tagged \`commit-b\` on \`${A.digest}\``)
    expect(core.groupNames()).not.toContain('Preflight: app')
    // check-image uses the manifest and config the reuse stage read.
    expect(w.calls('ecr:BatchGetImage')).toHaveLength(manifestReadsAfterA + 1)
    expect(w.fn.imageOf(undefined)).toBe(uriOf(A.digest))
  })

  it('deploys the reused image to a function that runs something else', async () => {
    const w = workflow()
    const A = builtImage('a', 'commit-a')
    w.build.image = A
    await commit(w, 'commit-a')
    // Someone deployed another image since.
    w.fn.deployedByTag(`${w.registry.uri}:other`, sha256Digest('other'))

    await commit(w, 'commit-b')

    expect(core.failures()).toEqual([])
    expect(builds(w)).toHaveLength(1)
    expect(updates(w).at(-1)).toBe(uriOf(A.digest))
    expect(core.outputs()).toMatchObject({
      'reused-image': 'true',
      updated: 'true'
    })
  })
})

describe('a preview in the same repository', () => {
  it("records no key tag, so main's next deploy of the same app builds its own image instead of deploying the pull request's", async () => {
    const w = workflow()
    const PR = builtImage('pull request', 'pr-7-commit-p')
    w.build.image = PR
    await commit(w, 'commit-p', {
      mode: 'preview',
      'pull-request': '7',
      'preview-role-arn': 'arn:aws:iam::123456789012:role/my-api-preview',
      'github-token': ''
    })
    expect(core.failures()).toEqual([])
    expect(builds(w)).toHaveLength(1)
    // The preview neither recorded nor looked for a key.
    expect(keyTags(w)).toEqual([])
    expect(
      w
        .calls<{ imageIds?: { imageTag?: string }[] }>('ecr:DescribeImages')
        .flatMap(input => input.imageIds ?? [])
        .filter(id => isKeyTag(id.imageTag ?? ''))
    ).toEqual([])
    expect(core.infos()).toContain(
      'reuse-unchanged-image does not apply to previews: a preview neither reuses nor records build-<key> tags.'
    )

    const MAIN = builtImage('main', 'commit-m')
    w.build.image = MAIN
    await commit(w, 'commit-m')

    expect(core.failures()).toEqual([])
    expect(builds(w)).toHaveLength(2)
    expect(core.outputs()).toMatchObject({
      'image-digest': MAIN.digest,
      'reused-image': 'false'
    })
    expect(w.fn.imageOf(undefined)).toBe(uriOf(MAIN.digest))
  })
})

describe('two runs of one commit at once', () => {
  it('deploys the image the other run tagged first, with a warning', async () => {
    const w = workflow()
    const A = builtImage('a', 'commit-a')
    w.build.image = A
    await commit(w, 'commit-a')
    // The other run of commit-b built (without the option) and pushed first.
    const other = builtImage('other', 'commit-b')
    w.before['ecr:PutImage'] = input => {
      if (input.imageTag === 'commit-b' && !w.registry.tags.has('commit-b'))
        w.registry.push('commit-b', other)
    }

    await commit(w, 'commit-b')

    expect(core.failures()).toEqual([])
    expect(core.warnings().join('\n')).toContain(
      `Tag commit-b was pushed by another run meanwhile (${other.digest}); deploying that image.`
    )
    expect(w.registry.tags.get('commit-b')?.digest).toBe(other.digest)
    expect(w.fn.imageOf(undefined)).toBe(uriOf(other.digest))
    expect(builds(w)).toHaveLength(1)
  })
})

describe('a commit that changes what the build reads', () => {
  it.each<[string, (w: World) => Record<string, string>]>([
    [
      'an app file',
      () => {
        appendFileSync(path.join(context, 'Program.cs'), '// changed\n')
        return {}
      }
    ],
    [
      'the runtime base image (a patched public.ecr.aws/lambda/dotnet:8)',
      w => {
        w.baseImages.set(RUNTIME, sha256Digest('lambda dotnet 8.0.2'))
        return {}
      }
    ],
    ['a build-arg', () => ({ 'build-args': 'CONFIGURATION=Debug' })],
    [
      // (the sdk stage is no Lambda image: the app preflight only warns)
      'the target',
      () => ({ target: 'build', preflight: 'warn' })
    ]
  ])('builds again after a change of %s', async (_what, change) => {
    const w = workflow()
    w.build.image = builtImage('a', 'commit-a')
    await commit(w, 'commit-a')
    const extra = change(w)
    const C = builtImage('c', 'commit-c')
    w.build.image = C

    await commit(w, 'commit-c', extra)

    expect(core.failures()).toEqual([])
    expect(builds(w)).toHaveLength(2)
    expect(w.registry.tags.get('commit-c')?.digest).toBe(C.digest)
    expect(keyTags(w)).toHaveLength(2)
    expect(w.fn.imageOf(undefined)).toBe(uriOf(C.digest))
    expect(core.outputs()['reused-image']).toBe('false')
  })

  it('builds when a base image cannot be looked up, and says why', async () => {
    const w = workflow()
    w.baseImages.delete(SDK)
    w.build.image = builtImage('a', 'commit-a')
    await commit(w, 'commit-a')
    await commit(w, 'commit-b')

    expect(core.failures()).toEqual([])
    expect(builds(w)).toHaveLength(2)
    expect(keyTags(w)).toEqual([])
    expect(core.infos().join('\n')).toMatch(
      /No build key: the base image mcr\.microsoft\.com\/dotnet\/sdk:8\.0 could not be resolved: mcr\.microsoft\.com answered HTTP 404/
    )
    expect(summary()).toContain('no build key')
  })
})

describe('a context that cannot be hashed', () => {
  it('builds as without the option, and says why', async () => {
    const w = workflow()
    w.build.image = builtImage('a', 'commit-a')
    await commit(w, 'commit-a', {
      context: 'https://github.com/octo/app.git#main',
      file: path.join(context, 'Dockerfile'),
      preflight: 'off'
    })

    expect(core.failures()).toEqual([])
    expect(builds(w)).toHaveLength(1)
    expect(core.infos().join('\n')).toMatch(
      /No build key: the build context https:\/\/github\.com\/octo\/app\.git#main cannot be hashed \(.*ENOENT/
    )
  })
})

describe('without reuse-unchanged-image', () => {
  it('every new commit builds, and no key is made or recorded', async () => {
    const w = workflow()
    w.build.image = builtImage('a', 'commit-a')
    await commit(w, 'commit-a', { 'reuse-unchanged-image': 'false' })
    await commit(w, 'commit-b', { 'reuse-unchanged-image': 'false' })

    expect(builds(w)).toHaveLength(2)
    expect(keyTags(w)).toEqual([])
    expect(w.calls('ecr:PutImage')).toEqual([])
    expect(builds(w)[1]?.join(' ')).not.toContain(KEY_LABEL)
    expect(builds(w)[1]).not.toContain('--pull')
    expect(w.events.some(e => e.detail.includes('/manifests/'))).toBe(false)
  })
})

describe('recording the key', () => {
  it('only warns when the key tag cannot be written: the deploy goes on', async () => {
    const w = workflow()
    w.build.image = builtImage('a', 'commit-a')
    w.before['ecr:PutImage'] = () => {
      throw Object.assign(
        new Error('not authorized to perform: ecr:PutImage'),
        {
          name: 'AccessDeniedException'
        }
      )
    }

    await commit(w, 'commit-a')

    expect(core.failures()).toEqual([])
    expect(core.warnings().join('\n')).toMatch(
      /its build key could not be recorded \(tag build-[a-f0-9]{40}\).*ecr:PutImage/s
    )
    expect(w.fn.imageOf(undefined)).toBe(uriOf(w.build.image.digest))
  })
})

describe('an earlier build that ECR archived', () => {
  /** commit-a built A; the function then ran another image; ECR archived A. */
  async function archivedA(): Promise<{ w: World; A: StoredImage }> {
    const w = workflow()
    const A = builtImage('a', 'commit-a')
    w.build.image = A
    await commit(w, 'commit-a')
    expect(core.failures()).toEqual([])
    w.fn.imageUri = uriOf(sha256Digest('deployed since, from elsewhere'))
    w.registry.archive(A.digest)
    w.build.image = builtImage('b', 'commit-b')
    return { w, A }
  }

  it('is not reused: the app is built again, with a line saying why', async () => {
    const { w, A } = await archivedA()

    await commit(w, 'commit-b')

    expect(core.failures()).toEqual([])
    expect(builds(w)).toHaveLength(2)
    expect(core.infos().join('\n')).toMatch(
      new RegExp(
        `Build key [a-f0-9]+: the image built from it, ${A.digest}, is archived in ECR and cannot be pulled; building instead \\(restore-archived: true would restore and reuse it\\)\\.`
      )
    )
    expect(summary()).toContain(`its image \`${A.digest}\` is archived in ECR`)
    expect(w.calls('ecr:UpdateImageStorageClass')).toEqual([])
    expect(w.fn.imageOf(undefined)).toBe(uriOf(w.build.image.digest))
  })

  it('restore-archived: restored, waited for, then reused without a build', async () => {
    const { w, A } = await archivedA()

    await commit(w, 'commit-b', { 'restore-archived': 'true' })

    expect(core.failures()).toEqual([])
    expect(builds(w)).toHaveLength(1)
    expect(w.calls('ecr:UpdateImageStorageClass')).toEqual([
      {
        repositoryName: REPOSITORY_NAME,
        imageId: { imageDigest: A.digest },
        targetStorageClass: 'STANDARD'
      }
    ])
    expect(w.registry.tags.get('commit-b')?.digest).toBe(A.digest)
    expect(w.fn.imageOf(undefined)).toBe(uriOf(A.digest))
  })
})
