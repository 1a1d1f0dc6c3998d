import { describe, expect, it } from '@jest/globals'
import { dockerfilePath } from '../../src/build/dockerfile.js'
import { builtFor } from '../../src/stages/reuse.js'
import { BUILT_FOR_LABEL } from '../../src/build/key.js'

const KEY_TAG = `build-${'a'.repeat(40)}`
const config = (labels: Record<string, unknown> | undefined): string =>
  JSON.stringify({ architecture: 'amd64', config: { Labels: labels } })

describe('builtFor', () => {
  it.each<[string, string | undefined, string[], string | undefined]>([
    [
      'the label of the build wins over the tags',
      config({ [BUILT_FOR_LABEL]: 'commit-a' }),
      [KEY_TAG, 'commit-b', 'commit-c'],
      'commit-a'
    ],
    [
      'without the label: another commit tag, never the key tag or this run’s',
      config(undefined),
      [KEY_TAG, 'commit-c', 'commit-b'],
      'commit-b'
    ],
    [
      'an unreadable config: the tags',
      undefined,
      ['commit-c', 'commit-b'],
      'commit-b'
    ],
    ['a config that is not JSON: the tags', '{', ['commit-b'], 'commit-b'],
    [
      'a label that is not a string: the tags',
      config({ [BUILT_FOR_LABEL]: 7 }),
      ['commit-b'],
      'commit-b'
    ],
    ['nothing to tell', config({}), [KEY_TAG, 'commit-c'], undefined]
  ])('%s', (_what, configText, tags, expected) => {
    expect(builtFor(configText, tags, 'commit-c')).toBe(expected)
  })
})

describe('dockerfilePath', () => {
  it.each([
    [{ context: 'src/Api', file: undefined }, 'src/Api/Dockerfile'],
    [{ context: '.', file: 'build/Api.Dockerfile' }, 'build/Api.Dockerfile']
  ])('%p → %p', (inputs, expected) => {
    expect(dockerfilePath(inputs)).toBe(expected)
  })
})
