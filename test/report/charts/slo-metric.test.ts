import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Slo } from '../../../lib/types.ts';
import { buildSloMetricSpec, sloBounds, sloMetricPoints, valueFor } from '../../../lib/report/charts/slo-metric.ts';
import { renderSvg } from '../../../lib/report/render.ts';
import { sharedReportData } from '../../fixtures/report/make-cache.ts';
import { ariaLabels, markItems } from '../svg.ts';

const scope = { models: null, systems: null, traces: null };

const bounds = suite('sloBounds');

bounds('names the stored value keys and bounds of each SLO type, in seconds or as a ratio', () => {
  const tt: Slo = { name: 'a', type: 'tbt_ttft', tbt: { maxNs: 30e6, percentile: 0.9 }, ttft: { maxNs: 300e6, percentile: 0.99 }, appliesTo: scope };
  const tp: Slo = { name: 'b', type: 'ttft_tpot', ttft: { maxNs: 2e9, percentile: 0.5 }, tpot: { maxNs: 25e6, percentile: 0.999 }, appliesTo: scope };
  const dl: Slo = { name: 'c', type: 'deadline', tbtNs: 30e6, ttftSlackNs: 300e6, maxMissRate: 0.1, percentile: 0.99, appliesTo: scope };
  assert.equal(sloBounds(tt).map((b) => [b.key, b.bound, b.unit]), [['tbt_p90', 0.03, 's'], ['ttft_p99', 0.3, 's']]);
  assert.equal(sloBounds(tp).map((b) => [b.key, b.bound, b.unit]), [['ttft_p50', 2, 's'], ['tpot_p99.9', 0.025, 's']]);
  assert.equal(sloBounds(dl).map((b) => [b.key, b.bound, b.unit]), [['miss_rate_p99', 0.1, 'ratio']]);
});

bounds('draws a dynamic TTFT bound over TTFT minus predicted prefill, under its own key and title', () => {
  const tp: Slo = { name: 'b', type: 'ttft_tpot', ttft: { maxNs: 300e6, percentile: 0.9, minusPredictedPrefill: true }, tpot: { maxNs: 30e6, percentile: 0.9 }, appliesTo: scope };
  assert.equal(sloBounds(tp).map((b) => [b.key, b.title, b.bound]), [
    ['ttft_dyn_p90', 'TTFT - predicted prefill p90 (s)', 0.3], ['tpot_p90', 'TPOT p90 (s)', 0.03],
  ]);
});

bounds.run();

const value = suite('valueFor');

value('treats a missing key and a stored infinity (JSON null) as no value', () => {
  assert.is(valueFor({ ttft_p90: 0.2 }, 'ttft_p90'), 0.2);
  assert.is(valueFor({ ttft_p90: null }, 'ttft_p90'), null);
  assert.is(valueFor({}, 'ttft_p90'), null);
});

value.run();

const points = suite('sloMetricPoints');

points('gives every probe of every job once per bounded figure, passing up to capacity and failing above it', async () => {
  const { data } = await sharedReportData();
  const got = sloMetricPoints(data.jobs, 'tbt_ttft');
  assert.is(got.length, 2 * 4 * 2);
  for (const j of data.jobs) {
    const cap = j.results.find((r) => r.slo.name === 'tbt_ttft')!.capacityQps;
    for (const p of got.filter((x) => x.job === j.label)) assert.is(p.verdict, p.qps <= cap ? 'pass' : 'fail', `${j.label} at ${p.qps}`);
  }
  assert.ok(got.every((p, i) => i === 0 || got[i - 1].qps <= p.qps), 'sorted by QPS');
  const inf = got.filter((p) => p.infinite);
  assert.equal(inf.map((p) => [p.job, p.key, p.qps, p.verdict]), [['vllm', 'ttft_p90', 8, 'fail']]);
});

points('is empty for an SLO no job has a stored result for', async () => {
  const { data } = await sharedReportData();
  assert.equal(sloMetricPoints(data.jobs, 'no-such-slo'), []);
});

points.run();

const spec = suite('buildSloMetricSpec');

spec('draws one panel per bound with a symbol per probe, a line per job and the bound as a rule', async () => {
  const { data } = await sharedReportData();
  const slo = data.jobs[0].job.slos.find((s) => s.name === 'tbt_ttft')!;
  const svg = await renderSvg(buildSloMetricSpec(slo, sloMetricPoints(data.jobs, slo.name)));
  assert.is(markItems(svg, 'symbol').length, 16);
  assert.is(markItems(svg, 'line').length, 4);
  assert.equal(ariaLabels(markItems(svg, 'rule')), ['bound: 0.03', 'bound: 0.3']);
  assert.match(svg, />bound 30 ms</);
  // vllm at 8 QPS: a quarter of the requests timed out, so its TTFT p90 is infinite (stored as null)
  assert.is((svg.match(/>∞</g) ?? []).length, 1);
});

spec('draws the deadline miss rate on a linear axis with its ratio bound', async () => {
  const { data } = await sharedReportData();
  const slo = data.jobs[0].job.slos.find((s) => s.name === 'deadline')!;
  const svg = await renderSvg(buildSloMetricSpec(slo, sloMetricPoints(data.jobs, slo.name)));
  assert.is(markItems(svg, 'symbol').length, 8);
  assert.equal(ariaLabels(markItems(svg, 'rule')), ['bound: 0.1']);
});

spec.run();
