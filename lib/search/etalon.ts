// Etalon's capacity search, step for step (etalon/capacity_search/capacity_search.py, `search`): bisection on
// [0, 2 x start QPS]; each probe is the midpoint rounded to 2 decimals the way Python rounds; a pass moves
// the left end up, and when it lands in the top 20% of the bracket the right end doubles (never past the
// lowest failure seen); a failure moves the right end down. It stops when the bracket is narrower than the
// granularity (as a percentage of the last probe), when a probe would repeat the previous one, or after the
// iteration budget. One search per SLO, as Etalon runs them.

import { roundHalfEven } from './round.ts';

/** Etalon's constants: the right end doubles when a pass lands above 80% of it. */
const QPS_INCREASE_SCALE = 2;
const VICINITY_THRESHOLD = 0.8;
const NO_FAILURE_YET = 2 ** 32;

export interface EtalonSettings {
  startQps: number;
  maxIterations: number;
  granularityPct: number;
}

export interface EtalonProbe {
  qps: number;
  pass: boolean;
}

export interface EtalonState {
  readonly settings: EtalonSettings;
  left: number;
  right: number;
  lastQps: number;
  iterations: number;
  minFailQps: number;
  maxPassQps: number | null;
  probes: EtalonProbe[];
  /** The probe handed out by nextEtalonQps and not yet recorded. */
  pendingQps: number | null;
  done: boolean;
}

export interface EtalonResult {
  /** Last (and so highest) QPS that passed; 0 when none did. */
  capacityQps: number;
  /** Lowest QPS that failed; null when none did. */
  failQps: number | null;
  probes: EtalonProbe[];
}

export function startEtalon(settings: EtalonSettings): EtalonState {
  if (!(settings.startQps > 0)) throw new Error(`etalon search: expected startQps > 0, got ${settings.startQps}`);
  return {
    settings,
    left: 0,
    right: settings.startQps * 2,
    lastQps: 0,
    iterations: 0,
    minFailQps: NO_FAILURE_YET,
    maxPassQps: null,
    probes: [],
    pendingQps: null,
    done: false,
  };
}

/** The next QPS to probe, or null when the search has finished. */
export function nextEtalonQps(state: EtalonState): number | null {
  if (state.pendingQps !== null) return state.pendingQps;
  if (state.done) return null;
  const { granularityPct, maxIterations } = state.settings;
  if (state.iterations >= maxIterations || Math.abs(state.left - state.right) < (granularityPct * state.lastQps) / 100) {
    state.done = true;
    return null;
  }
  const qps = roundHalfEven((state.left + state.right) / 2, 2);
  if (qps === state.lastQps) {
    state.done = true;
    return null;
  }
  state.pendingQps = qps;
  return qps;
}

/** Records the verdict of the probe nextEtalonQps handed out. */
export function recordEtalon(state: EtalonState, qps: number, pass: boolean): void {
  if (state.pendingQps !== qps) {
    throw new Error(`etalon search: expected a verdict for QPS ${state.pendingQps}, got one for ${qps}`);
  }
  state.pendingQps = null;
  state.iterations += 1;
  state.lastQps = qps;
  state.probes.push({ qps, pass });
  if (pass) {
    state.maxPassQps = qps;
    if (qps > VICINITY_THRESHOLD * state.right) state.right = Math.min(state.right * QPS_INCREASE_SCALE, state.minFailQps);
    state.left = qps;
  } else {
    state.right = qps;
    state.minFailQps = Math.min(state.minFailQps, qps);
  }
}

export function readEtalonResult(state: EtalonState): EtalonResult {
  return {
    capacityQps: state.maxPassQps ?? 0,
    failQps: state.minFailQps === NO_FAILURE_YET ? null : state.minFailQps,
    probes: state.probes.slice(),
  };
}

/** Runs a whole Etalon search against `judge` (true = the QPS meets the SLO). */
export async function searchEtalon(
  settings: EtalonSettings,
  judge: (qps: number) => Promise<boolean> | boolean,
): Promise<EtalonResult> {
  const state = startEtalon(settings);
  for (let qps = nextEtalonQps(state); qps !== null; qps = nextEtalonQps(state)) {
    recordEtalon(state, qps, await judge(qps));
  }
  return readEtalonResult(state);
}
