/**
 * The deploy stage's own "already runs this digest" skip, through run()
 * against the simulated AWS of __fixtures__/world.ts: a function is left
 * alone only when it shows the digest and its last update succeeded.
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
import * as core from '../../__fixtures__/core.js'
import {
  FUNCTION_NAME,
  REGION,
  REPOSITORY_NAME,
  REPOSITORY_URI
} from '../../__fixtures__/aws.js'
import {
  layerDigest,
  simulatedWorld,
  storedImage,
  type World
} from '../../__fixtures__/world.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../../src/main.js')

const TAG = 'v1'
const IMAGE = storedImage('arm64', 'v1')
const IMAGE_URI = `${REPOSITORY_URI}@${IMAGE.digest}`
const FUNCTION_URL = 'https://abc123example.lambda-url.us-east-1.on.aws/'

let runnerTemp: string

/**
 * A re-run: the tag is in ECR already and the function shows its digest,
 * after an update that ended with `lastUpdateStatus`.
 */
function rerun(lastUpdateStatus: 'Successful' | 'Failed'): World {
  const w = simulatedWorld(
    {
      preflight: 'strict',
      'event-source': 'http-api',
      'wait-timeout': '5m',
      'smoke-test': 'true',
      'smoke-expect-status': '200',
      'rollback-on-failure': 'true',
      'function-name': FUNCTION_NAME,
      repository: REPOSITORY_NAME,
      tag: TAG,
      'aws-region': REGION,
      'smoke-path': '/health',
      'smoke-expect-body': 'Healthy',
      'smoke-timeout': '30s'
    },
    { runnerTemp }
  )
  w.fn.architecture = 'arm64'
  w.fn.url = { qualifier: undefined, address: FUNCTION_URL }
  w.registry.push(TAG, IMAGE)
  w.fn.imageUri = IMAGE_URI
  w.fn.lastUpdateStatus = lastUpdateStatus
  if (lastUpdateStatus === 'Failed') {
    w.fn.reason = 'The image manifest could not be read.'
    w.fn.reasonCode = 'ImageAccessDenied'
  }
  return w
}

/** Layer blobs of the image fetched from the registry (the image preflight). */
function layersRead(w: World): string[] {
  const layers = (IMAGE.layers ?? []).map(layerDigest)
  return w.details('fetch').filter(url => layers.some(d => url.endsWith(d)))
}

beforeEach(async () => {
  core.resetCore()
  runnerTemp = await fs.mkdtemp(path.join(os.tmpdir(), 'deploy-test-'))
})

afterEach(async () => {
  await fs.rm(runnerTemp, { recursive: true, force: true })
})

describe('a function that already shows the digest', () => {
  it('is left alone when its last update succeeded', async () => {
    const w = rerun('Successful')

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([])
    expect(core.outputs().updated).toBe('false')
    expect(layersRead(w)).toEqual([])
  })

  it('is updated again when its last update failed, after the image preflight', async () => {
    const w = rerun('Failed')

    await run(w.deps)

    expect(core.failures()).toEqual([])
    expect(w.details('lambda:UpdateFunctionCode')).toEqual([IMAGE_URI])
    expect(w.fn.lastUpdateStatus).toBe('Successful')
    expect(core.outputs().updated).toBe('true')
    expect(core.infos().join('\n')).not.toContain('already runs this image')
    expect(layersRead(w).length).toBeGreaterThan(0)
  })
})
