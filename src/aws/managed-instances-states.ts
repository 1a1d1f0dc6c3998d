/**
 * Lambda Managed Instances, the pure part (./managed-instances.ts does the
 * calls): what a published version's state means for a wait, and the two
 * Managed Instances errors in words. Sources as in ./managed-instances.ts:
 * the API reference's FunctionConfiguration State and StateReasonCode,
 * lambda-managed-instances-quotas and -version-publishing.
 */
import { awsErrorName, errorMessage } from '../util/errors.js'
import { formatDuration } from '../util/time.js'

/** The version unqualified invokes of a Managed Instances function run. */
export const LATEST_PUBLISHED = '$LATEST.PUBLISHED'

/** lambda-managed-instances-quotas: "Function versions per capacity provider: 100 ... Cannot be increased." */
export const VERSIONS_PER_CAPACITY_PROVIDER = 100

/** A published version's state as GetFunctionConfiguration reports it. */
export interface PublishedVersionState {
  functionName: string
  /** `$LATEST.PUBLISHED` or a version number */
  version: string
  versionArn: string
  codeSha256: string | undefined
  /** The image the version runs (`repo@sha256:…`) and its digest. */
  imageUri: string | undefined
  imageDigest: string | undefined
  state: string | undefined
  stateReason: string | undefined
  stateReasonCode: string | undefined
}

/** What a wait for a published version does after one poll. */
export type ActivationStep =
  | { step: 'done' }
  | { step: 'wait'; progress: string }
  | { step: 'failed'; reason: string }

/**
 * What each StateReasonCode means for the person who reads the failure, and
 * what they can do about it. Codes from the API reference's
 * FunctionConfiguration StateReasonCode; the capacity ones are the Managed
 * Instances ones (capacity providers: lambda-managed-instances-capacity-providers,
 * quotas: lambda-managed-instances-quotas).
 */
const REASON_ADVICE: Readonly<Record<string, string>> = {
  InsufficientCapacity:
    'EC2 has no capacity for the instance types the capacity provider allows, in its subnets: allow more instance types or add subnets in other Availability Zones to the capacity provider, or deploy again later',
  CapacityProviderScalingLimitExceeded:
    "the capacity provider reached its scaling limit (the maximum vCPUs it may run): raise MaxVCpuCount in the capacity provider's scaling configuration, or move other functions to another capacity provider",
  VcpuLimitExceeded:
    'the account reached its EC2 vCPU quota for these instance types: ask for an EC2 On-Demand vCPU quota increase in Service Quotas',
  EC2RequestLimitExceeded:
    'EC2 throttled the requests Lambda made to launch instances: deploy again later',
  SubnetOutOfIPAddresses:
    "the capacity provider's subnets have no free IP addresses: free addresses or add subnets to the capacity provider",
  InvalidSubnet:
    "a subnet in the capacity provider's VPC configuration is not usable: fix the capacity provider's subnets",
  InvalidSecurityGroup:
    "a security group in the capacity provider's VPC configuration is not usable: fix the capacity provider's security groups",
  EniLimitExceeded:
    'the account reached its limit of network interfaces in this Region: delete unused ones or ask for a higher quota',
  InsufficientRolePermissions:
    "a role lacks permissions (the capacity provider's operator role or the function's execution role): see the reason below and the role's policy",
  ImageAccessDenied:
    "Lambda may not pull the image: allow the function's execution role and the repository policy to let Lambda read it",
  ImageDeleted:
    'the image was deleted (or archived) from the repository: deploy an image that exists',
  InvalidImage: 'Lambda refused the image: see the reason below',
  ServiceQuotaExceededException:
    'a service quota was reached: see the reason below',
  InternalError:
    'Lambda had an internal error while activating the version: deploy again'
}

