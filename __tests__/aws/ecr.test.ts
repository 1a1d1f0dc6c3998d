import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  RepositoryNotFoundException,
  type ImageTagMutability
} from '@aws-sdk/client-ecr'
import { mockClient } from 'aws-sdk-client-mock'
import {
  decodeAuthorizationToken,
  describeRepository,
  tagIsImmutable,
  findTagDigest,
  getRegistryAuth,
  type RegistryAuth,
  type Repository
} from '../../src/aws/ecr.js'
import {
  BLOB_IDLE_TIMEOUT_MS,
  CONFIG_MAX_BYTES,
  checkImagePlatform,
  checkManifest,
  fetchBlob,
  fetchImageConfig,
  getImageManifest,
  idleTimeout,
  resolveImageManifest,
  type Fetch,
  type ImageConfig
} from '../../src/aws/ecr-image.js'
import {
  MEDIA_TYPES,
  imageInIndex,
  indexEntries
} from '../../src/aws/image-index.js'
import { DeployError } from '../../src/util/errors.js'
import {
  ACCOUNT,
  AMD64_CONFIG,
  AMD64_CONFIG_DIGEST,
  ARM64_CONFIG,
  ARM64_CONFIG_DIGEST,
  BATCH_GET_IMAGE_NOT_FOUND,
  DESCRIBE_IMAGES_TAGGED,
  DESCRIBE_REPOSITORIES_IMMUTABLE,
  DESCRIBE_REPOSITORIES_MUTABLE,
  DOCKER_MANIFEST_LIST,
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_V2_DIGEST,
  DOCKER_V2_MANIFEST,
  GET_AUTHORIZATION_TOKEN,
  LAYER_SIZES,
  OCI_INDEX_DIGEST,
  OCI_INDEX_WITH_PROVENANCE,
  OCI_DIGEST,
  OCI_MANIFEST,
  REGISTRY,
  REGISTRY_PASSWORD,
  REPOSITORY_NAME,
  REPOSITORY_URI,
  batchGetImage,
  imageConfigBlob,
  sha256Digest
} from '../../__fixtures__/aws.js'
import type { Architecture } from '../../src/inputs/types.js'

const ecrMock = mockClient(ECRClient)
const ecr = new ECRClient({ region: 'us-east-1' })

const OTHER_ACCOUNT = '210987654321'

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name })
}

const repositoryNotFound = (): RepositoryNotFoundException =>
  new RepositoryNotFoundException({
    message: `The repository with name '${REPOSITORY_NAME}' does not exist in the registry with id '${ACCOUNT}'`,
    $metadata: {}
  })

