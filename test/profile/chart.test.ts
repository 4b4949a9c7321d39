import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPrefillChartSpec, formatPrefillChartSvg } from '../../lib/profile/chart.ts';
import { fitPrefill } from '../../lib/profile/fit.ts';
import { vllmIdleTtftNs } from '../fixtures/profile/synthetic-prefill.ts';

const POW2 = [256, 512, 1024, 2048, 4096, 8192, 16384];
const points = POW2.map((n) => ({ promptTokens: n, ttftNs: vllmIdleTtftNs(n) }));
const fit = fitPrefill(points);

test('the chart spec layers the fitted curve under the measured points, past the longest prompt', () => {
  const spec = buildPrefillChartSpec(points, fit) as { layer: { data: { values: { prompt_tokens: number; prefill_ms: number }[] } }[] };
  const [curve, measured] = spec.layer.map((l) => l.data.values);
  assert.is(measured.length, 7);
  assert.is(measured[6].prefill_ms, vllmIdleTtftNs(16384) / 1e6);
  assert.is(curve[0].prompt_tokens, 256);
  assert.is(curve.at(-1)!.prompt_tokens, 20480);
  for (let i = 1; i < curve.length; i++) assert.ok(curve[i].prefill_ms >= curve[i - 1].prefill_ms);
});

test('formatPrefillChartSvg renders an SVG with the title, axis titles and a mark per measured point', async () => {
  const svg = await formatPrefillChartSvg(points, fit, { title: 'llama-3-8b on sim-vllm' });
  assert.ok(svg.startsWith('<svg'), svg.slice(0, 40));
  for (const text of ['llama-3-8b on sim-vllm', 'prompt tokens', 'prefill time (ms)', 'measured', 'fit']) {
    assert.ok(svg.includes(text), `missing ${text}`);
  }
  assert.ok(svg.includes('class="mark-line role-mark'), 'the fitted curve is a line');
  const symbols = svg.match(/<g class="mark-symbol role-mark[^"]*"[^>]*>(.*?)<\/g>/s);
  assert.is(symbols?.[1].match(/<path/g)?.length, 7);
});

test.run();
