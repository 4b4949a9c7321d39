import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capacityRunOf, parseProbes, readReportData } from '../../lib/report/data.ts';
import type { ProbePoint } from '../../lib/report/model.ts';
import { formatJobLabels } from '../../lib/report/model.ts';
import { openStore } from '../../lib/store/index.ts';
import { makeReportCache, sharedReportData } from '../fixtures/report/make-cache.ts';

const read = suite('readReportData');

read('gives each job its stored capacities in SLO order, the run at capacity, its cached runs and its profile', async () => {
  const { c, data } = await sharedReportData();
  assert.is(data.title, 'report-fixture');
  assert.equal(data.jobs.map((j) => j.label), ['vllm', 'sarathi']);
  for (const [i, j] of data.jobs.entries()) {
    assert.is(j.fingerprint, c.planned[i].fingerprint);
    assert.is(j.cachedRuns, 4);
    assert.equal(j.results.map((r) => r.slo.name), ['tbt_ttft', 'deadline']);
    for (const r of j.results) {
      const stored = c.capacities.find((x) => x.jobId === j.job.id && x.slo === r.slo.name)!;
      assert.is(r.capacityQps, stored.capacityQps);
      assert.is(r.failQps, stored.failQps);
      assert.equal(r.probes.map((p) => p.qps), [1, 2, 4, 8]);
      assert.is(r.capacityRunId, stored.probes.find((p) => p.qps === stored.capacityQps)!.runId);
      assert.equal(r.probes.map((p) => p.cached), [true, false, false, false]);
    }
  }
  assert.ok(data.jobs[0].profile && data.jobs[0].profile.system === 'vllm');
  assert.is(data.jobs[1].profile, null);
});

read('says how many runs a job has when its search never finished, shows the newest capacity, none under another fingerprint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-report-data-'));
  try {
    const c = await makeReportCache(dir, { searched: [0], runsOnly: [1] });
    const store = await openStore(dir);
    try {
      const first = await readReportData(store, c.workflow, c.planned, dir);
      assert.equal(first.jobs.map((j) => [j.cachedRuns, j.results.length]), [[4, 2], [4, 0]]);
      const newer = c.capacities.map((x) => ({ ...x, capacityQps: x.capacityQps + 1 }));
      await new Promise((r) => setTimeout(r, 5));
      await store.writeCapacities(newer, { workflow: c.workflow.name, strategy: 'headroom' });
      const data = await readReportData(store, c.workflow, c.planned, dir);
      assert.equal(data.jobs[0].results.map((r) => r.capacityQps), newer.map((x) => x.capacityQps));
      const moved = c.planned.map((p) => ({ ...p, fingerprint: `${p.fingerprint}0` }));
      const stale = await readReportData(store, c.workflow, moved, dir);
      assert.equal(stale.jobs.map((j) => [j.cachedRuns, j.results.length]), [[0, 0], [0, 0]]);
      const other = await readReportData(store, { ...c.workflow, name: 'another-workflow' }, c.planned, dir);
      assert.is(other.jobs[0].results.length, 0, 'capacities are kept per workflow name');
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

read.run();

const probes = suite('parseProbes');

probes('reads the stored probe list, its figures and infinite figures as null', () => {
  const json = JSON.stringify([{ qps: 2, run_id: 'r1', valid: true, pass: false, benchmark_seconds: 3, cached: false, values_json: '{"ttft_p90":null,"tbt_p90":0.02}' },
    { qps: 1, run_id: 'r0', valid: true, pass: null, benchmark_seconds: 3, cached: true, values_json: null }]);
  assert.equal(parseProbes(json), [
    { qps: 2, runId: 'r1', valid: true, pass: false, cached: false, values: { ttft_p90: null, tbt_p90: 0.02 } },
    { qps: 1, runId: 'r0', valid: true, pass: false, cached: true, values: {} },
  ]);
});

probes.run();

const capRun = suite('capacityRunOf');

const p = (qps: number, pass: boolean, valid = true, runId = `r${qps}`): ProbePoint => ({ qps, runId, valid, pass, cached: false, values: {} });

capRun('picks the highest valid passing probe, never an invalid one', () => {
  assert.is(capacityRunOf([p(1, true), p(4, true), p(8, false), p(6, true, false)]), 'r4');
  assert.is(capacityRunOf([p(1, false), p(2, true, false)]), null);
  assert.is(capacityRunOf([p(2, true, true, 'first'), p(2, true, true, 'again')]), 'again');
});

capRun.run();

const labels = suite('formatJobLabels');

labels('names jobs by what varies between them, by id when parts alone would collide', async () => {
  const { data } = await sharedReportData();
  const [a, b] = data.jobs.map((j) => j.job);
  assert.equal([...formatJobLabels([a, b]).values()], ['vllm', 'sarathi']);
  assert.equal([...formatJobLabels([a]).values()], ['vllm']);
  const c = { ...b, id: 'x', system: a.system, trace: { ...a.trace, name: 'arxiv' } };
  assert.equal([...formatJobLabels([a, b, c]).values()], ['vllm / sharegpt', 'sarathi / sharegpt', 'vllm / arxiv']);
  const twin = { ...a, id: 'twin' };
  assert.equal([...formatJobLabels([a, twin]).values()], [a.id, 'twin']);
});

labels.run();
