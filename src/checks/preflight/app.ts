import { promises as fs } from 'node:fs'
import * as path from 'node:path'
import { fail, pass, warn, type Check } from './checks.js'
import {
  eventSourceCheck,
  invokeModeCheck,
  type Discovery,
  type LambdaEventSource
} from './eventsource.js'
import { dockerfilePath } from '../../build/dockerfile.js'
import { DOCKERFILE_MAX_BYTES } from '../../inputs/build.js'
import { readSmallFileSync } from '../../util/small-file.js'
import {
  parseDockerfile,
  finalStage,
  AWS_DOTNET_IMAGE,
  hardCodedRuntime,
  type Stage
} from './dockerfile-stages.js'
import type { Architecture, EventSourceInput } from '../../inputs/types.js'

export interface SourceFile {
  /** Relative to the build context. */
  path: string
  text: string
}

export interface AppSource {
  projects: SourceFile[]
  /** C# files that mention AddAWSLambdaHosting. */
  code: SourceFile[]
  dockerfile: SourceFile | undefined
}

export interface Project {
  path: string
  /** AssemblyName, else the project file's name. */
  assemblyName: string
  referencesHosting: boolean
}

export function parseProject(file: SourceFile): Project {
  const assembly = /<AssemblyName>\s*([^<\s]+)\s*<\/AssemblyName>/.exec(
    file.text
  )
  return {
    path: file.path,
    assemblyName:
      assembly?.[1] ??
      path.basename(file.path).replace(/\.(cs|fs|vb)proj$/, ''),
    referencesHosting:
      /<PackageReference\s+Include\s*=\s*"Amazon\.Lambda\.AspNetCoreServer\.Hosting"/i.test(
        file.text
      )
  }
}

/** C# without comments, so a commented-out call does not count. */
function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '')
}

export interface HostingCall {
  file: string
  eventSource: LambdaEventSource | undefined
  /** What was passed when it is not a literal LambdaEventSource value. */
  argument: string
}

export function findHostingCalls(files: SourceFile[]): HostingCall[] {
  const calls: HostingCall[] = []
  for (const file of files) {
    for (const match of stripComments(file.text).matchAll(
      /AddAWSLambdaHosting\s*\(\s*([^)]*)\)/g
    )) {
      const argument = (match[1] ?? '').trim()
      const value =
        /LambdaEventSource\s*\.\s*(HttpApi|RestApi|ApplicationLoadBalancer)\b/.exec(
          argument
        )?.[1] as LambdaEventSource | undefined
      calls.push({ file: file.path, eventSource: value, argument })
    }
  }
  return calls
}

/**
 * The file that turns on response streaming (Hosting 2.x:
 * `options.EnableResponseStreaming = true` in the AddAWSLambdaHosting
 * options), comments aside.
 */
export function findResponseStreaming(
  files: SourceFile[]
): { file: string } | undefined {
  const file = files.find(f =>
    /\bEnableResponseStreaming\s*=\s*true\b/.test(stripComments(f.text))
  )
  return file === undefined ? undefined : { file: file.path }
}

export interface AppCheckOptions {
  architecture: Architecture
  target: string | undefined
  declaredEventSource: EventSourceInput | undefined
  discovery: Discovery | undefined
}

