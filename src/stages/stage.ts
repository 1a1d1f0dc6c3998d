/**
 * What a stage is: a function of the run's context and of the facts it
 * needs, typed, that returns the facts it produced. No stage reads or
 * writes a shared state: the plan runner (main.ts) hands each stage the
 * facts it declares and keeps what it returns for the stages after it.
 *
 * The stage table (./plan-stages.ts) is built with `stageTable().then(...)`
 * in the order the stages run: a stage whose needs or uses no stage before
 * it gives does not compile. Whether the stage that gives a fact is in the
 * plan whenever a stage that needs it is (planRun decides which run) is
 * table-tested for every plan (__tests__/stages/plan-stages.test.ts), and
 * the runner checks it once more before a stage runs.
 */
import type { KeyParts } from '../build/key-parts.js'
import type { ImageManifest } from '../aws/ecr-image.js'
import type { StageName } from '../plan.js'
import type { Image, TargetState } from '../targets.js'
import type { Found, RunContext } from './context.js'

/** What the reuse stage read of the image it tagged: check-image needs it too. */
export interface Prefetched {
  digest: string
  image: ImageManifest
  configText: string | undefined
}

/** Every fact a stage can hand to a later one, with the stages that give it. */
export interface Facts {
  /**
   * The plan runner (reuse-unchanged-image): the key's parts that need
   * nothing from AWS, started before the look-up; the reuse stage awaits
   * them, the runner stops what still runs when the plan ends.
   */
  keyParts: KeyParts
  /** look-up: one state per function (the per-function facts live there). */
  targets: TargetState[]
  /** look-up: what it found besides the functions. */
  found: Found
  /** reuse: the build key, recorded on a new build's image. */
  buildKey: string
  /** reuse: what it read of the image it tagged. */
  prefetched: Prefetched
  /** reuse (a tagged build), build (built and pushed, or the tag's): the digest to check. */
  digest: string
  /** check-image: the image to deploy, checked. */
  image: Image
  /** look-up, rollback-to previous: the image of the version each alias goes back to. */
  previousImage: Image
  /** preview-url: the preview function's own Function URL. */
  previewUrl: string
}

export type Fact = keyof Facts

/** What a stage receives: what it needs, and what it uses when given. */
export type StageInput<Needs extends Fact, Uses extends Fact> = Pick<
  Facts,
  Needs
> &
  Partial<Pick<Facts, Uses>>

/** What a stage returns: the facts it produced (a dry run may produce fewer). */
export type StageOutput<Gives extends Fact> = Partial<Pick<Facts, Gives>>

export interface Stage<
  Needs extends Fact = never,
  Uses extends Fact = never,
  Gives extends Fact = never
> {
  /** Facts it cannot run without: an earlier stage of every plan gives them. */
  needs: readonly Needs[]
  /** Facts it reads when an earlier stage of the plan gave them. */
  uses: readonly Uses[]
  gives: readonly Gives[]
  /** A stage that gives nothing returns nothing. */
  run(
    ctx: RunContext,
    input: StageInput<Needs, Uses>
  ): Promise<[Gives] extends [never] ? void : StageOutput<Gives>>
}

/** A stage as the runner holds it, its facts no longer told apart. */
export interface AnyStage {
  needs: readonly Fact[]
  uses: readonly Fact[]
  gives: readonly Fact[]
  run(ctx: RunContext, input: Partial<Facts>): Promise<Partial<Facts> | void>
}

/** Declares a stage; the lists it omits are empty. */
export function stage<
  Needs extends Fact = never,
  Uses extends Fact = never,
  Gives extends Fact = never
>(
  def: Partial<Pick<Stage<Needs, Uses, Gives>, 'needs' | 'uses' | 'gives'>> &
    Pick<Stage<Needs, Uses, Gives>, 'run'>
): Stage<Needs, Uses, Gives> {
  return {
    needs: def.needs ?? [],
    uses: def.uses ?? [],
    gives: def.gives ?? [],
    run: def.run
  }
}

/**
 * A failure that comes after a stage produced some of its facts: the look-up
 * knows the functions before it refuses an archived image, and the report
 * and the undo of a failed run are made from them.
 */
export class FailedWithFacts extends Error {
  constructor(
    error: unknown,
    readonly given: Partial<Facts>
  ) {
    super(error instanceof Error ? error.message : String(error), {
      cause: error
    })
  }
}

/** The stages the table runs (a cleanup is still run by main.ts). */
export type TableStage = Exclude<StageName, 'cleanup'>

/** The stages of every plan, in the order they run. */
export interface StageList {
  order: readonly TableStage[]
  stages: Readonly<Record<TableStage, AnyStage>>
}

/**
 * The table under construction: `Have` are the facts the stages added so
 * far give (and the runner's own), `Named` the stages added so far.
 */
export interface StageTable<Have extends Fact, Named extends TableStage> {
  then<
    Name extends Exclude<TableStage, Named>,
    Needs extends Have,
    Uses extends Have,
    Gives extends Fact
  >(
    name: Name,
    stage: Stage<Needs, Uses, Gives>
  ): StageTable<Have | Gives, Named | Name>
  /** Compiles only once every stage of the plan has its entry. */
  done(): [Exclude<TableStage, Named>] extends [never]
    ? StageList
    : { missing: Exclude<TableStage, Named> }
}

/**
 * The facts an undo, the post step's record, the report and the stages
 * after the deploy read: the functions (none before the look-up) and the
 * image the run releases (checked, or rollback-to previous's).
 */
export function releasedOf(
  facts: Partial<Facts>
): StageInput<'targets', 'image'> {
  const image = facts.image ?? facts.previousImage
  return {
    targets: facts.targets ?? [],
    ...(image !== undefined && { image })
  }
}

/**
 * Runs one stage with the facts it declares, and adds what it gives to
 * `facts` (the plan runner's record, which no stage sees), also when it
 * fails after giving some (FailedWithFacts: then its cause is thrown).
 */
export async function runStage(
  list: StageList,
  name: TableStage,
  ctx: RunContext,
  facts: Partial<Facts>
): Promise<void> {
  const next = list.stages[name]
  const missing = next.needs.filter(need => facts[need] === undefined)
  if (missing.length > 0)
    throw new Error(
      `stage ${name} needs ${missing.join(', ')}, which no stage before it gave`
    )
  const input: Partial<Facts> = {}
  for (const key of [...next.needs, ...next.uses])
    if (facts[key] !== undefined) Object.assign(input, { [key]: facts[key] })
  try {
    Object.assign(facts, await next.run(ctx, input))
  } catch (error) {
    if (!(error instanceof FailedWithFacts)) throw error
    Object.assign(facts, error.given)
    throw error.cause
  }
}

/** The facts the plan runner gives before the first stage. */
export type RunnerFact = 'keyParts'

export function stageTable(): StageTable<RunnerFact, never> {
  return tableOf([], {})
}

function tableOf<Have extends Fact, Named extends TableStage>(
  order: readonly TableStage[],
  stages: Partial<Record<TableStage, AnyStage>>
): StageTable<Have, Named> {
  return {
    then: (name, next) =>
      tableOf([...order, name], { ...stages, [name]: next as AnyStage }),
    // The conditional type is the compile-time check; the value is the same.
    done: () =>
      ({
        order,
        stages: stages as Record<TableStage, AnyStage>
      }) as unknown as ReturnType<StageTable<Have, Named>['done']>
  }
}