function reasonInWords(
  code: string | undefined,
  reason: string | undefined
): string {
  const advice =
    code === undefined
      ? undefined
      : (REASON_ADVICE[code] ??
        (code.startsWith('FunctionError')
          ? `the function failed while starting (${code}): its INIT phase crashed or timed out; see the function's logs`
          : undefined))
  const parts = [
    code !== undefined ? `reason code ${code}` : undefined,
    advice,
    reason !== undefined && reason !== ''
      ? `Lambda says: "${reason}"`
      : undefined
  ].filter((p): p is string => p !== undefined)
  return parts.length > 0 ? parts.join('; ') : 'Lambda gave no reason'
}

/**
 * The decision after one poll of a published version, pure. Active ends the
 * wait; Pending keeps waiting (activation starts EC2 instances and
 * execution environments, and can take many minutes); every other state ends
 * it with a reason a person can act on. `$LATEST` of a Managed Instances
 * function is ActiveNonInvocable by design: it is never what a release waits
 * for, so a published version in that state is a failure too.
 */
export function activationStep(
  v: Pick<
    PublishedVersionState,
    'functionName' | 'version' | 'state' | 'stateReason' | 'stateReasonCode'
  >,
  elapsedMs: number
): ActivationStep {
  const what = `${v.functionName}:${v.version}`
  const why = reasonInWords(v.stateReasonCode, v.stateReason)
  switch (v.state) {
    case 'Active':
      return { step: 'done' }
    case 'Pending':
      return {
        step: 'wait',
        progress: `${what} is Pending after ${formatDuration(elapsedMs)}${v.stateReasonCode !== undefined ? ` (${v.stateReasonCode})` : ''}: Lambda is starting instances and execution environments on the capacity provider; traffic moves to it only once it is Active.`
      }
    case 'Failed':
      return {
        step: 'failed',
        reason: `${what} failed to activate: ${why}. Callers still get the version they had.`
      }
    case 'Inactive':
      return {
        step: 'failed',
        reason: `${what} is Inactive (${why}): Lambda reclaimed its execution environments; publish it again.`
      }
    case 'Deactivating':
    case 'Deactivated':
      return {
        step: 'failed',
        reason: `${what} is ${v.state} (${why}): Lambda is taking it out of service, usually because a newer publish replaced it (another deploy at the same time?). Check what the function serves now before deploying again.`
      }
    case 'Deleting':
      return {
        step: 'failed',
        reason: `${what} is being deleted (${why}): someone deleted the version or the function while this run waited for it.`
      }
    case 'ActiveNonInvocable':
      return {
        step: 'failed',
        reason: `${what} is ActiveNonInvocable: it cannot be invoked. That is what $LATEST of a Managed Instances function reports; a release must publish (PublishTo LATEST_PUBLISHED or a numbered version) and wait for that version instead.`
      }
    case undefined:
      return {
        step: 'wait',
        progress: `${what} reports no State yet after ${formatDuration(elapsedMs)}; waiting.`
      }
    default:
      return {
        step: 'wait',
        progress: `${what} is in state ${v.state}, which this action does not know (${why}); waiting for Active until the wait limit.`
      }
  }
}

/**
 * The two Managed Instances errors, explained with what to do; undefined for
 * any other error (the caller describes it as usual).
 */
export function explainManagedInstancesError(
  error: unknown,
  functionName: string
): string | undefined {
  const name = awsErrorName(error)
  const said = errorMessage(error)
  if (name === 'FunctionVersionsPerCapacityProviderLimitExceededException') {
    return (
      `Lambda refused to publish a version of ${functionName}: the capacity provider already has ${VERSIONS_PER_CAPACITY_PROVIDER} function versions, its limit, which cannot be raised (${name}: ${said}). ` +
      'Nothing changed what callers get. Delete versions no alias uses (the versions of every function on this capacity provider count), for example with prune-versions, or move the function to another capacity provider, then deploy again.'
    )
  }
  if (name === 'NoPublishedVersionException') {
    return (
      `${functionName} has no published version yet (${name}: ${said}): it is a Lambda Managed Instances function, whose unqualified invokes and Function URL run $LATEST.PUBLISHED, and nothing was ever published there. ` +
      `Publish first (aws lambda publish-version --function-name ${functionName} --publish-to LATEST_PUBLISHED), or call a numbered version or an alias.`
    )
  }
  return undefined
}
