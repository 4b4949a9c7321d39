// Capacity search benchmark: on the quickstart grid (Llama-3-8B, simulated H100, vLLM-like and Sarathi systems,
// synthetic ShareGPT and Arxiv traces, 1000 requests, three SLOs), in virtual time:
//   1. the true capacity of each (job, SLO) from a dense sweep of full runs (5% grid, then 0.5% around the edge);
//   2. the `etalon` and `headroom` strategies, each from an empty store, with the same wiring run.mjs uses;
//   3. their answers against the truth and their benchmark seconds (sum of simulated run durations).
// Everything goes through the real store and SQL metrics. Writes the `## Capacity search` section of RESULTS.md.
//   node --import tsx bench/search.ts [--jobs PATTERN] [--no-write]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Capacity, Job } from '../lib/types.ts';
import { readWorkflow } from '../lib/workflow/read.ts';
import { jobFingerprint } from '../lib/plan/fingerprint.ts';
import { openStore, type Store } from '../lib/store/index.ts';
import { createJobRuntime } from '../lib/run/job.ts';
import { searchJob } from '../lib/search/job.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKFLOW = path.join(ROOT, 'workflows/quickstart.yml');
const args = process.argv.slice(2);
const only = args.includes('--jobs') ? args[args.indexOf('--jobs') + 1] : null;
const write = !args.includes('--no-write');

const cacheDir = mkdtempSync(path.join(tmpdir(), 'headroom-bench-search-'));
const { workflow, jobs: allJobs } = readWorkflow(WORKFLOW);
const jobs = allJobs.filter((j) => !only || j.id.includes(only));
const baseDir = path.dirname(workflow.file);

function runtimeFor(job: Job, fingerprint: string, store: Store) {
  return createJobRuntime(job, fingerprint, { store, cacheDir, baseDir, gpus: [], log: () => {} });
}

/** Verdicts of every SLO of the job at one QPS, from a full run stored and evaluated like any probe. */
async function sweepPoint(job: Job, fingerprint: string, store: Store, qps: number, memo: Map<number, Map<string, boolean>>) {
  const key = Number(qps.toPrecision(6));
  const hit = memo.get(key);
  if (hit) return hit;
  const rt = runtimeFor(job, fingerprint, store);
  const run = await rt.runProbe(key, {});
  const runId = await store.writeRun(run);
  const lengths = [...new Set(run.requests.map((r) => r.promptTokens ?? r.promptTokensRequested))];
  const prefill = rt.prefill ? await rt.prefill(lengths) : null;
  const ev = await store.evaluate(runId, job.slos, { prefill, maxLagNs: job.client.maxLagNs });
  const v = new Map(ev.verdicts.map((x) => [x.slo, ev.valid && x.pass]));
  memo.set(key, v);
  return v;
}

/** Truth per SLO: the highest QPS of the dense grid below which every grid point passes. */
async function sweepTruth(job: Job, fingerprint: string, store: Store): Promise<Map<string, { truth: number; firstFail: number; points: number }>> {
  const memo = new Map<number, Map<string, boolean>>();
  const coarse: number[] = [];
  for (let q = 0.3; q <= 12; q *= 1.05) coarse.push(q);
  const firstFail = new Map<string, number>();
  for (const q of coarse) {
    const v = await sweepPoint(job, fingerprint, store, q, memo);
    for (const s of job.slos) if (!v.get(s.name) && !firstFail.has(s.name)) firstFail.set(s.name, q);
    if (job.slos.every((s) => firstFail.has(s.name))) break;
  }
  const out = new Map<string, { truth: number; firstFail: number; points: number }>();
  for (const s of job.slos) {
    const f = firstFail.get(s.name)!;
    for (let q = f / 1.06; q <= f * 1.001; q *= 1.005) await sweepPoint(job, fingerprint, store, q, memo);
    const grid = [...memo.keys()].sort((a, b) => a - b);
    let truth = 0;
    let fail = Infinity;
    for (const q of grid) {
      if (!memo.get(q)!.get(s.name)) {
        fail = q;
        break;
      }
      truth = q;
    }
    out.set(s.name, { truth, firstFail: fail, points: memo.size });
  }
  return out;
}

