/** The world's ECR repository: images by digest, tags, archive state. */
import type { ImageDetail } from '@aws-sdk/client-ecr'
import { sha256Digest } from '../aws.js'
import { layerDigest, type StoredImage } from './images.js'
import { START, repositoryUriOf } from './names.js'

/**
 * ECR: one repository, images by digest, and tags with when they were pushed.
 * Images can be archived (ECR user guide, archive-image.html): hidden from
 * DescribeImages and ListImages unless the filter's imageStatus asks, a
 * BatchGetImage failure, restored by UpdateImageStorageClass(STANDARD)
 * through ACTIVATING (`activationMs` on the virtual clock) to ACTIVE.
 */
export class FakeRegistry {
  readonly images = new Map<string, StoredImage>()
  readonly tags = new Map<string, { digest: string; pushedAt: Date }>()
  /** Images not ACTIVE by digest; ACTIVATING until `activeAt`. */
  readonly inactive = new Map<
    string,
    { status: 'ARCHIVED' | 'ACTIVATING'; activeAt?: number }
  >()
  /** How long a restored image stays ACTIVATING. */
  activationMs = 60_000
  /** The repository's lifecycle policy (JSON text); none by default. */
  lifecyclePolicy: string | undefined

  constructor(readonly name: string) {}

  /** Move the image to the archive storage class. */
  archive(digest: string): void {
    this.inactive.set(digest, { status: 'ARCHIVED' })
  }

  statusOf(digest: string, now: number): 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING' {
    const entry = this.inactive.get(digest)
    if (entry === undefined) return 'ACTIVE'
    if (entry.status === 'ACTIVATING' && (entry.activeAt ?? 0) <= now) {
      this.inactive.delete(digest)
      return 'ACTIVE'
    }
    return entry.status
  }

  get uri(): string {
    return repositoryUriOf(this.name)
  }

  push(tag: string, image: StoredImage, pushedAt = new Date(START)): void {
    this.images.set(image.digest, image)
    for (const child of image.children ?? [])
      this.images.set(child.digest, child)
    this.tags.set(tag, { digest: image.digest, pushedAt })
  }

  details(): ImageDetail[] {
    return [...this.tags].map(([tag, { digest, pushedAt }]) => ({
      repositoryName: this.name,
      imageDigest: digest,
      imageTags: [tag],
      imagePushedAt: pushedAt
    }))
  }

  /** A config or layer blob of any stored image. */
  blob(digest: string): string | Buffer | undefined {
    for (const image of this.images.values()) {
      if (image.config !== undefined && sha256Digest(image.config) === digest)
        return image.config
      const layer = image.layers?.find(l => layerDigest(l) === digest)
      if (layer !== undefined) return layer
    }
    return undefined
  }
}
