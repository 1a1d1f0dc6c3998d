/**
 * A first preview (createPreview in src/preview/first-deploy.ts): the function created
 * from preview-settings (production's configuration only by opt-in) with the
 * new image by digest, and the wait until it is Active; and an existing
 * preview brought to the current settings (reconcilePreview). Lambda is aws-sdk-client-mock; the clock is virtual, so
 * nothing waits.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  ListTagsCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
  type GetFunctionResponse
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import * as core from '../../__fixtures__/core.js'
import { virtualClock } from '../../__fixtures__/virtual-clock.js'
import type { FunctionState } from '../../src/aws/lambda.js'
import type { PreviewIsolation } from '../../src/inputs/types.js'

// first-deploy.ts imports @actions/core: mock it first (see __fixtures__/core.ts).
jest.unstable_mockModule('@actions/core', () => core)
const { createPreview } = await import('../../src/preview/first-deploy.js')
const { previewDrift, reconcilePreview } =
  await import('../../src/preview/reconcile.js')
const { ISOLATED } = await import('../../src/preview/create.js')

const lambdaMock = mockClient(LambdaClient)
const lambda = new LambdaClient({ region: 'eu-west-1' })

const ACCOUNT = '123456789012'
const PRODUCTION_ARN = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:my-api`
const PREVIEW = 'my-api-pr-7'
const PREVIEW_ARN = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${PREVIEW}`
const REPOSITORY = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/my-api`
const DIGEST = `sha256:${'c'.repeat(64)}`
const IMAGE_URI = `${REPOSITORY}@${DIGEST}`
const PRODUCTION_DIGEST = `sha256:${'a'.repeat(64)}`

/** Production as createPreview's caller found it. */
const PRODUCTION: FunctionState = {
  functionName: 'my-api',
  functionArn: PRODUCTION_ARN,
  packageType: 'Image',
  architecture: 'arm64',
  state: 'Active',
  lastUpdateStatus: 'Successful',
  imageUri: `${REPOSITORY}@${PRODUCTION_DIGEST}`,
  imageDigest: PRODUCTION_DIGEST
}

/** GetFunction's Configuration of production: what is copied and what is not. */
const PRODUCTION_CONFIGURATION: FunctionConfiguration = {
  FunctionName: 'my-api',
  FunctionArn: PRODUCTION_ARN,
  Role: `arn:aws:iam::${ACCOUNT}:role/my-api-lambda`,
  Description: 'Orders API',
  MemorySize: 1536,
  Timeout: 45,
  EphemeralStorage: { Size: 1024 },
  Environment: {
    Variables: {
      ASPNETCORE_ENVIRONMENT: 'Production',
      ConnectionStrings__Orders: 'Host=db'
    }
  },
  Architectures: ['arm64'],
  ImageConfigResponse: {
    ImageConfig: { Command: ['OrdersApi'], WorkingDirectory: '/var/task' }
  },
  VpcConfig: {
    SubnetIds: ['subnet-1', 'subnet-2'],
    SecurityGroupIds: ['sg-1'],
    VpcId: 'vpc-1'
  },
  TracingConfig: { Mode: 'Active' },
  PackageType: 'Image',
  CodeSha256: 'a'.repeat(64),
  RevisionId: 'rev-9',
  Version: '$LATEST',
  State: 'Active',
  LastUpdateStatus: 'Successful',
  KMSKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/k`,
  FileSystemConfigs: [
    {
      Arn: `arn:aws:elasticfilesystem:eu-west-1:${ACCOUNT}:access-point/fsap-1`,
      LocalMountPath: '/mnt/data'
    }
  ],
  DeadLetterConfig: { TargetArn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:dlq` },
  LoggingConfig: { LogGroup: '/aws/lambda/my-api', LogFormat: 'JSON' }
}

const PREVIEW_ROLE = `arn:aws:iam::${ACCOUNT}:role/my-api-preview`

