import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildCapacitySpec, capacityBars } from '../../../lib/report/charts/capacity.ts';
import { renderSvg } from '../../../lib/report/render.ts';
import { sharedReportData } from '../../fixtures/report/make-cache.ts';
import { ariaLabels, markItems } from '../svg.ts';

const readData = sharedReportData;

const bars = suite('capacityBars');

bars('gives one bar per job and stored SLO capacity, with the stored QPS', async () => {
  const { c, data } = await readData();
  const got = capacityBars(data.jobs).map((b) => `${b.system} ${b.trace} ${b.slo} ${b.qps}`);
  const want = c.capacities.map((x) => `${x.jobId.split('/')[1]} sharegpt ${x.slo} ${x.capacityQps}`);
  assert.equal(got, want);
});

bars('names systems with their parallelism only when the jobs differ in it', async () => {
  const { data } = await readData();
  const [a, b] = data.jobs;
  const wide = { ...b, job: { ...b.job, parallel: { tp: 2, pp: 1 } } };
  assert.equal([...new Set(capacityBars([a, wide]).map((x) => x.system))], ['vllm tp1 pp1', 'sarathi tp2 pp1']);
  assert.equal([...new Set(capacityBars([a, b]).map((x) => x.system))], ['vllm', 'sarathi']);
});

bars.run();

const spec = suite('buildCapacitySpec');

spec('draws one bar and one value label per capacity, panels in the workflow order of the SLOs', async () => {
  const { data } = await readData();
  const svg = await renderSvg(buildCapacitySpec(capacityBars(data.jobs)));
  assert.is(markItems(svg, 'rect').length, 4);
  assert.is(markItems(svg, 'text').length, 4);
  const headers = [...svg.matchAll(/<text[^>]*>(tbt_ttft|deadline)<\/text>/g)].map((m) => m[1]);
  assert.equal(headers, ['tbt_ttft', 'deadline']);
  const labels = ariaLabels(markItems(svg, 'rect')).join(' | ');
  assert.match(labels, /trace: sharegpt; capacity \(QPS\): 2; system: vllm; slo: tbt_ttft/);
  assert.match(labels, /trace: sharegpt; capacity \(QPS\): 4; system: sarathi; slo: deadline/);
});

spec('refuses to draw no capacities at all', () => {
  assert.throws(() => buildCapacitySpec([]), /expected at least one capacity/);
});

spec.run();
