import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'
import {
  appChecks,
  findHostingCalls,
  findResponseStreaming,
  parseProject,
  readAppSource,
  type AppSource
} from '../../../src/checks/preflight/app.js'
import {
  finalStage,
  hardCodedRuntime,
  parseDockerfile
} from '../../../src/checks/preflight/dockerfile-stages.js'
import type { Check } from '../../../src/checks/preflight/checks.js'
import type { Discovery } from '../../../src/checks/preflight/eventsource.js'
import type { EventSourceInput } from '../../../src/inputs/types.js'

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../../__fixtures__/apps/${name}`, import.meta.url))

const FUNCTION_URL: Discovery = {
  reaches: [
    { via: 'Function URL https://x.lambda-url.on.aws/', eventSource: 'HttpApi' }
  ],
  problems: []
}
const REST_API: Discovery = {
  reaches: [{ via: 'REST API orders', eventSource: 'RestApi' }],
  problems: []
}
const ALB: Discovery = {
  reaches: [
    { via: 'ALB target group orders', eventSource: 'ApplicationLoadBalancer' }
  ],
  problems: []
}

function results(checks: Check[]): Record<string, string> {
  return Object.fromEntries(checks.map(check => [check.id, check.result]))
}

async function checksFor(
  name: string,
  discovery: Discovery | undefined,
  declared: EventSourceInput | undefined = undefined
): Promise<Check[]> {
  const source = await readAppSource(fixture(name), undefined)
  return appChecks(source, {
    architecture: 'arm64',
    target: undefined,
    declaredEventSource: declared,
    discovery
  })
}

describe('app-source fixtures, one per event source', () => {
  it.each<[string, Discovery, string]>([
    ['http-api', FUNCTION_URL, 'pass'],
    ['http-api', REST_API, 'fail'],
    ['rest-api', REST_API, 'pass'],
    ['rest-api', FUNCTION_URL, 'fail'],
    ['alb', ALB, 'pass'],
    ['alb', FUNCTION_URL, 'fail']
  ])('%s app reached via %j → %s', async (name, discovery, expected) => {
    const checks = await checksFor(name, discovery)
    expect(results(checks)).toEqual({
      'app.hosting': 'pass',
      'app.event-source': expected,
      'app.cmd': 'pass',
      'app.base-image': 'pass',
      'app.runtime': 'pass'
    })
  })

  it('names both sides of a mismatch and the fix', async () => {
    const checks = await checksFor('rest-api', FUNCTION_URL)
    expect(checks.find(c => c.id === 'app.event-source')?.message).toBe(
      'The app uses LambdaEventSource.RestApi but the function is reached through Function URL https://x.lambda-url.on.aws/ → HttpApi: those requests would fail (aws/aws-lambda-dotnet#1209). Call AddAWSLambdaHosting(LambdaEventSource.HttpApi), or set event-source if discovery is wrong.'
    )
  })

  it.each<[string, EventSourceInput, string]>([
    ['rest-api', 'rest-api', 'pass'],
    ['rest-api', 'http-api', 'fail'],
    ['alb', 'alb', 'pass'],
    ['http-api', 'alb', 'fail']
  ])(
    '%s app with event-source %s → %s, whatever discovery says',
    async (name, declared, expected) => {
      const checks = await checksFor(name, FUNCTION_URL, declared)
      expect(checks.find(c => c.id === 'app.event-source')?.result).toBe(
        expected
      )
    }
  )

  it('warns when nothing reaching the function was found', async () => {
    const checks = await checksFor('http-api', {
      reaches: [],
      problems: ['apigateway:GET was denied']
    })
    const check = checks.find(c => c.id === 'app.event-source')
    expect(check?.result).toBe('warn')
    expect(check?.message).toContain('apigateway:GET was denied')
  })

  it('fails when one app is reached through two kinds of front end', async () => {
    const checks = await checksFor('http-api', {
      reaches: [...FUNCTION_URL.reaches, ...REST_API.reaches],
      problems: []
    })
    const check = checks.find(c => c.id === 'app.event-source')
    expect(check?.result).toBe('fail')
    expect(check?.message).toContain('One app serves one event source')
  })
})

describe('the example app in examples/aspnet-minimal-api', () => {
  const example = fileURLToPath(
    new URL('../../../examples/aspnet-minimal-api', import.meta.url)
  )
  it('passes every app check behind a Function URL', async () => {
    expect(existsSync(example)).toBe(true)
    const source = await readAppSource(example, undefined)
    const checks = appChecks(source, {
      architecture: 'arm64',
      target: undefined,
      declaredEventSource: undefined,
      discovery: FUNCTION_URL
    })
    expect(checks.filter(check => check.result !== 'pass')).toEqual([])
    expect(checks.map(check => check.id).sort()).toEqual([
      'app.base-image',
      'app.cmd',
      'app.event-source',
      'app.hosting',
      'app.runtime'
    ])
  })
})

interface SourceParts {
  dockerfile?: string
  program?: string
  project?: string
}

function source(files: SourceParts): AppSource {
  return {
    projects: [
      {
        path: 'Api.csproj',
        text:
          files.project ??
          '<Project><ItemGroup><PackageReference Include="Amazon.Lambda.AspNetCoreServer.Hosting" Version="1.7.1" /></ItemGroup></Project>'
      }
    ],
    code: [
      {
        path: 'Program.cs',
        text:
          files.program ??
          'builder.Services.AddAWSLambdaHosting(LambdaEventSource.HttpApi);'
      }
    ],
    dockerfile: {
      path: 'Dockerfile',
      text:
        files.dockerfile ?? 'FROM public.ecr.aws/lambda/dotnet:8\nCMD ["Api"]\n'
    }
  }
}

describe('appChecks', () => {
  const options = {
    architecture: 'arm64' as const,
    target: undefined,
    declaredEventSource: 'http-api' as const,
    discovery: undefined
  }
  const find = (checks: Check[], id: string): Check | undefined =>
    checks.find(check => check.id === id)

  it.each<[string, SourceParts, string, string, RegExp]>([
    [
      'no Hosting package',
      { project: '<Project></Project>' },
      'app.hosting',
      'fail',
      /no PackageReference to Amazon\.Lambda\.AspNetCoreServer\.Hosting/
    ],
    [
      'no AddAWSLambdaHosting call',
      { program: '// AddAWSLambdaHosting(LambdaEventSource.HttpApi)' },
      'app.hosting',
      'fail',
      /no source file calls/
    ],
    [
      'a handler-string CMD',
      {
        dockerfile:
          'FROM public.ecr.aws/lambda/dotnet:8\nCMD ["Api::Api.Function::Handler"]'
      },
      'app.cmd',
      'fail',
      /handler string; with AddAWSLambdaHosting use CMD \["Api"\]/
    ],
    [
      'a CMD naming another assembly',
      { dockerfile: 'FROM public.ecr.aws/lambda/dotnet:8\nCMD ["Web"]' },
      'app.cmd',
      'fail',
      /CMD "Web" but the project builds Api\.dll/
    ],
    [
      'AssemblyName wins over the file name',
      {
        project:
          '<Project><PropertyGroup><AssemblyName>Web</AssemblyName></PropertyGroup><ItemGroup><PackageReference Include="Amazon.Lambda.AspNetCoreServer.Hosting" /></ItemGroup></Project>',
        dockerfile: 'FROM public.ecr.aws/lambda/dotnet:8\nCMD ["Web"]'
      },
      'app.cmd',
      'pass',
      /CMD \["Web"\]/
    ],
    [
      'a plain runtime image without ENTRYPOINT',
      { dockerfile: 'FROM mcr.microsoft.com/dotnet/aspnet:8.0\nCMD ["Api"]' },
      'app.base-image',
      'fail',
      /not an AWS Lambda \.NET image, and sets no ENTRYPOINT[\s\S]*Use FROM public\.ecr\.aws\/lambda\/dotnet:10 /
    ],
    [
      'its own entrypoint',
      {
        dockerfile:
          'FROM mcr.microsoft.com/dotnet/runtime-deps:8.0\nENTRYPOINT ["/app/Api"]'
      },
      'app.base-image',
      'pass',
      /its own ENTRYPOINT/
    ],
    [
      'a base set by ARG',
      { dockerfile: 'ARG BASE\nFROM $BASE\nCMD ["Api"]' },
      'app.base-image',
      'warn',
      /build argument/
    ],
    [
      'the base through a stage alias',
      {
        dockerfile:
          'FROM public.ecr.aws/lambda/dotnet:8 AS base\nCMD ["Api"]\nFROM base\nCOPY x y'
      },
      'app.cmd',
      'pass',
      /CMD \["Api"\]/
    ],
    [
      '-r linux-x64 for an arm64 function',
      {
        dockerfile:
          'FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nRUN dotnet publish -c Release \\\n  -r linux-x64 -o /app\nFROM public.ecr.aws/lambda/dotnet:8\nCMD ["Api"]'
      },
      'app.runtime',
      'warn',
      /publishes for linux-x64 but the function runs on arm64[\s\S]*ARG TARGETARCH/
    ],
    [
      '-a $TARGETARCH',
      {
        dockerfile:
          'FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nARG TARGETARCH\nRUN dotnet publish -a $TARGETARCH\nFROM public.ecr.aws/lambda/dotnet:8\nCMD ["Api"]'
      },
      'app.runtime',
      'pass',
      /no RUN step hard-codes/
    ]
  ])('%s', (_name, files, id, result, message) => {
    const check = find(appChecks(source(files), options), id)
    expect(check?.message).toMatch(message)
    expect(check?.result).toBe(result)
  })

  it('warns, and checks nothing of the app, in a context without a project', () => {
    const checks = appChecks(
      { projects: [], code: [], dockerfile: undefined },
      options
    )
    expect(results(checks)).toEqual({
      'app.project': 'warn',
      'app.dockerfile': 'warn'
    })
  })
})

describe('parsers', () => {
  it.each([
    ['dotnet publish -r linux-x64', 'x64'],
    ['dotnet publish --runtime=linux-arm64', 'arm64'],
    ['dotnet publish --runtime linux-musl-x64', 'x64'],
    ['dotnet publish -a arm64', 'arm64'],
    ['dotnet publish --arch amd64', 'x64'],
    ['dotnet publish -a $TARGETARCH', undefined],
    ['dotnet publish -c Release', undefined]
  ])('hardCodedRuntime(%p) → %p', (run, expected) => {
    expect(hardCodedRuntime(run)).toBe(expected)
  })

  it('finds the event source outside comments only', () => {
    expect(
      findHostingCalls([
        {
          path: 'Program.cs',
          text: '/* AddAWSLambdaHosting(LambdaEventSource.RestApi) */\n// AddAWSLambdaHosting(LambdaEventSource.HttpApi)\nservices.AddAWSLambdaHosting( LambdaEventSource.ApplicationLoadBalancer );'
        }
      ])
    ).toEqual([
      {
        file: 'Program.cs',
        eventSource: 'ApplicationLoadBalancer',
        argument: 'LambdaEventSource.ApplicationLoadBalancer'
      }
    ])
  })

  it('reads the project name from the file or AssemblyName', () => {
    expect(
      parseProject({ path: 'src/Orders.Api.csproj', text: '<Project/>' })
    ).toEqual({
      path: 'src/Orders.Api.csproj',
      assemblyName: 'Orders.Api',
      referencesHosting: false
    })
  })

  it('picks the --target stage, and CMD in shell form', () => {
    const stages = parseDockerfile(
      'FROM public.ecr.aws/lambda/dotnet:8 AS lambda\nCMD Api\nFROM debian AS other\n'
    )
    expect(finalStage(stages, 'lambda')).toMatchObject({
      from: 'public.ecr.aws/lambda/dotnet:8',
      cmd: ['/bin/sh', '-c', 'Api']
    })
    expect(finalStage(stages)?.from).toBe('debian')
  })
})

describe('response streaming against the Function URL InvokeMode', () => {
  const PROGRAM = (options: string): string =>
    `var builder = WebApplication.CreateBuilder(args);\nbuilder.Services.AddAWSLambdaHosting(LambdaEventSource.HttpApi${options});\nvar app = builder.Build();\napp.Run();\n`
  const source = (program: string): AppSource => ({
    projects: [
      {
        path: 'Api.csproj',
        text: '<Project><ItemGroup><PackageReference Include="Amazon.Lambda.AspNetCoreServer.Hosting" Version="2.1.0" /></ItemGroup></Project>'
      }
    ],
    code: [{ path: 'Program.cs', text: program }],
    dockerfile: {
      path: 'Dockerfile',
      text: 'FROM public.ecr.aws/lambda/dotnet:10\nCMD ["Api"]\n'
    }
  })
  const reached = (invokeMode: string): Discovery => ({
    reaches: [
      {
        via: 'Function URL https://x.lambda-url.on.aws/',
        eventSource: 'HttpApi',
        invokeMode
      }
    ],
    problems: []
  })
  const checks = (program: string, discovery: Discovery) =>
    results(
      appChecks(source(program), {
        architecture: 'arm64',
        target: undefined,
        declaredEventSource: undefined,
        discovery
      })
    )

  it.each<[string, string, string, string | undefined]>([
    [
      'streams, URL buffered',
      ', o => o.EnableResponseStreaming = true',
      'BUFFERED',
      'fail'
    ],
    [
      'streams (options block), URL streams',
      ', options =>\n{\n    options.EnableResponseStreaming = true;\n}',
      'RESPONSE_STREAM',
      'pass'
    ],
    ['buffered, URL streams', '', 'RESPONSE_STREAM', 'fail'],
    ['buffered, URL buffered (no check)', '', 'BUFFERED', undefined],
    [
      'streaming commented out, URL buffered (no check)',
      ' /* , o => o.EnableResponseStreaming = true */',
      'BUFFERED',
      undefined
    ],
    [
      'streaming turned off, URL buffered (no check)',
      ', o => o.EnableResponseStreaming = false',
      'BUFFERED',
      undefined
    ]
  ])('%s', (_name, options, invokeMode, expected) => {
    const found = checks(PROGRAM(options), reached(invokeMode))
    expect(found['app.invoke-mode']).toBe(expected)
    // The event source still matches: only the invoke mode differs.
    expect(found['app.event-source']).toBe('pass')
  })

  it('finds the setting only outside comments', () => {
    expect(
      findResponseStreaming([
        { path: 'A.cs', text: '// o.EnableResponseStreaming = true' },
        { path: 'B.cs', text: 'o.EnableResponseStreaming   =   true;' }
      ])
    ).toEqual({ file: 'B.cs' })
    expect(findResponseStreaming([])).toBeUndefined()
  })
})

describe('readAppSource: a Dockerfile that is not a file', () => {
  it.each([
    ['a named pipe', (file: string) => execFileSync('mkfifo', [file])],
    ['a link to /dev/zero', (file: string) => symlinkSync('/dev/zero', file)]
  ])(
    'is %s: left unread, at once',
    async (_what, make) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'app-source-'))
      try {
        make(path.join(dir, 'Dockerfile'))
        const source = await readAppSource(dir, undefined)
        expect(source.dockerfile).toBeUndefined()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
    2_000
  )
})
