/**
 * What the documentation says happens, checked against what the code does.
 * Each claim names the run() test that proves the behaviour; this test
 * fails when a page says the opposite again.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'

const read = (file: string): string =>
  readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')
    // One line per paragraph or YAML description: claims wrap anywhere.
    .replace(/\s*\n\s*/g, ' ')

interface Claim {
  /** Where the behaviour is proven. */
  provenBy: string
  file: string
  says: RegExp[]
  neverSays: RegExp[]
}

const CLAIMS: Record<string, Claim> = {
  'a failed pre-traffic check puts $LATEST back (outcome stopped, rolled-back true)':
    {
      provenBy:
        "main-release.test.ts: 'stops before the alias moves when the new version answers 500, with its logs'",
      file: 'docs/safe-releases.md',
      says: [
        /When the pre-traffic check fails, the alias is not moved.*`\$LATEST` is put back to the image it ran before/,
        /\| `alias` +\| a pre-traffic check +\| `\$LATEST` back to the previous image/
      ],
      neverSays: [
        /`\$LATEST` keeps the new code/,
        /`rolled-back` is `false` because/
      ]
    },
  'a failed canary or smoke test puts the alias and $LATEST back': {
    provenBy:
      "main-release.test.ts: 'puts all traffic back on the previous version when a canary check fails'",
    file: 'docs/safe-releases.md',
    says: [
      /\| a canary check or a smoke test.*\| the alias back to its previous version, with no weights, and `\$LATEST` back to the previous image/
    ],
    neverSays: [/keeps the new code/]
  },
  'a cancelled canary undoes the split': {
    provenBy:
      "main-release.test.ts: 'cancelled during the interval: the split is undone, …'",
    file: 'docs/safe-releases.md',
    says: [
      /A run cancelled half-way ends the canary at once: the alias goes back to its previous version with no weights/
    ],
    neverSays: [/leaves the split in place/]
  },
  'rolled-back is true after a failed pre-traffic check (docs/inputs.md)': {
    provenBy:
      "main-release.test.ts: 'stops before the alias moves when the new version answers 500, with its logs'",
    file: 'docs/inputs.md',
    says: [
      /\| `rolled-back` \| `true` when a failed check \(smoke test, pre-traffic check or canary/
    ],
    neverSays: []
  },
  ...Object.fromEntries(
    ['action.yml', 'docs/inputs.md', 'docs/many-functions.md'].map(file => [
      `a function no HTTP endpoint reaches is invoked directly, never skipped (${file})`,
      {
        provenBy:
          "main.test.ts: 'is not skipped when no URL can be found: the function is invoked with a synthetic request'; main-release.test.ts: 'requests a given smoke-url once (the first function), and invokes the others directly'",
        file,
        says: [/invoked directly|direct `Invoke`/],
        neverSays: [/skipped with a warning/]
      }
    ])
  ),
  ...Object.fromEntries(
    ['action.yml', 'docs/inputs.md', 'docs/previews.md'].map(file => [
      `an AWS_IAM preview is invoked directly, not skipped (${file})`,
      {
        provenBy:
          "main-preview.test.ts: 'preview-url-auth AWS_IAM with the smoke test on: …'",
        file,
        says: [/AWS_IAM.{0,200}(invokes the preview directly|direct `Invoke`)/],
        neverSays: [
          /needs smoke-url/,
          /set `smoke-url` or the smoke test is skipped/,
          /with `AWS_IAM` it is skipped/
        ]
      }
    ])
  ),
  'the PR comment never shows what the app answered': {
    provenBy:
      "main-preview.test.ts: 'a failed smoke test: the comment says so without the app's answer; …'",
    file: 'docs/previews.md',
    says: [/never build output or what the app answered/],
    neverSays: []
  }
}

describe('the documentation says what the code does', () => {
  it.each(Object.entries(CLAIMS))('%s', (_claim, { file, says, neverSays }) => {
    const text = read(file)
    for (const claim of says) expect(text).toMatch(claim)
    for (const wrong of neverSays) expect(text).not.toMatch(wrong)
  })
})