/** The CreateFunction input with every opt-in that shares production. */
const EXPECTED_CREATE = {
  FunctionName: PREVIEW,
  PackageType: 'Image',
  Code: { ImageUri: IMAGE_URI },
  Role: `arn:aws:iam::${ACCOUNT}:role/my-api-lambda`,
  Description: 'Preview of my-api for pull request #7 (aspnet-lambda-deploy)',
  Publish: false,
  MemorySize: 1024,
  Timeout: 60,
  EphemeralStorage: { Size: 512 },
  Environment: {
    Variables: {
      ASPNETCORE_ENVIRONMENT: 'Production',
      ConnectionStrings__Orders: 'Host=db'
    }
  },
  Architectures: ['arm64'],
  ImageConfig: { Command: ['OrdersApi'] },
  VpcConfig: {
    SubnetIds: ['subnet-1', 'subnet-2'],
    SecurityGroupIds: ['sg-1']
  },
  Tags: {
    'aspnet-lambda-deploy:preview-of': 'my-api',
    'aspnet-lambda-deploy:pull-request': '7'
  }
}

/** GetFunction of the new preview while Lambda sets it up, and after. */
function previewAnswer(
  state: 'Pending' | 'Active' | 'Failed',
  digest = DIGEST,
  extra: FunctionConfiguration = {}
): GetFunctionResponse {
  return {
    Configuration: {
      FunctionName: PREVIEW,
      FunctionArn: PREVIEW_ARN,
      PackageType: 'Image',
      Architectures: ['arm64'],
      CodeSha256: digest.slice('sha256:'.length),
      State: state,
      ...(state === 'Pending'
        ? {
            StateReason: 'The function is being created.',
            StateReasonCode: 'Creating'
          }
        : { LastUpdateStatus: state === 'Active' ? 'Successful' : 'Failed' }),
      ...extra
    },
    Code: {
      RepositoryType: 'ECR',
      ImageUri: `${REPOSITORY}@${digest}`,
      ResolvedImageUri: `${REPOSITORY}@${digest}`
    }
  }
}

/**
 * Production readable, CreateFunction accepted; the preview answers
 * GetFunction with `observations` in turn, the last one repeating.
 */
function arrange(...observations: GetFunctionResponse[]): void {
  lambdaMock
    .on(GetFunctionCommand, { FunctionName: PRODUCTION_ARN })
    .resolves({ Configuration: PRODUCTION_CONFIGURATION })
  lambdaMock.on(ListTagsCommand, { Resource: PRODUCTION_ARN }).resolves({
    Tags: {
      team: 'orders',
      'aws:cloudformation:stack-name': 'orders-prod',
      'aspnet-lambda-deploy:pull-request': '3'
    }
  })
  lambdaMock.on(CreateFunctionCommand).resolves({
    FunctionName: PREVIEW,
    FunctionArn: PREVIEW_ARN,
    State: 'Pending',
    StateReasonCode: 'Creating'
  })
  const previewCalls = lambdaMock.on(GetFunctionCommand, {
    FunctionName: PREVIEW
  })
  observations
    .slice(0, -1)
    .forEach(observation => previewCalls.resolvesOnce(observation))
  const last = observations.at(-1)
  if (last !== undefined) previewCalls.resolves(last)
}

const ASK_FOR_ALL: PreviewIsolation = {
  env: {},
  copyEnv: ['ASPNETCORE_ENVIRONMENT', 'ConnectionStrings__Orders'],
  roleArn: undefined,
  useProductionRole: true,
  vpc: true,
  settings: {
    ...ISOLATED.settings,
    memorySize: 1024,
    timeout: 60,
    command: ['OrdersApi']
  }
}

/** What a preview workflow gives by default now: a role of its own. */
const WITH_ROLE: PreviewIsolation = { ...ISOLATED, roleArn: PREVIEW_ROLE }

