/**
 * The action's domain types: what the validated inputs say. A leaf module:
 * it imports nothing, so every part of the action can name these types
 * without depending on how the inputs are read.
 */

export type PreflightMode = 'strict' | 'warn' | 'off'
/** local-run: auto blocks only on what no configuration could fix; required on every finding. */
export type LocalRunMode = 'auto' | 'required' | 'off'
/** local-run-environment: the function's variable names with placeholder values, or their values. */
export type LocalRunEnvironment = 'placeholders' | 'real'
export type EventSourceInput = 'http-api' | 'rest-api' | 'alb'

export type Architecture = 'x86_64' | 'arm64'

export interface RepositoryRef {
  /** Repository name, e.g. team/my-api. */
  name: string
  /** Account that owns the registry, when the input was a URI. */
  registryId: string | undefined
}

/** A build secret given by value (the secrets input). */
export interface BuildSecret {
  id: string
  value: string
}

/** A build secret read from a file (the secret-files input). */
export interface BuildSecretFile {
  id: string
  path: string
}

export type BodyExpectation =
  { kind: 'substring'; text: string } | { kind: 'regex'; regex: RegExp }

/** Everything the action was asked to do, validated. Keys follow action.yml. */
export interface Inputs extends PreviewInputs, ReleaseInputs {
  /** The first (or only) function of function-name. */
  functionName: string
  /** Every function of function-name, in order (one build, deployed to all). */
  functionNames: string[]
  repository: RepositoryRef
  tag: string
  architecture: Architecture | undefined
  context: string
  file: string | undefined
  target: string | undefined
  buildArgs: string[]
  labels: string[]
  cacheFrom: string[]
  cacheTo: string[]
  /** secrets: id=value lines; reach BuildKit only through the environment. */
  secrets: BuildSecret[]
  /** secret-files: id=path lines. */
  secretFiles: BuildSecretFile[]
  /** builder: a buildx builder by name; undefined: the current one. */
  builder: string | undefined
  noCache: boolean
  /** pull: always look for a newer base image. */
  pull: boolean
  /**
   * reuse-unchanged-image: an image an earlier commit built from the same
   * build key is tagged and deployed instead of building.
   */
  reuseUnchanged: boolean
  waitTimeoutMs: number
  /**
   * The wait for a Lambda Managed Instances version to be Active:
   * wait-timeout when given, else 15 minutes (docs/managed-instances.md).
   */
  activationTimeoutMs: number
  smokeTest: boolean
  smokeUrl: string | undefined
  smokePath: string
  smokeExpectStatus: number
  smokeExpectBody: BodyExpectation | undefined
  smokeTimeoutMs: number
  rollbackOnFailure: boolean
  /**
   * credentials-lifetime: how long the job's AWS credentials last from the
   * action's start, when the SDK's provider reports no expiry of its own.
   */
  credentialsLifetimeMs: number
  region: string
  /** strict: failed checks stop the deploy; warn: they only warn; off: no checks. */
  preflight: PreflightMode
  /** How the function is reached, overriding what preflight discovers. */
  eventSource: EventSourceInput | undefined
  /**
   * environment, environment-mode, memory-size, timeout, ephemeral-storage,
   * image-config, function-description: the configuration shipped with the
   * code (undefined fields: left as the function has them).
   */
  functionConfig: FunctionConfigInputs
  /** role: the execution role a missing function is created with. */
  role: string | undefined
  /** function-url: none, or a Function URL (public or IAM) added if missing. */
  functionUrl: FunctionUrlInput
  /** Run the image as Lambda would (src/emulator/) before anything changes. */
  localRun: LocalRunMode
  localRunEnvironment: LocalRunEnvironment
  /** Give the local run the job's AWS credentials (a risk: docs/preflight.md). */
  localRunCredentials: boolean
}

export type EnvironmentMode = 'merge' | 'replace'
export type FunctionUrlInput = 'none' | 'public' | 'iam'

