import {
  fields,
  type DurationRange,
  type InputReader,
  type Parsed
} from './readers.js'
import { readCanaryJudging } from './canary.js'
import type { ImageSource, Mode, ReleaseInputs } from './types.js'

/** What an image URI or reference names. */
export interface ImageReference {
  registry: string | undefined
  /** ECR registry account and region, when the host is an ECR host. */
  account: string | undefined
  region: string | undefined
  repository: string | undefined
  tag: string | undefined
  digest: string | undefined
}

/** An image tag: ECR's (and Docker's) rule. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const DIGEST = /^sha256:[a-f0-9]{64}$/
// Lambda: alias names are 1-128 of [A-Za-z0-9_-], not only digits.
const ALIAS = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/
const ECR_HOST =
  /^(?<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/
// host[:port]/name[:tag|@digest]; the host has a dot or a port (or is localhost).
const IMAGE_URI =
  /^(?<host>(?:[a-z0-9-]+\.)+[a-z0-9-]+(?::\d+)?|[a-z0-9-]+:\d+|localhost)\/(?<name>[a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/

/** Parse the image input: a tag, a digest, or an image URI with one of them. */
export function parseImageReference(text: string): ImageReference | undefined {
  const none = {
    registry: undefined,
    account: undefined,
    region: undefined,
    repository: undefined
  }
  if (DIGEST.test(text)) return { ...none, tag: undefined, digest: text }
  if (TAG.test(text)) return { ...none, tag: text, digest: undefined }
  const uri = IMAGE_URI.exec(text)
  if (uri?.groups === undefined) return undefined
  const { host, name, tag, digest } = uri.groups
  if (tag === undefined && digest === undefined) return undefined
  const ecr = ECR_HOST.exec(host ?? '')
  return {
    registry: host,
    account: ecr?.groups?.account,
    region: ecr?.groups?.region,
    repository: name,
    // A URI with both names the digest: that is what Lambda would run.
    tag: digest === undefined ? tag : undefined,
    digest
  }
}

export interface ReleaseContext {
  mode: Mode
  /** The deploy's region, when valid (image URIs must match it). */
  region: string | undefined
  /** The repository input's name, when given. */
  repository: string | undefined
  /** The process's environment (the stand-in's CloudWatch timing). */
  env?: NodeJS.ProcessEnv | undefined
}

export interface ReleaseInput extends ReleaseInputs {
  /** The repository an image URI names. */
  imageRepository: string | undefined
}

/**
 * How long a canary may run. The alias must still be moved (or reverted)
 * when it ends, with the job's AWS credentials, which last 1 hour by default
 * (configure-aws-credentials' role-duration-seconds): a longer canary would
 * end with no way to act on its result.
 */
export const CANARY_INTERVAL_RANGE: DurationRange = { min: '1s', max: '1h' }

