import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { readPreview, type EventPayload } from '../../src/inputs/preview.js'
import { InputError, getInputs } from '../../src/inputs/read.js'
import type { Inputs } from '../../src/inputs/types.js'

const VALID: Record<string, string> = {
  'function-name': 'my-api',
  repository: 'team/my-api',
  tag: 'abc123',
  'aws-region': 'eu-west-1'
}

function parse(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv = {}
): Inputs {
  const all = { ...VALID, ...values }
  return getInputs(name => all[name] ?? '', env)
}

function problems(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv = {}
): string[] {
  try {
    parse(values, env)
  } catch (error) {
    if (error instanceof InputError) return error.problems
    throw error
  }
  return []
}

function pullRequestEvent(number: number, headSha: string): NodeJS.ProcessEnv {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'event-'))
  const file = path.join(dir, 'event.json')
  writeFileSync(
    file,
    JSON.stringify({ number, pull_request: { number, head: { sha: headSha } } })
  )
  return { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: file }
}

describe('preview inputs', () => {
  it('takes the pull request from a pull_request event and tags the image pr-<n>-<sha>', () => {
    const inputs = parse({ mode: 'preview' }, pullRequestEvent(42, 'f00d'))
    expect(inputs).toMatchObject({
      mode: 'preview',
      pullRequest: 42,
      tag: 'pr-42-abc123',
      headSha: 'f00d',
      previewUrlAuth: 'NONE',
      preview: { name: 'my-api-pr-42', shortened: false }
    })
  })

  it('prefers the pull-request input and uses the name template, with the name of a function ARN', () => {
    const inputs = parse(
      {
        mode: 'cleanup',
        'function-name':
          'arn:aws:lambda:eu-west-1:123456789012:function:my-api',
        'pull-request': '7',
        'preview-function-name': 'preview-{number}-{function}'
      },
      pullRequestEvent(42, 'f00d')
    )
    expect(inputs.pullRequest).toBe(7)
    expect(inputs.preview?.name).toBe('preview-7-my-api')
    // cleanup builds nothing: the tag is left as given
    expect(inputs.tag).toBe('abc123')
  })

  it('leaves deploy runs alone', () => {
    const inputs = parse({}, pullRequestEvent(42, 'f00d'))
    expect(inputs.mode).toBe('deploy')
    expect(inputs.tag).toBe('abc123')
    expect(inputs.preview).toBeUndefined()
  })

  it.each<[Record<string, string>, NodeJS.ProcessEnv, RegExp]>([
    [
      { mode: 'preview' },
      { GITHUB_EVENT_NAME: 'push' },
      /^pull-request is required with mode: preview: it comes from the event payload of pull_request and pull_request_target events \(this run is a push event\)/
    ],
    [{ mode: 'cleanup' }, {}, /^pull-request is required with mode: cleanup/],
    [
      { mode: 'previews' },
      {},
      /^mode "previews" must be deploy, preview .* or cleanup/
    ],
    [
      { mode: 'preview', 'pull-request': '#7' },
      {},
      /^pull-request "#7" must be a pull request number/
    ],
    [
      { mode: 'preview', 'pull-request': '7', 'preview-url-auth': 'public' },
      {},
      /^preview-url-auth "public" must be NONE .* or AWS_IAM/
    ],
    [
      {
        mode: 'preview',
        'pull-request': '7',
        'preview-function-name': '{function}-preview'
      },
      {},
      /^preview-function-name "\{function\}-preview" must contain \{number\}/
    ],
    [
      {
        mode: 'preview',
        'pull-request': '7',
        'preview-function-name': '{function}.pr.{number}'
      },
      {},
      /is not a Lambda function name/
    ]
  ])('%j %j → %s', (values, env, expected) => {
    const found = problems(values, env)
    expect(found).toHaveLength(1)
    expect(found[0]).toMatch(expected)
  })

  it('shortens a long preview name to 64 characters', () => {
    const inputs = parse({
      mode: 'preview',
      'pull-request': '123',
      'function-name': 'x'.repeat(60)
    })
    expect(inputs.preview?.shortened).toBe(true)
    expect(inputs.preview?.name).toHaveLength(64)
  })
})

describe('cleanup inputs', () => {
  it('need no tag and no GITHUB_SHA: a cleanup builds nothing', () => {
    const inputs = getInputs(
      name =>
        ({
          mode: 'cleanup',
          'pull-request': '7',
          'function-name': 'my-api',
          repository: 'team/my-api',
          'aws-region': 'eu-west-1'
        })[name] ?? '',
      {}
    )
    expect(inputs.mode).toBe('cleanup')
    expect(inputs.preview?.name).toBe('my-api-pr-7')
  })

  it('a deploy still needs a tag', () => {
    expect(() =>
      getInputs(
        name =>
          ({
            'function-name': 'my-api',
            repository: 'team/my-api',
            'aws-region': 'eu-west-1'
          })[name] ?? '',
        {}
      )
    ).toThrow(/tag is empty and GITHUB_SHA is not set/)
  })
})

