/**
 * The stand-in's settings (environment variables, see ../gateway.ts) and the constants several
 * services share.
 */
import { existsSync } from 'node:fs'

export const PORT = Number(process.env.LOCAL_AWS_PORT ?? 4566)
export const MOTO_PORT = Number(process.env.LOCAL_AWS_MOTO_PORT ?? 4567)
export const REGISTRY_PORT = Number(process.env.LOCAL_AWS_REGISTRY_PORT ?? 4568)
export const REGISTRY_DIR = process.env.LOCAL_AWS_REGISTRY_DIR ?? ''
export const HOST = '127.0.0.1'
export const PUBLIC_HOST = `${HOST}:${PORT}`
export const RAW_REGISTRY = `${HOST}:${REGISTRY_PORT}`
export const DEFAULT_UPDATE_MS = Number(process.env.LOCAL_AWS_UPDATE_MS ?? 1500)
/** The init limit of the environments; unset: Lambda's own (10 s, src/emulator/lifecycle.ts). */
export const INIT_LIMIT_MS =
  process.env.LOCAL_AWS_INIT_LIMIT_MS === undefined
    ? undefined
    : Number(process.env.LOCAL_AWS_INIT_LIMIT_MS)
export const DOCKER =
  process.env.LOCAL_AWS_DOCKER ??
  (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker')
export const DEFAULT_REGION = process.env.LOCAL_AWS_REGION ?? 'us-east-1'
export const ACCOUNT = '123456789012'
/**
 * The label of the containers this gateway starts: its own port as the value, so that two
 * stand-ins on one docker engine (other ports) never remove each other's containers on reset or
 * shutdown. scripts/local-aws.sh down filters on the same label.
 */
export const CONTAINER_LABEL = `aspnet-lambda-deploy.local=${PORT}`
export const TOKEN_TTL_MS = 12 * 3600 * 1000

export const INDEX_MEDIA_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
])
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')
