// Calibration of the simulated engine against Etalon's published capacities (Llama-3-8B on one H100): a plain
// bisection over QPS in virtual time for each trace x system x SLO, 1000 requests, Poisson arrivals, 3 seeds.
// Prints a markdown table beside the paper's bars (simulator.md, "Where it should land").
//   node --import tsx bench/sim-calibrate.ts [--seeds 42,43,44] [--requests 1000] [--cpu vllm-0.5]
import { parseArgs } from 'node:util';
import type { ParallelSpec, SimSettings } from '../lib/types.ts';
import { normalizeSimSettings } from '../lib/sim/defaults.ts';
import { idleTtftNs, simulateRun } from '../lib/sim/virtual.ts';
import { meetsSlo, readFigures, type BenchSlo } from './sim-slo.ts';
import { buildTraceSchedule, type TraceName } from './sim-workload.ts';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '42,43,44' },
    requests: { type: 'string', default: '1000' },
    cpu: { type: 'string', default: 'vllm-0.5' },
    only: { type: 'string' },
  },
});
const seeds = args.seeds!.split(',').map(Number);
const requests = Number(args.requests);
const parallel: ParallelSpec = { tp: 1, pp: 1 };
const MS = 1e6;

// Etalon's capacity-search SLOs (its CLI defaults and documented examples): deadline 30 ms per token after a
// predicted prefill + 300 ms, at most 10% missed for 99% of requests; TBT p99 <= 30 ms with TTFT p90 <= 300 ms;
// TTFT p90 <= 300 ms with TPOT p90 <= 30 ms (and the same with TTFT <= 2 s, the looser bar the TPOT figure fits).
const SLOS: BenchSlo[] = [
  { name: 'fluidity', type: 'deadline', tbtNs: 30 * MS, ttftSlackNs: 300 * MS, maxMissRate: 0.1, percentile: 0.99 },
  { name: 'tbt', type: 'tbt_ttft', tbtNs: 30 * MS, tbtPct: 0.99, ttftNs: 300 * MS, ttftPct: 0.9 },
  { name: 'tpot', type: 'ttft_tpot', ttftNs: 300 * MS, ttftPct: 0.9, tpotNs: 30 * MS, tpotPct: 0.9 },
  { name: 'tpot-ttft2s', type: 'ttft_tpot', ttftNs: 2000 * MS, ttftPct: 0.9, tpotNs: 30 * MS, tpotPct: 0.9 },
  // Etalon's dynamic TTFT (on by default in its capacity search): TTFT - predicted prefill <= 300 ms at p90.
  { name: 'tbt-dyn', type: 'tbt_ttft', tbtNs: 30 * MS, tbtPct: 0.99, ttftNs: 300 * MS, ttftPct: 0.9, dynamicTtft: true },
  { name: 'tpot-dyn', type: 'ttft_tpot', ttftNs: 300 * MS, ttftPct: 0.9, tpotNs: 30 * MS, tpotPct: 0.9, dynamicTtft: true },
];

const SYSTEMS: Record<string, SimSettings> = {
  vllm: normalizeSimSettings({ scheduler: 'vllm', maxNumBatchedTokens: 32768, cpuProfile: args.cpu }),
  sarathi: normalizeSimSettings({ scheduler: 'sarathi', maxNumBatchedTokens: 512, cpuProfile: args.cpu }),
};

// Etalon's published bars (read off its capacity figure) and the stdlib prototype's fit, from simulator.md.
const PAPER: Record<string, Record<string, [number, number | null]>> = {
  'sharegpt/vllm': { fluidity: [4.0, 2.95], tbt: [1.1, 1.17], tpot: [3.0, 2.95], 'tbt-dyn': [1.1, null], 'tpot-dyn': [3.0, null] },
  'sharegpt/sarathi': { fluidity: [2.84, 2.73], tbt: [1.07, 1.17], tpot: [2.84, 1.17], 'tpot-ttft2s': [2.84, 3.23], 'tbt-dyn': [1.07, null], 'tpot-dyn': [2.84, null] },
  'arxiv/vllm': { fluidity: [0.6, null], tbt: [0.65, null], tpot: [0.66, null], 'tbt-dyn': [0.65, null], 'tpot-dyn': [0.66, null] },
  'arxiv/sarathi': { fluidity: [0.62, null], tbt: [0.34, null], tpot: [1.16, null], 'tbt-dyn': [0.34, null], 'tpot-dyn': [1.16, null] },
};

/** Largest passing QPS: double from 0.25 until a failure, then bisect to 2% (at most 12 probes). */
function bisect(pass: (qps: number) => boolean): number {
  let lo = 0;
  let hi = 0.25;
  while (pass(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 256) return lo;
  }
  for (let i = 0; i < 12 && hi - lo > 0.02 * Math.max(lo, 0.05); i++) {
    const mid = Math.round(((lo + hi) / 2) * 1000) / 1000;
    if (pass(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

let probes = 0;
let simulatedS = 0;
const wall0 = performance.now();
const rows: string[] = [];
for (const trace of ['sharegpt', 'arxiv'] as TraceName[]) {
  for (const [system, settings] of Object.entries(SYSTEMS)) {
    const key = `${trace}/${system}`;
    if (args.only && !key.includes(args.only)) continue;
    const prefill = new Map<number, number>();
    const prefillNs = (p: number) => prefill.get(p) ?? (prefill.set(p, idleTtftNs(settings, 'llama-3-8b', parallel, p)), prefill.get(p)!);
    const caps: Record<string, number[]> = Object.fromEntries(SLOS.map((s) => [s.name, []]));
    for (const seed of seeds) {
      const verdicts = new Map<number, boolean[]>();
      const verdictsAt = (qps: number): boolean[] => {
        let v = verdicts.get(qps);
        if (v) return v;
        const run = simulateRun({ settings, simModel: 'llama-3-8b', parallel, schedule: buildTraceSchedule(trace, requests, seed, qps) });
        probes++;
        simulatedS += run.durationNs / 1e9;
        const fig = readFigures(run.requests);
        v = SLOS.map((slo) => meetsSlo(slo, run.requests, fig, prefillNs));
        verdicts.set(qps, v);
        return v;
      };
      SLOS.forEach((slo, i) => caps[slo.name].push(bisect((qps) => verdictsAt(qps)[i])));
    }
    for (const slo of SLOS) {
      const xs = caps[slo.name];
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const [paper, proto] = PAPER[key][slo.name] ?? [null, null];
      rows.push(`| ${trace} | ${system} | ${slo.name} | ${paper ?? '-'} | ${proto ?? '-'} | ${mean.toFixed(2)} | ${xs.map((x) => x.toFixed(2)).join(', ')} |`);
    }
    console.error(`${key} done (${probes} probes so far, ${((performance.now() - wall0) / 1000).toFixed(0)} s)`);
  }
}
console.log(`CPU profile ${args.cpu}; ${requests} requests; seeds ${seeds.join(', ')}; ${probes} probes, ${simulatedS.toFixed(0)} simulated s in ${((performance.now() - wall0) / 1000).toFixed(0)} s wall\n`);
console.log('| trace | system | SLO | paper | prototype | headroom sim (mean) | per seed |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
