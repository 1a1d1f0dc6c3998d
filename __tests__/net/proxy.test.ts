import { describe, expect, it } from '@jest/globals'
import {
  describeProxy,
  parseNoProxy,
  proxyAuthorization,
  proxyFor,
  proxySecrets,
  proxySettings,
  type ProxyEnv
} from '../../src/net/proxy.js'

const PROXY = 'http://proxy.corp:3128'

/** Where a request to `url` goes with HTTPS_PROXY = HTTP_PROXY = PROXY. */
function route(url: string, noProxy: string): string {
  const settings = proxySettings({
    HTTPS_PROXY: PROXY,
    HTTP_PROXY: PROXY,
    NO_PROXY: noProxy
  })
  return proxyFor(url, settings) === undefined ? 'direct' : 'proxy'
}

describe('NO_PROXY', () => {
  it.each([
    // no list: everything through the proxy, loopback included
    ['https://lambda.us-east-1.amazonaws.com/', '', 'proxy'],
    ['http://127.0.0.1:4566/', '', 'proxy'],
    ['http://localhost:8080/', '', 'proxy'],
    ['http://[::1]:8080/', '', 'proxy'],
    // `*` alone: nothing through the proxy
    ['https://api.github.com/', '*', 'direct'],
    ['https://api.github.com/', 'example.com,*', 'direct'],
    // a host name: itself and every name under it, nothing else
    ['https://amazonaws.com/', 'amazonaws.com', 'direct'],
    ['https://lambda.us-east-1.amazonaws.com/', 'amazonaws.com', 'direct'],
    ['https://notamazonaws.com/', 'amazonaws.com', 'proxy'],
    ['https://amazonaws.com.evil.example/', 'amazonaws.com', 'proxy'],
    // a leading dot or `*.` means the same
    ['https://ecr.eu-west-1.amazonaws.com/', '.amazonaws.com', 'direct'],
    ['https://amazonaws.com/', '.amazonaws.com', 'direct'],
    ['https://ecr.eu-west-1.amazonaws.com/', '*.amazonaws.com', 'direct'],
    // case, spaces, empty entries and a final dot do not matter
    ['https://API.GitHub.com/', ' Example.org , ,GITHUB.COM. ', 'direct'],
    ['https://api.github.com./', 'github.com', 'direct'],
    ['https://api.github.com/', 'example.org github.com', 'direct'],
    // host:port: only that port (the scheme's default when the URL has none)
    ['http://registry.local:5000/v2/', 'registry.local:5000', 'direct'],
    ['http://registry.local:5001/v2/', 'registry.local:5000', 'proxy'],
    ['https://registry.local/v2/', 'registry.local:443', 'direct'],
    ['http://registry.local/v2/', 'registry.local:443', 'proxy'],
    // IP addresses: as written, never resolved
    ['http://127.0.0.1:4566/', '127.0.0.1', 'direct'],
    ['http://127.0.0.1:4566/', '127.0.0.1:4566', 'direct'],
    ['http://127.0.0.1:4567/', '127.0.0.1:4566', 'proxy'],
    ['http://127.0.0.2:4566/', '127.0.0.1', 'proxy'],
    ['http://127.0.0.1:4566/', 'localhost', 'proxy'],
    ['http://localhost:4566/', '127.0.0.1', 'proxy'],
    ['http://[::1]:8080/', '::1', 'direct'],
    ['http://[::1]:8080/', '[::1]:8080', 'direct'],
    ['http://[::1]:8081/', '[::1]:8080', 'proxy'],
    ['http://[0:0:0:0:0:0:0:1]/', '::1', 'direct'],
    // CIDR ranges
    ['http://10.1.2.3/', '10.0.0.0/8', 'direct'],
    ['http://11.1.2.3/', '10.0.0.0/8', 'proxy'],
    ['http://169.254.169.254/latest', '169.254.0.0/16', 'direct'],
    ['http://[fd00::5]/', 'fd00::/8', 'direct'],
    ['http://fd00.example/', 'fd00::/8', 'proxy'],
    // what cannot be read is ignored, the rest still counts
    ['https://api.github.com/', 'exa*mple.com,github.com', 'direct'],
    ['https://api.github.com/', '10.0.0.0/99', 'proxy'],
    ['https://api.github.com/', '.', 'proxy']
  ])('%s with NO_PROXY=%j goes %s', (url, noProxy, expected) => {
    expect(route(url, noProxy)).toBe(expected)
  })

  it('reads each kind of entry', () => {
    expect(
      parseNoProxy('*, .a.example:8443, 10.0.0.1, [::1]:80').map(r => r.kind)
    ).toEqual(['all', 'domain', 'ip', 'ip'])
    expect(parseNoProxy('.a.example:8443')).toEqual([
      { kind: 'domain', domain: 'a.example', port: 8443 }
    ])
  })
})

