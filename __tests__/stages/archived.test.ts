import { describe, expect, it } from '@jest/globals'
import {
  decideArchived,
  type InactiveImage
} from '../../src/stages/archived.js'

const REF = { name: 'team/my-api', registryId: undefined }
const DIGEST = `sha256:${'a'.repeat(64)}`
const ARCHIVED: InactiveImage = {
  digest: DIGEST,
  status: 'ARCHIVED',
  neededFor: 'rollback-to v1'
}
const ACTIVATING: InactiveImage = { ...ARCHIVED, status: 'ACTIVATING' }

describe('decideArchived', () => {
  it.each([
    [[], false, false, undefined],
    [[], true, true, undefined],
    [[ARCHIVED], false, false, 'refuse'],
    [[ARCHIVED], false, true, 'refuse'],
    [[ACTIVATING], false, false, 'refuse'],
    [[ARCHIVED], true, false, 'restore'],
    [[ACTIVATING], true, false, 'restore'],
    [[ARCHIVED], true, true, 'say-would-restore']
  ])(
    '%j, restore-archived %s, dry-run %s → %s',
    (images, restoreArchived, dryRun, expected) => {
      expect(decideArchived(images, REF, { restoreArchived, dryRun })?.do).toBe(
        expected
      )
    }
  )

  it('refuses with the command that restores an archived image, before any change', () => {
    const decision = decideArchived([ARCHIVED], REF, {
      restoreArchived: false,
      dryRun: false
    })
    expect(decision).toEqual({
      do: 'refuse',
      message: `rollback-to v1: team/my-api@${DIGEST} is archived in ECR: it cannot be pulled, so Lambda cannot run it. Restore it with\n  aws ecr update-image-storage-class --repository-name team/my-api --image-id imageDigest=${DIGEST} --target-storage-class STANDARD\nwait until its imageStatus is ACTIVE, and run again.\nNothing was changed. With restore-archived: true this action restores archived images itself and waits until they are active.`
    })
  })

  it('an image already being restored gets no restore command', () => {
    const decision = decideArchived([ACTIVATING], REF, {
      restoreArchived: false,
      dryRun: false
    })
    expect(decision?.do === 'refuse' && decision.message).toContain(
      "is being restored from ECR's archive (ACTIVATING): it cannot be pulled until it is ACTIVE"
    )
    expect(decision?.do === 'refuse' && decision.message).not.toContain(
      'update-image-storage-class'
    )
  })
})
