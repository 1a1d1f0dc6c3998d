/**
 * The docker CLI, through exec: login, buildx (or plain docker) build and
 * push of `build.image` into the repository, with the races a shared
 * repository or engine can bring.
 */
import { promises as fs } from 'node:fs'
import { jest } from '@jest/globals'
import {
  fakeExec,
  writesImageId,
  type ExecCall,
  type ScriptEntry
} from '../exec.js'
import type { Exec } from '../../src/build/docker.js'
import type { CallLog } from './calls.js'
import type { FakeRegistry } from './ecr-registry.js'
import { localImageId, type StoredImage } from './images.js'

/** What `docker build` / `docker buildx build` pushes. */
export interface Build {
  image: StoredImage
  buildx: boolean
  /** Another run pushes this image under the same tag while we build. */
  racedBy?: StoredImage
  /**
   * docker build without buildx: another build on the same engine tags this
   * image under our name right after ours, and pushes it to ECR
   * `pushedAfterMs` later (never when undefined).
   */
  tagMovedBy?: { image: StoredImage; pushedAfterMs?: number }
}

const tagFrom = (ref: string): string => ref.slice(ref.lastIndexOf(':') + 1)

/** A push another run makes at `at` (see Build.tagMovedBy). */
export interface LaterPush {
  at: number
  tag: string
  image: StoredImage
}

export interface DockerCli {
  exec: jest.Mock<Exec>
  calls: ExecCall[]
  argvs: () => string[][]
}

/** The docker CLI: it pushes `build.image` under the tag it builds. */
export function dockerCli(world: {
  build: Build
  registry: FakeRegistry
  now: () => number
  pendingPushes: LaterPush[]
  record: CallLog['record']
}): DockerCli {
  const { build, registry, now, pendingPushes, record } = world
  const script: ScriptEntry[] = [
    [['docker', 'login'], { stdout: 'Login Succeeded\n' }],
    [
      ['docker', 'buildx', 'version'],
      () =>
        build.buildx
          ? { stdout: 'github.com/docker/buildx v0.19.3 48d6a39\n' }
          : {
              exitCode: 1,
              stderr:
                "docker: 'buildx' is not a docker command.\nSee 'docker --help'\n"
            }
    ],
    [
      ['docker', 'buildx', 'inspect'],
      { stdout: 'Name:          default\nDriver:        docker\n' }
    ],
    [
      ['docker', 'buildx', 'create'],
      call => ({ stdout: `${call.args[3] ?? ''}\n` })
    ],
    [
      ['docker', 'buildx', 'build'],
      async call => {
        const ref = call.args[call.args.indexOf('--tag') + 1] ?? ''
        const metadataFile =
          call.args[call.args.indexOf('--metadata-file') + 1] ?? ''
        if (build.racedBy !== undefined) {
          registry.push(tagFrom(ref), build.racedBy)
          return {
            exitCode: 1,
            stderr: `ERROR: failed to push ${ref}: tag invalid: The image tag '${tagFrom(ref)}' already exists in the '${registry.name}' repository and cannot be overwritten because the repository is immutable.\n`
          }
        }
        // --output type=image,push=false (a dry run) builds, pushes nothing.
        if (call.args.includes('--push'))
          registry.push(tagFrom(ref), build.image)
        await fs.writeFile(
          metadataFile,
          JSON.stringify({
            'containerimage.digest': build.image.digest,
            'image.name': ref
          })
        )
        return {}
      }
    ],
    [
      ['docker', 'build'],
      call => writesImageId(localImageId(build.image))(call)
    ],
    [
      ['docker', 'image', 'inspect'],
      call => {
        const moved = build.tagMovedBy
        if (moved === undefined)
          return {
            stdout: `${localImageId(build.image)} ${build.image.platform}\n`
          }
        if (moved.pushedAfterMs !== undefined)
          pendingPushes.push({
            at: now() + moved.pushedAfterMs,
            tag: tagFrom(call.args[call.args.length - 1] ?? ''),
            image: moved.image
          })
        return {
          stdout: `${localImageId(moved.image)} ${moved.image.platform}\n`
        }
      }
    ],
    [
      // Debian's 20.10 engine, as on the stand-in: no push --platform.
      ['docker', 'version'],
      { stdout: '1.41\n' }
    ],
    [
      ['docker', 'push'],
      call => {
        const ref = call.args.at(-1) ?? ''
        registry.push(tagFrom(ref), build.image)
        return {
          stdout: `The push refers to repository [${registry.uri}]\n${tagFrom(ref)}: digest: ${build.image.digest} size: 1573\n`
        }
      }
    ]
  ]
  const docker = fakeExec(script)
  const exec = jest.fn<Exec>((command, args, options) => {
    try {
      record('exec', { argv: [command, ...args] })
    } catch (error) {
      return Promise.reject(
        error instanceof Error ? error : new Error(String(error))
      )
    }
    return docker.exec(command, args, options)
  })
  return { exec, calls: docker.calls, argvs: () => docker.argvs() }
}
