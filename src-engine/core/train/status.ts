// A training run's states, in the core so that every side lists them from here: the store (which writes
// them), the contract (which carries them) and the page (which filters and colours by them), which may
// import values only from the core.

/** In progress: a run in one of these has an owner process that must be alive for the state to be true. */
export const IN_PROGRESS_STATUSES = ['queued', 'running', 'paused'] as const
/** Ended: what a run became, kept. */
export const ENDED_STATUSES = ['completed', 'stopped', 'diverged', 'failed', 'interrupted'] as const
export const RUN_STATUSES = [...IN_PROGRESS_STATUSES, ...ENDED_STATUSES] as const
export type RunStatus = (typeof RUN_STATUSES)[number]
