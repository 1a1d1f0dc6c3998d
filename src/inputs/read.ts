import * as core from '@actions/core'
import { readArchitecture, readBuildOptions } from './build.js'
import { readPreflight, readSmokeRequest, readVerification } from './checks.js'
import { readConfiguration } from './configuration.js'
import { readLocalRun } from './local-run.js'
import { readPullRequestEvent } from './event.js'
import { statFile, type StatFile } from './files.js'
import { oneFunctionPerPreview, readFunctions } from './functions.js'
import { commitOf, readPreview } from './preview.js'
import type { InputReader } from './readers.js'
import { isRegion, readRegion } from './region.js'
import { readRelease } from './release.js'
import {
  readRepository,
  readTag,
  resolveRepository,
  resolveTag
} from './repository.js'
import type { Inputs } from './types.js'

export type { InputReader } from './readers.js'

export class InputError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Invalid input: ${problems[0]}`
        : `Invalid inputs:\n${problems.map(p => `  - ${p}`).join('\n')}`
    )
    this.name = 'InputError'
  }
}

/**
 * Read, parse and validate every input; throws one InputError listing all
 * problems. `stat` looks at the Dockerfile of a run that may build.
 */
export function getInputs(
  read: InputReader = name => core.getInput(name),
  env: NodeJS.ProcessEnv = process.env,
  stat: StatFile = statFile
): Inputs {
  const functions = readFunctions(read)
  const repository = readRepository(read)
  const event = readPullRequestEvent(env)
  const tag = readTag(read, env, commitOf(env, event))
  const architecture = readArchitecture(read)
  const smoke = readSmokeRequest(read)
  const region = readRegion(read, env, {
    functions: functions.value.region,
    repository: repository.value.region
  })
  const preview = readPreview(read, env, {
    functionName: functions.value.functionName,
    event
  })
  const { mode } = preview.value
  const oneFunction = oneFunctionPerPreview(functions.value.functionNames, mode)
  const release = readRelease(read, {
    mode,
    env,
    region: isRegion(region.value) ? region.value : undefined,
    repository: repository.value.given
      ? repository.value.repository.name
      : undefined
  })
  const { imageRepository, ...releaseInputs } = release.value
  const deployedTag = resolveTag(tag.value, preview.value, releaseInputs.source)
  const preflight = readPreflight(read)
  const localRun = readLocalRun(read)
  // A cleanup, or a deploy of an image already in ECR, builds nothing: its
  // job need not have checked the Dockerfile out.
  const builds = mode !== 'cleanup' && releaseInputs.source.kind === 'build'
  const build = readBuildOptions(read, builds ? { stat } : undefined)
  const verification = readVerification(read)
  const configuration = readConfiguration(read, mode)

  // The order users see the problems in (read.test.ts pins it).
  const problems = [
    functions.problems,
    repository.problems,
    tag.problems,
    architecture.problems,
    smoke.problems,
    region.problems,
    preview.problems,
    oneFunction,
    release.problems,
    deployedTag.problems,
    preflight.problems,
    localRun.problems,
    build.problems,
    verification.problems,
    configuration.problems
  ].flat()
  if (problems.length > 0) throw new InputError(problems)
  return {
    ...preview.value,
    ...releaseInputs,
    functionName: functions.value.functionName,
    functionNames: functions.value.functionNames,
    repository: resolveRepository(repository.value, imageRepository),
    tag: deployedTag.value,
    architecture: architecture.value,
    ...build.value,
    ...smoke.value,
    ...verification.value,
    ...preflight.value,
    ...configuration.value,
    ...localRun.value,
    region: region.value
  }
}
