// A run is checked before anything is written, so a bad event stream fails loudly instead of becoming bad figures.
import type { RunEvents } from '../types.ts';

const STATUSES = new Set(['ok', 'http_error', 'stream_error', 'timeout', 'cancelled']);

export function validateRunEvents(run: RunEvents): void {
  const where = `run ${run.jobId || run.fingerprint} at ${run.qps} qps`;
  if (typeof run.fingerprint !== 'string' || run.fingerprint === '') throw new Error(`${where}: expected a non-empty fingerprint, got ${JSON.stringify(run.fingerprint)}`);
  if (!Number.isFinite(run.qps) || run.qps < 0) throw new Error(`${where}: expected qps to be a finite number >= 0, got ${run.qps}`);
  checkInt(where, 'durationNs', run.durationNs);
  checkInt(where, 'lagP99Ns', run.lagP99Ns);
  const seen = new Set<number>();
  for (const r of run.requests) {
    const at = `${where}, request ${r.idx}`;
    if (!Number.isInteger(r.idx) || r.idx < 0 || r.idx > 0x7fffffff) throw new Error(`${at}: expected idx to be an integer >= 0, got ${r.idx}`);
    if (seen.has(r.idx)) throw new Error(`${at}: idx appears twice; expected each request once`);
    seen.add(r.idx);
    if (!STATUSES.has(r.status)) throw new Error(`${at}: expected status to be one of ${[...STATUSES].join(', ')}, got ${JSON.stringify(r.status)}`);
    checkInt(at, 'scheduledNs', r.scheduledNs);
    if (r.sentNs !== null) checkInt(at, 'sentNs', r.sentNs);
    if (r.endNs !== null) checkInt(at, 'endNs', r.endNs);
    const ts = r.tokenNs;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i];
      if (!Number.isSafeInteger(t)) throw new Error(`${at}: expected token ${i} time to be an integer number of ns, got ${t}`);
      if (i > 0 && t < ts[i - 1]) throw new Error(`${at}: token ${i} time ${t} ns is before token ${i - 1} time ${ts[i - 1]} ns; expected times in order`);
    }
  }
}

function checkInt(where: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v)) throw new Error(`${where}: expected ${name} to be an integer number of ns, got ${v}`);
}
