import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  DescribeImagesCommand,
  ECRClient,
  ImageNotFoundException,
  UpdateImageStorageClassCommand
} from '@aws-sdk/client-ecr'
import { mockClient } from 'aws-sdk-client-mock'
import {
  INACTIVE_PAGES,
  findImageAnyStatus,
  isImageActive,
  restoreCommand,
  restoreImage
} from '../../src/aws/ecr-archive.js'

const ecrMock = mockClient(ECRClient)
const ecr = new ECRClient({ region: 'eu-west-1' })
const REF = { name: 'team/my-api', registryId: undefined }
const DIGEST = `sha256:${'a'.repeat(64)}`
const OTHER = `sha256:${'b'.repeat(64)}`
const notFound = (): ImageNotFoundException =>
  new ImageNotFoundException({ message: 'not found', $metadata: {} })

beforeEach(() => {
  ecrMock.reset()
})

describe('findImageAnyStatus', () => {
  it('an active image: one DescribeImages by id, no listing', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({
      imageDetails: [{ imageDigest: DIGEST, imageTags: ['v1'] }]
    })

    await expect(
      findImageAnyStatus(ecr, REF, { imageTag: 'v1' })
    ).resolves.toEqual({ digest: DIGEST, tags: ['v1'], status: 'ACTIVE' })
    expect(ecrMock.commandCalls(DescribeImagesCommand)).toHaveLength(1)
  })

  it('reads imageStatus when ECR returns an archived image by id', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageDigest: DIGEST, imageTags: ['v1'], imageStatus: 'ARCHIVED' }
      ]
    })

    await expect(
      findImageAnyStatus(ecr, REF, { imageTag: 'v1' })
    ).resolves.toMatchObject({ status: 'ARCHIVED' })
  })

  it('hidden by id: found in the ARCHIVED listing, by tag or by digest', async () => {
    ecrMock
      .on(DescribeImagesCommand, { imageIds: [{ imageTag: 'v1' }] })
      .rejects(notFound())
      .on(DescribeImagesCommand, { imageIds: [{ imageDigest: DIGEST }] })
      .rejects(notFound())
      .on(DescribeImagesCommand, { filter: { imageStatus: 'ARCHIVED' } })
      .resolves({
        imageDetails: [
          { imageDigest: OTHER, imageTags: ['v0'], imageStatus: 'ARCHIVED' },
          { imageDigest: DIGEST, imageTags: ['v1'], imageStatus: 'ARCHIVED' }
        ]
      })

    await expect(
      findImageAnyStatus(ecr, REF, { imageTag: 'v1' })
    ).resolves.toEqual({ digest: DIGEST, tags: ['v1'], status: 'ARCHIVED' })
    await expect(
      findImageAnyStatus(ecr, REF, { imageDigest: DIGEST })
    ).resolves.toMatchObject({ digest: DIGEST, status: 'ARCHIVED' })
  })

  it('being restored: found in the ACTIVATING listing (status from the filter when ECR omits it)', async () => {
    ecrMock
      .on(DescribeImagesCommand, { imageIds: [{ imageTag: 'v1' }] })
      .rejects(notFound())
      .on(DescribeImagesCommand, { filter: { imageStatus: 'ARCHIVED' } })
      .resolves({ imageDetails: [] })
      .on(DescribeImagesCommand, { filter: { imageStatus: 'ACTIVATING' } })
      .resolves({ imageDetails: [{ imageDigest: DIGEST, imageTags: ['v1'] }] })

    await expect(
      findImageAnyStatus(ecr, REF, { imageTag: 'v1' })
    ).resolves.toMatchObject({ status: 'ACTIVATING' })
  })

  it(`missing: undefined after at most ${INACTIVE_PAGES} pages of 1,000 per status`, async () => {
    ecrMock
      .on(DescribeImagesCommand, { imageIds: [{ imageTag: 'v1' }] })
      .rejects(notFound())
      .on(DescribeImagesCommand, { maxResults: 1000 })
      .resolves({ imageDetails: [], nextToken: 'more' })

    await expect(
      findImageAnyStatus(ecr, REF, { imageTag: 'v1' })
    ).resolves.toBeUndefined()
    const listings = ecrMock
      .commandCalls(DescribeImagesCommand)
      .map(c => c.args[0].input)
      .filter(i => i.imageIds === undefined)
    expect(listings).toHaveLength(2 * INACTIVE_PAGES)
    expect(listings.map(i => i.filter?.imageStatus)).toEqual([
      ...Array<string>(INACTIVE_PAGES).fill('ARCHIVED'),
      ...Array<string>(INACTIVE_PAGES).fill('ACTIVATING')
    ])
  })
})

describe('isImageActive', () => {
  it.each([
    ['returned without a status (the default filter: ACTIVE only)', {}, true],
    ['returned as ACTIVE', { imageStatus: 'ACTIVE' as const }, true],
    ['returned as ACTIVATING', { imageStatus: 'ACTIVATING' as const }, false]
  ])('%s', async (_what, status, active) => {
    ecrMock
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ imageDigest: DIGEST, ...status }] })
    await expect(isImageActive(ecr, REF, DIGEST)).resolves.toBe(active)
  })

  it('not returned: not active yet', async () => {
    ecrMock.on(DescribeImagesCommand).rejects(notFound())
    await expect(isImageActive(ecr, REF, DIGEST)).resolves.toBe(false)
  })
})

describe('restoreImage', () => {
  it('asks for the STANDARD storage class by digest and returns the status', async () => {
    ecrMock
      .on(UpdateImageStorageClassCommand)
      .resolves({ imageStatus: 'ACTIVATING' })

    await expect(
      restoreImage(
        ecr,
        { name: 'team/my-api', registryId: '123456789012' },
        DIGEST
      )
    ).resolves.toBe('ACTIVATING')
    expect(
      ecrMock.commandCalls(UpdateImageStorageClassCommand)[0]?.args[0].input
    ).toEqual({
      repositoryName: 'team/my-api',
      registryId: '123456789012',
      imageId: { imageDigest: DIGEST },
      targetStorageClass: 'STANDARD'
    })
  })

  it('a denied restore names the permission', async () => {
    ecrMock.on(UpdateImageStorageClassCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException'
      })
    )
    await expect(restoreImage(ecr, REF, DIGEST)).rejects.toThrow(
      /ecr:UpdateImageStorageClass/
    )
  })
})

describe('restoreCommand', () => {
  it.each([
    [
      REF,
      `aws ecr update-image-storage-class --repository-name team/my-api --image-id imageDigest=${DIGEST} --target-storage-class STANDARD`
    ],
    [
      { name: 'api', registryId: '123456789012' },
      `aws ecr update-image-storage-class --registry-id 123456789012 --repository-name api --image-id imageDigest=${DIGEST} --target-storage-class STANDARD`
    ]
  ])('%o', (ref, command) => {
    expect(restoreCommand(ref, DIGEST)).toBe(command)
  })
})
