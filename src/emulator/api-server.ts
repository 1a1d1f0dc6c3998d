/**
 * The Runtime API (/2018-06-01, OpenAPI description runtime-api.yaml in aws/aws-lambda-dotnet
 * Amazon.Lambda.RuntimeSupport; AWS docs "Using the Lambda runtime API for custom runtimes",
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) and the Extensions API
 * (/2020-01-01, https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html) over
 * node:http on 127.0.0.1. Routing and bodies only: every decision is the backend's.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ApiReply {
  status: number
  headers?: Record<string, string>
  /** JSON-serialised unless a Buffer (an event is sent as the bytes the caller gave). */
  body?: unknown
}

export interface ResponseStream {
  mode: 'buffered' | 'streaming'
  /** Chunks of the request body as they arrive. */
  body: AsyncIterable<Buffer>
  /** Trailers (streaming errors: Lambda-Runtime-Function-Error-Type/-Body), after the body. */
  trailers: () => Record<string, string | undefined>
}

export interface ApiBackend {
  runtimeNext(): Promise<ApiReply>
  runtimeResponse(
    requestId: string,
    response: ResponseStream
  ): Promise<ApiReply>
  runtimeError(
    requestId: string,
    errorType: string | undefined,
    body: Buffer
  ): ApiReply
  runtimeInitError(errorType: string | undefined, body: Buffer): ApiReply
  extensionRegister(name: string | undefined, body: Buffer): ApiReply
  extensionNext(identifier: string | undefined): Promise<ApiReply>
  extensionError(
    kind: 'init' | 'exit',
    identifier: string | undefined,
    errorType: string | undefined,
    body: Buffer
  ): ApiReply
}

export function errorReply(
  status: number,
  errorType: string,
  errorMessage: string
): ApiReply {
  return { status, body: { errorMessage, errorType } }
}

async function readAll(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}

/** Route one request to the backend. Exported for the contract test. */
export async function route(
  backend: ApiBackend,
  req: http.IncomingMessage
): Promise<ApiReply> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const p = url.pathname
  const m = req.method ?? 'GET'
  const invocation =
    /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(p)
  if (m === 'GET' && p === '/2018-06-01/runtime/invocation/next')
    return backend.runtimeNext()
  if (m === 'POST' && invocation?.[2] === 'response') {
    const streaming =
      header(req, 'Lambda-Runtime-Function-Response-Mode')?.toLowerCase() ===
      'streaming'
    return backend.runtimeResponse(decodeURIComponent(invocation[1] ?? ''), {
      mode: streaming ? 'streaming' : 'buffered',
      body: req as AsyncIterable<Buffer>,
      trailers: () => ({
        errorType: req.trailers['lambda-runtime-function-error-type'],
        errorBody: req.trailers['lambda-runtime-function-error-body']
      })
    })
  }
  if (m === 'POST' && invocation?.[2] === 'error')
    return backend.runtimeError(
      decodeURIComponent(invocation[1] ?? ''),
      header(req, 'Lambda-Runtime-Function-Error-Type'),
      await readAll(req)
    )
  if (m === 'POST' && p === '/2018-06-01/runtime/init/error')
    return backend.runtimeInitError(
      header(req, 'Lambda-Runtime-Function-Error-Type'),
      await readAll(req)
    )
  if (m === 'POST' && p === '/2020-01-01/extension/register')
    return backend.extensionRegister(
      header(req, 'Lambda-Extension-Name'),
      await readAll(req)
    )
  if (m === 'GET' && p === '/2020-01-01/extension/event/next')
    return backend.extensionNext(header(req, 'Lambda-Extension-Identifier'))
  if (
    m === 'POST' &&
    (p === '/2020-01-01/extension/init/error' ||
      p === '/2020-01-01/extension/exit/error')
  )
    return backend.extensionError(
      p.includes('/init/') ? 'init' : 'exit',
      header(req, 'Lambda-Extension-Identifier'),
      header(req, 'Lambda-Extension-Function-Error-Type'),
      await readAll(req)
    )
  await readAll(req)
  return errorReply(404, 'InvalidRequest', `No route for ${m} ${p}`)
}

function send(res: http.ServerResponse, reply: ApiReply): void {
  const body =
    reply.body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(reply.body)
        ? reply.body
        : Buffer.from(JSON.stringify(reply.body))
  res.writeHead(reply.status, {
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
    ...(reply.headers ?? {})
  })
  res.end(body)
}

export interface RunningApi {
  /** host:port, the value of AWS_LAMBDA_RUNTIME_API. */
  address: string
  close(): Promise<void>
}

export async function startApiServer(
  backend: ApiBackend,
  host = '127.0.0.1'
): Promise<RunningApi> {
  const server = http.createServer((req, res) => {
    route(backend, req).then(
      reply => send(res, reply),
      (err: unknown) =>
        send(
          res,
          errorReply(
            500,
            'ServiceException',
            err instanceof Error ? err.message : String(err)
          )
        )
    )
  })
  // Long polls have no time limit.
  server.requestTimeout = 0
  server.headersTimeout = 0
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    address: `${host}:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
