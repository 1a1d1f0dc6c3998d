/** Names of the values the main step hands to the post step. */
export const STATE = {
  dockerConfig: 'dockerConfig',
  builder: 'builder'
} as const
