/**
 * dry-run: true with the bundled action (dist/) against the local stand-in,
 * run the way the runner runs it. The gateway records every API operation
 * and registry request it serves (GET /_local/calls): a dry run's are all
 * reads, the function keeps serving the old release, no tag reaches the
 * registry, and an alias and its versions stay as they were. Needs
 * `scripts/local-aws.sh up` (test:all does it).
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  CreateAliasCommand,
  GetAliasCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand
} from '@aws-sdk/client-lambda'
import {
  awsClients,
  calls,
  createImageFunction,
  localAwsEnv,
  registryManifest,
  reset,
  runAction,
  updates,
  type CallRecord
} from '../test/local-aws/fixtures.js'
import {
  appContext,
  deployedDigest,
  errors,
  httpGet
} from '../test/local-aws/assertions.js'

jest.setTimeout(240_000)

beforeEach(async () => {
  localAwsEnv()
  await reset()
})

/**
 * AWS operations that only read; for the registry, GET and HEAD; an
 * UpdateFunctionCode with DryRun, which validates and changes nothing.
 */
function isRead(call: CallRecord): boolean {
  if (call.service === 'registry') return /^(GET|HEAD) /.test(call.operation)
  if (call.operation === 'UpdateFunctionCode') return call.dryRun === true
  return /^(Get|List|Describe|BatchGet|Filter)[A-Z]/.test(call.operation)
}

/** The calls the action made (everything the gateway served since `from`). */
async function callsSince(from: number): Promise<CallRecord[]> {
  return (await calls()).slice(from)
}

describe('dry-run of a new commit', () => {
  it('builds without pushing, says what would change, and changes nothing', async () => {
    const web = await createImageFunction({
      functionName: 'web',
      repositoryName: 'web',
      architecture: 'x86_64',
      functionUrl: true,
      body: 'release 1\n'
    })
    const updatesBefore = (await updates('web')).length
    const from = (await calls()).length

    const result = await runAction({
      inputs: {
        'function-name': 'web',
        repository: 'web',
        context: appContext({ body: 'release 2\n' }),
        'smoke-expect-body': 'release 2',
        'dry-run': 'true'
      }
    })
    const made = await callsSince(from)

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    // The stand-in served reads only: no UpdateFunctionCode, PublishVersion,
    // PutImage, registry upload, Invoke or smoke request.
    expect(made.length).toBeGreaterThan(0)
    expect(made.filter(c => !isRead(c))).toEqual([])
    expect(made.map(c => c.service)).not.toContain('function-url')
    expect(made).toContainEqual(
      expect.objectContaining({ service: 'lambda', operation: 'GetFunction' })
    )
    expect(made).toContainEqual(
      expect.objectContaining({ service: 'ecr', operation: 'DescribeImages' })
    )
    // Lambda was asked, with DryRun, whether the role may update the code
    // (with the image it runs now: this dry run pushed nothing).
    expect(made.filter(c => c.operation === 'UpdateFunctionCode')).toEqual([
      expect.objectContaining({
        resource: expect.stringContaining('web'),
        dryRun: true
      })
    ])
    expect(result.summary).toContain(
      '✅ allowed (asked with the image it runs now: this dry run pushed nothing)'
    )
    // It really built the app (the fallback: docker build, no docker push).
    expect(result.stdout).toMatch(
      /Dry run: built aspnet-lambda-deploy-dry-run\/web:[a-f0-9]{40} for linux\/amd64 \(docker build\) and pushed nothing/
    )
    expect(result.stdout).not.toMatch(/\[command\]\S*docker push|Pushed /)
    expect(result.stdout).toMatch(/falling back to docker build \(no cache/)
    // Nothing reached the registry, and the function still serves release 1.
    await expect(registryManifest('web', result.sha)).rejects.toThrow()
    expect(await deployedDigest('web')).toBe(web.initialDigest)
    expect(await updates('web')).toHaveLength(updatesBefore)
    expect(await httpGet(web.functionUrl ?? '')).toEqual({
      status: 200,
      body: 'release 1\n'
    })
    // What a real run would do, in the summary and the outputs.
    const change = `would update $LATEST from ${web.initialImageUri} to ${web.repositoryUri}:${result.sha}`
    expect(result.summary).toContain('Dry run — nothing was changed: web')
    expect(result.summary).toContain(change)
    expect(result.summary).toContain('Smoke test | skipped: dry run')
    expect(result.outputs).toMatchObject({
      'dry-run': 'true',
      updated: 'false',
      'rolled-back': 'false',
      'image-tag': result.sha
    })
    expect(result.outputs['image-digest']).toBeUndefined()
    expect(JSON.parse(result.outputs['would-change'] ?? '[]')).toEqual([
      expect.objectContaining({ name: 'web', code: 'update', text: change })
    ])
    // No undo was recorded; the post step only cleans up.
    expect(result.state.undo).toBe('[]')
    expect(result.post?.exitCode).toBe(0)
    expect(result.post?.stdout ?? '').not.toMatch(/Put back/)
  })
})

describe('dry-run of an alias deploy with a canary', () => {
  it('leaves the alias where it is and publishes no version', async () => {
    const shop = await createImageFunction({
      functionName: 'shop',
      repositoryName: 'shop',
      architecture: 'x86_64',
      body: 'release 1\n'
    })
    const { lambda } = awsClients()
    const published = await lambda.send(
      new PublishVersionCommand({ FunctionName: 'shop' })
    )
    const version = published.Version ?? ''
    await lambda.send(
      new CreateAliasCommand({
        FunctionName: 'shop',
        Name: 'live',
        FunctionVersion: version
      })
    )
    const listVersions = async (): Promise<string[]> =>
      (
        (
          await lambda.send(
            new ListVersionsByFunctionCommand({ FunctionName: 'shop' })
          )
        ).Versions ?? []
      ).map(v => v.Version ?? '')
    const versionsBefore = await listVersions()
    const from = (await calls()).length

    const result = await runAction({
      inputs: {
        'function-name': 'shop',
        repository: 'shop',
        alias: 'live',
        'canary-percent': '10',
        'canary-interval': '30s',
        context: appContext({ body: 'release 2\n' }),
        'dry-run': 'true'
      }
    })
    const made = await callsSince(from)

    expect(errors(result)).toBe('')
    expect(result.exitCode).toBe(0)
    expect(made.filter(c => !isRead(c))).toEqual([])
    expect(made).toContainEqual(
      expect.objectContaining({ service: 'lambda', operation: 'GetAlias' })
    )
    expect(made).toContainEqual(
      expect.objectContaining({
        operation: 'UpdateFunctionCode',
        dryRun: true
      })
    )
    const alias = await lambda.send(
      new GetAliasCommand({ FunctionName: 'shop', Name: 'live' })
    )
    expect(alias.FunctionVersion).toBe(version)
    expect(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({})
    expect(await listVersions()).toEqual(versionsBefore)
    expect(await deployedDigest('shop')).toBe(shop.initialDigest)
    expect(result.summary).toContain(
      `would move alias live from version ${version} to that version (canary 10% for 30.0s first)`
    )
    expect(result.summary).toMatch(/Pre-traffic check \| skipped: dry run/)
    expect(result.stdout).not.toMatch(/Invoking version/)
  })
})
