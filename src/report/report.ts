/**
 * What a run reports: the record the stages fill in (per function and for
 * the run), and the action outputs derived from it. Rendering it as the job
 * summary is summary.ts's.
 */
import type { Check } from '../checks/preflight/checks.js'
import { wouldChangeOutput, type WouldChange } from './would-change.js'

export interface PhaseRecord {
  name: string
  durationMs: number
  outcome: 'ok' | 'failed' | 'skipped'
}

export type SmokeSummary =
  | {
      state: 'passed' | 'failed'
      url: string
      status: number | undefined
      attempts: number
      reason: string
      /**
       * The qualifier the check reached ('$LATEST', an alias or a version);
       * null when the run cannot tell (a smoke-url it cannot match to an
       * endpoint of the released qualifier).
       */
      reached?: string | null | undefined
      /**
       * When `reached` is null: the released qualifier, invoked directly
       * with a synthetic request as well (the check passes only if both do).
       */
      direct?:
        | {
            qualifier: string
            state: 'passed' | 'failed'
            status: number | undefined
            attempts: number
            reason: string
          }
        | undefined
    }
  | { state: 'skipped'; reason: string }

/** A pre-traffic (or canary) check: the new version invoked directly. */
export type CheckSummary =
  | {
      state: 'passed' | 'failed'
      status: number | undefined
      attempts: number
      reason: string
    }
  | { state: 'skipped'; reason: string }

/**
 * One signal a canary was judged by (an alarm, Lambda's metrics of the new
 * version, the app's answers in its logs): what it saw, and its verdict.
 */
export interface CanarySignalSummary {
  signal: string
  seen: string
  verdict: 'pass' | 'fail' | 'inconclusive'
}

/**
 * pending: not finished; deployed: runs (serves) the new image;
 * unchanged: already did; stopped: failed before traffic reached it;
 * failed: failed and still serves it (no rollback); rolled-back: restored;
 * superseded: someone else changed it during the run (left alone);
 * reverted: restored because another function failed;
 * rollback-pending: the job was cancelled before its undo ended, and the
 * post step puts it back (its log and summary say whether it did);
 * rollback-activating: Managed Instances: the previous image was
 * re-published and was still activating when the wait ended (callers get it
 * once it is Active).
 */
export type TargetOutcome =
  | 'pending'
  | 'deployed'
  | 'unchanged'
  | 'stopped'
  | 'failed'
  | 'rolled-back'
  | 'reverted'
  | 'rollback-failed'
  | 'rollback-pending'
  | 'rollback-activating'
  | 'superseded'

/** What happened to one function of the run. */
export interface TargetReport {
  functionName: string
  functionArn: string
  /**
   * Lambda Managed Instances: the capacity provider the function runs on
   * (its callers get $LATEST.PUBLISHED or the alias); undefined otherwise.
   */
  capacityProviderArn?: string | undefined
  outcome: TargetOutcome
  updated?: boolean | undefined
  previousImageUri?: string | undefined
  /** alias deploys: the version the alias pointed to before. */
  previousVersion?: string | undefined
  /** publish / alias: the version published for the new code. */
  version?: string | undefined
  aliasArn?: string | undefined
  preTraffic?: CheckSummary | undefined
  canary?: CheckSummary | undefined
  /** canary-alarms and the built-in signals: per signal, what it saw. */
  canarySignals?: CanarySignalSummary[] | undefined
  smoke?: SmokeSummary | undefined
  /** What the function (or its alias) serves at the end of the run. */
  servingImageUri?: string | undefined
  servingVersion?: string | undefined
  error?: string | undefined
  /** A command that restores what ran before, by hand. */
  undo?: string | undefined
  /** The lines of the function's logs that explain a failure. */
  diagnostics?: { lines: string[]; note: string | undefined } | undefined
  /** dry-run: what a real run would change. */
  wouldChange?: WouldChange | undefined
  /**
   * What this run changed of the configuration, by setting and variable
   * name (never a value), e.g. "environment (FEATURE added), memory-size".
   */
  configuration?: string | undefined
}

