import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job, PrefillTable, RunEvents, Slo } from '../../lib/types.ts';
import { parseWorkflow } from '../../lib/workflow/read.ts';
import { openStore, type Store } from '../../lib/store/index.ts';
import { virtualProbeRunner } from '../../lib/run/probe.ts';
import { idleTtftNs } from '../../lib/sim/virtual.ts';
import { searchJob, type SearchDeps } from '../../lib/search/job.ts';

// A small job on the simulated engine in virtual time: 150 requests with fixed lengths, three SLO types.
const WORKFLOW = `
name: search-job-test
models: [{ name: llama, hfId: meta-llama/Meta-Llama-3-8B-Instruct, simModel: llama-3-8b }]
systems: [{ name: vllm, engine: sim, sim: { scheduler: vllm, hardware: h100 } }]
traces:
  - name: fixed
    lengths: { type: fixed, prompt: 1500, output: 200 }
    arrivals: { type: poisson }
    maxTotalTokens: 4096
    requests: 150
    seed: 3
slos:
  - { name: deadline, type: deadline, tbt: 30ms, ttftSlack: 300ms, maxMissRate: 0.1, percentile: 0.99 }
  - { name: tbt_ttft, type: tbt_ttft, tbt: { max: 30ms, percentile: 0.9 }, ttft: { max: 300ms, percentile: 0.9 } }
  - { name: ttft_tpot, type: ttft_tpot, ttft: { max: 300ms, percentile: 0.9 }, tpot: { max: 30ms, percentile: 0.9 } }
search: { strategy: headroom, startQps: 2, maxIterations: 10, granularityPct: 5 }
`;

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'headroom-search-'));
  dirs.push(d);
  return d;
};
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function readJob(patch: (job: Job) => Job = (j) => j): Job {
  const { jobs } = parseWorkflow(WORKFLOW, join(tmpdir(), 'search-job-test.yml'));
  return patch(jobs[0]);
}

/** Deps wired to the real virtual-time runner and a real store; counts benchmarks and prefill look-ups. */
function makeDeps(job: Job, store: Store, opts: { failAfter?: number } = {}) {
  const runner = virtualProbeRunner(job, 'fp-test', { baseDir: tmpdir(), cacheDir: tmpdir() });
  const calls: number[] = [];
  const deps: SearchDeps = {
    store,
    fingerprint: 'fp-test',
    runProbe: async (qps, o): Promise<RunEvents> => {
      if (opts.failAfter !== undefined && calls.length >= opts.failAfter) throw new Error('killed');
      calls.push(qps);
      return runner(qps, o);
    },
    prefill: async (lengths: number[]): Promise<PrefillTable> =>
      new Map(lengths.map((l) => [l, idleTtftNs(job.system.sim, job.model.simModel, job.parallel, l)])),
  };
  return { deps, calls };
}

// One search on a shared store, reused by the tests that follow (each probe writes a real run to DuckDB).
const shared = { dir: '', calls: [] as number[], caps: [] as Awaited<ReturnType<typeof searchJob>> };
test.before(async () => {
  shared.dir = freshDir();
  const job = readJob();
  const store = await openStore(shared.dir);
  try {
    const { deps, calls } = makeDeps(job, store);
    shared.caps = await searchJob(job, deps);
    shared.calls = calls;
  } finally {
    await store.close();
  }
});

