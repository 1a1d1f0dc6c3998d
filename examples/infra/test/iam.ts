/**
 * A tiny IAM evaluator for the workflow tests: does a policy allow one call?
 * Enough for the policies of this stack, and strict about the rest: Allow and
 * Deny statements with Action and Resource lists (wildcards * and ?), and
 * conditions with StringEquals and StringLike only. NotAction, NotResource,
 * NotPrincipal and any other condition operator throw, so a policy it cannot
 * read never passes by accident. Pure: no AWS, no CDK.
 */

export interface Statement {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Action: string | string[]
  Resource?: string | string[]
  Principal?: unknown
  Condition?: Record<string, Record<string, string | string[]>>
}

export interface Policy {
  Statement: Statement[]
}

/** Condition keys and their values for one request (keys are case-insensitive). */
export type RequestContext = Record<string, string>

const listOf = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]

/** IAM's wildcards: * any run of characters (none included), ? exactly one. */
export function wildcardMatch(
  pattern: string,
  value: string,
  ignoreCase = false
): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`
  let compiled = compiledPatterns.get(key)
  if (compiled === undefined) {
    compiled = compile(pattern, ignoreCase)
    compiledPatterns.set(key, compiled)
  }
  return compiled.test(value)
}

const compiledPatterns = new Map<string, RegExp>()

function compile(pattern: string, ignoreCase: boolean): RegExp {
  const source = [...pattern]
    .map(c =>
      c === '*'
        ? '.*'
        : c === '?'
          ? '.'
          : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
    )
    .join('')
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's')
}

function conditionsHold(
  condition: Statement['Condition'],
  context: RequestContext
): boolean {
  const lowered = new Map(
    Object.entries(context).map(([key, value]) => [key.toLowerCase(), value])
  )
  return Object.entries(condition ?? {}).every(([operator, keys]) => {
    if (operator !== 'StringEquals' && operator !== 'StringLike') {
      throw new Error(`condition operator ${operator} is not supported here`)
    }
    // Every key must hold; a key holds when its value is any of the listed.
    return Object.entries(keys).every(([key, expected]) => {
      const actual = lowered.get(key.toLowerCase())
      if (actual === undefined) return false
      return listOf(expected).some(value =>
        operator === 'StringEquals'
          ? value === actual
          : wildcardMatch(value, actual)
      )
    })
  })
}

function matches(
  statement: Statement,
  action: string,
  resource: string | undefined,
  context: RequestContext
): boolean {
  for (const unsupported of ['NotAction', 'NotResource', 'NotPrincipal']) {
    if (unsupported in statement) {
      throw new Error(`${unsupported} is not supported here`)
    }
  }
  // Action names are case-insensitive, resources are not.
  const actionMatches = listOf(statement.Action).some(pattern =>
    wildcardMatch(pattern, action, true)
  )
  const resourceMatches =
    resource === undefined ||
    listOf(statement.Resource).some(pattern => wildcardMatch(pattern, resource))
  return (
    actionMatches &&
    resourceMatches &&
    conditionsHold(statement.Condition, context)
  )
}

/**
 * Whether the policy allows `action` on `resource`: some Allow statement
 * matches and no Deny statement does. `resource` undefined is for trust
 * policies, whose resource is the role itself.
 */
export function allows(
  policy: Policy,
  action: string,
  resource: string | undefined,
  context: RequestContext = {}
): boolean {
  const matching = policy.Statement.filter(statement =>
    matches(statement, action, resource, context)
  )
  return (
    matching.some(statement => statement.Effect === 'Allow') &&
    !matching.some(statement => statement.Effect === 'Deny')
  )
}

const GITHUB_OIDC = 'token.actions.githubusercontent.com'

/**
 * Whether a role's trust policy lets a GitHub Actions job with this OIDC
 * subject assume it with AssumeRoleWithWebIdentity (audience sts.amazonaws.com,
 * as configure-aws-credentials requests), through a Federated principal.
 */
export function trustsSubject(trustPolicy: Policy, subject: string): boolean {
  return allows(
    {
      Statement: trustPolicy.Statement.filter(
        statement =>
          statement.Effect === 'Deny' ||
          (typeof statement.Principal === 'object' &&
            statement.Principal !== null &&
            'Federated' in statement.Principal)
      )
    },
    'sts:AssumeRoleWithWebIdentity',
    undefined,
    {
      [`${GITHUB_OIDC}:sub`]: subject,
      [`${GITHUB_OIDC}:aud`]: 'sts.amazonaws.com'
    }
  )
}
