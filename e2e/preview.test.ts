/**
 * Preview deploys end to end: the bundled action (dist/index.js) in mode preview and cleanup
 * against the local stand-in, with a fake GitHub REST API for the pull request comment.
 * A pull request is opened (preview function created, its URL serves the PR's image), pushed to
 * (same function and URL, new digest), re-run without permission to comment, and closed (nothing
 * left). Production's function, configuration, tags, policy, URL and update history stay as they
 * were. The stand-in follows Lambda's current Function URL rule (a public URL needs both
 * lambda:InvokeFunctionUrl and lambda:InvokeFunction through the URL). The preview gets none of
 * production's environment variables; a marker comment planted by someone else is never edited;
 * cleanup removes only the pr-7 tag of an image released under a tag of its own; the preview runs
 * with its own role and calls nothing on production that returns its configuration.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import {
  BatchGetImageCommand,
  ListImagesCommand,
  PutImageCommand
} from '@aws-sdk/client-ecr'
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2
} from '@aws-sdk/client-lambda'
import {
  awsClients,
  buildAndPush,
  calls,
  createImageFunction,
  ensureRole,
  localAwsEnv,
  publishVersion,
  reset,
  runAction,
  updateCode,
  updates,
  type ActionResult,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import {
  ACTIONS_BOT,
  startGitHubFake,
  type FakeComment,
  type GitHubFake
} from '../test/local-aws/github-fake.js'
import {
  appContext,
  errors,
  httpGet,
  warnings
} from '../test/local-aws/assertions.js'

jest.setTimeout(240_000)

const MARKER = '<!-- aspnet-lambda-deploy:preview:shop -->'
const REPOSITORY = 'local/aspnet-lambda-deploy-e2e'
const URL_FORBIDDEN = {
  Message:
    'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html'
}

/** A pull_request event payload file, as the runner writes GITHUB_EVENT_PATH. */
function pullRequestEvent(
  action: string,
  number: number,
  headSha: string
): Record<string, string> {
  const file = path.join(
    mkdtempSync(path.join(os.tmpdir(), 'e2e-event-')),
    'event.json'
  )
  writeFileSync(
    file,
    JSON.stringify({
      action,
      number,
      pull_request: { number, head: { sha: headSha } }
    })
  )
  return { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: file }
}

/** Everything about production a preview must leave alone. */
async function productionSnapshot(fn: ImageFunction): Promise<unknown> {
  const { lambda } = awsClients()
  const got = await lambda.send(
    new GetFunctionCommand({ FunctionName: fn.functionName })
  )
  const tags = await lambda.send(
    new ListTagsCommand({ Resource: fn.functionArn })
  )
  const url = await lambda.send(
    new GetFunctionUrlConfigCommand({ FunctionName: fn.functionName })
  )
  const versions = await lambda.send(
    new ListVersionsByFunctionCommand({ FunctionName: fn.functionName })
  )
  const policy = await lambda.send(
    new GetPolicyCommand({ FunctionName: fn.functionName })
  )
  return {
    configuration: got.Configuration,
    policy: JSON.parse(policy.Policy ?? '{}') as unknown,
    image: got.Code?.ResolvedImageUri,
    tags: tags.Tags,
    url: [url.FunctionUrl, url.AuthType],
    versions: (versions.Versions ?? []).map(v => v.Version),
    updates: (await updates(fn.functionName)).length,
    page: await httpGet(fn.functionUrl ?? '')
  }
}

/** The Lambda calls the stand-in served on production (by name or ARN), as operation names. */
async function callsOnProduction(since: number): Promise<string[]> {
  return (await calls())
    .slice(since)
    .filter(
      call =>
        call.service === 'lambda' &&
        (call.resource === 'shop' || call.resource === shop.functionArn)
    )
    .map(call => call.operation)
}

/** Put a second tag on an image (ECR PutImage of the same manifest). */
async function tagImage(
  repositoryName: string,
  digest: string,
  tag: string
): Promise<void> {
  const { ecr } = awsClients()
  const got = await ecr.send(
    new BatchGetImageCommand({
      repositoryName,
      imageIds: [{ imageDigest: digest }]
    })
  )
  await ecr.send(
    new PutImageCommand({
      repositoryName,
      imageTag: tag,
      imageManifest: got.images?.[0]?.imageManifest ?? '',
      imageDigest: digest
    })
  )
}

async function imageTags(repositoryName: string): Promise<string[]> {
  const listed = await awsClients().ecr.send(
    new ListImagesCommand({ repositoryName })
  )
  return (listed.imageIds ?? []).map(id => id.imageTag ?? '').sort()
}

