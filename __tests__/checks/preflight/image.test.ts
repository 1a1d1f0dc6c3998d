import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import { describe, expect, it } from '@jest/globals'
import {
  AARCH64_BINARY,
  X86_64_BINARY,
  gzipTar,
  header,
  tar,
  type FixtureEntry
} from '../../../__fixtures__/layers.js'
import type { RegistryAuth } from '../../../src/aws/ecr.js'
import type { Fetch } from '../../../src/aws/ecr-image.js'
import {
  applyOverride,
  type StartConfig
} from '../../../src/checks/preflight/start-config.js'
import {
  imageChecks,
  SIZE_LIMIT_BYTES,
  preflightImage,
  sizeCheck,
  sizeStoppedCheck,
  wantedPaths
} from '../../../src/checks/preflight/image.js'
import { scanLayer } from '../../../src/checks/preflight/layers.js'
import { mergeLayers } from '../../../src/checks/preflight/file-tree.js'
import { decide, type Check } from '../../../src/checks/preflight/checks.js'

/** The run's clock in these tests: a day of December 2026. */
const NOW = Date.parse('2026-12-06T12:00:00Z')

const DOTNET_BASE: StartConfig = {
  architecture: 'arm64',
  os: 'linux',
  entrypoint: ['/lambda-entrypoint.sh'],
  cmd: ['MinimalApi'],
  env: ['PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin'],
  workingDir: '/var/task'
}

const BUSYBOX_APP: StartConfig = {
  architecture: 'arm64',
  os: 'linux',
  entrypoint: ['/bin/busybox', 'httpd', '-f', '-p', '8080'],
  cmd: [],
  env: [],
  workingDir: undefined
}

/** A .NET base image of the right CPU, as layers. */
function dotnetBaseLayers(binary: Buffer): FixtureEntry[][] {
  return [
    [
      { path: 'usr/bin/bash', content: binary, mode: 0o755 },
      { path: 'bin', type: '2', linkTarget: 'usr/bin' },
      {
        path: 'lambda-entrypoint.sh',
        content: '#!/bin/bash\nexec /var/runtime/bootstrap\n',
        mode: 0o755
      },
      {
        path: 'var/runtime/bootstrap',
        content: '#!/bin/bash\nexec dotnet\n',
        mode: 0o755
      },
      { path: 'var/lang/bin/dotnet', content: binary, mode: 0o755 }
    ]
  ]
}

function appLayer(extra: FixtureEntry[] = []): FixtureEntry[] {
  return [
    { path: 'var/task/MinimalApi.dll', content: 'MZ\x90\x00' },
    { path: 'var/task/MinimalApi.runtimeconfig.json', content: '{}' },
    { path: 'var/task/MinimalApi', content: AARCH64_BINARY, mode: 0o755 },
    ...extra
  ]
}

function* once(data: Buffer): Generator<Buffer> {
  yield data
}

async function checksFor(
  start: StartConfig,
  layers: FixtureEntry[][],
  bytes = 1024
): Promise<Check[]> {
  const wanted = wantedPaths(start)
  const scans = []
  for (const layer of layers)
    scans.push(await scanLayer(once(tar(layer)), wanted))
  return imageChecks(start, mergeLayers(scans), 'arm64', bytes)
}

function byId(checks: Check[]): Record<string, string> {
  return Object.fromEntries(checks.map(check => [check.id, check.result]))
}