const accessDenied = (action: string): Error =>
  awsError(
    'AccessDeniedException',
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy/gha is not authorized to perform: ${action}`
  )

/** The rejection of `promise`, which must reject with a DeployError. */
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

describe('tagIsImmutable', () => {
  it.each<[ImageTagMutability, string[], string, boolean]>([
    ['IMMUTABLE', [], 'v1', true],
    ['MUTABLE', [], 'v1', false],
    // Plain rules have no exclusions, whatever filters are left over.
    ['IMMUTABLE', ['v*'], 'v1', true],
    ['MUTABLE', ['v*'], 'v1', false],
    ['IMMUTABLE_WITH_EXCLUSION', [], 'latest', true],
    ['IMMUTABLE_WITH_EXCLUSION', ['latest'], 'latest', false],
    ['IMMUTABLE_WITH_EXCLUSION', ['latest'], 'latest-1', true],
    ['IMMUTABLE_WITH_EXCLUSION', ['dev-*'], 'dev-abc123', false],
    ['IMMUTABLE_WITH_EXCLUSION', ['dev-*'], 'prod-dev-1', true],
    ['IMMUTABLE_WITH_EXCLUSION', ['*-snapshot', 'main'], 'x-snapshot', false],
    ['IMMUTABLE_WITH_EXCLUSION', ['*-snapshot', 'main'], 'main', false],
    ['IMMUTABLE_WITH_EXCLUSION', ['*-snapshot', 'main'], 'v2', true],
    ['MUTABLE_WITH_EXCLUSION', [], 'v1', false],
    ['MUTABLE_WITH_EXCLUSION', ['v*'], 'v1.2.3', true],
    ['MUTABLE_WITH_EXCLUSION', ['v*'], 'latest', false],
    ['MUTABLE_WITH_EXCLUSION', ['*'], 'anything', true],
    // Characters other than * are literal: . and + are not regex.
    ['MUTABLE_WITH_EXCLUSION', ['v1.0'], 'v1x0', false],
    ['MUTABLE_WITH_EXCLUSION', ['v1.0'], 'v1.0', true],
    ['MUTABLE_WITH_EXCLUSION', ['a+b*'], 'aab', false],
    ['MUTABLE_WITH_EXCLUSION', ['a+b*'], 'a+bc', true],
    ['MUTABLE_WITH_EXCLUSION', ['a*b*c'], 'aXbYc', true],
    ['MUTABLE_WITH_EXCLUSION', ['a*b*c'], 'aXcYb', false]
  ])(
    '%p, filters %p: tag %p immutable %p',
    (mutability, filters, tag, want) => {
      expect(
        tagIsImmutable({ mutability, exclusionFilters: filters }, tag)
      ).toBe(want)
    }
  )
})

describe('describeRepository', () => {
  it('returns the URI, registry and name, and asks for the named repository only', async () => {
    ecrMock
      .on(DescribeRepositoriesCommand)
      .resolves(DESCRIBE_REPOSITORIES_IMMUTABLE)
    const repository = await describeRepository(ecr, {
      name: REPOSITORY_NAME,
      registryId: undefined
    })
    expect(repository).toEqual({
      name: REPOSITORY_NAME,
      registryId: ACCOUNT,
      uri: REPOSITORY_URI,
      immutable: true,
      mutability: 'IMMUTABLE',
      exclusionFilters: []
    })
    const [call] = ecrMock.commandCalls(DescribeRepositoriesCommand)
    expect(call?.args[0].input).toEqual({ repositoryNames: [REPOSITORY_NAME] })
  })

  it('passes the registry id of a cross-account repository', async () => {
    const base = DESCRIBE_REPOSITORIES_MUTABLE.repositories?.[0]
    ecrMock.on(DescribeRepositoriesCommand).resolves({
      repositories: [
        {
          ...base,
          registryId: OTHER_ACCOUNT,
          repositoryUri: `${OTHER_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${REPOSITORY_NAME}`
        }
      ]
    })
    const repository = await describeRepository(ecr, {
      name: REPOSITORY_NAME,
      registryId: OTHER_ACCOUNT
    })
    expect(repository.registryId).toBe(OTHER_ACCOUNT)
    expect(repository.uri).toBe(
      `${OTHER_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${REPOSITORY_NAME}`
    )
    const [call] = ecrMock.commandCalls(DescribeRepositoriesCommand)
    expect(call?.args[0].input).toEqual({
      repositoryNames: [REPOSITORY_NAME],
      registryId: OTHER_ACCOUNT
    })
  })

  it.each<[ImageTagMutability | undefined, boolean]>([
    ['IMMUTABLE', true],
    ['IMMUTABLE_WITH_EXCLUSION', true],
    ['MUTABLE', false],
    ['MUTABLE_WITH_EXCLUSION', false],
    [undefined, false]
  ])('imageTagMutability %p → immutable %p', async (mutability, immutable) => {
    const base = DESCRIBE_REPOSITORIES_IMMUTABLE.repositories?.[0]
    ecrMock.on(DescribeRepositoriesCommand).resolves({
      repositories: [{ ...base, imageTagMutability: mutability }]
    })
    const repository = await describeRepository(ecr, {
      name: REPOSITORY_NAME,
      registryId: undefined
    })
    expect(repository.immutable).toBe(immutable)
  })

  it.each<[ImageTagMutability, string[], boolean]>([
    ['IMMUTABLE_WITH_EXCLUSION', ['latest'], false],
    ['MUTABLE_WITH_EXCLUSION', ['*'], true],
    ['MUTABLE_WITH_EXCLUSION', ['release-*'], false]
  ])(
    '%p with filters %p → every tag immutable %p',
    async (mutability, filters, immutable) => {
      const base = DESCRIBE_REPOSITORIES_IMMUTABLE.repositories?.[0]
      ecrMock.on(DescribeRepositoriesCommand).resolves({
        repositories: [
          {
            ...base,
            imageTagMutability: mutability,
            imageTagMutabilityExclusionFilters: [
              ...filters.map(filter => ({
                filterType: 'WILDCARD' as const,
                filter
              })),
              // A kind of filter ECR may add later is not guessed at.
              { filterType: undefined, filter: '*' }
            ]
          }
        ]
      })
      const repository = await describeRepository(ecr, {
        name: REPOSITORY_NAME,
        registryId: undefined
      })
      expect(repository.immutable).toBe(immutable)
      expect(repository.mutability).toBe(mutability)
      expect(repository.exclusionFilters).toEqual(filters)
    }
  )

  it('explains how to create a missing repository', async () => {
    ecrMock.on(DescribeRepositoriesCommand).rejects(repositoryNotFound())
    const error = await deployError(
      describeRepository(ecr, { name: REPOSITORY_NAME, registryId: undefined })
    )
    expect(error.message).toContain(
      `ECR repository "${REPOSITORY_NAME}" does not exist in this region`
    )
    expect(error.message).toContain(
      `aws ecr create-repository --repository-name ${REPOSITORY_NAME} --image-tag-mutability IMMUTABLE`
    )
  })

  it('names the registry of a missing cross-account repository', async () => {
    ecrMock.on(DescribeRepositoriesCommand).rejects(repositoryNotFound())
    const error = await deployError(
      describeRepository(ecr, {
        name: REPOSITORY_NAME,
        registryId: OTHER_ACCOUNT
      })
    )
    expect(error.message).toContain(`in registry ${OTHER_ACCOUNT}`)
  })

  it('names the missing permission when access is denied', async () => {
    ecrMock
      .on(DescribeRepositoriesCommand)
      .rejects(accessDenied('ecr:DescribeRepositories'))
    const error = await deployError(
      describeRepository(ecr, { name: REPOSITORY_NAME, registryId: undefined })
    )
    expect(error.message).toMatch(
      /^ecr:DescribeRepositories was denied \(AccessDeniedException\)/
    )
    expect(error.message).toContain('Allow "ecr:DescribeRepositories"')
  })

  it('refuses an answer without the repository', async () => {
    ecrMock.on(DescribeRepositoriesCommand).resolves({ repositories: [] })
    const error = await deployError(
      describeRepository(ecr, { name: REPOSITORY_NAME, registryId: undefined })
    )
    expect(error.message).toBe(
      `ECR returned no repository named ${REPOSITORY_NAME}.`
    )
  })
})

describe('findTagDigest', () => {
  const ref = { name: REPOSITORY_NAME, registryId: undefined }

  it('returns the digest an existing tag points at', async () => {
    ecrMock.on(DescribeImagesCommand).resolves(DESCRIBE_IMAGES_TAGGED)
    await expect(findTagDigest(ecr, ref, '3f9c2ab')).resolves.toBe(
      DOCKER_V2_DIGEST
    )
    const [call] = ecrMock.commandCalls(DescribeImagesCommand)
    expect(call?.args[0].input).toEqual({
      repositoryName: REPOSITORY_NAME,
      imageIds: [{ imageTag: '3f9c2ab' }]
    })
  })

  it('passes the registry id of a cross-account repository', async () => {
    ecrMock.on(DescribeImagesCommand).resolves(DESCRIBE_IMAGES_TAGGED)
    await findTagDigest(
      ecr,
      { name: REPOSITORY_NAME, registryId: OTHER_ACCOUNT },
      '3f9c2ab'
    )
    const [call] = ecrMock.commandCalls(DescribeImagesCommand)
    expect(call?.args[0].input.registryId).toBe(OTHER_ACCOUNT)
  })

  it('returns undefined for a tag that does not exist', async () => {
    ecrMock.on(DescribeImagesCommand).rejects(
      new ImageNotFoundException({
        message: `The image with imageId {imageDigest:'null', imageTag:'new'} does not exist within the repository with name '${REPOSITORY_NAME}'`,
        $metadata: {}
      })
    )
    await expect(findTagDigest(ecr, ref, 'new')).resolves.toBeUndefined()
  })

  it('leaves a missing repository to describeRepository', async () => {
    ecrMock.on(DescribeImagesCommand).rejects(repositoryNotFound())
    await expect(findTagDigest(ecr, ref, 'new')).resolves.toBeUndefined()
  })

  it.each([
    [
      accessDenied('ecr:DescribeImages'),
      /^ecr:DescribeImages was denied \(AccessDeniedException\).*Allow "ecr:DescribeImages"/
    ],
    [
      awsError('ServerException', 'Internal failure'),
      /^ecr:DescribeImages failed \(ServerException\): Internal failure$/
    ]
  ])('throws other errors: %p', async (failure, message) => {
    ecrMock.on(DescribeImagesCommand).rejects(failure)
    const error = await deployError(findTagDigest(ecr, ref, 'v1'))
    expect(error.message).toMatch(message)
  })
})

describe('getRegistryAuth', () => {
  it('decodes the token of the caller’s own registry', async () => {
    ecrMock.on(GetAuthorizationTokenCommand).resolves(GET_AUTHORIZATION_TOKEN)
    await expect(getRegistryAuth(ecr, undefined)).resolves.toEqual({
      username: 'AWS',
      password: REGISTRY_PASSWORD,
      endpoint: `https://${REGISTRY}`
    })
    const [call] = ecrMock.commandCalls(GetAuthorizationTokenCommand)
    expect(call?.args[0].input).toEqual({})
  })

  it('asks for the token of another account’s registry', async () => {
    // Logging in to the caller's own registry instead gives docker's
    // "no basic auth credentials" on push (aws-actions/amazon-ecr-login#334).
    ecrMock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        {
          authorizationToken:
            Buffer.from('AWS:cross-account').toString('base64'),
          proxyEndpoint: `https://${OTHER_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`
        }
      ]
    })
    const auth = await getRegistryAuth(ecr, OTHER_ACCOUNT)
    expect(auth.endpoint).toBe(
      `https://${OTHER_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`
    )
    expect(auth.password).toBe('cross-account')
    const [call] = ecrMock.commandCalls(GetAuthorizationTokenCommand)
    expect(call?.args[0].input).toEqual({ registryIds: [OTHER_ACCOUNT] })
  })

  it('reports an answer without a token', async () => {
    ecrMock.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [] })
    const error = await deployError(getRegistryAuth(ecr, undefined))
    expect(error.message).toBe('ECR GetAuthorizationToken returned no token.')
  })

  it('names the missing permission when access is denied', async () => {
    ecrMock
      .on(GetAuthorizationTokenCommand)
      .rejects(accessDenied('ecr:GetAuthorizationToken'))
    const error = await deployError(getRegistryAuth(ecr, undefined))
    expect(error.message).toContain('Allow "ecr:GetAuthorizationToken"')
  })

  it('reports a malformed token', async () => {
    ecrMock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        {
          authorizationToken: Buffer.from('no separator').toString('base64'),
          proxyEndpoint: `https://${REGISTRY}`
        }
      ]
    })
    const error = await deployError(getRegistryAuth(ecr, undefined))
    expect(error.message).toContain('not in the user:password form')
  })
})

