/**
 * The build key (reuse-unchanged-image): one digest of everything the image
 * is built from. Two commits with the same key build the same app on the
 * same base images, so the image the first one built can serve the second.
 *
 * In the key: the files the build context sends (after .dockerignore), the
 * Dockerfile, build-args, labels, secret ids (never values), target,
 * platform, and the digest every base image resolves to at this moment (a
 * patched base image changes the key). Pure: the parts are gathered by the
 * reuse stage.
 */
import { createHash } from 'node:crypto'

/** Bump when what goes into the key changes meaning: old keys then miss. */
export const KEY_VERSION = 1

export interface KeyParts {
  platform: string
  target: string | undefined
  /** The Dockerfile's bytes. */
  dockerfile: string
  buildArgs: readonly string[]
  labels: readonly string[]
  /** Ids of secrets and secret-files: their values never reach the key. */
  secretIds: readonly string[]
  /** Every base image as written, with the digest it resolved to. */
  baseImages: readonly { image: string; digest: string }[]
  /** hashContext's digest. */
  context: string
}

/** The key, sha256 hex. */
export function buildKey(parts: KeyParts): string {
  const lines = [
    `aspnet-lambda-deploy build key v${KEY_VERSION}`,
    `platform ${parts.platform}`,
    `target ${parts.target ?? ''}`,
    `dockerfile ${sha256(parts.dockerfile)}`,
    // Order matters to docker for a repeated name: the last one wins.
    ...parts.buildArgs.map(arg => `build-arg ${JSON.stringify(arg)}`),
    ...parts.labels.map(l => `label ${JSON.stringify(l)}`),
    ...[...parts.secretIds].sort().map(id => `secret ${id}`),
    ...parts.baseImages.map(b => `from ${b.image} ${b.digest}`),
    `context ${parts.context}`
  ]
  return sha256(lines.join('\n'))
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** The prefix of the tag that records a key on the image it built. */
export const KEY_TAG_PREFIX = 'build-'

/**
 * The tag that records `key` on the image it built: ECR tags are at most
 * 300 characters of [a-zA-Z0-9._-]; 40 hex digits (160 bits) are plenty.
 */
export function keyTag(key: string): string {
  return `${KEY_TAG_PREFIX}${key.slice(0, 40)}`
}

/** Whether a tag is a key tag rather than a commit's (or a user's) tag. */
export function isKeyTag(tag: string): boolean {
  return new RegExp(`^${KEY_TAG_PREFIX}[a-f0-9]{40}$`).test(tag)
}

/** The labels a build with a key adds: the key and the tag it was built for. */
export const KEY_LABEL = 'com.github.aspnet-lambda-deploy.build-key'
export const BUILT_FOR_LABEL = 'com.github.aspnet-lambda-deploy.built-for-tag'

export function keyLabels(key: string, tag: string): string[] {
  return [`${KEY_LABEL}=${key}`, `${BUILT_FOR_LABEL}=${tag}`]
}
