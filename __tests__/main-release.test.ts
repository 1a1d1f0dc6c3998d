/**
 * Safe releases, end to end through run(): publish, aliases with a
 * pre-traffic Invoke of the new version, canary weights, rollbacks (alias and
 * $LATEST), several functions from one image, rollback-to, the image input and
 * log diagnostics — against the simulated Lambda, ECR and CloudWatch Logs of
 * __fixtures__/world.ts. Every deploy uses an image already in ECR, so
 * nothing is built.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import type {
  CreateAliasCommandInput,
  InvokeCommandInput,
  PublishVersionCommandInput,
  UpdateAliasCommandInput
} from '@aws-sdk/client-lambda'
import type { DescribeImagesCommandInput } from '@aws-sdk/client-ecr'
import type { FilterLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs'
import * as core from '../__fixtures__/core.js'
import {
  ACCOUNT,
  PREVIOUS_DIGEST,
  REGION,
  REPOSITORY_NAME,
  REPOSITORY_URI,
  sha256Digest
} from '../__fixtures__/aws.js'
import {
  HEALTH_PATH,
  PREVIOUS_URI,
  START,
  functionArn,
  functionUrlOf,
  hexOf,
  simulatedWorld,
  storedImage,
  uriOf,
  type World,
  withLiveAlias as withLiveAliasOf
} from '../__fixtures__/world.js'

// main.ts imports @actions/core: mock it first (see __fixtures__/core.ts).
jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

/** The image deployed: tag v2, already in ECR. */
const NEW = storedImage('amd64', 'v2')
const NEW_URI = uriOf(NEW.digest)
/** An older release, still in ECR as v1. */
const OLDER = storedImage('amd64', 'v1')
/** What the function ran before PREVIOUS_URI (version 1). */
const OLDEST_URI = uriOf(sha256Digest('the first release'))
/** Someone else's image. */
const OTHER_URI = uriOf(sha256Digest('deployed by someone else'))

const ARN = functionArn('my-api')
const SMOKE_URL = `${functionUrlOf('my-api')}health`
const DAY = 24 * 60 * 60 * 1000

/** The action's inputs as the runner passes them, for these tests. */
const RELEASE_INPUTS: Record<string, string> = {
  'function-name': 'my-api',
  repository: REPOSITORY_NAME,
  tag: 'v2',
  'aws-region': REGION,
  preflight: 'off',
  'wait-timeout': '5m',
  'smoke-test': 'true',
  'smoke-path': HEALTH_PATH,
  'smoke-expect-status': '200',
  'smoke-expect-body': 'Healthy',
  'smoke-timeout': '30s',
  'rollback-on-failure': 'true'
}

/** A world with an empty ECR; `inputs` override RELEASE_INPUTS. */
const releaseWorld = (inputs: Record<string, string> = {}): World =>
  simulatedWorld({ ...RELEASE_INPUTS, ...inputs })

/** A world whose ECR holds v1 and v2 (pushed before the run). */
function world(inputs: Record<string, string> = {}): World {
  const w = releaseWorld(inputs)
  w.registry.push('v1', OLDER, new Date(START - 2 * DAY))
  w.registry.push('v2', NEW, new Date(START - DAY))
  return w
}

/** withLiveAlias, with the Function URL on the alias. */
function withLiveAlias(w: World): void {
  withLiveAliasOf(w, OLDEST_URI)
  w.fn.url = { qualifier: 'live' }
}

/** The calls that change something or test the app, in order. */
function steps(w: World): string[] {
  const changes = new Set([
    'lambda:UpdateFunctionCode',
    'lambda:PublishVersion',
    'lambda:CreateAlias',
    'lambda:UpdateAlias',
    'lambda:Invoke'
  ])
  return w.events.flatMap(e =>
    changes.has(e.call)
      ? [e.call]
      : e.call === 'fetch' && !String(e.input.url).includes('/v2/')
        ? [`fetch ${String(e.input.url)}`]
        : []
  )
}

/** The calls that change a function or an alias. */
const MUTATIONS = [
  'lambda:UpdateFunctionCode',
  'lambda:PublishVersion',
  'lambda:CreateAlias',
  'lambda:UpdateAlias'
]

const functionsOutput = (): Record<string, unknown>[] =>
  JSON.parse(core.outputs().functions ?? '[]') as Record<string, unknown>[]

const summary = (): string => core.writtenSummaries().join('\n')

function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status }
  })
}