describe('decodeAuthorizationToken', () => {
  it.each([
    ['AWS:secret', 'AWS', 'secret'],
    // Only the first colon separates: the password may contain more.
    ['AWS:a:b:c', 'AWS', 'a:b:c']
  ])('%p → %p / %p', (decoded, username, password) => {
    const token = Buffer.from(decoded).toString('base64')
    expect(decodeAuthorizationToken(token)).toEqual({ username, password })
  })

  it.each([
    ['no colon', Buffer.from('AWS').toString('base64')],
    ['empty user name', Buffer.from(':secret').toString('base64')],
    ['empty password', Buffer.from('AWS:').toString('base64')],
    ['empty token', '']
  ])('rejects a token with %s', (_case, token) => {
    expect(() => decodeAuthorizationToken(token)).toThrow(
      /not in the user:password form/
    )
  })
})

describe('getImageManifest', () => {
  const repository: Repository = {
    name: REPOSITORY_NAME,
    registryId: ACCOUNT,
    uri: REPOSITORY_URI,
    immutable: true,
    mutability: 'IMMUTABLE',
    exclusionFilters: []
  }

  it('returns the manifest and the media type ECR reports', async () => {
    ecrMock
      .on(BatchGetImageCommand)
      .resolves(batchGetImage(DOCKER_V2_MANIFEST, MEDIA_TYPES.dockerManifest))
    await expect(
      getImageManifest(ecr, repository, DOCKER_V2_DIGEST)
    ).resolves.toEqual({
      mediaType: MEDIA_TYPES.dockerManifest,
      manifest: DOCKER_V2_MANIFEST
    })
    const [call] = ecrMock.commandCalls(BatchGetImageCommand)
    const input = call?.args[0].input
    expect(input?.repositoryName).toBe(REPOSITORY_NAME)
    expect(input?.registryId).toBe(ACCOUNT)
    expect(input?.imageIds).toEqual([{ imageDigest: DOCKER_V2_DIGEST }])
    // Without the index types ECR answers an index with a failure instead of
    // the manifest, and the user would not learn it is a provenance index.
    expect([...(input?.acceptedMediaTypes ?? [])].sort()).toEqual(
      Object.values(MEDIA_TYPES).sort()
    )
  })

  it('reads the media type from the manifest when ECR omits it', async () => {
    ecrMock
      .on(BatchGetImageCommand)
      .resolves(batchGetImage(OCI_INDEX_WITH_PROVENANCE, undefined))
    const image = await getImageManifest(ecr, repository, OCI_INDEX_DIGEST)
    expect(image.mediaType).toBe(MEDIA_TYPES.ociIndex)
  })

  it('leaves the media type empty when neither ECR nor the manifest has one', async () => {
    ecrMock
      .on(BatchGetImageCommand)
      .resolves(batchGetImage(DOCKER_SCHEMA1_MANIFEST, undefined))
    const image = await getImageManifest(ecr, repository, DOCKER_V2_DIGEST)
    expect(image.mediaType).toBe('')
  })

  it('reports ECR’s failure code and reason', async () => {
    ecrMock.on(BatchGetImageCommand).resolves(BATCH_GET_IMAGE_NOT_FOUND)
    const error = await deployError(
      getImageManifest(ecr, repository, DOCKER_V2_DIGEST)
    )
    expect(error.message).toBe(
      `ECR has no image ${REPOSITORY_NAME}@${DOCKER_V2_DIGEST} (ImageNotFound: Requested image not found).`
    )
  })

  it('names the missing permission when access is denied', async () => {
    ecrMock.on(BatchGetImageCommand).rejects(accessDenied('ecr:BatchGetImage'))
    const error = await deployError(
      getImageManifest(ecr, repository, DOCKER_V2_DIGEST)
    )
    expect(error.message).toContain('Allow "ecr:BatchGetImage"')
  })
})