/** image-config: the ImageConfig overrides of the image's ENTRYPOINT, CMD, WORKDIR. */
export interface ImageConfigInput {
  entryPoint?: string[] | undefined
  command?: string[] | undefined
  workingDirectory?: string | undefined
}

/** The configuration inputs; each undefined one is left as the function has it. */
export interface FunctionConfigInputs {
  environment: Record<string, string> | undefined
  /** merge keeps the variables environment does not name; replace drops them. */
  environmentMode: EnvironmentMode
  memorySize: number | undefined
  timeout: number | undefined
  ephemeralStorage: number | undefined
  imageConfig: ImageConfigInput | undefined
  description: string | undefined
}

export type Mode = 'deploy' | 'preview' | 'cleanup'

/** The inputs of preview and cleanup runs, validated. */
export interface PreviewInputs {
  mode: Mode
  pullRequest: number | undefined
  /** Resolved from the preview-function-name template (preview/cleanup). */
  preview: PreviewName | undefined
  previewUrlAuth: UrlAuthType
  githubToken: string | undefined
  /** The commit the reviewer pushed (the PR head), for the comment. */
  headSha: string | undefined
  /**
   * What a new preview gets of production besides its image and shape
   * (mode preview only; absent: nothing, the isolated default).
   */
  isolation?: PreviewIsolation | undefined
  /**
   * allow-untrusted-triggers (or the deprecated allow-pull-request-target):
   * run on pull_request_target, workflow_run and issue_comment events, and
   * on pull requests from forks, anyway.
   */
  allowUntrustedTriggers?: boolean | undefined
  /** Deprecated inputs that were given: one warning each, naming the replacement. */
  deprecations?: string[] | undefined
}

/**
 * A preview runs pull request code at a URL posted in the pull request: it
 * gets none of production's environment, role or network unless the
 * workflow asks.
 */
export interface PreviewIsolation {
  /** preview-env: variables set on the preview (they win over copied ones). */
  env: Record<string, string>
  /** preview-copy-env: names of production's variables copied to the preview. */
  copyEnv: string[]
  /** preview-role-arn; undefined only with useProductionRole. */
  roleArn: string | undefined
  /**
   * preview-use-production-role: without preview-role-arn, run the preview
   * with production's execution role (refused otherwise).
   */
  useProductionRole: boolean
  /** preview-vpc: production's subnets and security groups. */
  vpc: boolean
  /** preview-settings: the shape of a new preview. */
  settings: PreviewSettings
}

/**
 * preview-settings: what a new preview is created with. The preview role
 * may not read production's configuration (its answer carries production's
 * environment), so the shape comes from the workflow.
 */
export interface PreviewSettings {
  memorySize: number
  timeout: number
  ephemeralStorage: number
  /** The function's ImageConfig overrides; undefined: the image's own. */
  command: string[] | undefined
  entryPoint: string[] | undefined
  workingDirectory: string | undefined
}

/**
 * The inputs of safe releases and of deploys without a build: publish,
 * alias, canary-percent, canary-interval, rollback-to and image; and
 * dry-run, which tries any of them without changing anything.
 */
export interface ReleaseInputs {
  /**
   * dry-run: validate, look up, preflight and build without pushing (or
   * check the existing image), and report what a real run would change;
   * nothing in AWS, the registry or the pull request changes.
   */
  dryRun: boolean
  /** Publish a version of the deployed code (always true with an alias). */
  publish: boolean
  /**
   * prune-versions: keep the newest n published versions; older ones no
   * alias and no $LATEST.PUBLISHED uses are deleted before the publish
   * (undefined: none is deleted).
   */
  pruneVersions: number | undefined
  /** Alias to move to the new version once it passed its checks. */
  alias: string | undefined
  /** Share of the alias's traffic the new version gets first (alias deploys). */
  canary: Canary | undefined
  /** Where the image comes from. */
  source: ImageSource
  /**
   * restore-archived: an image this run needs that ECR has archived (the
   * image to deploy, the one an undo would restore, a reused build) is
   * restored and waited for; false: the run stops before any change and
   * says how to restore it.
   */
  restoreArchived: boolean
}

