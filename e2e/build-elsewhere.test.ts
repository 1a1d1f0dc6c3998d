/**
 * "Build elsewhere, deploy here" (docs/build.md): a job builds and pushes with
 * docker/build-push-action, whose defaults (v7) push an OCI image index with a
 * provenance attestation, and passes its `digest` output to this action's
 * `image:` input as `<repository-uri>@<digest>`. This action then deploys the
 * index's image for the function's CPU by that image's own digest; it never
 * builds.
 *
 * The build job is imitated by what it leaves in the registry: real images
 * built for each platform, and the index (with attestation manifests) that
 * build-push-action pushes over them.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  buildAndPush,
  createImageFunction,
  localAwsEnv,
  pushImageIndex,
  registryManifest,
  reset,
  runAction,
  updates
} from '../test/local-aws/fixtures.js'
import {
  deployedDigest,
  errors,
  httpGet
} from '../test/local-aws/assertions.js'

jest.setTimeout(240_000)

beforeEach(async () => {
  localAwsEnv()
  await reset()
})

describe('an image built by another job (docker/build-push-action v7 defaults)', () => {
  it('deploys image: <uri>@<index digest> by the digest of the image for the function CPU, without a build', async () => {
    const fn = await createImageFunction({
      functionName: 'elsewhere',
      repositoryName: 'elsewhere',
      architecture: 'arm64',
      functionUrl: true,
      body: 'before\n'
    })
    // platforms: linux/amd64,linux/arm64 — one image per platform, one index.
    const amd64 = await buildAndPush({
      repositoryName: 'elsewhere',
      tag: 'amd64-part',
      architecture: 'x86_64',
      body: 'built elsewhere (amd64)\n'
    })
    const arm64 = await buildAndPush({
      repositoryName: 'elsewhere',
      tag: 'arm64-part',
      architecture: 'arm64',
      body: 'built elsewhere (arm64)\n'
    })
    const index = await pushImageIndex(
      'elsewhere',
      'v2.0.0',
      [amd64.digest, arm64.digest],
      { attestations: true }
    )
    const pushed = await registryManifest('elsewhere', 'v2.0.0')
    expect(pushed.mediaType).toBe('application/vnd.oci.image.index.v1+json')
    expect(pushed.manifests).toHaveLength(4)

    // What the deploy job's step says: image: ${{ env.REPO }}@${{ needs.build.outputs.digest }}
    const result = await runAction({
      inputs: {
        'function-name': 'elsewhere',
        image: `${fn.repositoryUri}@${index.digest}`,
        'smoke-expect-body': 'built elsewhere (arm64)'
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).not.toMatch(/docker build|Building/)
    expect(result.stdout).toContain(
      `deploys its linux/arm64 image manifest: ${fn.repositoryUri}@${arm64.digest}`
    )
    expect(await deployedDigest('elsewhere')).toBe(arm64.digest)
    expect(result.outputs['image-digest']).toBe(arm64.digest)
    expect(result.outputs['image-uri']).toBe(
      `${fn.repositoryUri}@${arm64.digest}`
    )
    expect(result.jobSummary).toContain(arm64.digest)
    expect(await httpGet(fn.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'built elsewhere (arm64)\n'
    })
  })

  it('refuses an index with no image for the function CPU before changing the function', async () => {
    const fn = await createImageFunction({
      functionName: 'elsewhere',
      repositoryName: 'elsewhere',
      architecture: 'arm64',
      functionUrl: true,
      body: 'before\n'
    })
    // platforms left at the builder's default: amd64 only.
    const amd64 = await buildAndPush({
      repositoryName: 'elsewhere',
      tag: 'amd64-only-part',
      architecture: 'x86_64',
      body: 'built elsewhere (amd64)\n'
    })
    const index = await pushImageIndex('elsewhere', 'v2.0.1', [amd64.digest], {
      attestations: true
    })

    const result = await runAction({
      inputs: {
        'function-name': 'elsewhere',
        image: `${fn.repositoryUri}@${index.digest}`
      }
    })

    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(/linux\/arm64/)
    expect(errors(result)).toMatch(/linux\/amd64/)
    // Nothing changed: no update was sent, the function still serves what it served.
    expect(await updates('elsewhere')).toEqual([])
    expect(await deployedDigest('elsewhere')).toBe(fn.initialDigest)
    expect(await httpGet(fn.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'before\n'
    })
  })
})
