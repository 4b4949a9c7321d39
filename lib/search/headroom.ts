// The `headroom` strategy: one search per job serves all its SLOs. Every probe is judged against every SLO
// whose bracket it falls in (monotonicity decides the others for free), and the next QPS is picked where it
// shrinks the widest open bracket: growth above the highest pass until something fails, descent below the
// lowest failure until something passes, then geometric bisection.
//
// What a probe costs drives the rest. A failing probe is cheap: it stops as soon as its verdicts settle
// (settle.ts), and far above capacity that takes seconds. A passing probe runs in full, and a pass is only
// needed at the very end, at the capacity itself. So probes that explore are scouts: run with a budget (a
// fraction of the run), they either settle (hard evidence) or run out of budget, which says "does not fail
// fast" and steers the search up without being taken as a pass. Once scouting has closed a bracket to
// `scoutPct`, a full probe certifies its lower end, and full probes bisect on to the granularity. If a
// certification fails (a failure too slow to show in a scout), the search backs off below it geometrically.
// Only certified passes and settled or full-run failures are evidence, and only evidence closes an SLO.

import type { SearchSettings } from '../types.ts';
import { isInside, isNarrow, readBracket, type Bracket, type QpsVerdict } from './bracket.ts';

export interface HeadroomTuning {
  /** Factor above the highest pass while nothing has failed yet. */
  growth: number;
  /** Factor below the lowest failure while nothing has passed yet. */
  shrink: number;
  /** Where in a closed bracket to probe, in log space: 0.5 is geometric bisection. */
  bias: number;
  /** A scout's budget, as a fraction of the run's arrival span (requests / QPS); 0 turns scouting off. */
  scoutFraction: number;
  /** ... and at least this many seconds of the run clock, so a short run is not judged on a glimpse. */
  scoutMinSeconds: number;
  /** Scouting stops once it has closed a bracket to this width (percent); full probes take it from there. */
  scoutPct: number;
}

export const HEADROOM_TUNING: HeadroomTuning = { growth: 4, shrink: 2, bias: 0.5, scoutFraction: 0.1, scoutMinSeconds: 20, scoutPct: 20 };

export type HeadroomSettings = Pick<SearchSettings, 'startQps' | 'maxIterations' | 'granularityPct' | 'minQps' | 'maxQps'>;

/** How long a scout at qps may run, in run-clock nanoseconds. */
export function scoutBudgetNs(qps: number, requests: number, tuning: HeadroomTuning): number {
  return Math.max((tuning.scoutFraction * requests) / qps, tuning.scoutMinSeconds) * 1e9;
}

export interface HeadroomSlo {
  name: string;
  /** Evidence: certified passes, settled or full-run failures. */
  verdicts: QpsVerdict[];
  /** QPS values a scout ran out of budget at without this SLO failing: steering only. */
  scouted: number[];
  /** Full probes whose verdict fell inside the bracket: at most 2 x maxIterations. */
  informative: number;
  /** Scouts run for this SLO; at most 2 x maxIterations, then it explores with full probes. */
  scouts: number;
  /** Full probes at a scouted QPS that then failed: the scouts were fooled by a slow failure. */
  misses: number;
}

export interface ProbePlan {
  qps: number;
  /** SLOs the probe is for: it must settle each of them, unless it is a scout. */
  open: string[];
  /** A scout may stop once its budget is spent, leaving open SLOs unsettled. */
  scout: boolean;
}

/** An SLO's search state, seeded with evidence and scouted QPS values from earlier runs. */
export function startHeadroomSlo(name: string, verdicts: readonly QpsVerdict[] = [], scouted: readonly number[] = []): HeadroomSlo {
  // a failure at or below a scouted QPS can only have come after the scout: it was a miss
  const misses = verdicts.filter((v) => !v.pass && scouted.some((q) => q >= v.qps)).length;
  return { name, verdicts: [...verdicts], scouted: [...scouted], informative: 0, scouts: scouted.length, misses };
}

