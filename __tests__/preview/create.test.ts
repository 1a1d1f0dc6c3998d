import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  CreateFunctionCommand,
  InvalidParameterValueException,
  LambdaClient,
  ResourceConflictException,
  type FunctionConfiguration
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import {
  ISOLATED,
  createPreviewFunction,
  previewCreateInput,
  previewTagProblem
} from '../../src/preview/create.js'
import type { PreviewIsolation } from '../../src/inputs/types.js'

const lambdaMock = mockClient(LambdaClient)
const lambda = new LambdaClient({ region: 'eu-west-1' })

const PREVIEW = 'my-api-pr-7'
const PREVIEW_ARN = `arn:aws:lambda:eu-west-1:123456789012:function:${PREVIEW}`
const IMAGE_URI = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/my-api@sha256:${'c'.repeat(64)}`

beforeEach(() => {
  lambdaMock.reset()
})

const PRODUCTION: FunctionConfiguration = {
  FunctionName: 'my-api',
  FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:my-api',
  Role: 'arn:aws:iam::123456789012:role/my-api-lambda',
  MemorySize: 1024,
  Timeout: 30,
  EphemeralStorage: { Size: 2048 },
  Environment: {
    Variables: {
      ASPNETCORE_ENVIRONMENT: 'Production',
      DB_PASSWORD: 'production-secret'
    }
  },
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
  const ROLE = 'arn:aws:iam::123456789012:role/my-api-preview'
  const SOURCE = {
    production: undefined,
    productionName: 'my-api',
    previewName: 'my-api-pr-7',
    pullRequest: 7,
    imageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:ff',
    architecture: 'arm64' as const
  }
  const WITH_ROLE = { ...ISOLATED, roleArn: ROLE }
  const input = previewCreateInput(SOURCE, WITH_ROLE)
  /** With production's configuration, as the opt-ins read it. */
  const asked = (isolation: Partial<PreviewIsolation>) =>
    previewCreateInput(
      { ...SOURCE, production: PRODUCTION },
      { ...WITH_ROLE, ...isolation }
    )

  it('by default uses nothing of production: preview-settings, the architecture, the preview role, and marks the preview', () => {
    expect(input).toEqual({
      FunctionName: 'my-api-pr-7',
      PackageType: 'Image',
      Code: {
        ImageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:ff'
      },
      Role: ROLE,
      Description:
        'Preview of my-api for pull request #7 (aspnet-lambda-deploy)',
      Publish: false,
      MemorySize: 512,
      Timeout: 30,
      EphemeralStorage: { Size: 512 },
      Architectures: ['arm64'],
      Tags: {
        'aspnet-lambda-deploy:preview-of': 'my-api',
        'aspnet-lambda-deploy:pull-request': '7'
      }
    })
  })

  it('even given production, copies nothing the workflow did not opt in', () => {
    const given = asked({})
    expect(given).toEqual(input)
    expect(JSON.stringify(given)).not.toContain('production-secret')
  })

  it('preview-settings gives the shape and the image config', () => {
    expect(
      previewCreateInput(SOURCE, {
        ...WITH_ROLE,
        settings: {
          memorySize: 2048,
          timeout: 90,
          ephemeralStorage: 1024,
          command: ['MinimalApi'],
          entryPoint: undefined,
          workingDirectory: '/var/task'
        }
      })
    ).toMatchObject({
      MemorySize: 2048,
      Timeout: 90,
      EphemeralStorage: { Size: 1024 },
      ImageConfig: { Command: ['MinimalApi'], WorkingDirectory: '/var/task' }
    })
  })

  it('preview-env sets variables of its own on the preview', () => {
    expect(
      asked({ env: { ASPNETCORE_ENVIRONMENT: 'Preview', FEATURE_X: 'on' } })
        .Environment
    ).toEqual({
      Variables: { ASPNETCORE_ENVIRONMENT: 'Preview', FEATURE_X: 'on' }
    })
  })

  it('preview-copy-env copies only the named production variables, and preview-env wins over them', () => {
    expect(asked({ copyEnv: ['ASPNETCORE_ENVIRONMENT'] }).Environment).toEqual({
      Variables: { ASPNETCORE_ENVIRONMENT: 'Production' }
    })
    expect(
      asked({
        copyEnv: ['ASPNETCORE_ENVIRONMENT', 'DB_PASSWORD'],
        env: { DB_PASSWORD: 'preview-db' }
      }).Environment
    ).toEqual({
      Variables: {
        ASPNETCORE_ENVIRONMENT: 'Production',
        DB_PASSWORD: 'preview-db'
      }
    })
  })

  it('preview-copy-env refuses a name production does not set, naming the ones it does (never their values)', () => {
    expect(() => asked({ copyEnv: ['DB_PASSWRD'] })).toThrow(
      'preview-copy-env names DB_PASSWRD, which my-api does not set; its variables are ASPNETCORE_ENVIRONMENT, DB_PASSWORD.'
    )
  })

  it("production's role only with preview-use-production-role, and no role at all is refused", () => {
    expect(asked({ roleArn: undefined, useProductionRole: true }).Role).toBe(
      'arn:aws:iam::123456789012:role/my-api-lambda'
    )
    expect(() => asked({ roleArn: undefined })).toThrow(
      "preview-role-arn is required: a preview runs pull request code, which must not get production's execution role."
    )
  })

  it("preview-vpc: true puts the preview in production's subnets and security groups", () => {
    expect(asked({ vpc: true }).VpcConfig).toEqual({
      SubnetIds: ['subnet-1'],
      SecurityGroupIds: ['sg-1']
    })
    expect(asked({ vpc: false }).VpcConfig).toBeUndefined()
  })

  it.each([
    'CodeSha256',
    'RevisionId',
    'FunctionArn',
    'KMSKeyArn',
    'FileSystemConfigs',
    'DeadLetterConfig',
    'LoggingConfig',
    'TracingConfig',
    'State'
  ])('does not copy %s', field => {
    expect(Object.keys(asked({ vpc: true }))).not.toContain(field)
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

describe('createPreviewFunction', () => {
  const input = {
    FunctionName: PREVIEW,
    Role: 'r',
    Code: { ImageUri: IMAGE_URI }
  }

  it('returns what CreateFunction answered', async () => {
    lambdaMock
      .on(CreateFunctionCommand)
      .resolves({ FunctionArn: PREVIEW_ARN, State: 'Pending' })

    await expect(createPreviewFunction(lambda, input)).resolves.toMatchObject({
      FunctionArn: PREVIEW_ARN,
      State: 'Pending'
    })
    expect(
      lambdaMock.commandCalls(CreateFunctionCommand)[0]?.args[0].input
    ).toEqual(input)
  })

  it('says Lambda refused the preview on an invalid parameter', async () => {
    lambdaMock.on(CreateFunctionCommand).rejects(
      new InvalidParameterValueException({
        message:
          'The role defined for the function cannot be assumed by Lambda.',
        $metadata: { httpStatusCode: 400 }
      })
    )

    await expect(createPreviewFunction(lambda, input)).rejects.toThrow(
      new RegExp(
        `^Lambda refused to create the preview function ${PREVIEW}: .*The role defined for the function cannot be assumed by Lambda\\.`
      )
    )
  })

  it('reports other errors as the CreateFunction call that failed', async () => {
    lambdaMock.on(CreateFunctionCommand).rejects(
      new ResourceConflictException({
        message: `Function already exist: ${PREVIEW}`,
        $metadata: { httpStatusCode: 409 }
      })
    )

    const error = await createPreviewFunction(lambda, input).catch(
      (e: unknown) => e
    )
    expect(String(error)).toContain('lambda:CreateFunction')
    expect(String(error)).toContain(`Function already exist: ${PREVIEW}`)
    expect(String(error)).not.toContain('Lambda refused to create')
  })
})
