/**
 * ECR's archive storage class, which moto does not know: the gateway keeps each image's status
 * itself (repository@digest -> ARCHIVED | ACTIVATING; absent = ACTIVE) and applies it to the ECR
 * API and the registry, as AWS documents it:
 *
 * - "Archiving an image" (userguide/archive-image.html): an archived image cannot be pulled, "Requests
 *   to pull the archived image will fail with a 404 error"; it can still be described and listed,
 *   with status ARCHIVED; it "can be restored as an active image by manually selecting it to be
 *   restored or by re-pushing the image".
 * - DescribeImagesFilter / ListImagesFilter `imageStatus` (APIReference/API_DescribeImagesFilter.html,
 *   API_ListImagesFilter.html): ACTIVE | ARCHIVED | ACTIVATING | ANY; "If not specified, only images
 *   with ACTIVE status are returned". ImageDetail.imageStatus (API_ImageDetail.html) says which.
 * - UpdateImageStorageClass (APIReference/API_UpdateImageStorageClass.html): targetStorageClass
 *   STANDARD | ARCHIVE; the answer's imageStatus is ACTIVE, ARCHIVED or ACTIVATING; errors
 *   ImageNotFoundException, ImageStorageClassUpdateNotSupportedException, RepositoryNotFound….
 *   A restore goes through ACTIVATING; how long that takes AWS does not say: here it is
 *   LOCAL_AWS_ACTIVATION_MS (2000) or what POST /_local/ecr/settings sets.
 * - BatchGetImage of an image that is not active: AWS documents no failure code for it; the
 *   stand-in answers the image's failure as ImageNotFound, the same "not found" a pull gets.
 *
 * Archiving is driven by the control API (POST /_local/ecr/<repository>/archive) or by
 * UpdateImageStorageClass(ARCHIVE); lifecycle rules do not run here.
 */
import type http from 'node:http'

import { DescribeImagesCommand } from '@aws-sdk/client-ecr'

import { errName, parseJson, relay, sendJson, type Json } from './http.js'
import { forwardToMoto, moto } from './moto.js'

export type ImageStatus = 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING'

interface Archived {
  status: 'ARCHIVED' | 'ACTIVATING'
  /** ACTIVATING: when the image is active again (epoch ms). */
  activeAt?: number
}

const archived = new Map<string, Archived>()
let activationMs = Number(process.env.LOCAL_AWS_ACTIVATION_MS ?? 2000)

const keyOf = (repository: string, digest: string): string =>
  `${repository}@${digest}`

/** The image's status now (an ACTIVATING image whose time has come is ACTIVE). */
export function imageStatus(repository: string, digest: string): ImageStatus {
  const key = keyOf(repository, digest)
  const entry = archived.get(key)
  if (entry === undefined) return 'ACTIVE'
  if (entry.status === 'ACTIVATING' && (entry.activeAt ?? 0) <= Date.now()) {
    archived.delete(key)
    return 'ACTIVE'
  }
  return entry.status
}

/** Whether any image of the repository is not active (saves a look-up on every pull). */
export function hasInactiveImages(repository: string): boolean {
  for (const key of archived.keys())
    if (key.startsWith(`${repository}@`)) return true
  return false
}

/** Re-pushing an image restores it (archive-image.html). */
export function markPushed(repository: string, digest: string): void {
  archived.delete(keyOf(repository, digest))
}

export function resetArchive(): void {
  archived.clear()
  activationMs = Number(process.env.LOCAL_AWS_ACTIVATION_MS ?? 2000)
}

export function setActivationMs(ms: number): number {
  activationMs = ms
  return activationMs
}

/** ARCHIVE or STANDARD, as UpdateImageStorageClass does; the new status. */
export function transition(
  repository: string,
  digest: string,
  target: 'ARCHIVE' | 'STANDARD'
): ImageStatus | { unsupported: string } {
  const status = imageStatus(repository, digest)
  const key = keyOf(repository, digest)
  if (target === 'ARCHIVE') {
    if (status === 'ACTIVATING')
      return { unsupported: 'The image is being restored (ACTIVATING).' }
    archived.set(key, { status: 'ARCHIVED' })
    return 'ARCHIVED'
  }
  if (status === 'ACTIVE')
    return {
      unsupported: 'The image is already in the STANDARD storage class.'
    }
  if (status === 'ARCHIVED')
    archived.set(key, {
      status: 'ACTIVATING',
      activeAt: Date.now() + activationMs
    })
  return 'ACTIVATING'
}

/** The digest a tag or digest names in moto's ECR, whatever its status; undefined if none. */
export async function resolveImage(
  repository: string,
  id: { imageTag?: string | undefined; imageDigest?: string | undefined },
  region?: string
): Promise<string | undefined> {
  try {
    const d = await moto(region).ecr.send(
      new DescribeImagesCommand({
        repositoryName: repository,
        imageIds: [
          id.imageDigest !== undefined
            ? { imageDigest: id.imageDigest }
            : { imageTag: id.imageTag ?? '' }
        ]
      })
    )
    return d.imageDetails?.[0]?.imageDigest
  } catch (e) {
    if (errName(e) === 'ImageNotFoundException') return undefined
    throw e
  }
}