/** Whether an SLO needs no more probes: bracket narrow enough, pinned at a QPS limit, or budget spent. */
export function isSloDone(slo: HeadroomSlo, settings: HeadroomSettings): boolean {
  const b = readBracket(slo.verdicts);
  if (isNarrow(b, settings.granularityPct)) return true;
  if (b.failQps !== null && b.failQps <= settings.minQps) return true;
  if (b.passQps !== null && b.passQps >= settings.maxQps) return true;
  // Failures here mostly stop early and cost a fraction of a run, so headroom allows twice Etalon's count
  return slo.informative >= 2 * settings.maxIterations;
}

/**
 * The bracket scouting works in: evidence, with the lower end raised to the highest scouted QPS inside it.
 * After a scouted QPS failed its full probe, scouts are trusted again only below the failure by a margin that
 * doubles (in log space) with every such miss, so the search backs off geometrically instead of crawling down
 * one granularity step at a time through a zone where failures settle too slowly to show in a scout.
 */
function steeringBracket(slo: HeadroomSlo, granularityPct: number): Bracket & { lowIsEvidence: boolean } {
  const b = readBracket(slo.verdicts);
  const trustBelow =
    slo.misses === 0 || b.failQps === null ? Infinity : b.failQps / Math.pow(1 + granularityPct / 100, 2 ** slo.misses);
  let lo = b.passQps;
  for (const q of slo.scouted) if (isInside(b, q) && q <= trustBelow && (lo === null || q > lo)) lo = q;
  return { passQps: lo, failQps: b.failQps, lowIsEvidence: lo === b.passQps };
}

/** Rounds to few significant digits (readable, and repeatable as a cache key) while staying inside (lo, hi). */
export function roundProbeQps(qps: number, b: Bracket): number {
  for (let digits = 3; digits <= 15; digits++) {
    const q = Number(qps.toPrecision(digits));
    if (isInside(b, q)) return q;
  }
  return qps;
}

interface Wish {
  qps: number;
  scout: boolean;
  width: number;
}

/** Where a closed bracket is split (tuning.bias in log space). */
function splitQps(lo: number, hi: number, tuning: HeadroomTuning): number {
  return lo * Math.pow(hi / lo, tuning.bias);
}

/** What an open SLO would like probed next. */
function wishOf(slo: HeadroomSlo, settings: HeadroomSettings, tuning: HeadroomTuning): Wish {
  const evidence = readBracket(slo.verdicts);
  const s = steeringBracket(slo, settings.granularityPct);
  const { passQps: lo, failQps: hi } = s;
  const full = (qps: number, width: number): Wish => ({ qps: roundProbeQps(qps, evidence), scout: false, width });
  const explore = (qps: number, width: number): Wish => {
    const q = roundProbeQps(qps, s);
    // a scout that would only be followed by a full probe at the same QPS (it closes the scouting bracket
    // if it does not fail) is run in full at once: the scout would be the full run's first part, paid twice
    const certifiesNext = hi !== null && hi - q < (tuning.scoutPct / 100) * q;
    if (tuning.scoutFraction > 0 && slo.misses === 0 && slo.scouts < 2 * settings.maxIterations && !certifiesNext) {
      return { qps: q, scout: true, width };
    }
    return full(qps, width);
  };
  if (hi === null) {
    if (lo !== null && lo >= settings.maxQps) return { qps: lo, scout: false, width: 0 }; // certify the ceiling
    return explore(lo === null ? settings.startQps : Math.min(lo * tuning.growth, settings.maxQps), Infinity);
  }
  if (slo.misses > 0) {
    // scouts were fooled by a slow failure here: probe in full, backing off from the lowest failure
    // (2, 4, 8, ... granularities below the newest failure, at most a `shrink` factor)
    const step = settings.granularityPct / 100;
    const backoff = hi / Math.min(Math.pow(1 + step, 2 ** slo.misses), tuning.shrink);
    const eLo = evidence.passQps;
    // (a pass at the rounded backoff point counts as reaching it)
    if (eLo !== null && eLo >= backoff / (1 + step / 4)) return full(splitQps(eLo, hi, tuning), Math.log(hi / eLo));
    return full(Math.max(backoff, settings.minQps), Infinity);
  }
  if (lo === null) return explore(Math.max(hi / tuning.shrink, settings.minQps), Infinity);
  if (!s.lowIsEvidence && isNarrow(s, tuning.scoutPct)) return { qps: lo, scout: false, width: 0 }; // certify
  return explore(splitQps(lo, hi, tuning), Math.log(hi / lo));
}