const accessDenied = (action: string): Error =>
  awsError(
    'AccessDeniedException',
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy/github is not authorized to perform: ${action}`,
    403
  )

beforeEach(() => {
  core.resetCore()
})

describe('$LATEST with publish', () => {
  it('publishes a version of exactly the deployed digest once the update landed', async () => {
    const w = world({ publish: 'true' })
    let atPublish: string | undefined
    w.before['lambda:PublishVersion'] = () => {
      atPublish = `${w.fn.lastUpdateStatus ?? ''} ${w.fn.imageUri ?? ''}`
    }

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(steps(w)).toEqual([
      'lambda:UpdateFunctionCode',
      'lambda:PublishVersion',
      `fetch ${SMOKE_URL}`
    ])
    expect(atPublish).toBe(`Successful ${NEW_URI}`)
    expect(
      w.calls<PublishVersionCommandInput>('lambda:PublishVersion')
    ).toEqual([
      {
        FunctionName: ARN,
        CodeSha256: hexOf(NEW.digest),
        Description: 'aspnet-lambda-deploy v2'
      }
    ])
    // It waited for the version itself to be ready.
    expect(w.calls('lambda:GetFunction')).toContainEqual({
      FunctionName: `${ARN}:1`
    })
    expect(w.fn.versions.get('1')).toBe(NEW_URI)
    expect(core.outputs()).toMatchObject({
      'function-version': '1',
      updated: 'true',
      'serving-image-uri': NEW_URI,
      'rolled-back': 'false'
    })
    expect(core.outputs()['alias-arn']).toBeUndefined()
    expect(summary()).toContain('| Published version | `1` |')
    expect(w.calls('logs:FilterLogEvents')).toEqual([])
  })

  it('fails when someone else changed $LATEST before the publish, and leaves their code in place', async () => {
    const w = world({ publish: 'true' })
    w.before['lambda:PublishVersion'] = () =>
      w.fn.deployedBySomeoneElse(OTHER_URI)

    await run(w.deps)

    expect(core.failures()).toHaveLength(1)
    expect(core.failures()[0]).toContain(
      `The code of ${ARN} changed while deploying: $LATEST no longer runs the image just deployed, so no version was published`
    )
    expect(core.failures()[0]).toContain('CodeSHA256')
    // Their image is not replaced by ours or by the one from before.
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
      { FunctionName: ARN, ImageUri: NEW_URI }
    ])
    expect(w.fn.imageUri).toBe(OTHER_URI)
    expect(w.fn.versions.size).toBe(0)
    expect(core.infos()).toContain(
      `$LATEST now runs ${OTHER_URI}, put there by someone else; it is left as it is.`
    )
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'false',
      'serving-image-uri': OTHER_URI
    })
    expect(core.outputs()['function-version']).toBeUndefined()
    // Someone else's deploy: left alone and reported as such.
    expect(functionsOutput()[0]).toMatchObject({ outcome: 'superseded' })
    expect(core.groupNames()).not.toContain('Roll back')
    expect(summary()).not.toContain('update-function-code')
    expect(summary()).toContain('someone else deployed meanwhile')
  })
})

describe('alias deploys', () => {
  it('publishes, invokes the new version, then moves the alias and smoke-tests it', async () => {
    const w = world({ alias: 'live' })
    withLiveAlias(w)
    const revision = w.fn.aliases.get('live')?.revisionId

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(steps(w)).toEqual([
      'lambda:UpdateFunctionCode',
      'lambda:PublishVersion',
      'lambda:Invoke',
      'lambda:UpdateAlias',
      `fetch ${SMOKE_URL}`
    ])
    const [invoke] = w.calls<InvokeCommandInput>('lambda:Invoke')
    expect(invoke).toMatchObject({
      FunctionName: ARN,
      Qualifier: '3',
      InvocationType: 'RequestResponse'
    })
    expect(w.invokedEvents()[0]).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/health',
      rawQueryString: '',
      requestContext: { http: { method: 'GET', path: '/health' } }
    })
    expect(w.calls<UpdateAliasCommandInput>('lambda:UpdateAlias')).toEqual([
      {
        FunctionName: ARN,
        Name: 'live',
        FunctionVersion: '3',
        Description: `aspnet-lambda-deploy: previous version 2; image ${NEW.digest}`,
        RoutingConfig: { AdditionalVersionWeights: {} },
        RevisionId: revision
      }
    ])
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '3',
      weights: {}
    })
    expect(w.fn.versions.get('3')).toBe(NEW_URI)
    expect(core.outputs()).toMatchObject({
      'function-version': '3',
      'alias-arn': `${ARN}:live`,
      'previous-version': '2',
      'serving-version': '3',
      'serving-image-uri': NEW_URI,
      'previous-image-uri': PREVIOUS_URI,
      updated: 'true',
      'rolled-back': 'false',
      'smoke-url': SMOKE_URL,
      'smoke-status': '200'
    })
    expect(functionsOutput()).toEqual([
      {
        name: 'my-api',
        arn: ARN,
        outcome: 'deployed',
        updated: true,
        version: '3',
        previousVersion: '2',
        previousImage: PREVIOUS_URI,
        servingImage: NEW_URI,
        servingVersion: '3'
      }
    ])
    expect(summary()).toContain('| Alias | `live` → version 3 (was 2) |')
    expect(summary()).toContain(
      '| Pre-traffic check | ✅ HTTP 200 after 1 invocation(s) |'
    )
    expect(summary()).toContain(
      `aws lambda update-alias --function-name ${ARN} --name live --function-version 2`
    )
    expect(core.groupNames()).toEqual([
      'Read inputs',
      'Look up function, repository and tag',
      'Check the image',
      'Deploy',
      'Pre-traffic check',
      'Move alias live',
      'Smoke test'
    ])
  })

  it('creates a missing alias on the new version, recording that there was none', async () => {
    const w = world({ alias: 'live' })
    w.fn.url = { qualifier: 'live' }

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(steps(w)).toEqual([
      'lambda:UpdateFunctionCode',
      'lambda:PublishVersion',
      'lambda:Invoke',
      'lambda:CreateAlias',
      `fetch ${SMOKE_URL}`
    ])
    expect(w.calls<CreateAliasCommandInput>('lambda:CreateAlias')).toEqual([
      {
        FunctionName: ARN,
        Name: 'live',
        FunctionVersion: '1',
        Description: `aspnet-lambda-deploy: no previous version; image ${NEW.digest}`
      }
    ])
    expect(w.fn.aliases.get('live')?.version).toBe('1')
    expect(core.outputs()).toMatchObject({
      'alias-arn': `${ARN}:live`,
      'serving-version': '1',
      'function-version': '1'
    })
    expect(core.outputs()['previous-version']).toBeUndefined()
    expect(summary()).toContain('| Alias | `live` → version 1 (created) |')
  })

  it('cannot roll back an alias it created: it says so and leaves it on the new version', async () => {
    const w = world({ alias: 'live' })
    w.fn.url = { qualifier: 'live' }
    w.smokeReplies.set(SMOKE_URL, [{ status: 500, body: 'boom' }])

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      'ROLLBACK FAILED for my-api: alias live did not exist before this run, so there is no earlier version to point it back to; it points to version 1.'
    )
    expect(w.calls('lambda:UpdateAlias')).toEqual([])
    expect(w.fn.aliases.get('live')?.version).toBe('1')
    expect(functionsOutput()[0]).toMatchObject({ outcome: 'rollback-failed' })
    expect(core.outputs()['rolled-back']).toBe('false')
  })

  it('pins an alias on $LATEST to a version of its current code before changing $LATEST', async () => {
    const w = world({ alias: 'live' })
    w.fn.setAlias('live', '$LATEST')
    w.fn.url = { qualifier: 'live' }
    let servedDuringUpdate: string | undefined
    w.before['lambda:UpdateFunctionCode'] = () => {
      servedDuringUpdate = w.fn.aliases.get('live')?.version
    }

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(steps(w)).toEqual([
      'lambda:PublishVersion',
      'lambda:UpdateAlias',
      'lambda:UpdateFunctionCode',
      'lambda:PublishVersion',
      'lambda:Invoke',
      'lambda:UpdateAlias',
      `fetch ${SMOKE_URL}`
    ])
    expect(
      w.calls<PublishVersionCommandInput>('lambda:PublishVersion')[0]
    ).toMatchObject({ CodeSha256: hexOf(PREVIOUS_DIGEST) })
    expect(w.calls<UpdateAliasCommandInput>('lambda:UpdateAlias')).toEqual([
      expect.objectContaining({
        FunctionVersion: '1',
        Description: `aspnet-lambda-deploy: no previous version; image ${PREVIOUS_DIGEST}`
      }),
      expect.objectContaining({
        FunctionVersion: '2',
        Description: `aspnet-lambda-deploy: previous version 1; image ${NEW.digest}`
      })
    ])
    expect(servedDuringUpdate).toBe('1')
    expect(w.fn.versions.get('1')).toBe(PREVIOUS_URI)
    expect(w.fn.versions.get('2')).toBe(NEW_URI)
    expect(w.fn.aliases.get('live')?.version).toBe('2')
    expect(core.outputs()).toMatchObject({
      'previous-version': '1',
      'serving-version': '2'
    })
  })

  it('changes nothing when the alias already serves the digest, and still smoke-tests', async () => {
    const w = world({ alias: 'live' })
    withLiveAlias(w)
    w.fn.imageUri = NEW_URI
    w.fn.publish()
    w.fn.setAlias('live', '3')

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(steps(w)).toEqual([`fetch ${SMOKE_URL}`])
    expect(core.outputs()).toMatchObject({
      updated: 'false',
      'function-version': '3',
      'serving-version': '3',
      'smoke-status': '200'
    })
    expect(functionsOutput()[0]).toMatchObject({ outcome: 'unchanged' })
    expect(core.infos()).toContain(
      `Alias live already serves ${NEW.digest} (version 3); no update needed.`
    )
    expect(core.groupNames()).not.toContain('Pre-traffic check')
  })
})

describe('the pre-traffic check', () => {
  const logLine = (version: string, message: string, at = START + 2000) => ({
    timestamp: at,
    logStreamName: `2024/03/02/[${version}]0123abcd`,
    message
  })

  it('stops before the alias moves when the new version answers 500, with its logs', async () => {
    const w = world({ alias: 'live' })
    withLiveAlias(w)
    w.answers.set(NEW.digest, [{ status: 500, body: 'Internal Server Error' }])
    w.logs.set('/aws/lambda/my-api', [
      logLine('3', 'before the run: System.TimeoutException', START - 1000),
      logLine('2', 'System.IO.IOException: an old version, not this deploy'),
      logLine(
        '3',
        'fail: Microsoft.AspNetCore.Server.Kestrel[13] Connection id "0HN1": An unhandled exception was thrown by the application.'
      ),
      logLine(
        '3',
        "System.InvalidOperationException: Unable to resolve service for type 'IOrderStore'"
      )
    ])

    await run(w.deps)

    expect(core.failures()).toHaveLength(1)
    expect(core.failures()[0]).toMatch(
      /^Pre-traffic check of version 3 failed: .*did not pass within 30(?:\.0)?s.*status 500.*The alias live was not moved: no traffic reached the new version\.\nRolled back: my-api \$LATEST runs the previous image .* again\.$/s
    )
    // $LATEST does not keep the code the check rejected.
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(w.calls('lambda:Invoke').length).toBeGreaterThan(1)
    expect(w.calls('lambda:UpdateAlias')).toEqual([])
    expect(w.fn.aliases.get('live')?.version).toBe('2')
    expect(steps(w)).not.toContain(`fetch ${SMOKE_URL}`)
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'true',
      'serving-version': '2',
      'serving-image-uri': PREVIOUS_URI
    })
    expect(functionsOutput()[0]).toMatchObject({ outcome: 'stopped' })
    const reads = w.calls<FilterLogEventsCommandInput>('logs:FilterLogEvents')
    expect(reads[0]).toMatchObject({
      logGroupName: '/aws/lambda/my-api',
      startTime: START,
      logStreamNamePrefix: '2024/03/02/[3]'
    })
    const text = summary()
    expect(text).toContain('↩️ Failed and rolled back')
    expect(text).toContain('Logs of my-api since the deploy began')
    expect(text).toContain(
      "System.InvalidOperationException: Unable to resolve service for type 'IOrderStore'"
    )
    expect(text).not.toContain('an old version')
    expect(text).not.toContain('before the run')
    expect(text).toMatch(
      /\| Pre-traffic check \| ❌ HTTP 500 after \d+ invocation\(s\)/
    )
    expect(core.groupNames()).toContain('Diagnostics')
  })

  it("prints the function's log lines with workflow commands stopped, behind a token of its own each run", async () => {
    const tokens: string[] = []
    for (let i = 0; i < 2; i++) {
      core.resetCore()
      const w = world({ alias: 'live' })
      withLiveAlias(w)
      w.answers.set(NEW.digest, [
        { status: 500, body: 'Internal Server Error' }
      ])
      w.logs.set('/aws/lambda/my-api', [
        logLine('3', '::add-mask::hunter2'),
        logLine(
          '3',
          'request body:\n::set-output name=image-uri::evil\r::error::forged'
        )
      ])

      await run(w.deps)

      const infos = core.infos()
      const stop = infos.findIndex(l => l.startsWith('::stop-commands::'))
      const token = infos[stop]?.slice('::stop-commands::'.length) ?? ''
      expect(token).toMatch(/^[0-9a-f]{64}$/)
      const resume = infos.indexOf(`::${token}::`)
      const logged = infos.flatMap((line, at) =>
        /::(add-mask|set-output|error)::/.test(line) ? [at] : []
      )
      expect(logged.length).toBeGreaterThanOrEqual(2)
      for (const at of logged) {
        expect(at).toBeGreaterThan(stop)
        expect(at).toBeLessThan(resume)
      }
      // Everything after the fence is the action's own again.
      expect(infos.slice(resume + 1).join('\n')).not.toContain('hunter2')
      tokens.push(token)
    }
    expect(tokens[0]).not.toBe(tokens[1])
  })

  it('stops at the first invocation on a function error no retry can fix', async () => {
    const w = world({ alias: 'live' })
    withLiveAlias(w)
    w.answers.set(NEW.digest, [
      {
        errorType: 'Runtime.InvalidEntrypoint',
        errorMessage:
          'RequestId: 8f5e Error: fork/exec /lambda-entrypoint.sh: exec format error'
      }
    ])

    await run(w.deps)

    expect(w.calls('lambda:Invoke')).toHaveLength(1)
    expect(core.failures()[0]).toContain(
      `${ARN}:3 failed in a way no retry can fix: Runtime.InvalidEntrypoint: RequestId: 8f5e Error: fork/exec /lambda-entrypoint.sh: exec format error`
    )
    expect(w.calls('lambda:UpdateAlias')).toEqual([])
    expect(w.fn.aliases.get('live')?.version).toBe('2')
    // The rejected code does not stay on $LATEST either.
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(core.outputs()['rolled-back']).toBe('true')
    expect(summary()).toContain('no logs yet (version 3 wrote none since')
  })

  it.each([
    [
      'rest-api',
      {
        resource: '/{proxy+}',
        path: '/health',
        httpMethod: 'GET',
        requestContext: expect.objectContaining({ stage: 'prod' })
      }
    ],
    [
      'alb',
      {
        httpMethod: 'GET',
        path: '/health',
        requestContext: {
          elb: { targetGroupArn: expect.stringContaining(':targetgroup/') }
        }
      }
    ]
  ])(
    'event-source %s: the version gets that event shape',
    async (source, shape) => {
      const w = world({ alias: 'live', 'event-source': source })
      withLiveAlias(w)

      await run(w.deps)

      expect(core.failures()).toEqual([])
      const [event] = w.invokedEvents()
      expect(event).toMatchObject(shape)
      expect(event).not.toHaveProperty('version')
      expect(w.calls('apigateway:GetApis')).toEqual([])
    }
  )

  it('without event-source, an HTTP API integration with payload 1.0 gets the REST API shape', async () => {
    const w = world({ alias: 'live' })
    withLiveAlias(w)
    w.fn.url = undefined
    const endpoint = `https://a1b2c3d4e5.execute-api.${REGION}.amazonaws.com`
    w.apis.push({
      api: {
        ApiId: 'a1b2c3d4e5',
        Name: 'orders',
        ProtocolType: 'HTTP',
        ApiEndpoint: endpoint,
        RouteSelectionExpression: '$request.method $request.path'
      },
      integrations: [
        {
          IntegrationId: 'int01',
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: `${ARN}:live`,
          PayloadFormatVersion: '1.0'
        }
      ]
    })
    w.smokeReplies.set(`${endpoint}/health`, [{ status: 200, body: 'Healthy' }])

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.invokedEvents()[0]).toMatchObject({
      resource: '/{proxy+}',
      path: '/health',
      httpMethod: 'GET'
    })
    // The smoke test reuses the answer: one look at the APIs in all.
    expect(w.calls('apigateway:GetApis')).toHaveLength(1)
    expect(core.outputs()['smoke-url']).toBe(`${endpoint}/health`)
  })
})

