/**
 * The world's ECR API (an ECRClient answered through aws-sdk-client-mock)
 * over one FakeRegistry: DescribeRepositories, DescribeImages and ListImages
 * (five a page, ACTIVE images unless the filter asks), BatchGetImage,
 * PutImage of a stored manifest under a new tag (refusing to move a tag as an
 * IMMUTABLE repository does), GetLifecyclePolicy, UpdateImageStorageClass,
 * BatchDeleteImage and GetAuthorizationToken.
 */
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  ImageAlreadyExistsException,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  LifecyclePolicyNotFoundException,
  ListImagesCommand,
  PutImageCommand,
  UpdateImageStorageClassCommand,
  type BatchDeleteImageCommandInput,
  type BatchGetImageCommandInput,
  type DescribeImagesCommandInput,
  type DescribeRepositoriesResponse,
  type ListImagesCommandInput,
  type PutImageCommandInput,
  type UpdateImageStorageClassCommandInput
} from '@aws-sdk/client-ecr'
import { mockClient } from 'aws-sdk-client-mock'
import {
  ACCOUNT,
  DESCRIBE_REPOSITORIES_IMMUTABLE,
  GET_AUTHORIZATION_TOKEN,
  REGION,
  sha256Digest
} from '../aws.js'
import type { Handle } from './calls.js'
import type { FakeRegistry } from './ecr-registry.js'

/**
 * An ECRClient answering from `registry` at the world's time `now`;
 * `pushDue` first makes the pushes other runs have made by now.
 */
