// SLO verdicts in plain JS for the simulator's calibration benchmark, following ../shared/design/metrics.md
// (linear-interpolation percentiles, failures count as misses / +infinity, the deadline miss rate in its
// running-max form on integer nanoseconds). The product computes these in SQL (lib/metrics); this copy keeps
// the calibration loop free of the store so it can run thousands of probes quickly.
import type { RequestEvents } from '../lib/types.ts';

export type BenchSlo =
  | { name: string; type: 'deadline'; tbtNs: number; ttftSlackNs: number; maxMissRate: number; percentile: number }
  | { name: string; type: 'tbt_ttft'; tbtNs: number; tbtPct: number; ttftNs: number; ttftPct: number; dynamicTtft?: boolean }
  | { name: string; type: 'ttft_tpot'; ttftNs: number; ttftPct: number; tpotNs: number; tpotPct: number; dynamicTtft?: boolean };
// dynamicTtft: the TTFT bound applies to TTFT minus the predicted prefill of the request's prompt (Etalon's
// dynamic TTFT SLO: prediction + slack), instead of to TTFT itself.

/** numpy's default (linear) percentile of values that may hold +Infinity. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  if (frac === 0 || lo + 1 >= s.length) return s[lo];
  if (s[lo + 1] === Infinity) return Infinity;
  return s[lo] + (s[lo + 1] - s[lo]) * frac;
}

/** Deadline miss rate of one request: first token due at a + dpNs, then one every ddNs; a late token restarts the schedule. */
export function missRate(r: RequestEvents, dpNs: number, ddNs: number): number {
  if (r.status !== 'ok' || r.tokenNs.length === 0) return 1;
  let base = 0;
  let missed = 0;
  let onTime = 0;
  for (let i = 0; i < r.tokenNs.length; i++) {
    const u = r.tokenNs[i] - r.scheduledNs - dpNs - i * ddNs;
    if (u <= base) onTime++;
    else {
      missed += 1 + Math.floor((u - base) / ddNs);
      base = u;
    }
  }
  const total = onTime + missed;
  return total === 0 ? 0 : missed / total;
}

export interface RunFigures {
  ttft: number[];
  tpot: number[];
  tbt: number[];
}

export function readFigures(requests: readonly RequestEvents[]): RunFigures {
  const ttft: number[] = [];
  const tpot: number[] = [];
  const tbt: number[] = [];
  for (const r of requests) {
    const t = r.tokenNs;
    if (r.status !== 'ok' || t.length === 0) {
      ttft.push(Infinity);
      tpot.push(Infinity);
      tbt.push(Infinity);
      continue;
    }
    ttft.push(t[0] - r.scheduledNs);
    tpot.push(t.length < 2 ? 0 : (t[t.length - 1] - t[0]) / (t.length - 1));
    for (let i = 1; i < t.length; i++) tbt.push(t[i] - t[i - 1]);
  }
  return { ttft, tpot, tbt };
}

/** Whether a run meets the SLO; prefillNs gives the predicted prefill time of a prompt length. */
export function meetsSlo(slo: BenchSlo, requests: readonly RequestEvents[], fig: RunFigures, prefillNs: (prompt: number) => number): boolean {
  switch (slo.type) {
    case 'deadline': {
      const rates = requests.map((r) => missRate(r, prefillNs(r.promptTokensRequested) + slo.ttftSlackNs, slo.tbtNs));
      return percentile(rates, slo.percentile) <= slo.maxMissRate;
    }
    case 'tbt_ttft':
      return percentile(fig.tbt, slo.tbtPct) <= slo.tbtNs && percentile(ttftOf(slo, requests, fig, prefillNs), slo.ttftPct) <= slo.ttftNs;
    case 'ttft_tpot':
      return percentile(ttftOf(slo, requests, fig, prefillNs), slo.ttftPct) <= slo.ttftNs && percentile(fig.tpot, slo.tpotPct) <= slo.tpotNs;
  }
}

function ttftOf(slo: { dynamicTtft?: boolean }, requests: readonly RequestEvents[], fig: RunFigures, prefillNs: (prompt: number) => number): number[] {
  return slo.dynamicTtft ? fig.ttft.map((t, i) => t - prefillNs(requests[i].promptTokensRequested)) : fig.ttft;
}
