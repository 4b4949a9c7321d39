// Deciding SLO verdicts before a run ends. From the events seen up to nowNs, an SLO is settled when no way the
// rest of the run can go would change its verdict: a fail once enough requests (or TBT gaps) are sure to break
// the bound that the percentile must (percentile.ts), a pass only once enough are final and within it that
// even +infinity for everything else keeps the percentile inside. A verdict, once settled, stays.

import type { PercentileBound, PrefillTable, RequestEvents, Slo } from '../types.ts';
import { countToFail, countToPass } from './percentile.ts';
import { DeadlineTracker, GapCounter, markTpot, markTtft, type Mark } from './settle-request.ts';

export interface SettleContext {
  /** Requests the whole run has (an upper bound is safe). */
  totalRequests: number;
  /** Output tokens requested over the whole run (an upper bound is safe): bounds the pooled TBT count. */
  totalOutputTokens: number;
  /**
   * Predicted prefill time per prompt length; a deadline SLO or a dynamic TTFT bound never settles a request
   * whose prompt length is missing from it (unless it failed, which counts at +infinity whatever its length).
   */
  prefill: PrefillTable | null;
}

/** Tallies of certain marks over the requests seen. */
interface Tally {
  good: number;
  bad: number;
}

type Verdict = boolean | null;

function judgeCounts(tally: Tally, n: number, percentile: number): Verdict {
  if (tally.bad >= countToFail(n, percentile)) return false;
  if (tally.good >= countToPass(n, percentile)) return true;
  return null;
}

function both(a: Verdict, b: Verdict): Verdict {
  if (a === false || b === false) return false;
  return a === true && b === true ? true : null;
}

/** Request-level percentile of a mark; final marks are remembered so each request is judged once. */
class RequestPercentile {
  private final = new Map<number, Mark>();

  constructor(private readonly markOf: (r: RequestEvents, nowNs: number) => Mark) {}

  tally(reqs: readonly RequestEvents[], nowNs: number): Tally {
    const t: Tally = { good: 0, bad: 0 };
    for (const r of reqs) {
      let m = this.final.get(r.idx);
      if (m === undefined) {
        const now = this.markOf(r, nowNs);
        if (now !== 'open') this.final.set(r.idx, now);
        m = now;
      }
      if (m === 'good') t.good += 1;
      else if (m === 'bad') t.bad += 1;
    }
    return t;
  }
}

/**
 * Pooled TBT. The pool's size is not known until the run ends, so the fail rule is the count rule made linear:
 * with N gaps, bad >= N - floor((N - 1) p) holds whenever bad - (1 - p) N >= 1 + p, and that excess adds up
 * request by request, each at the least it can still end up with (GapCounter.leastExcess).
 */
class PooledTbt {
  private counters = new Map<number, GapCounter>();

  constructor(private readonly maxNs: number) {}

  judge(reqs: readonly RequestEvents[], p: number, ctx: SettleContext): Verdict {
    let good = 0;
    let maxGaps = 0;
    let excess = 0;
    let requestedSeen = 0;
    for (const r of reqs) {
      let c = this.counters.get(r.idx);
      if (!c) this.counters.set(r.idx, (c = new GapCounter(this.maxNs)));
      c.update(r);
      good += c.certainGood(r);
      maxGaps += c.maxGaps(r);
      excess += c.leastExcess(r, p);
      requestedSeen += r.outputTokensRequested;
    }
    // requests not seen yet: at most their requested tokens' worth of gaps, all of them possibly good
    const unseenGaps = Math.max(ctx.totalOutputTokens - requestedSeen, 0);
    maxGaps += unseenGaps;
    excess -= (1 - p) * unseenGaps;
    if (excess >= 1 + p + 1e-9) return false;
    return good >= countToPass(maxGaps, p) ? true : null;
  }
}

/**
 * Request-level TTFT marks for a bound. A dynamic bound moves each request's limit by its predicted prefill,
 * looked up on every call from the prompt length as the SQL will read it (reported, else requested), so a count
 * the server reports later is the one used from then on.
 */
function ttftPercentile(bound: PercentileBound, ctx: SettleContext): RequestPercentile {
  if (bound.minusPredictedPrefill !== true) return new RequestPercentile((r, nowNs) => markTtft(r, bound.maxNs, nowNs));
  return new RequestPercentile((r, nowNs) => {
    const prefillNs = ctx.prefill?.get(r.promptTokens ?? r.promptTokensRequested);
    // No prediction: only a failure (+infinity at any length) is certain; against an infinite bound nothing else is bad.
    if (prefillNs === undefined) return markTtft(r, Infinity, nowNs) === 'bad' ? 'bad' : 'open';
    return markTtft(r, bound.maxNs + prefillNs, nowNs);
  });
}

function startSloJudge(slo: Slo, ctx: SettleContext): (reqs: readonly RequestEvents[], nowNs: number) => Verdict {
  const n = ctx.totalRequests;
  switch (slo.type) {
    case 'deadline': {
      const trackers = new Map<number, DeadlineTracker | null>();
      const trackerOf = (r: RequestEvents): DeadlineTracker | null => {
        let t = trackers.get(r.idx);
        if (t === undefined) {
          const prefillNs = ctx.prefill?.get(r.promptTokens ?? r.promptTokensRequested);
          t = prefillNs === undefined ? null : new DeadlineTracker(prefillNs + slo.ttftSlackNs, slo.tbtNs, slo.maxMissRate);
          trackers.set(r.idx, t);
        }
        return t;
      };
      const rates = new RequestPercentile((r, nowNs) => {
        const t = trackerOf(r);
        if (t === null) return r.status !== 'ok' && slo.maxMissRate < 1 ? 'bad' : 'open';
        t.update(r);
        return t.mark(r, nowNs);
      });
      return (reqs, nowNs) => judgeCounts(rates.tally(reqs, nowNs), n, slo.percentile);
    }
    case 'tbt_ttft': {
      const ttft = ttftPercentile(slo.ttft, ctx);
      const tbt = new PooledTbt(slo.tbt.maxNs);
      return (reqs, nowNs) =>
        both(judgeCounts(ttft.tally(reqs, nowNs), n, slo.ttft.percentile), tbt.judge(reqs, slo.tbt.percentile, ctx));
    }
    case 'ttft_tpot': {
      const ttft = ttftPercentile(slo.ttft, ctx);
      const tpot = new RequestPercentile((r, nowNs) => markTpot(r, slo.tpot.maxNs, nowNs));
      return (reqs, nowNs) =>
        both(
          judgeCounts(ttft.tally(reqs, nowNs), n, slo.ttft.percentile),
          judgeCounts(tpot.tally(reqs, nowNs), n, slo.tpot.percentile),
        );
    }
  }
}

export interface Settler {
  /** Verdicts settled so far (SLO name -> pass), after looking at the events up to nowNs. */
  update(reqs: readonly RequestEvents[], nowNs: number): ReadonlyMap<string, boolean>;
}

/** Starts watching a run for the given SLOs; feed it the (growing) request events with update(). */
export function startSettle(slos: readonly Slo[], ctx: SettleContext): Settler {
  const judges = slos.map((slo) => ({ name: slo.name, judge: startSloJudge(slo, ctx) }));
  const settled = new Map<string, boolean>();
  return {
    update(reqs, nowNs) {
      for (const { name, judge } of judges) {
        if (settled.has(name)) continue;
        const v = judge(reqs, nowNs);
        if (v !== null) settled.set(name, v);
      }
      return settled;
    },
  };
}