/** The next probe, or null when every SLO is done. */
export function planNextProbe(
  slos: readonly HeadroomSlo[],
  settings: HeadroomSettings,
  tuning: HeadroomTuning = HEADROOM_TUNING,
): ProbePlan | null {
  const open = slos.filter((s) => !isSloDone(s, settings));
  if (open.length === 0) return null;
  const wishes = open.map((s) => wishOf(s, settings, tuning));
  const cover = (w: Wish) =>
    open
      .filter((o) => isInside(w.scout ? steeringBracket(o, settings.granularityPct) : readBracket(o.verdicts), w.qps))
      .map((o) => o.name);
  const ranked = wishes.map((w) => ({ ...w, covers: cover(w) }));
  // widest bracket first; among equals, the probe more SLOs learn from, then the higher (cheaper) QPS
  ranked.sort((a, b) => b.width - a.width || b.covers.length - a.covers.length || b.qps - a.qps);
  const best = ranked[0];
  return { qps: best.qps, open: best.covers, scout: best.scout };
}

/** What one probe said: settled or full-run verdicts, and the open SLOs a scout left unsettled. */
export interface ProbeOutcome {
  verdicts: ReadonlyMap<string, boolean>;
  scouted: readonly string[];
}

/** Records one probe's outcome into the search state. */
export function recordProbe(slos: HeadroomSlo[], qps: number, outcome: ProbeOutcome, scout: boolean): void {
  for (const slo of slos) {
    if (scout && (outcome.verdicts.has(slo.name) || outcome.scouted.includes(slo.name))) slo.scouts += 1;
    const pass = outcome.verdicts.get(slo.name);
    if (pass === false && slo.scouted.some((q) => q >= qps)) slo.misses += 1;
    if (pass !== undefined) {
      if (!scout && isInside(readBracket(slo.verdicts), qps)) slo.informative += 1;
      slo.verdicts.push({ qps, pass });
    } else if (outcome.scouted.includes(slo.name)) {
      slo.scouted.push(qps);
    }
  }
}

export interface HeadroomResult {
  brackets: Map<string, Bracket>;
  probes: (ProbePlan & ProbeOutcome)[];
}

/**
 * Runs a whole search. `probe(plan)` must return a verdict for every SLO in plan.open, except that a scout may
 * list some as scouted instead. `known` seeds the SLOs (from earlier runs).
 */
export async function searchHeadroom(
  names: readonly string[],
  settings: HeadroomSettings,
  probe: (plan: ProbePlan) => Promise<ProbeOutcome> | ProbeOutcome,
  opts: { known?: readonly HeadroomSlo[]; tuning?: HeadroomTuning } = {},
): Promise<HeadroomResult> {
  const slos = names.map((name) => {
    const k = opts.known?.find((s) => s.name === name);
    return startHeadroomSlo(name, k?.verdicts, k?.scouted);
  });
  const probes: HeadroomResult['probes'] = [];
  const limit = 4 * settings.maxIterations * Math.max(names.length, 1); // full probes and scouts, per SLO
  for (let plan = planNextProbe(slos, settings, opts.tuning); plan; plan = planNextProbe(slos, settings, opts.tuning)) {
    const outcome = await probe(plan);
    const missing = plan.open.filter((name) => !outcome.verdicts.has(name) && !(plan!.scout && outcome.scouted.includes(name)));
    if (missing.length > 0) {
      throw new Error(`headroom search: the probe at ${plan.qps} QPS gave no verdict for ${missing.join(', ')}`);
    }
    recordProbe(slos, plan.qps, outcome, plan.scout);
    probes.push({ ...plan, ...outcome });
    if (probes.length >= limit) break;
  }
  return { brackets: new Map(slos.map((s) => [s.name, readBracket(s.verdicts)])), probes };
}
