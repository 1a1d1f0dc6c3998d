import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { buildCell, renderSummary } from '../../src/report/summary.js'
import type { WouldChange } from '../../src/report/would-change.js'
import {
  reportOutputs,
  type Report,
  type SmokeSummary,
  type TargetReport
} from '../../src/report/report.js'
import {
  DOCKER_V2_DIGEST,
  FUNCTION_ARN,
  FUNCTION_NAME,
  PREVIOUS_DIGEST,
  REPOSITORY_URI
} from '../../__fixtures__/aws.js'

const IMAGE_URI = `${REPOSITORY_URI}@${DOCKER_V2_DIGEST}`
const PREVIOUS_IMAGE_URI = `${REPOSITORY_URI}@${PREVIOUS_DIGEST}`
const SMOKE_URL = 'https://abc.lambda-url.us-east-1.on.aws/health'

/** A run that built, deployed and passed the smoke test. */
const DEPLOYED: Report = {
  functionName: FUNCTION_NAME,
  functionArn: FUNCTION_ARN,
  architecture: 'arm64',
  platform: 'linux/arm64',
  imageTag: '3f9c2ab',
  imageDigest: DOCKER_V2_DIGEST,
  imageUri: IMAGE_URI,
  reusedImage: false,
  builder: 'docker buildx (docker-container)',
  previousImageUri: PREVIOUS_IMAGE_URI,
  updated: true,
  smoke: {
    state: 'passed',
    url: SMOKE_URL,
    status: 200,
    attempts: 2,
    reason: 'status 200'
  },
  rolledBack: false,
  phases: [
    { name: 'Read inputs', durationMs: 3, outcome: 'ok' },
    { name: 'Build and push', durationMs: 95_000, outcome: 'ok' },
    { name: 'Deploy', durationMs: 12_340, outcome: 'ok' },
    { name: 'Smoke test', durationMs: 2_600, outcome: 'ok' }
  ]
}

/** Outputs of runs that know their functions (targets). */
const RELEASE_OUTPUTS = [
  'function-version',
  'alias-arn',
  'previous-version',
  'serving-image-uri',
  'serving-version',
  'functions'
]
/** Set only by a dry run. */
const DRY_RUN_OUTPUTS = ['dry-run', 'would-change']

const ALIAS_ARN = `${FUNCTION_ARN}:live`

/** An alias deploy of one function: version 8 replaced 7. */
const ALIAS_TARGET: TargetReport = {
  functionName: FUNCTION_NAME,
  functionArn: FUNCTION_ARN,
  outcome: 'deployed',
  updated: true,
  previousImageUri: PREVIOUS_IMAGE_URI,
  previousVersion: '7',
  version: '8',
  aliasArn: ALIAS_ARN,
  preTraffic: {
    state: 'passed',
    status: 200,
    attempts: 1,
    reason: 'status 200'
  },
  servingImageUri: IMAGE_URI,
  servingVersion: '8',
  undo: `aws lambda update-alias --function-name ${FUNCTION_ARN} --name live --function-version 7 --routing-config 'AdditionalVersionWeights={}'`
}

/** The output names action.yml declares. */
function declaredOutputs(): string[] {
  const actionYml = readFileSync(
    new URL('../../action.yml', import.meta.url),
    'utf8'
  )
  const section = /^outputs:\n([\s\S]*?)^\S/m.exec(actionYml)?.[1] ?? ''
  return [...section.matchAll(/^ {2}([a-z-]+):/gm)].map(match => match[1] ?? '')
}

