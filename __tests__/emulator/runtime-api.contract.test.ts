/**
 * The emulator's Runtime API against AWS's published OpenAPI description (vendored with its
 * license in test/vendor/aws-lambda-runtime-api/). The test plays the runtime over HTTP against
 * a LambdaEmulator whose docker is a fake (no container), and checks that every path and
 * method of the description is served, that /next sends the described headers, and that
 * every status the emulator answers is one the description lists for that route.
 */
import { readFileSync } from 'node:fs'
import http from 'node:http'

import { afterEach, describe, expect, it } from '@jest/globals'

import { HOLDER_READY } from '../../src/emulator/container.js'
import { LambdaEmulator } from '../../src/emulator/emulator.js'
import type { DockerCli } from '../../src/emulator/processes.js'

interface Operation {
  path: string
  method: string
  headerParameters: string[]
  statuses: string[]
  responseHeaders: string[]
}

/** The operations of runtime-api.yaml (its fixed two-space indentation, no YAML library). */
function operations(yaml: string): Operation[] {
  const ops: Operation[] = []
  let path = ''
  let current: Operation | undefined
  let lastIn = ''
  for (const line of yaml.split('\n')) {
    const p = /^ {2}(\/\S+):\s*$/.exec(line)
    if (p) path = p[1] ?? ''
    const m = /^ {4}(get|post|put|delete):\s*$/.exec(line)
    if (m) {
      current = {
        path,
        method: (m[1] ?? '').toUpperCase(),
        headerParameters: [],
        statuses: [],
        responseHeaders: []
      }
      ops.push(current)
    }
    if (current === undefined) continue
    const inHeader = /^ {8}- in: (\w+)/.exec(line)
    if (inHeader) lastIn = inHeader[1] ?? ''
    const name = /^ {10}name: (\S+)/.exec(line)
    if (name && lastIn === 'header')
      current.headerParameters.push(name[1] ?? '')
    const status = /^ {8}'(\d{3})':/.exec(line)
    if (status) current.statuses.push(status[1] ?? '')
    const header = /^ {12}(Lambda-Runtime-[\w-]+):\s*$/.exec(line)
    if (header) current.responseHeaders.push(header[1] ?? '')
  }
  return ops
}

const spec = operations(
  readFileSync(
    new URL(
      '../../test/vendor/aws-lambda-runtime-api/runtime-api.yaml',
      import.meta.url
    ),
    'utf8'
  )
)

function op(method: string, path: string): Operation {
  const found = spec.find(o => o.method === method && o.path === path)
  if (found === undefined)
    throw new Error(`${method} ${path} is not in runtime-api.yaml`)
  return found
}

/** A docker that runs nothing: the image has no extensions, the runtime is this test. */
function fakeDocker(onRuntimeApi: (address: string) => void): DockerCli {
  const done = { code: 0, stdout: '', stderr: '', tail: '' }
  return {
    run: args =>
      Promise.resolve(
        args[1] === 'inspect'
          ? {
              ...done,
              stdout: JSON.stringify([
                {
                  Architecture: 'amd64',
                  Config: { Entrypoint: ['/bootstrap'], Cmd: ['h'] }
                }
              ])
            }
          : done
      ),
    start: (args, env, onLine) => {
      // The holder: lists no extensions and holds the container.
      if (args[1] === 'run') onLine(HOLDER_READY)
      else onRuntimeApi(env.AWS_LAMBDA_RUNTIME_API ?? '')
      return { exited: new Promise(() => undefined) }
    }
  }
}

let emulator: LambdaEmulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function startWithTestRuntime(): Promise<{
  base: string
  firstNext: Promise<Response>
}> {
  let resolveBase: (base: string) => void = () => undefined
  const baseKnown = new Promise<string>(r => (resolveBase = r))
  const docker = fakeDocker(address =>
    resolveBase(`http://${address}/2018-06-01`)
  )
  const starting = LambdaEmulator.start(
    {
      functionName: 'contract',
      image: 'img',
      architecture: 'x86_64',
      memorySize: 128,
      timeout: 5
    },
    { docker, hostArchitecture: 'x86_64' }
  )
  const base = await baseKnown
  // The runtime's first next closes init.
  const firstNext = fetch(`${base}/runtime/invocation/next`)
  emulator = await starting
  return { base, firstNext }
}

