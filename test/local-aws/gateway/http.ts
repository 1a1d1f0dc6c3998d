/** HTTP plumbing every service uses: request bodies, JSON answers, buffered requests, relaying. */
import { createHash } from 'node:crypto'
import http from 'node:http'

import { HOST } from './config.js'

export type Json = Record<string, unknown>

export function log(...args: unknown[]): void {
  console.log(new Date().toISOString(), ...args)
}

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  const data = Buffer.from(JSON.stringify(body))
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(data.length),
    ...headers
  })
  res.end(data)
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

export function errName(e: unknown): string {
  return e instanceof Error ? e.name : ''
}

export function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  /** header names as sent, and values: [name, value, name, value, ...] */
  rawHeaders?: string[]
  body: Buffer
}

/** One buffered HTTP request (moto, registry, containers). */
export function rawRequest(
  port: number,
  method: string,
  reqPath: string,
  headers: http.OutgoingHttpHeaders,
  body?: Buffer,
  timeoutMs = 60000
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: HOST, port, method, path: reqPath, headers, timeout: timeoutMs },
      res => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks)
          })
        )
        res.on('error', reject)
      }
    )
    r.on('timeout', () => r.destroy(new Error(`timeout after ${timeoutMs} ms`)))
    r.on('error', reject)
    r.end(body)
  })
}

/** Relay a buffered response, optionally with a rewritten JSON body. */
export function relay(
  res: http.ServerResponse,
  r: RawResponse,
  newBody?: unknown
): void {
  const headers: http.OutgoingHttpHeaders = {}
  for (const [k, v] of Object.entries(r.headers)) {
    if (
      [
        'content-length',
        'transfer-encoding',
        'connection',
        'keep-alive',
        'date',
        'server'
      ].includes(k)
    )
      continue
    if (v !== undefined) headers[k] = v
  }
  const body =
    newBody === undefined ? r.body : Buffer.from(JSON.stringify(newBody))
  headers['content-length'] = String(body.length)
  res.writeHead(r.status, headers)
  res.end(body)
}

export function parseJson(buf: Buffer): Json | undefined {
  try {
    const v: unknown = JSON.parse(buf.toString('utf8'))
    return v !== null && typeof v === 'object' ? (v as Json) : undefined
  } catch {
    return undefined
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise(r => setTimeout(r, ms))