describe('image checks on the AWS .NET base image', () => {
  it('pass for an arm64 app with its assembly named by CMD', async () => {
    const checks = await checksFor(DOTNET_BASE, [
      ...dotnetBaseLayers(AARCH64_BINARY),
      appLayer()
    ])
    expect(byId(checks)).toEqual({
      'image.entrypoint': 'pass',
      'image.bootstrap': 'pass',
      'image.cmd': 'pass',
      'image.extensions': 'pass',
      'image.size': 'pass'
    })
    // The script entrypoint's interpreter was followed through the /bin symlink.
    expect(checks[0]?.message).toContain('/bin/bash (→ /usr/bin/bash)')
    expect(checks[0]?.message).toContain('AArch64 ELF binary')
  })

  it.each<[string, FixtureEntry[], string, RegExp]>([
    [
      'an x86-64 extension in an arm64 image',
      [
        {
          path: 'opt/extensions/telemetry',
          content: X86_64_BINARY,
          mode: 0o755
        }
      ],
      'fail',
      /\/opt\/extensions\/telemetry is a 64-bit x86-64 ELF binary but the function runs on arm64 \(AArch64\)[\s\S]*linux-arm64/
    ],
    [
      'an extension that is not executable',
      [
        {
          path: 'opt/extensions/telemetry',
          content: AARCH64_BINARY,
          mode: 0o644
        }
      ],
      'fail',
      /not executable \(mode 644\)/
    ],
    [
      'an extension that is a text file',
      [{ path: 'opt/extensions/README', content: 'docs', mode: 0o755 }],
      'fail',
      /neither an ELF binary nor a #! script/
    ],
    [
      'a directory in /opt/extensions',
      [{ path: 'opt/extensions/lib', type: '5' }],
      'warn',
      /Lambda only starts files directly in \/opt\/extensions/
    ],
    [
      'a right-CPU extension',
      [
        {
          path: 'opt/extensions/telemetry',
          content: AARCH64_BINARY,
          mode: 0o755
        }
      ],
      'pass',
      /AArch64 ELF binary/
    ],
    [
      'a script extension whose interpreter is x86-64',
      [
        {
          path: 'opt/extensions/wrapper',
          content: '#!/usr/local/bin/x86sh\n',
          mode: 0o755
        },
        { path: 'usr/local/bin/x86sh', content: X86_64_BINARY, mode: 0o755 }
      ],
      'fail',
      /script for \/usr\/local\/bin\/x86sh; \/usr\/local\/bin\/x86sh is a 64-bit x86-64 ELF binary/
    ],
    [
      'a script extension whose interpreter is outside the directories read',
      [
        {
          path: 'opt/extensions/wrapper',
          content: '#!/opt/tools/sh\n',
          mode: 0o755
        }
      ],
      'warn',
      /\/opt\/tools\/sh is outside the directories preflight reads/
    ]
  ])('%s', async (_name, extra, result, message) => {
    const checks = await checksFor(DOTNET_BASE, [
      ...dotnetBaseLayers(AARCH64_BINARY),
      appLayer(extra)
    ])
    const extension = checks.find(check =>
      check.id.startsWith('image.extension:')
    )
    expect(extension?.message).toMatch(message)
    expect(extension?.result).toBe(result)
  })

  it.each<[string, string[], FixtureEntry[], string, RegExp]>([
    [
      'a handler string',
      ['MinimalApi::MinimalApi.Function::FunctionHandler'],
      [],
      'fail',
      /handler string[\s\S]*CMD \["MinimalApi"\][\s\S]*#1032/
    ],
    [
      'no CMD',
      [],
      [],
      'fail',
      /has no CMD[\s\S]*Apps in \/var\/task: MinimalApi/
    ],
    [
      'a CMD naming an assembly that is not there',
      ['MinimalAPI'],
      [],
      'fail',
      /\/var\/task\/MinimalAPI.dll is not in the image[\s\S]*Apps in \/var\/task: MinimalApi/
    ],
    [
      'an app host published for the other CPU',
      ['MinimalApi'],
      [{ path: 'var/task/MinimalApi', content: X86_64_BINARY, mode: 0o755 }],
      'warn',
      /app host \/var\/task\/MinimalApi is a 64-bit x86-64 ELF binary[\s\S]*-a \$TARGETARCH/
    ]
  ])('CMD: %s', async (_name, cmd, extra, result, message) => {
    const start = { ...DOTNET_BASE, cmd }
    const checks = await checksFor(start, [
      ...dotnetBaseLayers(AARCH64_BINARY),
      appLayer(),
      ...(extra.length > 0 ? [extra] : [])
    ])
    const check = checks.find(c => c.id === 'image.cmd')
    expect(check?.result).toBe(result)
    expect(check?.message).toMatch(message)
  })

  it('fails when the base image itself is for the other CPU', async () => {
    const checks = await checksFor(DOTNET_BASE, [
      ...dotnetBaseLayers(X86_64_BINARY),
      appLayer()
    ])
    expect(byId(checks)['image.entrypoint']).toBe('fail')
    expect(checks[0]?.message).toMatch(
      /x86-64 ELF binary but the function runs on arm64/
    )
  })
})

