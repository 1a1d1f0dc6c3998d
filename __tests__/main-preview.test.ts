/**
 * main.ts in modes preview and cleanup, against the simulated AWS of
 * __fixtures__/world.ts: what runs before anything in AWS changes, a first
 * preview, and what a cleanup reports.
 */
import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import type {
  CreateFunctionCommandInput,
  UpdateFunctionCodeCommandInput
} from '@aws-sdk/client-lambda'
import * as core from '../__fixtures__/core.js'
import { ACCOUNT, REGION } from '../__fixtures__/aws.js'
import {
  PREVIOUS_URI,
  PUBLIC_INVOKE_STATEMENT,
  PUBLIC_URL_STATEMENT,
  functionArn,
  functionUrlOf,
  simulatedWorld,
  storedImage,
  uriOf,
  type Answer,
  type World
} from '../__fixtures__/world.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

let runnerTemp: string
const PREVIEW_ROLE = `arn:aws:iam::${ACCOUNT}:role/shop-preview`

/** Production is shop, its images in the repository shop. */
function world(
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv = {}
): World {
  const w = simulatedWorld(
    {
      'function-name': 'shop',
      repository: 'shop',
      'aws-region': REGION,
      'preview-role-arn': PREVIEW_ROLE,
      ...inputs
    },
    { repository: 'shop', runnerTemp }
  )
  w.deps.env = { RUNNER_TEMP: runnerTemp, ...env }
  return w
}

/** The calls made to a service (lambda, ecr, ...). */
const callsTo = (w: World, service: string): string[] =>
  w.events.filter(e => e.call.startsWith(`${service}:`)).map(e => e.call)

beforeEach(async () => {
  core.resetCore()
  runnerTemp = await fs.mkdtemp(path.join(os.tmpdir(), 'main-preview-test-'))
})

afterEach(async () => {
  await fs.rm(runnerTemp, { recursive: true, force: true })
})

describe('mode preview', () => {
  it('without a pull request number fails before any AWS call, naming pull-request and the events', async () => {
    const w = world(
      { mode: 'preview' },
      { GITHUB_EVENT_NAME: 'push', GITHUB_SHA: 'a'.repeat(40) }
    )

    await run(w.deps)

    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringMatching(
        /pull-request is required with mode: preview: it comes from the event payload of pull_request and pull_request_target events \(this run is a push event\)/
      )
    )
    expect(callsTo(w, 'lambda')).toHaveLength(0)
    expect(callsTo(w, 'ecr')).toHaveLength(0)
  })

  it('refuses a preview function tagged for another pull request before building or updating anything', async () => {
    const w = world(
      { mode: 'preview', 'pull-request': '7' },
      { GITHUB_SHA: 'b'.repeat(40) }
    )
    w.addFunction('shop-pr-7').tags = {
      'aspnet-lambda-deploy:preview-of': 'shop',
      'aspnet-lambda-deploy:pull-request': '6'
    }

    await run(w.deps)

    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringContaining(
        'Function shop-pr-7 is not tagged as the preview of shop for pull request #7: its tag aspnet-lambda-deploy:pull-request is "6", not "7"'
      )
    )
    expect(w.execCalls).toHaveLength(0)
    expect(w.calls('lambda:UpdateFunctionCode')).toHaveLength(0)
  })
})

describe('mode cleanup', () => {
  it('succeeds with nothing left, and updates (never creates) the sticky comment', async () => {
    const w = world(
      { mode: 'cleanup', 'pull-request': '7', 'github-token': 't' },
      { GITHUB_REPOSITORY: 'o/r', GITHUB_API_URL: 'https://api.github.test' }
    )
    w.registry.push('v1', storedImage('amd64', 'v1'))
    w.comments.push({
      id: 5,
      issue: 7,
      body: '<!-- aspnet-lambda-deploy:preview:shop -->\nold'
    })

    await run(w.deps)

    expect(core.setFailed).not.toHaveBeenCalled()
    expect(core.setOutput).toHaveBeenCalledWith(
      'preview-function-name',
      'shop-pr-7'
    )
    expect(core.info).toHaveBeenCalledWith('Nothing was left to remove.')
    const requests = w
      .calls<{ url: string; method: string }>('fetch')
      .map(r => `${r.method} ${new URL(r.url).pathname}`)
    expect(requests).toEqual([
      'GET /user',
      'GET /repos/o/r/issues/7/comments',
      'PATCH /repos/o/r/issues/comments/5'
    ])
    expect(core.setSecret).toHaveBeenCalledWith('t')
  })

  it('leaves a marker comment someone else planted as it is', async () => {
    const w = world(
      { mode: 'cleanup', 'pull-request': '7', 'github-token': 't' },
      { GITHUB_REPOSITORY: 'o/r', GITHUB_API_URL: 'https://api.github.test' }
    )
    w.registry.push('v1', storedImage('amd64', 'v1'))
    const planted = {
      id: 5,
      issue: 7,
      body: '<!-- aspnet-lambda-deploy:preview:shop -->\n[preview](https://evil.example)',
      author: 'mallory'
    }
    w.comments.push({ ...planted })

    await run(w.deps)

    expect(core.setFailed).not.toHaveBeenCalled()
    expect(w.comments).toEqual([planted])
    expect(core.info).toHaveBeenCalledWith(
      'Pull request comment: no preview comment by github-actions[bot] to update (1 by someone else left alone).'
    )
  })

  it('removes the preview without reading production, even when production no longer exists', async () => {
    const w = world({ mode: 'cleanup', 'pull-request': '7' })
    w.functions.clear()
    w.registry.push('pr-7-abc', storedImage('amd64', 'pr-7'))

    await run(w.deps)

    expect(core.setFailed).not.toHaveBeenCalled()
    expect(w.calls('ecr:BatchDeleteImage')).toHaveLength(1)
    expect(
      w.events.filter(e =>
        JSON.stringify(e.input ?? {}).includes(`function:shop"`)
      )
    ).toEqual([])
  })
})

