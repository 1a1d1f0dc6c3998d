/** What each stage of a deploy or preview plan runs (src/plan.ts names them). */
import type { StageName } from '../plan.js'
import { canaryStage, moveAliasStage, preTrafficStage } from './alias.js'
import { buildStage } from './build.js'
import type { Stage } from './context.js'
import { deployStage } from './deploy.js'
import {
  checkImageStage,
  preflightAppStage,
  preflightImageStage
} from './image.js'
import { localRunStage } from './local-run.js'
import { lookUpStage } from './look-up.js'
import { previewUrlStage } from './preview-url.js'
import { reuseStage } from './reuse.js'
import { smokeStage } from './smoke.js'
import { whatWouldChangeStage } from './what-would-change.js'

export const STAGES: Record<Exclude<StageName, 'cleanup'>, Stage> = {
  'look-up': lookUpStage,
  reuse: reuseStage,
  'preflight-app': preflightAppStage,
  build: buildStage,
  'check-image': checkImageStage,
  'preflight-image': preflightImageStage,
  'local-run': localRunStage,
  deploy: deployStage,
  'pre-traffic': preTrafficStage,
  canary: canaryStage,
  'move-alias': moveAliasStage,
  'preview-url': previewUrlStage,
  smoke: smokeStage,
  'what-would-change': whatWouldChangeStage
}
