/**
 * Tests OF THE LOCAL AWS STAND-IN (scripts/local-aws.sh + test/local-aws/gateway.ts), not of the
 * action. Needs the stand-in running:
 *
 *   scripts/local-aws.sh up && eval "$(scripts/local-aws.sh env)"
 *   NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects e2e e2e/local-aws.test.ts
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

import { beforeAll, describe, expect, it } from '@jest/globals'
import { GetApisCommand } from '@aws-sdk/client-apigatewayv2'
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand
} from '@aws-sdk/client-ecr'
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListFunctionUrlConfigsCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionUpdatedV2
} from '@aws-sdk/client-lambda'

import {
  actionNodeMajor,
  assertRunnerNode,
  awsClients,
  buildAndPush,
  controlBeginUpdate,
  controlNextUpdate,
  createHttpApi,
  createImageFunction,
  dockerLogin,
  localAwsEnv,
  parseFileCommands,
  pushImageIndex,
  registryManifest,
  reset,
  runAction,
  updates,
  type ImageFunction
} from '../test/local-aws/fixtures.js'
import { makeAppContext } from '../test/local-aws/images.js'

const execFileP = promisify(execFile)
const env = localAwsEnv()
const T = 60_000

function ctx(opts: { body?: string; status?: number }): string {
  return makeAppContext(
    mkdtempSync(path.join(os.tmpdir(), 'local-aws-test-')),
    opts
  )
}

async function errorOf(
  p: Promise<unknown>
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected the call to fail')
}

async function getText(
  url: string
): Promise<{ status: number; body: string; headers: Headers }> {
  const r = await fetch(url)
  return { status: r.status, body: await r.text(), headers: r.headers }
}

let fn: ImageFunction

beforeAll(async () => {
  await reset()
  fn = await createImageFunction({
    functionName: 'standin-api',
    repositoryName: 'standin-api',
    architecture: 'x86_64',
    functionUrl: true,
    body: 'v1 of standin-api'
  })
}, T)

describe('the Node the bundle runs on', () => {
  it('is the major action.yml runs on, as on the runner', () => {
    expect(actionNodeMajor()).toBe(24)
    // runAction spawns dist/ on this process's node: it must be the runner's.
    expect(() => assertRunnerNode()).not.toThrow()
    expect(process.versions.node.split('.')[0]).toBe('24')
  })

  it('refuses another major, saying how to get the right one', () => {
    expect(() => assertRunnerNode('20.20.2', 24)).toThrow(
      'the action runs on node24 (action.yml runs.using) but these tests run on Node 20.20.2: run them through scripts/use-node.sh'
    )
    expect(() => assertRunnerNode('26.0.0', 24)).toThrow('node24')
    expect(() => assertRunnerNode('24.0.1', 24)).not.toThrow()
  })
})

describe('ECR registry front', () => {
  it('answers /v2/ with 401 Basic until a token from GetAuthorizationToken is sent', async () => {
    const anon = await fetch(`${env.endpoint}/v2/`)
    expect(anon.status).toBe(401)
    expect(anon.headers.get('www-authenticate')).toBe('Basic realm="local-ecr"')

    const forged = Buffer.from('AWS:not-a-token').toString('base64')
    const bad = await fetch(`${env.endpoint}/v2/`, {
      headers: { authorization: `Basic ${forged}` }
    })
    expect(bad.status).toBe(401)

    const auth = await awsClients().ecr.send(
      new GetAuthorizationTokenCommand({})
    )
    const data = auth.authorizationData?.[0]
    expect(data?.proxyEndpoint).toBe(env.endpoint)
    const expiresIn = (data?.expiresAt?.getTime() ?? 0) - Date.now()
    expect(expiresIn).toBeGreaterThan(11 * 3600 * 1000)
    expect(
      Buffer.from(data?.authorizationToken ?? '', 'base64').toString()
    ).toMatch(/^AWS:.+/)
    const ok = await fetch(`${env.endpoint}/v2/`, {
      headers: { authorization: `Basic ${data?.authorizationToken}` }
    })
    expect(ok.status).toBe(200)
  })

  it(
    'docker login fails with a wrong password and succeeds with the ECR token',
    async () => {
      const config = mkdtempSync(path.join(os.tmpdir(), 'local-aws-login-'))
      const wrong = execFileP(env.docker, [
        '--config',
        config,
        'login',
        '-u',
        'AWS',
        '-p',
        'wrong',
        env.endpoint
      ])
      await expect(wrong).rejects.toThrow(/401|unauthorized/i)
      await expect(dockerLogin(config)).resolves.toBe(config)
    },
    T
  )

  it('rewrites repositoryUri to the gateway', async () => {
    const d = await awsClients().ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: [fn.repositoryName] })
    )
    expect(d.repositories?.[0]?.repositoryUri).toBe(
      `${env.ecrRegistry}/${fn.repositoryName}`
    )
  })

  it('refuses pushes to a repository that does not exist (NAME_UNKNOWN)', async () => {
    const auth = await awsClients().ecr.send(
      new GetAuthorizationTokenCommand({})
    )
    const token = auth.authorizationData?.[0]?.authorizationToken ?? ''
    const r = await fetch(`${env.endpoint}/v2/no-such-repo/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Basic ${token}` }
    })
    expect(r.status).toBe(404)
    const body = (await r.json()) as {
      errors: { code: string; message: string }[]
    }
    expect(body.errors[0]?.code).toBe('NAME_UNKNOWN')
    expect(body.errors[0]?.message).toBe(
      "The repository with name 'no-such-repo' does not exist in the registry with id '123456789012'"
    )
  })

  it('mirrors a pushed manifest into ECR with its real sha256 digest', async () => {
    const raw = await registryManifest(fn.repositoryName, fn.initialTag)
    expect(raw.digest).toBe(fn.initialDigest)
    const { ecr } = awsClients()
    const d = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: fn.repositoryName,
        imageIds: [{ imageTag: fn.initialTag }]
      })
    )
    expect(d.imageDetails?.[0]?.imageDigest).toBe(fn.initialDigest)
    const b = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: fn.repositoryName,
        imageIds: [{ imageDigest: fn.initialDigest }]
      })
    )
    expect(b.images?.[0]?.imageManifest).toBe(raw.raw)
    expect(b.images?.[0]?.imageManifestMediaType).toBe(raw.mediaType)
  })

  it(
    "refuses to overwrite a tag in an IMMUTABLE repository with ECR's wording; the same digest is accepted",
    async () => {
      const repo = 'standin-immutable'
      await awsClients().ecr.send(
        new CreateRepositoryCommand({
          repositoryName: repo,
          imageTagMutability: 'IMMUTABLE'
        })
      )
      const first = await buildAndPush({
        repositoryName: repo,
        tag: 'v1',
        architecture: 'x86_64',
        contextDir: ctx({ body: 'first' })
      })
      // Another image under the same tag, through docker itself: refused.
      const push = buildAndPush({
        repositoryName: repo,
        tag: 'v1',
        architecture: 'x86_64',
        contextDir: ctx({ body: 'second' })
      })
      await expect(push).rejects.toThrow(
        "The image tag 'v1' already exists in the 'standin-immutable' repository and cannot be overwritten because the repository is immutable."
      )
      // The registry API answer, exactly.
      const other = await buildAndPush({
        repositoryName: repo,
        tag: 'v2',
        architecture: 'x86_64',
        contextDir: ctx({ body: 'third' })
      })
      const otherManifest = await registryManifest(repo, other.digest)
      const token = (
        await awsClients().ecr.send(new GetAuthorizationTokenCommand({}))
      ).authorizationData?.[0]?.authorizationToken
      const put = (body: string): Promise<Response> =>
        fetch(`${env.endpoint}/v2/${repo}/manifests/v1`, {
          method: 'PUT',
          headers: {
            authorization: `Basic ${token}`,
            'content-type': otherManifest.mediaType
          },
          body
        })
      const refused = await put(otherManifest.raw)
      expect(refused.status).toBe(400)
      expect(await refused.json()).toEqual({
        errors: [
          {
            code: 'TAG_INVALID',
            message:
              "The image tag 'v1' already exists in the 'standin-immutable' repository and cannot be overwritten because the repository is immutable."
          }
        ]
      })
      // Same digest under the same tag: accepted, nothing changes.
      const firstManifest = await registryManifest(repo, first.digest)
      const same = await put(firstManifest.raw)
      expect(same.status).toBe(201)
      const d = await awsClients().ecr.send(
        new DescribeImagesCommand({
          repositoryName: repo,
          imageIds: [{ imageTag: 'v1' }]
        })
      )
      expect(d.imageDetails?.[0]?.imageDigest).toBe(first.digest)
      expect((await registryManifest(repo, 'v1')).digest).toBe(first.digest)
    },
    T
  )
})

describe('Lambda updates', () => {
  it(
    'goes InProgress then Successful; a second update meanwhile is a ResourceConflictException',
    async () => {
      const { lambda } = awsClients()
      const v2 = await buildAndPush({
        repositoryName: fn.repositoryName,
        tag: 'v2',
        architecture: 'x86_64',
        contextDir: ctx({ body: 'v2 of standin-api' })
      })
      // Long enough for the first request's cold start (the environment's init) to end inside it.
      await controlNextUpdate(fn.functionName, { durationMs: 8000 })
      const started = Date.now()
      const upd = await lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: fn.functionName,
          ImageUri: v2.imageUri
        })
      )
      expect(upd.LastUpdateStatus).toBe('InProgress')
      expect(upd.State).toBe('Active')

      const during = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: fn.functionName })
      )
      expect(during.LastUpdateStatus).toBe('InProgress')
      // While the update runs, the old code still serves.
      expect((await getText(fn.functionUrl ?? '')).body).toBe(
        'v1 of standin-api'
      )

      const conflict = await errorOf(
        lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: fn.functionArn,
            ImageUri: fn.initialImageUri
          })
        )
      )
      expect(conflict.name).toBe('ResourceConflictException')
      expect(conflict.$metadata?.httpStatusCode).toBe(409)
      expect(conflict.message).toBe(
        `The operation cannot be performed at this time. An update is in progress for resource: ${fn.functionArn}`
      )

      await waitUntilFunctionUpdatedV2(
        { client: lambda, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
        { FunctionName: fn.functionName }
      )
      expect(Date.now() - started).toBeGreaterThanOrEqual(7900)
      const after = await lambda.send(
        new GetFunctionCommand({ FunctionName: fn.functionName })
      )
      expect(after.Configuration?.LastUpdateStatus).toBe('Successful')
      expect(after.Configuration?.State).toBe('Active')
      expect(after.Configuration?.LastUpdateStatusReason).toBeUndefined()
      expect(after.Configuration?.CodeSha256).toBe(
        v2.digest.replace('sha256:', '')
      )
      expect(after.Code?.ImageUri).toBe(v2.imageUri)
      expect(after.Code?.ResolvedImageUri).toBe(
        `${fn.repositoryUri}@${v2.digest}`
      )

      const history = await updates(fn.functionName)
      const last = history[history.length - 1]
      expect(last).toMatchObject({
        imageUri: v2.imageUri,
        status: 'Successful'
      })
      expect(
        (last?.finishedAt ?? 0) - (last?.startedAt ?? 0)
      ).toBeGreaterThanOrEqual(7900)

      const served = await getText(fn.functionUrl ?? '')
      expect(served.status).toBe(200)
      expect(served.body).toBe('v2 of standin-api')
    },
    T
  )

  it(
    'begin-update makes the function busy as if someone else were updating it',
    async () => {
      const { lambda } = awsClients()
      await controlBeginUpdate(fn.functionName, 1500)
      const c = await lambda.send(
        new GetFunctionCommand({ FunctionName: fn.functionName })
      )
      expect(c.Configuration?.LastUpdateStatus).toBe('InProgress')
      const conflict = await errorOf(
        lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: fn.functionName,
            ImageUri: fn.initialImageUri
          })
        )
      )
      expect(conflict.name).toBe('ResourceConflictException')
      await waitUntilFunctionUpdatedV2(
        { client: lambda, maxWaitTime: 20, minDelay: 1, maxDelay: 1 },
        { FunctionName: fn.functionName }
      )
      const history = await updates(fn.functionName)
      expect(history[history.length - 1]).toMatchObject({
        source: 'begin-update',
        status: 'Successful'
      })
    },
    T
  )

  it(
    'an injected failure ends Failed with the reason and restores the previous image',
    async () => {
      const { lambda } = awsClients()
      const before = await lambda.send(
        new GetFunctionCommand({ FunctionName: fn.functionName })
      )
      const bad = await buildAndPush({
        repositoryName: fn.repositoryName,
        tag: 'v3',
        architecture: 'x86_64',
        contextDir: ctx({ body: 'v3 never lands' })
      })
      await controlNextUpdate(fn.functionName, {
        durationMs: 800,
        failReason: 'Image manifest is not valid.',
        failReasonCode: 'InvalidImage'
      })
      await lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: fn.functionName,
          ImageUri: bad.imageUri
        })
      )
      const waited = await errorOf(
        waitUntilFunctionUpdatedV2(
          { client: lambda, maxWaitTime: 20, minDelay: 1, maxDelay: 1 },
          { FunctionName: fn.functionName }
        )
      )
      expect(waited.message).toMatch(/FAILURE/)
      const after = await lambda.send(
        new GetFunctionCommand({ FunctionName: fn.functionName })
      )
      expect(after.Configuration?.LastUpdateStatus).toBe('Failed')
      expect(after.Configuration?.LastUpdateStatusReason).toBe(
        'Image manifest is not valid.'
      )
      expect(after.Configuration?.LastUpdateStatusReasonCode).toBe(
        'InvalidImage'
      )
      expect(after.Code?.ImageUri).toBe(before.Code?.ImageUri)
      expect(after.Configuration?.CodeSha256).toBe(
        before.Configuration?.CodeSha256
      )
      expect(after.Configuration?.CodeSha256).not.toBe(
        bad.digest.replace('sha256:', '')
      )
      expect((await getText(fn.functionUrl ?? '')).body).toBe(
        'v2 of standin-api'
      )
      const history = await updates(fn.functionName)
      expect(history[history.length - 1]).toMatchObject({
        imageUri: bad.imageUri,
        status: 'Failed',
        reasonCode: 'InvalidImage'
      })
    },
    T
  )

  it(
    'rejects an image index with InvalidParameterValueException, and unknown images too',
    async () => {
      const { lambda } = awsClients()
      const arm = await buildAndPush({
        repositoryName: fn.repositoryName,
        tag: 'v4-arm64',
        architecture: 'arm64',
        contextDir: ctx({ body: 'arm' })
      })
      const current = await lambda.send(
        new GetFunctionCommand({ FunctionName: fn.functionName })
      )
      const currentDigest = `sha256:${current.Configuration?.CodeSha256}`
      const index = await pushImageIndex(fn.repositoryName, 'v4', [
        currentDigest,
        arm.digest
      ])
      expect((await registryManifest(fn.repositoryName, 'v4')).mediaType).toBe(
        'application/vnd.oci.image.index.v1+json'
      )
      const e = await errorOf(
        lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: fn.functionName,
            ImageUri: index.imageUri
          })
        )
      )
      expect(e.name).toBe('InvalidParameterValueException')
      expect(e.message).toBe(
        `The image manifest, config or layer media type for the source image ${index.imageUri} is not supported.`
      )

      const missing = `${fn.repositoryUri}@sha256:${'0'.repeat(64)}`
      const e2 = await errorOf(
        lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: fn.functionName,
            ImageUri: missing
          })
        )
      )
      expect(e2.name).toBe('InvalidParameterValueException')
      const cfg = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: fn.functionName })
      )
      expect(cfg.CodeSha256).toBe(current.Configuration?.CodeSha256)
    },
    T
  )
})

describe('Function URLs', () => {
  it(
    'a release that answers 500 answers 500 through the Function URL',
    async () => {
      const f = await createImageFunction({
        functionName: 'standin-broken',
        repositoryName: 'standin-broken',
        architecture: 'x86_64',
        functionUrl: true,
        contextDir: ctx({ status: 500, body: 'broken release' })
      })
      expect(f.functionUrl).toBe(`${env.endpoint}/_url/standin-broken/`)
      const r = await getText(`${f.functionUrl}health`)
      expect(r.status).toBe(500)
      expect(r.body).toBe('broken release')
    },
    T
  )

  it(
    'an image of the other architecture answers 502 Runtime.InvalidEntrypoint',
    async () => {
      const f = await createImageFunction({
        functionName: 'standin-wrong-arch',
        repositoryName: 'standin-wrong-arch',
        architecture: 'x86_64',
        functionUrl: true,
        body: 'x86'
      })
      const arm = await buildAndPush({
        repositoryName: f.repositoryName,
        tag: 'arm',
        architecture: 'arm64',
        contextDir: ctx({ body: 'arm64 build' })
      })
      expect(
        (await registryManifest(f.repositoryName, 'arm')).architecture
      ).toBe('arm64')
      const { lambda } = awsClients()
      await controlNextUpdate(f.functionName, { durationMs: 100 })
      await lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: f.functionName,
          ImageUri: arm.imageUri
        })
      )
      await waitUntilFunctionUpdatedV2(
        { client: lambda, maxWaitTime: 20, minDelay: 1, maxDelay: 1 },
        { FunctionName: f.functionName }
      )
      const r = await getText(f.functionUrl ?? '')
      expect(r.status).toBe(502)
      expect(r.headers.get('x-amzn-errortype')).toBe(
        'Runtime.InvalidEntrypoint'
      )
      expect(JSON.parse(r.body)).toMatchObject({
        errorType: 'Runtime.InvalidEntrypoint'
      })
      expect(r.body).toMatch(/exec format error/)
    },
    T
  )

  it(
    'an arm64 function runs its arm64 image (qemu) or says clearly that this host cannot',
    async () => {
      const f = await createImageFunction({
        functionName: 'standin-arm',
        repositoryName: 'standin-arm',
        architecture: 'arm64',
        functionUrl: true,
        body: 'hello from arm64'
      })
      expect(
        (await registryManifest(f.repositoryName, f.initialDigest)).architecture
      ).toBe('arm64')
      const r = await getText(f.functionUrl ?? '')
      const emulated =
        existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64') ||
        process.arch === 'arm64'
      const genuineArm64Binary = existsSync(
        path.join(env.state, 'busybox', 'arm64', 'busybox')
      )
      // Runs when qemu is registered (or the "arm64" binary is really amd64); otherwise says why.
      const runs = emulated || !genuineArm64Binary
      expect({
        status: r.status,
        body: runs
          ? r.body
          : /cannot run arm64 images on this amd64 host/.test(r.body)
      }).toEqual(
        runs
          ? { status: 200, body: 'hello from arm64' }
          : { status: 502, body: true }
      )
    },
    T
  )
})

describe('HTTP API', () => {
  it(
    'apiEndpoint points at the gateway and routes to the integrated function',
    async () => {
      const api = await createHttpApi(fn.functionArn, 'standin-http-api')
      expect(api.apiEndpoint).toBe(`${env.endpoint}/_apigw/${api.apiId}`)
      const apis = await awsClients().apigw.send(new GetApisCommand({}))
      expect(apis.Items?.find(a => a.ApiId === api.apiId)?.ApiEndpoint).toBe(
        api.apiEndpoint
      )
      const r = await getText(`${api.apiEndpoint}/`)
      expect(r.status).toBe(200)
      expect(r.body).toBe('v2 of standin-api')
      const urls = await awsClients().lambda.send(
        new ListFunctionUrlConfigsCommand({ FunctionName: fn.functionName })
      )
      expect(urls.FunctionUrlConfigs?.map(c => c.FunctionUrl)).toEqual([
        fn.functionUrl
      ])
    },
    T
  )
})

describe('fixtures', () => {
  it('parses GitHub file commands, including the heredoc form', () => {
    expect(
      parseFileCommands(
        'a=1\nb<<ghadelimiter_1\nline 1\nline=2\nghadelimiter_1\nc=x=y\nempty=\n'
      )
    ).toEqual({ a: '1', b: 'line 1\nline=2', c: 'x=y', empty: '' })
    expect(() => parseFileCommands('b<<EOF\nno end\n')).toThrow(
      /no closing delimiter/
    )
  })
})

describe('runAction', () => {
  // A stand-in for dist/index.js that talks the runner's protocol through @actions/core, as the
  // real bundle does (written at test time; imports @actions/core from this repository).
  const coreUrl = pathToFileURL(
    path.join(
      process.cwd(),
      'node_modules',
      '@actions',
      'core',
      'lib',
      'core.js'
    )
  ).href
  const entry = path.join(
    mkdtempSync(path.join(os.tmpdir(), 'local-aws-fake-action-')),
    'index.mjs'
  )
  writeFileSync(
    entry,
    `import * as core from ${JSON.stringify(coreUrl)}
if (core.getState('isPost') === 'true') {
  core.info('post: saw state token=' + core.getState('token'))
  await core.summary.addRaw('post ran with ' + core.getState('token') + '\\n').write()
} else {
  core.saveState('isPost', 'true')
  core.saveState('token', 'tok-' + core.getInput('function-name'))
  core.setOutput('function-name', core.getInput('function-name', { required: true }))
  core.setOutput('multi', 'line 1\\nline 2')
  core.setOutput('canary-interval', core.getInput('canary-interval'))
  core.setOutput('sha', process.env.GITHUB_SHA ?? '')
  core.setOutput('cwd', process.cwd())
  core.setOutput('node-options', process.env.NODE_OPTIONS ?? '')
  core.warning('a warning\\nwith two lines')
  await core.summary.addHeading('Deploy').addRaw('main ran\\n').write()
  if (process.env.FAKE_MAIN_FAIL) core.setFailed('main failed on purpose')
}
`
  )

  it(
    'runs main then post like the runner: inputs, defaults, outputs, state, summary',
    async () => {
      const r = await runAction({
        entry,
        inputs: { 'function-name': 'my-fn', repository: 'r' },
        sha: 'a'.repeat(40)
      })
      expect(r.exitCode).toBe(0)
      expect(r.outputs).toEqual({
        'function-name': 'my-fn',
        multi: 'line 1\nline 2',
        // action.yml's default, as the runner gives it
        'canary-interval': '5m',
        sha: 'a'.repeat(40),
        cwd: r.workspace,
        'node-options': ''
      })
      expect(r.state).toEqual({ isPost: 'true', token: 'tok-my-fn' })
      expect(r.annotations).toEqual([
        { level: 'warning', message: 'a warning\nwith two lines' }
      ])
      expect(r.summary).toContain('main ran')
      expect(r.post?.exitCode).toBe(0)
      expect(r.post?.stdout).toContain('post: saw state token=tok-my-fn')
      expect(r.jobSummary).toContain('post ran with tok-my-fn')
    },
    T
  )

  it(
    'reports a failing main step and still runs post',
    async () => {
      const r = await runAction({
        entry,
        inputs: { 'function-name': 'x', repository: 'r' },
        env: { FAKE_MAIN_FAIL: '1' }
      })
      expect(r.exitCode).toBe(1)
      expect(r.annotations).toContainEqual({
        level: 'error',
        message: 'main failed on purpose'
      })
      expect(r.post?.exitCode).toBe(0)
    },
    T
  )
})
