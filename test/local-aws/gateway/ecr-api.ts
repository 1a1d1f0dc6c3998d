/**
 * ECR's JSON API (SigV4 service `ecr`): moto answers; the gateway points repositories and
 * authorization tokens at its own registry front (./registry.ts).
 *
 * ECR: GetAuthorizationToken hands out a fresh token (password) per call, proxyEndpoint
 * http://127.0.0.1:4566, expiresAt 12 h ahead. repositoryUri is 127.0.0.1:4566/<name>. Blob upload
 * DescribeImages, ListImages, BatchGetImage and UpdateImageStorageClass apply the archive storage
 * class, which moto does not know (./ecr-archive.ts).
 */
import { randomBytes } from 'node:crypto'
import type http from 'node:http'

import { PUBLIC_HOST, TOKEN_TTL_MS } from './config.js'
import { parseJson, relay, type Json } from './http.js'
import { handleArchiveOp } from './ecr-archive.js'
import { putImage } from './ecr-put-image.js'
import { forwardToMoto } from './moto.js'

const tokens = new Map<string, number>() // base64("AWS:<password>") -> expiry epoch ms

export function registryAuthorized(req: http.IncomingMessage): boolean {
  const h = req.headers.authorization ?? ''
  const m = /^Basic\s+(\S+)$/i.exec(h)
  if (!m?.[1]) return false
  const exp = tokens.get(m[1])
  return exp !== undefined && exp > Date.now()
}

export async function handleEcrApi(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  region: string
): Promise<void> {
  const target = String(req.headers['x-amz-target'] ?? '')
  const op = target.split('.').pop() ?? ''
  if (op === 'PutImage') return putImage(res, parseJson(body) ?? {}, region)
  // Image status (archive storage class): ./ecr-archive.ts.
  if (await handleArchiveOp(req, res, op, body, region)) return
  const r = await forwardToMoto(req, body)
  const out = r.status === 200 ? parseJson(r.body) : undefined
  if (!out) return relay(res, r)
  const fixUri = (repo: Json): void => {
    if (typeof repo.repositoryName === 'string')
      repo.repositoryUri = `${PUBLIC_HOST}/${repo.repositoryName}`
  }
  if (op === 'GetAuthorizationToken') {
    const list = (out.authorizationData as Json[] | undefined) ?? []
    for (const a of list) {
      const token = Buffer.from(
        `AWS:${randomBytes(24).toString('base64url')}`
      ).toString('base64')
      const expires = Date.now() + TOKEN_TTL_MS
      tokens.set(token, expires)
      a.authorizationToken = token
      a.proxyEndpoint = `http://${PUBLIC_HOST}`
      a.expiresAt = expires / 1000
    }
    void region
  } else if (op === 'CreateRepository' && out.repository) {
    fixUri(out.repository as Json)
  } else if (op === 'DescribeRepositories') {
    for (const repo of (out.repositories as Json[] | undefined) ?? [])
      fixUri(repo)
  } else if (op === 'DeleteRepository' && out.repository) {
    fixUri(out.repository as Json)
  }
  relay(res, r, out)
}
