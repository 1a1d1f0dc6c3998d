/**
 * One simulated AWS (and docker CLI, registry API, web and GitHub API) that
 * run() is tested against, so every test of the whole action sees the same
 * Lambda, ECR and CloudWatch Logs. This file composes the parts in world/,
 * one per service, and is the one entry tests import:
 *
 * - Lambda (world/lambda-*.ts): functions with $LATEST (an image, by digest
 *   or by tag, whose update moves InProgress → Successful, or Failed leaving
 *   the previous image; an update while another is in progress is refused
 *   with ResourceConflictException), published versions (PublishVersion
 *   records $LATEST's digest and refuses a CodeSha256 that no longer
 *   matches, as AWS does), aliases with weights, description and RevisionId,
 *   Invoke of a version or alias answered by the "app" of that version's
 *   image (world/app.ts), Function URLs with their auth type and the two
 *   public permissions, tags, and the preview calls (CreateFunction →
 *   Pending → Active, CreateFunctionUrlConfig, GetPolicy, AddPermission,
 *   DeleteFunction, DeleteFunctionUrlConfig);
 * - ECR (world/ecr-*.ts, images in world/images.ts): one repository holding
 *   images by digest and tags with push dates (DescribeImages, BatchGetImage,
 *   ListImages, BatchDeleteImage, PutImage of a stored manifest under a new
 *   tag, refusing to move a tag as an IMMUTABLE repository does);
 * - API Gateway v2 (world/apigw.ts): HTTP APIs and their integrations;
 * - CloudWatch Logs (world/logs.ts): FilterLogEvents over each function's
 *   log group;
 * - through fetch (world/web.ts, world/github.ts): the registry API (config
 *   and layer blobs, behind the ECR token; the digests of base images in
 *   `baseImages`, asked with HEAD), the functions' URLs (served by the app,
 *   or scripted replies for any URL) and the GitHub issue comments API;
 * - the docker CLI, through exec (world/docker.ts): login, buildx (or plain
 *   docker) build and push of `build.image` into the repository.
 *
 * Every call is recorded in order in `events` (world/calls.ts), with the
 * @actions/core groups open at the time; `before[call]` runs first and may
 * throw to make the call fail. Install the @actions/core fixture (core.ts)
 * before using a world: it reads its inputs through it.
 */
import type { Api, Integration } from '@aws-sdk/client-apigatewayv2'
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs'
import type { jest } from '@jest/globals'
import { PREVIOUS_DIGEST, REPOSITORY_NAME } from './aws.js'
import { getInput, setInputs } from './core.js'
import type { ExecCall } from './exec.js'
import { fakeTiming, type FakeTiming } from './timing.js'
import type { Exec } from '../src/build/docker.js'
import type { Dependencies } from '../src/main.js'
import { apigatewayClient } from './world/apigw.js'
import { appOf, type Answer } from './world/app.js'
import { callLog, callQueries, type Event } from './world/calls.js'
import { dockerCli, type Build, type LaterPush } from './world/docker.js'
import { ecrClient } from './world/ecr-api.js'
import { FakeRegistry } from './world/ecr-registry.js'
import { githubApi, type Comment } from './world/github.js'
import { storedImage } from './world/images.js'
import { lambdaClient } from './world/lambda-api.js'
import { FakeFunction } from './world/lambda-function.js'
import { mockLogs } from './world/logs.js'
import {
  mockCloudWatch,
  type FakeAlarm,
  type FakeCloudWatch
} from './world/cloudwatch.js'
import { PREVIOUS_URI, START } from './world/names.js'
import { worldFetch, type Reply } from './world/web.js'

