/**
 * Lambda's error answer (REST JSON) and the gateway's two error types: ApiError (an AWS API
 * error) and RuntimeError (an execution environment that cannot run the request).
 */
import { randomUUID } from 'node:crypto'
import type http from 'node:http'

import { sendJson } from './http.js'
import type { LogStream } from './log-store.js'

/** A Lambda (restJson1) error as the SDK parses it: x-amzn-errortype + {"Type","message"}. */
export function lambdaError(
  res: http.ServerResponse,
  status: number,
  type: string,
  message: string,
  /** The error's model names the field `Message` (e.g. NoPublishedVersionException). */
  capitalMessage = false
): void {
  sendJson(
    res,
    status,
    capitalMessage
      ? { Type: 'User', Message: message }
      : { Type: 'User', message },
    { 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() }
  )
}

export function staleRevision(res: http.ServerResponse): void {
  lambdaError(
    res,
    412,
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id'
  )
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** The error's model names the field `Message` (e.g. NoPublishedVersionException). */
    readonly capitalMessage = false
  ) {
    super(message)
  }
}

export class RuntimeError extends Error {
  /** The log stream of the environment that failed (INIT_REPORT written there). */
  stream?: LogStream
  constructor(
    readonly errorType: string,
    message: string,
    /** Local stand-in explanation, added to data-plane answers but not to Lambda's payloads. */
    readonly detail = '',
    /** The `IMAGE\tLaunch error: ...` line Lambda logs when the entrypoint cannot run. */
    readonly launch = ''
  ) {
    super(message)
  }
}