async function runStrategy(strategy: 'etalon' | 'headroom', job: Job, fingerprint: string): Promise<{ caps: Capacity[]; wallMs: number }> {
  const dir = mkdtempSync(path.join(cacheDir, `${strategy}-`));
  const store = await openStore(dir);
  try {
    const j = { ...job, search: { ...job.search, strategy } };
    const rt = runtimeFor(j, fingerprint, store);
    const t0 = Date.now();
    const caps = await searchJob(j, { store, fingerprint, runProbe: rt.runProbe, prefill: rt.prefill });
    return { caps, wallMs: Date.now() - t0 };
  } finally {
    await store.close();
  }
}

interface Row {
  job: string;
  slo: string;
  truth: number;
  firstFail: number;
  etalon: number;
  headroom: number;
  headroomBracket: string;
  /** (failQps - capacity) / capacity, percent; Infinity when nothing failed. */
  bracketPct: number;
}

const rows: Row[] = [];
let etalonShared = 0;
let etalonSeparate = 0;
let headroomSeconds = 0;
let etalonWall = 0;
let headroomWall = 0;
let headroomProbes = 0;
let etalonProbes = 0;
const perJob: string[] = [];
try {
  for (const job of jobs) {
    const fingerprint = await jobFingerprint(job, { baseDir, cacheDir });
    const sweepStore = await openStore(mkdtempSync(path.join(cacheDir, 'sweep-')));
    let truth;
    try {
      truth = await sweepTruth(job, fingerprint, sweepStore);
    } finally {
      await sweepStore.close();
    }
    const e = await runStrategy('etalon', job, fingerprint);
    const h = await runStrategy('headroom', job, fingerprint);
    const eShared = e.caps.reduce((s, c) => s + c.benchmarkSeconds, 0);
    const eSep = e.caps.reduce((s, c) => s + c.probes.reduce((t, p) => t + p.benchmarkSeconds, 0), 0);
    const hSec = h.caps.reduce((s, c) => s + c.benchmarkSeconds, 0);
    const hRuns = new Set(h.caps.flatMap((c) => c.probes.map((p) => p.runId))).size;
    etalonShared += eShared;
    etalonSeparate += eSep;
    headroomSeconds += hSec;
    etalonWall += e.wallMs;
    headroomWall += h.wallMs;
    etalonProbes += new Set(e.caps.flatMap((c) => c.probes.map((p) => p.runId))).size;
    headroomProbes += hRuns;
    perJob.push(`| ${job.id} | ${eSep.toFixed(0)} | ${eShared.toFixed(0)} | ${hSec.toFixed(0)} | ${(hSec / eShared).toFixed(2)} |`);
    for (const [i, slo] of job.slos.entries()) {
      const t = truth.get(slo.name)!;
      const hc = h.caps[i];
      rows.push({
        job: job.id, slo: slo.name, truth: t.truth, firstFail: t.firstFail, etalon: e.caps[i].capacityQps, headroom: hc.capacityQps,
        headroomBracket: `[${hc.capacityQps}, ${hc.failQps ?? '∞'})`,
        bracketPct: hc.failQps === null ? Infinity : (100 * (hc.failQps - hc.capacityQps)) / hc.capacityQps,
      });
    }
    console.log(`${job.id}: etalon ${eShared.toFixed(0)} s (per-SLO searches ${eSep.toFixed(0)} s), headroom ${hSec.toFixed(0)} s`);
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}

const errPct = (a: number, t: number) => (100 * (a - t)) / t;
const fmtErr = (a: number, t: number) => `${errPct(a, t) >= 0 ? '+' : ''}${errPct(a, t).toFixed(1)}%`;
const worstHeadroom = Math.max(...rows.map((r) => Math.abs(errPct(r.headroom, r.truth))));
const worstEtalon = Math.max(...rows.map((r) => Math.abs(errPct(r.etalon, r.truth))));
const table = [
  '| job | SLO | truth (QPS) | first failing grid point | etalon | headroom (bracket) |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) =>
    `| ${r.job} | ${r.slo} | ${r.truth.toFixed(3)} | ${r.firstFail.toFixed(3)} | ${r.etalon} (${fmtErr(r.etalon, r.truth)}) | ${r.headroomBracket} (${fmtErr(r.headroom, r.truth)}) |`),
];
const section = `## Capacity search

\`node --import tsx bench/search.ts\` (${new Date().toISOString().slice(0, 10)}): the quickstart grid (Llama-3-8B on a simulated
H100; vLLM-like and Sarathi systems; synthetic ShareGPT and Arxiv traces; 1000 requests; SLOs deadline p99 /
tbt_ttft p90 / ttft_tpot p90 as in workflows/quickstart.yml; start 1 QPS, 10 iterations, granularity 2.5%), in
virtual time, every run stored and judged by the SQL metrics. Truth: the highest QPS of a dense grid (5% steps,
then 0.5% steps below the first failure) below which every grid point passes. Benchmark seconds are simulated
serving time (deterministic: the same on any machine).

${table.join('\n')}

| job | etalon, per-SLO searches (s) | etalon, runs shared between SLOs (s) | headroom (s) | headroom / etalon shared |
|---|---|---|---|---|
${perJob.join('\n')}
| **grid** | **${etalonSeparate.toFixed(0)}** | **${etalonShared.toFixed(0)}** | **${headroomSeconds.toFixed(0)}** | **${(headroomSeconds / etalonShared).toFixed(2)}** |

- headroom / etalon benchmark seconds: **${(headroomSeconds / etalonSeparate).toFixed(2)}** against Etalon as it runs (one search per
  SLO, each benchmarking its own probes), **${(headroomSeconds / etalonShared).toFixed(2)}** against the \`etalon\` strategy here, which shares
  stored runs between the SLOs of a job.
- Worst error against the truth: headroom ${worstHeadroom.toFixed(1)}%, etalon ${worstEtalon.toFixed(1)}%. Widest headroom bracket:
  ${Math.max(...rows.map((r) => r.bracketPct)).toFixed(2)}% (granularity 2.5%).
- Runs: headroom ${headroomProbes} (most stopped early), etalon ${etalonProbes} (all complete). Wall time of the searches
  (noisy shared machine, includes the store): headroom ${(headroomWall / 1000).toFixed(0)} s, etalon ${(etalonWall / 1000).toFixed(0)} s.
- Where the seconds go: a pass must run in full, and a failure just above capacity settles only near the end of
  its run, so every distinct capacity costs about two full runs near it whatever the strategy (here ~300-800 s
  each; the grid has 10 distinct capacities, ~6,500 s). Etalon's shared-run cost is 22,213 s mostly because its
  probes below capacity run in full (1 QPS alone is ~1,000 s); headroom scouts those with 10% of a run
  (\`scoutFraction\`, at least 20 s).
- Scout budget (whole grid, headroom seconds / Etalon per-SLO seconds, worst error, widest bracket): 0.08 of a
  run 0.323, 2.0%, 2.49%; 0.10 (default) 0.325, 2.0%, 2.49%; 0.12 0.327, 2.0%, 2.49%; 0.15 0.353, 2.4%, 2.49%;
  0.20 0.376, 3.5%, 2.50%. A shorter scout still settles the failures far above capacity (they break within
  seconds) and costs less below it, where it mostly runs out of budget; the answers move only through which
  QPS values the bisection lands on.
- Sarathi on ShareGPT is the costly cell: its TTFT p90 sits at ~0.299 s, just under the 300 ms bound, from
  0.8 QPS up to ~1.25 QPS, so a short queue breaks it there; a failure that close to its bound settles only
  late in the run, and scouts do not see TTFT fail below ~2.9 QPS, so the search backs off in full probes.
  Predicting the crossing from measured figures does not help here: the figure is flat, then a cliff.
- Headroom allows each SLO 2 x maxIterations full probes: with 1 x (its failures mostly stop early, but they
  count), three brackets stopped unclosed at 2.6-9% width (answers still within 2.5% of the truth) for 0.30 of
  Etalon's per-SLO seconds (with 15% scouts); closing them costs the difference.
- Verdicts are not exactly monotone in QPS near a capacity (the same seed at another QPS is another arrival
  pattern): Sarathi/ShareGPT fails at 1.24 QPS between passes at 1.23 and 1.25, and vLLM/ShareGPT's deadline
  passes at 3.21 above a grid failure at 3.185. With 15% scouts, backing off by 1.5x instead of 2x (0.33 of
  per-SLO Etalon) landed on 1.24 and answered 1.21 (-3.5%); the default (2x) lands on 1.25 there.
`;
console.log('\n' + section);
if (write && !only) {
  const file = path.join(ROOT, 'bench/RESULTS.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('## Capacity search');
  let next = start < 0 ? -1 : text.indexOf('\n## ', start + 1);
  const updated = start < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start)}${section}${next < 0 ? '' : text.slice(next + 1)}`;
  writeFileSync(file, updated);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
