import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPrefillSpec } from '../../../lib/report/charts/prefill.ts';
import { renderSvg } from '../../../lib/report/render.ts';
import { sharedReportData } from '../../fixtures/report/make-cache.ts';
import { markItems } from '../svg.ts';

const spec = suite('buildPrefillSpec');

spec('draws the cached profile: a symbol per measured length and the fitted curve, titled by model and system', async () => {
  const { data } = await sharedReportData();
  const meta = data.jobs[0].profile!;
  const svg = await renderSvg(buildPrefillSpec(meta));
  assert.is(markItems(svg, 'symbol').length, meta.points.length);
  assert.is(markItems(svg, 'line').length, 1);
  assert.match(svg, /Prefill time of llama-3-8b on vllm: measured vs fit/);
});

spec.run();