describe('canary', () => {
  const CANARY = {
    alias: 'live',
    'canary-percent': '10',
    'canary-interval': '1m'
  }

  it('splits the traffic, keeps checking the new version, then moves all of it', async () => {
    const w = world(CANARY)
    withLiveAlias(w)
    const sleepsAtSplit: number[] = []
    w.before['lambda:UpdateAlias'] = () =>
      sleepsAtSplit.push(w.timing.sleeps.length)

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(steps(w)).toEqual([
      'lambda:UpdateFunctionCode',
      'lambda:PublishVersion',
      'lambda:Invoke',
      'lambda:UpdateAlias',
      // every 15s for 1m
      'lambda:Invoke',
      'lambda:Invoke',
      'lambda:Invoke',
      'lambda:Invoke',
      'lambda:UpdateAlias',
      `fetch ${SMOKE_URL}`
    ])
    expect(
      w.calls<InvokeCommandInput>('lambda:Invoke').map(i => i.Qualifier)
    ).toEqual(['3', '3', '3', '3', '3'])
    const [split, move] = w.calls<UpdateAliasCommandInput>('lambda:UpdateAlias')
    expect(split).toEqual({
      FunctionName: ARN,
      Name: 'live',
      FunctionVersion: '2',
      RoutingConfig: { AdditionalVersionWeights: { '3': 0.1 } },
      RevisionId: expect.any(String)
    })
    expect(move).toMatchObject({
      FunctionVersion: '3',
      RoutingConfig: { AdditionalVersionWeights: {} },
      Description: `aspnet-lambda-deploy: previous version 2; image ${NEW.digest}`
    })
    // The interval passed between the two moves, in 15s steps.
    const [atSplit = 0, atMove = 0] = sleepsAtSplit
    expect(
      w.timing.sleeps.slice(atSplit, atMove).filter(ms => ms === 15_000)
    ).toHaveLength(4)
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '3',
      weights: {}
    })
    expect(summary()).toContain(
      '| Canary | ✅ HTTP 200 after 1 invocation(s) |'
    )
    expect(core.groupNames()).toContain('Canary (10%)')
  })

  it('puts all traffic back on the previous version when a canary check fails', async () => {
    const w = world(CANARY)
    withLiveAlias(w)
    w.answers.set(NEW.digest, [
      { status: 200, body: 'Healthy' },
      { status: 200, body: 'Healthy' },
      { status: 503, body: 'Service Unavailable' }
    ])

    await run(w.deps)

    const [failure] = core.failures()
    expect(failure).toMatch(/^Canary check 2 of version 3 failed: /)
    expect(failure).toContain(
      `Rolled back: my-api alias live points to version 2 again; $LATEST runs the previous image ${PREVIOUS_URI} again.`
    )
    const updates = w.calls<UpdateAliasCommandInput>('lambda:UpdateAlias')
    expect(updates.map(u => u.FunctionVersion)).toEqual(['2', '2'])
    expect(updates[1]?.RoutingConfig).toEqual({ AdditionalVersionWeights: {} })
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '2',
      weights: {},
      description: `aspnet-lambda-deploy: previous version 1; image ${PREVIOUS_DIGEST}`
    })
    expect(steps(w)).not.toContain(`fetch ${SMOKE_URL}`)
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'true',
      'serving-version': '2',
      'serving-image-uri': PREVIOUS_URI
    })
    expect(functionsOutput()[0]).toMatchObject({ outcome: 'rolled-back' })
    expect(summary()).toContain('↩️ Failed and rolled back')
    expect(summary()).toContain('| Rolled back | yes, to `version 2` |')
    expect(summary()).toContain(
      `**Restored automatically. The command that does it by hand:**\n\n\`\`\`sh\naws lambda update-alias --function-name ${ARN} --name live --function-version 2 --routing-config 'AdditionalVersionWeights={}'\n`
    )
  })

  it('cancelled during the interval: the split is undone, all traffic back on the previous version and $LATEST on the previous image', async () => {
    const w = world(CANARY)
    withLiveAlias(w)
    let invokes = 0
    w.before['lambda:Invoke'] = () => {
      // The pre-traffic check, then the first canary check: the runner
      // cancels the job while the split is live.
      if (++invokes === 2) w.cancel('SIGINT')
    }

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /^The run was cancelled \(SIGINT, during stage canary\)\./
    )
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '2',
      weights: {}
    })
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    // Put back by the run itself: nothing is left for the post step.
    expect(core.savedState().undo).toBe('[]')
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'true',
      'serving-version': '2'
    })
  })
})