describe('reportOutputs', () => {
  it('sets every output of a complete run, each declared in action.yml', () => {
    const outputs = reportOutputs(DEPLOYED)
    expect(outputs).toEqual({
      'image-uri': IMAGE_URI,
      'image-digest': DOCKER_V2_DIGEST,
      'image-tag': '3f9c2ab',
      architecture: 'arm64',
      'function-arn': FUNCTION_ARN,
      'previous-image-uri': PREVIOUS_IMAGE_URI,
      'smoke-url': SMOKE_URL,
      'smoke-status': '200',
      'reused-image': 'false',
      updated: 'true',
      'rolled-back': 'false'
    })
    expect(Object.keys(outputs).sort()).toEqual(
      declaredOutputs()
        .filter(name => !name.startsWith('preview-'))
        .filter(name => !RELEASE_OUTPUTS.includes(name))
        .filter(name => !DRY_RUN_OUTPUTS.includes(name))
        .sort()
    )
  })

  it('adds the preview outputs of a preview run, each declared in action.yml', () => {
    const outputs = reportOutputs({
      ...DEPLOYED,
      productionFunctionName: 'my-api',
      previewFunctionName: 'my-api-pr-7',
      previewUrl: 'https://abc.lambda-url.eu-west-1.on.aws/'
    })
    expect(outputs).toMatchObject({
      'preview-function-name': 'my-api-pr-7',
      'preview-url': 'https://abc.lambda-url.eu-west-1.on.aws/'
    })
    expect(Object.keys(outputs).sort()).toEqual(
      declaredOutputs()
        .filter(name => !RELEASE_OUTPUTS.includes(name))
        .filter(name => !DRY_RUN_OUTPUTS.includes(name))
        .sort()
    )
  })

  it('sets only rolled-back=false when nothing is known', () => {
    // rolled-back is always set, so a workflow can test it after any run.
    expect(reportOutputs({ phases: [] })).toEqual({ 'rolled-back': 'false' })
  })

  it('sets only what a run that failed early had learnt', () => {
    expect(
      reportOutputs({
        functionName: FUNCTION_NAME,
        imageTag: 'v1',
        functionArn: FUNCTION_ARN,
        architecture: 'x86_64',
        phases: [],
        error: 'boom'
      })
    ).toEqual({
      'image-tag': 'v1',
      architecture: 'x86_64',
      'function-arn': FUNCTION_ARN,
      'rolled-back': 'false'
    })
  })

  it.each<[SmokeSummary, Record<string, string>]>([
    [
      { state: 'skipped', reason: 'smoke-test is false' },
      { 'smoke-url': '', 'smoke-status': 'skipped' }
    ],
    [
      {
        state: 'passed',
        url: SMOKE_URL,
        status: 204,
        attempts: 1,
        reason: 'status 204'
      },
      { 'smoke-url': SMOKE_URL, 'smoke-status': '204' }
    ],
    [
      {
        state: 'failed',
        url: SMOKE_URL,
        status: 502,
        attempts: 9,
        reason: 'status 502, expected 200'
      },
      { 'smoke-url': SMOKE_URL, 'smoke-status': '502' }
    ],
    [
      {
        state: 'failed',
        url: SMOKE_URL,
        status: undefined,
        attempts: 9,
        reason: 'fetch failed'
      },
      { 'smoke-url': SMOKE_URL, 'smoke-status': 'no-response' }
    ]
  ])('smoke %p → %p', (smoke, expected) => {
    expect(reportOutputs({ phases: [], smoke })).toEqual({
      ...expected,
      'rolled-back': 'false'
    })
  })

  it.each<['reusedImage' | 'updated' | 'rolledBack', string]>([
    ['reusedImage', 'reused-image'],
    ['updated', 'updated'],
    ['rolledBack', 'rolled-back']
  ])('writes %s false as "false", not as missing', (field, output) => {
    expect(reportOutputs({ phases: [], [field]: false })).toEqual({
      'rolled-back': 'false',
      [output]: 'false'
    })
  })
})

