/**
 * Typed stage inputs and outputs (issue 23): every plan planRun can make
 * runs its stages in the stage table's order, and each stage's needs are
 * given by a stage before it in that plan; the runner hands a stage only
 * the facts it declares and keeps what it gives.
 */
import { describe, expect, it } from '@jest/globals'
import { planRun, type PlanInputs } from '../../src/plan.js'
import { deployStage } from '../../src/stages/deploy.js'
import { lookUpStage } from '../../src/stages/look-up.js'
import { STAGES } from '../../src/stages/plan-stages.js'
import type { RunContext } from '../../src/stages/context.js'
import {
  FailedWithFacts,
  releasedOf,
  runStage,
  stage,
  stageTable,
  type Fact,
  type Facts,
  type StageList,
  type TableStage
} from '../../src/stages/stage.js'
import type { Image, TargetState } from '../../src/targets.js'

const existing = {
  kind: 'existing',
  input: 'image',
  tag: 'v1',
  digest: undefined,
  registry: undefined
} as const
const sources: PlanInputs['source'][] = [
  { kind: 'build' },
  existing,
  { ...existing, input: 'rollback-to' },
  { kind: 'previous' }
]

/** Every combination of what planRun reads. */
function everyPlanInput(): PlanInputs[] {
  const all: PlanInputs[] = []
  for (const mode of ['deploy', 'preview', 'cleanup'] as const)
    for (const alias of [undefined, 'live'])
      for (const canary of [undefined, { percent: 10, intervalMs: 60_000 }])
        for (const source of sources)
          for (const preflight of ['strict', 'warn', 'off'] as const)
            for (const dryRun of [false, true])
              for (const reuseUnchanged of [false, true])
                all.push({
                  mode,
                  alias,
                  canary,
                  source,
                  preflight,
                  dryRun,
                  reuseUnchanged
                })
  return all
}

/** The runner gives keyParts itself when the plan has a reuse stage. */
function givenBefore(plan: readonly TableStage[], index: number): Set<Fact> {
  const given = new Set<Fact>(plan.includes('reuse') ? ['keyParts'] : [])
  for (const name of plan.slice(0, index))
    for (const fact of STAGES.stages[name].gives) given.add(fact)
  return given
}

describe('the stage table', () => {
  // A cleanup is run by main.ts, outside the table.
  const plans = everyPlanInput()
    .filter(inputs => inputs.mode !== 'cleanup')
    .map(inputs => ({
      inputs,
      plan: planRun(inputs).filter((s): s is TableStage => s !== 'cleanup')
    }))

  it('lists every stage a plan can take, once, in the order planRun puts them', () => {
    expect(new Set(STAGES.order).size).toBe(STAGES.order.length)
    for (const { plan } of plans) {
      const positions = plan.map(name => STAGES.order.indexOf(name))
      expect(positions).not.toContain(-1)
      expect(positions).toEqual([...positions].sort((a, b) => a - b))
    }
  })

  it('gives every stage of every plan what it needs before it runs', () => {
    const unmet: string[] = []
    for (const { inputs, plan } of plans)
      plan.forEach((name, i) => {
        const given = givenBefore(plan, i)
        for (const need of STAGES.stages[name].needs)
          if (!given.has(need))
            unmet.push(`${JSON.stringify(inputs)}: ${name} needs ${need}`)
      })
    expect(unmet).toEqual([])
    // The combinations reach every stage of the table.
    expect(new Set(plans.flatMap(p => p.plan))).toEqual(new Set(STAGES.order))
  })

  it('only the check-image stage gives the image the deploy needs', () => {
    expect(STAGES.stages.deploy.needs).toContain('image')
    expect(
      STAGES.order.filter(name => STAGES.stages[name].gives.includes('image'))
    ).toEqual(['check-image'])
  })

  it('a stage added before the stage that gives what it needs does not compile, and does not run', async () => {
    const early = stageTable().then('look-up', lookUpStage)
    // @ts-expect-error deploy needs the checked image, which only check-image gives
    const misplaced = early.then('deploy', deployStage).done() as StageList
    expect(misplaced.order).toEqual(['look-up', 'deploy'])
    const facts: Partial<Facts> = { targets: [] }
    await expect(
      runStage(misplaced, 'deploy', {} as RunContext, facts)
    ).rejects.toThrow('stage deploy needs image, which no stage before it gave')
  })
})

const target = { name: 'fn' } as TargetState
const image: Image = {
  digest: 'sha256:1',
  uri: 'r@sha256:1',
  manifest: '',
  configText: ''
}
const previous: Image = { ...image, digest: 'sha256:0' }

/** A table of one stage under the look-up's name. */
function tableOf(only: ReturnType<typeof stage<'targets', 'image', 'digest'>>) {
  const all = { ...STAGES.stages, 'look-up': only }
  return { order: ['look-up'], stages: all } as StageList
}

describe('runStage', () => {
  it('hands a stage only the facts it declares, and keeps what it gives', async () => {
    let received: unknown
    const probe = stage({
      needs: ['targets'],
      uses: ['image'],
      gives: ['digest'],
      run: (_ctx, input) => {
        received = input
        return Promise.resolve({ digest: 'sha256:2' })
      }
    })
    const facts: Partial<Facts> = {
      targets: [target],
      image,
      buildKey: 'k',
      previousImage: previous
    }
    await runStage(tableOf(probe), 'look-up', {} as RunContext, facts)
    expect(received).toEqual({ targets: [target], image })
    expect(facts.digest).toBe('sha256:2')
    expect(facts.buildKey).toBe('k')
  })

  it('keeps what a failing stage gave before it failed, and throws its cause', async () => {
    const cause = new Error('archived')
    const failing = stage({
      needs: ['targets'],
      uses: ['image'],
      gives: ['digest'],
      run: (): Promise<{ digest: string }> =>
        Promise.reject(new FailedWithFacts(cause, { digest: 'd' }))
    })
    const facts: Partial<Facts> = { targets: [target] }
    await expect(
      runStage(tableOf(failing), 'look-up', {} as RunContext, facts)
    ).rejects.toBe(cause)
    expect(facts.digest).toBe('d')
  })
})

describe('releasedOf', () => {
  it.each<[string, Partial<Facts>, Image | undefined]>([
    ['before the look-up', {}, undefined],
    ['a checked image', { targets: [target], image }, image],
    [
      'rollback-to previous',
      { targets: [target], previousImage: previous },
      previous
    ],
    ['a dry run whose build was not pushed', { targets: [target] }, undefined]
  ])('%s', (_name, facts, expected) => {
    const released = releasedOf(facts)
    expect(released.targets).toEqual(facts.targets ?? [])
    expect(released.image).toBe(expected)
  })
})