describe('a failed smoke test after the alias moved', () => {
  it('moves the alias back to the previous version', async () => {
    const w = world({ alias: 'live' })
    withLiveAlias(w)
    w.smokeReplies.set(SMOKE_URL, [
      { status: 503, body: 'Service Unavailable' }
    ])

    await run(w.deps)

    const [failure] = core.failures()
    expect(failure).toMatch(/^Smoke test failed: .*status 503/s)
    expect(failure).toContain(
      `Rolled back: my-api alias live points to version 2 again; $LATEST runs the previous image ${PREVIOUS_URI} again.`
    )
    expect(
      w
        .calls<UpdateAliasCommandInput>('lambda:UpdateAlias')
        .map(u => u.FunctionVersion)
    ).toEqual(['3', '2'])
    expect(w.fn.aliases.get('live')?.version).toBe('2')
    // $LATEST does not keep the release the smoke test rejected either.
    expect(
      w
        .calls<{ ImageUri?: string }>('lambda:UpdateFunctionCode')
        .map(u => u.ImageUri)
    ).toEqual([NEW_URI, PREVIOUS_URI])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'true',
      'serving-version': '2',
      'serving-image-uri': PREVIOUS_URI,
      'function-version': '3',
      'smoke-status': '503'
    })
    expect(functionsOutput()[0]).toMatchObject({ outcome: 'rolled-back' })
    expect(summary()).toContain(
      '**Restored automatically. The command that does it by hand:**'
    )
    expect(core.groupNames().at(-1)).toBe('Roll back')
  })

  it('with rollback-on-failure false, leaves the alias and prints the command that moves it back', async () => {
    const w = world({ alias: 'live', 'rollback-on-failure': 'false' })
    withLiveAlias(w)
    w.smokeReplies.set(SMOKE_URL, [
      { status: 503, body: 'Service Unavailable' }
    ])

    await run(w.deps)

    const [failure] = core.failures()
    expect(failure).toContain(
      'rollback-on-failure is false: my-api keeps the new release.'
    )
    expect(failure).toContain(
      `To restore by hand: aws lambda update-alias --function-name ${ARN} --name live --function-version 2 --routing-config 'AdditionalVersionWeights={}'`
    )
    expect(w.calls('lambda:UpdateAlias')).toHaveLength(1)
    expect(w.fn.aliases.get('live')?.version).toBe('3')
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'false',
      'serving-version': '3'
    })
    expect(functionsOutput()[0]).toMatchObject({ outcome: 'failed' })
    expect(core.groupNames()).not.toContain('Roll back')
  })
})

