/**
 * The Runtime API and Extensions API handlers (the `ApiBackend` that api-server.ts routes to):
 * each request reads or changes the shared SandboxState and notifies the waiting phase.
 * AWS docs: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html and
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html.
 */
import { randomUUID } from 'node:crypto'

import {
  errorReply,
  type ApiBackend,
  type ApiReply,
  type ResponseStream
} from './api-server.js'
import {
  RESPONSE_TOO_LARGE,
  invalidEvents,
  responseTooLarge
} from './lifecycle.js'
import type { SandboxState } from './sandbox.js'

export class ApiHandlers implements ApiBackend {
  constructor(private readonly state: SandboxState) {}

  private get sandbox(): SandboxState['sandbox'] {
    return this.state.sandbox
  }

  private notify(): void {
    this.state.notify()
  }

  runtimeNext(): Promise<ApiReply> {
    const sandbox = this.sandbox
    if (sandbox === undefined || sandbox.phase === 'shutdown')
      return Promise.resolve(
        errorReply(500, 'ServiceException', 'no environment')
      )
    return new Promise(resolve => {
      sandbox.runtimeParked?.resolve(
        errorReply(
          403,
          'InvalidStateTransition',
          'a newer next replaced this one'
        )
      )
      sandbox.runtimeParked = { resolve }
      sandbox.registrationClosed = true
      this.state.deliverInvocation(sandbox)
      this.notify()
    })
  }

  async runtimeResponse(
    requestId: string,
    response: ResponseStream
  ): Promise<ApiReply> {
    const inv = this.sandbox?.invocation
    if (inv === undefined || inv.id !== requestId || !inv.delivered) {
      for await (const _ of response.body) void _
      return errorReply(
        400,
        'InvalidRequestID',
        `Invalid request ID: ${requestId}`
      )
    }
    if (inv.outcome !== undefined) {
      for await (const _ of response.body) void _
      return errorReply(
        403,
        'InvalidStateTransition',
        'State transition from ResponseSent to ResponseSent failed'
      )
    }
    const chunks: Buffer[] = []
    let bytes = 0
    let tooLarge = false
    for await (const chunk of response.body) {
      bytes += chunk.length
      if (responseTooLarge(bytes, response.mode)) tooLarge = true
      if (tooLarge) continue
      chunks.push(chunk)
      if (response.mode === 'streaming') inv.onChunk?.(chunk)
    }
    if (tooLarge) {
      inv.outcome = 'too-large'
      this.notify()
      return errorReply(
        413,
        'RequestEntityTooLarge',
        RESPONSE_TOO_LARGE.message
      )
    }
    inv.payload = Buffer.concat(chunks)
    inv.streamed = response.mode === 'streaming'
    const trailers = response.trailers()
    if (trailers.errorType !== undefined) {
      inv.functionError = 'Unhandled'
      inv.errorType = trailers.errorType
    }
    inv.outcome = 'response'
    this.notify()
    return { status: 202, body: { status: 'OK' } }
  }

  runtimeError(
    requestId: string,
    errorType: string | undefined,
    body: Buffer
  ): ApiReply {
    const inv = this.sandbox?.invocation
    if (inv === undefined || inv.id !== requestId || !inv.delivered)
      return errorReply(
        400,
        'InvalidRequestID',
        `Invalid request ID: ${requestId}`
      )
    if (inv.outcome !== undefined)
      return errorReply(
        403,
        'InvalidStateTransition',
        'State transition from ResponseSent to ErrorResponseSent failed'
      )
    inv.outcome = 'error'
    inv.functionError = 'Unhandled'
    inv.errorType = errorType ?? 'Runtime.Unknown'
    inv.payload =
      body.length > 0
        ? body
        : Buffer.from(
            JSON.stringify({ errorType: inv.errorType, errorMessage: '' })
          )
    this.notify()
    return { status: 202, body: { status: 'OK' } }
  }

  runtimeInitError(errorType: string | undefined, _body: Buffer): ApiReply {
    const sandbox = this.sandbox
    if (sandbox === undefined || sandbox.phase !== 'init')
      return errorReply(
        403,
        'InvalidStateTransition',
        'init/error outside init'
      )
    sandbox.runtimeInitError = errorType ?? 'Runtime.Unknown'
    this.notify()
    return { status: 202, body: { status: 'OK' } }
  }

  extensionRegister(name: string | undefined, body: Buffer): ApiReply {
    const sandbox = this.sandbox
    if (
      sandbox === undefined ||
      sandbox.phase !== 'init' ||
      sandbox.registrationClosed
    )
      return errorReply(
        403,
        'Extension.InvalidStateTransition',
        'registration is closed'
      )
    if (name === undefined || name === '')
      return errorReply(
        403,
        'Extension.InvalidExtensionName',
        'Lambda-Extension-Name is missing'
      )
    let events: unknown
    try {
      events = (
        JSON.parse(body.toString('utf8') || '{}') as { events?: unknown }
      ).events
    } catch {
      return errorReply(400, 'InvalidRequest', 'the body is not JSON')
    }
    const invalid = invalidEvents(events ?? [])
    if (invalid !== undefined)
      return errorReply(403, 'Extension.InvalidEventType', invalid)
    // A name that matches no launched file registers an internal extension (started by the
    // runtime): the launched file then never counts as registered.
    let extension = sandbox.extensions.find(
      e => e.external && e.name === name && !e.registered
    )
    if (extension === undefined) {
      extension = {
        name,
        external: false,
        events: [],
        registered: false,
        queue: []
      }
      sandbox.extensions.push(extension)
    }
    extension.registered = true
    extension.events = (events ?? []) as string[]
    extension.id = randomUUID()
    this.notify()
    return {
      status: 200,
      headers: { 'Lambda-Extension-Identifier': extension.id },
      body: {
        functionName: this.state.spec.functionName,
        functionVersion: this.state.spec.version ?? '$LATEST',
        handler: (this.state.spec.imageConfig?.command ?? [])[0] ?? ''
      }
    }
  }

  extensionNext(identifier: string | undefined): Promise<ApiReply> {
    if (identifier === undefined)
      return Promise.resolve(
        errorReply(
          403,
          'Extension.MissingExtensionIdentifier',
          'Lambda-Extension-Identifier is missing'
        )
      )
    const extension = this.sandbox?.extensions.find(e => e.id === identifier)
    if (extension === undefined)
      return Promise.resolve(
        errorReply(
          403,
          'Extension.InvalidExtensionIdentifier',
          `unknown extension ${identifier}`
        )
      )
    return new Promise(resolve => {
      extension.parked = { resolve }
      this.state.flush(extension)
      this.notify()
    })
  }

  extensionError(
    kind: 'init' | 'exit',
    identifier: string | undefined,
    errorType: string | undefined,
    _body: Buffer
  ): ApiReply {
    const extension = this.sandbox?.extensions.find(e => e.id === identifier)
    if (extension === undefined)
      return errorReply(
        403,
        'Extension.InvalidExtensionIdentifier',
        'unknown extension'
      )
    if (kind === 'init')
      extension.initError = errorType ?? 'Extension.InitError'
    this.notify()
    return { status: 202, body: { status: 'OK' } }
  }
}