describe('checkManifest', () => {
  it.each([
    [
      'Docker v2',
      MEDIA_TYPES.dockerManifest,
      DOCKER_V2_MANIFEST,
      AMD64_CONFIG_DIGEST
    ],
    ['OCI', MEDIA_TYPES.ociManifest, OCI_MANIFEST, ARM64_CONFIG_DIGEST]
  ])('accepts a %s image manifest', (_name, mediaType, manifest, config) => {
    expect(checkManifest({ mediaType, manifest })).toEqual({
      configDigest: config,
      compressedSize: LAYER_SIZES[0] + LAYER_SIZES[1]
    })
  })

  it.each([
    [
      'an OCI index (inside an index: resolveImageManifest resolves the outer one)',
      MEDIA_TYPES.ociIndex,
      OCI_INDEX_WITH_PROVENANCE,
      /image index \(application\/vnd\.oci\.image\.index\.v1\+json\) inside an image index.*Lambda rejects it/s
    ],
    [
      'a Docker manifest list',
      MEDIA_TYPES.dockerManifestList,
      DOCKER_MANIFEST_LIST,
      /image index \(application\/vnd\.docker\.distribution\.manifest\.list\.v2\+json\) inside an image index.*Lambda rejects it/
    ],
    [
      'a schema 1 manifest',
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      DOCKER_SCHEMA1_MANIFEST,
      /media type "application\/vnd\.docker\.distribution\.manifest\.v1\+prettyjws", which Lambda does not accept/
    ],
    [
      'an unknown media type',
      'application/vnd.example.thing+json',
      '{}',
      /"application\/vnd\.example\.thing\+json", which Lambda does not accept/
    ],
    [
      'a manifest without media type',
      '',
      DOCKER_SCHEMA1_MANIFEST,
      /media type "", which Lambda does not accept/
    ],
    [
      'a manifest without config',
      MEDIA_TYPES.dockerManifest,
      JSON.stringify({ schemaVersion: 2, layers: [] }),
      /names no config blob/
    ],
    [
      'a manifest that is not JSON',
      MEDIA_TYPES.ociManifest,
      '<html>',
      /not valid JSON/
    ]
  ])('rejects %s', (_name, mediaType, manifest, message) => {
    expect(() => checkManifest({ mediaType, manifest })).toThrow(message)
  })

  it('says how to fix an image index, and which media types Lambda takes', () => {
    expect(() =>
      checkManifest({
        mediaType: MEDIA_TYPES.ociIndex,
        manifest: OCI_INDEX_WITH_PROVENANCE
      })
    ).toThrow(
      /Push an index whose entry for the platform is an image manifest, or name that manifest by its digest\.$/
    )
    expect(() =>
      checkManifest({
        mediaType: 'application/vnd.example.thing+json',
        manifest: '{}'
      })
    ).toThrow(
      `(it needs ${MEDIA_TYPES.dockerManifest} or ${MEDIA_TYPES.ociManifest}).`
    )
  })

  it('sums no size for a manifest without layers', () => {
    expect(
      checkManifest({
        mediaType: MEDIA_TYPES.ociManifest,
        manifest: JSON.stringify({ config: { digest: ARM64_CONFIG_DIGEST } })
      })
    ).toEqual({ configDigest: ARM64_CONFIG_DIGEST, compressedSize: 0 })
  })

  it('sums the compressed size of the layers that report one', () => {
    const manifest = JSON.stringify({
      config: { digest: AMD64_CONFIG_DIGEST },
      layers: [{ size: 10 }, {}, { size: 'big' }, { size: 5 }]
    })
    expect(
      checkManifest({ mediaType: MEDIA_TYPES.ociManifest, manifest })
        .compressedSize
    ).toBe(15)
  })
})

