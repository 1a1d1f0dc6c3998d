/**
 * The ECR calls whose known errors are answered through awsCall (issue 23):
 * each known error's answer, and any other error naming the IAM action.
 */
import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  DescribeImagesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  ListImagesCommand,
  PutImageCommand
} from '@aws-sdk/client-ecr'
import { mockClient } from 'aws-sdk-client-mock'
import { listTaggedImages, type Repository } from '../../src/aws/ecr.js'
import { readLifecyclePolicy } from '../../src/aws/ecr-lifecycle.js'
import { tagImage } from '../../src/aws/ecr-tags.js'
import { DeployError } from '../../src/util/errors.js'
import {
  ACCOUNT,
  DOCKER_V2_DIGEST,
  DOCKER_V2_MANIFEST,
  OCI_DIGEST,
  REPOSITORY_NAME,
  REPOSITORY_URI
} from '../../__fixtures__/aws.js'

const ecrMock = mockClient(ECRClient)
const ecr = new ECRClient({ region: 'us-east-1' })
const ref = { name: REPOSITORY_NAME, registryId: undefined }

function awsError(name: string, message = `${name} happened`): Error {
  return Object.assign(new Error(message), { name })
}

const denied = (action: string): Error =>
  awsError(
    'AccessDeniedException',
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy/gha is not authorized to perform: ${action}`
  )

async function deployError(promise: Promise<unknown>): Promise<DeployError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason
  )
  expect(error).toBeInstanceOf(DeployError)
  return error as DeployError
}

beforeEach(() => {
  ecrMock.reset()
})

describe('tagImage', () => {
  const repository: Repository = {
    name: REPOSITORY_NAME,
    registryId: ACCOUNT,
    uri: REPOSITORY_URI,
    immutable: true,
    mutability: 'IMMUTABLE',
    exclusionFilters: []
  }
  const manifest = {
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    manifest: DOCKER_V2_MANIFEST
  }
  const tag = (): ReturnType<typeof tagImage> =>
    tagImage(ecr, repository, DOCKER_V2_DIGEST, 'v2', manifest)
  const taggedAs = (digest: string): void => {
    ecrMock.on(DescribeImagesCommand).resolves({
      imageDetails: [{ imageDigest: digest, imageTags: ['v2'] }]
    })
  }

  it('puts the manifest under the tag, checked against its digest', async () => {
    ecrMock.on(PutImageCommand).resolves({})
    await expect(tag()).resolves.toEqual({ kind: 'tagged' })
    expect(ecrMock.commandCalls(PutImageCommand)[0]?.args[0].input).toEqual({
      repositoryName: REPOSITORY_NAME,
      registryId: ACCOUNT,
      imageManifest: DOCKER_V2_MANIFEST,
      imageManifestMediaType: manifest.mediaType,
      imageDigest: DOCKER_V2_DIGEST,
      imageTag: 'v2'
    })
  })

  it('ImageAlreadyExistsException: already tagged, nothing changed', async () => {
    ecrMock.on(PutImageCommand).rejects(awsError('ImageAlreadyExistsException'))
    await expect(tag()).resolves.toEqual({ kind: 'already' })
    expect(ecrMock.commandCalls(DescribeImagesCommand)).toHaveLength(0)
  })

  it('ImageTagAlreadyExistsException on the same image: already', async () => {
    ecrMock
      .on(PutImageCommand)
      .rejects(awsError('ImageTagAlreadyExistsException'))
    taggedAs(DOCKER_V2_DIGEST)
    await expect(tag()).resolves.toEqual({ kind: 'already' })
  })

  it('ImageTagAlreadyExistsException on another image: taken, naming it', async () => {
    ecrMock
      .on(PutImageCommand)
      .rejects(awsError('ImageTagAlreadyExistsException'))
    taggedAs(OCI_DIGEST)
    await expect(tag()).resolves.toEqual({ kind: 'taken', digest: OCI_DIGEST })
  })

  it.each([
    [
      denied('ecr:PutImage'),
      /^ecr:PutImage was denied \(AccessDeniedException\).*Allow "ecr:PutImage"/
    ],
    [
      awsError('ImageDigestDoesNotMatchException', 'digest differs'),
      /^ecr:PutImage failed \(ImageDigestDoesNotMatchException\): digest differs$/
    ]
  ])('any other error names ecr:PutImage: %p', async (failure, message) => {
    ecrMock.on(PutImageCommand).rejects(failure)
    expect((await deployError(tag())).message).toMatch(message)
  })
})

describe('listTaggedImages', () => {
  it('lists every tag of every page, with its digest', async () => {
    ecrMock
      .on(ListImagesCommand)
      .resolvesOnce({
        imageIds: [
          { imageTag: 'v1', imageDigest: DOCKER_V2_DIGEST },
          { imageDigest: OCI_DIGEST }
        ],
        nextToken: 'page-2'
      })
      .resolvesOnce({ imageIds: [{ imageTag: 'v2', imageDigest: OCI_DIGEST }] })
    await expect(listTaggedImages(ecr, ref)).resolves.toEqual([
      { imageTag: 'v1', imageDigest: DOCKER_V2_DIGEST },
      { imageTag: 'v2', imageDigest: OCI_DIGEST }
    ])
    const calls = ecrMock.commandCalls(ListImagesCommand)
    // The SDK's paginator reuses one input object: only the last is seen.
    expect(calls).toHaveLength(2)
    expect(calls[1]?.args[0].input.nextToken).toBe('page-2')
    expect(calls[0]?.args[0].input.filter).toEqual({ tagStatus: 'TAGGED' })
  })

  it('a repository that does not exist has no tags', async () => {
    ecrMock
      .on(ListImagesCommand)
      .rejects(awsError('RepositoryNotFoundException'))
    await expect(listTaggedImages(ecr, ref)).resolves.toEqual([])
  })

  it('any other error names ecr:ListImages', async () => {
    ecrMock.on(ListImagesCommand).rejects(denied('ecr:ListImages'))
    expect((await deployError(listTaggedImages(ecr, ref))).message).toMatch(
      /^ecr:ListImages was denied \(AccessDeniedException\).*Allow "ecr:ListImages"/
    )
  })
})

describe('readLifecyclePolicy', () => {
  it('the policy text, asked of the repository’s registry', async () => {
    ecrMock
      .on(GetLifecyclePolicyCommand)
      .resolves({ lifecyclePolicyText: '{"rules":[]}' })
    await expect(
      readLifecyclePolicy(ecr, { name: REPOSITORY_NAME, registryId: ACCOUNT })
    ).resolves.toEqual({ kind: 'policy', text: '{"rules":[]}' })
    expect(
      ecrMock.commandCalls(GetLifecyclePolicyCommand)[0]?.args[0].input
    ).toEqual({ repositoryName: REPOSITORY_NAME, registryId: ACCOUNT })
  })

  it.each(['LifecyclePolicyNotFoundException', 'RepositoryNotFoundException'])(
    '%s: no policy',
    async name => {
      ecrMock.on(GetLifecyclePolicyCommand).rejects(awsError(name))
      await expect(readLifecyclePolicy(ecr, ref)).resolves.toEqual({
        kind: 'none'
      })
    }
  )

  it('any other error: unreadable, naming ecr:GetLifecyclePolicy (a warning, not a failure)', async () => {
    ecrMock
      .on(GetLifecyclePolicyCommand)
      .rejects(denied('ecr:GetLifecyclePolicy'))
    const read = await readLifecyclePolicy(ecr, ref)
    expect(read.kind).toBe('unreadable')
    expect(read.kind === 'unreadable' && read.reason).toMatch(
      /^ecr:GetLifecyclePolicy was denied \(AccessDeniedException\).*Allow "ecr:GetLifecyclePolicy"/
    )
  })
})
