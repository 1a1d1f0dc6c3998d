import { previewImageTag } from './naming.js'
import { fields, type InputReader, type Parsed } from './readers.js'
import { parseImageReference, TAG } from './release.js'
import type { ImageSource, PreviewInputs, RepositoryRef } from './types.js'

// ECR repository names (AWS's documented pattern) and registry URIs.
const REPOSITORY_NAME =
  /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/
const REPOSITORY_URI =
  /^(?<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?\/(?<name>.+)$/

export interface RepositoryInput {
  /** What the repository input names ('' when not given). */
  repository: RepositoryRef
  /** Whether the repository input was given. */
  given: boolean
  /** The region of a repository URI. */
  region: string | undefined
}

/**
 * repository: an ECR name or URI. Not needed when the image input is a URI
 * (it names the repository) or with rollback-to: previous (no image at all).
 */
export function readRepository(read: InputReader): Parsed<RepositoryInput> {
  const input = fields(read)
  const { problems } = input
  const text = input.text('repository')
  const imageUriRepository = parseImageReference(
    input.text('image')
  )?.repository
  const needsRepository =
    imageUriRepository === undefined && input.text('rollback-to') !== 'previous'
  if (text === '') {
    if (needsRepository) {
      problems.push(
        'repository is required: an ECR repository name (team/my-api) or URI (123456789012.dkr.ecr.us-east-1.amazonaws.com/team/my-api).'
      )
    }
    return input.parsed({
      repository: { name: '', registryId: undefined },
      given: false,
      region: undefined
    })
  }
  const uri = REPOSITORY_URI.exec(text)
  const name = uri?.groups?.name ?? text
  if (!REPOSITORY_NAME.test(name)) {
    problems.push(
      `repository "${text}" is not an ECR repository name (lowercase letters, digits, and . _ - / separators, 2-256 characters) or URI (<account>.dkr.ecr.<region>.amazonaws.com/<name>); give it without a tag or digest.`
    )
  }
  return input.parsed({
    repository: { name, registryId: uri?.groups?.account },
    given: true,
    region: uri?.groups?.region
  })
}

/** The repository input, or the image URI's repository when it was not given. */
export function resolveRepository(
  input: RepositoryInput,
  imageRepository: string | undefined
): RepositoryRef {
  return !input.given && imageRepository !== undefined
    ? { name: imageRepository, registryId: undefined }
    : input.repository
}

/**
 * tag, or the commit the run builds (GITHUB_SHA; for pull_request_target the
 * pull request's head, preview.ts commitOf): needed only when the run
 * builds an image.
 */
/**
 * A tag that by convention moves to the newest push. This action never
 * moves a tag (it reuses an existing one), so building under it would
 * deploy the first image ever pushed under it, every time.
 */
const MOVING_TAG = /^latest$/i

export function readTag(
  read: InputReader,
  env: NodeJS.ProcessEnv,
  commit: string | undefined = env.GITHUB_SHA
): Parsed<string> {
  const input = fields(read)
  const { problems } = input
  const tag = input.optional('tag') ?? commit ?? ''
  // A cleanup builds nothing, so it needs no tag.
  // Neither does a deploy of an existing image.
  const buildsImage =
    input.optional('mode')?.toLowerCase() !== 'cleanup' &&
    input.optional('image') === undefined &&
    input.optional('rollback-to') === undefined
  if (tag === '' && buildsImage) {
    problems.push(
      env.GITHUB_EVENT_NAME === 'pull_request_target'
        ? "tag is empty and this pull_request_target event's payload has no pull_request.head.sha: give a tag matching [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}."
        : 'tag is empty and GITHUB_SHA is not set: give a tag matching [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.'
    )
  } else if (tag !== '' && !TAG.test(tag)) {
    problems.push(
      `tag "${tag}" is not a valid image tag: it must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} (no slashes, colons or @).`
    )
  } else if (buildsImage && MOVING_TAG.test(tag)) {
    problems.push(
      `tag "${tag}" names whatever was pushed last, not this commit's build: a tag is never overwritten, so once it exists every later run would deploy that old image without building. Give a tag that names this build (the default, the commit SHA, or a version such as v1.2.3); to deploy the image already tagged ${tag}, use image: ${tag}.`
    )
  }
  return input.parsed(tag)
}

/**
 * The tag the run deploys: the existing image's, or the one it builds
 * (pr-<n>-<tag> for a preview); '' for a digest or rollback-to: previous.
 */
export function resolveTag(
  tag: string,
  preview: Pick<PreviewInputs, 'mode' | 'pullRequest'>,
  source: ImageSource
): Parsed<string> {
  const problems: string[] = []
  const imageTag =
    preview.mode === 'preview' &&
    preview.pullRequest !== undefined &&
    TAG.test(tag)
      ? previewImageTag(preview.pullRequest, tag)
      : tag
  if (tag !== '' && !TAG.test(imageTag) && TAG.test(tag)) {
    problems.push(
      `tag "${tag}" is too long for a preview: the image tag "${imageTag}" must be at most 128 characters.`
    )
  }
  const value =
    source.kind === 'existing'
      ? (source.tag ?? '')
      : source.kind === 'build'
        ? imageTag
        : ''
  return { value, problems }
}
