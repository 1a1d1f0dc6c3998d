import { post } from './post/cleanup.js'

// The post step's own entry (action.yml `post:`): a small bundle with none of
// the deploy's code, so the clean-up starts quickly.
await post()