/**
 * build: build the tag unless it exists (the default);
 * existing: an image already in ECR, by tag or digest (image, rollback-to: <tag>);
 * previous: the version the alias pointed to before its last move.
 */
export type ImageSource =
  | { kind: 'build' }
  | {
      kind: 'existing'
      input: 'image' | 'rollback-to'
      tag: string | undefined
      digest: string | undefined
      /** Registry host the image input named, when it was a URI. */
      registry: string | undefined
    }
  | { kind: 'previous' }

export type UrlAuthType = 'NONE' | 'AWS_IAM'

export interface PreviewName {
  name: string
  /** The template gave a longer name, cut to 64 characters with a hash. */
  shortened: boolean
  /** What the template gave before shortening. */
  full: string
}

/** canary-percent and canary-interval: a share of the alias's traffic first. */
export interface Canary {
  percent: number
  intervalMs: number
  /** canary-alarms and the built-in signals; undefined: neither asked. */
  judging?: CanaryJudging | undefined
}

/**
 * What judges a canary besides its own checks: CloudWatch alarms, and the
 * new version's real traffic (Lambda's Errors and Throttles against its
 * Invocations, the app's 5xx answers in its own log streams).
 */
export interface CanaryJudging {
  /** canary-alarms: CloudWatch alarm names. */
  alarms: string[]
  /** canary-max-error-rate / canary-min-requests given: the built-in signals. */
  signals: CanarySignals | undefined
}

export interface CanarySignals {
  /** canary-max-error-rate, percent. */
  maxErrorRatePercent: number
  /** canary-min-requests. */
  minRequests: number
  /** canary-on-inconclusive: fewer real requests than the minimum. */
  onInconclusive: 'promote' | 'fail'
}

/**
 * How a deploy releases what it deployed: on $LATEST (with publish, also a
 * version of it), through an alias moved to a new version (a canary share
 * first), or, for a Lambda Managed Instances function without an alias, by
 * publishing to `$LATEST.PUBLISHED`, which its unqualified invokes and
 * Function URL run (lambda-managed-instances-version-publishing). The inputs
 * give `latest` or `alias`; `published` is what `latest` means for such a
 * function, found by the look-up (decide/action.ts, targetRelease).
 */
export type Release =
  | { kind: 'latest'; publish: boolean }
  | { kind: 'alias'; name: string; canary: Canary | undefined }
  | { kind: 'published' }

/** The alias release: a version is always published. */
export type AliasRelease = Extract<Release, { kind: 'alias' }>

/** The preview function of a pull request (preview and cleanup). */
export interface PreviewTarget extends PreviewName {
  pullRequest: number
}

/** What every run has, whatever its mode. */
export type CommonSpec = Omit<
  Inputs,
  | 'mode'
  | 'alias'
  | 'canary'
  | 'publish'
  | 'source'
  | 'pullRequest'
  | 'preview'
  | 'isolation'
>

/**
 * mode deploy: the image from its source, released on $LATEST or through
 * an alias; rollback-to previous only moves an alias back, so it only
 * exists with an alias release.
 */
export type DeploySpec = { mode: 'deploy' } & (
  | { release: Release; source: Exclude<ImageSource, { kind: 'previous' }> }
  | { release: AliasRelease; source: { kind: 'previous' } }
)

/** mode preview: the pull request's own function, deployed on $LATEST. */
export interface PreviewSpec {
  mode: 'preview'
  release: { kind: 'latest'; publish: false }
  source: Exclude<ImageSource, { kind: 'previous' }>
  preview: PreviewTarget
  isolation: PreviewIsolation | undefined
}

/** mode cleanup: remove a pull request's preview. */
export interface CleanupSpec {
  mode: 'cleanup'
  preview: PreviewTarget
}

/** What a run was asked to do: the validated inputs, one case per mode. */
export type RunSpec = CommonSpec & (DeploySpec | PreviewSpec | CleanupSpec)

/** The runs that deploy an image (their stages: look-up … smoke). */
export type StageSpec = CommonSpec & (DeploySpec | PreviewSpec)