describe('whiteouts', () => {
  const lower = [
    { path: 'opt/extensions/old', content: X86_64_BINARY, mode: 0o755 },
    { path: 'opt/extensions/kept', content: AARCH64_BINARY, mode: 0o755 }
  ]

  it('a deleted wrong-CPU extension no longer fails the image', async () => {
    const checks = await checksFor(BUSYBOX_APP, [
      [{ path: 'bin/busybox', content: AARCH64_BINARY, mode: 0o755 }, ...lower],
      [{ path: 'opt/extensions/.wh.old' }]
    ])
    expect(checks.filter(check => check.result !== 'pass')).toEqual([])
  })
})

describe('images not on the AWS .NET base', () => {
  it('pass with their own entrypoint and report what they found', async () => {
    const checks = await checksFor(BUSYBOX_APP, [
      [{ path: 'bin/busybox', content: AARCH64_BINARY, mode: 0o755 }]
    ])
    expect(byId(checks)).toEqual({
      'image.entrypoint': 'pass',
      'image.cmd': 'pass',
      'image.extensions': 'pass',
      'image.size': 'pass'
    })
    expect(checks.find(c => c.id === 'image.cmd')?.message).toContain(
      'own entrypoint "/bin/busybox"'
    )
  })

  it('finds a relative program on PATH, through a hard link', async () => {
    const start = {
      ...BUSYBOX_APP,
      entrypoint: ['sh', '-c', 'x'],
      env: ['PATH=/usr/bin:/bin']
    }
    const checks = await checksFor(start, [
      [
        { path: 'bin/busybox', content: X86_64_BINARY, mode: 0o755 },
        { path: 'bin/sh', type: '1', linkTarget: 'bin/busybox' }
      ]
    ])
    expect(checks[0]?.result).toBe('fail')
    expect(checks[0]?.message).toMatch(
      /\/bin\/sh is a 64-bit x86-64 ELF binary/
    )
  })

  it('fails an entrypoint that is not in the image', async () => {
    const checks = await checksFor(BUSYBOX_APP, [
      [{ path: 'other', content: 'x' }]
    ])
    expect(checks[0]?.result).toBe('fail')
    expect(checks[0]?.message).toContain('/bin/busybox is not in the image')
  })
})

describe('sizeCheck', () => {
  it.each([
    [100 * 1024 ** 2, 'pass'],
    [8 * 1024 ** 3 - 1, 'pass'],
    [8 * 1024 ** 3, 'warn'],
    [10 * 1024 ** 3 - 1, 'warn'],
    [10 * 1024 ** 3, 'fail']
  ])('%i bytes → %s', (bytes, result) => {
    expect(sizeCheck(bytes).result).toBe(result)
  })
})

