/**
 * How previews are named: the preview function and its image tags. Pure, so
 * the inputs can resolve a preview's name without the AWS clients that the
 * rest of src/preview needs.
 */
import { createHash } from 'node:crypto'
import type { PreviewName } from './types.js'

/** Lambda function names: 1-64 of [A-Za-z0-9_-]. */
export const MAX_FUNCTION_NAME = 64

/**
 * The preview function's name from the template ({function}, {number}).
 * Names over Lambda's 64 characters are cut and end in a hash of the full
 * name, so two long names that share a prefix still differ, and the same
 * PR always gets the same name.
 */
export function previewFunctionName(
  template: string,
  functionName: string,
  pullRequest: number
): PreviewName {
  const full = template
    .replaceAll('{function}', functionName)
    .replaceAll('{number}', String(pullRequest))
  if (full.length <= MAX_FUNCTION_NAME) {
    return { name: full, shortened: false, full }
  }
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8)
  const head = full
    .slice(0, MAX_FUNCTION_NAME - hash.length - 1)
    .replace(/[-_]+$/, '')
  return { name: `${head}-${hash}`, shortened: true, full }
}

/** The last segment of a function name or (partial) ARN. */
export function bareFunctionName(functionNameOrArn: string): string {
  const parts = functionNameOrArn.split(':')
  const index = parts.indexOf('function')
  return index >= 0
    ? (parts[index + 1] ?? functionNameOrArn)
    : functionNameOrArn
}

/** Image tags of a pull request: pr-<n>-<sha>. */
export function previewTagPrefix(pullRequest: number): string {
  return `pr-${pullRequest}-`
}

/** pr-<n>-<tag>: the image tag of a preview (the tag input or the commit SHA). */
export function previewImageTag(pullRequest: number, tag: string): string {
  return `${previewTagPrefix(pullRequest)}${tag}`
}