describe('readPreview', () => {
  function preview(
    values: Record<string, string>,
    event?: EventPayload,
    env: NodeJS.ProcessEnv = {},
    functionName = 'my-api'
  ): ReturnType<typeof readPreview> {
    return readPreview(name => values[name] ?? '', env, {
      functionName,
      event
    })
  }

  it('defaults to a deploy, with no preview even in a pull request', () => {
    expect(
      preview({}, { number: 5, pull_request: { head: { sha: 'abc' } } })
    ).toEqual({
      value: {
        mode: 'deploy',
        pullRequest: 5,
        preview: undefined,
        previewUrlAuth: 'NONE',
        githubToken: undefined,
        headSha: 'abc'
      },
      problems: []
    })
  })

  it.each<[string, EventPayload | undefined, number | undefined]>([
    [
      "the pull request's number",
      { number: 1, pull_request: { number: 2 } },
      2
    ],
    ["the event's number", { number: 3 }, 3],
    ['no fraction', { number: 3.5 }, undefined],
    ['no text', { number: '4' }, undefined],
    ['no event', undefined, undefined]
  ])('takes from the event %s', (_label, event, expected) => {
    expect(preview({}, event).value.pullRequest).toBe(expected)
  })

  it.each<[unknown, string | undefined]>([
    ['abc', 'abc'],
    [42, undefined]
  ])('reads the head SHA %p as %p', (sha, expected) => {
    expect(preview({}, { pull_request: { head: { sha } } }).value.headSha).toBe(
      expected
    )
  })

  it.each<[string, Record<string, string>, string, string[]]>([
    [
      'a mode as given',
      { mode: ' Preview! ' },
      'my-api',
      [
        'mode "Preview!" must be deploy, preview (deploy the pull request to its own function) or cleanup (remove that preview).'
      ]
    ],
    [
      'a bad pull-request only once, even with mode: preview',
      { mode: 'preview', 'pull-request': '0' },
      'my-api',
      ['pull-request "0" must be a pull request number such as 42.']
    ],
    [
      'a missing pull request of an unknown event',
      { mode: 'CLEANUP' },
      'my-api',
      [
        'pull-request is required with mode: cleanup: it comes from the event payload of pull_request and pull_request_target events (this run is a unknown event); otherwise give the number, e.g. pull-request: ${{ github.event.pull_request.number }}.'
      ]
    ],
    [
      'the url auth as given',
      { 'preview-url-auth': 'Public' },
      'my-api',
      [
        'preview-url-auth "Public" must be NONE (public URL) or AWS_IAM (signed requests only).'
      ]
    ],
    [
      "a template that gives production's own name",
      {
        mode: 'preview',
        'pull-request': '7',
        'preview-function-name': 'api-{number}'
      },
      'arn:aws:lambda:eu-west-1:123456789012:function:api-7',
      [
        `preview-function-name "api-{number}" gives the production function's own name.`
      ]
    ],
    [
      'no name problem without a function (function-name reports it)',
      { mode: 'preview', 'pull-request': '7', 'preview-function-name': 'x' },
      '',
      []
    ],
    [
      'no template problem for a deploy',
      { 'pull-request': '7', 'preview-function-name': '{function}' },
      'my-api',
      []
    ]
  ])('reports %s', (_label, values, functionName, problems) => {
    expect(preview(values, undefined, {}, functionName).problems).toEqual(
      problems
    )
  })

  it.each<[string, 'NONE' | 'AWS_IAM']>([
    ['', 'NONE'],
    ['none', 'NONE'],
    ['aws_iam', 'AWS_IAM']
  ])('preview-url-auth %p → %p', (text, expected) => {
    expect(preview({ 'preview-url-auth': text }).value.previewUrlAuth).toBe(
      expected
    )
  })

  it('passes github-token through', () => {
    expect(preview({ 'github-token': ' ghs_x ' }).value.githubToken).toBe(
      'ghs_x'
    )
  })

  describe("a preview's isolation", () => {
    const asPreview = (values: Record<string, string>, env = {}) =>
      preview(
        { mode: 'preview', 'pull-request': '7', ...values },
        undefined,
        env
      )

    it('by default: no variables, none copied, no role of its own, no VPC', () => {
      expect(asPreview({})).toEqual({
        value: expect.objectContaining({
          isolation: { env: {}, copyEnv: [], roleArn: undefined, vpc: false }
        }),
        problems: []
      })
    })

    it('preview-env: KEY=value lines, the value kept as written after the first =', () => {
      expect(
        asPreview({
          'preview-env':
            'ASPNETCORE_ENVIRONMENT=Preview\n# a comment\n\nConnectionStrings__Db=Host=preview;Port=5432\n'
        }).value.isolation?.env
      ).toEqual({
        ASPNETCORE_ENVIRONMENT: 'Preview',
        ConnectionStrings__Db: 'Host=preview;Port=5432'
      })
    })

    it('preview-copy-env: names, one per line or comma-separated, each once', () => {
      expect(
        asPreview({
          'preview-copy-env':
            'ASPNETCORE_ENVIRONMENT, LOG_LEVEL\nFEATURE_FLAGS\nLOG_LEVEL'
        }).value.isolation?.copyEnv
      ).toEqual(['ASPNETCORE_ENVIRONMENT', 'LOG_LEVEL', 'FEATURE_FLAGS'])
    })

    it('preview-role-arn and preview-vpc', () => {
      expect(
        asPreview({
          'preview-role-arn': 'arn:aws:iam::123456789012:role/my-api-preview',
          'preview-vpc': 'TRUE'
        }).value.isolation
      ).toMatchObject({
        roleArn: 'arn:aws:iam::123456789012:role/my-api-preview',
        vpc: true
      })
    })

    it('reports bad values, whatever the mode', () => {
      const bad = {
        'preview-env': 'NOT A PAIR\n1X=y',
        'preview-copy-env': 'OK, no-dash',
        'preview-role-arn': 'my-api-preview',
        'preview-vpc': 'sometimes'
      }
      const expected = [
        'preview-env: "NOT A PAIR" is not KEY=VALUE (one per line).',
        'preview-env: "1X" is not an environment variable name (a letter, then letters, digits and _).',
        'preview-copy-env: "no-dash" is not an environment variable name; list the names of production\'s variables to copy, one per line or comma-separated.',
        'preview-role-arn "my-api-preview" is not an IAM role ARN (arn:aws:iam::123456789012:role/my-api-preview).',
        'preview-vpc "sometimes" must be true or false.'
      ]
      expect(asPreview(bad).problems).toEqual(expected)
      expect(preview(bad).problems).toEqual(expected)
    })

    it('is not part of a deploy or a cleanup', () => {
      const values = { 'preview-env': 'A=b', 'pull-request': '7' }
      expect(preview(values).value.isolation).toBeUndefined()
      expect(
        preview({ ...values, mode: 'cleanup' }).value.isolation
      ).toBeUndefined()
    })
  })

  describe('pull_request_target', () => {
    const TARGET = { GITHUB_EVENT_NAME: 'pull_request_target' }

    it.each(['deploy', 'preview', 'cleanup'])(
      'is refused in mode %s unless allow-pull-request-target is true',
      mode => {
        expect(
          preview({ mode, 'pull-request': '7' }, undefined, TARGET).problems
        ).toEqual([
          "This run is a pull_request_target event, which runs with the base repository's secrets and AWS role; a workflow that builds the pull request's code then hands them to whoever opened it. Use on: pull_request (the default for previews), or set allow-pull-request-target: true if you accept that risk (docs/previews.md)."
        ])
        const allowed = preview(
          { mode, 'pull-request': '7', 'allow-pull-request-target': 'true' },
          undefined,
          TARGET
        )
        expect(allowed.problems).toEqual([])
        expect(allowed.value.allowPullRequestTarget).toBe(true)
      }
    )

    it('pull_request needs no permission', () => {
      expect(
        preview({ mode: 'preview', 'pull-request': '7' }, undefined, {
          GITHUB_EVENT_NAME: 'pull_request'
        }).problems
      ).toEqual([])
    })
  })
})

describe('readPreview: the pull request number', () => {
  function preview(
    values: Record<string, string>,
    event?: EventPayload
  ): ReturnType<typeof readPreview> {
    return readPreview(
      name => values[name] ?? '',
      {},
      {
        functionName: 'my-api',
        event
      }
    )
  }

  it.each(['42x', '4 2', '42.0'])(
    'rejects pull-request %p: a number is the whole text',
    text => {
      expect(preview({ 'pull-request': text }).problems).toEqual([
        `pull-request "${text}" must be a pull request number such as 42.`
      ])
    }
  )

  it.each<[string, EventPayload]>([
    ['a fraction', { number: 7.5 }],
    ['a string', { number: '7' }]
  ])('takes no number from an event whose number is %s', (_label, event) => {
    const read = preview({ mode: 'preview' }, event)
    expect(read.value.pullRequest).toBeUndefined()
    expect(read.problems).toEqual([
      expect.stringMatching(/^pull-request is required with mode: preview/)
    ])
  })
})