export function ecrClient(world: {
  registry: FakeRegistry
  handle: Handle
  now: () => number
  pushDue: () => void
}): ECRClient {
  const { registry, handle, now, pushDue } = world
  const notInRepository = (id: {
    imageDigest?: string | undefined
    imageTag?: string | undefined
  }) =>
    new ImageNotFoundException({
      message: `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${registry.name}' in the registry with id '${ACCOUNT}'`,
      $metadata: { httpStatusCode: 400 }
    })
  const ecr = new ECRClient({ region: REGION })
  mockClient(ecr)
    .on(DescribeRepositoriesCommand)
    .callsFake(
      handle('ecr:DescribeRepositories', (): DescribeRepositoriesResponse => ({
        repositories: (DESCRIBE_REPOSITORIES_IMMUTABLE.repositories ?? []).map(
          repository => ({
            ...repository,
            repositoryArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${registry.name}`,
            repositoryName: registry.name,
            repositoryUri: registry.uri
          })
        )
      }))
    )
    .on(DescribeImagesCommand)
    .callsFake(
      handle('ecr:DescribeImages', (input: DescribeImagesCommandInput) => {
        pushDue()
        const id = input.imageIds?.[0]
        // Only ACTIVE images unless the filter asks (DescribeImagesFilter).
        const asked = input.filter?.imageStatus ?? 'ACTIVE'
        const details = registry
          .details()
          .map(d => ({
            ...d,
            imageStatus: registry.statusOf(d.imageDigest ?? '', now())
          }))
          .filter(d => asked === 'ANY' || d.imageStatus === asked)
        if (id === undefined) {
          // A listing, five images a page.
          const start = Number(input.nextToken ?? '0')
          const page = details.slice(start, start + 5)
          const more = start + 5 < details.length
          return {
            imageDetails: page,
            ...(more && { nextToken: String(start + 5) })
          }
        }
        const found = details.find(d =>
          id.imageTag !== undefined
            ? d.imageTags?.includes(id.imageTag)
            : d.imageDigest === id.imageDigest
        )
        if (found === undefined) throw notInRepository(id)
        return { imageDetails: [found] }
      })
    )
    .on(BatchGetImageCommand)
    .callsFake(
      handle('ecr:BatchGetImage', (input: BatchGetImageCommandInput) => {
        const digest = input.imageIds?.[0]?.imageDigest ?? ''
        const image =
          registry.statusOf(digest, now()) === 'ACTIVE'
            ? registry.images.get(digest)
            : undefined
        return image === undefined
          ? {
              images: [],
              failures: [
                {
                  imageId: { imageDigest: digest },
                  failureCode: 'ImageNotFound',
                  failureReason: 'Requested image not found'
                }
              ]
            }
          : {
              images: [
                {
                  registryId: ACCOUNT,
                  repositoryName: registry.name,
                  imageId: { imageDigest: digest },
                  imageManifest: image.manifest,
                  imageManifestMediaType: image.mediaType
                }
              ],
              failures: []
            }
      })
    )
    .on(GetAuthorizationTokenCommand)
    .callsFake(
      handle('ecr:GetAuthorizationToken', () => GET_AUTHORIZATION_TOKEN)
    )
    .on(ListImagesCommand)
    .callsFake(
      handle('ecr:ListImages', (input: ListImagesCommandInput) => {
        // Five a page, like the listing of DescribeImages.
        const asked = input.filter?.imageStatus ?? 'ACTIVE'
        const all = [...registry.tags]
          .map(([imageTag, { digest }]) => ({ imageTag, imageDigest: digest }))
          .filter(
            id =>
              asked === 'ANY' ||
              registry.statusOf(id.imageDigest, now()) === asked
          )
        const start = Number(input.nextToken ?? '0')
        return {
          imageIds: all.slice(start, start + 5),
          ...(start + 5 < all.length && { nextToken: String(start + 5) })
        }
      })
    )
    .on(PutImageCommand)
    .callsFake(
      handle('ecr:PutImage', (input: PutImageCommandInput) => {
        const digest = sha256Digest(input.imageManifest ?? '')
        const image = registry.images.get(digest)
        const tag = input.imageTag ?? ''
        // Only manifests of stored images: layers are never uploaded here.
        if (image === undefined || input.imageDigest !== digest)
          throw new Error(`PutImage of a manifest not in the registry`)
        const current = registry.tags.get(tag)
        if (current?.digest === digest)
          throw new ImageAlreadyExistsException({
            message: `Image with digest '${digest}' and tag '${tag}' already exists in the repository`,
            $metadata: {}
          })
        if (current !== undefined)
          throw new ImageTagAlreadyExistsException({
            message: `The image tag '${tag}' already exists in the '${registry.name}' repository and cannot be overwritten because the repository is immutable.`,
            $metadata: {}
          })
        registry.push(tag, image, new Date(now()))
        return {
          image: {
            registryId: ACCOUNT,
            repositoryName: registry.name,
            imageId: { imageDigest: digest, imageTag: tag },
            imageManifest: input.imageManifest,
            imageManifestMediaType: input.imageManifestMediaType
          }
        }
      })
    )
    .on(GetLifecyclePolicyCommand)
    .callsFake(
      handle('ecr:GetLifecyclePolicy', () => {
        if (registry.lifecyclePolicy === undefined)
          throw new LifecyclePolicyNotFoundException({
            message: `Lifecycle policy does not exist for the repository with name '${registry.name}' in the registry with id '${ACCOUNT}'`,
            $metadata: { httpStatusCode: 400 }
          })
        return {
          registryId: ACCOUNT,
          repositoryName: registry.name,
          lifecyclePolicyText: registry.lifecyclePolicy
        }
      })
    )
    .on(UpdateImageStorageClassCommand)
    .callsFake(
      handle(
        'ecr:UpdateImageStorageClass',
        (input: UpdateImageStorageClassCommandInput) => {
          const digest = input.imageId?.imageDigest ?? ''
          if (!registry.images.has(digest))
            throw notInRepository({ imageDigest: digest })
          const at = now()
          const status = registry.statusOf(digest, at)
          if (input.targetStorageClass === 'ARCHIVE') registry.archive(digest)
          else if (status === 'ARCHIVED')
            registry.inactive.set(digest, {
              status: 'ACTIVATING',
              activeAt: at + registry.activationMs
            })
          return {
            registryId: ACCOUNT,
            repositoryName: registry.name,
            imageId: { imageDigest: digest },
            imageStatus: registry.statusOf(digest, at)
          }
        }
      )
    )
    .on(BatchDeleteImageCommand)
    .callsFake(
      handle('ecr:BatchDeleteImage', (input: BatchDeleteImageCommandInput) => {
        const deleted: { imageTag: string; imageDigest: string }[] = []
        const failures: {
          imageId: { imageTag?: string }
          failureCode: 'ImageNotFound'
          failureReason: string
        }[] = []
        for (const id of input.imageIds ?? []) {
          const tagged = registry.tags.get(id.imageTag ?? '')
          if (id.imageTag === undefined || tagged === undefined) {
            failures.push({
              imageId:
                id.imageTag === undefined ? {} : { imageTag: id.imageTag },
              failureCode: 'ImageNotFound',
              failureReason: 'Requested image not found'
            })
            continue
          }
          registry.tags.delete(id.imageTag)
          deleted.push({ imageTag: id.imageTag, imageDigest: tagged.digest })
        }
        return { imageIds: deleted, failures }
      })
    )
  return ecr
}
