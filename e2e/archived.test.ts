/**
 * Archived images on the local AWS stand-in (its ECR keeps each image's
 * status, test/local-aws/gateway/ecr-archive.ts), with the bundled action run
 * as the runner runs it: rollback-to an archived tag is refused with the
 * command that restores it and the function keeps serving its image; with
 * restore-archived the image is restored, deployed and served.
 * Needs `scripts/local-aws.sh up` (test:all does it).
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  GetAuthorizationTokenCommand,
  UpdateImageStorageClassCommand,
  type ECRClient
} from '@aws-sdk/client-ecr'
import {
  awsClients,
  buildAndPush,
  controlActivationTime,
  controlArchiveImage,
  createImageFunction,
  localAwsEnv,
  reset,
  runAction,
  updates
} from '../test/local-aws/fixtures.js'
import {
  deployedDigest,
  errors,
  httpGet
} from '../test/local-aws/assertions.js'

jest.setTimeout(300_000)

beforeEach(async () => {
  localAwsEnv()
  await reset()
})

const errorName = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'no error',
    (e: unknown) => (e instanceof Error ? e.name : String(e))
  )

/** The HTTP status of a manifest GET through the stand-in's ECR registry (as docker pull asks). */
async function pullStatus(
  ecr: ECRClient,
  repository: string,
  reference: string
): Promise<number> {
  const auth = (await ecr.send(new GetAuthorizationTokenCommand({})))
    .authorizationData?.[0]
  const response = await fetch(
    `${auth?.proxyEndpoint ?? ''}/v2/${repository}/manifests/${reference}`,
    {
      headers: {
        Authorization: `Basic ${auth?.authorizationToken ?? ''}`,
        accept: 'application/vnd.docker.distribution.manifest.v2+json'
      }
    }
  )
  await response.arrayBuffer()
  return response.status
}

describe('the stand-in', () => {
  it('hides an archived image unless asked, refuses to serve it, and restores it through ACTIVATING', async () => {
    const { ecr } = awsClients()
    await createImageFunction({
      functionName: 'arch',
      repositoryName: 'arch',
      architecture: 'x86_64',
      tag: 'v1'
    })
    const digest = await controlArchiveImage('arch', { imageTag: 'v1' })
    await controlActivationTime(1500)

    expect(
      await errorName(
        ecr.send(
          new DescribeImagesCommand({
            repositoryName: 'arch',
            imageIds: [{ imageTag: 'v1' }]
          })
        )
      )
    ).toBe('ImageNotFoundException')
    const archived = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: 'arch',
        filter: { imageStatus: 'ARCHIVED' }
      })
    )
    expect(
      archived.imageDetails?.map(d => [d.imageDigest, d.imageStatus])
    ).toEqual([[digest, 'ARCHIVED']])
    const got = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'arch',
        imageIds: [{ imageDigest: digest }]
      })
    )
    expect(got.images).toEqual([])
    expect(got.failures?.[0]?.failureCode).toBe('ImageNotFound')
    // "Requests to pull the archived image will fail with a 404 error."
    expect(await pullStatus(ecr, 'arch', 'v1')).toBe(404)
    expect(await pullStatus(ecr, 'arch', digest)).toBe(404)

    const restored = await ecr.send(
      new UpdateImageStorageClassCommand({
        repositoryName: 'arch',
        imageId: { imageDigest: digest },
        targetStorageClass: 'STANDARD'
      })
    )
    expect(restored.imageStatus).toBe('ACTIVATING')
    await new Promise(resolve => setTimeout(resolve, 1700))
    const active = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: 'arch',
        imageIds: [{ imageTag: 'v1' }]
      })
    )
    expect(active.imageDetails?.[0]?.imageStatus).toBe('ACTIVE')
    expect(await pullStatus(ecr, 'arch', 'v1')).toBe(200)
  })
})

describe('rollback-to an archived tag', () => {
  it('is refused with the command that restores it; with restore-archived it is restored, deployed and served', async () => {
    const fn = await createImageFunction({
      functionName: 'vault',
      repositoryName: 'vault',
      architecture: 'x86_64',
      functionUrl: true,
      tag: 'v1',
      body: 'release 1\n'
    })
    const v2 = await buildAndPush({
      repositoryName: 'vault',
      tag: 'v2',
      architecture: 'x86_64',
      body: 'release 2\n'
    })
    const toV2 = await runAction({
      inputs: { 'function-name': 'vault', repository: 'vault', image: 'v2' }
    })
    expect(toV2.exitCode).toBe(0)
    const url = `${fn.functionUrl ?? ''}`
    expect((await httpGet(url)).body).toBe('release 2\n')
    await controlArchiveImage('vault', { imageTag: 'v1' })
    await controlActivationTime(3000)
    const before = (await updates('vault')).length

    const refused = await runAction({
      inputs: {
        'function-name': 'vault',
        repository: 'vault',
        'rollback-to': 'v1'
      }
    })

    expect(refused.exitCode).toBe(1)
    expect(errors(refused)).toContain(
      `rollback-to v1: vault@${fn.initialDigest} is archived in ECR`
    )
    expect(errors(refused)).toContain(
      `aws ecr update-image-storage-class --repository-name vault --image-id imageDigest=${fn.initialDigest} --target-storage-class STANDARD`
    )
    expect(await updates('vault')).toHaveLength(before)
    expect(await deployedDigest('vault')).toBe(v2.digest)
    expect((await httpGet(url)).body).toBe('release 2\n')

    const restored = await runAction({
      inputs: {
        'function-name': 'vault',
        repository: 'vault',
        'rollback-to': 'v1',
        'restore-archived': 'true',
        'smoke-expect-body': 'release 1'
      }
    })

    expect(errors(restored)).toBe('')
    expect(restored.exitCode).toBe(0)
    expect(restored.stdout).toMatch(
      /restore-archived: rollback-to v1: .* is archived in ECR; restoring it \(UpdateImageStorageClass to STANDARD: ACTIVATING\)/
    )
    expect(restored.stdout).toMatch(/is ACTIVE again after \d/)
    expect(await deployedDigest('vault')).toBe(fn.initialDigest)
    expect((await httpGet(url)).body).toBe('release 1\n')
  })
})
