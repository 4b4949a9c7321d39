import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readCdfPoints, readGauges, readTimeline } from '../../lib/report/run-data.ts';
import { openStore, type Store } from '../../lib/store/index.ts';
import { sharedReportData, syntheticRun } from '../fixtures/report/make-cache.ts';

async function withStore<T>(fn: (store: Store, d: Awaited<ReturnType<typeof sharedReportData>>) => Promise<T>): Promise<T> {
  const d = await sharedReportData();
  const store = await openStore(d.c.cacheDir);
  try {
    return await fn(store, d);
  } finally {
    await store.close();
  }
}

/** numpy's default percentile (linear between order statistics), the definition metrics.md fixes. */
function quantile(values: number[], f: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * f;
  const lo = Math.floor(h);
  return lo + 1 < s.length ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

const runOf = (d: Awaited<ReturnType<typeof sharedReportData>>, job: number, qps: number) =>
  d.data.jobs[job].results[0].probes.find((p) => p.qps === qps)!.runId;

const cdf = suite('readCdfPoints');

cdf('gives TTFT quantiles over requests and TBT quantiles over pooled gaps, as the definitions compute them', () =>
  withStore(async (store, d) => {
    const { job, fingerprint } = d.c.planned[0];
    const runId = runOf(d, 0, 2);
    const points = await readCdfPoints(store, new Map([[runId, 'vllm @ 2']]));
    const run = syntheticRun(job, fingerprint, 2);
    const ttfts = run.requests.map((r) => (r.tokenNs[0] - r.scheduledNs) / 1e9);
    const gaps = run.requests.flatMap((r) => r.tokenNs.slice(1).map((t, i) => (t - r.tokenNs[i]) / 1e9));
    const at = (metric: string, f: number) => points.find((p) => p.metric === metric && Math.abs(p.fraction - f) < 1e-12)!.valueS;
    for (const f of [0, 0.5, 0.9, 1]) {
      assert.ok(Math.abs(at('TTFT', f) - quantile(ttfts, f)) < 1e-9, `TTFT at ${f}`);
      assert.ok(Math.abs(at('TBT', f) - quantile(gaps, f)) < 1e-9, `TBT at ${f}`);
    }
    assert.ok(points.every((p) => p.label === 'vllm @ 2'));
  }));

cdf('stops a run with failed requests short of 1 by their share', () =>
  withStore(async (store, d) => {
    const runId = runOf(d, 0, 8); // a quarter of the requests time out there
    const points = await readCdfPoints(store, new Map([[runId, 'x']]));
    const top = (metric: string) => Math.max(...points.filter((p) => p.metric === metric).map((p) => p.fraction));
    assert.ok(Math.abs(top('TTFT') - 0.75) < 1e-12, `TTFT top ${top('TTFT')}`);
    const run = syntheticRun(d.c.planned[0].job, d.c.planned[0].fingerprint, 8);
    const okGaps = run.requests.filter((r) => r.status === 'ok').reduce((s, r) => s + r.tokenNs.length - 1, 0);
    assert.ok(Math.abs(top('TBT') - okGaps / (okGaps + 10)) < 1e-12, `TBT top ${top('TBT')}`);
  }));

cdf('reads nothing for no runs', () => withStore(async (store) => assert.equal(await readCdfPoints(store, new Map()), [])));

cdf.run();

const timeline = suite('readTimeline');

timeline('gives each request its arrival, first and last token in seconds, failures ending where they gave up', () =>
  withStore(async (store, d) => {
    const rows = await readTimeline(store, runOf(d, 0, 8));
    assert.is(rows.length, 40);
    assert.equal(rows.map((r) => r.idx), [...Array(40).keys()]);
    const run = syntheticRun(d.c.planned[0].job, d.c.planned[0].fingerprint, 8);
    for (const r of rows) {
      const want = run.requests[r.idx];
      assert.is(r.arrivalS, want.scheduledNs / 1e9);
      assert.is(r.firstTokenS, want.tokenNs[0] / 1e9);
      assert.is(r.lastTokenS, want.tokenNs.at(-1)! / 1e9);
      assert.is(r.status, want.status);
    }
    assert.is(rows.filter((r) => r.status === 'timeout').length, 10);
  }));

timeline('keeps to the first requests when asked for fewer', () =>
  withStore(async (store, d) => assert.equal((await readTimeline(store, runOf(d, 0, 8), 5)).map((r) => r.idx), [0, 1, 2, 3, 4])));

timeline.run();

const gauges = suite('readGauges');

gauges('gives the scraped gauges of runs that have samples and nothing for runs without', () =>
  withStore(async (store, d) => {
    const withSamples = await readGauges(store, new Map([[runOf(d, 0, 2), 'a']]));
    const run = syntheticRun(d.c.planned[0].job, d.c.planned[0].fingerprint, 2, 40, true);
    assert.is(withSamples.filter((g) => g.gauge === 'running').length, run.serverSamples.length);
    assert.equal(withSamples.filter((g) => g.gauge === 'kv_usage').slice(0, 3).map((g) => [g.tS, g.value]), [[0, 0], [0.5, 0.1], [1, 0.2]]);
    assert.equal(await readGauges(store, new Map([[runOf(d, 1, 2), 'b']])), []);
  }));

gauges.run();