/** Every check of the app source: pure, over what was read. */
export function appChecks(
  source: AppSource,
  options: AppCheckOptions
): Check[] {
  const checks: Check[] = []
  const projects = source.projects.map(parseProject)
  const stages =
    source.dockerfile === undefined
      ? []
      : parseDockerfile(source.dockerfile.text)
  const final = finalStage(stages, options.target)
  const cmd = final?.cmd?.[0]

  if (projects.length === 0) {
    checks.push(
      warn(
        'app.project',
        'ASP.NET project found',
        'No .csproj in the build context, so the app source was not checked (a context of prebuilt output is fine; the image checks still run).'
      )
    )
  } else {
    const project =
      projects.find(p => p.assemblyName === cmd) ??
      projects.find(p => p.referencesHosting) ??
      projects[0]
    const calls = findHostingCalls(source.code)
    if (project !== undefined) {
      const missing: string[] = []
      if (!project.referencesHosting) {
        missing.push(
          `${project.path} has no PackageReference to Amazon.Lambda.AspNetCoreServer.Hosting (dotnet add package Amazon.Lambda.AspNetCoreServer.Hosting)`
        )
      }
      if (calls.length === 0) {
        missing.push(
          'no source file calls builder.Services.AddAWSLambdaHosting(LambdaEventSource.<X>)'
        )
      }
      checks.push(
        missing.length === 0
          ? pass(
              'app.hosting',
              'Lambda hosting',
              `${project.path} references Amazon.Lambda.AspNetCoreServer.Hosting; ${calls[0]?.file ?? ''} calls AddAWSLambdaHosting.`
            )
          : fail(
              'app.hosting',
              'Lambda hosting',
              `${missing.join('; ')}. Without it the app never answers Lambda's requests.`
            )
      )
    }
    const literal = calls.find(call => call.eventSource !== undefined)
    if (calls.length > 0 && literal === undefined) {
      checks.push(
        warn(
          'app.event-source',
          'LambdaEventSource matches how the function is reached',
          `AddAWSLambdaHosting(${calls[0]?.argument ?? ''}) does not pass a literal LambdaEventSource value, so it was not compared.`
        )
      )
    } else if (calls.length > 0) {
      checks.push(
        eventSourceCheck(
          literal?.eventSource,
          options.declaredEventSource,
          options.discovery
        )
      )
    }
    if (calls.length > 0) {
      const streaming = invokeModeCheck(
        findResponseStreaming(source.code),
        options.discovery
      )
      if (streaming !== undefined) checks.push(streaming)
    }
    if (final !== undefined && project !== undefined) {
      checks.push(cmdCheck(final, project.assemblyName))
    }
  }

  if (source.dockerfile === undefined) {
    checks.push(
      warn(
        'app.dockerfile',
        'Dockerfile',
        'No Dockerfile found in the build context.'
      )
    )
    return checks
  }
  if (final === undefined) {
    checks.push(
      fail(
        'app.base-image',
        'Final stage base image',
        `${source.dockerfile.path} has no FROM${options.target !== undefined ? ` stage named ${options.target}` : ''}.`
      )
    )
    return checks
  }
  if (AWS_DOTNET_IMAGE.test(final.from)) {
    checks.push(
      pass('app.base-image', 'Final stage base image', `FROM ${final.from}`)
    )
  } else if (final.entrypoint !== undefined) {
    checks.push(
      pass(
        'app.base-image',
        'Final stage base image',
        `FROM ${final.from} with its own ENTRYPOINT ${final.entrypoint}`
      )
    )
  } else if (final.from.includes('$')) {
    checks.push(
      warn(
        'app.base-image',
        'Final stage base image',
        `FROM ${final.from} is set by a build argument, so it was not checked.`
      )
    )
  } else {
    checks.push(
      fail(
        'app.base-image',
        'Final stage base image',
        `The final stage is FROM ${final.from}, which is not an AWS Lambda .NET image, and sets no ENTRYPOINT: Lambda would have no runtime interface client to start. Use FROM public.ecr.aws/lambda/dotnet:10 (the current .NET base image), or set an ENTRYPOINT that runs one.`
      )
    )
  }

  const wanted = options.architecture === 'arm64' ? 'arm64' : 'x64'
  const hardCoded = stages
    .flatMap(stage => stage.runs)
    .map(run => ({ run, runtime: hardCodedRuntime(run) }))
    .filter(item => item.runtime !== undefined && item.runtime !== wanted)
  checks.push(
    hardCoded.length > 0
      ? warn(
          'app.runtime',
          'Publish for the function CPU',
          `RUN ${hardCoded[0]?.run ?? ''} publishes for linux-${hardCoded[0]?.runtime ?? ''} but the function runs on ${options.architecture} (linux-${wanted}). Declare ARG TARGETARCH in the build stage and publish with -a $TARGETARCH.`
        )
      : pass(
          'app.runtime',
          'Publish for the function CPU',
          `no RUN step hard-codes a runtime other than linux-${wanted}`
        )
  )
  return checks
}

function cmdCheck(final: Stage, assemblyName: string): Check {
  const title = 'Dockerfile CMD names the app assembly'
  if (!AWS_DOTNET_IMAGE.test(final.from)) {
    return pass(
      'app.cmd',
      title,
      `not on the AWS .NET base image; CMD ${JSON.stringify(final.cmd ?? [])} is for the image's own entrypoint`
    )
  }
  const cmd = final.cmd?.[0]
  if (cmd === undefined) {
    return fail('app.cmd', title, `No CMD: add CMD ["${assemblyName}"].`)
  }
  if (cmd.includes('::')) {
    return fail(
      'app.cmd',
      title,
      `CMD "${cmd}" is a handler string; with AddAWSLambdaHosting use CMD ["${assemblyName}"] (aws/aws-lambda-dotnet#1032).`
    )
  }
  return cmd === assemblyName
    ? pass('app.cmd', title, `CMD ["${cmd}"]`)
    : fail(
        'app.cmd',
        title,
        `CMD "${cmd}" but the project builds ${assemblyName}.dll: use CMD ["${assemblyName}"].`
      )
}

// ------------------------------------------------------------------ I/O

const SKIP_DIRS = new Set([
  'bin',
  'obj',
  'node_modules',
  '.git',
  '.vs',
  '.idea'
])
const MAX_FILES = 5000
const MAX_FILE_BYTES = 1024 * 1024

/** Read the project files, the C# that sets up hosting, and the Dockerfile. */
export async function readAppSource(
  context: string,
  file: string | undefined
): Promise<AppSource> {
  const projects: SourceFile[] = []
  const code: SourceFile[] = []
  let seen = 0
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 8 || seen > MAX_FILES) return
    let entries
    try {
      entries = await fs.readdir(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      if (++seen > MAX_FILES) return
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) await walk(full, depth + 1)
        continue
      }
      if (!entry.isFile() || !/\.(csproj|fsproj|cs)$/.test(entry.name)) continue
      const stat = await fs.stat(full)
      if (stat.size > MAX_FILE_BYTES) continue
      const text = await fs.readFile(full, 'utf8')
      const file = { path: path.relative(context, full), text }
      if (entry.name.endsWith('proj')) projects.push(file)
      else if (text.includes('AddAWSLambdaHosting')) code.push(file)
    }
  }
  await walk(context, 0)
  const dockerfile = dockerfilePath({ context, file })
  let docker: SourceFile | undefined
  try {
    docker = {
      path: dockerfile,
      text: readSmallFileSync(dockerfile, DOCKERFILE_MAX_BYTES)
    }
  } catch {
    docker = undefined
  }
  projects.sort((a, b) => a.path.localeCompare(b.path))
  code.sort((a, b) => a.path.localeCompare(b.path))
  return { projects, code, dockerfile: docker }
}
