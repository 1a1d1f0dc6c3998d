import { describe, expect, it } from '@jest/globals'
import {
  AARCH64_BINARY,
  X86_64_BINARY,
  tar,
  type FixtureEntry
} from '../../../__fixtures__/layers.js'
import { wantedPaths } from '../../../src/checks/preflight/image.js'
import type { StartConfig } from '../../../src/checks/preflight/start-config.js'
import {
  scanLayer,
  type ImageFile,
  type ImageFiles,
  type LayerScan
} from '../../../src/checks/preflight/layers.js'
import {
  mergeLayers,
  resolvePath
} from '../../../src/checks/preflight/file-tree.js'

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

/** mergeLayers as it was (quadratic): the reference for the results. */
function referenceMerge(layers: LayerScan[]): ImageFiles {
  const removeTree = (files: ImageFiles, path: string): void => {
    files.delete(path)
    const prefix = path === '/' ? '/' : `${path}/`
    for (const key of [...files.keys()]) {
      if (key.startsWith(prefix)) files.delete(key)
    }
  }
  const files: ImageFiles = new Map()
  for (const layer of layers) {
    for (const dir of layer.opaque) {
      const prefix = dir === '/' ? '/' : `${dir}/`
      for (const key of [...files.keys()]) {
        if (key.startsWith(prefix)) files.delete(key)
      }
    }
    for (const path of layer.whiteouts) removeTree(files, path)
    for (const [path, file] of layer.files) {
      if (file.type !== 'directory') removeTree(files, path)
      files.set(path, file)
    }
  }
  for (const [path, file] of files) {
    if (file.type !== 'hardlink' || file.linkTarget === undefined) continue
    const target = files.get(file.linkTarget)
    if (target !== undefined && target.type === 'file') {
      files.set(path, { ...target, linkTarget: file.linkTarget })
    }
  }
  return files
}

function imageFile(
  type: ImageFile['type'],
  size: number,
  linkTarget?: string
): ImageFile {
  return { type, mode: 0o644, size, linkTarget, head: undefined }
}