describe('a rollback that fails', () => {
  it('alias: UpdateAlias refused → rollback-failed, with the command in an error annotation', async () => {
    const w = world({ alias: 'live' })
    withLiveAlias(w)
    w.smokeReplies.set(SMOKE_URL, [{ status: 500, body: '' }])
    w.before['lambda:UpdateAlias'] = input => {
      if (input.FunctionVersion === '2')
        throw accessDenied('lambda:UpdateAlias')
    }
    const command = `aws lambda update-alias --function-name ${ARN} --name live --function-version 2 --routing-config 'AdditionalVersionWeights={}'`

    await run(w.deps)

    const errors = core.error.mock.calls.map(([m]) => String(m))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      /^ROLLBACK FAILED for my-api: lambda:UpdateAlias was denied \(AccessDeniedException\)/
    )
    expect(errors[0]).toContain(`Restore it by hand: ${command}`)
    expect(core.failures()[0]).toContain('ROLLBACK FAILED for my-api')
    expect(w.fn.aliases.get('live')?.version).toBe('3')
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'false',
      'serving-version': '3'
    })
    expect(functionsOutput()[0]).toMatchObject({
      outcome: 'rollback-failed'
    })
    expect(summary()).toContain('**To restore what ran before:**')
    expect(summary()).toContain(command)
  })

  it('$LATEST: UpdateFunctionCode back refused → rollback-failed, with the command', async () => {
    const w = world()
    w.smokeReplies.set(SMOKE_URL, [{ status: 500, body: '' }])
    w.before['lambda:UpdateFunctionCode'] = input => {
      if (input.ImageUri === PREVIOUS_URI)
        throw awsError(
          'InvalidParameterValueException',
          'Source image ... does not exist. Provide a valid source image.'
        )
    }
    const command = `aws lambda update-function-code --function-name ${ARN} --image-uri ${PREVIOUS_URI}`

    await run(w.deps)

    const errors = core.error.mock.calls.map(([m]) => String(m))
    expect(errors).toEqual([
      expect.stringContaining(
        `ROLLBACK FAILED for my-api: Lambda refused the image ${PREVIOUS_URI}`
      )
    ])
    expect(errors[0]).toContain(`Restore it by hand: ${command}`)
    expect(w.fn.imageUri).toBe(NEW_URI)
    expect(core.outputs()).toMatchObject({
      'rolled-back': 'false',
      'serving-image-uri': NEW_URI
    })
    expect(functionsOutput()[0]).toMatchObject({
      outcome: 'rollback-failed'
    })
  })
})