describe('image indexes', () => {
  const repository: Repository = {
    name: REPOSITORY_NAME,
    registryId: ACCOUNT,
    uri: REPOSITORY_URI,
    immutable: true,
    mutability: 'IMMUTABLE',
    exclusionFilters: []
  }
  const d = (c: string): string => `sha256:${c.repeat(64)}`
  const entry = (
    digest: string,
    platform: Record<string, string> | undefined,
    annotations?: Record<string, string>
  ) => ({
    mediaType: MEDIA_TYPES.ociManifest,
    digest,
    size: 100,
    ...(platform !== undefined && { platform }),
    ...(annotations !== undefined && { annotations })
  })
  const index = (...manifests: unknown[]): string =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests
    })
  /** As BuildKit attaches provenance: platform unknown/unknown, annotated. */
  const attestationFor = (digest: string, own: string) =>
    entry(
      own,
      { architecture: 'unknown', os: 'unknown' },
      {
        'vnd.docker.reference.digest': digest,
        'vnd.docker.reference.type': 'attestation-manifest'
      }
    )
  const amd64 = entry(d('a'), { architecture: 'amd64', os: 'linux' })
  const arm64v8 = entry(d('b'), {
    architecture: 'arm64',
    os: 'linux',
    variant: 'v8'
  })

  it('lists entries with their platform, attestations marked', () => {
    expect(
      indexEntries(
        index(amd64, attestationFor(d('a'), d('c')), arm64v8, { digest: 'x' })
      )
    ).toEqual([
      {
        digest: d('a'),
        mediaType: MEDIA_TYPES.ociManifest,
        platform: 'linux/amd64',
        attestation: false
      },
      {
        digest: d('c'),
        mediaType: MEDIA_TYPES.ociManifest,
        platform: 'unknown/unknown',
        attestation: true
      },
      {
        digest: d('b'),
        mediaType: MEDIA_TYPES.ociManifest,
        platform: 'linux/arm64/v8',
        attestation: false
      }
    ])
  })

  it.each([
    ['not JSON', '<html>', 'The image index is not valid JSON.'],
    [
      'no manifests',
      '{"schemaVersion":2}',
      'The image index lists no manifests.'
    ]
  ])('refuses an index that is %s', (_name, text, message) => {
    expect(() => indexEntries(text)).toThrow(message)
  })

  it.each<[string, unknown[], Architecture, string]>([
    [
      'the image beside its provenance',
      [amd64, attestationFor(d('a'), d('c'))],
      'x86_64',
      d('a')
    ],
    ['the amd64 image of two platforms', [arm64v8, amd64], 'x86_64', d('a')],
    ['an arm64 image with variant v8', [amd64, arm64v8], 'arm64', d('b')],
    [
      'an arm64 image without variant',
      [entry(d('e'), { architecture: 'arm64', os: 'linux' })],
      'arm64',
      d('e')
    ]
  ])('chooses %s', (_name, manifests, architecture, digest) => {
    expect(
      imageInIndex(
        'repo@sha256:i',
        indexEntries(index(...manifests)),
        architecture
      ).digest
    ).toBe(digest)
  })

  it('refuses an index with no image for the platform, naming what it holds', () => {
    expect(() =>
      imageInIndex(
        'repo@sha256:i',
        indexEntries(index(amd64, attestationFor(d('a'), d('c')))),
        'arm64'
      )
    ).toThrow(
      `repo@sha256:i is an image index with no image for linux/arm64, the platform of the function's arm64: it holds linux/amd64 (${d('a')}). Push an image built for linux/arm64 (or name one by its digest).`
    )
    // An attestation is never taken for an image, whatever it claims.
    expect(() =>
      imageInIndex(
        'repo@sha256:i',
        indexEntries(
          index(
            entry(
              d('f'),
              { architecture: 'amd64', os: 'linux' },
              { 'vnd.docker.reference.type': 'attestation-manifest' }
            )
          )
        ),
        'x86_64'
      )
    ).toThrow('it holds no image at all')
    expect(() =>
      imageInIndex(
        'repo@sha256:i',
        indexEntries(
          index(entry(d('f'), { architecture: 'amd64', os: 'windows' }))
        ),
        'x86_64'
      )
    ).toThrow(`it holds windows/amd64 (${d('f')})`)
  })

  it('refuses an index with two images for the platform, asking for a digest', () => {
    const other = entry(d('9'), { architecture: 'amd64', os: 'linux' })
    expect(() =>
      imageInIndex('repo@sha256:i', indexEntries(index(amd64, other)), 'x86_64')
    ).toThrow(
      `repo@sha256:i is an image index with 2 images for linux/amd64: linux/amd64 (${d('a')}), linux/amd64 (${d('9')}). Name the one to deploy by its digest (image: repository@sha256:…).`
    )
  })

  it('resolves an index to its image manifest, read by that digest', async () => {
    const indexText = index(
      entry(DOCKER_V2_DIGEST, { architecture: 'amd64', os: 'linux' }),
      attestationFor(DOCKER_V2_DIGEST, d('c'))
    )
    ecrMock
      .on(BatchGetImageCommand, { imageIds: [{ imageDigest: d('i') }] })
      .resolves(batchGetImage(indexText, MEDIA_TYPES.ociIndex))
      .on(BatchGetImageCommand, {
        imageIds: [{ imageDigest: DOCKER_V2_DIGEST }]
      })
      .resolves(batchGetImage(DOCKER_V2_MANIFEST, MEDIA_TYPES.dockerManifest))
    const resolved = await resolveImageManifest(
      ecr,
      repository,
      d('i'),
      'x86_64'
    )
    expect(resolved.digest).toBe(DOCKER_V2_DIGEST)
    expect(resolved.image).toEqual({
      mediaType: MEDIA_TYPES.dockerManifest,
      manifest: DOCKER_V2_MANIFEST
    })
    expect(resolved.index?.digest).toBe(d('i'))
    expect(resolved.index?.entries.map(e => e.attestation)).toEqual([
      false,
      true
    ])
    expect(
      ecrMock
        .commandCalls(BatchGetImageCommand)
        .map(c => c.args[0].input.imageIds?.[0]?.imageDigest)
    ).toEqual([d('i'), DOCKER_V2_DIGEST])
  })

  it('returns an image manifest as it is, with one read (or none when given)', async () => {
    ecrMock
      .on(BatchGetImageCommand)
      .resolves(batchGetImage(DOCKER_V2_MANIFEST, MEDIA_TYPES.dockerManifest))
    const resolved = await resolveImageManifest(
      ecr,
      repository,
      DOCKER_V2_DIGEST,
      'x86_64'
    )
    expect(resolved).toEqual({
      digest: DOCKER_V2_DIGEST,
      image: {
        mediaType: MEDIA_TYPES.dockerManifest,
        manifest: DOCKER_V2_MANIFEST
      }
    })
    const given = { mediaType: MEDIA_TYPES.ociManifest, manifest: OCI_MANIFEST }
    await expect(
      resolveImageManifest(ecr, repository, OCI_DIGEST, 'arm64', given)
    ).resolves.toEqual({ digest: OCI_DIGEST, image: given })
    expect(ecrMock.commandCalls(BatchGetImageCommand)).toHaveLength(1)
  })
})

