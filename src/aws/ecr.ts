import {
  paginateDescribeImages,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  paginateListImages,
  type ECRClient,
  type ImageTagMutability
} from '@aws-sdk/client-ecr'
import { DeployError } from '../util/errors.js'
import type { RepositoryRef } from '../inputs/types.js'
import { awsCall, awsPages } from './call.js'
import { findImageById } from './ecr-archive.js'

export interface Repository {
  name: string
  registryId: string
  /** host/name, as docker addresses it. */
  uri: string
  /**
   * No tag can be overwritten: IMMUTABLE, or a *_WITH_EXCLUSION rule whose
   * filters leave no tag mutable. Whether one tag can be is tagIsImmutable's.
   */
  immutable: boolean
  /** ECR's rule; the *_WITH_EXCLUSION ones flip it for matching tags. */
  mutability: ImageTagMutability
  /** Wildcard patterns (* for any characters) of the tags the rule excludes. */
  exclusionFilters: string[]
}

/** A wildcard filter as ECR reads it: * matches any sequence, the rest literally. */
function wildcardMatches(filter: string, tag: string): boolean {
  const pattern = filter
    .split('*')
    .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${pattern}$`, 's').test(tag)
}

/**
 * Whether ECR refuses to move `tag` once pushed. A *_WITH_EXCLUSION rule
 * applies to every tag except those matching one of its filters, which get
 * the opposite rule; the plain rules ignore filters.
 */
export function tagIsImmutable(
  repository: Pick<Repository, 'mutability' | 'exclusionFilters'>,
  tag: string
): boolean {
  const { mutability, exclusionFilters } = repository
  const baseImmutable = mutability.startsWith('IMMUTABLE')
  if (!mutability.endsWith('_WITH_EXCLUSION')) return baseImmutable
  const excluded = exclusionFilters.some(filter => wildcardMatches(filter, tag))
  return excluded ? !baseImmutable : baseImmutable
}

/** Whether no tag at all can be overwritten under the rule. */
function everyTagImmutable(
  mutability: ImageTagMutability,
  exclusionFilters: string[]
): boolean {
  if (mutability === 'IMMUTABLE') return true
  if (mutability === 'IMMUTABLE_WITH_EXCLUSION')
    return exclusionFilters.length === 0
  // A filter of only * matches every tag, flipping every one to immutable.
  if (mutability === 'MUTABLE_WITH_EXCLUSION')
    return exclusionFilters.some(filter => /^\*+$/.test(filter))
  return false
}

const MUTABILITIES: readonly ImageTagMutability[] = [
  'IMMUTABLE',
  'MUTABLE',
  'IMMUTABLE_WITH_EXCLUSION',
  'MUTABLE_WITH_EXCLUSION'
]

function mutabilityOf(value: string | undefined): ImageTagMutability {
  return MUTABILITIES.find(known => known === value) ?? 'MUTABLE'
}

export interface RegistryAuth {
  username: string
  password: string
  /** https://<account>.dkr.ecr.<region>.amazonaws.com */
  endpoint: string
}

export async function describeRepository(
  ecr: ECRClient,
  ref: RepositoryRef
): Promise<Repository> {
  const response = await awsCall(
    'ecr:DescribeRepositories',
    () =>
      ecr.send(
        new DescribeRepositoriesCommand({
          repositoryNames: [ref.name],
          ...(ref.registryId !== undefined && { registryId: ref.registryId })
        })
      ),
    {
      RepositoryNotFoundException: () => {
        throw new DeployError(
          `ECR repository "${ref.name}" does not exist${ref.registryId !== undefined ? ` in registry ${ref.registryId}` : ''} in this region. ` +
            `Create it first (aws ecr create-repository --repository-name ${ref.name} --image-tag-mutability IMMUTABLE) or fix the repository input.`
        )
      }
    }
  )
  const repository = response.repositories?.[0]
  if (repository?.repositoryUri === undefined) {
    throw new DeployError(`ECR returned no repository named ${ref.name}.`)
  }
  const mutability = mutabilityOf(repository.imageTagMutability)
  // Only wildcard filters exist today; another kind is not guessed at.
  const exclusionFilters = (
    repository.imageTagMutabilityExclusionFilters ?? []
  ).flatMap(f =>
    f.filterType === 'WILDCARD' && f.filter !== undefined ? [f.filter] : []
  )
  return {
    name: ref.name,
    registryId: repository.registryId ?? ref.registryId ?? '',
    uri: repository.repositoryUri,
    immutable: everyTagImmutable(mutability, exclusionFilters),
    mutability,
    exclusionFilters
  }
}

/** The digest an existing tag points at, or undefined when the tag is free. */
export function findTagDigest(
  ecr: ECRClient,
  ref: RepositoryRef,
  tag: string
): Promise<string | undefined> {
  return findImage(ecr, ref, { imageTag: tag })
}

async function findImage(
  ecr: ECRClient,
  ref: RepositoryRef,
  imageId: { imageTag: string } | { imageDigest: string }
): Promise<string | undefined> {
  return (await findImageById(ecr, ref, imageId))?.digest
}

/**
 * Every tag of the repository with its digest (ListImages, all pages). A
 * repository that does not exist has none.
 */
export async function listTaggedImages(
  ecr: ECRClient,
  ref: RepositoryRef
): Promise<{ imageTag: string; imageDigest: string }[]> {
  const found: { imageTag: string; imageDigest: string }[] = []
  for await (const page of awsPages(
    'ecr:ListImages',
    paginateListImages(
      { client: ecr },
      {
        repositoryName: ref.name,
        filter: { tagStatus: 'TAGGED' },
        ...(ref.registryId !== undefined && { registryId: ref.registryId })
      }
    ),
    // A repository that does not exist has no tags (one deleted while it
    // is listed: the tags listed until then).
    { RepositoryNotFoundException: () => 'end' }
  )) {
    for (const { imageTag, imageDigest } of page.imageIds ?? [])
      if (imageTag !== undefined && imageDigest !== undefined)
        found.push({ imageTag, imageDigest })
  }
  return found
}

/** The `count` most recently pushed tags of the repository, newest first. */
export async function recentTags(
  ecr: ECRClient,
  ref: RepositoryRef,
  count: number
): Promise<string[]> {
  const images: { tags: string[]; pushedAt: number }[] = []
  let pages = 0
  for await (const page of awsPages(
    'ecr:DescribeImages',
    paginateDescribeImages(
      { client: ecr },
      {
        repositoryName: ref.name,
        filter: { tagStatus: 'TAGGED' },
        ...(ref.registryId !== undefined && { registryId: ref.registryId })
      }
    )
  )) {
    for (const detail of page.imageDetails ?? [])
      images.push({
        tags: detail.imageTags ?? [],
        pushedAt: detail.imagePushedAt?.getTime() ?? 0
      })
    if (++pages >= 10) break
  }
  return images
    .sort((a, b) => b.pushedAt - a.pushedAt)
    .flatMap(image => image.tags)
    .slice(0, count)
}

/** Registry credentials for docker login and the registry API. */
export async function getRegistryAuth(
  ecr: ECRClient,
  registryId: string | undefined
): Promise<RegistryAuth> {
  const response = await awsCall('ecr:GetAuthorizationToken', () =>
    ecr.send(
      new GetAuthorizationTokenCommand(
        registryId !== undefined ? { registryIds: [registryId] } : {}
      )
    )
  )
  const data = response.authorizationData?.[0]
  if (
    data?.authorizationToken === undefined ||
    data.proxyEndpoint === undefined
  ) {
    throw new DeployError('ECR GetAuthorizationToken returned no token.')
  }
  return {
    ...decodeAuthorizationToken(data.authorizationToken),
    endpoint: data.proxyEndpoint
  }
}

/** ECR tokens are base64("AWS:<password>"). */
export function decodeAuthorizationToken(token: string): {
  username: string
  password: string
} {
  const decoded = Buffer.from(token, 'base64').toString('utf8')
  const separator = decoded.indexOf(':')
  if (separator <= 0 || separator === decoded.length - 1) {
    throw new DeployError(
      'The ECR authorization token is not in the user:password form.'
    )
  }
  return {
    username: decoded.slice(0, separator),
    password: decoded.slice(separator + 1)
  }
}
