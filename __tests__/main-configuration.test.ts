/**
 * run() with the configuration inputs and the first deploy (issue 27): the
 * configuration goes out before the code and comes back with it; a
 * function that does not exist is created with role, and gets its URL.
 */
import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
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
  UpdateFunctionConfigurationCommandInput
} from '@aws-sdk/client-lambda'
import * as core from '../__fixtures__/core.js'
import {
  FUNCTION_NAME,
  PREVIOUS_DIGEST,
  REGION,
  REPOSITORY_NAME,
  REPOSITORY_URI
} from '../__fixtures__/aws.js'
import {
  simulatedWorld,
  storedImage,
  type World
} from '../__fixtures__/world.js'
import { STATE, parseUndoRecords } from '../src/post/saved-state.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

const IMAGE = storedImage('arm64', 'v1')
const FUNCTION_URL = 'https://abc123example.lambda-url.us-east-1.on.aws/'
const ROLE = 'arn:aws:iam::123456789012:role/my-api-execution'

const INPUTS: Record<string, string> = {
  context: fileURLToPath(
    new URL('../__fixtures__/apps/http-api', import.meta.url)
  ),
  preflight: 'strict',
  'event-source': 'http-api',
  'wait-timeout': '5m',
  'smoke-test': 'true',
  'smoke-expect-status': '200',
  'rollback-on-failure': 'true',
  'function-name': FUNCTION_NAME,
  repository: REPOSITORY_NAME,
  tag: 'v1',
  'aws-region': REGION,
  'smoke-path': '/health',
  'smoke-expect-body': 'Healthy',
  'smoke-timeout': '30s'
}

let runnerTemp: string

function world(inputs: Record<string, string> = {}): World {
  const w = simulatedWorld({ ...INPUTS, ...inputs }, { runnerTemp })
  w.fn.architecture = 'arm64'
  w.fn.deployedByTag(`${REPOSITORY_URI}:previous`, PREVIOUS_DIGEST)
  w.fn.url = { qualifier: undefined, address: FUNCTION_URL }
  w.fn.settings = {
    ...w.fn.settings,
    MemorySize: 512,
    Environment: { Variables: { STAGE: 'prod', DB_PASSWORD: 'hunter2-old' } }
  }
  w.build.image = IMAGE
  return w
}

const shown = (): string =>
  JSON.stringify([
    core.infos(),
    core.warnings(),
    core.failures(),
    core.outputs(),
    core.writtenSummaries()
  ])

beforeEach(async () => {
  core.resetCore()
  runnerTemp = await fs.mkdtemp(path.join(os.tmpdir(), 'main-config-'))
})

afterEach(async () => {
  await fs.rm(runnerTemp, { recursive: true, force: true })
})

describe('configuration shipped with the code', () => {
  it('updates the configuration, waits, then the code; names the variables, never their values', async () => {
    const w = world({
      environment: '{"DB_PASSWORD":"hunter2-new","FEATURE":"on"}',
      'memory-size': '1024'
    })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(
      w.order('lambda:UpdateFunctionConfiguration', 'lambda:UpdateFunctionCode')
    ).toEqual([
      'lambda:UpdateFunctionConfiguration',
      'lambda:UpdateFunctionCode'
    ])
    const [update] = w.calls<UpdateFunctionConfigurationCommandInput>(
      'lambda:UpdateFunctionConfiguration'
    )
    // merge: STAGE kept; guarded by the revision the run read.
    expect(update).toMatchObject({
      Environment: {
        Variables: { STAGE: 'prod', DB_PASSWORD: 'hunter2-new', FEATURE: 'on' }
      },
      MemorySize: 1024,
      RevisionId: expect.any(String)
    })
    expect(w.fn.settings.MemorySize).toBe(1024)
    expect(w.fn.digest).toBe(IMAGE.digest)
    // The summary names the variables and whether each changed.
    expect(core.writtenSummaries()[0]).toContain(
      '| Configuration | environment (DB\\_PASSWORD changed, FEATURE added), memory-size |'
    )
    const text = shown()
    expect(text).toContain('DB_PASSWORD changed')
    expect(text).toContain('FEATURE added')
    expect(text).not.toContain('hunter2')
  })

  it('sends no configuration update when nothing changes', async () => {
    const w = world({ environment: '{"STAGE":"prod"}', 'memory-size': '512' })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('lambda:UpdateFunctionConfiguration')).toEqual([])
    expect(w.fn.digest).toBe(IMAGE.digest)
  })

  it('a failed smoke test puts the configuration and the code back together', async () => {
    const w = world({ environment: '{"STAGE":"next"}', timeout: '60' })
    w.answers.set(IMAGE.digest, [{ status: 500, body: 'boom' }])

    await run(w.deps)

    expect(core.failures()[0]).toContain('has its previous configuration again')
    expect(w.fn.digest).toBe(PREVIOUS_DIGEST)
    expect(w.fn.settings.Environment?.Variables).toEqual({
      STAGE: 'prod',
      DB_PASSWORD: 'hunter2-old'
    })
    expect(w.fn.settings.Timeout).toBe(30)
    expect(
      w.order('lambda:UpdateFunctionConfiguration', 'lambda:UpdateFunctionCode')
    ).toEqual([
      'lambda:UpdateFunctionConfiguration',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:UpdateFunctionCode'
    ])
    expect(core.outputs()['rolled-back']).toBe('true')
    expect(shown()).not.toContain('hunter2')
  })

  it('leaves a configuration someone else changed during the run', async () => {
    const w = world({ 'memory-size': '2048' })
    w.answers.set(IMAGE.digest, [{ status: 500, body: 'boom' }])
    w.before['fetch'] = () => {
      w.fn.settings = { ...w.fn.settings, MemorySize: 3008 }
    }

    await run(w.deps)

    expect(w.fn.settings.MemorySize).toBe(3008)
    expect(core.failures()[0]).toContain(
      'its configuration was changed by someone else meanwhile'
    )
  })

  it('leaves the post step a record of the configuration while the run is on', async () => {
    const w = world({ 'memory-size': '2048' })
    let saved = ''
    w.before['lambda:UpdateFunctionCode'] = () => {
      saved = core.savedState()[STATE.undo] ?? ''
    }

    await run(w.deps)

    const records = parseUndoRecords(saved)
    // The configuration's record first: the post step restores it first.
    expect(records.map(r => r.kind)).toEqual(['configuration', 'latest'])
    expect(records[0]).toMatchObject({
      kind: 'configuration',
      restore: { memorySize: 512 }
    })
  })

  it('refuses bad values before anything changes, naming the input', async () => {
    const w = world({
      'memory-size': '64',
      environment: '{"AWS_REGION":"x"}'
    })

    await run(w.deps)

    const [failure] = core.failures()
    expect(failure).toContain(
      'memory-size "64" must be a whole number of MB from 128 to 10240.'
    )
    expect(failure).toContain('environment: AWS_REGION is reserved')
    expect(w.calls('lambda:GetFunction')).toEqual([])
  })
})

