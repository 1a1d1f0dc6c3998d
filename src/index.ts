import * as core from '@actions/core'
import { run } from './main.js'
import { post } from './post.js'
import { STATE } from './state.js'

// One bundle serves both steps: the main step marks its state so the
// runner's post step (same file) knows to clean up instead.
if (core.getState(STATE.isPost) === 'true') {
  await post()
} else {
  core.saveState(STATE.isPost, 'true')
  await run()
}
