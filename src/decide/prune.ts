/**
 * prune-versions: which published versions a deploy deletes, pure. Lambda
 * Managed Instances allow 100 function versions per capacity provider, all
 * functions on it together (lambda-managed-instances-quotas), and
 * PublishVersion past it fails with
 * FunctionVersionsPerCapacityProviderLimitExceededException; every function
 * also has its code storage quota (Lambda quotas).
 *
 * Kept: the newest `keep` numbered versions; every version an alias uses
 * (its version or a weighted one: DeleteFunction refuses "a version that an
 * alias references", API reference DeleteFunction, Qualifier); the versions
 * this run serves or would put back (`protect`); $LATEST and
 * $LATEST.PUBLISHED, which are not numbered and never deleted.
 */
export function versionsToPrune(
  versions: readonly string[],
  inUse: ReadonlySet<string>,
  protect: ReadonlySet<string>,
  keep: number
): string[] {
  const numbered = [...new Set(versions)]
    .filter(v => /^[0-9]+$/.test(v))
    .sort((a, b) => Number(a) - Number(b))
  const older = numbered.slice(0, Math.max(0, numbered.length - keep))
  return older.filter(v => !inUse.has(v) && !protect.has(v))
}