describe('the Runtime API against runtime-api.yaml', () => {
  it('the description has the four operations the emulator serves', () => {
    expect(spec.map(o => `${o.method} ${o.path}`).sort()).toEqual([
      'GET /runtime/invocation/next',
      'POST /runtime/init/error',
      'POST /runtime/invocation/{AwsRequestId}/error',
      'POST /runtime/invocation/{AwsRequestId}/response'
    ])
  })

  it('serves every operation with the described statuses and headers', async () => {
    const { base, firstNext } = await startWithTestRuntime()
    const em = emulator
    if (em === undefined) throw new Error('not started')
    const next = op('GET', '/runtime/invocation/next')
    const response = op('POST', '/runtime/invocation/{AwsRequestId}/response')
    const error = op('POST', '/runtime/invocation/{AwsRequestId}/error')
    const initError = op('POST', '/runtime/init/error')

    const invoking = em.invoke('{"n":1}')
    const event = await firstNext
    expect(next.statuses).toContain(String(event.status))
    const sent = [...event.headers.keys()].filter(k =>
      k.startsWith('lambda-runtime-')
    )
    const described = next.responseHeaders.map(h => h.toLowerCase())
    expect(sent.every(h => described.includes(h))).toBe(true)
    // Client-Context and Cognito-Identity only come with mobile SDK invokes.
    expect(sent.sort()).toEqual(
      described.filter(h => !/client-context|cognito-identity/.test(h)).sort()
    )
    expect(await event.text()).toBe('{"n":1}')
    const id = event.headers.get('lambda-runtime-aws-request-id') ?? ''

    const post = (
      path: string,
      body: string,
      headers: Record<string, string> = {}
    ): Promise<Response> =>
      fetch(`${base}${path}`, { method: 'POST', body, headers })

    const wrongId = await post(
      '/runtime/invocation/not-a-request/response',
      '{}'
    )
    expect(wrongId.status).toBe(400)
    expect(response.statuses).toContain('400')
    expect(await wrongId.json()).toMatchObject({
      errorType: 'InvalidRequestID'
    })

    const ok = await post(`/runtime/invocation/${id}/response`, '{"ok":true}')
    expect(ok.status).toBe(202)
    expect(response.statuses).toContain('202')
    expect(await ok.json()).toEqual({ status: 'OK' })

    const twice = await post(`/runtime/invocation/${id}/response`, '{}')
    expect(twice.status).toBe(403)
    expect(response.statuses).toContain('403')

    const errorAfter = await post(`/runtime/invocation/${id}/error`, '{}', {
      [error.headerParameters[0] ?? '']: 'Handled'
    })
    expect(error.headerParameters).toEqual([
      'Lambda-Runtime-Function-Error-Type'
    ])
    expect(error.statuses).toContain(String(errorAfter.status))

    const lateInitError = await post('/runtime/init/error', '{}')
    expect(lateInitError.status).toBe(403)
    expect(initError.statuses).toContain('403')

    // The runtime comes back for the next event: the invoke ends.
    const second = fetch(`${base}/runtime/invocation/next`)
    const result = await invoking
    expect(result.payload.toString()).toBe('{"ok":true}')
    expect(result.functionError).toBeUndefined()

    // A second invoke: the error route, then a response past 6 MB.
    const invoking2 = em.invoke('{}')
    const id2 =
      (await second).headers.get('lambda-runtime-aws-request-id') ?? ''
    const failed = await post(
      `/runtime/invocation/${id2}/error`,
      '{"errorType":"Boom","errorMessage":"x"}',
      {
        'Lambda-Runtime-Function-Error-Type': 'Boom'
      }
    )
    expect(failed.status).toBe(202)
    expect(error.statuses).toContain('202')
    const third = fetch(`${base}/runtime/invocation/next`)
    const result2 = await invoking2
    expect(result2).toMatchObject({
      functionError: 'Unhandled',
      errorType: 'Boom'
    })
    expect(result2.payload.toString()).toBe(
      '{"errorType":"Boom","errorMessage":"x"}'
    )

    const invoking3 = em.invoke('{}')
    const id3 = (await third).headers.get('lambda-runtime-aws-request-id') ?? ''
    const big = await post(
      `/runtime/invocation/${id3}/response`,
      'a'.repeat(6_291_557)
    )
    expect(big.status).toBe(413)
    expect(response.statuses).toContain('413')
    void fetch(`${base}/runtime/invocation/next`).catch(() => undefined)
    expect((await invoking3).errorType).toBe('Function.ResponseSizeTooLarge')
  }, 30_000)

  it('accepts init/error during init (202), as described', async () => {
    let resolveBase: (base: string) => void = () => undefined
    const baseKnown = new Promise<string>(r => (resolveBase = r))
    const starting = LambdaEmulator.start(
      {
        functionName: 'contract',
        image: 'img',
        architecture: 'x86_64',
        memorySize: 128,
        timeout: 1
      },
      {
        docker: fakeDocker(a => resolveBase(`http://${a}/2018-06-01`)),
        hostArchitecture: 'x86_64'
      }
    )
    const base = await baseKnown
    const r = await fetch(`${base}/runtime/init/error`, {
      method: 'POST',
      body: '{}',
      headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.BadConfig' }
    })
    expect(r.status).toBe(202)
    expect(op('POST', '/runtime/init/error').statuses).toContain('202')
    emulator = await starting
    expect(
      emulator.lines.some(l =>
        /^INIT_REPORT .*\tError Type: Runtime.BadConfig$/.test(l)
      )
    ).toBe(true)
  }, 30_000)

  it('passes a streamed response (chunked) through chunk by chunk, and an error trailer as a function error', async () => {
    const { base, firstNext } = await startWithTestRuntime()
    const em = emulator
    if (em === undefined) throw new Error('not started')
    const stream = (
      id: string,
      trailers: Record<string, string>
    ): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = http.request(`${base}/runtime/invocation/${id}/response`, {
          method: 'POST',
          headers: {
            'Lambda-Runtime-Function-Response-Mode': 'streaming',
            'Transfer-Encoding': 'chunked',
            Trailer: 'Lambda-Runtime-Function-Error-Type'
          }
        })
        req.on('response', res => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.write('first,')
        setTimeout(() => {
          req.write('second')
          req.addTrailers(trailers)
          req.end()
        }, 50)
      })
    const chunks: string[] = []
    const invoking = em.invoke('{}', {
      onChunk: c => chunks.push(c.toString())
    })
    const id =
      (await firstNext).headers.get('lambda-runtime-aws-request-id') ?? ''
    expect(await stream(id, {})).toBe(202)
    const next = fetch(`${base}/runtime/invocation/next`)
    const result = await invoking
    expect(result).toMatchObject({ streamed: true })
    expect(result.functionError).toBeUndefined()
    expect(chunks.join('')).toBe('first,second')
    expect(chunks.length).toBeGreaterThanOrEqual(2)

    const invoking2 = em.invoke('{}')
    const id2 = (await next).headers.get('lambda-runtime-aws-request-id') ?? ''
    expect(
      await stream(id2, {
        'Lambda-Runtime-Function-Error-Type': 'Handler.Failed'
      })
    ).toBe(202)
    void fetch(`${base}/runtime/invocation/next`).catch(() => undefined)
    expect(await invoking2).toMatchObject({
      streamed: true,
      functionError: 'Unhandled',
      errorType: 'Handler.Failed'
    })
  }, 30_000)

  it('runs one invoke at a time, as one execution environment does', async () => {
    const { base, firstNext } = await startWithTestRuntime()
    const em = emulator
    if (em === undefined) throw new Error('not started')
    const first = em.invoke('{}')
    await expect(em.invoke('{}')).rejects.toThrow(
      'an invoke is already running'
    )
    const id =
      (await firstNext).headers.get('lambda-runtime-aws-request-id') ?? ''
    await fetch(`${base}/runtime/invocation/${id}/response`, {
      method: 'POST',
      body: '"one"'
    })
    void fetch(`${base}/runtime/invocation/next`).catch(() => undefined)
    expect((await first).payload.toString()).toBe('"one"')
  }, 30_000)
})

describe('starting', () => {
  it("fails with docker's reason when the image cannot be inspected", async () => {
    const docker: DockerCli = {
      run: () =>
        Promise.resolve({
          code: 1,
          stdout: '[]',
          stderr: 'Error: No such image: missing:1\n',
          tail: ''
        }),
      // docker container run --pull never of a missing image ends at once.
      start: () => ({
        exited: Promise.resolve({
          code: 125,
          stdout: '',
          stderr:
            'docker: Error response from daemon: No such image: missing:1.\n',
          tail: ''
        })
      })
    }
    await expect(
      LambdaEmulator.start(
        {
          functionName: 'f',
          image: 'missing:1',
          architecture: 'x86_64',
          memorySize: 128,
          timeout: 3
        },
        { docker }
      )
    ).rejects.toThrow(
      'docker image inspect missing:1: Error: No such image: missing:1'
    )
  })
})