describe('fetchImageConfig', () => {
  const auth: RegistryAuth = {
    username: 'AWS',
    password: REGISTRY_PASSWORD,
    endpoint: `https://${REGISTRY}`
  }

  interface FetchCall {
    url: string
    headers: Headers
    redirect: RequestInit['redirect']
  }

  /** A registry that answers every request with `answer()`. */
  function fakeRegistry(answer: () => Response): {
    fetch: Fetch
    calls: FetchCall[]
  } {
    const calls: FetchCall[] = []
    const fetch: Fetch = (input, init) => {
      calls.push({
        url:
          typeof input === 'string'
            ? input
            : input instanceof URL
              ? input.href
              : input.url,
        headers: new Headers(init?.headers),
        redirect: init?.redirect
      })
      return Promise.resolve(answer())
    }
    return { fetch, calls }
  }

  it('reads the config blob with the registry credentials', async () => {
    const registry = fakeRegistry(() => new Response(AMD64_CONFIG))
    await expect(
      fetchImageConfig(
        auth,
        REPOSITORY_NAME,
        AMD64_CONFIG_DIGEST,
        registry.fetch
      )
    ).resolves.toEqual({ architecture: 'amd64', os: 'linux' })
    expect(registry.calls).toHaveLength(1)
    const [call] = registry.calls
    expect(call?.url).toBe(
      `https://${REGISTRY}/v2/${REPOSITORY_NAME}/blobs/${AMD64_CONFIG_DIGEST}`
    )
    const expected = Buffer.from(`AWS:${REGISTRY_PASSWORD}`).toString('base64')
    expect(call?.headers.get('authorization')).toBe(`Basic ${expected}`)
    // ECR answers blob requests with a redirect to S3.
    expect(call?.redirect).toBe('follow')
  })

  it('does not double the slash after an endpoint that ends with one', async () => {
    const registry = fakeRegistry(() => new Response(ARM64_CONFIG))
    await fetchImageConfig(
      { ...auth, endpoint: `https://${REGISTRY}/` },
      REPOSITORY_NAME,
      ARM64_CONFIG_DIGEST,
      registry.fetch
    )
    expect(registry.calls[0]?.url).toBe(
      `https://${REGISTRY}/v2/${REPOSITORY_NAME}/blobs/${ARM64_CONFIG_DIGEST}`
    )
  })

  it('rejects a body whose digest is not the one asked for', async () => {
    const tampered = AMD64_CONFIG.replace('"amd64"', '"arm64"')
    const registry = fakeRegistry(() => new Response(tampered))
    const error = await deployError(
      fetchImageConfig(
        auth,
        REPOSITORY_NAME,
        AMD64_CONFIG_DIGEST,
        registry.fetch
      )
    )
    expect(error.message).toBe(
      `The registry returned an image config whose digest is ${sha256Digest(tampered)}, not ${AMD64_CONFIG_DIGEST}.`
    )
  })

  it('reports the HTTP status of a refused request', async () => {
    const registry = fakeRegistry(
      () =>
        new Response(
          '{"errors":[{"code":"DENIED","message":"Your authorization token has expired."}]}',
          { status: 401 }
        )
    )
    const error = await deployError(
      fetchImageConfig(
        auth,
        REPOSITORY_NAME,
        AMD64_CONFIG_DIGEST,
        registry.fetch
      )
    )
    expect(error.message).toBe(
      `Reading the image config ${AMD64_CONFIG_DIGEST} from the registry answered HTTP 401.`
    )
  })

  it('reports a request that got no response', async () => {
    const fetch: Fetch = () =>
      Promise.reject(
        new TypeError('fetch failed', {
          cause: new Error(`getaddrinfo ENOTFOUND ${REGISTRY}`)
        })
      )
    const error = await deployError(
      fetchImageConfig(auth, REPOSITORY_NAME, AMD64_CONFIG_DIGEST, fetch)
    )
    expect(error.message).toContain(
      `Could not read the image config ${AMD64_CONFIG_DIGEST} from the registry at https://${REGISTRY}: fetch failed`
    )
    expect(error.message).toContain(`getaddrinfo ENOTFOUND ${REGISTRY}`)
  })

  it('reports a config without architecture or os as unknown', async () => {
    const blob = '{"config":{}}'
    const registry = fakeRegistry(() => new Response(blob))
    await expect(
      fetchImageConfig(
        auth,
        REPOSITORY_NAME,
        sha256Digest(blob),
        registry.fetch
      )
    ).resolves.toEqual({ architecture: undefined, os: undefined })
  })
})

