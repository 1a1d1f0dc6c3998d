import { describe, expect, it } from '@jest/globals'
import {
  DOTNET_RELEASES,
  dotnetSupportCheck,
  frameworkTargets,
  isPastSupport,
  parseDepsRuntimeTarget,
  parseRuntimeConfig,
  upgradeTarget,
  type DotnetRelease
} from '../../../src/checks/preflight/dotnet-support.js'
import type {
  ImageFile,
  ImageFiles
} from '../../../src/checks/preflight/layers.js'

const at = (iso: string): number => Date.parse(iso)

const release = (version: string): DotnetRelease => {
  const found = DOTNET_RELEASES.find(r => r.version === version)
  if (found === undefined) throw new Error(`no row for ${version}`)
  return found
}

describe('the support table', () => {
  it('has one row per version, dates as YYYY-MM-DD', () => {
    const versions = DOTNET_RELEASES.map(r => r.version)
    expect(new Set(versions).size).toBe(versions.length)
    for (const row of DOTNET_RELEASES) {
      expect(row.version).toMatch(/^\d+\.\d+$/)
      expect(row.endOfSupport).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(Number.isNaN(Date.parse(row.endOfSupport))).toBe(false)
    }
  })

  it.each<[string, string, string | undefined]>([
    // Microsoft's .NET support policy; AWS Lambda lambda-csharp, csharp-image.
    ['8.0', '2026-11-10', '8'],
    ['9.0', '2026-11-10', '9'],
    ['10.0', '2028-11-14', '10']
  ])('.NET %s: end of support %s, Lambda image tag %s', (v, end, tag) => {
    expect(release(v).endOfSupport).toBe(end)
    expect(release(v).lambdaImage).toBe(tag)
  })

  it('has the managed dotnet8 runtime blocks of the Lambda guide', () => {
    expect(release('8.0').lambdaRuntime).toEqual({
      id: 'dotnet8',
      blockCreate: '2027-02-01',
      blockUpdate: '2027-03-03'
    })
  })
})

describe('isPastSupport', () => {
  it.each<[string, string, boolean]>([
    ['8.0', '2026-11-09T12:00:00Z', false],
    ['8.0', '2026-11-10T23:59:59Z', false],
    ['8.0', '2026-11-11T00:00:00Z', true],
    ['8.0', '2026-12-06T12:00:00Z', true],
    ['9.0', '2026-12-06T12:00:00Z', true],
    ['10.0', '2026-12-06T12:00:00Z', false],
    ['10.0', '2028-11-15T00:00:00Z', true],
    ['6.0', '2025-01-01T00:00:00Z', true]
  ])('.NET %s at %s: %s', (version, now, past) => {
    expect(isPastSupport(release(version), at(now))).toBe(past)
  })
})

describe('upgradeTarget', () => {
  it.each<[string, string | undefined]>([
    // Before .NET 10's row mattered, the newest supported LTS with an image.
    ['2026-06-01T00:00:00Z', '10.0'],
    ['2026-12-06T12:00:00Z', '10.0'],
    // After every LTS in the table is past: none to name.
    ['2029-01-01T00:00:00Z', undefined]
  ])('at %s: %s', (now, version) => {
    expect(upgradeTarget(at(now))?.version).toBe(version)
  })

  it('never names an STS release or one without a Lambda image', () => {
    const rows: DotnetRelease[] = [
      { version: '12.0', lts: true, endOfSupport: '2030-11-12' },
      {
        version: '11.0',
        lts: false,
        endOfSupport: '2028-11-14',
        lambdaImage: '11'
      },
      {
        version: '10.0',
        lts: true,
        endOfSupport: '2028-11-14',
        lambdaImage: '10'
      }
    ]
    expect(upgradeTarget(at('2026-12-06T00:00:00Z'), rows)?.version).toBe(
      '10.0'
    )
  })
})