describe('renderSummary', () => {
  it('renders a deployed run', () => {
    expect(renderSummary(DEPLOYED)).toBe(
      [
        `## ✅ Deployed: ${FUNCTION_NAME}`,
        '',
        '| | |',
        '|---|---|',
        `| Function | \`${FUNCTION_ARN}\` |`,
        '| Architecture | arm64 (linux/arm64) |',
        '| Image tag | `3f9c2ab` |',
        `| Image | \`${IMAGE_URI}\` |`,
        '| Build | docker buildx (docker-container) |',
        `| Previous image | \`${PREVIOUS_IMAGE_URI}\` |`,
        '| Function updated | yes |',
        `| Smoke test | ✅ HTTP 200 from ${SMOKE_URL} after 2 attempt(s) |`,
        '| Rolled back | no |',
        '',
        '| Phase | Result | Duration |',
        '|---|---|---|',
        '| Read inputs | ok | 3ms |',
        '| Build and push | ok | 1m35s |',
        '| Deploy | ok | 12.3s |',
        '| Smoke test | ok | 2.6s |',
        ''
      ].join('\n')
    )
  })

  it('renders a re-run that reused the tag and found nothing to update', () => {
    const summary = renderSummary({
      ...DEPLOYED,
      reusedImage: true,
      builder: undefined,
      updated: false,
      smoke: { state: 'skipped', reason: 'smoke-test is false' }
    })
    expect(summary).toContain('| Build | reused the existing tag (no build) |')
    expect(summary).toContain(
      '| Function updated | no (already running this image) |'
    )
    expect(summary).toContain('| Smoke test | skipped: smoke-test is false |')
  })

  it('renders a run that failed before it knew anything', () => {
    expect(
      renderSummary({
        phases: [{ name: 'Read inputs', durationMs: 1, outcome: 'failed' }],
        error: 'Invalid inputs:\n  - function-name is required'
      })
    ).toBe(
      [
        '## ❌ Failed: Lambda function',
        '',
        '> [!CAUTION]',
        '> Invalid inputs:',
        '>   - function-name is required',
        '',
        '| | |',
        '|---|---|',
        '| Function | — |',
        '| Architecture | — |',
        '| Image tag | — |',
        '| Image | — |',
        '| Build | — |',
        '| Previous image | — |',
        '| Function updated | — |',
        '| Smoke test | — |',
        '',
        '| Phase | Result | Duration |',
        '|---|---|---|',
        '| Read inputs | failed | 1ms |',
        ''
      ].join('\n')
    )
  })

  it('renders a failed smoke test with its reason and the error text', () => {
    const reason = `${SMOKE_URL} did not pass within 2m0s (14 attempts); last: status 502, expected 200`
    const summary = renderSummary({
      ...DEPLOYED,
      smoke: {
        state: 'failed',
        url: SMOKE_URL,
        status: 502,
        attempts: 14,
        reason
      },
      rolledBack: false,
      error: `Smoke test failed: ${reason}\nThe function ${FUNCTION_NAME} now runs ${IMAGE_URI}.`
    })
    expect(
      summary.startsWith(`## ❌ Failed: ${FUNCTION_NAME}\n\n> [!CAUTION]\n`)
    ).toBe(true)
    expect(summary).toContain(`> Smoke test failed: ${reason}\n`)
    expect(summary).toContain(
      `> The function ${FUNCTION_NAME} now runs ${IMAGE_URI}.\n`
    )
    expect(summary).toContain(
      `| Smoke test | ❌ HTTP 502 from ${SMOKE_URL} after 14 attempt(s): ${reason} |`
    )
    expect(summary).toContain('| Rolled back | no |')
  })

  it('renders a smoke test that never got a response', () => {
    const summary = renderSummary({
      phases: [],
      smoke: {
        state: 'failed',
        url: SMOKE_URL,
        status: undefined,
        attempts: 3,
        reason: 'fetch failed'
      },
      error: 'Smoke test failed'
    })
    expect(summary).toContain(
      `| Smoke test | ❌ no response from ${SMOKE_URL} after 3 attempt(s): fetch failed |`
    )
  })

  it('renders a rolled-back run', () => {
    const summary = renderSummary({
      ...DEPLOYED,
      smoke: {
        state: 'failed',
        url: SMOKE_URL,
        status: 500,
        attempts: 20,
        reason: 'status 500, expected 200'
      },
      rolledBack: true,
      rolledBackTo: PREVIOUS_IMAGE_URI,
      error: `Smoke test failed\nRolled back: ${FUNCTION_NAME} runs the previous image ${PREVIOUS_IMAGE_URI} again.`
    })
    expect(summary.split('\n')[0]).toBe(
      `## ↩️ Failed and rolled back: ${FUNCTION_NAME}`
    )
    expect(summary).toContain(
      `| Rolled back | yes, to \`${PREVIOUS_IMAGE_URI}\` |`
    )
    expect(summary).toContain(`> Rolled back: ${FUNCTION_NAME} runs`)
  })

  it('leaves out the rolled-back row when no rollback was considered', () => {
    const summary = renderSummary({ ...DEPLOYED, rolledBack: undefined })
    expect(summary).not.toContain('Rolled back')
  })

  it('leaves out the phases table when no phase ran', () => {
    const summary = renderSummary({ ...DEPLOYED, phases: [] })
    expect(summary).not.toContain('| Phase |')
    expect(summary.endsWith('| Rolled back | no |\n')).toBe(true)
  })

  it('escapes pipes and line breaks so values stay in their cell', () => {
    const summary = renderSummary({
      ...DEPLOYED,
      builder: 'docker | buildx',
      smoke: {
        state: 'failed',
        url: SMOKE_URL,
        status: 200,
        attempts: 1,
        reason: 'body does not contain "ok"; body: a | b\nc'
      },
      error: 'x'
    })
    expect(summary).toContain('| Build | docker \\| buildx |')
    expect(summary).toContain(
      'after 1 attempt(s): body does not contain "ok"; body: a \\| b c |'
    )
    // Every row of the first table still has exactly two cells.
    const rows = summary
      .split('\n')
      .filter(line => line.startsWith('| ') && !line.startsWith('| Phase'))
      .slice(0, 9)
    for (const row of rows) {
      expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(4)
    }
  })

  it('escapes text that would be taken for HTML', () => {
    const summary = renderSummary({
      phases: [],
      smoke: {
        state: 'failed',
        url: SMOKE_URL,
        status: 502,
        attempts: 1,
        reason: 'body: <html><title>502 Bad Gateway</title></html>'
      },
      error:
        'function-name is not a function ARN (arn:aws:lambda:<region>:<account>:function:<name>) & more'
    })
    expect(summary).toContain(
      '> function-name is not a function ARN (arn:aws:lambda:&lt;region&gt;:&lt;account&gt;:function:&lt;name&gt;) &amp; more'
    )
    expect(summary).toContain(
      'body: &lt;html&gt;&lt;title&gt;502 Bad Gateway&lt;/title&gt;&lt;/html&gt; |'
    )
    expect(summary).not.toMatch(/<(html|region|name)>/)
  })

  it('keeps backticks in a value from closing its code span', () => {
    const summary = renderSummary({ phases: [], imageTag: 'v1`evil' })
    expect(summary).toContain("| Image tag | `v1'evil` |")
  })
})