describe('preflightImage over the registry API', () => {
  const auth: RegistryAuth = {
    username: 'AWS',
    password: 'secret',
    endpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com'
  }
  const digest = (data: Buffer | string): string =>
    `sha256:${createHash('sha256').update(data).digest('hex')}`

  function registry(layers: Buffer[], config: object) {
    const configBlob = JSON.stringify(config)
    const blobs = new Map<string, Buffer>([
      [digest(configBlob), Buffer.from(configBlob)]
    ])
    for (const layer of layers) blobs.set(digest(layer), layer)
    const manifest = JSON.stringify({
      schemaVersion: 2,
      config: { digest: digest(configBlob) },
      layers: layers.map(layer => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: digest(layer),
        size: layer.length
      }))
    })
    const requests: string[] = []
    const fetchImpl: Fetch = (input, init) => {
      const url =
        typeof input === 'string'
          ? input
          : input instanceof URL
            ? input.href
            : input.url
      requests.push(url)
      const prefix = `${auth.endpoint}/v2/team/api/blobs/`
      if (!url.startsWith(prefix))
        return Promise.resolve(new Response('', { status: 404 }))
      expect(new Headers(init?.headers).get('authorization')).toBe(
        `Basic ${Buffer.from('AWS:secret').toString('base64')}`
      )
      expect(init?.redirect).toBe('follow')
      const blob = blobs.get(url.slice(prefix.length))
      if (blob === undefined)
        return Promise.resolve(new Response('', { status: 404 }))
      // Streamed in small pieces, as a network body is.
      const body = Readable.toWeb(
        Readable.from(chunksOf(blob, 1000))
      ) as ReadableStream
      return Promise.resolve(new Response(body, { status: 200 }))
    }
    return { manifest, configText: configBlob, fetchImpl, requests }
  }

  function* chunksOf(data: Buffer, size: number): Generator<Buffer> {
    for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size)
  }

  it('reads the config and every layer and stops on a wrong-CPU extension', async () => {
    const base = gzipTar([
      { path: 'bin/busybox', content: AARCH64_BINARY, mode: 0o755 }
    ])
    const app = gzipTar([
      { path: 'opt/extensions/ext', content: X86_64_BINARY, mode: 0o755 }
    ])
    const r = registry([base, app], {
      architecture: 'arm64',
      os: 'linux',
      config: { Entrypoint: ['/bin/busybox', 'httpd'] }
    })
    const result = await preflightImage(
      auth,
      'team/api',
      r.manifest,
      r.configText,
      'arm64',
      r.fetchImpl,
      { now: NOW }
    )
    expect(result.layers).toBe(2)
    expect(result.uncompressedBytes).toBe(
      tar([{ path: 'bin/busybox', content: AARCH64_BINARY, mode: 0o755 }])
        .length +
        tar([
          { path: 'opt/extensions/ext', content: X86_64_BINARY, mode: 0o755 }
        ]).length
    )
    expect(byId(result.checks)).toEqual({
      'image.entrypoint': 'pass',
      'image.cmd': 'pass',
      'image.extension:/opt/extensions/ext': 'fail',
      'image.size': 'pass',
      'image.dotnet-support': 'pass'
    })
    // The config comes from the image check: only the layers are read.
    expect(r.requests).toHaveLength(2)
  })

  /** The AWS .NET base image with an app whose runtimeconfig names `version`. */
  function dotnetImage(app: FixtureEntry[]) {
    return registry(
      [...dotnetBaseLayers(AARCH64_BINARY), app].map(layer => gzipTar(layer)),
      {
        architecture: 'arm64',
        os: 'linux',
        config: {
          Entrypoint: DOTNET_BASE.entrypoint,
          Cmd: DOTNET_BASE.cmd,
          Env: DOTNET_BASE.env,
          WorkingDir: DOTNET_BASE.workingDir
        }
      }
    )
  }

  const runtimeConfig = (version: string): string =>
    JSON.stringify(
      {
        runtimeOptions: {
          tfm: `net${version.split('.').slice(0, 2).join('.')}`,
          frameworks: [
            { name: 'Microsoft.NETCore.App', version },
            { name: 'Microsoft.AspNetCore.App', version }
          ],
          configProperties: {
            'System.GC.Server': false,
            'System.Reflection.Metadata.MetadataUpdater.IsSupported': false
          }
        }
      },
      null,
      2
    )

  it.each<[string, string, number, string, RegExp]>([
    [
      '.NET 8 after its end of support',
      '8.0.11',
      NOW,
      'warn',
      /^The app runs on \.NET 8 \(MinimalApi\.runtimeconfig\.json: Microsoft\.NETCore\.App 8\.0\.11, Microsoft\.AspNetCore\.App 8\.0\.11\), out of Microsoft's support since 2026-11-10[\s\S]*public\.ecr\.aws\/lambda\/dotnet:8 is deprecated[\s\S]*dotnet8 runtime of \.zip functions blocks function creation from 2027-02-01 and updates from 2027-03-03[\s\S]*Move to \.NET 10 \(LTS, supported until 2028-11-14\): <TargetFramework>net10\.0<\/TargetFramework>, Amazon\.Lambda\.AspNetCoreServer\.Hosting 2\.x, FROM mcr\.microsoft\.com\/dotnet\/sdk:10\.0 to build and FROM public\.ecr\.aws\/lambda\/dotnet:10 for the image\.$/
    ],
    [
      '.NET 8 on its last day of support',
      '8.0.11',
      Date.parse('2026-11-10T23:59:59Z'),
      'pass',
      /^\.NET 8\.0 \(MinimalApi\.runtimeconfig\.json: [^)]*\), supported until 2026-11-10$/
    ],
    [
      '.NET 10',
      '10.0.1',
      NOW,
      'pass',
      /^\.NET 10\.0 \(MinimalApi\.runtimeconfig\.json: Microsoft\.NETCore\.App 10\.0\.1, Microsoft\.AspNetCore\.App 10\.0\.1\), supported until 2028-11-14$/
    ]
  ])(
    'reads the app runtimeconfig.json in the image: %s',
    async (_name, version, now, result, message) => {
      const r = dotnetImage([
        ...appLayer().filter(
          entry => !entry.path.endsWith('.runtimeconfig.json')
        ),
        {
          path: 'var/task/MinimalApi.runtimeconfig.json',
          content: runtimeConfig(version)
        }
      ])
      const { checks } = await preflightImage(
        auth,
        'team/api',
        r.manifest,
        r.configText,
        'arm64',
        r.fetchImpl,
        { now }
      )
      const support = checks.find(check => check.id === 'image.dotnet-support')
      expect(support?.result).toBe(result)
      expect(support?.message).toMatch(message)
      // Everything else about this image is fine.
      expect(
        checks.filter(check => check.id !== 'image.dotnet-support')
      ).toEqual(
        checks
          .filter(check => check.id !== 'image.dotnet-support')
          .map(check => ({ ...check, result: 'pass' }))
      )
      // A warning, never a stop: strict preflight still deploys.
      expect(decide(checks, 'strict').blocking).toEqual([])
    }
  )

  it("falls back to the deps.json runtimeTarget at the head of a large file, after a layer replaced the app's files", async () => {
    const deps = JSON.stringify(
      {
        runtimeTarget: {
          name: '.NETCoreApp,Version=v9.0/linux-arm64',
          signature: ''
        },
        compilationOptions: {},
        targets: {
          '.NETCoreApp,Version=v9.0/linux-arm64': Object.fromEntries(
            Array.from({ length: 2000 }, (_, i) => [
              `Package${i}/1.0.0`,
              { runtime: { [`lib/net9.0/Package${i}.dll`]: {} } }
            ])
          )
        }
      },
      null,
      2
    )
    expect(deps.length).toBeGreaterThan(100_000)
    const base = dotnetBaseLayers(AARCH64_BINARY)
    const r = registry(
      [
        ...base,
        // An older build of the app, replaced by the next layer.
        appLayer([
          {
            path: 'var/task/MinimalApi.deps.json',
            content: deps.replaceAll('v9.0', 'v10.0')
          }
        ]),
        [
          // No framework in the runtimeconfig (as a hand-written one may be).
          { path: 'var/task/MinimalApi.runtimeconfig.json', content: '{}' },
          { path: 'var/task/MinimalApi.deps.json', content: deps }
        ]
      ].map(layer => gzipTar(layer)),
      {
        architecture: 'arm64',
        os: 'linux',
        config: {
          Entrypoint: DOTNET_BASE.entrypoint,
          Cmd: DOTNET_BASE.cmd,
          WorkingDir: DOTNET_BASE.workingDir
        }
      }
    )
    const { checks } = await preflightImage(
      auth,
      'team/api',
      r.manifest,
      r.configText,
      'arm64',
      r.fetchImpl,
      { now: NOW }
    )
    const support = checks.find(check => check.id === 'image.dotnet-support')
    expect(support).toEqual({
      id: 'image.dotnet-support',
      title: '.NET support',
      result: 'warn',
      message: expect.stringMatching(
        /^The app runs on \.NET 9 \(MinimalApi\.deps\.json: \.NETCoreApp v9\.0\), out of Microsoft's support since 2026-11-10: no more security fixes\. Its Lambda base image public\.ecr\.aws\/lambda\/dotnet:9 is deprecated: it still deploys and runs, but gets no more patches\. Move to \.NET 10 /
      )
    })
  })

  it('reads no further layer once the run is cancelled (issue 22, item 5)', async () => {
    const layers = Array.from({ length: 5 }, (_, i) =>
      gzipTar([{ path: `app/${i}.txt`, content: Buffer.from(`layer ${i}`) }])
    )
    const r = registry(layers, {
      architecture: 'arm64',
      os: 'linux',
      config: {}
    })
    const cancel = new AbortController()
    let reads = 0
    const fetchImpl: Fetch = (input, init) => {
      // The runner cancels the job while the first three layers are read.
      if (++reads === 3) cancel.abort('SIGINT')
      return r.fetchImpl(input, init)
    }
    await expect(
      preflightImage(
        auth,
        'team/api',
        r.manifest,
        r.configText,
        'arm64',
        fetchImpl,
        { now: Date.now(), signal: cancel.signal }
      )
    ).rejects.toThrow('The run was cancelled (SIGINT).')
    // Three readers had started; the other two layers were never asked for.
    expect(r.requests).toHaveLength(3)
  })

  it('refuses a layer whose content does not match its digest', async () => {
    const good = gzipTar([
      { path: 'bin/busybox', content: AARCH64_BINARY, mode: 0o755 }
    ])
    const r = registry([good], {
      architecture: 'arm64',
      os: 'linux',
      config: {}
    })
    const tampered = r.manifest.replace(digest(good), digest('something else'))
    const fetchImpl: Fetch = (input, init) => {
      const url =
        typeof input === 'string'
          ? input
          : input instanceof URL
            ? input.href
            : input.url
      return r.fetchImpl(
        url.replace(digest('something else'), digest(good)),
        init
      )
    }
    await expect(
      preflightImage(
        auth,
        'team/api',
        tampered,
        r.configText,
        'arm64',
        fetchImpl,
        { now: NOW }
      )
    ).rejects.toThrow(/digest is sha256:[a-f0-9]{64}, not sha256:/)
  })

  it('reports a missing layer blob with the HTTP status', async () => {
    const r = registry([], { architecture: 'arm64', os: 'linux', config: {} })
    const manifest = JSON.stringify({
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: digest('gone'),
          size: 1
        }
      ]
    })
    await expect(
      preflightImage(
        auth,
        'team/api',
        manifest,
        r.configText,
        'arm64',
        r.fetchImpl,
        { now: NOW }
      )
    ).rejects.toThrow(/answered HTTP 404/)
  })
})