test('searchJob (headroom) closes every SLO to the granularity with a stored pass and a failure', async () => {
  const caps = shared.caps;
  assert.equal(caps.map((c) => c.slo), ['deadline', 'tbt_ttft', 'ttft_tpot']);
  for (const c of caps) {
    assert.ok(c.capacityQps > 0 && c.failQps !== null, `${c.slo}: ${c.capacityQps} .. ${c.failQps}`);
    assert.ok((c.failQps! - c.capacityQps) / c.capacityQps < 0.05, `${c.slo} bracket too wide`);
    const pass = c.probes.find((p) => p.qps === c.capacityQps)!;
    const fail = c.probes.find((p) => p.qps === c.failQps)!;
    assert.ok(pass.verdicts[0].pass && pass.valid, `${c.slo}: the capacity is a stored pass`);
    assert.is(fail.verdicts[0].pass, false);
  }
  const store = await openStore(shared.dir);
  try {
    const runs = await store.listRuns({ fingerprint: 'fp-test' });
    assert.is(runs.length, shared.calls.length);
    const total = caps.reduce((s, c) => s + c.benchmarkSeconds, 0);
    assert.ok(Math.abs(total - runs.reduce((s, r) => s + r.durationNs / 1e9, 0)) < 1e-6, 'rows add up to the runs');
    assert.ok(runs.some((r) => !r.complete && /^settled:[^;]+/.test(r.stopReason ?? '')), 'some probes stopped early');
  } finally {
    await store.close();
  }
});

test('searchJob runs no benchmark when the store already decides every SLO', async () => {
  const job = readJob();
  const store = await openStore(shared.dir);
  try {
    const { deps, calls } = makeDeps(job, store);
    const again = await searchJob(job, deps);
    assert.equal(calls, []);
    assert.equal(again.map((c) => [c.capacityQps, c.failQps]), shared.caps.map((c) => [c.capacityQps, c.failQps]));
    assert.ok(again.every((c) => c.benchmarkSeconds === 0 && c.probes.every((p) => p.cached)));
  } finally {
    await store.close();
  }
});

test('searchJob benchmarks only what a changed SLO still needs and keeps the others', async () => {
  const looser = readJob((j) => ({
    ...j,
    slos: j.slos.map((s): Slo => (s.type === 'ttft_tpot' ? { ...s, tpot: { ...s.tpot, maxNs: 40e6 } } : s)),
  }));
  const store = await openStore(shared.dir);
  try {
    const { deps, calls } = makeDeps(looser, store);
    const after = await searchJob(looser, deps);
    assert.ok(calls.length > 0 && calls.length < shared.calls.length, `${calls.length} vs ${shared.calls.length}`);
    assert.equal(after.slice(0, 2).map((c) => c.capacityQps), shared.caps.slice(0, 2).map((c) => c.capacityQps));
    assert.ok(after[2].capacityQps >= shared.caps[2].capacityQps, 'a looser TPOT bound never lowers the capacity');
    assert.ok(after[0].benchmarkSeconds === 0 && after[1].benchmarkSeconds === 0, 'nothing is charged to the decided SLOs');
  } finally {
    await store.close();
  }
});

const onlyTpot = (j: Job): Job => ({ ...j, slos: j.slos.filter((s) => s.type === 'ttft_tpot') });

test('searchJob resumes a killed search from its completed runs', async () => {
  const job = readJob(onlyTpot);
  const whole = makeDeps(job, await openStore(freshDir()));
  const reference = await searchJob(job, whole.deps);
  await whole.deps.store.close();
  const store = await openStore(freshDir());
  try {
    const killed = makeDeps(job, store, { failAfter: 4 });
    await searchJob(job, killed.deps).then(
      () => assert.unreachable('should have been killed'),
      (e: Error) => assert.is(e.message, 'killed'),
    );
    const resumed = makeDeps(job, store);
    const caps = await searchJob(job, resumed.deps);
    assert.equal(caps.map((c) => [c.capacityQps, c.failQps]), reference.map((c) => [c.capacityQps, c.failQps]));
    assert.equal([...killed.calls, ...resumed.calls], whole.calls, 'the same probes, none twice');
  } finally {
    await store.close();
  }
});