async function containerFunctions(): Promise<string[]> {
  const response = await fetch(`${localAwsEnv().control}/containers`)
  return ((await response.json()) as { function: string }[]).map(
    c => c.function
  )
}

let shop: ImageFunction
/** The previews' own execution role (preview-role-arn). */
let previewRole = ''
let github: GitHubFake
let before: unknown
let planted: FakeComment
/** A pr-7 image that was promoted: production's published version 1 runs it. */
let released = ''

/** The action's own comments on the pull request. */
const ours = (): FakeComment[] =>
  github.comments.filter(c => c.author === ACTIONS_BOT && c.issue === 7)

beforeAll(async () => {
  localAwsEnv()
  await reset()
  github = await startGitHubFake()
  shop = await createImageFunction({
    functionName: 'shop',
    repositoryName: 'shop',
    architecture: 'x86_64',
    functionUrl: true,
    body: 'production\n'
  })
  previewRole = await ensureRole('shop-preview')
  const { lambda } = awsClients()
  await lambda.send(
    new TagResourceCommand({
      Resource: shop.functionArn,
      Tags: { team: 'web' }
    })
  )
  await lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: 'shop',
      Environment: {
        Variables: { GREETING: 'hello', DB_PASSWORD: 'production-secret' }
      }
    })
  )
  await waitUntilFunctionUpdatedV2(
    { client: lambda, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
    { FunctionName: 'shop' }
  )
  // An image of pull request 7 that was released: version 1 runs it, $LATEST is back on initial.
  const promoted = await buildAndPush({
    repositoryName: 'shop',
    tag: 'pr-7-released',
    architecture: 'x86_64',
    body: 'released\n'
  })
  released = promoted.digest
  // Released as production images are: under a tag of its own too.
  await tagImage('shop', released, 'release-1')
  await updateCode('shop', promoted.imageUri)
  await publishVersion('shop')
  await updateCode('shop', shop.initialImageUri)
  planted = github.plant({
    issue: 7,
    repository: REPOSITORY,
    body: `${MARKER}\n[Preview](https://phishing.example/)`,
    author: 'mallory'
  })
  before = await productionSnapshot(shop)
})

afterAll(async () => {
  await github.close()
})

function preview(
  sha: string,
  body: string,
  extra: Record<string, string> = {}
): Promise<ActionResult> {
  return runAction({
    sha,
    inputs: {
      mode: 'preview',
      'function-name': 'shop',
      repository: 'shop',
      context: appContext({ body: body }),
      'smoke-expect-body': body.trim(),
      'smoke-timeout': '60s',
      'github-token': 'ghs_e2e',
      'preview-role-arn': previewRole,
      ...extra
    },
    env: {
      ...pullRequestEvent('synchronize', 7, `head-${sha.slice(0, 7)}`),
      GITHUB_API_URL: github.apiUrl
    }
  })
}

