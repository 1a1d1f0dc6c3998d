/**
 * prune-versions (issue 24): delete the oldest published versions of a
 * function that nothing uses, so that a publish stays within Lambda Managed
 * Instances' 100 versions per capacity provider
 * (lambda-managed-instances-quotas). Which ones: decide/prune.ts.
 * API reference: ListVersionsByFunction, ListAliases (RoutingConfig
 * AdditionalVersionWeights), DeleteFunction with Qualifier ("You can't
 * delete a version that an alias references").
 */
import {
  DeleteFunctionCommand,
  paginateListAliases,
  paginateListVersionsByFunction,
  type LambdaClient
} from '@aws-sdk/client-lambda'
import { versionsToPrune } from '../decide/prune.js'
import { DeployError } from '../util/errors.js'
import { awsCall, awsPages, failureText } from './call.js'
import type { Log } from './lambda.js'

async function listVersions(
  lambda: LambdaClient,
  functionName: string
): Promise<string[]> {
  const versions: string[] = []
  for await (const page of awsPages(
    'lambda:ListVersionsByFunction',
    paginateListVersionsByFunction(
      { client: lambda },
      { FunctionName: functionName }
    )
  ))
    for (const v of page.Versions ?? [])
      if (v.Version !== undefined) versions.push(v.Version)
  return versions
}

/** Every version an alias of the function routes traffic to. */
async function aliasVersions(
  lambda: LambdaClient,
  functionName: string
): Promise<Set<string>> {
  const used = new Set<string>()
  for await (const page of awsPages(
    'lambda:ListAliases',
    paginateListAliases({ client: lambda }, { FunctionName: functionName })
  ))
    for (const a of page.Aliases ?? []) {
      if (a.FunctionVersion !== undefined) used.add(a.FunctionVersion)
      for (const v of Object.keys(
        a.RoutingConfig?.AdditionalVersionWeights ?? {}
      ))
        used.add(v)
    }
  return used
}

/**
 * Delete the versions beyond the newest `keep` that no alias uses and that
 * are not in `protect`. If the run dies in the middle: the versions deleted
 * so far served nobody, so there is nothing to undo, and a re-run deletes
 * the rest. A version an alias took meanwhile is refused by Lambda and
 * kept (a warning, not a failure).
 */
export async function pruneVersions(
  lambda: LambdaClient,
  functionName: string,
  keep: number,
  protect: ReadonlySet<string>,
  log: Log
): Promise<{ deleted: string[]; kept: string[] }> {
  const [versions, inUse] = await Promise.all([
    listVersions(lambda, functionName),
    aliasVersions(lambda, functionName)
  ]).catch((error: unknown) => {
    // The listing's own error names its IAM action; this says what for.
    throw new DeployError(
      `prune-versions: could not list the versions and aliases of ${functionName}: ${failureText('lambda:ListVersionsByFunction / lambda:ListAliases', error)}`
    )
  })
  const doomed = versionsToPrune(versions, inUse, protect, keep)
  const deleted: string[] = []
  const kept: string[] = []
  for (const version of doomed) {
    const outcome = await awsCall(
      'lambda:DeleteFunction',
      async () => {
        await lambda.send(
          new DeleteFunctionCommand({
            FunctionName: functionName,
            Qualifier: version
          })
        )
        return 'deleted' as const
      },
      // Deleted meanwhile (another run's prune): nothing to keep.
      { ResourceNotFoundException: () => 'gone' as const }
      // A version an alias took meanwhile, or any other refusal: kept.
    ).catch((error: unknown) => ({
      refused: failureText('lambda:DeleteFunction', error)
    }))
    if (outcome === 'deleted') deleted.push(version)
    else if (outcome !== 'gone') {
      kept.push(version)
      log(
        `prune-versions: version ${version} of ${functionName} was not deleted (${outcome.refused}); it is kept.`
      )
    }
  }
  log(
    deleted.length === 0
      ? `prune-versions: ${functionName} has no version to delete (keeping the newest ${keep} and every version an alias uses).`
      : `prune-versions: deleted version${deleted.length === 1 ? '' : 's'} ${deleted.join(', ')} of ${functionName} (keeping the newest ${keep} and every version an alias uses).`
  )
  return { deleted, kept }
}