/** reuse-unchanged-image: what the build key decided. */
export type ReuseSummary =
  /** An earlier build of the same app was tagged `tag`: nothing was built. */
  | {
      kind: 'reused'
      key: string
      /** The tag the image was built for, when known. */
      builtFor: string | undefined
      tag: string
      digest: string
    }
  /** No image had the key: built, and the key recorded on it. */
  | { kind: 'new-key'; key: string }
  /** The key could not be made: built as without the option. */
  | { kind: 'no-key'; reason: string }
  /** The key's image is archived in ECR (not restored): built again. */
  | { kind: 'archived'; key: string; digest: string }

/** What one run did: the source of the outputs and the job summary. */
export interface Report {
  /** One per function of function-name (the preview function in preview mode). */
  targets?: TargetReport[] | undefined
  alias?: string | undefined
  functionName?: string | undefined
  functionArn?: string | undefined
  architecture?: string | undefined
  platform?: string | undefined
  imageTag?: string | undefined
  imageDigest?: string | undefined
  imageUri?: string | undefined
  reusedImage?: boolean | undefined
  builder?: string | undefined
  reuse?: ReuseSummary | undefined
  /** How long making the build key took (hashing, base image look-ups). */
  keyMs?: number | undefined
  previousImageUri?: string | undefined
  updated?: boolean | undefined
  smoke?: SmokeSummary | undefined
  rolledBack?: boolean | undefined
  rolledBackTo?: string | undefined
  /** mode preview / cleanup: the production function the preview copies. */
  productionFunctionName?: string | undefined
  previewFunctionName?: string | undefined
  previewUrl?: string | undefined
  /** mode cleanup: what was deleted. */
  removed?: string[] | undefined
  /** dry-run: nothing was changed. */
  dryRun?: boolean | undefined
  /** dry-run: what a real run would change (or remove), in order. */
  wouldChange?: WouldChange[] | undefined
  /** dry-run: the local image the build made, not pushed. */
  builtLocally?: string | undefined
  /** Lifecycle rules that can archive or expire the image made live. */
  lifecycleWarnings?: string[] | undefined
  phases: PhaseRecord[]
  /** Every preflight check that ran, in order. */
  preflight?: Check[] | undefined
  error?: string | undefined
}

/** Action outputs, as strings, for what is known (a failed run still tells what it did). */
export function reportOutputs(report: Report): Record<string, string> {
  const first = report.targets?.[0]
  const outputs: Record<string, string | undefined> = {
    'image-uri': report.imageUri,
    'image-digest': report.imageDigest,
    'image-tag': report.imageTag,
    architecture: report.architecture,
    'function-arn': report.functionArn,
    'previous-image-uri': report.previousImageUri,
    'smoke-url': report.smoke?.state === 'skipped' ? '' : report.smoke?.url,
    'smoke-status':
      report.smoke === undefined
        ? undefined
        : report.smoke.state === 'skipped'
          ? 'skipped'
          : String(report.smoke.status ?? 'no-response'),
    'reused-image':
      report.reusedImage === undefined ? undefined : String(report.reusedImage),
    updated: report.updated === undefined ? undefined : String(report.updated),
    'rolled-back': String(report.rolledBack ?? false),
    'function-version': first?.version,
    'alias-arn': first?.aliasArn,
    'previous-version': first?.previousVersion,
    'serving-image-uri': first?.servingImageUri,
    'serving-version': first?.servingVersion,
    functions:
      report.targets === undefined
        ? undefined
        : JSON.stringify(report.targets.map(functionOutput)),
    'preview-url': report.previewUrl,
    'preview-function-name': report.previewFunctionName,
    'dry-run': report.dryRun === true ? 'true' : undefined,
    'would-change':
      report.wouldChange === undefined
        ? undefined
        : wouldChangeOutput(report.wouldChange)
  }
  return Object.fromEntries(
    Object.entries(outputs).filter(
      (entry): entry is [string, string] => entry[1] !== undefined
    )
  )
}

function functionOutput(target: TargetReport): Record<string, unknown> {
  return {
    name: target.functionName,
    arn: target.functionArn,
    outcome: target.outcome,
    updated: target.updated,
    version: target.version,
    previousVersion: target.previousVersion,
    previousImage: target.previousImageUri,
    servingImage: target.servingImageUri,
    servingVersion: target.servingVersion
  }
}