test('searchJob never takes a lagging run as a pass: it caps the capacity like a failure', async () => {
  const job = readJob(onlyTpot);
  const store = await openStore(freshDir());
  try {
    const { deps } = makeDeps(job, store);
    const lagAboveQps = 0.8 * shared.caps[2].capacityQps;
    const lagging: SearchDeps = {
      ...deps,
      runProbe: async (qps, o) => {
        const run = await deps.runProbe(qps, o);
        if (qps < lagAboveQps) return run;
        // the client fell 50 ms behind its schedule on every request
        for (const r of run.requests) if (r.sentNs !== null) r.sentNs = r.scheduledNs + 50e6;
        return { ...run, lagP99Ns: 50e6 };
      },
    };
    const [cap] = await searchJob(job, lagging);
    assert.ok(cap.capacityQps > 0 && cap.capacityQps < lagAboveQps, `${cap.capacityQps} vs lag from ${lagAboveQps}`);
    const invalid = cap.probes.filter((p) => !p.valid);
    assert.ok(invalid.length > 0 && invalid.every((p) => p.qps >= lagAboveQps));
    assert.ok(cap.failQps !== null && cap.failQps >= lagAboveQps);
  } finally {
    await store.close();
  }
});

test('searchJob (etalon) bisects in full runs as Etalon does and lands near the headroom answer', async () => {
  const job = readJob((j) => ({ ...onlyTpot(j), search: { ...j.search, strategy: 'etalon' } }));
  const store = await openStore(freshDir());
  try {
    const { deps, calls } = makeDeps(job, store);
    const [cap] = await searchJob(job, deps);
    assert.is(calls[0], 2);
    assert.ok(calls.length <= job.search.maxIterations);
    assert.ok((await store.listRuns()).every((r) => r.complete));
    // Etalon's answer is its last pass: below headroom's lowest failure, and near its capacity
    const headroom = shared.caps[2];
    assert.ok(cap.capacityQps < headroom.failQps! && cap.capacityQps > 0.85 * headroom.capacityQps, `${cap.capacityQps} vs ${headroom.capacityQps}`);
  } finally {
    await store.close();
  }
});

test('searchJob judges a dynamic TTFT bound as the fixed bound shifted by the predicted prefill, profiling for it', async () => {
  // One prompt length, so TTFT minus prefill <= 150 ms is exactly TTFT <= 150 ms + prefill(3000): the two SLOs
  // must agree at every probe, and both sit above the plain 150 ms bound, which leaves little room to queue.
  const prefill3000 = (j: Job) => idleTtftNs(j.system.sim, j.model.simModel, j.parallel, 3000);
  const job = readJob((j) => {
    const bound = (name: string, maxNs: number, minusPredictedPrefill: boolean): Slo => ({
      name, type: 'ttft_tpot', ttft: { maxNs, percentile: 0.9, minusPredictedPrefill }, tpot: { maxNs: 1e9, percentile: 0.9 }, appliesTo: j.slos[0].appliesTo,
    });
    return {
      ...j,
      trace: { ...j.trace, lengths: { type: 'fixed', prompt: 3000, output: 50 }, requests: 100 },
      slos: [bound('dynamic', 150e6, true), bound('shifted', 150e6 + prefill3000(j), false), bound('fixed', 150e6, false)],
    };
  });
  const store = await openStore(freshDir());
  try {
    const { deps } = makeDeps(job, store);
    const asked: number[][] = [];
    const caps = await searchJob(job, { ...deps, prefill: async (lengths) => (asked.push(lengths), (deps.prefill as (l: number[]) => Promise<PrefillTable>)(lengths)) });
    assert.equal(asked, [[3000]], 'the prefill table is asked for once, for the trace\'s prompt length');
    const [dynamic, shifted, fixed] = caps;
    assert.ok(dynamic.capacityQps > 0 && dynamic.failQps !== null);
    assert.is(dynamic.capacityQps, shifted.capacityQps);
    assert.ok(dynamic.capacityQps > fixed.capacityQps, `${dynamic.capacityQps} vs ${fixed.capacityQps}`);
    const pass = dynamic.probes.find((p) => p.qps === dynamic.capacityQps)!;
    assert.equal(Object.keys(pass.verdicts[0].values), ['ttft_dyn_p90', 'tpot_p90']);
  } finally {
    await store.close();
  }
});

test.run();