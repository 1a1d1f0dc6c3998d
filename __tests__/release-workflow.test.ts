/**
 * How a version reaches users: the release workflow publishes an immutable
 * release (draft, then its assets, then publish: a published immutable
 * release's tag and assets can never change) and moves the major tag, a
 * plain Git tag outside the release, only after the release is published.
 * And action.yml's metadata is what the Marketplace accepts.
 * https://docs.github.com/en/actions/how-tos/create-and-publish-actions/using-immutable-releases-and-tags-to-manage-your-actions-releases
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'

const root = fileURLToPath(new URL('..', import.meta.url))
const workflow = readFileSync(
  join(root, '.github', 'workflows', 'release.yml'),
  'utf8'
)

interface Step {
  name: string
  run: string
}

/** The named steps of one job, with their `run:` text (block or inline). */
function stepsOf(text: string, job: string): Step[] {
  const lines = text.split('\n')
  const start = lines.findIndex(line => line === `  ${job}:`)
  if (start < 0) throw new Error(`no job ${job}`)
  const end = lines.findIndex((line, i) => i > start && /^ {2}\S/.test(line))
  const body = lines.slice(start + 1, end < 0 ? undefined : end)
  const steps: Step[] = []
  let current: Step | undefined
  let inRun = false
  for (const line of body) {
    const name = /^ {6}- name: (.+)$/.exec(line)
    if (name?.[1] !== undefined || /^ {6}- /.test(line)) {
      current = { name: name?.[1] ?? '(unnamed)', run: '' }
      steps.push(current)
      inRun = false
      continue
    }
    const run = /^ {8}run: (.*)$/.exec(line)
    if (run !== null && current !== undefined) {
      inRun = run[1] === '|'
      if (!inRun) current.run = run[1] ?? ''
      continue
    }
    if (inRun && current !== undefined) {
      if (/^ {10}/.test(line) || line.trim() === '')
        current.run += `${line.trim()}\n`
      else inRun = false
    }
  }
  return steps
}

describe('the release workflow', () => {
  const steps = stepsOf(workflow, 'release')
  const index = (pattern: RegExp): number =>
    steps.findIndex(step => pattern.test(step.run))

  it('reads the steps of the release job', () => {
    expect(steps.length).toBeGreaterThanOrEqual(4)
    expect(workflow).toMatch(/^ {4}needs: check$/m)
  })

  it('drafts the release, attaches its assets, then publishes it', () => {
    const draft = index(/gh release create "\$TAG" --draft\b/)
    const upload = index(/gh release upload "\$TAG"/)
    const publish = index(/gh release edit "\$TAG" --draft=false/)
    expect([draft, upload, publish].every(i => i >= 0)).toBe(true)
    expect(draft).toBeLessThan(upload)
    expect(upload).toBeLessThan(publish)
    // Never a release published at creation: its assets could not follow.
    const creates = steps.filter(step => /gh release create/.test(step.run))
    expect(creates).toHaveLength(1)
    expect(creates[0]?.run).toMatch(/--draft/)
  })

  it('attaches the bundle GitHub runs, with its checksum', () => {
    const upload = steps[index(/gh release upload/)]?.run ?? ''
    expect(upload).toMatch(
      /tar -czf "\$RUNNER_TEMP\/dist-\$TAG\.tar\.gz" action\.yml dist/
    )
    expect(upload).toMatch(/sha256sum/)
  })

  it('moves the major tag, a plain tag, only after the release is published', () => {
    const publish = index(/gh release edit "\$TAG" --draft=false/)
    const move = index(/git push --force origin "refs\/tags\/\$major"/)
    expect(move).toBeGreaterThan(publish)
    expect(steps[move]?.run).not.toMatch(/gh release/)
    // The version tag itself is never moved.
    expect(workflow).not.toMatch(/git tag -f[a-z]* "\$TAG"/)
  })

  it('stepsOf reads block and inline run steps', () => {
    const text = [
      'jobs:',
      '  a:',
      '    steps:',
      '      - uses: x/y@v1',
      '      - name: one',
      '        run: |',
      '          echo 1',
      '          echo 2',
      '      - name: two',
      '        run: echo 3',
      '  b:',
      '    steps:',
      '      - name: other',
      '        run: echo 4'
    ].join('\n')
    expect(stepsOf(text, 'a')).toEqual([
      { name: '(unnamed)', run: '' },
      { name: 'one', run: 'echo 1\necho 2\n' },
      { name: 'two', run: 'echo 3' }
    ])
  })
})

describe("action.yml's Marketplace metadata", () => {
  const action = readFileSync(join(root, 'action.yml'), 'utf8')

  it('has a name, and a description under 125 characters', () => {
    expect(action).toMatch(/^name: '[^']+'$/m)
    const description = /^description: >-\n((?: {2}.+\n)+)/m
      .exec(action)?.[1]
      ?.split('\n')
      .map(line => line.trim())
      .filter(line => line !== '')
      .join(' ')
    expect(description).toBeDefined()
    expect(description?.length ?? 0).toBeGreaterThan(20)
    expect(description?.length ?? 200).toBeLessThan(125)
  })

  it('has the branding the Marketplace shows', () => {
    expect(action).toMatch(/^branding:\n {2}icon: '[\w-]+'\n {2}color: '\w+'$/m)
  })
})