describe('dotnetSupportCheck', () => {
  const NOW = at('2026-12-06T12:00:00Z')

  it.each<[string, { version: string; source: string }[], string, RegExp]>([
    [
      '.NET 8 after 2026-11-10',
      [
        {
          version: '8.0',
          source: 'A.runtimeconfig.json: Microsoft.AspNetCore.App 8.0.0'
        }
      ],
      'warn',
      /^The app runs on \.NET 8 \(A\.runtimeconfig\.json: Microsoft\.AspNetCore\.App 8\.0\.0\), out of Microsoft's support since 2026-11-10: no more security fixes\. Its Lambda base image public\.ecr\.aws\/lambda\/dotnet:8 is deprecated: it still deploys and runs, but gets no more patches\. \(The managed dotnet8 runtime of \.zip functions blocks function creation from 2027-02-01 and updates from 2027-03-03\.\) Move to \.NET 10 \(LTS, supported until 2028-11-14\): <TargetFramework>net10\.0<\/TargetFramework>, Amazon\.Lambda\.AspNetCoreServer\.Hosting 2\.x, FROM mcr\.microsoft\.com\/dotnet\/sdk:10\.0 to build and FROM public\.ecr\.aws\/lambda\/dotnet:10 for the image\.$/
    ],
    [
      '.NET 9 (container only: no managed runtime dates)',
      [{ version: '9.0', source: 'A.deps.json: .NETCoreApp v9.0' }],
      'warn',
      /^The app runs on \.NET 9 \(A\.deps\.json: \.NETCoreApp v9\.0\), out of Microsoft's support since 2026-11-10: no more security fixes\. Its Lambda base image public\.ecr\.aws\/lambda\/dotnet:9 is deprecated: it still deploys and runs, but gets no more patches\. Move to \.NET 10 /
    ],
    [
      '.NET 6 (no Lambda image in the table)',
      [
        {
          version: '6.0',
          source: 'A.runtimeconfig.json: Microsoft.NETCore.App 6.0.0'
        }
      ],
      'warn',
      /^The app runs on \.NET 6 \([^)]*\), out of Microsoft's support since 2024-11-12: no more security fixes\. Move to \.NET 10 /
    ],
    [
      '.NET 10',
      [
        {
          version: '10.0',
          source: 'A.runtimeconfig.json: Microsoft.AspNetCore.App 10.0.0'
        }
      ],
      'pass',
      /^\.NET 10\.0 \(A\.runtimeconfig\.json: Microsoft\.AspNetCore\.App 10\.0\.0\), supported until 2028-11-14$/
    ],
    [
      'a version the table does not know',
      [
        {
          version: '12.0',
          source: 'A.runtimeconfig.json: Microsoft.NETCore.App 12.0.0'
        }
      ],
      'pass',
      /^\.NET 12\.0 \([^)]*\): not in this action's support table, not checked$/
    ],
    [
      'nothing found',
      [],
      'pass',
      /^no \*\.runtimeconfig\.json or \*\.deps\.json naming a \.NET version in \/var\/task: not checked$/
    ],
    [
      'two apps, one of them past support',
      [
        { version: '10.0', source: 'A.runtimeconfig.json: x 10.0.0' },
        { version: '8.0', source: 'B.runtimeconfig.json: x 8.0.0' }
      ],
      'warn',
      /^The app runs on \.NET 8 \(B\.runtimeconfig\.json/
    ]
  ])('%s', (_name, targets, result, message) => {
    const check = dotnetSupportCheck(targets, NOW)
    expect(check.id).toBe('image.dotnet-support')
    expect(check.result).toBe(result)
    expect(check.message).toMatch(message)
  })

  it('is never a failure, whatever the date', () => {
    for (const row of DOTNET_RELEASES) {
      expect(
        dotnetSupportCheck(
          [{ version: row.version, source: 'x' }],
          at('2100-01-01T00:00:00Z')
        ).result
      ).toBe('warn')
    }
  })

  it('without a supported LTS left, still says where to look', () => {
    expect(
      dotnetSupportCheck(
        [{ version: '10.0', source: 'x' }],
        at('2029-06-01T00:00:00Z')
      ).message
    ).toMatch(
      /Move to a supported \.NET release \(https:\/\/dotnet\.microsoft\.com\/platform\/support\/policy\/dotnet-core\)\.$/
    )
  })
})