export {
  START,
  PREVIOUS_URI,
  URL_FORBIDDEN,
  PUBLIC_INVOKE_STATEMENT,
  PUBLIC_URL_STATEMENT,
  digestOf,
  functionArn,
  functionUrlOf,
  hexOf,
  repositoryUriOf,
  uriOf
} from './world/names.js'
export {
  DOCKER_V2,
  imageIndex,
  layerDigest,
  localImageId,
  storedImage,
  type StoredImage
} from './world/images.js'
export { HEALTHY, HEALTH_PATH, type Answer } from './world/app.js'
export { FakeFunction, type FakeUrl } from './world/lambda-function.js'
export { FakeRegistry } from './world/ecr-registry.js'
export type { Event } from './world/calls.js'
export type { Reply } from './world/web.js'
export type { Build } from './world/docker.js'
export type { Comment } from './world/github.js'

export interface World {
  deps: Dependencies
  /** The first function of function-name. */
  fn: FakeFunction
  functions: Map<string, FakeFunction>
  /** A function that is not in function-name (e.g. a preview). */
  addFunction: (name: string) => FakeFunction
  registry: FakeRegistry
  build: Build
  /** What each image's app answers, in turn (the last repeats); default HEALTHY. */
  answers: Map<string, Answer[]>
  /** Replies by URL, in turn (the last repeats), instead of asking the app. */
  smokeReplies: Map<string, Reply[]>
  /** HTTP APIs (API Gateway v2) and their integrations. */
  apis: { api: Api; integrations: Integration[] }[]
  /** Log events by log group. */
  logs: Map<string, FilteredLogEvent[]>
  /** CloudWatch alarms and Lambda's metric sums (world/cloudwatch.ts). */
  cloudwatch: FakeCloudWatch
  /** Pull request comments in the GitHub repository (any repository). */
  comments: Comment[]
  /**
   * Base images in public registries: `host/repository:tag` → the digest
   * its registry answers a manifest HEAD with (anonymous, no token).
   */
  baseImages: Map<string, string>
  /** Runs before the fake answers `call`; throw to make the call fail. */
  before: Record<string, (input: Record<string, unknown>) => void>
  /**
   * The answer to `call` (an AWS call, or `fetch`) waits until this promise
   * resolves. A held fetch whose signal aborts rejects with its reason, as
   * fetch does, recorded as `fetch:aborted`.
   */
  hold: Record<string, Promise<unknown>>
  /** The runner cancels the job: the run's cancel listener hears `signal`. */
  cancel: (signal?: string) => void
  /**
   * The job's AWS credentials, as the SDK's credential provider reports
   * them: `expiration` undefined (long-lived keys, or a provider that does
   * not say) or when the session ends.
   */
  credentials: { expiration: Date | undefined }
  events: Event[]
  timing: FakeTiming
  exec: jest.Mock<Exec>
  execCalls: ExecCall[]
  /** The region of each clients() call. */
  clientRegions: string[]
  /** The inputs of every call of this kind, in order. */
  calls: <T = Record<string, unknown>>(call: string) => T[]
  /** The detail of every call of this kind, in order. */
  details: (call: string) => string[]
  /** The recorded calls, names only, keeping those listed. */
  order: (...calls: string[]) => string[]
  /** The payload of each Invoke, parsed. */
  invokedEvents: () => Record<string, unknown>[]
  /** The first command run whose argv starts with `prefix`. */
  argvOf: (...prefix: string[]) => string[] | undefined
}

export interface WorldOptions {
  /** The ECR repository's name. Default REPOSITORY_NAME. */
  repository?: string
  /** RUNNER_TEMP, where docker login keeps its config; unset by default. */
  runnerTemp?: string
}

/**
 * A world with the functions of function-name (one per line), each running
 * PREVIOUS_URI on $LATEST, and an empty repository; `inputs` are what the
 * workflow passes (set on the @actions/core fixture).
 */
