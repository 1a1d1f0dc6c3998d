import { describe, expect, it } from '@jest/globals'
import {
  baseImages,
  expand,
  instructions,
  platformArgs
} from '../../src/build/from.js'

const AUTO = platformArgs('linux/arm64', 'linux/amd64')
const images = (dockerfile: string, buildArgs: string[] = []) =>
  baseImages(dockerfile, buildArgs, AUTO)

describe('baseImages', () => {
  it('reads the images of a multi-stage .NET Dockerfile, not its stages', () => {
    expect(
      images(
        [
          'FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build',
          'WORKDIR /src',
          'COPY . .',
          'RUN dotnet publish -c Release -o /app',
          'FROM public.ecr.aws/lambda/dotnet:8 AS runtime',
          'COPY --from=build /app ${LAMBDA_TASK_ROOT}',
          'FROM runtime'
        ].join('\n')
      )
    ).toEqual({
      kind: 'images',
      images: [
        'mcr.microsoft.com/dotnet/sdk:8.0',
        'public.ecr.aws/lambda/dotnet:8'
      ]
    })
  })

  it('expands ARGs declared before the first FROM, with build-args winning', () => {
    const dockerfile = [
      'ARG BASE=public.ecr.aws/lambda/dotnet',
      'ARG VERSION=8',
      'FROM ${BASE}:${VERSION}'
    ].join('\n')
    expect(images(dockerfile)).toEqual({
      kind: 'images',
      images: ['public.ecr.aws/lambda/dotnet:8']
    })
    expect(images(dockerfile, ['VERSION=9', 'UNDECLARED=x'])).toEqual({
      kind: 'images',
      images: ['public.ecr.aws/lambda/dotnet:9']
    })
  })

  it('uses the automatic platform ARGs in FROM', () => {
    expect(images('FROM example.com/base:1-$TARGETARCH')).toEqual({
      kind: 'images',
      images: ['example.com/base:1-arm64']
    })
  })

  it('is unknown when a FROM uses a variable without a value', () => {
    expect(images('ARG BASE\nFROM ${BASE}')).toEqual({
      kind: 'unknown',
      reason: 'FROM ${BASE}: a variable in it has no value'
    })
  })

  it('leaves out scratch and stage numbers, keeps COPY --from and RUN --mount from= images', () => {
    expect(
      images(
        [
          'FROM scratch AS empty',
          'FROM busybox:1.36',
          'COPY --from=0 / /',
          'COPY --from=empty / /',
          'COPY --from=nginx:latest /etc/nginx /etc/nginx',
          'RUN --mount=type=bind,from=example.com/tools:2,target=/t /t/run',
          'ADD --chown=1 --from=busybox:1.36 /x /x'
        ].join('\n')
      )
    ).toEqual({
      kind: 'images',
      images: ['busybox:1.36', 'nginx:latest', 'example.com/tools:2']
    })
  })

  it('adds the # syntax= frontend image', () => {
    expect(images('# syntax=docker/dockerfile:1\nFROM scratch\n')).toEqual({
      kind: 'images',
      images: ['docker/dockerfile:1']
    })
  })

  it('does not read FROM inside a heredoc, a comment or a continuation', () => {
    expect(
      images(
        [
          'FROM alpine:3',
          '# FROM commented:1',
          'RUN <<EOF',
          'FROM inside-heredoc:1',
          'EOF',
          'RUN echo \\',
          '  FROM continued:1',
          'from lower-case:2'
        ].join('\n')
      )
    ).toEqual({ kind: 'images', images: ['alpine:3', 'lower-case:2'] })
  })
})

describe('instructions', () => {
  it('honours the escape directive', () => {
    expect(
      instructions('# escape=`\nFROM a `\n  AS b\nRUN x\n').map(i => [
        i.keyword,
        i.args.replace(/\s+/g, ' ')
      ])
    ).toEqual([
      ['FROM', 'a AS b'],
      ['RUN', 'x']
    ])
  })
})

describe('expand', () => {
  it.each([
    ['$A', { A: '1' }, '1'],
    ['${A}-${B}', { A: '1', B: '2' }, '1-2'],
    ['${A:-def}', {}, 'def'],
    ['${A:-def}', { A: '' }, 'def'],
    ['${A-def}', { A: '' }, ''],
    ['${A:+alt}', { A: 'x' }, 'alt'],
    ['${A:+alt}', {}, ''],
    ['$A', {}, undefined],
    ['${A', { A: '1' }, undefined]
  ])('%p with %p → %p', (text, vars, expected) => {
    expect(expand(text, vars as Record<string, string>)).toBe(expected)
  })
})
