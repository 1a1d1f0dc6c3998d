/**
 * Small helpers the end-to-end suites share: what a run reported, what the
 * function runs now, what a URL answers, a fresh app build context.
 */
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { GetFunctionCommand } from '@aws-sdk/client-lambda'
import { awsClients, type ActionResult } from './fixtures.js'
import { makeAppContext, type AppOptions } from './images.js'

function annotations(result: ActionResult, level: 'error' | 'warning'): string {
  return result.annotations
    .filter(a => a.level === level)
    .map(a => a.message)
    .join('\n')
}

/** The run's ::error annotations, one per line. */
export const errors = (result: ActionResult): string =>
  annotations(result, 'error')

/** The run's ::warning annotations, one per line. */
export const warnings = (result: ActionResult): string =>
  annotations(result, 'warning')

/** What the function runs now, as Lambda reports it. */
export async function deployed(
  functionName: string
): Promise<{ digest: string; lastUpdateStatus: string | undefined }> {
  const fn = await awsClients().lambda.send(
    new GetFunctionCommand({ FunctionName: functionName })
  )
  const match = /@(sha256:[a-f0-9]{64})$/.exec(fn.Code?.ResolvedImageUri ?? '')
  if (match?.[1] === undefined) {
    throw new Error(`no digest in ${fn.Code?.ResolvedImageUri ?? 'nothing'}`)
  }
  return {
    digest: match[1],
    lastUpdateStatus: fn.Configuration?.LastUpdateStatus
  }
}

export async function deployedDigest(functionName: string): Promise<string> {
  return (await deployed(functionName)).digest
}

/** Ask a URL, as a user would. */
export async function httpGet(
  url: string
): Promise<{ status: number; body: string }> {
  const response = await fetch(url)
  return { status: response.status, body: await response.text() }
}

/** A new build context in a temp dir (see makeAppContext). */
export function appContext(options: AppOptions): string {
  return makeAppContext(
    mkdtempSync(path.join(os.tmpdir(), 'e2e-app-')),
    options
  )
}
