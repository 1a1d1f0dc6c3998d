import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { readPreview, type EventPayload } from '../../src/inputs/preview.js'
import { InputError, getInputs } from '../../src/inputs/read.js'
import type { Inputs } from '../../src/inputs/types.js'

const PREVIEW_ROLE = 'arn:aws:iam::123456789012:role/my-api-preview'

const VALID: Record<string, string> = {
  'function-name': 'my-api',
  repository: 'team/my-api',
  tag: 'abc123',
  'aws-region': 'eu-west-1',
  'preview-role-arn': PREVIEW_ROLE
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
    const all: Record<string, string> = {
      'preview-role-arn': PREVIEW_ROLE,
      ...values
    }
    return readPreview(name => all[name] ?? '', env, {
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

    it('by default: no variables, none copied, no VPC', () => {
      expect(asPreview({})).toEqual({
        value: expect.objectContaining({
          isolation: expect.objectContaining({
            env: {},
            copyEnv: [],
            roleArn: PREVIEW_ROLE,
            useProductionRole: false,
            vpc: false
          })
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

  describe('untrusted triggers', () => {
    const refusal = (event: string): string =>
      `This run is a ${event} event, which runs with the base repository's secrets and AWS role on code a stranger may control; a workflow that builds a pull request's code then hands them to whoever wrote it. Use on: pull_request (the default for previews), or set allow-untrusted-triggers: true if you accept that risk (docs/security.md).`

    it.each(
      ['pull_request_target', 'workflow_run', 'issue_comment'].flatMap(event =>
        ['deploy', 'preview', 'cleanup'].map(mode => [event, mode])
      )
    )(
      '%s is refused in mode %s unless allow-untrusted-triggers is true',
      (event, mode) => {
        const env = { GITHUB_EVENT_NAME: event }
        expect(
          preview({ mode, 'pull-request': '7' }, undefined, env).problems
        ).toEqual([refusal(event)])
        const allowed = preview(
          { mode, 'pull-request': '7', 'allow-untrusted-triggers': 'true' },
          undefined,
          env
        )
        expect(allowed.problems).toEqual([])
        expect(allowed.value.allowUntrustedTriggers).toBe(true)
        expect(allowed.value.deprecations).toBeUndefined()
      }
    )

    it('allow-pull-request-target still opts in, with a warning naming allow-untrusted-triggers', () => {
      const allowed = preview(
        {
          mode: 'preview',
          'pull-request': '7',
          'allow-pull-request-target': 'true'
        },
        undefined,
        { GITHUB_EVENT_NAME: 'workflow_run' }
      )
      expect(allowed.problems).toEqual([])
      expect(allowed.value.deprecations).toEqual([
        'allow-pull-request-target is deprecated: use allow-untrusted-triggers: true, which covers pull_request_target, workflow_run, issue_comment and pull requests from forks.'
      ])
    })

    it('pull_request from this repository needs no opt-in; from a fork it does', () => {
      const pullRequest = { GITHUB_EVENT_NAME: 'pull_request' }
      const from = (head: string): EventPayload => ({
        pull_request: {
          number: 7,
          head: { sha: 'abc', repo: { full_name: head } },
          base: { repo: { full_name: 'o/r' } }
        }
      })
      expect(
        preview({ mode: 'preview' }, from('o/r'), pullRequest).problems
      ).toEqual([])
      expect(
        preview({ mode: 'preview' }, from('mallory/r'), pullRequest).problems
      ).toEqual([
        'This pull request comes from a fork: its code is not from someone with write access to this repository. Previews deploy pull requests whose head is in this repository; set allow-untrusted-triggers: true to deploy forks too (docs/security.md).'
      ])
    })

    it.each([
      ['pull_request', []],
      ['workflow_dispatch', []],
      ['schedule', []],
      [
        'push',
        [
          'mode: cleanup runs on pull_request, workflow_dispatch, schedule events, not on push (docs/previews.md).'
        ]
      ]
    ])('cleanup on %s: %j', (event, expected) => {
      expect(
        preview({ mode: 'cleanup', 'pull-request': '7' }, undefined, {
          GITHUB_EVENT_NAME: event
        }).problems
      ).toEqual(expected)
    })

    it("pull_request_target: the commit is the pull request's head, not GITHUB_SHA (the default branch's since 2025-12-08)", () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'event-'))
      const file = path.join(dir, 'event.json')
      writeFileSync(
        file,
        JSON.stringify({
          number: 9,
          pull_request: { number: 9, head: { sha: 'feedface' } }
        })
      )
      const inputs = parse(
        { mode: 'preview', tag: '', 'allow-untrusted-triggers': 'true' },
        {
          GITHUB_EVENT_NAME: 'pull_request_target',
          GITHUB_EVENT_PATH: file,
          GITHUB_SHA: 'defa017'
        }
      )
      expect(inputs).toMatchObject({
        pullRequest: 9,
        tag: 'pr-9-feedface',
        headSha: 'feedface'
      })
    })
  })

  describe('the execution role of a preview', () => {
    it('without preview-role-arn is refused, naming the inputs, unless preview-use-production-role is true', () => {
      const values = {
        mode: 'preview',
        'pull-request': '7',
        'preview-role-arn': ''
      }
      expect(preview(values).problems).toEqual([
        "preview-role-arn is required with mode: preview: without it the preview would run the pull request's code with production's execution role and everything that role may do in AWS. Create a role for previews and set preview-role-arn (docs/previews.md), or set preview-use-production-role: true if you accept that risk."
      ])
      const optedIn = preview({
        ...values,
        'preview-use-production-role': 'true'
      })
      expect(optedIn.problems).toEqual([])
      expect(optedIn.value.isolation).toMatchObject({
        roleArn: undefined,
        useProductionRole: true
      })
      // A deploy or a cleanup needs no preview role.
      expect(preview({ ...values, mode: 'cleanup' }).problems).toEqual([])
    })

    it('preview-copy-env is deprecated, naming preview-env', () => {
      expect(
        preview({
          mode: 'preview',
          'pull-request': '7',
          'preview-copy-env': 'A'
        }).value.deprecations
      ).toEqual([
        "preview-copy-env is deprecated: it hands production's values to pull request code, and reading them needs lambda:GetFunction on production, which a preview role should not have (the preview role of examples/infra does not). Set the values a preview needs with preview-env instead."
      ])
    })
  })

  describe('preview-settings', () => {
    const settingsOf = (text: string) =>
      preview({
        mode: 'preview',
        'pull-request': '7',
        'preview-settings': text
      })

    it("defaults to 512 MB, 30 s, 512 MB of /tmp and the image's own command", () => {
      expect(settingsOf('').value.isolation?.settings).toEqual({
        memorySize: 512,
        timeout: 30,
        ephemeralStorage: 512,
        command: undefined,
        entryPoint: undefined,
        workingDirectory: undefined
      })
    })

    it('reads each setting', () => {
      expect(
        settingsOf(
          'memory=2048\ntimeout=90\nephemeral-storage=1024\ncommand=OrdersApi\nentry-point=["dotnet", "Orders.dll"]\nworking-directory=/var/task'
        ).value.isolation?.settings
      ).toEqual({
        memorySize: 2048,
        timeout: 90,
        ephemeralStorage: 1024,
        command: ['OrdersApi'],
        entryPoint: ['dotnet', 'Orders.dll'],
        workingDirectory: '/var/task'
      })
    })

    it('names a bad setting and the accepted form', () => {
      expect(
        settingsOf('memory=64\ntimeout=1h\ncommand=two words\ncolour=blue')
          .problems
      ).toEqual([
        'preview-settings: memory "64" must be a whole number of MB from 128 to 10240.',
        'preview-settings: timeout "1h" must be a whole number of seconds from 1 to 900.',
        'preview-settings: command "two words" must be one word or a JSON array of strings, such as ["dotnet", "MyApi.dll"].',
        'preview-settings: "colour" is not a setting; use memory, timeout, ephemeral-storage, command, entry-point, working-directory.'
      ])
    })
  })
})

describe('readPreview: the pull request number', () => {
  function preview(
    values: Record<string, string>,
    event?: EventPayload
  ): ReturnType<typeof readPreview> {
    const all: Record<string, string> = {
      'preview-role-arn': PREVIEW_ROLE,
      ...values
    }
    return readPreview(
      name => all[name] ?? '',
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