function create(
  waitTimeoutMs = 300_000,
  isolation: PreviewIsolation | undefined = WITH_ROLE
) {
  const clock = virtualClock(1_000_000)
  const log: string[] = []
  const work = createPreview(
    lambda,
    {
      production: PRODUCTION,
      previewName: PREVIEW,
      pullRequest: 7,
      imageUri: IMAGE_URI,
      digest: DIGEST,
      architecture: 'arm64',
      waitTimeoutMs,
      log: message => log.push(message),
      isolation
    },
    clock.timing
  )
  return {
    result: clock.run(work),
    log,
    elapsed: () => clock.timing.now() - 1_000_000
  }
}

/** An AWS SDK error as the client throws it. */
function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status }
  })
}

const previewPolls = (): number =>
  lambdaMock
    .commandCalls(GetFunctionCommand)
    .filter(call => call.args[0].input.FunctionName === PREVIEW).length

beforeEach(() => {
  core.resetCore()
  lambdaMock.reset()
})

describe('createPreview', () => {
  it('with every opt-in that shares production, reads its configuration (by ARN) and copies what was asked, nothing else', async () => {
    arrange(previewAnswer('Pending'), previewAnswer('Active'))

    await create(300_000, ASK_FOR_ALL).result

    const creates = lambdaMock.commandCalls(CreateFunctionCommand)
    expect(creates.map(call => call.args[0].input)).toEqual([EXPECTED_CREATE])
    expect(
      lambdaMock
        .commandCalls(GetFunctionCommand)
        .map(call => call.args[0].input.FunctionName)[0]
    ).toBe(PRODUCTION_ARN)
    expect(lambdaMock.commandCalls(ListTagsCommand)).toEqual([])
  })

  it('without those opt-ins, calls nothing on production: the shape comes from preview-settings and the architecture', async () => {
    arrange(previewAnswer('Pending'), previewAnswer('Active'))

    await create().result

    const production = lambdaMock
      .calls()
      .map(call => call.args[0].input as Record<string, unknown>)
      .filter(
        input =>
          input.FunctionName === PRODUCTION_ARN ||
          input.Resource === PRODUCTION_ARN ||
          input.FunctionName === 'my-api'
      )
    expect(production).toEqual([])
    const [input] = lambdaMock
      .commandCalls(CreateFunctionCommand)
      .map(call => call.args[0].input)
    expect(input).toEqual({
      FunctionName: PREVIEW,
      PackageType: 'Image',
      Code: { ImageUri: IMAGE_URI },
      Role: PREVIEW_ROLE,
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
    expect(core.warnings()).toEqual([])
  })

  it('waits until the new function is Active, polling it, and returns it as Lambda reports it', async () => {
    arrange(
      previewAnswer('Pending'),
      previewAnswer('Pending'),
      previewAnswer('Active')
    )

    const { result, log, elapsed } = create()
    const created = await result

    expect(created).toEqual({
      functionName: PREVIEW,
      functionArn: PREVIEW_ARN,
      packageType: 'Image',
      architecture: 'arm64',
      state: 'Active',
      lastUpdateStatus: 'Successful',
      imageUri: IMAGE_URI,
      imageDigest: DIGEST,
      imageConfig: undefined,
      config: {
        environment: {},
        memorySize: undefined,
        timeout: undefined,
        ephemeralStorage: undefined,
        imageConfig: {},
        description: ''
      }
    })
    // Two Pending polls, the Active one, then the read of what it runs.
    expect(previewPolls()).toBe(4)
    expect(elapsed()).toBe(1_000)
    expect(log).toEqual([
      `Created ${PREVIEW_ARN} (arm64, 512 MB, 30 s); waiting until it is Active.`
    ])
  })

  it("preview-use-production-role: the preview runs with production's role, with a warning in the log and the summary", async () => {
    arrange(previewAnswer('Active'))

    await create(300_000, { ...ISOLATED, useProductionRole: true }).result

    const [input] = lambdaMock
      .commandCalls(CreateFunctionCommand)
      .map(call => call.args[0].input)
    expect(input?.Environment).toBeUndefined()
    expect(input?.VpcConfig).toBeUndefined()
    expect(input?.Role).toBe(EXPECTED_CREATE.Role)
    const warning = `preview-use-production-role is true: the preview ${PREVIEW} runs with production's execution role ${EXPECTED_CREATE.Role}, so the pull request's code gets everything production's role may do in AWS. Create a role for previews and set preview-role-arn (see docs/previews.md).`
    expect(core.warnings()).toEqual([warning])
    expect(core.summary.stringify()).toContain(`> [!WARNING]\n> ${warning}`)
  })

  it('with preview-role-arn, the preview runs with that role and there is no warning', async () => {
    arrange(previewAnswer('Active'))
    const role = `arn:aws:iam::${ACCOUNT}:role/my-api-preview`

    const { result, log } = create(300_000, {
      ...ISOLATED,
      env: { ASPNETCORE_ENVIRONMENT: 'Preview' },
      roleArn: role
    })
    await result

    const [input] = lambdaMock
      .commandCalls(CreateFunctionCommand)
      .map(call => call.args[0].input)
    expect(input?.Role).toBe(role)
    expect(input?.Environment).toEqual({
      Variables: { ASPNETCORE_ENVIRONMENT: 'Preview' }
    })
    expect(core.warnings()).toEqual([])
    expect(log).toContain('Set by preview-env: ASPNETCORE_ENVIRONMENT.')
  })

  it('fails with Lambda’s reason when the new function does not become Active', async () => {
    arrange(
      previewAnswer('Pending'),
      previewAnswer('Failed', DIGEST, {
        StateReason:
          'Lambda does not have permission to access the ECR image. Check the ECR permissions.',
        StateReasonCode: 'ImageAccessDenied'
      })
    )

    await expect(create().result).rejects.toThrow(
      `The preview function ${PREVIEW} was created but did not become Active: ImageAccessDenied: Lambda does not have permission to access the ECR image. Check the ECR permissions.`
    )
  })

  it('gives up after wait-timeout on a function that stays Pending', async () => {
    arrange(previewAnswer('Pending'))

    const { result, elapsed } = create(10_000)

    await expect(result).rejects.toThrow(
      `Function ${PREVIEW} is still updating after 10.0s (State Pending, LastUpdateStatus ?)`
    )
    expect(elapsed()).toBe(10_000)
  })

  it('fails when the created function runs another image than the one asked for', async () => {
    const other = `sha256:${'d'.repeat(64)}`
    arrange(previewAnswer('Pending'), previewAnswer('Active', other))

    await expect(create().result).rejects.toThrow(
      `Lambda reports that function ${PREVIEW} runs ${other}, not the image just deployed (${DIGEST})`
    )
  })

  it('preview-copy-env with a role that may not read production: fails naming the replacement, and creates nothing', async () => {
    lambdaMock
      .on(GetFunctionCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'not authorized to perform: lambda:GetFunction',
          403
        )
      )

    await expect(
      create(300_000, {
        ...WITH_ROLE,
        copyEnv: ['ASPNETCORE_ENVIRONMENT']
      }).result
    ).rejects.toThrow(
      `Could not read ${PRODUCTION_ARN}'s configuration, which preview-copy-env, preview-vpc and preview-use-production-role need: not authorized to perform: lambda:GetFunction A preview role should not read production (its answer carries production's environment): set preview-env and preview-role-arn instead (docs/previews.md).`
    )
    expect(lambdaMock.commandCalls(CreateFunctionCommand)).toEqual([])
  })
})

describe('previewDrift: an existing preview against the current settings', () => {
  const expected = {
    role: PREVIEW_ROLE,
    environment: { ASPNETCORE_ENVIRONMENT: 'Preview' },
    vpc: undefined
  }
  const inOrder: FunctionConfiguration = {
    FunctionName: PREVIEW,
    FunctionArn: PREVIEW_ARN,
    Role: PREVIEW_ROLE,
    Environment: { Variables: { ASPNETCORE_ENVIRONMENT: 'Preview' } }
  }

  it.each<[string, FunctionConfiguration, string[] | undefined]>([
    ['in order', inOrder, undefined],
    [
      'an empty VPC is no VPC',
      { ...inOrder, VpcConfig: { SubnetIds: [], SecurityGroupIds: [] } },
      undefined
    ],
    [
      "production's role",
      { ...inOrder, Role: PRODUCTION_CONFIGURATION.Role },
      [
        `execution role ${PRODUCTION_CONFIGURATION.Role ?? ''} (expected ${PREVIEW_ROLE})`
      ]
    ],
    [
      "production's environment",
      { ...inOrder, Environment: PRODUCTION_CONFIGURATION.Environment },
      [
        'environment variables ASPNETCORE_ENVIRONMENT, ConnectionStrings__Orders'
      ]
    ],
    [
      "production's VPC",
      { ...inOrder, VpcConfig: PRODUCTION_CONFIGURATION.VpcConfig },
      [
        'VPC (subnets subnet-1, subnet-2; a preview runs outside it unless preview-vpc is true)'
      ]
    ]
  ])('%s', (_, preview, differences) => {
    expect(previewDrift(preview, expected)?.differences).toEqual(differences)
  })

  it('names differences, never values, and fixes all of them in one update', () => {
    const drift = previewDrift(
      {
        ...inOrder,
        Role: PRODUCTION_CONFIGURATION.Role,
        Environment: PRODUCTION_CONFIGURATION.Environment,
        VpcConfig: PRODUCTION_CONFIGURATION.VpcConfig
      },
      expected
    )
    expect(JSON.stringify(drift?.differences)).not.toContain('Host=db')
    expect(drift?.update).toEqual({
      FunctionName: PREVIEW_ARN,
      Role: PREVIEW_ROLE,
      Environment: { Variables: { ASPNETCORE_ENVIRONMENT: 'Preview' } },
      VpcConfig: { SubnetIds: [], SecurityGroupIds: [] }
    })
  })
})

describe('reconcilePreview', () => {
  it("updates an old preview's role, environment and VPC before its code, and waits for Lambda", async () => {
    lambdaMock.on(GetFunctionCommand, { FunctionName: PREVIEW_ARN }).resolves({
      Configuration: {
        ...PRODUCTION_CONFIGURATION,
        FunctionName: PREVIEW,
        FunctionArn: PREVIEW_ARN,
        LastUpdateStatus: 'Successful'
      }
    })
    lambdaMock.on(GetFunctionCommand, { FunctionName: PREVIEW }).resolves({})
    lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({})
    const clock = virtualClock(1_000_000)
    const log: string[] = []

    const changed = await clock.run(
      reconcilePreview(
        lambda,
        {
          production: PRODUCTION,
          previewArn: PREVIEW_ARN,
          waitTimeoutMs: 60_000,
          log: message => log.push(message),
          isolation: WITH_ROLE
        },
        clock.timing
      )
    )

    expect(changed).toBe(true)
    expect(
      lambdaMock
        .commandCalls(UpdateFunctionConfigurationCommand)
        .map(call => call.args[0].input)
    ).toEqual([
      {
        FunctionName: PREVIEW_ARN,
        Role: PREVIEW_ROLE,
        Environment: { Variables: {} },
        VpcConfig: { SubnetIds: [], SecurityGroupIds: [] }
      }
    ])
    expect(log.join('\n')).not.toContain('Host=db')
    // Production itself is not read.
    expect(
      lambdaMock
        .commandCalls(GetFunctionCommand)
        .map(call => call.args[0].input.FunctionName)
    ).not.toContain(PRODUCTION_ARN)
  })
})