describe('the first deploy of a function that does not exist', () => {
  function empty(inputs: Record<string, string>): World {
    const w = world(inputs)
    w.functions.delete(FUNCTION_NAME)
    return w
  }

  it('without role: the clear error stays, nothing is created', async () => {
    const w = empty({})

    await run(w.deps)

    expect(core.failures()[0]).toContain(
      `Lambda function ${FUNCTION_NAME} does not exist`
    )
    expect(w.calls('lambda:CreateFunction')).toEqual([])
  })

  it('with role but no architecture: refused before anything changes', async () => {
    const w = empty({ role: ROLE })

    await run(w.deps)

    expect(core.failures()[0]).toContain('architecture is required to create')
    expect(w.calls('lambda:CreateFunction')).toEqual([])
    expect(w.execCalls).toEqual([])
  })

  it('creates it from the image with the configuration, tags and a public URL with both permissions', async () => {
    const w = empty({
      role: ROLE,
      architecture: 'arm64',
      environment: '{"STAGE":"prod"}',
      'function-url': 'public'
    })
    w.deps.env.GITHUB_REPOSITORY = 'octo/my-api'

    await run(w.deps)

    expect(core.failures()).toEqual([])
    const [create] = w.calls<CreateFunctionCommandInput>(
      'lambda:CreateFunction'
    )
    expect(create).toMatchObject({
      FunctionName: FUNCTION_NAME,
      PackageType: 'Image',
      Code: { ImageUri: `${REPOSITORY_URI}@${IMAGE.digest}` },
      Role: ROLE,
      Architectures: ['arm64'],
      Environment: { Variables: { STAGE: 'prod' } },
      Tags: { 'aspnet-lambda-deploy:created-by': 'octo/my-api' }
    })
    const created = w.functions.get(FUNCTION_NAME)
    expect(created?.digest).toBe(IMAGE.digest)
    expect(w.calls('lambda:AddPermission').map(c => c.Action)).toEqual([
      'lambda:InvokeFunctionUrl',
      'lambda:InvokeFunction'
    ])
    expect(
      w.order('lambda:CreateFunction', 'lambda:CreateFunctionUrlConfig')
    ).toEqual(['lambda:CreateFunction', 'lambda:CreateFunctionUrlConfig'])
    // The smoke test reached the new URL, which the new image answered.
    expect(created?.url?.authType).toBe('NONE')
    expect(w.details('fetch').some(d => d.endsWith('/health'))).toBe(true)
    expect(core.outputs()['smoke-status']).toBe('200')
    expect(core.outputs().updated).toBe('true')
  })

  it('in a dry run says what it would create and creates nothing', async () => {
    const w = empty({ role: ROLE, architecture: 'arm64', 'dry-run': 'true' })

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.calls('lambda:CreateFunction')).toEqual([])
    expect(core.outputs()['would-change']).toContain(
      `would create the function ${FUNCTION_NAME}`
    )
  })
})
