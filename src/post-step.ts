import { hasPostWork } from './post/saved-state.js'

// The post step's own entry (action.yml `post:`): a small bundle with none of
// the deploy's code. Most runs leave nothing to clean up (no registry login,
// nothing to put back); then it ends here, before loading the toolkit or
// any clean-up code.
if (hasPostWork(process.env)) {
  const { post } = await import('./post/cleanup.js')
  await post()
}
