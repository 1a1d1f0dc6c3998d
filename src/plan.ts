/**
 * Which stages a run takes, in order: a pure function of the validated
 * inputs. main.ts runs the plan; on a failure it runs the undo.
 *
 * A stage in the plan may still find at run time that it has nothing to do
 * (the tag already exists, so nothing is built; the functions already run
 * the image, so the image preflight is skipped): the plan says what the run
 * may do, each stage says why it did or did not.
 */
import type { Inputs } from './inputs/types.js'

export type StageName =
  /** Functions, aliases, repository, tag (and for rollback-to previous, the version each alias left). */
  | 'look-up'
  /**
   * reuse-unchanged-image: the build key; an image built from it earlier
   * is tagged for this commit and nothing is built.
   */
  | 'reuse'
  /** The app's source and Dockerfile, before a build. */
  | 'preflight-app'
  /** Build and push, unless the tag already exists. */
  | 'build'
  /** The pushed image is one manifest for the function's platform. */
  | 'check-image'
  /** The image's layers: entrypoint, architecture of its binaries, size. */
  | 'preflight-image'
  /**
   * The image run as Lambda would (src/emulator/): init and one request,
   * locally; a build ran it before its push, so this stage only proves the
   * pushed image is the one that ran, else pulls it by digest and runs it.
   */
  | 'local-run'
  /** $LATEST (or a new preview function) runs the image; publish a version. */
  | 'deploy'
  /** The new version, invoked directly before any traffic reaches it. */
  | 'pre-traffic'
  /** A share of the alias's traffic on the new version, checked meanwhile. */
  | 'canary'
  | 'move-alias'
  /** The preview function's own Function URL. */
  | 'preview-url'
  /** function-url: a Function URL (on the alias, if any) added when missing. */
  | 'function-url'
  | 'smoke'
  /** mode cleanup: remove a pull request's preview. */
  | 'cleanup'
  /**
   * dry-run: what a real run would change on each function (or, for a
   * cleanup, would remove), from what the look-up found; changes nothing.
   */
  | 'what-would-change'

export type PlanInputs = Pick<
  Inputs,
  | 'mode'
  | 'alias'
  | 'canary'
  | 'source'
  | 'preflight'
  | 'localRun'
  | 'dryRun'
  | 'reuseUnchanged'
> &
  Partial<Pick<Inputs, 'functionUrl'>>

/**
 * A dry run keeps the stages that only read (look-up, the preflights, the
 * image check, the local run, which changes nothing in AWS) and the build, which then pushes nothing; every stage that
 * changes a function, an alias or a preview, invokes a version, or requests
 * what serves is replaced by what-would-change.
 */
const READ_ONLY: ReadonlySet<StageName> = new Set<StageName>([
  'look-up',
  'preflight-app',
  'build',
  'check-image',
  'preflight-image',
  'local-run'
])

export function planRun(inputs: PlanInputs): StageName[] {
  const stages = realPlan(inputs)
  if (!inputs.dryRun) return stages
  return [...stages.filter(s => READ_ONLY.has(s)), 'what-would-change']
}

function realPlan(inputs: PlanInputs): StageName[] {
  if (inputs.mode === 'cleanup') return ['cleanup']
  const preflight = inputs.preflight !== 'off'
  const fromEcr = inputs.source.kind !== 'previous'
  const build = inputs.source.kind === 'build'
  const alias = inputs.alias !== undefined
  const stages: (StageName | false)[] = [
    'look-up',
    // A preview never reads or writes build-<key> tags: a pull request could
    // otherwise plant an image under the key main's next commit computes.
    build && inputs.reuseUnchanged && inputs.mode === 'deploy' && 'reuse',
    build && preflight && 'preflight-app',
    build && 'build',
    fromEcr && 'check-image',
    fromEcr && preflight && 'preflight-image',
    fromEcr && inputs.localRun !== 'off' && 'local-run',
    fromEcr && 'deploy',
    alias && 'pre-traffic',
    alias && inputs.canary !== undefined && 'canary',
    alias && 'move-alias',
    inputs.mode === 'preview' && 'preview-url',
    inputs.mode === 'deploy' &&
      fromEcr &&
      (inputs.functionUrl ?? 'none') !== 'none' &&
      'function-url',
    'smoke'
  ]
  return stages.filter((s): s is StageName => s !== false)
}
