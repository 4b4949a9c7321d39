import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildCdfSpec, CDF_FRACTIONS } from '../../../lib/report/charts/cdf.ts';
import { renderSvg } from '../../../lib/report/render.ts';
import type { CdfPoint } from '../../../lib/report/model.ts';
import { markItems } from '../svg.ts';

const fractions = suite('CDF_FRACTIONS');

fractions('run from 0 to 1 in order, with the far tail sampled', () => {
  assert.is(CDF_FRACTIONS[0], 0);
  assert.is(CDF_FRACTIONS.at(-1), 1);
  assert.ok(CDF_FRACTIONS.every((f, i) => i === 0 || CDF_FRACTIONS[i - 1] < f));
  assert.ok(CDF_FRACTIONS.includes(0.999) && CDF_FRACTIONS.includes(0.9999));
});

fractions.run();

const spec = suite('buildCdfSpec');

const curve = (label: string, metric: CdfPoint['metric'], scaleS: number): CdfPoint[] =>
  [0, 0.25, 0.5, 0.75, 1].map((f) => ({ label, metric, valueS: scaleS * (1 + f), fraction: f }));

spec('draws a TTFT and a TBT panel with one curve per run, and each bound as a rule in its panel', async () => {
  const points = [...curve('a', 'TTFT', 0.1), ...curve('b', 'TTFT', 0.2), ...curve('a', 'TBT', 0.01), ...curve('b', 'TBT', 0.02)];
  const svg = await renderSvg(buildCdfSpec('t', points, [{ metric: 'TTFT', boundS: 0.3, label: 'TTFT bound' }]));
  assert.is(markItems(svg, 'line').length, 4);
  assert.is(markItems(svg, 'rule').length, 1);
});

spec('leaves zero gaps out of the log axis instead of failing to draw', async () => {
  const points = [...curve('a', 'TTFT', 0.1), { label: 'a', metric: 'TBT' as const, valueS: 0, fraction: 0.1 }, ...curve('a', 'TBT', 0.01)];
  const svg = await renderSvg(buildCdfSpec('t', points));
  assert.is(markItems(svg, 'line').length, 2);
  assert.not.match(svg, /NaN/);
});

spec('refuses to draw without points', () => {
  assert.throws(() => buildCdfSpec('empty', []), /expected CDF points for "empty"/);
});

spec.run();
