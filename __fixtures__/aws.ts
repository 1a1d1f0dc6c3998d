/**
 * Sample AWS responses, shaped like what the real APIs return for an
 * ASP.NET container-image function, so tests read like a real deploy.
 * The manifests, config blobs and digests are consistent with each other:
 * a manifest's digest is the sha256 of its text, and its config digest the
 * sha256 of the config blob.
 */
import { createHash } from 'node:crypto'
import type {
  BatchGetImageResponse,
  DescribeImagesResponse,
  DescribeRepositoriesResponse,
  GetAuthorizationTokenResponse,
  Repository as EcrRepository
} from '@aws-sdk/client-ecr'
import type { GetFunctionResponse } from '@aws-sdk/client-lambda'

export const ACCOUNT = '123456789012'
export const REGION = 'us-east-1'
export const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`
export const REPOSITORY_NAME = 'team/my-api'
export const REPOSITORY_URI = `${REGISTRY}/${REPOSITORY_NAME}`
export const FUNCTION_NAME = 'my-api'
export const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION_NAME}`

export function sha256Digest(content: string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`
}

/** The image config blob docker/buildx writes for an ASP.NET Lambda image. */
export function imageConfigBlob(architecture: string, os = 'linux'): string {
  return JSON.stringify({
    architecture,
    os,
    config: {
      Env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'LAMBDA_TASK_ROOT=/var/task',
        'DOTNET_RUNNING_IN_CONTAINER=true'
      ],
      Entrypoint: ['/lambda-entrypoint.sh'],
      Cmd: ['MyApi'],
      WorkingDir: '/var/task'
    },
    rootfs: {
      type: 'layers',
      diff_ids: [
        sha256Digest(`${architecture}-base-layer`),
        sha256Digest(`${architecture}-app-layer`)
      ]
    }
  })
}

export const AMD64_CONFIG = imageConfigBlob('amd64')
export const AMD64_CONFIG_DIGEST = sha256Digest(AMD64_CONFIG)
export const ARM64_CONFIG = imageConfigBlob('arm64')
export const ARM64_CONFIG_DIGEST = sha256Digest(ARM64_CONFIG)

/** Compressed layer sizes of the sample manifests. */
export const LAYER_SIZES = [94_371_840, 31_457_280] as const

function manifest(
  mediaType: string,
  configMediaType: string,
  layerMediaType: string,
  config: string
): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: configMediaType,
      size: config.length,
      digest: sha256Digest(config)
    },
    layers: LAYER_SIZES.map((size, i) => ({
      mediaType: layerMediaType,
      size,
      digest: sha256Digest(`layer-${i}-${config}`)
    }))
  })
}

/** What `docker build` + `docker push` (or buildx with provenance off) pushes. */
export const DOCKER_V2_MANIFEST = manifest(
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.container.image.v1+json',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  AMD64_CONFIG
)
export const DOCKER_V2_DIGEST = sha256Digest(DOCKER_V2_MANIFEST)

/** What buildx pushes with `oci-mediatypes=true` and no attestations. */
export const OCI_MANIFEST = manifest(
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  ARM64_CONFIG
)
export const OCI_DIGEST = sha256Digest(OCI_MANIFEST)

/**
 * What buildx ≥ 0.10 pushes by default: an index holding the image and a
 * provenance attestation manifest (platform unknown/unknown).
 */
export const OCI_INDEX_WITH_PROVENANCE = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: OCI_DIGEST,
      size: OCI_MANIFEST.length,
      platform: { architecture: 'amd64', os: 'linux' }
    },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha256Digest('attestation'),
      size: 566,
      annotations: {
        'vnd.docker.reference.digest': OCI_DIGEST,
        'vnd.docker.reference.type': 'attestation-manifest'
      },
      platform: { architecture: 'unknown', os: 'unknown' }
    }
  ]
})
export const OCI_INDEX_DIGEST = sha256Digest(OCI_INDEX_WITH_PROVENANCE)

/** A multi-platform Docker manifest list. */
export const DOCKER_MANIFEST_LIST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
  manifests: [
    {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      digest: DOCKER_V2_DIGEST,
      size: DOCKER_V2_MANIFEST.length,
      platform: { architecture: 'amd64', os: 'linux' }
    }
  ]
})

/** The long-deprecated signed schema 1 manifest. */
export const DOCKER_SCHEMA1_MANIFEST = JSON.stringify({
  schemaVersion: 1,
  name: REPOSITORY_NAME,
  tag: 'v1',
  architecture: 'amd64',
  fsLayers: [{ blobSum: sha256Digest('schema1-layer') }],
  history: [{ v1Compatibility: '{}' }]
})

/** BatchGetImage for one digest, as ECR answers it. */
export function batchGetImage(
  imageManifest: string,
  imageManifestMediaType: string | undefined,
  imageDigest = sha256Digest(imageManifest)
): BatchGetImageResponse {
  return {
    images: [
      {
        registryId: ACCOUNT,
        repositoryName: REPOSITORY_NAME,
        imageId: { imageDigest },
        imageManifest,
        ...(imageManifestMediaType !== undefined && { imageManifestMediaType })
      }
    ],
    failures: []
  }
}

export const BATCH_GET_IMAGE_NOT_FOUND: BatchGetImageResponse = {
  images: [],
  failures: [
    {
      imageId: { imageDigest: DOCKER_V2_DIGEST },
      failureCode: 'ImageNotFound',
      failureReason: 'Requested image not found'
    }
  ]
}

function repository(
  imageTagMutability: EcrRepository['imageTagMutability']
): DescribeRepositoriesResponse {
  return {
    repositories: [
      {
        repositoryArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${REPOSITORY_NAME}`,
        registryId: ACCOUNT,
        repositoryName: REPOSITORY_NAME,
        repositoryUri: REPOSITORY_URI,
        createdAt: new Date('2024-03-01T10:00:00Z'),
        imageTagMutability,
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: { encryptionType: 'AES256' }
      }
    ]
  }
}

