import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildGaugesSpec } from '../../../lib/report/charts/gauges.ts';
import { renderSvg } from '../../../lib/report/render.ts';
import type { GaugeRow } from '../../../lib/report/model.ts';
import { markItems } from '../svg.ts';

const spec = suite('buildGaugesSpec');

const rows = (gauge: GaugeRow['gauge'], label: string): GaugeRow[] => [0, 1, 2].map((t) => ({ label, tS: t, gauge, value: t / 2 }));

spec('draws one panel per gauge present, one line per run in each', async () => {
  const svg = await renderSvg(buildGaugesSpec('g', [...rows('running', 'a'), ...rows('running', 'b'), ...rows('kv_usage', 'a')]));
  assert.is(markItems(svg, 'line').length, 3);
  assert.match(svg, />running requests</);
  assert.match(svg, />KV-cache use \(0-1\)</);
  assert.not.match(svg, />waiting requests</);
});

spec('refuses to draw no samples', () => {
  assert.throws(() => buildGaugesSpec('g', []), /expected server samples/);
});

spec.run();
