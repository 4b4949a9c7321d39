// Exit codes of run.mjs, in one place (documented in the README). An SLO that no QPS meets is a result, not an error.
export const EXIT = {
  /** Done: every job searched (or planned, with --dry-run); capacities printed. */
  ok: 0,
  /** An unexpected failure inside headroom, or a conformance check that failed. */
  failed: 1,
  /** Invalid workflow or command-line arguments; nothing was run or written. */
  invalid: 2,
  /** An inference server failed to start or died during a run. */
  server: 3,
  /** Interrupted (SIGINT/SIGTERM); servers were stopped, completed runs are kept. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A user error that maps to exit 2 with a clear message (argument mistakes). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