describe('checkImagePlatform', () => {
  it.each<[ImageConfig, Architecture]>([
    [{ architecture: 'amd64', os: 'linux' }, 'x86_64'],
    [{ architecture: 'arm64', os: 'linux' }, 'arm64'],
    [{ architecture: 'amd64', os: undefined }, 'x86_64']
  ])('accepts %p for a %s function', (config, architecture) => {
    expect(() => checkImagePlatform(config, architecture)).not.toThrow()
  })

  it.each<[ImageConfig, Architecture, RegExp]>([
    [
      { architecture: 'arm64', os: 'linux' },
      'x86_64',
      /built for linux\/arm64 but the function runs on x86_64 \(linux\/amd64\).*"exec format error" \(Runtime\.InvalidEntrypoint\).*Rebuild for linux\/amd64/
    ],
    [
      { architecture: 'amd64', os: 'linux' },
      'arm64',
      /built for linux\/amd64 but the function runs on arm64 \(linux\/arm64\).*exec format error/
    ],
    [
      { architecture: undefined, os: 'linux' },
      'x86_64',
      /built for linux\/unknown but the function runs on x86_64/
    ],
    [
      { architecture: 'amd64', os: 'windows' },
      'x86_64',
      /built for os "windows"; Lambda runs linux images only/
    ],
    // A config without os is taken as linux, and named so.
    [
      { architecture: 'arm64', os: undefined },
      'x86_64',
      /^The image is built for linux\/arm64 but the function runs on x86_64/
    ]
  ])('rejects %p for a %s function', (config, architecture, message) => {
    expect(() => checkImagePlatform(config, architecture)).toThrow(message)
  })

  it('accepts the config of a real amd64 image end to end', async () => {
    const blob = imageConfigBlob('amd64')
    const config = await fetchImageConfig(
      { username: 'AWS', password: 'p', endpoint: `https://${REGISTRY}` },
      REPOSITORY_NAME,
      sha256Digest(blob),
      () => Promise.resolve(new Response(blob))
    )
    expect(() => checkImagePlatform(config, 'x86_64')).not.toThrow()
    expect(() => checkImagePlatform(config, 'arm64')).toThrow(
      /exec format error/
    )
  })
})