function ecrError(
  res: http.ServerResponse,
  type: string,
  message: string
): void {
  sendJson(res, 400, { __type: type, message })
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : undefined

function notFoundMessage(repository: string, id: Json | undefined): string {
  return `The image with imageId {imageDigest:'${str(id?.imageDigest) ?? 'null'}', imageTag:'${str(id?.imageTag) ?? 'null'}'} does not exist within the repository with name '${repository}' in the registry with id '123456789012'`
}

/** Which statuses a DescribeImages / ListImages filter asks for (default ACTIVE only). */
function wanted(input: Json): (status: ImageStatus) => boolean {
  const filter = input.filter as Json | undefined
  const asked = str(filter?.imageStatus) ?? 'ACTIVE'
  return status => asked === 'ANY' || asked === status
}

/** The request as moto takes it: without the imageStatus it does not know. */
function forMoto(input: Json): Buffer {
  const filter = input.filter as Json | undefined
  if (filter === undefined) return Buffer.from(JSON.stringify(input))
  const rest: Json = { ...filter }
  delete rest.imageStatus
  const copy: Json = { ...input }
  if (Object.keys(rest).length === 0) delete copy.filter
  else copy.filter = rest
  return Buffer.from(JSON.stringify(copy))
}

/**
 * DescribeImages, ListImages, BatchGetImage and UpdateImageStorageClass with the archive applied;
 * false when `op` is none of them.
 */
export async function handleArchiveOp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  op: string,
  body: Buffer,
  region: string
): Promise<boolean> {
  const input = parseJson(body) ?? {}
  const repository = str(input.repositoryName) ?? ''
  if (op === 'UpdateImageStorageClass') {
    await updateImageStorageClass(res, input, repository, region)
    return true
  }
  if (op !== 'DescribeImages' && op !== 'ListImages' && op !== 'BatchGetImage')
    return false
  const r = await forwardToMoto(req, forMoto(input))
  const out = r.status === 200 ? parseJson(r.body) : undefined
  if (out === undefined) {
    relay(res, r)
    return true
  }
  if (op === 'DescribeImages') {
    const keep = wanted(input)
    const details = (out.imageDetails as Json[] | undefined) ?? []
    for (const d of details)
      d.imageStatus = imageStatus(repository, str(d.imageDigest) ?? '')
    const kept = details.filter(d => keep(d.imageStatus as ImageStatus))
    const ids = input.imageIds as Json[] | undefined
    // Asked by id: an image the filter hides is not found, as a missing one.
    if (ids !== undefined && ids.length > 0 && kept.length === 0) {
      ecrError(
        res,
        'ImageNotFoundException',
        notFoundMessage(repository, ids[0])
      )
      return true
    }
    out.imageDetails = kept
  } else if (op === 'ListImages') {
    const keep = wanted(input)
    out.imageIds = ((out.imageIds as Json[] | undefined) ?? []).filter(id =>
      keep(imageStatus(repository, str(id.imageDigest) ?? ''))
    )
  } else {
    const images = (out.images as Json[] | undefined) ?? []
    const failures = (out.failures as Json[] | undefined) ?? []
    const active: Json[] = []
    for (const image of images) {
      const id = image.imageId as Json | undefined
      if (imageStatus(repository, str(id?.imageDigest) ?? '') === 'ACTIVE')
        active.push(image)
      else
        failures.push({
          imageId: id,
          failureCode: 'ImageNotFound',
          failureReason: 'Requested image not found'
        })
    }
    out.images = active
    out.failures = failures
  }
  relay(res, r, out)
  return true
}

async function updateImageStorageClass(
  res: http.ServerResponse,
  input: Json,
  repository: string,
  region: string
): Promise<void> {
  const id = (input.imageId as Json | undefined) ?? {}
  const target = str(input.targetStorageClass)
  if (target !== 'ARCHIVE' && target !== 'STANDARD')
    return ecrError(
      res,
      'InvalidParameterException',
      `Invalid parameter at 'targetStorageClass' failed to satisfy constraint: 'Member must satisfy enum value set: [STANDARD, ARCHIVE]'`
    )
  let digest: string | undefined
  try {
    digest = await resolveImage(
      repository,
      {
        ...(str(id.imageTag) !== undefined && { imageTag: str(id.imageTag) }),
        ...(str(id.imageDigest) !== undefined && {
          imageDigest: str(id.imageDigest)
        })
      },
      region
    )
  } catch (e) {
    if (errName(e) === 'RepositoryNotFoundException')
      return ecrError(
        res,
        'RepositoryNotFoundException',
        `The repository with name '${repository}' does not exist in the registry with id '123456789012'`
      )
    throw e
  }
  if (digest === undefined)
    return ecrError(
      res,
      'ImageNotFoundException',
      notFoundMessage(repository, id)
    )
  const status = transition(repository, digest, target)
  if (typeof status !== 'string')
    return ecrError(
      res,
      'ImageStorageClassUpdateNotSupportedException',
      status.unsupported
    )
  sendJson(res, 200, {
    registryId: '123456789012',
    repositoryName: repository,
    imageId: {
      imageDigest: digest,
      ...(id.imageTag !== undefined && { imageTag: id.imageTag })
    },
    imageStatus: status
  })
}
