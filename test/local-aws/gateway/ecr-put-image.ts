/**
 * ECR PutImage (a manifest under a new tag, how an image is retagged without docker) as AWS
 * answers it, where moto differs: the digest is sha256 of the manifest (moto makes one up unless
 * imageDigest is passed); a given imageDigest that does not match -> ImageDigestDoesNotMatch-
 * Exception; a tag already on that image -> ImageAlreadyExistsException; a tag on another image
 * of an IMMUTABLE repository -> ImageTagAlreadyExistsException (moto: ImageAlreadyExists-
 * Exception). The manifest is PUT into the registry behind ./registry.ts first, so that pulls by
 * the new tag work as on ECR, then recorded in moto.
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html
 */
import type http from 'node:http'

import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  PutImageCommand
} from '@aws-sdk/client-ecr'

import { REGISTRY_PORT } from './config.js'
import {
  errMessage,
  errName,
  log,
  rawRequest,
  sendJson,
  sha256Hex,
  type Json
} from './http.js'
import { moto } from './moto.js'

/** An ECR (awsJson1_1) error answer. */
function ecrError(
  res: http.ServerResponse,
  type: string,
  message: string
): void {
  sendJson(res, 400, { __type: type, message })
}

export async function putImage(
  res: http.ServerResponse,
  input: Json,
  region: string
): Promise<void> {
  const ecr = moto(region).ecr
  const text = (value: unknown): string =>
    typeof value === 'string' ? value : ''
  const repositoryName = text(input.repositoryName)
  const manifest = text(input.imageManifest)
  const tag = typeof input.imageTag === 'string' ? input.imageTag : undefined
  const digest = `sha256:${sha256Hex(manifest)}`
  const mediaType =
    typeof input.imageManifestMediaType === 'string'
      ? input.imageManifestMediaType
      : text((JSON.parse(manifest) as Json).mediaType)
  if (typeof input.imageDigest === 'string' && input.imageDigest !== digest)
    return ecrError(
      res,
      'ImageDigestDoesNotMatchException',
      `Invalid parameter at 'imageDigest' failed to satisfy constraint: 'digest ${input.imageDigest} does not match the manifest digest ${digest}'`
    )
  let immutable: boolean
  try {
    const repos = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] })
    )
    immutable = (repos.repositories?.[0]?.imageTagMutability ?? '').startsWith(
      'IMMUTABLE'
    )
  } catch (e) {
    return ecrError(res, errName(e) || 'ServerException', errMessage(e))
  }
  if (tag !== undefined) {
    try {
      const d = await ecr.send(
        new DescribeImagesCommand({
          repositoryName,
          imageIds: [{ imageTag: tag }]
        })
      )
      const existing = d.imageDetails?.[0]?.imageDigest
      if (existing === digest)
        return ecrError(
          res,
          'ImageAlreadyExistsException',
          `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${repositoryName}' in registry with id '123456789012'`
        )
      if (existing !== undefined && immutable)
        return ecrError(
          res,
          'ImageTagAlreadyExistsException',
          `The image tag '${tag}' already exists in the '${repositoryName}' repository and cannot be overwritten because the repository is immutable.`
        )
    } catch (e) {
      if (errName(e) !== 'ImageNotFoundException')
        return ecrError(res, errName(e) || 'ServerException', errMessage(e))
    }
  }
  // The registry holds the layers already (the image was pushed): only the manifest moves.
  const put = await rawRequest(
    REGISTRY_PORT,
    'PUT',
    `/v2/${repositoryName}/manifests/${tag ?? digest}`,
    { 'content-type': mediaType },
    Buffer.from(manifest)
  )
  if (put.status >= 300)
    return ecrError(
      res,
      put.status === 400 ? 'LayersNotFoundException' : 'ServerException',
      `the registry refused the manifest: HTTP ${put.status} ${put.body.toString('utf8').slice(0, 300)}`
    )
  try {
    const out = await ecr.send(
      new PutImageCommand({
        repositoryName,
        imageManifest: manifest,
        imageManifestMediaType: mediaType,
        imageDigest: digest,
        ...(tag !== undefined && { imageTag: tag })
      })
    )
    log(`PutImage ${repositoryName}:${tag ?? '(no tag)'} ${digest}`)
    sendJson(res, 200, { image: { ...out.image, imageManifest: manifest } })
  } catch (e) {
    ecrError(res, errName(e) || 'ServerException', errMessage(e))
  }
}