describe('a preview deploy', () => {
  const SHA = 'b'.repeat(40)
  const PREVIEW_INPUTS = {
    mode: 'preview',
    'pull-request': '7',
    'github-token': 't',
    'smoke-test': 'true',
    'smoke-path': '/health',
    'smoke-expect-status': '200',
    'smoke-expect-body': 'Healthy',
    preflight: 'off'
  }
  const ENV = {
    GITHUB_SHA: SHA,
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_API_URL: 'https://api.github.test'
  }
  const PREVIEW_URL = functionUrlOf('shop-pr-7')
  const BUILT = storedImage('amd64', 'pull request 7')

  it('first push with the isolation inputs: the preview gets exactly what the workflow asked for', async () => {
    const w = world(
      {
        ...PREVIEW_INPUTS,
        'preview-env': 'FEATURE_FLAGS=preview\nASPNETCORE_ENVIRONMENT=Preview',
        'preview-copy-env': 'PUBLIC_API_BASE',
        'preview-role-arn': `arn:aws:iam::${ACCOUNT}:role/shop-preview`,
        'preview-vpc': 'true'
      },
      ENV
    )
    w.build.image = BUILT
    w.fn.settings.Environment = {
      Variables: {
        ASPNETCORE_ENVIRONMENT: 'Production',
        PUBLIC_API_BASE: 'https://api.example.com',
        DB_PASSWORD: 'production-secret'
      }
    }
    w.fn.settings.VpcConfig = {
      SubnetIds: ['subnet-1'],
      SecurityGroupIds: ['sg-1']
    }

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const [created] = w.calls<CreateFunctionCommandInput>(
      'lambda:CreateFunction'
    )
    expect(created?.Role).toBe(`arn:aws:iam::${ACCOUNT}:role/shop-preview`)
    expect(created?.Environment).toEqual({
      Variables: {
        PUBLIC_API_BASE: 'https://api.example.com',
        FEATURE_FLAGS: 'preview',
        ASPNETCORE_ENVIRONMENT: 'Preview'
      }
    })
    expect(JSON.stringify(created)).not.toContain('production-secret')
    expect(created?.VpcConfig).toMatchObject({
      SubnetIds: ['subnet-1'],
      SecurityGroupIds: ['sg-1']
    })
    expect(core.warnings().join('\n')).not.toContain(
      'preview-role-arn is not set'
    )
  })

  it('first push: creates shop-pr-7 from preview-settings with the image by digest, reading nothing of production, waits until Active, and smoke-tests its public URL', async () => {
    const w = world(PREVIEW_INPUTS, ENV)
    w.build.image = BUILT
    w.fn.tags = { team: 'shop', 'aws:cloudformation:stack-name': 'shop' }
    w.fn.settings.Environment = {
      Variables: { ASPNETCORE_ENVIRONMENT: 'Production' }
    }

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(
      w.calls<CreateFunctionCommandInput>('lambda:CreateFunction')
    ).toEqual([
      {
        FunctionName: 'shop-pr-7',
        PackageType: 'Image',
        Code: { ImageUri: uriOf(BUILT.digest, 'shop') },
        Role: PREVIEW_ROLE,
        Description:
          'Preview of shop for pull request #7 (aspnet-lambda-deploy)',
        Publish: false,
        MemorySize: 512,
        Timeout: 30,
        EphemeralStorage: { Size: 512 },
        // No Environment: production's variables stay in production.
        Architectures: ['x86_64'],
        Tags: {
          'aspnet-lambda-deploy:preview-of': 'shop',
          'aspnet-lambda-deploy:pull-request': '7'
        }
      }
    ])
    // The preview role reads nothing of production that carries its
    // environment (GetFunction, GetFunctionConfiguration,
    // ListVersionsByFunction, ListFunctions) and changes nothing of it.
    const onProduction = w.events.filter(e => {
      const input = e.input ?? {}
      return [input.FunctionName, input.Resource].some(
        name => name === 'shop' || name === functionArn('shop')
      )
    })
    expect(
      onProduction
        .map(e => e.call)
        .filter(call => call !== 'lambda:GetFunctionUrlConfig')
    ).toEqual([])
    expect(core.warnings().join('\n')).not.toContain(
      "production's execution role"
    )
    // The URL is made once the function is Active: the wait saw it Pending.
    const preview = w.functions.get('shop-pr-7')
    expect(preview?.state).toBe('Active')
    expect(preview?.digest).toBe(BUILT.digest)
    const afterCreate = w.events.slice(
      w.events.findIndex(e => e.call === 'lambda:CreateFunction')
    )
    expect(
      afterCreate
        .slice(
          0,
          afterCreate.findIndex(
            e => e.call === 'lambda:CreateFunctionUrlConfig'
          )
        )
        .filter(e => e.call === 'lambda:GetFunction')
        .map(e => e.detail)
    ).toEqual(['', 'Successful', 'Successful'])
    expect(w.calls('lambda:CreateFunctionUrlConfig')).toEqual([
      { FunctionName: functionArn('shop-pr-7'), AuthType: 'NONE' }
    ])
    expect(w.calls('lambda:AddPermission')).toEqual([
      {
        FunctionName: functionArn('shop-pr-7'),
        StatementId: PUBLIC_URL_STATEMENT,
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE'
      },
      {
        FunctionName: functionArn('shop-pr-7'),
        StatementId: PUBLIC_INVOKE_STATEMENT,
        Action: 'lambda:InvokeFunction',
        Principal: '*',
        InvokedViaFunctionUrl: true
      }
    ])
    expect(preview?.urlIsPublic).toBe(true)
    expect(core.outputs()).toMatchObject({
      'preview-function-name': 'shop-pr-7',
      'preview-url': PREVIEW_URL,
      'function-arn': functionArn('shop-pr-7'),
      'image-tag': `pr-7-${SHA}`,
      'smoke-url': `${PREVIEW_URL}health`,
      'smoke-status': '200',
      updated: 'true'
    })
    // Production is only read.
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(w.comments).toHaveLength(1)
    expect(w.comments[0]?.issue).toBe(7)
    expect(w.comments[0]?.body).toContain(PREVIEW_URL)
  })

  it("a failed smoke test: the comment says so without the app's answer; the summary shows the answer escaped", async () => {
    const w = world(PREVIEW_INPUTS, ENV)
    w.build.image = BUILT
    const answer =
      '[Claim your prize](https://evil.example) @octocat <img src=https://evil.example/p.png> | x'
    w.answers.set(BUILT.digest, [{ status: 500, body: answer }])

    await run(w.deps)

    expect(core.failures().join('\n')).toContain('Smoke test failed')
    expect(w.comments).toHaveLength(1)
    const comment = w.comments[0]?.body ?? ''
    expect(comment).toContain('**What failed:** ')
    expect(comment).toContain('❌ failed (HTTP 500 from')
    expect(comment).not.toContain('prize')
    expect(comment).not.toContain('evil.example')
    expect(comment).not.toContain('octocat')
    const summary = core.writtenSummaries().join('\n')
    expect(summary).toContain(
      '\\[Claim your prize\\](https://evil.example) @&#8203;octocat &lt;img src=https://evil.example/p.png&gt; \\| x'
    )
    expect(summary).not.toContain('<img')
  })

  const LURE = 'Claim your prize at [this link](https://evil.example) @octocat'
  it.each<[string, Answer, string]>([
    [
      'an exception',
      { errorType: 'System.InvalidOperationException', errorMessage: LURE },
      'no answer'
    ],
    ['an HTTP 500 and a body', { status: 500, body: LURE }, 'HTTP 500']
  ])(
    "a direct Invoke that fails with %s: the comment tells the result, never the app's text",
    async (_what, answer, result) => {
      const w = world({ ...PREVIEW_INPUTS, 'preview-url-auth': 'AWS_IAM' }, ENV)
      w.build.image = BUILT
      w.answers.set(BUILT.digest, [answer])

      await run(w.deps)

      // The log has what the app said; the pull request does not.
      expect(core.failures().join('\n')).toContain(
        'Smoke test (direct Invoke) failed'
      )
      expect(core.failures().join('\n')).toContain('Claim your prize')
      const comment = w.comments[0]?.body ?? ''
      expect(comment).toContain(
        `**What failed:** Smoke test: ${result} from ${functionArn('shop-pr-7')}:$LATEST (direct Invoke) after `
      )
      expect(comment).not.toContain('prize')
      expect(comment).not.toContain('evil.example')
      expect(comment).not.toContain('octocat')
    }
  )

  it('preview-url-auth AWS_IAM: the URL takes signed requests only, with no public permission', async () => {
    const w = world(
      {
        ...PREVIEW_INPUTS,
        'preview-url-auth': 'AWS_IAM',
        'smoke-test': 'false'
      },
      ENV
    )
    w.build.image = BUILT

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('lambda:CreateFunctionUrlConfig')).toEqual([
      { FunctionName: functionArn('shop-pr-7'), AuthType: 'AWS_IAM' }
    ])
    expect(w.calls('lambda:AddPermission')).toEqual([])
    expect(w.functions.get('shop-pr-7')?.urlIsPublic).toBe(false)
    expect(core.outputs()['preview-url']).toBe(PREVIEW_URL)
  })

  it('preview-url-auth AWS_IAM with the smoke test on: the preview is checked by a direct Invoke, not skipped', async () => {
    const w = world({ ...PREVIEW_INPUTS, 'preview-url-auth': 'AWS_IAM' }, ENV)
    w.build.image = BUILT

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('lambda:Invoke')).toEqual([
      expect.objectContaining({
        FunctionName: functionArn('shop-pr-7'),
        Qualifier: '$LATEST'
      })
    ])
    expect(core.outputs()).toMatchObject({
      'smoke-url': `${functionArn('shop-pr-7')}:$LATEST (direct Invoke)`,
      'smoke-status': '200'
    })
  })

  it('next push: updates the preview behind the same URL, creating nothing', async () => {
    const w = world(PREVIEW_INPUTS, ENV)
    w.build.image = BUILT
    const preview = w.addFunction('shop-pr-7')
    preview.tags = {
      'aspnet-lambda-deploy:preview-of': 'shop',
      'aspnet-lambda-deploy:pull-request': '7'
    }
    w.comments.push({
      id: 5,
      issue: 7,
      body: '<!-- aspnet-lambda-deploy:preview:shop -->\nold'
    })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(
      w.calls<UpdateFunctionCodeCommandInput>('lambda:UpdateFunctionCode')
    ).toEqual([
      {
        FunctionName: functionArn('shop-pr-7'),
        ImageUri: uriOf(BUILT.digest, 'shop')
      }
    ])
    expect(preview.digest).toBe(BUILT.digest)
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(w.calls('lambda:CreateFunction')).toEqual([])
    expect(w.calls('lambda:CreateFunctionUrlConfig')).toEqual([])
    expect(w.calls('lambda:AddPermission')).toEqual([])
    expect(core.outputs()).toMatchObject({
      'preview-url': PREVIEW_URL,
      'smoke-status': '200'
    })
    expect(w.comments).toHaveLength(1)
    expect(w.comments[0]?.body).toContain(BUILT.digest)
  })

  it('next push to a preview an older version made: its role, environment, VPC and public URL are brought to the current settings first', async () => {
    const w = world(
      {
        ...PREVIEW_INPUTS,
        'preview-url-auth': 'AWS_IAM',
        'smoke-test': 'false'
      },
      ENV
    )
    w.build.image = BUILT
    const preview = w.addFunction('shop-pr-7')
    preview.tags = {
      'aspnet-lambda-deploy:preview-of': 'shop',
      'aspnet-lambda-deploy:pull-request': '7'
    }
    preview.settings.Role = `arn:aws:iam::${ACCOUNT}:role/my-api-lambda`
    preview.settings.Environment = {
      Variables: { DB_PASSWORD: 'production-secret' }
    }
    preview.settings.VpcConfig = {
      SubnetIds: ['subnet-1'],
      SecurityGroupIds: ['sg-1']
    }

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(preview.settings.Role).toBe(PREVIEW_ROLE)
    expect(preview.settings.Environment).toEqual({ Variables: {} })
    expect(preview.settings.VpcConfig).toEqual({
      SubnetIds: [],
      SecurityGroupIds: []
    })
    expect(preview.url?.authType).toBe('AWS_IAM')
    expect(preview.urlIsPublic).toBe(false)
    expect(preview.permissions).toEqual([])
    expect(preview.digest).toBe(BUILT.digest)
    // The settings first, then the code.
    const calls = w.events.map(e => e.call)
    expect(calls.indexOf('lambda:UpdateFunctionConfiguration')).toBeLessThan(
      calls.indexOf('lambda:UpdateFunctionCode')
    )
    expect(core.infos().join('\n')).not.toContain('production-secret')
  })
})