/** publish, alias, canary-percent, canary-interval, rollback-to, image, prune-versions and dry-run. */
export function readRelease(
  read: InputReader,
  context: ReleaseContext
): Parsed<ReleaseInput> {
  const { optional, boolean, duration, problems, parsed } = fields(read)
  const alias = optional('alias')
  if (alias !== undefined && !ALIAS.test(alias)) {
    problems.push(
      `alias "${alias}" is not a Lambda alias name: 1-128 letters, digits, - or _, not only digits (for example live).`
    )
  }
  const publish = boolean('publish', false) || alias !== undefined
  const dryRun = boolean('dry-run', false)
  const pruneText = optional('prune-versions')
  let pruneVersions: number | undefined
  if (pruneText !== undefined) {
    // A whole number of versions to keep: 0 would delete every version no
    // alias uses, which is allowed but rarely meant; at most the quota.
    if (
      /^\d+$/.test(pruneText) &&
      Number(pruneText) >= 1 &&
      Number(pruneText) <= 100
    )
      pruneVersions = Number(pruneText)
    else
      problems.push(
        `prune-versions "${pruneText}" must be how many of the newest published versions to keep, a whole number from 1 to 100 (for example 10); older versions no alias and no $LATEST.PUBLISHED uses are deleted.`
      )
  }
  const restoreArchived = boolean('restore-archived', false)

  const percentText = optional('canary-percent')?.replace(/%$/, '')
  let canary: ReleaseInputs['canary']
  if (percentText !== undefined) {
    const percent = Number(percentText)
    if (
      !/^\d+(?:\.\d+)?$/.test(percentText) ||
      !(percent > 0 && percent < 100)
    ) {
      problems.push(
        `canary-percent "${percentText}" must be a share of traffic above 0 and below 100 (for example 10).`
      )
    } else if (alias === undefined) {
      problems.push(
        "canary-percent needs alias: a canary shifts part of an alias's traffic to the new version (for example alias: live)."
      )
    }
    canary = {
      percent,
      intervalMs: duration('canary-interval', '5m', CANARY_INTERVAL_RANGE)
    }
  }
  // canary-interval alone is fine: action.yml gives it a default.
  const judging = readCanaryJudging(read, context.env ?? {}, canary?.intervalMs)
  problems.push(...judging.problems)
  if (canary !== undefined && judging.value !== undefined)
    canary.judging = judging.value

  const rollbackTo = optional('rollback-to')
  const imageText = optional('image')
  let source: ImageSource = { kind: 'build' }
  let imageRepository: string | undefined
  if (rollbackTo !== undefined && imageText !== undefined) {
    problems.push(
      'rollback-to and image both name the image to deploy: give one of them.'
    )
  } else if (rollbackTo === 'previous') {
    if (alias === undefined) {
      problems.push(
        'rollback-to: previous needs alias: it moves the alias back to the version it pointed to before its last move. For a deploy of $LATEST, give the tag to roll back to (rollback-to: <tag>).'
      )
    }
    source = { kind: 'previous' }
  } else if (rollbackTo !== undefined) {
    if (TAG.test(rollbackTo)) {
      source = {
        kind: 'existing',
        input: 'rollback-to',
        tag: rollbackTo,
        digest: undefined,
        registry: undefined
      }
    } else {
      problems.push(
        `rollback-to "${rollbackTo}" must be an image tag in the repository (matching [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or previous (alias deploys).`
      )
    }
  } else if (imageText !== undefined) {
    const ref = parseImageReference(imageText)
    if (ref === undefined) {
      problems.push(
        `image "${imageText}" must be a tag in the repository (v1.2.3), a digest (sha256:<64 hex>) or an image URI with a tag or digest (<account>.dkr.ecr.<region>.amazonaws.com/<name>@sha256:...).`
      )
    } else {
      if (
        ref.region !== undefined &&
        context.region !== undefined &&
        ref.region !== context.region
      ) {
        problems.push(
          `image ${imageText} is in ${ref.region} but the function(s) are in ${context.region}: Lambda only runs images from an ECR repository in the function's own region. Replicate the repository to ${context.region} (ECR replication) and deploy that region's image (the same digest, or just the tag).`
        )
      }
      if (
        ref.repository !== undefined &&
        context.repository !== undefined &&
        ref.repository !== context.repository
      ) {
        problems.push(
          `image ${imageText} is in repository ${ref.repository} but repository is ${context.repository}: give one repository (or leave repository empty).`
        )
      }
      imageRepository = ref.repository
      source = {
        kind: 'existing',
        input: 'image',
        tag: ref.tag,
        digest: ref.digest,
        registry: ref.registry
      }
    }
  }

  if (context.mode !== 'deploy') {
    const asked = [
      ['alias', alias],
      ['publish', publish && alias === undefined ? 'true' : undefined],
      ['canary-percent', percentText],
      ['rollback-to', rollbackTo],
      ['prune-versions', pruneText]
    ].filter(([, value]) => value !== undefined)
    for (const [name] of asked) {
      problems.push(
        `${name ?? ''} is not used with mode: ${context.mode}: a preview is its own function, deployed on $LATEST. Use it with mode: deploy.`
      )
    }
  }
  return parsed({
    dryRun,
    publish,
    pruneVersions,
    alias,
    canary,
    source,
    imageRepository,
    restoreArchived
  })
}
