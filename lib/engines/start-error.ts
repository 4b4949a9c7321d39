// The error a failed server start throws: how it failed (exit code or signal, after how long), the last lines
// of its log, and where the whole log is. The runner maps it (and ServerDiedError) to exit code 3.

export interface ServerStartErrorInit {
  message: string;
  exitCode: number | null;
  signal: string | null;
  afterMs: number;
  logPath: string;
  logTail: string[];
}

export class ServerStartError extends Error {
  exitCode: number | null;
  signal: string | null;
  afterMs: number;
  logPath: string;
  logTail: string[];

  constructor(init: ServerStartErrorInit) {
    super(formatStartError(init));
    this.name = 'ServerStartError';
    this.exitCode = init.exitCode;
    this.signal = init.signal;
    this.afterMs = init.afterMs;
    this.logPath = init.logPath;
    this.logTail = init.logTail;
  }
}

/** A server that was ready and then died while the job used it; a ServerStartError so one exit code covers both. */
export class ServerDiedError extends ServerStartError {
  constructor(init: ServerStartErrorInit) {
    super(init);
    this.name = 'ServerDiedError';
  }
}

export function formatExit(exitCode: number | null, signal: string | null): string {
  if (signal) return `was killed by ${signal}`;
  if (exitCode !== null) return `exited with code ${exitCode}`;
  return 'exited';
}

function formatStartError(init: ServerStartErrorInit): string {
  const lines = [init.message];
  if (init.logTail.length > 0) {
    lines.push(`Last lines of its log:`);
    for (const l of init.logTail) lines.push(`  | ${l}`);
  }
  if (init.logPath) lines.push(`Whole log: ${init.logPath}`);
  return lines.join('\n');
}