function layerScan(
  entries: [string, ImageFile][],
  whiteouts: string[] = [],
  opaque: string[] = []
): LayerScan {
  return {
    files: new Map(entries),
    whiteouts,
    opaque,
    bytes: 0,
    unreadable: undefined
  }
}

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('mergeLayers', () => {
  it.each<[string, LayerScan[], string[]]>([
    [
      'an opaque directory keeps itself, hides what is under it',
      [
        layerScan([
          ['/a', imageFile('directory', 0)],
          ['/a/b', imageFile('file', 1)],
          ['/a/c/d', imageFile('file', 1)],
          ['/ab', imageFile('file', 1)]
        ]),
        layerScan([], [], ['/a'])
      ],
      ['/a', '/ab']
    ],
    [
      'a whiteout deletes the path and its subtree, not a sibling with the same prefix',
      [
        layerScan([
          ['/a/b', imageFile('file', 1)],
          ['/a/bc', imageFile('file', 1)],
          ['/a/b/c', imageFile('file', 1)]
        ]),
        layerScan([], ['/a/b'])
      ],
      ['/a/bc']
    ],
    [
      'a file replaces a directory and everything in it',
      [
        layerScan([
          ['/opt', imageFile('directory', 0)],
          ['/opt/x', imageFile('file', 1)]
        ]),
        layerScan([['/opt', imageFile('symlink', 0, '/usr')]])
      ],
      ['/opt']
    ],
    [
      'a directory over a directory keeps its contents',
      [
        layerScan([
          ['/opt', imageFile('directory', 0)],
          ['/opt/x', imageFile('file', 1)]
        ]),
        layerScan([['/opt', imageFile('directory', 0)]])
      ],
      ['/opt', '/opt/x']
    ],
    [
      "a layer's own files survive its whiteouts and opaque directories",
      [
        layerScan([['/a/old', imageFile('file', 1)]]),
        layerScan([['/a/new', imageFile('file', 1)]], ['/a/old'], ['/a'])
      ],
      ['/a/new']
    ],
    [
      'an opaque root hides everything below it',
      [
        layerScan([
          ['/', imageFile('directory', 0)],
          ['/x', imageFile('file', 1)]
        ]),
        layerScan([['/y', imageFile('file', 1)]], [], ['/'])
      ],
      ['/y']
    ],
    [
      'a path added again after a whiteout comes back',
      [
        layerScan([['/a/b', imageFile('file', 1)]]),
        layerScan([], ['/a']),
        layerScan([['/a/b/c', imageFile('file', 2)]])
      ],
      ['/a/b/c']
    ]
  ])('%s', (_label, layers, expected) => {
    const merged = mergeLayers(layers)
    expect([...merged.keys()].sort()).toEqual(expected)
    expect([...merged]).toEqual([...referenceMerge(layers)])
  })

  it('gives what it gave before on random layers, entry for entry and in order', () => {
    const names = ['a', 'b', 'c', '.', 'bin', 'opt']
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed)
      const pick = <T>(items: readonly T[]): T =>
        items[Math.floor(next() * items.length)] as T
      const somePath = (): string => {
        const depth = 1 + Math.floor(next() * 3)
        return `/${Array.from({ length: depth }, () => pick(names)).join('/')}`.replace(
          /\/\.(?=\/|$)/g,
          '/dot'
        )
      }
      const layers = Array.from({ length: 1 + Math.floor(next() * 6) }, () => {
        const entries: [string, ImageFile][] = Array.from(
          { length: Math.floor(next() * 12) },
          () => {
            const type = pick([
              'file',
              'directory',
              'symlink',
              'hardlink'
            ] as const)
            return [
              somePath(),
              imageFile(
                type,
                Math.floor(next() * 100),
                type === 'hardlink' ? somePath() : undefined
              )
            ]
          }
        )
        return layerScan(
          entries,
          Array.from({ length: Math.floor(next() * 3) }, somePath),
          Array.from({ length: Math.floor(next() * 2) }, () =>
            next() < 0.1 ? '/' : somePath()
          )
        )
      })
      expect({ seed, merged: [...mergeLayers(layers)] }).toEqual({
        seed,
        merged: [...referenceMerge(layers)]
      })
    }
  })

  /**
   * Layer i adds 2,000 files under /srv/l<i>; every even layer deletes the
   * directory of the layer below it; the last one puts a file over /srv/l0.
   */
  function manyLayers(count: number, perLayer: number): LayerScan[] {
    return Array.from({ length: count }, (_, i) => {
      const entries: [string, ImageFile][] = [
        [`/srv/l${i}`, imageFile('directory', 0)]
      ]
      for (let j = 0; j < perLayer; j++) {
        entries.push([`/srv/l${i}/f${j}`, imageFile('file', j)])
      }
      if (i === count - 1) entries.push(['/srv/l0', imageFile('file', 1)])
      return layerScan(entries, i > 0 && i % 2 === 0 ? [`/srv/l${i - 1}`] : [])
    })
  }

  it('gives what it gave before on a scaled-down stack of many layers', () => {
    const layers = manyLayers(10, 200)
    expect([...mergeLayers(layers)]).toEqual([...referenceMerge(layers)])
  })

  it('deletes a directory of 300,000 entries', () => {
    const entries: [string, ImageFile][] = []
    for (let j = 0; j < 300_000; j++) {
      entries.push([`/var/task/f${j}`, imageFile('file', 1)])
    }
    const merged = mergeLayers([
      layerScan(entries),
      layerScan([['/keep', imageFile('file', 1)]], ['/var'])
    ])
    expect([...merged.keys()]).toEqual(['/keep'])
  })

  it('merges 50 layers of 2,000 files each in one pass', () => {
    const layers = manyLayers(50, 2_000)
    const started = performance.now()
    const merged = mergeLayers(layers)
    const took = performance.now() - started
    // Layers 1, 3, … 47 were deleted by the layer above; 49 is the last.
    const kept = (i: number): boolean => i % 2 === 0 || i === 49
    const expected = new Set<string>(['/srv/l0'])
    for (let i = 1; i < 50; i++) {
      if (!kept(i)) continue
      expected.add(`/srv/l${i}`)
      for (let j = 0; j < 2_000; j++) expected.add(`/srv/l${i}/f${j}`)
    }
    expect(merged.size).toBe(expected.size)
    expect([...merged.keys()].every(path => expected.has(path))).toBe(true)
    expect(merged.get('/srv/l0')?.type).toBe('file')
    // Linear: a fraction of a second (the quadratic merge took over 2 s for
    // 10 such layers, 30 s for 20, and minutes for 50).
    expect(took).toBeLessThan(5_000)
  })
})
