// What partial events already say for certain about one request. Each marker answers 'bad' when the request's
// final value is sure to break the bound whatever happens next, 'good' when the value is final and within the
// bound, and 'open' otherwise. Facts leaned on (metrics.md): a request that ends in any status but 'ok' counts
// at +infinity (miss rate 1, one +infinity TBT gap); a token not yet seen at nowNs comes later than nowNs or
// never; a server never sends more tokens than requested (max_tokens). A request that ends 'ok' with no token
// at all has no TTFT and is counted as failed. Times are integer nanoseconds on the run clock.

import type { RequestEvents } from '../types.ts';

export type Mark = 'good' | 'bad' | 'open';

// Float values (TPOT, miss rates) are compared with a sliver of room, so rounding in the SQL that decides the
// real verdict can never flip a value we called certain.
const REL = 1e-9;

function isFailed(r: RequestEvents): boolean {
  return r.status !== 'ok';
}

function isFinishedOk(r: RequestEvents): boolean {
  return r.status === 'ok' && r.endNs !== null;
}

/**
 * TTFT against maxNs. A dynamic bound (TTFT minus predicted prefill <= max) is this with maxNs = max + the
 * request's predicted prefill: TTFT - prefill > max exactly when TTFT > max + prefill, in integer nanoseconds.
 */
export function markTtft(r: RequestEvents, maxNs: number, nowNs: number): Mark {
  if (isFailed(r)) return 'bad';
  const t0 = r.tokenNs[0];
  if (t0 === undefined) {
    if (r.endNs !== null) return 'bad';
    return nowNs - r.scheduledNs > maxNs ? 'bad' : 'open';
  }
  if (t0 - r.scheduledNs > maxNs) return 'bad';
  return isFinishedOk(r) ? 'good' : 'open';
}

/** TPOT (mean gap; 0 below two tokens) against maxNs. */
export function markTpot(r: RequestEvents, maxNs: number, nowNs: number): Mark {
  if (isFailed(r)) return 'bad';
  const t = r.tokenNs;
  const n = t.length;
  if (isFinishedOk(r)) {
    if (n === 0) return 'bad';
    const tpot = n < 2 ? 0 : (t[n - 1] - t[0]) / (n - 1);
    return tpot > maxNs * (1 + REL) ? 'bad' : tpot <= maxNs * (1 - REL) ? 'good' : 'open';
  }
  if (n < 2) return 'open'; // it may still end now with TPOT 0
  const sofar = (t[n - 1] - t[0]) / (n - 1);
  // more tokens come after nowNs, and at most max(requested, n + 1) in all
  const ifMore = (nowNs - t[0]) / (Math.max(r.outputTokensRequested, n + 1) - 1);
  return Math.min(sofar, ifMore) > maxNs * (1 + REL) ? 'bad' : 'open';
}

/**
 * Pooled TBT gaps of one request, counted as they arrive. A request that ends badly gives the pool a single
 * +infinity gap in place of all its gaps (evaluate.sql), so its gaps only count once it has ended 'ok'.
 */
export class GapCounter {
  seen = 0;
  bad = 0;
  good = 0;

  constructor(private readonly maxNs: number) {}

  update(r: RequestEvents): void {
    const t = r.tokenNs;
    for (let i = Math.max(this.seen, 1); i < t.length; i++) {
      if (t[i] - t[i - 1] > this.maxNs) this.bad += 1;
      else this.good += 1;
    }
    this.seen = Math.max(this.seen, t.length);
  }

  /** Gaps within the bound that are sure to be in the pool. */
  certainGood(r: RequestEvents): number {
    return isFinishedOk(r) && r.tokenNs.length > 0 ? this.good : 0;
  }

  /** Most gaps this request can end up giving the pool. */
  maxGaps(r: RequestEvents): number {
    if (isFailed(r) || (r.endNs !== null && r.tokenNs.length === 0)) return 1;
    if (isFinishedOk(r)) return Math.max(r.tokenNs.length - 1, 0);
    return Math.max(r.outputTokensRequested - 1, r.tokenNs.length - 1, 1);
  }

  /**
   * The least this request can add to (bad gaps - (1 - p) x pool size), over every way it can still end:
   * 'ok' with all further gaps good and as many as allowed, or failed (one bad gap).
   */
  leastExcess(r: RequestEvents, p: number): number {
    if (isFailed(r) || (r.endNs !== null && r.tokenNs.length === 0)) return p;
    if (isFinishedOk(r)) return this.bad - (1 - p) * Math.max(r.tokenNs.length - 1, 0);
    const ifOk = this.bad - (1 - p) * (Math.max(r.outputTokensRequested, r.tokenNs.length) - 1);
    return Math.min(p, ifOk);
  }
}

/**
 * The per-request deadline miss rate (metrics.md): token i is due at a + D_p + i * D_d against the schedule
 * after the last restart; a late token counts every deadline it passed and restarts the schedule.
 */
export class DeadlineTracker {
  seen = 0;
  base = 0;
  missed = 0;
  onTime = 0;

  constructor(
    private readonly dpNs: number,
    private readonly ddNs: number,
    private readonly maxMissRate: number,
  ) {}

  private late(u: number): number {
    return 1 + Math.floor((u - this.base) / this.ddNs);
  }

  update(r: RequestEvents): void {
    const t = r.tokenNs;
    for (let i = this.seen; i < t.length; i++) {
      const u = t[i] - r.scheduledNs - this.dpNs - i * this.ddNs;
      if (u <= this.base) this.onTime += 1;
      else {
        this.missed += this.late(u);
        this.base = u;
      }
    }
    this.seen = Math.max(this.seen, t.length);
  }

  /** Call after update(r). */
  mark(r: RequestEvents, nowNs: number): Mark {
    const bound = this.maxMissRate;
    if (isFailed(r)) return bound >= 1 ? 'good' : 'bad';
    const k = this.seen;
    const rateSoFar = k === 0 ? 0 : this.missed / (this.onTime + this.missed);
    if (isFinishedOk(r)) {
      if (k === 0) return bound >= 1 ? 'good' : 'bad';
      return rateSoFar > bound + REL ? 'bad' : rateSoFar <= bound - REL ? 'good' : 'open';
    }
    // Still running: the lowest rate it can end with. Ending now keeps rateSoFar (k >= 1); going on, the next
    // token is at least as late as nowNs makes it, and every later one may be on time.
    if (k > 0 && k >= r.outputTokensRequested) return rateSoFar > bound + REL ? 'bad' : 'open';
    const uNext = nowNs - r.scheduledNs - this.dpNs - k * this.ddNs;
    const pendingLate = uNext > this.base ? this.late(uNext) : 0;
    const rest = Math.max(r.outputTokensRequested - k - (pendingLate > 0 ? 1 : 0), 0);
    const missed = this.missed + pendingLate;
    const total = this.onTime + missed + rest;
    const ifMore = total === 0 ? 0 : missed / total;
    const lowest = k === 0 ? ifMore : Math.min(ifMore, rateSoFar);
    return lowest > bound + REL ? 'bad' : 'open';
  }
}
