import { describe, expect, it } from '@jest/globals'
import {
  htmlText,
  markdownCode,
  markdownText
} from '../../src/util/markdown.js'

const ZWSP = '&#8203;'

describe('markdownText', () => {
  it.each([
    [
      'plain text stays as it is',
      'Smoke test failed: status 500',
      'Smoke test failed: status 500'
    ],
    [
      'a Markdown link is not a link',
      'see [the docs](https://evil.example/x)',
      'see \\[the docs\\](https://evil.example/x)'
    ],
    [
      'an image is not loaded',
      '![pixel](https://evil.example/p.png)',
      '!\\[pixel\\](https://evil.example/p.png)'
    ],
    [
      'an autolink in angle brackets is not a link',
      '<https://evil.example>',
      '&lt;https://evil.example&gt;'
    ],
    [
      'an @mention notifies no one',
      'ping @octocat and @org/team',
      `ping @${ZWSP}octocat and @${ZWSP}org/team`
    ],
    ['a mention at the start', '@octocat', `@${ZWSP}octocat`],
    [
      'an image digest and an e-mail address are not mentions',
      'repo@sha256:abc mail a@b.example',
      'repo@sha256:abc mail a@b.example'
    ],
    [
      'HTML is shown, not rendered',
      '<img src=x onerror=alert(1)> & <a href="https://evil.example">x</a>',
      '&lt;img src=x onerror=alert(1)&gt; &amp; &lt;a href="https://evil.example"&gt;x&lt;/a&gt;'
    ],
    ['an entity is shown as written', '&lt;', '&amp;lt;'],
    ['a pipe does not end a table cell', 'a | b', 'a \\| b'],
    ['backticks open no code span', 'run `rm -rf /`', 'run \\`rm -rf /\\`'],
    [
      'emphasis and strikethrough are shown as written',
      '*a* _b_ ~~c~~',
      '\\*a\\* \\_b\\_ \\~\\~c\\~\\~'
    ],
    ['a backslash stays a backslash', 'C:\\path', 'C:\\\\path'],
    [
      'newlines become spaces: one line, one cell',
      'first\nsecond\r\nthird',
      'first second third'
    ],
    ['a heading at the start is text', '# Title', '\\# Title'],
    ['a list item at the start is text', '- item', '\\- item'],
    ['a numbered item at the start is text', '1. item', '1\\. item'],
    ['a quote at the start is text', '> quoted', '&gt; quoted'],
    [
      'a plain URL stays the link it reads, _ and all',
      'from http://127.0.0.1:4610/_url/shop_pr-7/ after 1 attempt',
      'from http://127.0.0.1:4610/_url/shop_pr-7/ after 1 attempt'
    ],
    [
      'a plain URL in parentheses, with text around it escaped',
      '✅ passed (HTTP 200 from https://u.example/a_b) *now*',
      '✅ passed (HTTP 200 from https://u.example/a_b) \\*now\\*'
    ],
    [
      'a plain URL at the start',
      'https://u.example/_x',
      'https://u.example/_x'
    ],
    [
      'a URL keeps its plain part; the rest is escaped',
      'https://u.example/a_b?q=<x>',
      'https://u.example/a_b?q=&lt;x&gt;'
    ],
    [
      'a URL inside a longer word is text',
      'xhttps://u.example/a_b',
      'xhttps://u.example/a\\_b'
    ],
    [
      'a mention right after a URL notifies no one',
      'https://u.example/x@octocat',
      `https://u.example/x@${ZWSP}octocat`
    ]
  ])('%s', (_name, text, expected) => {
    expect(markdownText(text)).toBe(expected)
  })
})

describe('markdownCode', () => {
  it.each([
    ['a name', 'my-api', '`my-api`'],
    ['a backtick cannot end the span', 'a`b', "`a'b`"],
    ['a pipe cannot end the table cell', 'a|b', '`a\\|b`'],
    ['one line', 'a\nb', '`a b`'],
    [
      'a mention inside code notifies no one and stays',
      '@octocat',
      '`@octocat`'
    ]
  ])('%s', (_name, text, expected) => {
    expect(markdownCode(text)).toBe(expected)
  })
})

describe('htmlText', () => {
  it.each([
    ['tags are shown', '<b>x</b>', '&lt;b&gt;x&lt;/b&gt;'],
    ['quotes and ampersands', '"a" & b', '&quot;a&quot; &amp; b'],
    ['mentions notify no one', 'hi @octocat', `hi @${ZWSP}octocat`],
    ['one line', 'a\nb', 'a b']
  ])('%s', (_name, text, expected) => {
    expect(htmlText(text)).toBe(expected)
  })
})
