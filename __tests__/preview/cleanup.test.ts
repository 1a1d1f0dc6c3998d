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
  ListVersionsByFunctionCommand,
  ResourceNotFoundException
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { cleanupPreview } from '../../src/preview/cleanup.js'

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
    log: () => undefined
  }

  const TAGGED = {
    'aspnet-lambda-deploy:preview-of': 'my-api',
    'aspnet-lambda-deploy:pull-request': '7'
  }

  it("removes the URL, the function and only this PR's tags, and reads nothing of production", async () => {
    const w = world(TAGGED)
    const log: string[] = []
    const result = await cleanupPreview(
      new LambdaClient({}),
      new ECRClient({}),
      { ...request, log: message => log.push(message) }
    )
    // ECR removes only the tag of an image that has others (v1 here).
    expect(w.deleted).toEqual([
      'url',
      'function',
      'tag pr-7-aaa',
      'tag pr-7-ccc'
    ])
    expect(result.removed).toEqual([
      'Function URL https://u.lambda-url.eu-west-1.on.aws/',
      `function ${ARN}`,
      'image tag api:pr-7-aaa',
      'image tag api:pr-7-ccc'
    ])
    expect(log).toContain(
      'sha256:prod has other tags besides pr-7-ccc: only the tag is removed.'
    )
    // Nothing that returns production's environment is called.
    expect(
      w.lambda
        .calls()
        .map(call => call.args[0].input as { FunctionName?: string })
        .filter(input => input.FunctionName === 'my-api')
    ).toEqual([])
    expect(w.lambda.commandCalls(ListVersionsByFunctionCommand)).toEqual([])
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
