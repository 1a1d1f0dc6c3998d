/**
 * What can be checked of examples/aspnet-minimal-api without a .NET SDK: the
 * Dockerfile builds for the CPU the action asks for (its TARGETARCH → runtime
 * identifier step is run here with sh), the CMD is the app's assembly name,
 * the extension is published for the same runtime identifier into
 * /opt/extensions, and the image is the Lambda .NET 10 base image, built with
 * the .NET 10 SDK (the versions checked with the search tool against AWS's
 * csharp-image page and the aws/aws-lambda-dotnet CHANGELOG).
 */
import { spawnSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from '@jest/globals'
import { upgradeTarget } from '../src/checks/preflight/dotnet-support.js'

const example = fileURLToPath(
  new URL('../examples/aspnet-minimal-api/', import.meta.url)
)
const read = (path: string): string => readFileSync(join(example, path), 'utf8')

interface Instruction {
  keyword: string
  args: string
  line: number
}

interface Stage {
  from: string
  instructions: Instruction[]
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const start = i
    let logical = lines[i] ?? ''
    if (/^\s*(#|$)/.test(logical)) continue
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      i++
      const next = lines[i] ?? ''
      if (/^\s*#/.test(next)) continue
      // Docker drops the backslash and the line break, nothing else.
      logical = `${logical.slice(0, -1)}${next}`
    }
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(logical)
    if (match === null) throw new Error(`line ${start + 1}: ${logical}`)
    const instruction = {
      keyword: (match[1] ?? '').toUpperCase(),
      args: (match[2] ?? '').trim(),
      line: start + 1
    }
    if (instruction.keyword === 'FROM') {
      stages.push({ from: instruction.args, instructions: [] })
    } else {
      const stage = stages.at(-1)
      if (stage === undefined) throw new Error('instruction before FROM')
      stage.instructions.push(instruction)
    }
  }
  return stages
}

/** A csproj property such as AssemblyName (first occurrence). */
function csprojProperty(csproj: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(csproj)?.[1]
}

const dockerfile = read('Dockerfile')
const stages = parseDockerfile(dockerfile)
const build = stages[0]
const final = stages.at(-1)
const runs = (build?.instructions ?? []).filter(i => i.keyword === 'RUN')
const appCsproj = read('MinimalApi.csproj')
const extensionCsproj = read('extension/ExampleExtension.csproj')

describe('the Dockerfile parser', () => {
  it('joins continuation lines and splits stages', () => {
    expect(
      parseDockerfile(
        'FROM a AS b\n# c\nRUN x \\\n  # skipped\n  y\nFROM d\nCMD ["e"]\n'
      )
    ).toEqual([
      {
        from: 'a AS b',
        instructions: [{ keyword: 'RUN', args: 'x   y', line: 3 }]
      },
      { from: 'd', instructions: [{ keyword: 'CMD', args: '["e"]', line: 7 }] }
    ])
  })
})

describe('examples/aspnet-minimal-api/Dockerfile', () => {
  // The step that turns TARGETARCH into a runtime identifier, run for real.
  const ridStep = runs.find(run => run.args.includes('$TARGETARCH'))
  const scratch = mkdtempSync(join(tmpdir(), 'rid-'))
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  function ridFor(targetArch: string): { status: number | null; rid: string } {
    const ridFile = join(scratch, `${targetArch || 'empty'}.rid`)
    const script = (ridStep?.args ?? 'exit 99').replaceAll('/tmp/rid', ridFile)
    const result = spawnSync('sh', ['-c', script], {
      env: { PATH: process.env.PATH ?? '', TARGETARCH: targetArch },
      encoding: 'utf8'
    })
    let rid = ''
    try {
      rid = readFileSync(ridFile, 'utf8').trim()
    } catch {
      // No file: the step failed before writing it.
    }
    return { status: result.status, rid }
  }

  it('builds on the builder CPU and declares ARG TARGETARCH in that stage', () => {
    expect(build?.from).toMatch(/^--platform=\$BUILDPLATFORM \S+ AS build$/)
    expect(build?.instructions).toContainEqual(
      expect.objectContaining({ keyword: 'ARG', args: 'TARGETARCH' })
    )
  })

  it.each([
    ['amd64', 'linux-x64'],
    ['arm64', 'linux-arm64']
  ])('maps TARGETARCH=%s to -r %s', (targetArch, rid) => {
    expect(ridFor(targetArch)).toEqual({ status: 0, rid })
  })

  it.each(['', '386', 'arm'])(
    'refuses TARGETARCH=%j instead of building for a default CPU',
    targetArch => {
      const result = ridFor(targetArch)
      expect(result.status).not.toBe(0)
      expect(result.rid).toBe('')
    }
  )

  it('restores and publishes the app and the extension for that runtime identifier', () => {
    const dotnet = runs
      .flatMap(run => run.args.split('&&'))
      .filter(command => /\bdotnet (restore|publish)\b/.test(command))
    expect(dotnet).toHaveLength(4)
    for (const command of dotnet) {
      expect(command).toContain('-r "$(cat /tmp/rid)"')
      expect(command).not.toMatch(/\s-a\s|--arch/)
    }
    const projects = dotnet.map(
      command => /dotnet \w+ (\S+\.csproj)/.exec(command)?.[1]
    )
    expect(projects.sort()).toEqual([
      'MinimalApi.csproj',
      'MinimalApi.csproj',
      'extension/ExampleExtension.csproj',
      'extension/ExampleExtension.csproj'
    ])
  })

  it('publishes the app ReadyToRun, framework-dependent, with the build commit', () => {
    const publish = runs.find(run =>
      /dotnet publish MinimalApi\.csproj/.test(run.args)
    )
    expect(publish?.args).toContain('-p:PublishReadyToRun=true')
    expect(publish?.args).toContain('--self-contained false')
    expect(publish?.args).toContain('-p:BuildCommit="$BUILD_COMMIT"')
    const restore = runs.find(run =>
      /dotnet restore MinimalApi\.csproj/.test(run.args)
    )
    // Restore must know about ReadyToRun too, or publish --no-restore lacks
    // the crossgen package.
    expect(restore?.args).toMatch(
      /dotnet restore MinimalApi\.csproj [^&]*-p:PublishReadyToRun=true/
    )
  })

  it('restores from a private NuGet feed with the build secret nuget, never an ARG or a file of the image', () => {
    const restore = runs.find(run => /dotnet restore/.test(run.args))
    expect(restore?.args).toMatch(/^--mount=type=secret,id=nuget\s/)
    // The token is read only from the secret mount, into restore's
    // environment: no build-arg, no ENV, no file written.
    expect(restore?.args).toContain(
      'NuGetPackageSourceCredentials_private="Username=ci;Password=$(cat /run/secrets/nuget)"'
    )
    const keywords = (build?.instructions ?? []).map(i => i.keyword)
    expect(keywords).not.toContain('ENV')
    expect(dockerfile).not.toMatch(/ARG\s+\w*(TOKEN|PASSWORD|SECRET)/i)
    expect(restore?.args).not.toMatch(/>\s*\S*nuget|--store-password/i)
  })

  it('restores from the public feed alone without NUGET_FEED, and fails clearly with a feed but no secret', () => {
    const restore = runs.find(run => /dotnet restore/.test(run.args))
    const script = (restore?.args ?? 'exit 99')
      .replace(/^--mount=\S+\s+/, '')
      // The rid first: scratch itself is under /tmp/rid-….
      .replaceAll('/tmp/rid', join(scratch, 'restore.rid'))
      .replaceAll('/run/secrets/nuget', join(scratch, 'nuget'))
    writeFileSync(join(scratch, 'restore.rid'), 'linux-x64\n')
    const bin = join(scratch, 'bin')
    mkdirSync(bin, { recursive: true })
    writeFileSync(
      join(bin, 'dotnet'),
      '#!/bin/sh\necho "dotnet $* cred=${NuGetPackageSourceCredentials_private:-none}"\n',
      { mode: 0o755 }
    )
    const runWith = (
      feed: string
    ): { status: number | null; stdout: string; stderr: string } =>
      spawnSync('sh', ['-c', script], {
        env: { PATH: `${bin}:${process.env.PATH ?? ''}`, NUGET_FEED: feed },
        encoding: 'utf8'
      })
    const publicOnly = runWith('')
    expect(publicOnly.status).toBe(0)
    expect(publicOnly.stdout).not.toContain('nuget add source')
    expect(publicOnly.stdout).toContain('cred=none')
    const noSecret = runWith('https://feed.example/v3/index.json')
    expect(noSecret.status).not.toBe(0)
    expect(noSecret.stderr).toContain('NUGET_FEED needs the build secret nuget')
    expect(noSecret.stdout).not.toContain('dotnet restore')
    writeFileSync(join(scratch, 'nuget'), 'feed-token\n')
    const withSecret = runWith('https://feed.example/v3/index.json')
    expect(withSecret.status).toBe(0)
    expect(withSecret.stdout).toContain(
      'nuget add source https://feed.example/v3/index.json --name private cred=none'
    )
    expect(withSecret.stdout).toContain(
      'restore MinimalApi.csproj -r linux-x64 -p:PublishReadyToRun=true cred=Username=ci;Password=feed-token'
    )
  })

  it('ends on the Lambda .NET 10 base image with no RUN step', () => {
    expect(stages).toHaveLength(2)
    expect(final?.from).toBe('public.ecr.aws/lambda/dotnet:10')
    expect(final?.instructions.map(i => i.keyword)).not.toContain('RUN')
    expect(final?.instructions).toContainEqual(
      expect.objectContaining({
        keyword: 'COPY',
        args: '--from=build /app ${LAMBDA_TASK_ROOT}'
      })
    )
  })

  it('builds with the .NET SDK of the same major as the base image and both projects', () => {
    const sdk =
      /^--platform=\$BUILDPLATFORM mcr\.microsoft\.com\/dotnet\/sdk:(\d+)\.0 AS build$/.exec(
        build?.from ?? ''
      )?.[1]
    const base = /^public\.ecr\.aws\/lambda\/dotnet:(\d+)$/.exec(
      final?.from ?? ''
    )?.[1]
    expect(sdk).toBe('10')
    expect(base).toBe(sdk)
    expect(csprojProperty(appCsproj, 'TargetFramework')).toBe(`net${sdk}.0`)
    expect(csprojProperty(extensionCsproj, 'TargetFramework')).toBe(
      `net${sdk}.0`
    )
  })

  it('targets the release the image preflight tells users to move to', () => {
    // The same table decides the warning's upgrade path (at this date).
    const target = upgradeTarget(Date.parse('2026-12-06T00:00:00Z'))
    expect(target?.version).toBe('10.0')
    expect(final?.from).toBe(
      `public.ecr.aws/lambda/dotnet:${target?.lambdaImage ?? ''}`
    )
    expect(csprojProperty(appCsproj, 'TargetFramework')).toBe(
      `net${target?.version ?? ''}`
    )
  })

  it("has CMD = the app's assembly name (AddAWSLambdaHosting)", () => {
    const assemblyName = csprojProperty(appCsproj, 'AssemblyName')
    expect(assemblyName).toBe('MinimalApi')
    const cmd = final?.instructions.filter(i => i.keyword === 'CMD') ?? []
    expect(cmd).toHaveLength(1)
    expect(JSON.parse(cmd[0]?.args ?? 'null')).toEqual([assemblyName])
  })

  it('copies the extension, under its assembly name, into /opt/extensions', () => {
    const name = csprojProperty(extensionCsproj, 'AssemblyName')
    expect(name).toBe('example-extension')
    const publish = runs.find(run =>
      /dotnet publish extension\/ExampleExtension\.csproj/.test(run.args)
    )
    const output = /-o (\S+)/.exec(publish?.args ?? '')?.[1]
    expect(output).toBe('/extension')
    expect(final?.instructions).toContainEqual(
      expect.objectContaining({
        keyword: 'COPY',
        args: `--from=build ${output}/${name} /opt/extensions/${name}`
      })
    )
  })

  it('declares BUILD_COMMIT after the restore and extension steps (cache)', () => {
    const keywords = build?.instructions ?? []
    const arg = keywords.findIndex(i => i.args.startsWith('BUILD_COMMIT'))
    const restore = keywords.findIndex(i => i.args.includes('dotnet restore'))
    const appPublish = keywords.findIndex(i =>
      i.args.includes('dotnet publish MinimalApi')
    )
    expect(arg).toBeGreaterThan(restore)
    expect(arg).toBeLessThan(appPublish)
  })
})

describe('the example app and extension sources', () => {
  it('the app uses AddAWSLambdaHosting for HTTP APIs and maps / and /health', () => {
    const program = read('Program.cs')
    expect(program).toContain(
      'builder.Services.AddAWSLambdaHosting(LambdaEventSource.HttpApi);'
    )
    expect(program).toMatch(/app\.MapGet\("\/",/)
    expect(program).toMatch(/app\.MapGet\("\/health",[^\n]*commit/)
    // 2.x is the major that targets net10.0 (aws/aws-lambda-dotnet CHANGELOG:
    // Hosting 2.0.0 moved to net8.0 and net10.0; 2.1.0 is its current release).
    expect(appCsproj).toMatch(
      /<PackageReference Include="Amazon\.Lambda\.AspNetCoreServer\.Hosting" Version="2\.\d+\.\d+" \/>/
    )
  })

  it('/health reads the commit the csproj records from -p:BuildCommit', () => {
    expect(appCsproj).toContain(
      '<AssemblyMetadata Include="BuildCommit" Value="$(BuildCommit)" />'
    )
    expect(read('Program.cs')).toContain('attribute.Key == "BuildCommit"')
  })

  it('the app project does not compile the extension sources', () => {
    expect(csprojProperty(appCsproj, 'DefaultItemExcludes')).toContain(
      'extension/**'
    )
  })

  it('the extension is a self-contained single-file executable', () => {
    expect(csprojProperty(extensionCsproj, 'OutputType')).toBe('Exe')
    expect(csprojProperty(extensionCsproj, 'SelfContained')).toBe('true')
    expect(csprojProperty(extensionCsproj, 'PublishSingleFile')).toBe('true')
  })

  it('the extension registers, loops on event/next and stops on SHUTDOWN', () => {
    const program = read('extension/Program.cs')
    expect(program).toContain('/2020-01-01/extension/')
    expect(program).toMatch(/HttpMethod\.Post, "register"/)
    expect(program).toMatch(/Headers\.Add\("Lambda-Extension-Name"/)
    expect(program).toMatch(/GetValues\("Lambda-Extension-Identifier"\)/)
    expect(program).toMatch(
      /while \(true\)[\s\S]*HttpMethod\.Get, "event\/next"[\s\S]*Headers\.Add\("Lambda-Extension-Identifier"[\s\S]*"SHUTDOWN"[\s\S]*return 0;/
    )
  })

  it('the .dockerignore keeps local build output of both projects out', () => {
    expect(read('.dockerignore').split('\n')).toEqual(
      expect.arrayContaining(['**/bin/', '**/obj/'])
    )
  })
})
