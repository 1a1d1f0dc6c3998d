import { describe, expect, it } from '@jest/globals'
import { planRun, type PlanInputs } from '../src/plan.js'

const build = { kind: 'build' } as const
const image = {
  kind: 'existing',
  input: 'image',
  tag: 'v1',
  digest: undefined,
  registry: undefined
} as const
const rollbackTo = { ...image, input: 'rollback-to' } as const
const previous = { kind: 'previous' } as const
const canary = { percent: 10, intervalMs: 60_000 }

function inputs(overrides: Partial<PlanInputs>): PlanInputs {
  return {
    mode: 'deploy',
    alias: undefined,
    canary: undefined,
    source: build,
    preflight: 'strict',
    localRun: 'off',
    dryRun: false,
    reuseUnchanged: false,
    ...overrides
  }
}

describe('planRun', () => {
  it.each<[string, Partial<PlanInputs>, string[]]>([
    [
      'a build to $LATEST',
      {},
      [
        'look-up',
        'preflight-app',
        'build',
        'check-image',
        'preflight-image',
        'deploy',
        'smoke'
      ]
    ],
    [
      'function-url public: the URL before the smoke test that uses it',
      { functionUrl: 'public' },
      [
        'look-up',
        'preflight-app',
        'build',
        'check-image',
        'preflight-image',
        'deploy',
        'function-url',
        'smoke'
      ]
    ],
    [
      'a build with local-run auto: the local run before the deploy',
      { localRun: 'auto' },
      [
        'look-up',
        'preflight-app',
        'build',
        'check-image',
        'preflight-image',
        'local-run',
        'deploy',
        'smoke'
      ]
    ],
    [
      'function-url with an alias: after the alias moved (the URL is on it)',
      { functionUrl: 'iam', alias: 'live' },
      [
        'look-up',
        'preflight-app',
        'build',
        'check-image',
        'preflight-image',
        'deploy',
        'pre-traffic',
        'move-alias',
        'function-url',
        'smoke'
      ]
    ],
    [
      'function-url in a dry run: replaced by what-would-change',
      { functionUrl: 'public', dryRun: true },
      [
        'look-up',
        'preflight-app',
        'build',
        'check-image',
        'preflight-image',
        'what-would-change'
      ]
    ],
    [
      // The preview's own URL is preview-url's; function-url is production's.
      'function-url in a preview: the preview URL only',
      { functionUrl: 'public', mode: 'preview', preflight: 'off' },
      ['look-up', 'build', 'check-image', 'deploy', 'preview-url', 'smoke']
    ],
    [
      // Nothing is deployed: the alias moves back to what it served.
      'function-url with rollback-to previous: no URL added',
      { functionUrl: 'public', source: previous, alias: 'live' },
      ['look-up', 'pre-traffic', 'move-alias', 'smoke']
    ],
    [
      'an image input with local-run required, preflight off',
      { localRun: 'required', source: image, preflight: 'off' },
      ['look-up', 'check-image', 'local-run', 'deploy', 'smoke']
    ],
    [
      'rollback-to previous: no image from ECR, no local run',
      { localRun: 'auto', source: previous, alias: 'live' },
      ['look-up', 'pre-traffic', 'move-alias', 'smoke']
    ],
    [
      'a build to $LATEST, preflight warn',
      { preflight: 'warn' },
      [
        'look-up',
        'preflight-app',
        'build',
        'check-image',
        'preflight-image',
        'deploy',
        'smoke'
      ]
    ],
    [
      'a build to $LATEST, preflight off',
      { preflight: 'off' },
      ['look-up', 'build', 'check-image', 'deploy', 'smoke']
    ],
    [
      'a build through an alias',
      { alias: 'live' },
      [
        'look-up',
        'preflight-app',
        'build',
        'check-image',
        'preflight-image',
        'deploy',
        'pre-traffic',
        'move-alias',
        'smoke'
      ]
    ],
    [
      'a build through an alias with a canary',
      { alias: 'live', canary },
      [
        'look-up',
        'preflight-app',
        'build',
        'check-image',
        'preflight-image',
        'deploy',
        'pre-traffic',
        'canary',
        'move-alias',
        'smoke'
      ]
    ],
    [
      // canary-interval's default is always passed; without an alias there
      // is no traffic to split.
      'a canary without an alias',
      { canary },
      [
        'look-up',
        'preflight-app',
        'build',
        'check-image',
        'preflight-image',
        'deploy',
        'smoke'
      ]
    ],
    [
      'the image input (no build, no app preflight)',
      { source: image },
      ['look-up', 'check-image', 'preflight-image', 'deploy', 'smoke']
    ],
    [
      'the image input through an alias, preflight off',
      { source: image, alias: 'live', preflight: 'off' },
      ['look-up', 'check-image', 'deploy', 'pre-traffic', 'move-alias', 'smoke']
    ],
    [
      'rollback-to a tag',
      { source: rollbackTo },
      ['look-up', 'check-image', 'preflight-image', 'deploy', 'smoke']
    ],
    [
      'rollback-to previous (the alias goes back to the version it left)',
      { source: previous, alias: 'live' },
      ['look-up', 'pre-traffic', 'move-alias', 'smoke']
    ],
    [
      'rollback-to previous with a canary',
      { source: previous, alias: 'live', canary },
      ['look-up', 'pre-traffic', 'canary', 'move-alias', 'smoke']
    ],
    [
      'a preview',
      { mode: 'preview' },
      [
        'look-up',
        'preflight-app',
        'build',
        'check-image',
        'preflight-image',
        'deploy',
        'preview-url',
        'smoke'
      ]
    ],
    [
      'a preview, preflight off',
      { mode: 'preview', preflight: 'off' },
      ['look-up', 'build', 'check-image', 'deploy', 'preview-url', 'smoke']
    ],
    [
      'a build with reuse-unchanged-image (the key before any build)',
      { reuseUnchanged: true },
      [
        'look-up',
        'reuse',
        'preflight-app',
        'build',
        'check-image',
        'preflight-image',
        'deploy',
        'smoke'
      ]
    ],
    [
      // A preview neither reads nor records build-<key> tags.
      'a preview with reuse-unchanged-image, preflight off: no reuse',
      { mode: 'preview', reuseUnchanged: true, preflight: 'off' },
      ['look-up', 'build', 'check-image', 'deploy', 'preview-url', 'smoke']
    ],
    [
      'reuse-unchanged-image builds nothing for the image input',
      { source: image, reuseUnchanged: true },
      ['look-up', 'check-image', 'preflight-image', 'deploy', 'smoke']
    ],
    [
      'reuse-unchanged-image with rollback-to previous',
      { source: previous, alias: 'live', reuseUnchanged: true },
      ['look-up', 'pre-traffic', 'move-alias', 'smoke']
    ],
    ['a cleanup', { mode: 'cleanup' }, ['cleanup']],
    [
      'a cleanup ignores the release inputs',
      { mode: 'cleanup', alias: 'live', canary, source: image },
      ['cleanup']
    ]
  ])('%s', (_name, overrides, expected) => {
    expect(planRun(inputs(overrides))).toEqual(expected)
  })

  it('every plan but cleanup starts with look-up and ends with smoke', () => {
    const modes = ['deploy', 'preview'] as const
    const sources = [build, image, rollbackTo, previous]
    for (const mode of modes)
      for (const source of sources)
        for (const alias of [undefined, 'live'])
          for (const preflight of ['strict', 'warn', 'off'] as const) {
            const plan = planRun(inputs({ mode, source, alias, preflight }))
            expect(plan[0]).toBe('look-up')
            expect(plan.at(-1)).toBe('smoke')
            expect(new Set(plan).size).toBe(plan.length)
            // Nothing is deployed that was not checked first, and traffic
            // moves only after the pre-traffic check (-1: not in the plan).
            const at = (stage: string): number =>
              plan.indexOf(stage as (typeof plan)[number])
            expect(
              at('deploy') === -1 || at('check-image') < at('deploy')
            ).toBe(true)
            expect(
              at('move-alias') === -1 || at('pre-traffic') < at('move-alias')
            ).toBe(true)
          }
  })

  describe('dry-run', () => {
    const dry = (overrides: Partial<PlanInputs>): string[] =>
      planRun(inputs({ ...overrides, dryRun: true }))

    it.each<[string, Partial<PlanInputs>, string[]]>([
      [
        'a build: preflight and build (no push), then what would change',
        {},
        [
          'look-up',
          'preflight-app',
          'build',
          'check-image',
          'preflight-image',
          'what-would-change'
        ]
      ],
      [
        'a build with local-run auto: the local run stays (it changes nothing in AWS)',
        { localRun: 'auto', preflight: 'off' },
        ['look-up', 'build', 'check-image', 'local-run', 'what-would-change']
      ],
      [
        'a build, preflight off',
        { preflight: 'off' },
        ['look-up', 'build', 'check-image', 'what-would-change']
      ],
      [
        'a build through an alias: no pre-traffic Invoke, no alias move',
        { alias: 'live' },
        [
          'look-up',
          'preflight-app',
          'build',
          'check-image',
          'preflight-image',
          'what-would-change'
        ]
      ],
      [
        'a canary: no canary stage',
        { alias: 'live', canary },
        [
          'look-up',
          'preflight-app',
          'build',
          'check-image',
          'preflight-image',
          'what-would-change'
        ]
      ],
      [
        'the image input: the existing image is checked',
        { source: image, alias: 'live', canary },
        ['look-up', 'check-image', 'preflight-image', 'what-would-change']
      ],
      [
        'rollback-to a tag',
        { source: rollbackTo },
        ['look-up', 'check-image', 'preflight-image', 'what-would-change']
      ],
      [
        'rollback-to previous',
        { source: previous, alias: 'live', canary },
        ['look-up', 'what-would-change']
      ],
      [
        'a preview: no function created, no Function URL',
        { mode: 'preview' },
        [
          'look-up',
          'preflight-app',
          'build',
          'check-image',
          'preflight-image',
          'what-would-change'
        ]
      ],
      [
        'a cleanup lists what it would remove',
        { mode: 'cleanup' },
        ['what-would-change']
      ]
    ])('%s', (_name, overrides, expected) => {
      expect(dry(overrides)).toEqual(expected)
    })

    it('no dry run has a stage that changes, invokes or requests what serves', () => {
      const changing = [
        'deploy',
        'pre-traffic',
        'canary',
        'move-alias',
        'preview-url',
        'smoke',
        'cleanup',
        // Tags an earlier build's image for this commit (ecr:PutImage).
        'reuse'
      ]
      for (const mode of ['deploy', 'preview', 'cleanup'] as const)
        for (const source of [build, image, rollbackTo, previous])
          for (const alias of [undefined, 'live'])
            for (const withCanary of [undefined, canary])
              for (const preflight of ['strict', 'warn', 'off'] as const)
                for (const reuseUnchanged of [false, true]) {
                  const plan = dry({
                    mode,
                    source,
                    alias,
                    canary: withCanary,
                    preflight,
                    reuseUnchanged
                  })
                  expect(plan.filter(s => changing.includes(s))).toEqual([])
                  expect(plan.at(-1)).toBe('what-would-change')
                  // A real run of the same inputs has every stage the dry
                  // run has, besides what-would-change, in the same order.
                  const real = planRun(
                    inputs({
                      mode,
                      source,
                      alias,
                      canary: withCanary,
                      preflight,
                      reuseUnchanged
                    })
                  )
                  expect(plan.slice(0, -1)).toEqual(
                    real.filter(s => plan.includes(s))
                  )
                }
    })
  })
})
