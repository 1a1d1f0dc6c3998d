import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface PolicyStatement {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Action: string | string[]
  Resource: string | string[]
}

export interface PolicyDocument {
  Version: string
  Statement: PolicyStatement[]
}

/**
 * The action's permissions page, two folders up (linked from the README's
 * Permissions section): the one source of the deploy policy.
 */
export const POLICY_PATH = join(
  __dirname,
  '..',
  '..',
  '..',
  'docs',
  'permissions.md'
)

/**
 * A least-privilege policy the action documents: the first ```json block
 * under "## The policy" (the production deploy role) or "## The preview
 * policy" (the preview role) of its docs/permissions.md. The deploy role is built
 * from it at synth time, so the role and the documentation cannot drift apart.
 */
export function readmePolicy(
  markdown: string,
  heading: PolicyHeading = 'The policy'
): PolicyDocument {
  const lines = markdown.split(/\r?\n/)
  const start = lines.findIndex(line => line.trim() === `## ${heading}`)
  if (start < 0) throw new Error(`the page has no "## ${heading}" section`)
  const end = lines.findIndex((line, i) => i > start && /^## /.test(line))
  const section = lines.slice(start + 1, end < 0 ? undefined : end).join('\n')
  const block = /^```json\s*\n([\s\S]*?)^```/m.exec(section)?.[1]
  if (block === undefined) {
    throw new Error(`no \`\`\`json policy under "## ${heading}"`)
  }
  const policy = JSON.parse(block) as PolicyDocument
  if (!Array.isArray(policy.Statement) || policy.Statement.length === 0) {
    throw new Error("the README's policy has no Statement list")
  }
  return policy
}

/** The production deploy role's policy, or the preview role's. */
export type PolicyHeading = 'The policy' | 'The preview policy'

export function readReadmePolicy(
  path: string = POLICY_PATH,
  heading: PolicyHeading = 'The policy'
): PolicyDocument {
  return readmePolicy(readFileSync(path, 'utf8'), heading)
}

/** What the README's example names stand for in a real deployment. */
export interface PolicyNames {
  partition: string
  region: string
  account: string
  repositoryName: string
  functionName: string
  /**
   * Further functions the role may change: every resource that names the
   * example function (and its log group) is repeated for each. Default none.
   */
  otherFunctionNames?: readonly string[]
  /**
   * Further regions: every statement with a regional resource is repeated for
   * each, with the Sid suffixed by the region (UsEast1). Default none.
   */
  otherRegions?: readonly string[]
}

// The placeholders the README's policy is written with.
const EXAMPLE = {
  region: 'eu-west-1',
  account: '123456789012',
  repositoryName: 'team/my-api',
  functionName: 'my-api'
}

const NEUTRAL: PolicyNames = {
  partition: 'PARTITION',
  region: 'REGION',
  account: 'ACCOUNT',
  repositoryName: 'REPOSITORY',
  functionName: 'FUNCTION'
}

function replaceExampleNames(resource: string, names: PolicyNames): string {
  return (
    resource
      .replace(/^arn:aws:/, `arn:${names.partition}:`)
      .replaceAll(`:${EXAMPLE.region}:`, `:${names.region}:`)
      .replaceAll(`:${EXAMPLE.account}:`, `:${names.account}:`)
      .replace(
        `:repository/${EXAMPLE.repositoryName}`,
        `:repository/${names.repositoryName}`
      )
      .replace(
        new RegExp(`:function:${EXAMPLE.functionName}(?=$|[-:*])`),
        `:function:${names.functionName}`
      )
      // The function's log group, read when a deploy fails.
      .replace(
        new RegExp(`:log-group:/aws/lambda/${EXAMPLE.functionName}(?=$|[-:*])`),
        `:log-group:/aws/lambda/${names.functionName}`
      )
      // The function's execution role, which previews pass to CreateFunction:
      // role/my-api-lambda in the README, role/<function>-lambda here.
      .replace(
        new RegExp(`:role/${EXAMPLE.functionName}(?=$|[-*])`),
        `:role/${names.functionName}`
      )
  )
}

const EXAMPLE_FUNCTION = new RegExp(
  `:(function:|log-group:/aws/lambda/)${EXAMPLE.functionName}(?=$|[-:*])`
)

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/

/** us-east-1 → UsEast1, for a Sid (alphanumeric only). */
const sidSuffix = (region: string): string =>
  region
    .split('-')
    .map(part => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')

/**
 * The README's policy with its example region, account, repository and
 * function replaced by the real ones (and repeated for otherFunctionNames and
 * otherRegions). A resource that still names an example value afterwards (a
 * new kind of resource in the README) is an error, so the role is never
 * created with a placeholder in it.
 */
export function deployPolicy(
  policy: PolicyDocument,
  names: PolicyNames
): PolicyDocument {
  for (const region of names.otherRegions ?? []) {
    if (!REGION.test(region)) {
      throw new Error(`"${region}" is not an AWS region name (us-east-1)`)
    }
  }
  const substitute = (resource: string, region: string): string[] => {
    if (resource === '*') return [resource]
    // Checked with neutral names, so a real name that happens to contain an
    // example value (a function really called my-api) is not mistaken for one.
    const neutral = replaceExampleNames(resource, NEUTRAL)
    for (const example of Object.values(EXAMPLE)) {
      if (neutral.includes(example)) {
        throw new Error(
          `the README's policy resource ${resource} still names ${example} after substitution: teach deployPolicy() this kind of resource`
        )
      }
    }
    const functions = EXAMPLE_FUNCTION.test(resource)
      ? [names.functionName, ...(names.otherFunctionNames ?? [])]
      : [names.functionName]
    return functions.map(functionName =>
      replaceExampleNames(resource, { ...names, region, functionName })
    )
  }
  const inRegion = (
    statement: PolicyStatement,
    region: string
  ): PolicyStatement => {
    const resources = (
      Array.isArray(statement.Resource)
        ? statement.Resource
        : [statement.Resource]
    ).flatMap(resource => substitute(resource, region))
    return {
      ...statement,
      Resource:
        Array.isArray(statement.Resource) || resources.length > 1
          ? resources
          : (resources[0] ?? '')
    }
  }
  const regional = (statement: PolicyStatement): boolean =>
    [statement.Resource]
      .flat()
      .some(resource => resource.includes(`:${EXAMPLE.region}:`))
  return {
    Version: policy.Version,
    Statement: [
      ...policy.Statement.map(statement => inRegion(statement, names.region)),
      ...(names.otherRegions ?? []).flatMap(region =>
        policy.Statement.filter(regional).map(statement => ({
          ...inRegion(statement, region),
          ...(statement.Sid !== undefined && {
            Sid: `${statement.Sid}${sidSuffix(region)}`
          })
        }))
      )
    ]
  }
}

export function actionsOf(policy: PolicyDocument): string[] {
  return policy.Statement.flatMap(statement =>
    Array.isArray(statement.Action) ? statement.Action : [statement.Action]
  ).sort()
}