export const DESCRIBE_REPOSITORIES_IMMUTABLE = repository('IMMUTABLE')
export const DESCRIBE_REPOSITORIES_IMMUTABLE_WITH_EXCLUSION = repository(
  'IMMUTABLE_WITH_EXCLUSION'
)
export const DESCRIBE_REPOSITORIES_MUTABLE = repository('MUTABLE')

export const DESCRIBE_IMAGES_TAGGED: DescribeImagesResponse = {
  imageDetails: [
    {
      registryId: ACCOUNT,
      repositoryName: REPOSITORY_NAME,
      imageDigest: DOCKER_V2_DIGEST,
      imageTags: ['3f9c2ab'],
      imageSizeInBytes: 125_829_120,
      imagePushedAt: new Date('2024-03-02T09:30:00Z'),
      imageManifestMediaType:
        'application/vnd.docker.distribution.manifest.v2+json'
    }
  ]
}

export const REGISTRY_PASSWORD = 'eyJwYXlsb2FkIjoic2FtcGxlIn0.not-a-real-token'
export const AUTHORIZATION_TOKEN = Buffer.from(
  `AWS:${REGISTRY_PASSWORD}`
).toString('base64')

export const GET_AUTHORIZATION_TOKEN: GetAuthorizationTokenResponse = {
  authorizationData: [
    {
      authorizationToken: AUTHORIZATION_TOKEN,
      expiresAt: new Date('2024-03-02T21:30:00Z'),
      proxyEndpoint: `https://${REGISTRY}`
    }
  ]
}

/** The image the sample function ran before the deploy. */
export const PREVIOUS_DIGEST = sha256Digest('previous image manifest')

/** GetFunction for an Image function on x86_64, deployed by tag. */
export const GET_FUNCTION_X86_64_IMAGE: GetFunctionResponse = {
  Configuration: {
    FunctionName: FUNCTION_NAME,
    FunctionArn: FUNCTION_ARN,
    Role: `arn:aws:iam::${ACCOUNT}:role/my-api-lambda`,
    CodeSize: 0,
    Timeout: 30,
    MemorySize: 1024,
    LastModified: '2024-03-01T12:00:00.000+0000',
    CodeSha256: PREVIOUS_DIGEST.slice('sha256:'.length),
    Version: '$LATEST',
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Image',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 }
  },
  Code: {
    RepositoryType: 'ECR',
    ImageUri: `${REPOSITORY_URI}:previous`,
    ResolvedImageUri: `${REPOSITORY_URI}@${PREVIOUS_DIGEST}`
  }
}

/** GetFunction for an Image function on arm64 (Graviton). */
export const GET_FUNCTION_ARM64_IMAGE: GetFunctionResponse = {
  Configuration: {
    ...GET_FUNCTION_X86_64_IMAGE.Configuration,
    Architectures: ['arm64']
  },
  Code: GET_FUNCTION_X86_64_IMAGE.Code
}

/** GetFunction for a classic Zip function on the managed .NET runtime. */
export const GET_FUNCTION_ZIP: GetFunctionResponse = {
  Configuration: {
    FunctionName: 'my-zip-api',
    FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:my-zip-api`,
    Runtime: 'dotnet8',
    Handler: 'MyApi',
    Role: `arn:aws:iam::${ACCOUNT}:role/my-api-lambda`,
    CodeSize: 2_345_678,
    Timeout: 30,
    MemorySize: 512,
    LastModified: '2024-03-01T12:00:00.000+0000',
    // Zip functions report the base64 SHA-256 of the archive.
    CodeSha256: 'vFmMPNrH6DG6mlJ0mXw5Sn6cZ0nV3y1YoG7x1N5Jv0A=',
    Version: '$LATEST',
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: ['x86_64']
  },
  Code: {
    RepositoryType: 'S3',
    Location:
      'https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/123456789012/my-zip-api'
  }
}

/** GetFunction after a deploy of `digest` by digest. */
export function getFunctionRunning(
  digest: string,
  base: GetFunctionResponse = GET_FUNCTION_X86_64_IMAGE
): GetFunctionResponse {
  return {
    Configuration: {
      ...base.Configuration,
      CodeSha256: digest.slice('sha256:'.length)
    },
    Code: {
      RepositoryType: 'ECR',
      ImageUri: `${REPOSITORY_URI}@${digest}`,
      ResolvedImageUri: `${REPOSITORY_URI}@${digest}`
    }
  }
}
