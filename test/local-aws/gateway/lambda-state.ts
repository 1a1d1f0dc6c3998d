/**
 * What the gateway keeps per Lambda function beyond moto: its updates and reads of $LATEST, the
 * image of each published version, alias RevisionIds and the URL config's qualifier.
 */
import { randomUUID } from 'node:crypto'

import { ACCOUNT, DEFAULT_REGION } from './config.js'
import type { Json } from './http.js'
import type { ResolvedImage } from './image-refs.js'

type UpdateStatus = 'InProgress' | 'Successful' | 'Failed'

export interface UpdateRecord {
  imageUri: string | null
  startedAt: number
  finishedAt: number | null
  status: UpdateStatus
  source: 'UpdateFunctionCode' | 'UpdateFunctionConfiguration' | 'begin-update'
  reason?: string
  reasonCode?: string
}

export interface NextUpdate {
  durationMs?: number
  failReason?: string
  failReasonCode?: string
  /**
   * The answer to this accepted update is lost: Lambda applies it, and the
   * connection is reset before any answer (as a dropped connection or the
   * SDK's request timeout would leave it). The SDK then resends the request,
   * which an update in progress refuses with ResourceConflictException.
   */
  dropAnswer?: boolean
}

export interface FnState {
  name: string
  region: string
  updates: UpdateRecord[]
  current?:
    | {
        record: UpdateRecord
        previousImageUri: string | null
        timer: NodeJS.Timeout
      }
    | undefined
  last?: {
    status: 'Successful' | 'Failed'
    reason?: string
    reasonCode?: string
  }
  next?: NextUpdate | undefined
  durationMs?: number
  busy: boolean
  revision: string
  /** Reads of $LATEST (GetFunction/GetFunctionConfiguration): when, and what they reported. */
  reads: ReadRecord[]
  /** Published versions and the image $LATEST had when each was published. */
  versions: Map<string, VersionRecord>
  /** UpdateFunctionConfiguration since the last published version (PublishVersion publishes). */
  configChangedSincePublish: boolean
  /** Alias name -> RevisionId (moto never changes an alias's RevisionId). */
  aliasRevisions: Map<string, string>
  /** Qualifier of the function's URL config (moto ignores CreateFunctionUrlConfig's Qualifier). */
  urlQualifier?: string | undefined
  /**
   * The URL config's InvokeMode, BUFFERED (the default) or RESPONSE_STREAM: moto reports
   * "Buffered" whatever was asked and UpdateFunctionUrlConfig ignores it.
   */
  urlInvokeMode?: string | undefined
  /** A stalled call (control `stall`): the next `count` GetFunction answers wait `ms` first. */
  stall?: { count: number; ms: number } | undefined
  /** A Lambda Managed Instances function (./managed-instances.ts). */
  managed?: ManagedState | undefined
}

/** A published version's State while a Managed Instances capacity provider activates it. */
export interface Activation {
  state: 'Pending' | 'Active' | 'Failed'
  reasonCode?: string
  reason?: string
}

/** What the gateway keeps of a Managed Instances function (./managed-instances.ts). */
export interface ManagedState {
  capacityProviderArn: string
  /** How long a published version stays Pending. */
  activationMs: number
  /** Applies to the next published version (control `next-activation`). */
  next?:
    | { durationMs?: number; failReasonCode?: string; failReason?: string }
    | undefined
  /** Versions of other functions on the capacity provider (they count toward its limit). */
  otherVersions: number
  /** The newest $LATEST.PUBLISHED (Pending, Active or Failed). */
  latestPublished?: VersionRecord | undefined
  /** The $LATEST.PUBLISHED that callers get: the last one that became Active. */
  serving?: VersionRecord | undefined
  /** Aliases that point at $LATEST.PUBLISHED (moto stores them as $LATEST). */
  aliasesAtLatestPublished: Set<string>
}

export interface VersionRecord {
  version: string
  /** ImageUri $LATEST had when the version was published */
  imageUri: string
  image: ResolvedImage
  revision: string
  publishedAt: number
  /** Managed Instances: the version's State while it activates (none: Active). */
  activation?: Activation
}

interface ReadRecord {
  at: number
  op: 'GetFunction' | 'GetFunctionConfiguration'
  lastUpdateStatus: string | undefined
}

const MAX_READS = 10_000

/** Remember a read of $LATEST, so a benchmark can tell when a poller saw an update finish. */
export function recordRead(
  name: string,
  region: string,
  op: ReadRecord['op'],
  configuration: Json | undefined
): void {
  const s = fnState(name, region)
  const status = configuration?.LastUpdateStatus
  s.reads.push({
    at: Date.now(),
    op,
    lastUpdateStatus: typeof status === 'string' ? status : undefined
  })
  if (s.reads.length > MAX_READS) s.reads.splice(0, s.reads.length - MAX_READS)
}

export const fns = new Map<string, FnState>()

export function fnState(
  name: string,
  region: string = DEFAULT_REGION
): FnState {
  let s = fns.get(name)
  if (!s) {
    s = {
      name,
      region,
      updates: [],
      busy: false,
      revision: randomUUID(),
      reads: [],
      versions: new Map(),
      configChangedSincePublish: false,
      aliasRevisions: new Map()
    }
    fns.set(name, s)
  }
  return s
}

/** Function name from a path segment: name, partial ARN (acct:function:name) or full ARN. */
export function canonicalFunctionName(seg: string): {
  name: string
  qualifier?: string
} {
  const s = decodeURIComponent(seg)
  const parts = s.split(':')
  let name = s
  let qualifier: string | undefined
  if (s.startsWith('arn:')) {
    name = parts[6] ?? s
    qualifier = parts[7]
  } else if (parts.length >= 3 && parts[1] === 'function') {
    name = parts[2] ?? s
    qualifier = parts[3]
  } else if (parts.length === 2) {
    name = parts[0] ?? s
    qualifier = parts[1]
  }
  return qualifier ? { name, qualifier } : { name }
}

export function inProgress(s: FnState | undefined): boolean {
  return !!s && (s.busy || s.current !== undefined)
}

export function conflictMessage(name: string, region: string): string {
  return `The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`
}

export function functionArn(
  name: string,
  region: string,
  qualifier?: string
): string {
  return `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}${qualifier !== undefined ? `:${qualifier}` : ''}`
}
