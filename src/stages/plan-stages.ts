/**
 * What each stage of a deploy or preview plan runs (src/plan.ts names them),
 * in the order they run: each stage is added after the stages that give
 * what it needs or uses, or this file does not compile (./stage.ts).
 */
import { canaryStage, moveAliasStage, preTrafficStage } from './alias.js'
import { buildStage } from './build.js'
import { deployStage } from './deploy.js'
import {
  checkImageStage,
  preflightAppStage,
  preflightImageStage
} from './image.js'
import { lookUpStage } from './look-up.js'
import { previewUrlStage } from './preview-url.js'
import { reuseStage } from './reuse.js'
import { smokeStage } from './smoke.js'
import { stageTable, type StageList } from './stage.js'
import { whatWouldChangeStage } from './what-would-change.js'

export const STAGES: StageList = stageTable()
  .then('look-up', lookUpStage)
  .then('reuse', reuseStage)
  .then('preflight-app', preflightAppStage)
  .then('build', buildStage)
  .then('check-image', checkImageStage)
  .then('preflight-image', preflightImageStage)
  .then('deploy', deployStage)
  .then('pre-traffic', preTrafficStage)
  .then('canary', canaryStage)
  .then('move-alias', moveAliasStage)
  .then('preview-url', previewUrlStage)
  .then('smoke', smokeStage)
  .then('what-would-change', whatWouldChangeStage)
  .done()
