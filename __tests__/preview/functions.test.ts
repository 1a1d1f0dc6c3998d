import { describe, expect, it } from '@jest/globals'
import {
  BatchDeleteImageCommand,
  ECRClient,
  ListImagesCommand
} from '@aws-sdk/client-ecr'
import {
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ListTagsCommand,
  ResourceNotFoundException,
  type FunctionConfiguration
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import {
  cleanupPreview,
  previewCreateInput,
  previewFunctionName,
  previewTagProblem
} from '../../src/preview/functions.js'

describe('previewFunctionName', () => {
  it.each([
    ['{function}-pr-{number}', 'my-api', 7, 'my-api-pr-7'],
    ['pr{number}-{function}', 'my-api', 12, 'pr12-my-api'],
    ['{function}-pr-{number}', 'a'.repeat(58), 7, `${'a'.repeat(58)}-pr-7`]
  ])('%s with %s and #%d gives %s', (template, fn, pr, expected) => {
    expect(previewFunctionName(template, fn, pr)).toEqual({
      name: expected,
      shortened: false,
      full: expected
    })
  })

  it('cuts names over 64 characters deterministically, with a hash of the full name', () => {
    const long = 'a'.repeat(60)
    const first = previewFunctionName('{function}-pr-{number}', long, 7)
    const again = previewFunctionName('{function}-pr-{number}', long, 7)
    const other = previewFunctionName('{function}-pr-{number}', long, 8)
    expect(first.shortened).toBe(true)
    expect(first.full).toBe(`${long}-pr-7`)
    expect(first.name).toHaveLength(64)
    expect(first.name).toMatch(/^a{55}-[0-9a-f]{8}$/)
    expect(again.name).toBe(first.name)
    expect(other.name).not.toBe(first.name)
    expect(other.name).toHaveLength(64)
  })
})

const PRODUCTION: FunctionConfiguration = {
  FunctionName: 'my-api',
  FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:my-api',
  Role: 'arn:aws:iam::123456789012:role/my-api-lambda',
  MemorySize: 1024,
  Timeout: 30,
  EphemeralStorage: { Size: 2048 },
  Environment: { Variables: { ASPNETCORE_ENVIRONMENT: 'Production' } },
  Architectures: ['arm64'],
  ImageConfigResponse: {
    ImageConfig: { Command: ['MinimalApi'], EntryPoint: [] }
  },
  VpcConfig: {
    SubnetIds: ['subnet-1'],
    SecurityGroupIds: ['sg-1'],
    VpcId: 'vpc-1'
  },
  TracingConfig: { Mode: 'Active' },
  CodeSha256: 'ab'.repeat(32),
  RevisionId: 'rev-1',
  Version: '$LATEST',
  LastModified: '2026-01-01',
  State: 'Active',
  LastUpdateStatus: 'Successful',
  KMSKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k',
  FileSystemConfigs: [
    { Arn: 'arn:aws:elasticfilesystem:x', LocalMountPath: '/mnt/data' }
  ],
  DeadLetterConfig: { TargetArn: 'arn:aws:sqs:eu-west-1:123456789012:dlq' },
  LoggingConfig: { LogGroup: '/aws/lambda/my-api' },
  PackageType: 'Image'
}

describe('previewCreateInput', () => {
  const input = previewCreateInput({
    configuration: PRODUCTION,
    tags: { team: 'web', 'aws:cloudformation:stack-name': 'prod' },
    productionName: 'my-api',
    previewName: 'my-api-pr-7',
    pullRequest: 7,
    imageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:ff'
  })

  it('copies exactly what the app needs to run like production, and marks the preview', () => {
    expect(input).toEqual({
      FunctionName: 'my-api-pr-7',
      PackageType: 'Image',
      Code: {
        ImageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:ff'
      },
      Role: 'arn:aws:iam::123456789012:role/my-api-lambda',
      Description:
        'Preview of my-api for pull request #7 (aspnet-lambda-deploy)',
      Publish: false,
      MemorySize: 1024,
      Timeout: 30,
      EphemeralStorage: { Size: 2048 },
      Environment: { Variables: { ASPNETCORE_ENVIRONMENT: 'Production' } },
      Architectures: ['arm64'],
      ImageConfig: { Command: ['MinimalApi'] },
      VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'] },
      TracingConfig: { Mode: 'Active' },
      Tags: {
        team: 'web',
        'aspnet-lambda-deploy:preview-of': 'my-api',
        'aspnet-lambda-deploy:pull-request': '7'
      }
    })
  })

  it.each([
    'CodeSha256',
    'RevisionId',
    'FunctionArn',
    'KMSKeyArn',
    'FileSystemConfigs',
    'DeadLetterConfig',
    'LoggingConfig',
    'State'
  ])('does not copy %s', field => {
    expect(Object.keys(input)).not.toContain(field)
  })

  it('omits VPC and image config that production does not have', () => {
    const minimal = previewCreateInput({
      configuration: {
        Role: 'arn:aws:iam::123456789012:role/r',
        VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
        ImageConfigResponse: { ImageConfig: { Command: [], EntryPoint: [] } }
      },
      tags: {},
      productionName: 'api',
      previewName: 'api-pr-1',
      pullRequest: 1,
      imageUri: 'x@sha256:aa'
    })
    expect(minimal.VpcConfig).toBeUndefined()
    expect(minimal.ImageConfig).toBeUndefined()
  })

  it('does not carry over preview tags of the production function itself', () => {
    const fromTagged = previewCreateInput({
      configuration: PRODUCTION,
      tags: { 'aspnet-lambda-deploy:pull-request': '3' },
      productionName: 'my-api',
      previewName: 'my-api-pr-7',
      pullRequest: 7,
      imageUri: 'x@sha256:aa'
    })
    expect(fromTagged.Tags?.['aspnet-lambda-deploy:pull-request']).toBe('7')
  })
})

describe('previewTagProblem', () => {
  const ours = {
    'aspnet-lambda-deploy:preview-of': 'my-api',
    'aspnet-lambda-deploy:pull-request': '7'
  }
  it('accepts this PR’s preview of this function', () => {
    expect(previewTagProblem('my-api-pr-7', ours, 'my-api', 7)).toBeUndefined()
  })
  it.each([
    [{}, 'lacks the tag aspnet-lambda-deploy:preview-of=my-api'],
    [
      { 'aspnet-lambda-deploy:preview-of': 'my-api' },
      'lacks the tag aspnet-lambda-deploy:pull-request=7'
    ],
    [
      { ...ours, 'aspnet-lambda-deploy:pull-request': '8' },
      'its tag aspnet-lambda-deploy:pull-request is "8", not "7"'
    ],
    [
      { ...ours, 'aspnet-lambda-deploy:preview-of': 'other-api' },
      'its tag aspnet-lambda-deploy:preview-of is "other-api", not "my-api"'
    ]
  ])('refuses %j', (tags, expected) => {
    expect(previewTagProblem('my-api-pr-7', tags, 'my-api', 7)).toContain(
      expected
    )
  })
})

describe('cleanupPreview', () => {
  const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:my-api-pr-7'
  function world(tags: Record<string, string> | undefined) {
    const lambda = mockClient(LambdaClient)
    const ecr = mockClient(ECRClient)
    const deleted: string[] = []
    if (tags === undefined) {
      lambda
        .on(GetFunctionCommand)
        .rejects(
          new ResourceNotFoundException({ message: 'no', $metadata: {} })
        )
    } else {
      lambda
        .on(GetFunctionCommand)
        .resolves({ Configuration: { FunctionArn: ARN } })
      lambda.on(ListTagsCommand).resolves({ Tags: tags })
    }
    lambda
      .on(GetFunctionUrlConfigCommand)
      .resolves({ FunctionUrl: 'https://u.lambda-url.eu-west-1.on.aws/' })
    lambda.on(DeleteFunctionUrlConfigCommand).callsFake(() => {
      deleted.push('url')
      return {}
    })
    lambda.on(DeleteFunctionCommand).callsFake(() => {
      deleted.push('function')
      return {}
    })
    ecr.on(ListImagesCommand).resolves({
      imageIds: [
        { imageTag: 'pr-7-aaa', imageDigest: 'sha256:1' },
        { imageTag: 'pr-70-bbb', imageDigest: 'sha256:2' },
        { imageTag: 'pr-7-ccc', imageDigest: 'sha256:prod' },
        { imageTag: 'v1', imageDigest: 'sha256:prod' }
      ]
    })
    ecr
      .on(BatchDeleteImageCommand)
      .callsFake((input: { imageIds: { imageTag: string }[] }) => {
        deleted.push(...input.imageIds.map(id => `tag ${id.imageTag}`))
        return { imageIds: input.imageIds, failures: [] }
      })
    return { lambda, ecr, deleted }
  }
  const request = {
    productionName: 'my-api',
    previewName: 'my-api-pr-7',
    pullRequest: 7,
    repository: { name: 'api', registryId: undefined },
    productionDigest: 'sha256:prod',
    log: () => undefined
  }

  it('removes the URL, the function and only this PR’s tags, keeping what production runs', async () => {
    const w = world({
      'aspnet-lambda-deploy:preview-of': 'my-api',
      'aspnet-lambda-deploy:pull-request': '7'
    })
    const result = await cleanupPreview(
      new LambdaClient({}),
      new ECRClient({}),
      request
    )
    expect(w.deleted).toEqual(['url', 'function', 'tag pr-7-aaa'])
    expect(result.removed).toEqual([
      'Function URL https://u.lambda-url.eu-west-1.on.aws/',
      `function ${ARN}`,
      'image tag api:pr-7-aaa'
    ])
    expect(result.kept).toEqual([
      'image tag pr-7-ccc (sha256:prod is what my-api runs)'
    ])
  })

  it.each([
    [{}, 'lacks the tag aspnet-lambda-deploy:preview-of=my-api'],
    [
      {
        'aspnet-lambda-deploy:preview-of': 'my-api',
        'aspnet-lambda-deploy:pull-request': '8'
      },
      'pull-request is "8", not "7"'
    ]
  ])(
    'refuses a function tagged %j before deleting anything',
    async (tags, expected) => {
      const w = world(tags)
      await expect(
        cleanupPreview(new LambdaClient({}), new ECRClient({}), request)
      ).rejects.toThrow(expected)
      expect(w.deleted).toEqual([])
    }
  )

  it('succeeds with nothing to remove', async () => {
    const w = world(undefined)
    w.ecr.on(ListImagesCommand).resolves({ imageIds: [] })
    const result = await cleanupPreview(
      new LambdaClient({}),
      new ECRClient({}),
      request
    )
    expect(result).toEqual({ removed: [], kept: [] })
    expect(w.deleted).toEqual([])
  })
})