describe('several functions from one image', () => {
  const THREE = 'my-api\nmy-api-orders\nmy-api-billing'

  it('deploys all at once; one failed update reverts the other two', async () => {
    const w = world({ 'function-name': THREE })
    const orders = w.functions.get('my-api-orders')
    if (orders !== undefined)
      orders.nextUpdateFails = {
        code: 'ImageAccessDenied',
        reason: 'Lambda does not have permission to access the ECR image.'
      }

    await run(w.deps)

    const updates = w.events.filter(e => e.call === 'lambda:UpdateFunctionCode')
    expect(
      updates.map(e => [
        String(e.input.FunctionName).split(':').at(-1),
        e.input.ImageUri
      ])
    ).toEqual([
      ['my-api', NEW_URI],
      ['my-api-orders', NEW_URI],
      ['my-api-billing', NEW_URI],
      ['my-api', PREVIOUS_URI],
      ['my-api-billing', PREVIOUS_URI]
    ])
    // Concurrent: all three updates were asked for before the first poll
    // (the first GetFunction after an UpdateFunctionCode).
    const firstPoll = w.events.findIndex(
      (e, i) =>
        e.call === 'lambda:GetFunction' &&
        w.events
          .slice(0, i)
          .some(earlier => earlier.call === 'lambda:UpdateFunctionCode')
    )
    expect(firstPoll).toBeGreaterThan(0)
    expect(w.events.indexOf(updates[2] as (typeof updates)[0])).toBeLessThan(
      firstPoll
    )
    for (const fn of w.functions.values())
      expect(fn.imageUri).toBe(PREVIOUS_URI)
    const [failure] = core.failures()
    expect(failure).toContain(
      'my-api-orders: Lambda could not apply the update to'
    )
    expect(failure).toContain('ImageAccessDenied')
    expect(failure).toContain(
      `Rolled back: my-api runs the previous image ${PREVIOUS_URI} again.`
    )
    expect(failure).toContain(
      `my-api-billing runs the previous image ${PREVIOUS_URI} again.`
    )
    expect(
      functionsOutput().map(f => [f.name, f.outcome, f.servingImage])
    ).toEqual([
      ['my-api', 'reverted', PREVIOUS_URI],
      ['my-api-orders', 'stopped', PREVIOUS_URI],
      ['my-api-billing', 'reverted', PREVIOUS_URI]
    ])
    expect(core.outputs()['rolled-back']).toBe('true')
    const text = summary()
    expect(text).toContain('## ↩️ Failed and rolled back: 3 functions')
    expect(text).toContain(
      '| `my-api` | ↩️ reverted (another function failed) |'
    )
    expect(text).toContain('| `my-api-orders` | ⛔ stopped before traffic |')
    expect(text).toContain(
      '| `my-api-billing` | ↩️ reverted (another function failed) |'
    )
    // The commands of what was restored, not of the function left alone.
    expect(text).toContain(
      [
        '**Restored automatically. The command that does it by hand:**',
        '',
        '```sh',
        `aws lambda update-function-code --function-name ${ARN} --image-uri ${PREVIOUS_URI}`,
        `aws lambda update-function-code --function-name ${functionArn('my-api-billing')} --image-uri ${PREVIOUS_URI}`,
        '```'
      ].join('\n')
    )
    // Only the function that failed has its logs read.
    expect(
      new Set(
        w
          .calls<FilterLogEventsCommandInput>('logs:FilterLogEvents')
          .map(i => i.logGroupName)
      )
    ).toEqual(new Set(['/aws/lambda/my-api-orders']))
    expect(steps(w).filter(s => s.startsWith('fetch'))).toEqual([])
  })

  it('deploys at most 10 functions at once', async () => {
    const names = Array.from(
      { length: 12 },
      (_, i) => `fn-${String(i + 1).padStart(2, '0')}`
    )
    const w = world({
      'function-name': names.join('\n'),
      'smoke-test': 'false'
    })
    let most = 0
    // deployImage ends with the poll that sees its update land, so the
    // functions being deployed are those whose update is still InProgress.
    w.before['lambda:UpdateFunctionCode'] = () => {
      const updating = [...w.functions.values()].filter(
        f => f.lastUpdateStatus === 'InProgress'
      ).length
      most = Math.max(most, updating + 1)
    }

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(most).toBe(10)
    for (const fn of w.functions.values()) expect(fn.imageUri).toBe(NEW_URI)
    expect(functionsOutput()).toHaveLength(12)
  })

  it('refuses functions of different architectures before changing any', async () => {
    const w = world({ 'function-name': THREE })
    const billing = w.functions.get('my-api-billing')
    if (billing !== undefined) billing.architecture = 'arm64'

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      'function-name lists functions with different architectures (my-api: x86_64, my-api-orders: x86_64, my-api-billing: arm64)'
    )
    expect(w.order(...MUTATIONS, 'lambda:Invoke')).toEqual([])
    for (const fn of w.functions.values())
      expect(fn.imageUri).toBe(PREVIOUS_URI)
  })

  it('requests a given smoke-url once (the first function), and invokes the others directly', async () => {
    const w = world({
      'function-name': THREE,
      'smoke-url': 'https://api.example.com'
    })
    w.smokeReplies.set('https://api.example.com/health', [
      { status: 200, body: 'Healthy' }
    ])

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(steps(w).filter(s => s.startsWith('fetch'))).toEqual([
      'fetch https://api.example.com/health'
    ])
    // Every function is checked: the other two by a synthetic request, and
    // the first one too, since which qualifier smoke-url reaches is not
    // known (it is not the function's own URL).
    expect(
      w
        .calls<InvokeCommandInput>('lambda:Invoke')
        .map(i => [i.FunctionName, i.Qualifier])
        .sort()
    ).toEqual([
      [functionArn('my-api'), '$LATEST'],
      [functionArn('my-api-billing'), '$LATEST'],
      [functionArn('my-api-orders'), '$LATEST']
    ])
    expect(functionsOutput().map(f => f.outcome)).toEqual([
      'deployed',
      'deployed',
      'deployed'
    ])
    expect(summary()).toContain('## ✅ Deployed: 3 functions')
  })
})

describe('rollback-to', () => {
  it('<tag>: deploys that image from ECR without building', async () => {
    const w = world({ 'rollback-to': 'v1', tag: '' })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('exec')).toEqual([])
    expect(
      w.calls<DescribeImagesCommandInput>('ecr:DescribeImages')[0]
    ).toMatchObject({ imageIds: [{ imageTag: 'v1' }] })
    expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
      { FunctionName: ARN, ImageUri: uriOf(OLDER.digest) }
    ])
    expect(w.fn.imageUri).toBe(uriOf(OLDER.digest))
    expect(core.outputs()).toMatchObject({
      'image-tag': 'v1',
      'image-digest': OLDER.digest,
      'reused-image': 'true'
    })
  })

  it('<tag> no longer in ECR: fails listing the 10 most recent tags, newest first', async () => {
    const w = releaseWorld({ 'rollback-to': 'v1.0', tag: '' })
    // Pushed in no particular order; v2.11 is the newest.
    for (const i of [3, 11, 0, 7, 1, 9, 4, 10, 2, 8, 6, 5])
      w.registry.push(
        `v2.${i}`,
        storedImage('amd64', `2.${i}`),
        new Date(START - (12 - i) * DAY)
      )

    await run(w.deps)

    expect(core.failures()).toEqual([
      `rollback-to v1.0: there is no such image in ${REPOSITORY_NAME} (an ECR lifecycle policy may have expired it). The most recent tags still there: v2.11, v2.10, v2.9, v2.8, v2.7, v2.6, v2.5, v2.4, v2.3, v2.2.`
    ])
    expect(w.order(...MUTATIONS)).toEqual([])
    expect(w.calls('exec')).toEqual([])
    // Not archived either (one listing per inactive status), then the
    // listing of tags read page by page.
    expect(
      w
        .calls<DescribeImagesCommandInput>('ecr:DescribeImages')
        .filter(i => i.imageIds === undefined)
        .map(i => i.filter)
    ).toEqual([
      { imageStatus: 'ARCHIVED' },
      { imageStatus: 'ACTIVATING' },
      { tagStatus: 'TAGGED' },
      { tagStatus: 'TAGGED' },
      { tagStatus: 'TAGGED' }
    ])
  })

  it('previous: invokes the version the alias left, then moves the alias back to it, without ECR', async () => {
    const w = world({
      alias: 'live',
      'rollback-to': 'previous',
      repository: '',
      tag: ''
    })
    withLiveAlias(w)
    w.fn.imageUri = NEW_URI
    w.fn.publish()
    w.fn.setAlias(
      'live',
      '3',
      `aspnet-lambda-deploy: previous version 2; image ${NEW.digest}`
    )

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.events.filter(e => e.call.startsWith('ecr:'))).toEqual([])
    expect(steps(w)).toEqual([
      'lambda:Invoke',
      'lambda:UpdateAlias',
      `fetch ${SMOKE_URL}`
    ])
    expect(w.calls<InvokeCommandInput>('lambda:Invoke')[0]?.Qualifier).toBe('2')
    expect(
      w.calls<UpdateAliasCommandInput>('lambda:UpdateAlias')[0]
    ).toMatchObject({
      FunctionVersion: '2',
      Description: `aspnet-lambda-deploy: previous version 3; image ${PREVIOUS_DIGEST}`
    })
    expect(w.fn.aliases.get('live')?.version).toBe('2')
    // $LATEST is not touched.
    expect(w.fn.imageUri).toBe(NEW_URI)
    expect(core.outputs()).toMatchObject({
      'image-uri': PREVIOUS_URI,
      'function-version': '2',
      'previous-version': '3',
      'serving-version': '2',
      'serving-image-uri': PREVIOUS_URI
    })
  })

  it('previous: an alias with no record of an earlier version fails before any change', async () => {
    const w = world({
      alias: 'live',
      'rollback-to': 'previous',
      repository: '',
      tag: ''
    })
    withLiveAlias(w)
    w.fn.setAlias('live', '2', 'moved by hand')

    await run(w.deps)

    expect(core.failures()).toEqual([
      'rollback-to: previous: alias live of my-api has no record of an earlier version (it was not last moved by this action). Roll back by tag instead: rollback-to: <tag>.'
    ])
    expect(w.order(...MUTATIONS, 'lambda:Invoke')).toEqual([])
    expect(w.events.filter(e => e.call.startsWith('ecr:'))).toEqual([])
    expect(w.fn.aliases.get('live')?.version).toBe('2')
  })
})

