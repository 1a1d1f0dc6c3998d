/**
 * Which API Gateway integrations and ALB targets invoke a function, from
 * their URIs and ids (pure).
 */
/**
 * The qualifier with which an API Gateway integration URI or an ALB target
 * id invokes this function: '$LATEST' for the unqualified ARN, else the
 * alias or version after the ARN; undefined when it does not invoke this
 * function. HTTP API integrations take the function (or alias) ARN, or the
 * long form arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/
 * <arn>/invocations; a stage variable in place of the qualifier cannot be
 * resolved here ("API Gateway stage variables reference for HTTP APIs",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.stage-variables-reference.html)
 * and is returned as written, so it matches no qualifier a run releases.
 */
export function invokedQualifier(
  uri: string | undefined,
  functionArn: string
): string | undefined {
  if (uri === undefined) return undefined
  const long = /\/functions\/(.+)\/invocations$/.exec(uri)
  const target = long?.[1] ?? uri
  if (target === functionArn) return '$LATEST'
  if (!target.startsWith(`${functionArn}:`)) return undefined
  const qualifier = target.slice(functionArn.length + 1)
  return qualifier === '' ? undefined : qualifier
}

/**
 * Whether an API Gateway integration URI or an ALB target id invokes this
 * function (any qualifier): the function ARN, ARN:alias, or the legacy
 * arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations.
 */
export function invokesFunction(
  uri: string | undefined,
  functionArn: string
): boolean {
  if (uri === undefined) return false
  return (
    uri === functionArn ||
    uri.startsWith(`${functionArn}:`) ||
    uri.includes(`/functions/${functionArn}/`) ||
    uri.includes(`/functions/${functionArn}:`)
  )
}
