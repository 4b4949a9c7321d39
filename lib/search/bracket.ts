// An SLO's bracket: the highest QPS seen to pass below the lowest seen to fail. Verdicts are taken as monotone
// in QPS, so a pass above a failure is noise and is not believed: the lowest failure caps the capacity.

export interface QpsVerdict {
  qps: number;
  pass: boolean;
}

export interface Bracket {
  /** Highest passing QPS below failQps; null when none. */
  passQps: number | null;
  /** Lowest failing QPS; null when none. */
  failQps: number | null;
}

export function readBracket(verdicts: readonly QpsVerdict[]): Bracket {
  let failQps: number | null = null;
  for (const v of verdicts) if (!v.pass && (failQps === null || v.qps < failQps)) failQps = v.qps;
  let passQps: number | null = null;
  for (const v of verdicts) {
    if (v.pass && (failQps === null || v.qps < failQps) && (passQps === null || v.qps > passQps)) passQps = v.qps;
  }
  return { passQps, failQps };
}

/** Whether a verdict at qps would tell something new: it lies strictly inside the bracket. */
export function isInside(b: Bracket, qps: number): boolean {
  return (b.passQps === null || qps > b.passQps) && (b.failQps === null || qps < b.failQps);
}

/** True when the bracket is closed to within granularityPct of its passing end. */
export function isNarrow(b: Bracket, granularityPct: number): boolean {
  return b.passQps !== null && b.failQps !== null && b.failQps - b.passQps < (granularityPct / 100) * b.passQps;
}
