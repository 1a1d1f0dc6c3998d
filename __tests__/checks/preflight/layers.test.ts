import { describe, expect, it } from '@jest/globals'
import {
  AARCH64_BINARY,
  X86_64_BINARY,
  tar,
  type FixtureEntry
} from '../../../__fixtures__/layers.js'
import {
  wantedPaths,
  type StartConfig
} from '../../../src/checks/preflight/image.js'
import {
  mergeLayers,
  resolvePath,
  scanLayer
} from '../../../src/checks/preflight/layers.js'

const BUSYBOX_APP: StartConfig = {
  architecture: 'arm64',
  os: 'linux',
  entrypoint: ['/bin/busybox', 'httpd', '-f', '-p', '8080'],
  cmd: [],
  env: [],
  workingDir: undefined
}

function* once(data: Buffer): Generator<Buffer> {
  yield data
}

describe('whiteouts', () => {
  const lower = [
    { path: 'opt/extensions/old', content: X86_64_BINARY, mode: 0o755 },
    { path: 'opt/extensions/kept', content: AARCH64_BINARY, mode: 0o755 }
  ]

  it.each<[string, FixtureEntry[], string[]]>([
    [
      '.wh.<name> deletes a file of a lower layer',
      [{ path: 'opt/extensions/.wh.old' }],
      ['/opt/extensions/kept']
    ],
    [
      '.wh.<dir> deletes a whole directory',
      [{ path: 'opt/.wh.extensions' }],
      []
    ],
    [
      '.wh..wh..opq hides the lower directory but keeps its own layer',
      [
        { path: 'opt/extensions/.wh..wh..opq' },
        { path: 'opt/extensions/new', content: AARCH64_BINARY, mode: 0o755 }
      ],
      ['/opt/extensions/new']
    ],
    [
      'a file replaces a lower directory',
      [{ path: 'opt/extensions', content: 'x' }],
      ['/opt/extensions']
    ],
    [
      'nothing deleted',
      [{ path: 'other', content: 'x' }],
      ['/opt/extensions/kept', '/opt/extensions/old']
    ]
  ])('%s', async (_name, upper, expected) => {
    const wanted = wantedPaths(BUSYBOX_APP)
    const files = mergeLayers([
      await scanLayer(once(tar(lower)), wanted),
      await scanLayer(once(tar(upper)), wanted)
    ])
    expect(
      [...files.keys()]
        .filter(path => path.startsWith('/opt/extensions'))
        .sort()
    ).toEqual(expected)
  })
})

describe('resolvePath', () => {
  it('gives up on a symlink loop', async () => {
    const files = mergeLayers([
      await scanLayer(
        once(
          tar([
            { path: 'a', type: '2', linkTarget: 'b' },
            { path: 'b', type: '2', linkTarget: 'a' }
          ])
        ),
        new Set()
      )
    ])
    expect(resolvePath(files, '/a').file).toBeUndefined()
  })
})