describe('renderSummary of previews', () => {
  it('names a preview and its URL', () => {
    const markdown = renderSummary({
      functionName: 'my-api-pr-7',
      productionFunctionName: 'my-api',
      previewFunctionName: 'my-api-pr-7',
      previewUrl: 'https://abc.lambda-url.eu-west-1.on.aws/',
      phases: []
    })
    expect(markdown).toContain('## ✅ Preview deployed: my-api-pr-7')
    expect(markdown).toContain('| Preview of | `my-api` |')
    expect(markdown).toContain(
      '| Preview URL | https://abc.lambda-url.eu-west-1.on.aws/ |'
    )
  })

  it('lists what a cleanup removed, or says there was nothing', () => {
    const base = {
      functionName: 'my-api',
      productionFunctionName: 'my-api',
      previewFunctionName: 'my-api-pr-7',
      phases: []
    }
    expect(
      renderSummary({
        ...base,
        removed: ['function f', 'image tag api:pr-7-a']
      })
    ).toMatch(
      /## 🧹 Preview removed: my-api[\s\S]*\| Removed \| function f<br>image tag api:pr-7-a \|/
    )
    expect(renderSummary({ ...base, removed: [] })).toContain(
      '| Removed | nothing was left to remove |'
    )
  })
})

describe('runs with versions, aliases and several functions', () => {
  it('sets the alias and version outputs, each declared in action.yml', () => {
    const outputs = reportOutputs({
      ...DEPLOYED,
      alias: 'live',
      targets: [ALIAS_TARGET]
    })
    expect(outputs).toMatchObject({
      'function-version': '8',
      'alias-arn': ALIAS_ARN,
      'previous-version': '7',
      'serving-image-uri': IMAGE_URI,
      'serving-version': '8'
    })
    expect(JSON.parse(outputs.functions ?? '')).toEqual([
      {
        name: FUNCTION_NAME,
        arn: FUNCTION_ARN,
        outcome: 'deployed',
        updated: true,
        version: '8',
        previousVersion: '7',
        previousImage: PREVIOUS_IMAGE_URI,
        servingImage: IMAGE_URI,
        servingVersion: '8'
      }
    ])
    expect(
      Object.keys(outputs).filter(name => !declaredOutputs().includes(name))
    ).toEqual([])
  })

  it('shows the alias move, the pre-traffic check and the command that undoes it', () => {
    const text = renderSummary({
      ...DEPLOYED,
      alias: 'live',
      targets: [ALIAS_TARGET]
    })
    expect(text).toContain('| Alias | `live` → version 8 (was 7) |')
    expect(text).toContain(
      '| Pre-traffic check | ✅ HTTP 200 after 1 invocation(s) |'
    )
    expect(text).toContain('**To undo this deploy by hand:**')
    expect(text).toContain(ALIAS_TARGET.undo)
  })

  it('one row per function, with outcomes, and the logs of the one that failed', () => {
    const text = renderSummary({
      ...DEPLOYED,
      rolledBack: true,
      error: 'svc-b: Lambda could not apply the update',
      targets: [
        {
          functionName: 'svc-a',
          functionArn: 'arn:a',
          outcome: 'reverted',
          previousImageUri: PREVIOUS_IMAGE_URI,
          servingImageUri: PREVIOUS_IMAGE_URI,
          undo: 'aws lambda update-function-code --function-name arn:a'
        },
        {
          functionName: 'svc-b',
          functionArn: 'arn:b',
          outcome: 'stopped',
          previousImageUri: PREVIOUS_IMAGE_URI,
          servingImageUri: PREVIOUS_IMAGE_URI,
          diagnostics: {
            lines: [
              'INIT_REPORT Init Duration: 1.2 ms\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint'
            ],
            note: undefined
          }
        }
      ]
    })
    expect(text).toContain('## ↩️ Failed and rolled back: 2 functions')
    expect(text).toContain(
      `| \`svc-a\` | ↩️ reverted (another function failed) | \`${PREVIOUS_IMAGE_URI}\` | \`${PREVIOUS_IMAGE_URI}\` |`
    )
    expect(text).toContain('| `svc-b` | ⛔ stopped before traffic |')
    expect(text).toContain(
      '<summary>Logs of svc-b since the deploy began</summary>'
    )
    expect(text).toContain('Error Type: Runtime.InvalidEntrypoint')
    expect(text).toContain(
      '**Restored automatically. The command that does it by hand:**'
    )
    // The per-function table replaces the single-function rows.
    expect(text).not.toContain('| Previous image |')
  })
})