describe('the image input', () => {
  it.each([
    ['a digest', NEW.digest, REPOSITORY_NAME, { imageDigest: NEW.digest }],
    ['a tag', 'v2', REPOSITORY_NAME, { imageTag: 'v2' }],
    [
      "a URI in the repository's registry",
      `${REPOSITORY_URI}@${NEW.digest}`,
      '',
      { imageDigest: NEW.digest }
    ]
  ])(
    'deploys %s that is already in ECR, without building',
    async (_what, image, repository, imageId) => {
      const w = world({ image, repository })

      await run(w.deps)

      expect(core.failures()).toEqual([])
      expect(w.calls('ecr:DescribeRepositories')).toEqual([
        { repositoryNames: [REPOSITORY_NAME] }
      ])
      // The image to deploy, then the one an undo would put back: the
      // function's image is in no listing, active or not (a deleted image).
      expect(w.calls<DescribeImagesCommandInput>('ecr:DescribeImages')).toEqual(
        [
          { repositoryName: REPOSITORY_NAME, imageIds: [imageId] },
          {
            repositoryName: REPOSITORY_NAME,
            imageIds: [{ imageDigest: PREVIOUS_DIGEST }]
          },
          {
            repositoryName: REPOSITORY_NAME,
            filter: { imageStatus: 'ARCHIVED' },
            maxResults: 1000
          },
          {
            repositoryName: REPOSITORY_NAME,
            filter: { imageStatus: 'ACTIVATING' },
            maxResults: 1000
          }
        ]
      )
      expect(w.calls('lambda:UpdateFunctionCode')).toEqual([
        { FunctionName: ARN, ImageUri: NEW_URI }
      ])
      expect(w.calls('exec')).toEqual([])
      expect(core.outputs()).toMatchObject({
        'image-uri': NEW_URI,
        'reused-image': 'true'
      })
      expect(core.outputs()['image-tag']).toBe(
        'imageTag' in imageId ? 'v2' : undefined
      )
    }
  )

  it('refuses a URI of another registry before any Lambda change', async () => {
    const other = `987654321098.dkr.ecr.${REGION}.amazonaws.com`
    const w = world({
      image: `${other}/${REPOSITORY_NAME}@${NEW.digest}`,
      repository: ''
    })

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      `image names registry ${other}, but repository ${REPOSITORY_NAME} is in ${REPOSITORY_URI.split('/')[0] ?? ''}`
    )
    expect(w.order(...MUTATIONS, 'lambda:Invoke')).toEqual([])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
  })
})

describe('diagnostics', () => {
  it('a denied log read becomes a note; the run reports the original failure', async () => {
    const w = world({ alias: 'live' })
    withLiveAlias(w)
    w.answers.set(NEW.digest, [{ status: 500, body: 'Internal Server Error' }])
    w.before['logs:FilterLogEvents'] = () => {
      throw accessDenied('logs:FilterLogEvents')
    }

    await run(w.deps)

    expect(w.calls('logs:FilterLogEvents')).toHaveLength(1)
    expect(core.failures()).toHaveLength(1)
    expect(core.failures()[0]).toMatch(/^Pre-traffic check of version 3 failed/)
    expect(summary()).toContain(
      `Could not read the function's logs (AccessDeniedException): allow logs:FilterLogEvents on arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/my-api:* to see them here.`
    )
    expect(core.warnings().join('\n')).not.toContain('Could not read the logs')
    // $LATEST got the rejected code; the undo put the previous image back.
    expect(core.outputs()['rolled-back']).toBe('true')
  })
})

describe('the deploy phase, in more situations', () => {
  it('waits for an update in progress, and a rollback restores what that update left', async () => {
    const w = world()
    w.fn.pollsPerUpdate = 3
    w.fn.updateCode(OTHER_URI)
    w.fn.pollsPerUpdate = 1
    w.smokeReplies.set(SMOKE_URL, [{ status: 500, body: '' }])

    await run(w.deps)

    expect(core.infos()).toContain(
      'Another update of the function is in progress; waiting for it to finish first.'
    )
    expect(
      w
        .calls<{ ImageUri: string }>('lambda:UpdateFunctionCode')
        .map(i => i.ImageUri)
    ).toEqual([NEW_URI, OTHER_URI])
    expect(w.fn.imageUri).toBe(OTHER_URI)
    expect(core.outputs()).toMatchObject({
      'previous-image-uri': OTHER_URI,
      'serving-image-uri': OTHER_URI,
      'rolled-back': 'true'
    })
  })

  it('alias on the digest with a canary split left over: publishes nothing new and clears the split', async () => {
    const w = world({ alias: 'live' })
    withLiveAlias(w)
    w.fn.imageUri = NEW_URI
    w.fn.publish()
    w.fn.setAlias('live', '3')
    const live = w.fn.aliases.get('live')
    if (live !== undefined) live.weights = { '2': 0.5 }

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(core.infos()).toContain(
      `The function already runs ${NEW.digest}; no update needed.`
    )
    expect(steps(w)).toEqual([
      'lambda:PublishVersion',
      'lambda:Invoke',
      'lambda:UpdateAlias',
      `fetch ${SMOKE_URL}`
    ])
    expect([...w.fn.versions.keys()]).toEqual(['1', '2', '3'])
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '3',
      weights: {}
    })
    expect(core.outputs()).toMatchObject({
      updated: 'true',
      'function-version': '3'
    })
  })

  it('fails when the published version does not become active, before any traffic reaches it', async () => {
    const w = world({ alias: 'live' })
    withLiveAlias(w)
    w.fn.failedVersions.set('3', {
      code: 'ImageAccessDenied',
      reason: 'Lambda does not have permission to access the ECR image.'
    })

    await run(w.deps)

    expect(core.failures()).toEqual([
      `Version 3 of my-api did not become active: ImageAccessDenied: Lambda does not have permission to access the ECR image.\nRolled back: my-api $LATEST runs the previous image ${PREVIOUS_URI} again.`
    ])
    expect(w.fn.imageUri).toBe(PREVIOUS_URI)
    expect(w.calls('lambda:Invoke')).toEqual([])
    expect(w.calls('lambda:UpdateAlias')).toEqual([])
    expect(w.fn.aliases.get('live')?.version).toBe('2')
    expect(functionsOutput()[0]).toMatchObject({ outcome: 'stopped' })
  })

  it('several failures are listed one per function; only the one that deployed is reverted', async () => {
    const w = world({
      'function-name': 'my-api\nmy-api-orders\nmy-api-billing'
    })
    for (const name of ['my-api-orders', 'my-api-billing']) {
      const fn = w.functions.get(name)
      if (fn !== undefined)
        fn.nextUpdateFails = { code: 'InvalidImage', reason: 'Bad image.' }
    }

    await run(w.deps)

    expect(core.failures()[0]).toMatch(
      /^2 of 3 functions failed:\n- my-api-orders: Lambda could not apply the update .*InvalidImage.*\n- my-api-billing: Lambda could not apply the update .*\nRolled back: my-api runs the previous image/
    )
    expect(functionsOutput().map(f => f.outcome)).toEqual([
      'reverted',
      'stopped',
      'stopped'
    ])
  })

  it('invokes a function that has no URL directly instead of skipping its smoke test', async () => {
    const w = world({ 'function-name': 'my-api\nmy-api-orders' })
    const orders = w.functions.get('my-api-orders')
    if (orders !== undefined) orders.url = undefined

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(steps(w).filter(s => s.startsWith('fetch'))).toEqual([
      `fetch ${SMOKE_URL}`
    ])
    expect(
      w
        .calls<InvokeCommandInput>('lambda:Invoke')
        .map(i => [i.FunctionName, i.Qualifier])
    ).toEqual([[functionArn('my-api-orders'), '$LATEST']])
    expect(summary()).not.toContain('skipped')
    expect(summary()).toContain('(direct Invoke)')
  })
})

