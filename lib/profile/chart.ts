// Measured vs fitted prefill times as an SVG (vega-lite compiled to vega, rendered headless in Node) for the
// HTML report: measured medians as points, the fitted curve as a line a little past the longest prompt.

import * as vega from 'vega';
import * as vl from 'vega-lite';
import { predictPrefillNs, type PrefillFit } from './fit.ts';
import type { PrefillPoint } from './point.ts';

export interface PrefillChartOptions {
  title?: string;
  widthPx?: number;
  heightPx?: number;
  /** Draw the curve up to this many tokens (default 1.25 x the longest measured prompt). */
  maxTokens?: number;
}

/** The chart's vega-lite spec (exported for tests and for users who want to restyle it). */
export function buildPrefillChartSpec(points: PrefillPoint[], fit: PrefillFit, opts: PrefillChartOptions = {}): vl.TopLevelSpec {
  if (points.length === 0) throw new Error('buildPrefillChartSpec: expected measured points, got none');
  const lo = Math.min(...points.map((p) => p.promptTokens));
  const hi = opts.maxTokens ?? Math.round(1.25 * Math.max(...points.map((p) => p.promptTokens)));
  const steps = 120;
  const curve = Array.from({ length: steps + 1 }, (_, i) => {
    const n = Math.round(lo * Math.pow(hi / lo, i / steps));
    return { prompt_tokens: n, prefill_ms: predictPrefillNs(fit, n) / 1e6, series: 'fit' };
  });
  const measured = points.map((p) => ({ prompt_tokens: p.promptTokens, prefill_ms: p.ttftNs / 1e6, series: 'measured' }));
  const x = { field: 'prompt_tokens', type: 'quantitative' as const, title: 'prompt tokens', scale: { type: 'log' as const, base: 2 } };
  const y = { field: 'prefill_ms', type: 'quantitative' as const, title: 'prefill time (ms)' };
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: ['measured', 'fit'], range: ['#d62728', '#1f77b4'] },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title ?? 'Prefill time: measured vs fit',
    width: opts.widthPx ?? 480,
    height: opts.heightPx ?? 300,
    layer: [
      { data: { values: curve }, mark: { type: 'line' }, encoding: { x, y, color } },
      {
        data: { values: measured },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: { x, y, color, tooltip: [{ field: 'prompt_tokens' }, { field: 'prefill_ms', format: '.1f' }] },
      },
    ],
  };
}

/** The chart as an SVG string. */
export async function formatPrefillChartSvg(points: PrefillPoint[], fit: PrefillFit, opts: PrefillChartOptions = {}): Promise<string> {
  const compiled = vl.compile(buildPrefillChartSpec(points, fit, opts)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