describe('dry runs', () => {
  const change = (name: string, text: string) => ({
    name,
    code: 'update' as const,
    publish: false,
    traffic: 'untouched' as const,
    from: PREVIOUS_IMAGE_URI,
    to: `${REPOSITORY_URI}:3f9c2ab`,
    text
  })
  const DRY: Report = {
    functionName: FUNCTION_NAME,
    functionArn: FUNCTION_ARN,
    architecture: 'arm64',
    platform: 'linux/arm64',
    imageTag: '3f9c2ab',
    builder: 'docker build',
    builtLocally: 'aspnet-lambda-deploy-dry-run/api:3f9c2ab',
    previousImageUri: PREVIOUS_IMAGE_URI,
    updated: false,
    dryRun: true,
    smoke: { state: 'skipped', reason: 'dry run: nothing new serves' },
    wouldChange: [change('my-api', 'would update $LATEST from a to b')],
    phases: []
  }

  it('heads the summary with "nothing was changed" and lists what a real run would change', () => {
    const text = renderSummary(DRY)
    expect(text).toMatch(/^## 🔍 Dry run — nothing was changed: my-api\n/)
    expect(text).toContain(
      '| Build | docker build, not pushed: `aspnet-lambda-deploy-dry-run/api:3f9c2ab` |'
    )
    expect(text).toContain('| Function updated | no (dry run) |')
    expect(text).toContain(
      '| Smoke test | skipped: dry run: nothing new serves |'
    )
    expect(text).toContain(
      `**What a real run would change:**\n\n| Function | Serves now | A real run | Lambda, asked with DryRun |\n|---|---|---|---|\n| \`my-api\` | \`${PREVIOUS_IMAGE_URI}\` | would update $LATEST from a to b | — |`
    )
    expect(text).not.toContain('To undo')
  })

  it.each<[string, WouldChange['asked'], string]>([
    [
      'allowed for the new image',
      {
        answer: 'allowed',
        imageUri: 'x',
        substitute: undefined,
        message: undefined
      },
      '| ✅ allowed |'
    ],
    [
      'allowed for the image it runs (nothing pushed)',
      {
        answer: 'allowed',
        imageUri: 'x',
        substitute: 'not pushed',
        message: undefined
      },
      '| ✅ allowed (asked with the image it runs now: this dry run pushed nothing) |'
    ],
    [
      'denied, with what to allow',
      {
        answer: 'denied',
        imageUri: 'x',
        substitute: undefined,
        message:
          'lambda:UpdateFunctionCode was denied (AccessDeniedException): no'
      },
      '| ❌ denied: lambda:UpdateFunctionCode was denied (AccessDeniedException): no |'
    ],
    [
      'busy',
      {
        answer: 'busy',
        imageUri: 'x',
        substitute: undefined,
        message: 'in progress'
      },
      '| ⏳ busy: in progress |'
    ]
  ])(
    "shows Lambda's answer to the DryRun update: %s",
    (_label, asked, cell) => {
      const text = renderSummary({
        ...DRY,
        wouldChange: [{ ...change('my-api', 'would update'), asked }]
      })
      expect(text).toContain(`| would update ${cell}`)
    }
  )

  it('a failed dry run says it failed and that nothing was changed', () => {
    expect(renderSummary({ ...DRY, error: 'Preflight failed' })).toMatch(
      /^## ❌ Dry run failed — nothing was changed: my-api\n\n> \[!CAUTION\]\n> Preflight failed/
    )
  })

  it('a dry cleanup with nothing to remove says so', () => {
    expect(renderSummary({ ...DRY, wouldChange: [] })).toContain(
      'A real run would change nothing: nothing is left to remove.'
    )
  })

  it('sets dry-run and would-change, each declared in action.yml', () => {
    const outputs = reportOutputs(DRY)
    expect(outputs['dry-run']).toBe('true')
    expect(outputs.updated).toBe('false')
    expect(JSON.parse(outputs['would-change'] ?? '')).toEqual([
      {
        name: 'my-api',
        code: 'update',
        publish: false,
        traffic: 'untouched',
        from: PREVIOUS_IMAGE_URI,
        to: `${REPOSITORY_URI}:3f9c2ab`,
        text: 'would update $LATEST from a to b'
      }
    ])
    expect(declaredOutputs()).toEqual(
      expect.arrayContaining(['dry-run', 'would-change'])
    )
    expect(reportOutputs(DEPLOYED)['dry-run']).toBeUndefined()
  })

  it('several functions: the would-change table, not the outcome table', () => {
    const text = renderSummary({
      ...DRY,
      targets: [
        { functionName: 'a', functionArn: 'a', outcome: 'unchanged' },
        { functionName: 'b', functionArn: 'b', outcome: 'unchanged' }
      ],
      wouldChange: [
        change('a', 'would update a'),
        change('b', 'would update b')
      ]
    })
    expect(text).toContain('## 🔍 Dry run — nothing was changed: 2 functions')
    expect(text).toContain('| would update a |')
    expect(text).toContain('| would update b |')
    expect(text).not.toContain('| Function | Result |')
  })
})

describe('buildCell (reuse-unchanged-image)', () => {
  const KEY = 'ab'.repeat(32)
  it.each<[string, Report, string]>([
    ['a build', { phases: [], builder: 'buildx' }, 'buildx'],
    [
      'the tag already existed',
      { phases: [], reusedImage: true },
      'reused the existing tag (no build)'
    ],
    [
      'an earlier commit built the same app',
      {
        phases: [],
        reusedImage: true,
        keyMs: 180,
        reuse: {
          kind: 'reused',
          key: KEY,
          builtFor: 'c0ffee',
          tag: 'beef',
          digest: DOCKER_V2_DIGEST
        }
      },
      `No build: the app is unchanged since \`c0ffee\` (key \`build-abababababab…\`, key in 180ms); tagged \`beef\` on \`${DOCKER_V2_DIGEST}\``
    ],
    [
      'an earlier build of unknown commit',
      {
        phases: [],
        reusedImage: true,
        reuse: {
          kind: 'reused',
          key: KEY,
          builtFor: undefined,
          tag: 'beef',
          digest: DOCKER_V2_DIGEST
        }
      },
      `No build: the app is unchanged since an earlier build (key \`build-abababababab…\`); tagged \`beef\` on \`${DOCKER_V2_DIGEST}\``
    ],
    [
      'a new key',
      { phases: [], builder: 'buildx', reuse: { kind: 'new-key', key: KEY } },
      'buildx (new build key `build-abababababab…`)'
    ],
    [
      'no key, with a reason that needs escaping',
      {
        phases: [],
        builder: 'docker build',
        reuse: { kind: 'no-key', reason: 'FROM <x> | y' }
      },
      'docker build (no build key: FROM &lt;x&gt; \\| y)'
    ]
  ])('%s', (_what, report, expected) => {
    expect(buildCell(report)).toBe(expected)
  })

  it('is the Build row of the summary', () => {
    const summary = renderSummary({
      phases: [],
      reusedImage: true,
      reuse: {
        kind: 'reused',
        key: KEY,
        builtFor: 'c0ffee',
        tag: 'beef',
        digest: DOCKER_V2_DIGEST
      }
    })
    expect(summary).toContain('| Build | No build: the app is unchanged since')
  })
})