describe('registry reads are bounded', () => {
  const auth: RegistryAuth = {
    username: 'AWS',
    password: 'p',
    endpoint: `https://${REGISTRY}`
  }

  it('gives a blob request a timeout when the caller gives none', async () => {
    const signals: (AbortSignal | null | undefined)[] = []
    const fetch: Fetch = (_input, init) => {
      signals.push(init?.signal)
      return Promise.resolve(new Response('blob'))
    }
    await fetchBlob(auth, REPOSITORY_NAME, 'sha256:x', 'a blob', fetch)
    const given = new AbortController().signal
    await fetchBlob(auth, REPOSITORY_NAME, 'sha256:x', 'a blob', fetch, given)
    expect(signals[0]).toBeInstanceOf(AbortSignal)
    expect(signals[0]).not.toBe(given)
    expect(signals[1]).toBe(given)
    expect(BLOB_IDLE_TIMEOUT_MS).toBe(60_000)
  })

  it('stops reading an image config past 4 MiB', async () => {
    let cancelled = false
    let sent = 0
    const chunk = new Uint8Array(256 * 1024).fill(0x20)
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.byteLength
        controller.enqueue(chunk)
      },
      cancel() {
        cancelled = true
      }
    })
    const error = await deployError(
      fetchImageConfig(auth, REPOSITORY_NAME, AMD64_CONFIG_DIGEST, () =>
        Promise.resolve(new Response(endless))
      )
    )
    expect(error.message).toBe(
      `The registry sent more than 4 MiB for the image config ${AMD64_CONFIG_DIGEST}; an image config is far smaller, so it was not read further.`
    )
    expect(cancelled).toBe(true)
    expect(sent).toBeLessThanOrEqual(CONFIG_MAX_BYTES + 2 * chunk.byteLength)
  })

  it('reports a config whose reading failed', async () => {
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('The operation was aborted due to timeout'))
      }
    })
    const error = await deployError(
      fetchImageConfig(auth, REPOSITORY_NAME, AMD64_CONFIG_DIGEST, () =>
        Promise.resolve(new Response(failing))
      )
    )
    expect(error.message).toMatch(
      new RegExp(
        `^Could not read the image config ${AMD64_CONFIG_DIGEST} from the registry at https://${REGISTRY.replace(/\./g, '\\.')}: .*timeout`
      )
    )
  })
})

describe('idleTimeout', () => {
  beforeEach(() => {
    jest.useFakeTimers()
  })

  afterEach(() => {
    jest.useRealTimers()
  })

  it('aborts a stalled read only after the idle time has passed without data', () => {
    const idle = idleTimeout(60_000)
    jest.advanceTimersByTime(59_000)
    idle.touch() // a chunk arrived
    jest.advanceTimersByTime(59_000)
    expect(idle.signal.aborted).toBe(false)
    jest.advanceTimersByTime(1_000)
    expect(idle.signal.aborted).toBe(true)
    expect(String(idle.signal.reason)).toMatch(
      /no data from the registry for 60s/
    )
  })

  it('never fires once the read has finished', () => {
    const idle = idleTimeout(1_000)
    idle.clear()
    jest.advanceTimersByTime(10_000)
    expect(idle.signal.aborted).toBe(false)
  })
})
