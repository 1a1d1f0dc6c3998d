/**
 * The repository's lifecycle policy, read to warn when one of its rules can
 * archive (`transition`) or expire the image this run makes live: a rollback
 * or an undo to an image that is gone or archived fails, and Lambda marks a
 * function Failed when it cannot pull its image.
 *
 * What a rule selects is read from ECR's documented policy properties
 * (userguide/lifecycle_policy_parameters.html, lifecycle_policy_examples.html):
 * `selection.tagStatus` tagged | untagged | any, `tagPrefixList`,
 * `tagPatternList` (wildcards `*`), `storageClass` standard | archive (a rule
 * on `archive` acts on images already archived), `countType`, and
 * `action.type` expire | transition (`targetStorageClass` archive).
 *
 * Limits, on purpose: whether a rule acts on the image also depends on its
 * count or age (`imageCountMoreThan`, `sinceImagePushed`, `sinceImagePulled`)
 * and on the rules before it; that is not evaluated (ECR's own lifecycle
 * policy preview does that), so the warning says the rule *can* act on the
 * image. Only the image this run deploys is checked, by its tags.
 */
import { GetLifecyclePolicyCommand, type ECRClient } from '@aws-sdk/client-ecr'
import type { RepositoryRef } from '../inputs/types.js'
import { awsCall, failureText } from './call.js'

export type PolicyRead =
  | { kind: 'policy'; text: string }
  | { kind: 'none' }
  | { kind: 'unreadable'; reason: string }

export async function readLifecyclePolicy(
  ecr: ECRClient,
  ref: RepositoryRef
): Promise<PolicyRead> {
  const none = (): PolicyRead => ({ kind: 'none' })
  return awsCall<PolicyRead, PolicyRead>(
    'ecr:GetLifecyclePolicy',
    async () => {
      const response = await ecr.send(
        new GetLifecyclePolicyCommand({
          repositoryName: ref.name,
          ...(ref.registryId !== undefined && { registryId: ref.registryId })
        })
      )
      return response.lifecyclePolicyText === undefined
        ? { kind: 'none' }
        : { kind: 'policy', text: response.lifecyclePolicyText }
    },
    {
      LifecyclePolicyNotFoundException: none,
      RepositoryNotFoundException: none
    }
    // Only a warning depends on it: a policy that cannot be read is said so.
  ).catch((error: unknown): PolicyRead => ({
    kind: 'unreadable',
    reason: failureText('ecr:GetLifecyclePolicy', error)
  }))
}

/** A rule that can archive or expire an image with the given tags. */
export interface RiskyRule {
  rulePriority: number | undefined
  description: string | undefined
  action: 'expire' | 'transition'
  countType: string | undefined
}

interface Rule {
  rulePriority?: unknown
  description?: unknown
  selection?: {
    tagStatus?: unknown
    tagPrefixList?: unknown
    tagPatternList?: unknown
    storageClass?: unknown
    countType?: unknown
  }
  action?: { type?: unknown }
}

const strings = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : []

function wildcard(pattern: string, tag: string): boolean {
  const re = pattern
    .split('*')
    .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${re}$`, 's').test(tag)
}

/** The rules that select an active image with these tags (pure; counts and ages not evaluated). */
export function rulesThatCanRemove(
  policyText: string,
  tags: readonly string[]
): RiskyRule[] {
  let rules: Rule[]
  try {
    const parsed = JSON.parse(policyText) as { rules?: unknown }
    rules = Array.isArray(parsed.rules) ? (parsed.rules as Rule[]) : []
  } catch {
    return []
  }
  return rules.flatMap(rule => {
    const action = rule.action?.type
    if (action !== 'expire' && action !== 'transition') return []
    const selection = rule.selection ?? {}
    // A rule on the archive storage class acts only on archived images.
    if (selection.storageClass === 'archive') return []
    const status = selection.tagStatus
    const selects =
      status === 'any' ||
      (status === 'untagged' && tags.length === 0) ||
      (status === 'tagged' &&
        tags.some(
          tag =>
            strings(selection.tagPrefixList).some(p => tag.startsWith(p)) ||
            strings(selection.tagPatternList).some(p => wildcard(p, tag))
        ))
    if (!selects) return []
    return [
      {
        rulePriority:
          typeof rule.rulePriority === 'number' ? rule.rulePriority : undefined,
        description:
          typeof rule.description === 'string' ? rule.description : undefined,
        action,
        countType:
          typeof selection.countType === 'string'
            ? selection.countType
            : undefined
      }
    ]
  })
}

/** One warning line per rule (pure). */
export function lifecycleWarning(
  repository: string,
  image: string,
  rule: RiskyRule
): string {
  const what = rule.action === 'transition' ? 'archive' : 'expire (delete)'
  return (
    `The lifecycle policy of ${repository} has a rule (priority ${rule.rulePriority ?? '?'}${rule.description !== undefined ? `, "${rule.description}"` : ''}) that can ${what} ${image}, which this run makes live` +
    `${rule.countType !== undefined ? ` once its ${rule.countType} condition holds` : ''}: ` +
    'Lambda marks a function Failed when it cannot pull its image, and a rollback to it would fail. Exclude the tags you may run or roll back to from the rule, or keep more images.'
  )
}