describe('which variable', () => {
  it.each<[string, ProxyEnv, string, string | undefined]>([
    [
      'https uses HTTPS_PROXY',
      { HTTPS_PROXY: PROXY },
      'https://a/',
      PROXY + '/'
    ],
    ['http uses HTTP_PROXY', { HTTP_PROXY: PROXY }, 'http://a/', PROXY + '/'],
    [
      'https does not fall back to HTTP_PROXY (curl, @actions/http-client)',
      { HTTP_PROXY: PROXY },
      'https://a/',
      undefined
    ],
    [
      'http does not use HTTPS_PROXY',
      { HTTPS_PROXY: PROXY },
      'http://a/',
      undefined
    ],
    [
      'the lower-case name wins',
      { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' },
      'https://a/',
      'http://lower:1/'
    ],
    [
      'an empty lower-case name counts as unset',
      { https_proxy: ' ', HTTPS_PROXY: 'http://upper:2' },
      'https://a/',
      'http://upper:2/'
    ],
    [
      'host:port alone is http://',
      { HTTPS_PROXY: 'proxy:3128' },
      'https://a/',
      'http://proxy:3128/'
    ],
    [
      'an https:// proxy',
      { HTTPS_PROXY: 'https://proxy:443' },
      'https://a/',
      'https://proxy/'
    ],
    [
      'no_proxy in lower case',
      { HTTPS_PROXY: PROXY, no_proxy: 'a' },
      'https://a/',
      undefined
    ],
    [
      'other schemes never',
      { HTTPS_PROXY: PROXY, HTTP_PROXY: PROXY },
      'ftp://a/',
      undefined
    ]
  ])('%s', (_name, env, url, expected) => {
    expect(proxyFor(url, proxySettings(env))?.href).toBe(expected)
  })

  it('no proxy variable: no settings at all, NO_PROXY alone changes nothing', () => {
    expect(proxySettings({})).toBeUndefined()
    expect(proxySettings({ NO_PROXY: '*', HTTPS_PROXY: '' })).toBeUndefined()
  })

  it.each([
    [
      'socks5://proxy:1080',
      /HTTPS_PROXY uses socks5:\/\/.*http:\/\/ or https:\/\//
    ],
    ['http://', /HTTPS_PROXY is not a URL/],
    ['http://us er:p@ss@:3128', /HTTPS_PROXY is not a URL/]
  ])('refuses %j naming the variable, never its value', (value, message) => {
    let thrown: unknown
    try {
      proxySettings({ HTTPS_PROXY: value })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(Error)
    expect((thrown as Error).message).toMatch(message)
    expect((thrown as Error).message).not.toContain('p@ss')
  })
})

describe('credentials', () => {
  const env = {
    HTTPS_PROXY: 'http://deploy:s3cr%40t@proxy.corp:3128',
    HTTP_PROXY: 'http://deploy:s3cr%40t@proxy.corp:3128',
    NO_PROXY: '169.254.169.254,.internal'
  }
  const settings = proxySettings(env)

  it('makes a Basic Proxy-Authorization of the decoded user and password', () => {
    expect(proxyAuthorization(new URL(env.HTTPS_PROXY))).toBe(
      `Basic ${Buffer.from('deploy:s3cr@t').toString('base64')}`
    )
    expect(proxyAuthorization(new URL(PROXY))).toBeUndefined()
  })

  it('the log line names the proxy without credentials, and what goes directly', () => {
    expect(settings && describeProxy(settings)).toBe(
      'Using proxy http://proxy.corp:3128 (NO_PROXY: 169.254.169.254,.internal)'
    )
  })

  it('the log line tells two proxies apart, and says when NO_PROXY is not set', () => {
    const two = proxySettings({
      HTTPS_PROXY: 'http://a:p@tls.corp:3128',
      HTTP_PROXY: 'http://plain.corp:80'
    })
    expect(two && describeProxy(two)).toBe(
      'Using proxy http://tls.corp:3128 for https, http://plain.corp for http (NO_PROXY: not set)'
    )
  })

  it('masks the password as written and decoded, the URLs and the header', () => {
    const secrets = settings ? proxySecrets(env, settings) : []
    expect(secrets).toEqual(
      expect.arrayContaining([
        's3cr%40t',
        's3cr@t',
        'http://deploy:s3cr%40t@proxy.corp:3128/',
        'http://deploy:s3cr%40t@proxy.corp:3128',
        Buffer.from('deploy:s3cr@t').toString('base64')
      ])
    )
    // The user name is not secret when there is a password.
    expect(secrets).not.toContain('deploy')
  })

  it('a user name alone is a token: it is masked', () => {
    const tokenEnv = { HTTPS_PROXY: 'http://tok3n@proxy:3128' }
    const tokenSettings = proxySettings(tokenEnv)
    expect(tokenSettings && proxySecrets(tokenEnv, tokenSettings)).toContain(
      'tok3n'
    )
  })

  it('nothing to mask without credentials', () => {
    const plain = { HTTPS_PROXY: PROXY }
    const plainSettings = proxySettings(plain)
    expect(plainSettings && proxySecrets(plain, plainSettings)).toEqual([])
  })
})