describe('a pull request preview, from open to close', () => {
  let firstDigest = ''
  let previewUrl = ''
  let previewArn = ''

  it('open: creates shop-pr-7 with its own role and preview-settings, reading nothing of production, serves the PR at its own URL, comments once', async () => {
    const callsBefore = (await calls()).length
    const sha = '1'.repeat(40)
    const result = await preview(sha, 'pr 7 first\n')

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    previewUrl = result.outputs['preview-url'] ?? ''
    firstDigest = result.outputs['image-digest'] ?? ''
    previewArn = result.outputs['function-arn'] ?? ''
    expect(result.outputs).toMatchObject({
      'preview-function-name': 'shop-pr-7',
      'image-tag': `pr-7-${sha}`,
      'smoke-status': '200',
      updated: 'true'
    })
    expect(previewUrl).toBe(`${localAwsEnv().endpoint}/_url/shop-pr-7/`)
    expect(previewArn).toMatch(/:function:shop-pr-7$/)
    expect(await httpGet(previewUrl)).toEqual({
      status: 200,
      body: 'pr 7 first\n'
    })

    const { lambda } = awsClients()
    const created = await lambda.send(
      new GetFunctionCommand({ FunctionName: 'shop-pr-7' })
    )
    expect(created.Code?.ResolvedImageUri).toBe(
      `${shop.repositoryUri}@${firstDigest}`
    )
    expect(created.Configuration).toMatchObject({
      Role: previewRole,
      MemorySize: 512,
      Timeout: 30,
      Architectures: ['x86_64'],
      PackageType: 'Image'
    })
    // Isolated by default: none of production's variables, its secret least of all.
    expect(created.Configuration?.Environment?.Variables ?? {}).toEqual({})
    expect(JSON.stringify(created)).not.toContain('production-secret')
    expect(warnings(result)).not.toMatch(/production's execution role/)
    // The run called nothing on production that returns its configuration
    // (or changes it): only how it is reached.
    expect(
      (await callsOnProduction(callsBefore)).filter(
        operation => operation !== 'GetFunctionUrlConfig'
      )
    ).toEqual([])
    // Lambda's current rule: both public statements.
    const policy = JSON.stringify(
      JSON.parse(
        (await lambda.send(new GetPolicyCommand({ FunctionName: 'shop-pr-7' })))
          .Policy ?? '{}'
      )
    )
    expect(policy).toContain('"lambda:InvokeFunctionUrl"')
    expect(policy).toContain('"lambda:InvokeFunction"')
    const tags = await lambda.send(
      new ListTagsCommand({ Resource: previewArn })
    )
    expect(tags.Tags).toEqual({
      'aspnet-lambda-deploy:preview-of': 'shop',
      'aspnet-lambda-deploy:pull-request': '7'
    })

    expect(ours()).toHaveLength(1)
    const comment = ours()[0]
    expect(comment?.issue).toBe(7)
    expect(comment?.repository).toBe(REPOSITORY)
    expect(github.comments).toContainEqual(planted)
    expect(github.comments.find(c => c.id === planted.id)).toEqual(planted)
    expect(warnings(result)).toMatch(
      /1 comment\(s\) with the preview marker written by someone else; they were left alone/
    )
    expect(comment?.body.startsWith(MARKER)).toBe(true)
    expect(comment?.body).toContain(previewUrl)
    expect(comment?.body).toContain(firstDigest)
    expect(comment?.body).toContain('head-1111111')
    expect(comment?.body).toContain('passed')
    expect(
      github.requests.every(r => r.authorization === 'Bearer ghs_e2e')
    ).toBe(true)
    expect(result.stdout).toContain('::add-mask::ghs_e2e')

    expect(await productionSnapshot(shop)).toEqual(before)
  })

  it('push: updates the same function behind the same URL and the same comment', async () => {
    const sha = '2'.repeat(40)
    // A workflow shared with production deploys may pass production's URL.
    const result = await preview(sha, 'pr 7 second\n', {
      'smoke-url': shop.functionUrl ?? ''
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs['preview-url']).toBe(previewUrl)
    expect(result.outputs['smoke-url']).toBe(previewUrl)
    expect(warnings(result)).toMatch(/smoke-url .* is ignored in preview mode/)
    expect(result.outputs['function-arn']).toBe(previewArn)
    expect(result.outputs['image-tag']).toBe(`pr-7-${sha}`)
    expect(result.outputs['image-digest']).not.toBe(firstDigest)
    expect(result.outputs['previous-image-uri']).toBe(
      `${shop.repositoryUri}@${firstDigest}`
    )
    expect(await httpGet(previewUrl)).toEqual({
      status: 200,
      body: 'pr 7 second\n'
    })
    expect((await updates('shop-pr-7')).map(u => u.status)).toEqual([
      'Successful'
    ])

    expect(ours()).toHaveLength(1)
    expect(ours()[0]?.body).toContain('head-2222222')
    expect(ours()[0]?.body).toContain(result.outputs['image-digest'] ?? '?')
    expect(github.comments.find(c => c.id === planted.id)).toEqual(planted)
    expect(await productionSnapshot(shop)).toEqual(before)
  })

  it("a preview URL missing lambda:InvokeFunction answers Lambda's 403, and the next run repairs it", async () => {
    await awsClients().lambda.send(
      new RemovePermissionCommand({
        FunctionName: 'shop-pr-7',
        StatementId: 'FunctionURLAllowInvokeAction'
      })
    )
    const refused = await fetch(previewUrl)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toEqual(URL_FORBIDDEN)

    const result = await preview('2'.repeat(40), 'pr 7 second\n')

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(
      'Added the public Function URL permission lambda:InvokeFunction (FunctionURLAllowInvokeAction)'
    )
    expect(await httpGet(previewUrl)).toEqual({
      status: 200,
      body: 'pr 7 second\n'
    })
    expect(await productionSnapshot(shop)).toEqual(before)
  })

  it('without permission to comment: warns and the preview still succeeds', async () => {
    github.denyWith(403)
    try {
      // Same commit again: the tag exists, nothing is built or updated.
      const result = await preview('2'.repeat(40), 'pr 7 second\n')
      expect(errors(result)).toBe('')
      expect(result.exitCode).toBe(0)
      expect(result.outputs.updated).toBe('false')
      expect(warnings(result)).toMatch(
        /Could not comment on pull request #7 \(HTTP 403\): give the job "permissions: pull-requests: write"/
      )
    } finally {
      github.denyWith(undefined)
    }
    expect(ours()).toHaveLength(1)
  })

  it('close: removes the URL, the function and the pr-7- tags, and says so', async () => {
    expect(await imageTags('shop')).toEqual([
      'initial',
      `pr-7-${'1'.repeat(40)}`,
      `pr-7-${'2'.repeat(40)}`,
      'pr-7-released',
      'release-1'
    ])
    const result = await runAction({
      inputs: {
        mode: 'cleanup',
        'function-name': 'shop',
        repository: 'shop',
        'github-token': 'ghs_e2e'
      },
      env: {
        ...pullRequestEvent('closed', 7, 'head-2222222'),
        GITHUB_API_URL: github.apiUrl
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs['preview-function-name']).toBe('shop-pr-7')
    expect(result.stdout).toContain(`Deleted the Function URL ${previewUrl}`)
    expect(result.summary).toContain(`image tag shop:pr-7-${'1'.repeat(40)}`)

    const { lambda } = awsClients()
    await expect(
      lambda.send(new GetFunctionCommand({ FunctionName: 'shop-pr-7' }))
    ).rejects.toThrow(/not found/i)
    expect((await httpGet(previewUrl)).status).toBe(403)
    expect(await containerFunctions()).not.toContain('shop-pr-7')
    // Cleanup reads nothing of production: it removes the pr-7- tags, and
    // the released image, which has a tag of its own, stays.
    expect(await imageTags('shop')).toEqual(['initial', 'release-1'])
    expect(result.stdout).toContain(
      `${released} has other tags besides pr-7-released: only the tag is removed.`
    )
    expect(ours()).toHaveLength(1)
    expect(ours()[0]?.body).toContain('removed')
    expect(github.comments.find(c => c.id === planted.id)).toEqual(planted)
    expect(await productionSnapshot(shop)).toEqual(before)

    // Closing again (a re-run): nothing left, still a success.
    const again = await runAction({
      inputs: { mode: 'cleanup', 'function-name': 'shop', repository: 'shop' },
      env: pullRequestEvent('closed', 7, 'head-2222222')
    })
    expect(errors(again)).toBe('')
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('Nothing was left to remove.')
  })

  it('with preview-url-auth AWS_IAM: the URL refuses unsigned requests, and the preview is checked by a direct Invoke instead', async () => {
    const result = await runAction({
      inputs: {
        mode: 'preview',
        'function-name': 'shop',
        repository: 'shop',
        'pull-request': '9',
        'preview-role-arn': previewRole,
        'preview-url-auth': 'AWS_IAM',
        context: appContext({ body: 'pr 9\n' }),
        'github-token': ''
      }
    })

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(result.outputs['preview-function-name']).toBe('shop-pr-9')
    // Not skipped: a URL the smoke test cannot call unsigned is replaced by
    // a direct Invoke of the preview with a synthetic request.
    expect(result.outputs['smoke-status']).toBe('200')
    expect(result.outputs['smoke-url']).toContain('(direct Invoke)')
    expect(warnings(result)).toMatch(/uses AWS_IAM auth/)
    expect(result.summary).toContain('Preview deployed: shop-pr-9')
    const url = await awsClients().lambda.send(
      new GetFunctionUrlConfigCommand({ FunctionName: 'shop-pr-9' })
    )
    expect(url.AuthType).toBe('AWS_IAM')
    expect((await httpGet(result.outputs['preview-url'] ?? '')).status).toBe(
      403
    )
    expect(github.comments.filter(c => c.issue === 9)).toEqual([])
    expect(await productionSnapshot(shop)).toEqual(before)
  })

  it('refuses to clean up a function that is not tagged as that PR’s preview', async () => {
    const { lambda } = awsClients()
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'shop-pr-8',
        PackageType: 'Image',
        Code: { ImageUri: shop.initialImageUri },
        Role: shop.roleArn,
        Tags: { 'aspnet-lambda-deploy:preview-of': 'shop' }
      })
    )
    const result = await runAction({
      inputs: {
        mode: 'cleanup',
        'function-name': 'shop',
        repository: 'shop',
        'pull-request': '8'
      },
      // Someone runs the cleanup by hand.
      env: { GITHUB_EVENT_NAME: 'workflow_dispatch' }
    })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toMatch(
      /Function shop-pr-8 is not tagged as the preview of shop for pull request #8: it lacks the tag aspnet-lambda-deploy:pull-request=8/
    )
    const still = await lambda.send(
      new GetFunctionCommand({ FunctionName: 'shop-pr-8' })
    )
    expect(still.Configuration?.FunctionName).toBe('shop-pr-8')
    expect(await productionSnapshot(shop)).toEqual(before)
  })
})
