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
      "image tag pr-7-ccc (sha256:prod is what my-api ($LATEST) runs; left to the repository's lifecycle rule)"
    ])
  })

  const TAGGED = {
    'aspnet-lambda-deploy:preview-of': 'my-api',
    'aspnet-lambda-deploy:pull-request': '7'
  }

  it('keeps an image that a published version of production runs (an alias points at versions), on every page', async () => {
    const w = world(TAGGED)
    w.lambda
      .on(ListVersionsByFunctionCommand, { FunctionName: 'my-api' })
      .resolvesOnce({
        Versions: [
          { Version: '$LATEST', CodeSha256: 'prod' },
          { Version: '1', CodeSha256: 'old' }
        ],
        NextMarker: 'm'
      })
      .resolvesOnce({ Versions: [{ Version: '2', CodeSha256: '1' }] })

    const result = await cleanupPreview(
      new LambdaClient({}),
      new ECRClient({}),
      request
    )

    expect(w.deleted).toEqual(['url', 'function'])
    expect(result.kept).toEqual([
      "image tag pr-7-aaa (sha256:1 is what my-api version 2 runs; left to the repository's lifecycle rule)",
      "image tag pr-7-ccc (sha256:prod is what my-api ($LATEST) runs; left to the repository's lifecycle rule)"
    ])
    expect(
      w.lambda
        .commandCalls(ListVersionsByFunctionCommand)
        .map(call => call.args[0].input)
    ).toEqual([
      { FunctionName: 'my-api' },
      { FunctionName: 'my-api', Marker: 'm' }
    ])
  })

  it("keeps every tag, and says why, when production's versions cannot be listed", async () => {
    const w = world(TAGGED)
    w.lambda.on(ListVersionsByFunctionCommand).rejects(
      Object.assign(new Error('denied'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 }
      })
    )

    const result = await cleanupPreview(
      new LambdaClient({}),
      new ECRClient({}),
      request
    )

    expect(w.deleted).toEqual(['url', 'function'])
    expect(result.kept).toHaveLength(2)
    expect(result.kept[0]).toBe(
      "image tag pr-7-aaa (could not list my-api's versions with lambda:ListVersionsByFunction, so it may still be in use; left to the repository's lifecycle rule)"
    )
  })

  it('deletes the tags when production is gone (no version uses them)', async () => {
    const w = world(TAGGED)
    w.lambda
      .on(ListVersionsByFunctionCommand)
      .rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }))

    await cleanupPreview(new LambdaClient({}), new ECRClient({}), {
      ...request,
      productionDigest: undefined
    })

    expect(w.deleted).toEqual([
      'url',
      'function',
      'tag pr-7-aaa',
      'tag pr-7-ccc'
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