describe('parseRuntimeConfig', () => {
  it.each<[string, string, { name: string; version: string }[]]>([
    [
      'framework (one shared framework)',
      '{"runtimeOptions":{"tfm":"net8.0","framework":{"name":"Microsoft.AspNetCore.App","version":"8.0.0"}}}',
      [{ name: 'Microsoft.AspNetCore.App', version: '8.0.0' }]
    ],
    [
      'frameworks (several)',
      '{"runtimeOptions":{"frameworks":[{"name":"Microsoft.NETCore.App","version":"10.0.0"},{"name":"Microsoft.AspNetCore.App","version":"10.0.0"}]}}',
      [
        { name: 'Microsoft.NETCore.App', version: '10.0.0' },
        { name: 'Microsoft.AspNetCore.App', version: '10.0.0' }
      ]
    ],
    [
      'includedFrameworks (self-contained)',
      '{"runtimeOptions":{"includedFrameworks":[{"name":"Microsoft.NETCore.App","version":"9.0.4"}]}}',
      [{ name: 'Microsoft.NETCore.App', version: '9.0.4' }]
    ],
    ['no runtimeOptions', '{}', []],
    ['not JSON', '{"runtimeOptions":', []],
    ['not an object', '"net8.0"', []],
    [
      'entries of the wrong shape',
      '{"runtimeOptions":{"framework":"Microsoft.NETCore.App","frameworks":[null,{"name":1,"version":"8.0.0"}]}}',
      []
    ]
  ])('%s', (_name, text, frameworks) => {
    expect(parseRuntimeConfig(text)).toEqual(frameworks)
  })
})

describe('parseDepsRuntimeTarget', () => {
  it.each<[string, string | undefined]>([
    [
      '{\n  "runtimeTarget": {\n    "name": ".NETCoreApp,Version=v8.0/linux-x64",\n    "signature": ""\n  },',
      '8.0'
    ],
    ['{"runtimeTarget":{"name":".NETCoreApp,Version=v10.0"', '10.0'],
    ['{"runtimeTarget":{"name":".NETStandard,Version=v2.0/"}}', undefined],
    ['{"targets":{}}', undefined]
  ])('%j → %s', (head, version) => {
    expect(parseDepsRuntimeTarget(head)).toBe(version)
  })
})

describe('frameworkTargets', () => {
  const file = (text: string): ImageFile => ({
    type: 'file',
    mode: 0o644,
    size: text.length,
    linkTarget: undefined,
    head: Buffer.from(text)
  })
  const config = (version: string): ImageFile =>
    file(
      JSON.stringify({
        runtimeOptions: {
          framework: { name: 'Microsoft.AspNetCore.App', version }
        }
      })
    )

  it('reads the app CMD names when its files are there', () => {
    const files: ImageFiles = new Map([
      ['/var/task/Api.runtimeconfig.json', config('10.0.1')],
      ['/var/task/Tool.runtimeconfig.json', config('8.0.0')]
    ])
    expect(frameworkTargets(files, 'Api')).toEqual([
      {
        version: '10.0',
        source: 'Api.runtimeconfig.json: Microsoft.AspNetCore.App 10.0.1'
      }
    ])
  })

  it('reads every app in the task root when CMD names none of them', () => {
    const files: ImageFiles = new Map([
      ['/var/task/Tool.runtimeconfig.json', config('8.0.0')],
      ['/var/task/Api.runtimeconfig.json', config('10.0.1')],
      ['/var/task/Api.dll', file('MZ')],
      ['/opt/other/Old.runtimeconfig.json', config('6.0.0')]
    ])
    expect(
      frameworkTargets(files, 'Api::Api.Function::Handler').map(t => t.version)
    ).toEqual(['10.0'])
    expect(frameworkTargets(files, 'Missing').map(t => t.version)).toEqual([
      '10.0',
      '8.0'
    ])
    expect(frameworkTargets(files, undefined).map(t => t.version)).toEqual([
      '10.0',
      '8.0'
    ])
  })

  it('falls back to the deps.json when the runtimeconfig names no framework', () => {
    const files: ImageFiles = new Map([
      ['/var/task/Api.runtimeconfig.json', file('{"runtimeOptions":{}}')],
      [
        '/var/task/Api.deps.json',
        file('{"runtimeTarget":{"name":".NETCoreApp,Version=v9.0/linux-x64"')
      ]
    ])
    expect(frameworkTargets(files, 'Api')).toEqual([
      { version: '9.0', source: 'Api.deps.json: .NETCoreApp v9.0' }
    ])
  })

  it('finds nothing in an image without a .NET app', () => {
    expect(
      frameworkTargets(new Map([['/bin/busybox', file('\x7fELF')]]), 'httpd')
    ).toEqual([])
  })
})
