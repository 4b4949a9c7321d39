// The run's progress line: rewritten in place on a terminal, printed as plain lines every few seconds elsewhere
// (CI logs keep every line, so they get fewer).

export interface Progress {
  offeredQps: number;
  total: number;
  sent: number;
  completed: number;
  failed: number;
  inFlight: number;
  elapsedNs: number;
  /** Until the last scheduled arrival; 0 once all are due. */
  remainingNs: number;
}

export function formatProgress(p: Progress): string {
  const s = (ns: number) => `${(ns / 1e9).toFixed(1)}s`;
  return `${p.offeredQps.toFixed(2)} qps offered | sent ${p.sent}/${p.total} | done ${p.completed} | failed ${p.failed} | in flight ${p.inFlight} | ${s(p.elapsedNs)} elapsed, ${s(p.remainingNs)} to last arrival`;
}

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** An onProgress callback writing to `out`; call the returned `end` once the run is over. */
export function createProgressPrinter(out: ProgressStream, opts: { plainEveryNs?: number; label?: string } = {}) {
  const plainEveryNs = opts.plainEveryNs ?? 5e9;
  const prefix = opts.label ? `${opts.label} ` : '';
  let lastPlainNs = -Infinity;
  let last: Progress | null = null;
  return {
    onProgress(p: Progress): void {
      last = p;
      if (out.isTTY) out.write(`\r\x1b[2K${prefix}${formatProgress(p)}`);
      else if (p.elapsedNs - lastPlainNs >= plainEveryNs) {
        lastPlainNs = p.elapsedNs;
        out.write(`${prefix}${formatProgress(p)}\n`);
      }
    },
    end(): void {
      if (out.isTTY) out.write(last ? `\r\x1b[2K${prefix}${formatProgress(last)}\n` : '');
      else if (last) out.write(`${prefix}${formatProgress(last)}\n`);
    },
  };
}