describe('rollback-to previous, refused', () => {
  it.each([
    [
      'no alias',
      (w: World) => {
        w.fn.aliases.clear()
      },
      'rollback-to: previous: my-api has no alias live, so there is nothing to roll back.'
    ],
    [
      'an alias already on the recorded version',
      (w: World) =>
        w.fn.setAlias(
          'live',
          '2',
          'aspnet-lambda-deploy: previous version 2; image sha256:x'
        ),
      'rollback-to: previous: alias live of my-api already points to version 2.'
    ]
  ])('%s', async (_what, arrange, message) => {
    const w = world({
      alias: 'live',
      'rollback-to': 'previous',
      repository: '',
      tag: ''
    })
    withLiveAlias(w)
    arrange(w)

    await run(w.deps)

    expect(core.failures()).toEqual([message])
    expect(w.order(...MUTATIONS, 'lambda:Invoke')).toEqual([])
  })
})

describe('an image that is not in ECR', () => {
  it.each([
    [
      'an empty repository',
      () => undefined,
      'image v9: there is no such image in team/my-api. The repository has no tagged images.'
    ],
    [
      'a listing that is denied',
      (w: World) => {
        w.before['ecr:DescribeImages'] = input => {
          if (input.imageIds === undefined)
            throw accessDenied('ecr:DescribeImages')
        }
      },
      'image v9: there is no such image in team/my-api. Whether it is archived could not be checked (ecr:DescribeImages was denied (AccessDeniedException): User: arn:aws:sts::123456789012:assumed-role/deploy/github is not authorized to perform: ecr:DescribeImages. Allow "ecr:DescribeImages" in the policy of the role the workflow assumes (see the README\'s Permissions section).).'
    ]
  ])('%s', async (_what, arrange, message) => {
    const w = releaseWorld({ image: 'v9' })
    arrange(w)

    await run(w.deps)

    expect(core.failures()).toEqual([message])
    expect(w.order(...MUTATIONS)).toEqual([])
  })
})

describe('the smoke test reaches the qualifier this run released (issue 22, item 1)', () => {
  it('an alias release is not checked through the unqualified Function URL ($LATEST): the alias is invoked directly', async () => {
    const w = world({ alias: 'live' })
    withLiveAliasOf(w, OLDEST_URI)
    // Only $LATEST has a Function URL; someone else's healthy image lands
    // there as the alias moves. The new version passes its pre-traffic
    // check, then answers 500.
    w.fn.url = { qualifier: undefined }
    w.answers.set(NEW.digest, [
      { status: 200, body: 'Healthy' },
      { status: 500, body: 'broken' }
    ])
    w.before['lambda:UpdateAlias'] = () => {
      if (w.calls('lambda:UpdateAlias').length === 1)
        w.fn.deployedBySomeoneElse(OTHER_URI)
    }

    await run(w.deps)

    expect(core.failures()[0]).toMatch(/Smoke test \(direct Invoke\) failed/)
    expect(steps(w).filter(s => s.startsWith('fetch'))).toEqual([])
    // Only the new version was invoked: the pre-traffic check, then the
    // smoke test's attempts.
    const invoked = w
      .calls<InvokeCommandInput>('lambda:Invoke')
      .map(i => i.Qualifier)
    expect(invoked.length).toBeGreaterThan(1)
    expect(new Set(invoked)).toEqual(new Set(['3']))
    // The alias serves the known good version again.
    expect(w.fn.aliases.get('live')).toMatchObject({
      version: '2',
      weights: {}
    })
    expect(summary()).toContain('(reached `3`)')
    // The alias has no Function URL: the pre-traffic check's look-up of it
    // (does it stream?) leaves the smoke test that answer, not an error.
    expect(core.warnings()).not.toContainEqual(
      expect.stringContaining("Could not look up the function's Function URL")
    )
  })

  it('a smoke-url of unknown qualifier in an alias release: the alias is invoked too, and $LATEST is covered by the still-ours check', async () => {
    const w = world({ alias: 'live', 'smoke-url': 'https://api.example.com' })
    withLiveAlias(w)
    w.smokeReplies.set('https://api.example.com/health', [
      { status: 200, body: 'Healthy' }
    ])
    // Someone else deploys $LATEST while the smoke-url is requested: what
    // answered may have been theirs.
    w.before.fetch = input => {
      if (String(input.url) === 'https://api.example.com/health')
        w.fn.deployedBySomeoneElse(OTHER_URI)
    }

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      'was changed by someone else during the smoke test: $LATEST now runs'
    )
    expect(
      w.calls<InvokeCommandInput>('lambda:Invoke').map(i => i.Qualifier)
    ).toEqual(['3', '3'])
    expect(summary()).toContain('(which qualifier it reaches is not known)')
    expect(summary()).toContain('`3` invoked directly')
  })
})
