import { run } from './main.js'

// The main step's entry (action.yml `main:`). The post step has its own
// entry and bundle (src/post-step.ts), so nothing here tells them apart.
await run()
