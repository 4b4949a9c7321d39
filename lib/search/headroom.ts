// The `headroom` strategy: one search per job serves all its SLOs. Every probe is judged against every SLO
// whose bracket it falls in (monotonicity decides the others for free), and the next QPS is picked where it
// shrinks the widest open bracket: a growth phase multiplies the highest pass until something fails, a
// descent divides the lowest failure until something passes, and then geometric bisection. Failing probes
// are cheap here (they stop as soon as their verdicts settle) while passing ones run in full, so the split
// point of a bracket leans to its upper side.

import type { SearchSettings } from '../types.ts';
import { isInside, isNarrow, readBracket, type Bracket, type QpsVerdict } from './bracket.ts';

export interface HeadroomTuning {
  /** Factor above the highest pass while nothing has failed yet. */
  growth: number;
  /** Factor below the lowest failure while nothing has passed yet. */
  shrink: number;
  /** Where in a closed bracket to probe, in log space: 0.5 is geometric bisection, more leans up. */
  bias: number;
}

export const HEADROOM_TUNING: HeadroomTuning = { growth: 4, shrink: 2, bias: 0.5 };

export type HeadroomSettings = Pick<SearchSettings, 'startQps' | 'maxIterations' | 'granularityPct' | 'minQps' | 'maxQps'>;

export interface HeadroomSlo {
  name: string;
  verdicts: QpsVerdict[];
  /** Verdicts that fell inside the bracket when they came: what the iteration budget counts. */
  informative: number;
}

export interface ProbePlan {
  qps: number;
  /** SLOs whose bracket holds qps: the probe must settle each of them. */
  open: string[];
}

/** Whether an SLO needs no more probes: bracket narrow enough, pinned at a QPS limit, or budget spent. */
export function isSloDone(slo: HeadroomSlo, settings: HeadroomSettings): boolean {
  const b = readBracket(slo.verdicts);
  if (isNarrow(b, settings.granularityPct)) return true;
  if (b.failQps !== null && b.failQps <= settings.minQps) return true;
  if (b.passQps !== null && b.passQps >= settings.maxQps) return true;
  return slo.informative >= settings.maxIterations;
}

/** The QPS an SLO would like probed next, before rounding. */
function wantedQps(b: Bracket, settings: HeadroomSettings, tuning: HeadroomTuning): number {
  const { passQps: lo, failQps: hi } = b;
  if (lo === null && hi === null) return settings.startQps;
  if (hi === null) return Math.min(lo! * tuning.growth, settings.maxQps);
  if (lo === null) return Math.max(hi / tuning.shrink, settings.minQps);
  return lo * Math.pow(hi / lo, tuning.bias);
}

/** Rounds to few significant digits (readable, and repeatable as a cache key) while staying inside (lo, hi). */
export function roundProbeQps(qps: number, b: Bracket): number {
  for (let digits = 3; digits <= 15; digits++) {
    const q = Number(qps.toPrecision(digits));
    if (isInside(b, q)) return q;
  }
  return qps;
}

function logWidth(b: Bracket): number {
  return b.passQps !== null && b.failQps !== null ? Math.log(b.failQps / b.passQps) : Infinity;
}

/** The next probe, or null when every SLO is done. */
export function planNextProbe(
  slos: readonly HeadroomSlo[],
  settings: HeadroomSettings,
  tuning: HeadroomTuning = HEADROOM_TUNING,
): ProbePlan | null {
  const open = slos.filter((s) => !isSloDone(s, settings)).map((s) => ({ name: s.name, bracket: readBracket(s.verdicts) }));
  if (open.length === 0) return null;
  const candidates = open.map((s) => {
    const qps = roundProbeQps(wantedQps(s.bracket, settings, tuning), s.bracket);
    const covers = open.filter((o) => isInside(o.bracket, qps)).map((o) => o.name);
    return { qps, covers, width: logWidth(s.bracket) };
  });
  // widest bracket first; among equals, the probe more SLOs learn from, then the higher (cheaper) QPS
  candidates.sort((a, b) => b.width - a.width || b.covers.length - a.covers.length || b.qps - a.qps);
  const best = candidates[0];
  return { qps: best.qps, open: best.covers };
}

/** Records one probe's verdicts (SLO name -> pass) into the search state. */
export function recordProbe(slos: HeadroomSlo[], qps: number, verdicts: ReadonlyMap<string, boolean>): void {
  for (const slo of slos) {
    const pass = verdicts.get(slo.name);
    if (pass === undefined) continue;
    if (isInside(readBracket(slo.verdicts), qps)) slo.informative += 1;
    slo.verdicts.push({ qps, pass });
  }
}

export interface HeadroomResult {
  brackets: Map<string, Bracket>;
  probes: { qps: number; open: string[]; verdicts: ReadonlyMap<string, boolean> }[];
}

/**
 * Runs a whole search: `probe(qps, open)` must return a verdict for every SLO in `open` (it may return more).
 * `known` seeds the SLOs with verdicts from earlier runs.
 */
export async function searchHeadroom(
  names: readonly string[],
  settings: HeadroomSettings,
  probe: (qps: number, open: string[]) => Promise<ReadonlyMap<string, boolean>> | ReadonlyMap<string, boolean>,
  opts: { known?: ReadonlyMap<string, readonly QpsVerdict[]>; tuning?: HeadroomTuning } = {},
): Promise<HeadroomResult> {
  const slos: HeadroomSlo[] = names.map((name) => ({ name, verdicts: [...(opts.known?.get(name) ?? [])], informative: 0 }));
  const probes: HeadroomResult['probes'] = [];
  for (let plan = planNextProbe(slos, settings, opts.tuning); plan; plan = planNextProbe(slos, settings, opts.tuning)) {
    const verdicts = await probe(plan.qps, plan.open);
    const missing = plan.open.filter((name) => !verdicts.has(name));
    if (missing.length > 0) {
      throw new Error(`headroom search: the probe at ${plan.qps} QPS gave no verdict for ${missing.join(', ')}`);
    }
    recordProbe(slos, plan.qps, verdicts);
    probes.push({ qps: plan.qps, open: plan.open, verdicts });
  }
  return { brackets: new Map(slos.map((s) => [s.name, readBracket(s.verdicts)])), probes };
}