describe('preflightImage stops at the size limit', () => {
  const auth: RegistryAuth = {
    username: 'AWS',
    password: 'secret',
    endpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com'
  }
  const CONFIG = JSON.stringify({
    architecture: 'arm64',
    os: 'linux',
    config: { Entrypoint: ['/bin/busybox', 'httpd'] }
  })
  const KiB = 1024
  const MiB = 1024 * KiB

  /** A layer's body: what it streams, how much of it was sent, whether it was stopped. */
  interface Body {
    stream: () => Readable
    /** Its real digest, for a layer read to its end; made up otherwise. */
    digest?: string
  }
  interface Served {
    requests: string[]
    /** Compressed bytes handed to the reader. */
    sent: () => number
    /** Bodies that ended early because the reader stopped. */
    closed: () => number
    fetchImpl: Fetch
    manifest: string
  }

  function serve(
    layers: Body[],
    mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip'
  ): Served {
    const requests: string[] = []
    let sent = 0
    let closed = 0
    const digests = layers.map(
      (layer, i) => layer.digest ?? `sha256:${String(i).padStart(64, '0')}`
    )
    const fetchImpl: Fetch = input => {
      const url = typeof input === 'string' ? input : ''
      requests.push(url)
      const index = digests.findIndex(digest => url.endsWith(digest))
      const source = layers[index]?.stream()
      if (source === undefined) {
        return Promise.resolve(new Response('', { status: 404 }))
      }
      async function* counted(): AsyncGenerator<Buffer> {
        let ended = false
        try {
          for await (const chunk of source as AsyncIterable<Buffer>) {
            sent += chunk.length
            yield chunk
          }
          ended = true
        } finally {
          if (!ended) {
            closed++
            source?.destroy()
          }
        }
      }
      const body = Readable.toWeb(Readable.from(counted())) as ReadableStream
      return Promise.resolve(new Response(body))
    }
    const manifest = JSON.stringify({
      schemaVersion: 2,
      config: { digest: 'sha256:config' },
      layers: digests.map(digest => ({ mediaType, digest, size: 1 }))
    })
    return {
      requests,
      sent: () => sent,
      closed: () => closed,
      fetchImpl,
      manifest
    }
  }

  /** A tar of one 1 TiB file of zeros that never ends. */
  function* endlessTar(): Generator<Buffer> {
    yield header('huge', '0', 1024 ** 4)
    const zeros = Buffer.alloc(64 * KiB)
    for (;;) yield zeros
  }

  /**
   * Lets the cancelled streams finish closing: the test's own gzip producer
   * works on libuv's thread pool, so this takes a few milliseconds.
   */
  async function settled(done: () => boolean): Promise<void> {
    for (let turn = 0; turn < 400 && !done(); turn++) {
      await new Promise(resolve => setTimeout(resolve, 5))
    }
  }

  const run = (served: Served, limit: number) =>
    preflightImage(
      auth,
      'team/api',
      served.manifest,
      CONFIG,
      'arm64',
      served.fetchImpl,
      { now: NOW, sizeLimitBytes: limit }
    )

  it('stops a gzip bomb (an endless layer) once the uncompressed bytes reach the limit', async () => {
    const served = serve([
      { stream: () => Readable.from(endlessTar()).pipe(createGzip()) }
    ])
    const result = await run(served, 4 * MiB)
    expect(result.checks).toEqual([
      {
        id: 'image.size',
        title: 'Image size (uncompressed)',
        result: 'fail',
        message: expect.stringMatching(
          /^more than 4\.0 MiB, Lambda's limit for an image: UpdateFunctionCode would be refused\. Reading the layers stopped there, after 4\.\d MiB \(0 of 1 layers read whole\), so the image's files were not checked\./
        )
      }
    ])
    expect(result.uncompressedBytes).toBeGreaterThanOrEqual(4 * MiB)
    // At most one decompressed chunk past the limit.
    expect(result.uncompressedBytes).toBeLessThan(4 * MiB + 256 * KiB)
    expect(result.layers).toBe(1)
    await settled(() => served.closed() === 1)
    expect(served.closed()).toBe(1)
    // Zeros compress about a thousand to one: a few KiB of the endless body.
    expect(served.sent()).toBeLessThan(256 * KiB)
  })

  it('stops an endless uncompressed layer too', async () => {
    const served = serve(
      [{ stream: () => Readable.from(endlessTar()) }],
      'application/vnd.oci.image.layer.v1.tar'
    )
    const result = await run(served, 2 * MiB)
    expect(result.checks.map(check => [check.id, check.result])).toEqual([
      ['image.size', 'fail']
    ])
    expect(result.uncompressedBytes).toBeLessThan(2 * MiB + 256 * KiB)
    await settled(() => served.closed() === 1)
    expect(served.closed()).toBe(1)
  })

  it('stops the layers read alongside, and does not start the rest', async () => {
    const oneMiB = gzipTar([{ path: 'blob', content: Buffer.alloc(MiB, 1) }])
    const served = serve(
      Array.from({ length: 8 }, () => ({
        stream: () => Readable.from([oneMiB]),
        digest: `sha256:${createHash('sha256').update(oneMiB).digest('hex')}`
      }))
    )
    const result = await run(served, 2 * MiB + 512 * KiB)
    expect(result.checks).toHaveLength(1)
    expect(result.checks[0]?.message).toMatch(
      /after 2\.\d MiB \([0-2] of 8 layers read whole\)/
    )
    expect(result.layers).toBe(8)
    // Three at a time: those in flight stop at the limit, and the layers
    // after them are never asked for.
    expect(served.requests.length).toBeGreaterThanOrEqual(3)
    expect(served.requests.length).toBeLessThan(6)
  })

  it('reads each layer to its end (and checks its digest) under the limit', async () => {
    const base = gzipTar([
      { path: 'bin/busybox', content: AARCH64_BINARY, mode: 0o755 }
    ])
    const served = serve([{ stream: () => Readable.from([base]) }])
    // The digests are made up here: the stop is what is tested, not them.
    await expect(run(served, 10 * MiB)).rejects.toThrow(
      /whose digest is sha256:[a-f0-9]{64}, not sha256:0{64}/
    )
  })

  it("uses Lambda's 10 GiB by default", () => {
    expect(SIZE_LIMIT_BYTES).toBe(10 * 1024 ** 3)
    expect(
      sizeStoppedCheck(SIZE_LIMIT_BYTES + 5, SIZE_LIMIT_BYTES, 3, 7)
    ).toEqual({
      id: 'image.size',
      title: 'Image size (uncompressed)',
      result: 'fail',
      message:
        "more than 10.00 GiB, Lambda's limit for an image: UpdateFunctionCode would be refused. Reading the layers stopped there, after 10.00 GiB (3 of 7 layers read whole), so the image's files were not checked. Make the image smaller (multi-stage build, publish only the app, no SDK in the final stage)."
    })
  })
})