export function simulatedWorld(
  inputs: Record<string, string>,
  options: WorldOptions = {}
): World {
  // The local run needs a Docker engine: it is tested in
  // __tests__/checks/local-run/ and e2e/local-run.test.ts, off here.
  setInputs({ 'local-run': 'off', ...inputs })
  const names = (inputs['function-name'] ?? '')
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '')
  const functions = new Map(names.map(name => [name, new FakeFunction(name)]))
  const fn = functions.get(names[0] ?? '') as FakeFunction
  const registry = new FakeRegistry(options.repository ?? REPOSITORY_NAME)
  const timing = fakeTiming({ start: START })
  const now = (): number => timing.timing.now()
  /** Pushes another run makes later on (see Build.tagMovedBy). */
  const pendingPushes: LaterPush[] = []
  const pushDue = (): void => {
    for (const push of pendingPushes.splice(0)) {
      if (push.at <= now()) registry.push(push.tag, push.image)
      else pendingPushes.push(push)
    }
  }
  const build: Build = { image: storedImage('amd64', 'built'), buildx: true }
  const answers = new Map<string, Answer[]>()
  const smokeReplies = new Map<string, Reply[]>()
  const baseImages = new Map<string, string>()
  const apis: World['apis'] = []
  const logs = new Map<string, FilteredLogEvent[]>()
  const comments: Comment[] = []
  const before: World['before'] = {}
  const hold: World['hold'] = {}
  const { events, record, handle } = callLog(before, hold)
  const app = appOf(answers)

  const credentials: World['credentials'] = { expiration: undefined }
  const lambda = lambdaClient({
    functions,
    registry,
    handle,
    app,
    credentials
  })
  const ecr = ecrClient({ registry, handle, now, pushDue })
  const apigateway = apigatewayClient(apis, handle)
  mockLogs(logs, handle)
  const cloudwatch: FakeCloudWatch = {
    alarms: new Map<string, FakeAlarm>(),
    sums: new Map<string, number>()
  }
  mockCloudWatch(cloudwatch, handle)
  const fetchImpl = worldFetch({
    record,
    hold,
    registry,
    baseImages,
    smokeReplies,
    functions,
    app,
    github: githubApi(comments),
    githubApiUrl: () => deps.env.GITHUB_API_URL
  })
  const docker = dockerCli({ build, registry, now, pendingPushes, record })

  const clientRegions: string[] = []
  const cancelListeners = new Set<(signal: string) => void>()
  const deps: Dependencies = {
    clients: region => {
      clientRegions.push(region)
      return { lambda, ecr, apigateway: () => Promise.resolve(apigateway) }
    },
    exec: docker.exec,
    timing: timing.timing,
    fetch: fetchImpl,
    env: {
      GITHUB_SHA: 'f'.repeat(40),
      ...(options.runnerTemp !== undefined && {
        RUNNER_TEMP: options.runnerTemp
      })
    },
    readInput: name => getInput(name),
    onCancel: listener => {
      cancelListeners.add(listener)
      return () => cancelListeners.delete(listener)
    }
  }
  return {
    deps,
    credentials,
    cancel: (signal = 'SIGINT') => {
      for (const listener of [...cancelListeners]) listener(signal)
    },
    fn,
    functions,
    addFunction: name => {
      const added = new FakeFunction(name)
      functions.set(name, added)
      return added
    },
    registry,
    build,
    answers,
    smokeReplies,
    apis,
    logs,
    cloudwatch,
    comments,
    baseImages,
    before,
    hold,
    events,
    timing,
    exec: docker.exec,
    execCalls: docker.calls,
    clientRegions,
    ...callQueries(events),
    argvOf: (...prefix) =>
      docker.argvs().find(argv => prefix.every((part, i) => argv[i] === part))
  }
}

/**
 * Alias live as this action leaves it: version 1 runs `oldestUri`, version 2
 * PREVIOUS_URI ($LATEST too), live → 2 recording 1.
 */
export function withLiveAlias(w: World, oldestUri: string): void {
  w.fn.imageUri = oldestUri
  w.fn.publish()
  w.fn.imageUri = PREVIOUS_URI
  w.fn.publish()
  w.fn.setAlias(
    'live',
    '2',
    `aspnet-lambda-deploy: previous version 1; image ${PREVIOUS_DIGEST}`
  )
}
