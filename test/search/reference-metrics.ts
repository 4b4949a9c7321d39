// A plain reading of metrics.md over finished requests, used by tests to check that early verdicts agree with
// the verdict of the whole run. Failed requests count at +infinity; percentiles interpolate linearly.
import type { PrefillTable, RequestEvents, Slo } from '../../lib/types.ts';

export function percentile(values: number[], p: number): number {
  const x = values.slice().sort((a, b) => a - b);
  if (x.length === 0) return 0;
  const h = (x.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, x.length - 1);
  if (h === lo || x[lo] === x[hi]) return x[lo];
  return x[lo] + (h - lo) * (x[hi] - x[lo]);
}

const failed = (r: RequestEvents) => r.status !== 'ok' || r.tokenNs.length === 0;

export function missRate(r: RequestEvents, dpNs: number, ddNs: number): number {
  if (failed(r)) return 1;
  let base = 0;
  let missed = 0;
  let onTime = 0;
  r.tokenNs.forEach((t, i) => {
    const u = t - r.scheduledNs - dpNs - i * ddNs;
    if (u <= base) onTime += 1;
    else {
      missed += 1 + Math.floor((u - base) / ddNs);
      base = u;
    }
  });
  return missed + onTime === 0 ? 0 : missed / (missed + onTime);
}

export function referenceVerdict(slo: Slo, reqs: RequestEvents[], prefill: PrefillTable): boolean {
  const prefillOf = (r: RequestEvents) => prefill.get(r.promptTokens ?? r.promptTokensRequested)!;
  // a dynamic TTFT bound judges TTFT minus the predicted prefill of the request's prompt
  const dynamic = slo.type !== 'deadline' && slo.ttft.minusPredictedPrefill === true;
  const ttft = reqs.map((r) => (failed(r) ? Infinity : r.tokenNs[0] - r.scheduledNs - (dynamic ? prefillOf(r) : 0)));
  const tpot = reqs.map((r) => {
    if (failed(r)) return Infinity;
    const t = r.tokenNs;
    return t.length < 2 ? 0 : (t[t.length - 1] - t[0]) / (t.length - 1);
  });
  switch (slo.type) {
    case 'deadline': {
      const rates = reqs.map((r) => missRate(r, prefillOf(r) + slo.ttftSlackNs, slo.tbtNs));
      return percentile(rates, slo.percentile) <= slo.maxMissRate;
    }
    case 'tbt_ttft': {
      const gaps: number[] = [];
      for (const r of reqs) {
        if (failed(r)) gaps.push(Infinity); // one +infinity gap in place of the request's own
        else for (let i = 1; i < r.tokenNs.length; i++) gaps.push(r.tokenNs[i] - r.tokenNs[i - 1]);
      }
      return percentile(gaps, slo.tbt.percentile) <= slo.tbt.maxNs && percentile(ttft, slo.ttft.percentile) <= slo.ttft.maxNs;
    }
    case 'ttft_tpot':
      return percentile(ttft, slo.ttft.percentile) <= slo.ttft.maxNs && percentile(tpot, slo.tpot.percentile) <= slo.tpot.maxNs;
  }
}