describe("the function's ImageConfig", () => {
  it.each<[string, Parameters<typeof applyOverride>[1], Partial<StartConfig>]>([
    [
      'no override',
      undefined,
      { entrypoint: ['/lambda-entrypoint.sh'], cmd: ['MinimalApi'] }
    ],
    [
      'Command replaces CMD only',
      {
        entryPoint: undefined,
        command: ['Other'],
        workingDirectory: undefined
      },
      { entrypoint: ['/lambda-entrypoint.sh'], cmd: ['Other'] }
    ],
    [
      'EntryPoint and WorkingDirectory replace theirs',
      { entryPoint: ['/app/run'], command: [], workingDirectory: '/app' },
      { entrypoint: ['/app/run'], cmd: ['MinimalApi'], workingDir: '/app' }
    ]
  ])('%s', (_name, override, expected) => {
    expect(applyOverride(DOTNET_BASE, override)).toMatchObject(expected)
  })

  it('is what the CMD check judges: a Command override naming the app passes an image without CMD', async () => {
    const start = applyOverride(
      { ...DOTNET_BASE, cmd: [] },
      {
        entryPoint: undefined,
        command: ['MinimalApi'],
        workingDirectory: undefined
      }
    )
    const checks = await checksFor(start, [
      ...dotnetBaseLayers(AARCH64_BINARY),
      appLayer()
    ])
    expect(checks.find(c => c.id === 'image.cmd')?.result).toBe('pass')
  })
})
