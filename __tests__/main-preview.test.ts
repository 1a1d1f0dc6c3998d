/**
 * main.ts in modes preview and cleanup, against mocked AWS: what runs
 * before anything in AWS changes, and what a cleanup reports.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2'
import {
  BatchDeleteImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ListImagesCommand
} from '@aws-sdk/client-ecr'
import {
  GetFunctionCommand,
  LambdaClient,
  ListTagsCommand,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import * as core from '../__fixtures__/core.js'
import { fakeExec } from '../__fixtures__/exec.js'
import { fakeTiming } from '../__fixtures__/timing.js'
import type { Dependencies } from '../src/main.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

const lambdaMock = mockClient(LambdaClient)
const ecrMock = mockClient(ECRClient)
const PRODUCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:shop'

function deps(
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv,
  fetchImpl: typeof fetch = () => Promise.reject(new Error('no network'))
): { deps: Dependencies; exec: ReturnType<typeof fakeExec> } {
  const exec = fakeExec([])
  return {
    exec,
    deps: {
      clients: () => ({
        lambda: new LambdaClient({ region: 'us-east-1' }),
        ecr: new ECRClient({ region: 'us-east-1' }),
        apigateway: new ApiGatewayV2Client({ region: 'us-east-1' })
      }),
      exec: exec.exec,
      timing: fakeTiming().timing,
      fetch: fetchImpl,
      env,
      readInput: name =>
        ({
          'function-name': 'shop',
          repository: 'shop',
          'aws-region': 'us-east-1',
          ...inputs
        })[name] ?? ''
    }
  }
}

const notFound = (): ResourceNotFoundException =>
  new ResourceNotFoundException({
    message: 'Function not found',
    $metadata: {}
  })

beforeEach(() => {
  core.resetCore()
  lambdaMock.reset()
  ecrMock.reset()
})

describe('mode preview', () => {
  it('without a pull request number fails before any AWS call, naming pull-request and the events', async () => {
    await run(
      deps(
        { mode: 'preview' },
        { GITHUB_EVENT_NAME: 'push', GITHUB_SHA: 'a'.repeat(40) }
      ).deps
    )

    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringMatching(
        /pull-request is required with mode: preview: it comes from the event payload of pull_request and pull_request_target events \(this run is a push event\)/
      )
    )
    expect(lambdaMock.calls()).toHaveLength(0)
    expect(ecrMock.calls()).toHaveLength(0)
  })

  it('refuses a preview function tagged for another pull request before building or updating anything', async () => {
    lambdaMock.on(GetFunctionCommand, { FunctionName: 'shop' }).resolves({
      Configuration: {
        FunctionName: 'shop',
        FunctionArn: PRODUCTION_ARN,
        PackageType: 'Image',
        Architectures: ['x86_64'],
        State: 'Active',
        LastUpdateStatus: 'Successful'
      },
      Code: { ImageUri: `repo@sha256:${'a'.repeat(64)}` }
    })
    lambdaMock.on(GetFunctionCommand, { FunctionName: 'shop-pr-7' }).resolves({
      Configuration: { FunctionArn: `${PRODUCTION_ARN}-pr-7` }
    })
    lambdaMock.on(ListTagsCommand).resolves({
      Tags: {
        'aspnet-lambda-deploy:preview-of': 'shop',
        'aspnet-lambda-deploy:pull-request': '6'
      }
    })
    ecrMock.on(DescribeRepositoriesCommand).resolves({
      repositories: [
        {
          repositoryName: 'shop',
          registryId: '123456789012',
          repositoryUri: 'r/shop',
          imageTagMutability: 'IMMUTABLE'
        }
      ]
    })
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [] })
    ecrMock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        {
          authorizationToken: Buffer.from('AWS:pw').toString('base64'),
          proxyEndpoint: 'https://r'
        }
      ]
    })
    const d = deps(
      { mode: 'preview', 'pull-request': '7' },
      { GITHUB_SHA: 'b'.repeat(40) }
    )

    await run(d.deps)

    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringContaining(
        'Function shop-pr-7 is not tagged as the preview of shop for pull request #7: its tag aspnet-lambda-deploy:pull-request is "6", not "7"'
      )
    )
    expect(d.exec.calls).toHaveLength(0)
    expect(lambdaMock.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(0)
  })
})

describe('mode cleanup', () => {
  it('succeeds with nothing left, and updates (never creates) the sticky comment', async () => {
    lambdaMock.on(GetFunctionCommand, { FunctionName: 'shop' }).resolves({
      Configuration: {
        FunctionName: 'shop',
        FunctionArn: PRODUCTION_ARN,
        PackageType: 'Image',
        Architectures: ['x86_64']
      }
    })
    lambdaMock
      .on(GetFunctionCommand, { FunctionName: 'shop-pr-7' })
      .rejects(notFound())
    lambdaMock.on(ListTagsCommand).resolves({ Tags: {} })
    ecrMock
      .on(ListImagesCommand)
      .resolves({ imageIds: [{ imageTag: 'v1', imageDigest: 'sha256:1' }] })
    const requests: string[] = []
    const github = ((url: string, init?: RequestInit) => {
      requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`)
      if ((init?.method ?? 'GET') === 'GET')
        return Promise.resolve(
          new Response(
            JSON.stringify([
              { id: 5, body: '<!-- aspnet-lambda-deploy:preview:shop -->\nold' }
            ])
          )
        )
      return Promise.resolve(new Response('{}'))
    }) as typeof fetch

    await run(
      deps(
        { mode: 'cleanup', 'pull-request': '7', 'github-token': 't' },
        { GITHUB_REPOSITORY: 'o/r', GITHUB_API_URL: 'https://api.github.test' },
        github
      ).deps
    )

    expect(core.setFailed).not.toHaveBeenCalled()
    expect(core.setOutput).toHaveBeenCalledWith(
      'preview-function-name',
      'shop-pr-7'
    )
    expect(core.info).toHaveBeenCalledWith('Nothing was left to remove.')
    expect(requests).toEqual([
      'GET /repos/o/r/issues/7/comments',
      'PATCH /repos/o/r/issues/comments/5'
    ])
  })

  it('removes the preview of a production function that no longer exists', async () => {
    lambdaMock.on(GetFunctionCommand).rejects(notFound())
    ecrMock.on(ListImagesCommand).resolves({
      imageIds: [{ imageTag: 'pr-7-abc', imageDigest: 'sha256:1' }]
    })
    ecrMock.on(BatchDeleteImageCommand).resolves({
      imageIds: [{ imageTag: 'pr-7-abc', imageDigest: 'sha256:1' }]
    })

    await run(deps({ mode: 'cleanup', 'pull-request': '7' }, {}).deps)

    expect(core.setFailed).not.toHaveBeenCalled()
    expect(core.warning).toHaveBeenCalledWith(
      'The production function shop does not exist; removing its preview anyway.'
    )
    expect(ecrMock.commandCalls(BatchDeleteImageCommand)).toHaveLength(1)
  })
})
