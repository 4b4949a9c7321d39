// How long the report takes on a sweep of realistic size: a cache with JOBS jobs x QPS probes of REQUESTS
// requests each (the fixture's synthetic load model, longer outputs), three SLOs per job; then writeReport
// REPS times. Prints medians of the whole report and of each figure's rendering, and the sizes written.
//   node --import tsx bench/report.ts [--jobs 4] [--requests 1000] [--reps 5]
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Capacity, Job, ProbeResult, Slo } from '../lib/types.ts';
import { openStore } from '../lib/store/index.ts';
import { readWorkflow } from '../lib/workflow/read.ts';
import { fingerprintJobs } from '../lib/plan/plan.ts';
import { readReportData } from '../lib/report/data.ts';
import { draftFigures } from '../lib/report/figures.ts';
import { renderSvg } from '../lib/report/render.ts';
import { writeReport } from '../lib/report/index.ts';
import { FIXTURE_WORKFLOW, syntheticRun } from '../test/fixtures/report/make-cache.ts';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '4' }, requests: { type: 'string', default: '1000' }, reps: { type: 'string', default: '5' } } });
const JOBS = Number(values.jobs);
const REQUESTS = Number(values.requests);
const REPS = Number(values.reps);
const QPS = [0.5, 1, 2, 3, 4, 5, 6, 8];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const scope = { models: null, systems: null, traces: null };
const TPOT: Slo = { name: 'ttft_tpot', type: 'ttft_tpot', ttft: { maxNs: 300e6, percentile: 0.9 }, tpot: { maxNs: 30e6, percentile: 0.9 }, appliesTo: scope };

const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-report-'));
try {
  const { workflow, jobs: base } = readWorkflow(FIXTURE_WORKFLOW);
  // More jobs than the fixture's two: the same systems on renamed traces (the load model keys on the system).
  const jobs: Job[] = Array.from({ length: JOBS }, (_, i) => {
    const b = base[i % base.length];
    const trace = { ...b.trace, name: `trace${Math.floor(i / base.length)}`, requests: REQUESTS, seed: 7 + i };
    return { ...b, id: `${b.model.name}/${b.system.name}/${trace.name}/tp1-pp1`, trace, slos: [...b.slos, TPOT] };
  });
  const wf = { ...workflow, slos: [...workflow.slos, TPOT], traces: [...new Set(jobs.map((j) => j.trace))] };
  const planned = await fingerprintJobs(wf, jobs, dir);
  const store = await openStore(dir);
  const t0 = performance.now();
  const caps: Capacity[] = [];
  for (const { job, fingerprint } of planned) {
    const probes: ProbeResult[] = [];
    for (const qps of QPS) {
      const run = syntheticRun(job, fingerprint, qps, REQUESTS, true);
      // ~150 output tokens a request, as ShareGPT-like loads have
      for (const r of run.requests) {
        if (r.status !== 'ok') continue;
        const gap = r.tokenNs.length > 1 ? r.tokenNs[1] - r.tokenNs[0] : 10e6;
        r.tokenNs = Array.from({ length: 150 }, (_, k) => r.tokenNs[0] + k * gap);
        r.outputTokens = r.outputTokensRequested = 150;
        r.endNs = r.tokenNs.at(-1)!;
      }
      const runId = await store.writeRun(run);
      const ev = await store.evaluate(runId, job.slos, { prefill: new Map(run.requests.map((r) => [r.promptTokensRequested, 40e6])) });
      probes.push({ qps, runId, valid: ev.valid, verdicts: ev.verdicts, benchmarkSeconds: run.durationNs / 1e9, cached: false });
    }
    for (const slo of job.slos) {
      const pass = probes.filter((p) => p.verdicts.find((v) => v.slo === slo.name)?.pass).map((p) => p.qps);
      const fail = probes.filter((p) => !p.verdicts.find((v) => v.slo === slo.name)?.pass).map((p) => p.qps);
      caps.push({ jobId: job.id, slo: slo.name, capacityQps: pass.length ? Math.max(...pass) : 0, failQps: fail.length ? Math.min(...fail) : null, probes, benchmarkSeconds: 0 });
    }
  }
  await store.writeCapacities(caps, { workflow: wf.name, strategy: 'headroom' });
  console.log(`cache: ${JOBS} jobs x ${QPS.length} probes x ${REQUESTS} requests (150 tokens) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const data = await readReportData(store, wf, planned, dir);
  const drafts = await draftFigures(store, data);
  const perFigure = new Map<string, number[]>();
  const whole: number[] = [];
  const reading: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    let t = performance.now();
    const d2 = await draftFigures(store, await readReportData(store, wf, planned, dir));
    reading.push(performance.now() - t);
    for (const d of d2) {
      t = performance.now();
      await renderSvg(d.spec);
      perFigure.set(d.file, [...(perFigure.get(d.file) ?? []), performance.now() - t]);
    }
    t = performance.now();
    await writeReport(wf, planned, { cacheDir: dir, store });
    whole.push(performance.now() - t);
  }
  await store.close();
  const out = join(dir, 'reports', wf.name);
  console.log(`\n| measurement | median ms | min | max |\n|---|---|---|---|`);
  const row = (name: string, xs: number[]) => console.log(`| ${name} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${Math.max(...xs).toFixed(0)} |`);
  row(`writeReport, whole (${drafts.length} figures)`, whole);
  row('reading the cache + chart data (SQL)', reading);
  for (const [file, xs] of perFigure) row(`render ${file}`, xs);
  console.log(`\nfiles: ${readdirSync(out).map((f) => `${f} ${(statSync(join(out, f)).size / 1024).toFixed(0)} KiB`).join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
