/** The preview's Function URL, and the permissions a public one needs. */
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { DeployError, errorMessage } from '../util/errors.js'
import { PUBLIC_URL_STATEMENTS, getFunctionUrl } from '../aws/function-url.js'
import {
  addPermission,
  createFunctionUrl,
  readPolicy,
  removePermission,
  updateFunctionUrlAuth
} from '../aws/preview-lambda.js'
import type { UrlAuthType } from '../inputs/types.js'

export { PUBLIC_URL_STATEMENTS } from '../aws/function-url.js'

export type PublicUrlStatement = keyof typeof PUBLIC_URL_STATEMENTS

type Json = Record<string, unknown>

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value]
}

function grantsAction(statement: Json, action: string): boolean {
  return list(statement.Action).some(
    a => a === action || a === 'lambda:*' || a === '*'
  )
}

function toAnyone(statement: Json): boolean {
  const principal = statement.Principal
  return (
    principal === '*' ||
    (isRecord(principal) && list(principal.AWS).includes('*'))
  )
}

/** A condition key's value in any operator block (IAM puts it under StringEquals, Bool, ...). */
function conditionValue(statement: Json, key: string): unknown[] {
  const condition = statement.Condition
  if (!isRecord(condition)) return []
  return Object.values(condition).flatMap(block =>
    isRecord(block) ? list(block[key]) : []
  )
}

function hasConditions(statement: Json): boolean {
  return (
    isRecord(statement.Condition) && Object.keys(statement.Condition).length > 0
  )
}

/**
 * Which of the two public statements a resource policy (GetPolicy's
 * Policy text) already grants. A broader grant counts: InvokeFunction to
 * anyone without a condition covers calls through the URL too.
 */
export function publicUrlGrants(
  policy: string | undefined
): Record<PublicUrlStatement, boolean> {
  let statements: Json[] = []
  try {
    const parsed: unknown = JSON.parse(policy ?? '{}')
    if (isRecord(parsed)) statements = list(parsed.Statement).filter(isRecord)
  } catch {
    // Not JSON: treat as no statements, so both are added.
  }
  const allows = statements.filter(s => s.Effect !== 'Deny' && toAnyone(s))
  return {
    invokeFunctionUrl: allows.some(
      s =>
        grantsAction(s, 'lambda:InvokeFunctionUrl') &&
        (s.FunctionUrlAuthType === 'NONE' ||
          conditionValue(s, 'lambda:FunctionUrlAuthType').includes('NONE'))
    ),
    invokeFunction: allows.some(
      s =>
        grantsAction(s, 'lambda:InvokeFunction') &&
        (s.InvokedViaFunctionUrl === true ||
          conditionValue(s, 'lambda:InvokedViaFunctionUrl').some(
            v => v === true || v === 'true'
          ) ||
          (!hasConditions(s) && s.FunctionUrlAuthType === undefined))
    )
  }
}

/**
 * Adds whichever of the two public statements the function's policy lacks,
 * so a URL made before October 2025's rule (or by an older version of this
 * action) is repaired on the next run. Returns the statements it added.
 */
export async function ensurePublicUrlPermissions(
  lambda: LambdaClient,
  functionName: string,
  log: (message: string) => void
): Promise<PublicUrlStatement[]> {
  // No resource policy at all (undefined): neither statement is there.
  const grants = publicUrlGrants(await readPolicy(lambda, functionName))
  const missing = (Object.keys(grants) as PublicUrlStatement[]).filter(
    key => !grants[key]
  )
  const added: PublicUrlStatement[] = []
  for (const key of missing) {
    const statement = PUBLIC_URL_STATEMENTS[key]
    if ((await addPermission(lambda, functionName, statement)) === 'added') {
      added.push(key)
    } else {
      // The id is taken: either a concurrent run added it, or a statement
      // with that id grants something else, and the URL would answer 403.
      const again = publicUrlGrants(await readPolicy(lambda, functionName))
      if (!again[key]) {
        throw new DeployError(
          `The policy of ${functionName} has a statement ${statement.StatementId} that does not grant ${statement.Action} to everyone through the Function URL; remove it (aws lambda remove-permission --function-name ${functionName} --statement-id ${statement.StatementId}) and run again.`
        )
      }
    }
  }
  if (added.length > 0) {
    log(
      `Added the public Function URL permission${added.length > 1 ? 's' : ''} ${added.map(key => `${PUBLIC_URL_STATEMENTS[key].Action} (${PUBLIC_URL_STATEMENTS[key].StatementId})`).join(' and ')} to ${functionName}.`
    )
  }
  return added
}

/**
 * A preview URL whose AuthType is not preview-url-auth (made by an older
 * version, or before the input changed) is changed to it. From NONE to
 * AWS_IAM the two public statements go too: with Principal * they would
 * let any AWS account's signed requests in (Lambda developer guide,
 * "Control access to Lambda function URLs").
 */
async function changeUrlAuth(
  lambda: LambdaClient,
  functionName: string,
  from: string | undefined,
  to: UrlAuthType,
  log: (message: string) => void
): Promise<void> {
  try {
    await updateFunctionUrlAuth(lambda, functionName, to)
  } catch (error) {
    throw new DeployError(
      `The Function URL of ${functionName} has AuthType ${from ?? '?'}, not preview-url-auth ${to}, and could not be changed: ${errorMessage(error)}`
    )
  }
  log(
    `Changed the Function URL's AuthType from ${from ?? '?'} to ${to} (preview-url-auth).`
  )
  if (to !== 'AWS_IAM') return
  for (const statement of Object.values(PUBLIC_URL_STATEMENTS)) {
    if (
      (await removePermission(lambda, functionName, statement.StatementId)) ===
      'removed'
    )
      log(`Removed the public permission ${statement.StatementId}.`)
  }
}

/**
 * The preview's Function URL, created when missing. An AuthType NONE URL,
 * new or existing, also gets both public permissions, or every request
 * gets 403.
 */
export async function ensureFunctionUrl(
  lambda: LambdaClient,
  functionName: string,
  authType: UrlAuthType,
  log: (message: string) => void
): Promise<string> {
  const found = await getFunctionUrl(lambda, functionName)
  const existing =
    found?.FunctionUrl === undefined
      ? undefined
      : { url: found.FunctionUrl, authType: found.AuthType }
  if (existing !== undefined) {
    if (existing.authType !== authType) {
      await changeUrlAuth(
        lambda,
        functionName,
        existing.authType,
        authType,
        log
      )
    }
    if (authType === 'NONE') {
      await ensurePublicUrlPermissions(lambda, functionName, log)
    }
    return existing.url
  }
  const url = await createFunctionUrl(lambda, functionName, authType)
  if (url === undefined) {
    throw new DeployError(
      `Lambda returned no Function URL for ${functionName}.`
    )
  }
  if (authType === 'NONE') {
    await ensurePublicUrlPermissions(lambda, functionName, log)
  }
  log(`Created the Function URL ${url} (AuthType ${authType}).`)
  return url
}
