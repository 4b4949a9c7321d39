// The server's own gauges during the runs at capacity (running and waiting requests, KV-cache use), one row
// of panels per gauge; drawn only for runs whose server exposed metrics.
import type * as vl from 'vega-lite';
import type { GaugeRow } from '../model.ts';
import { CHART_CONFIG } from '../render.ts';

const TITLES: Record<GaugeRow['gauge'], string> = { running: 'running requests', waiting: 'waiting requests', kv_usage: 'KV-cache use (0-1)' };

export function buildGaugesSpec(title: string, rows: GaugeRow[], labelOrder: string[] = [...new Set(rows.map((r) => r.label))]): vl.TopLevelSpec {
  if (rows.length === 0) throw new Error(`buildGaugesSpec: expected server samples for "${title}", got none`);
  const gauges = (['running', 'waiting', 'kv_usage'] as const).filter((g) => rows.some((r) => r.gauge === g));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: CHART_CONFIG,
    vconcat: gauges.map((g) => ({
      width: 640,
      height: 120,
      data: { values: rows.filter((r) => r.gauge === g) },
      mark: { type: 'line' as const, interpolate: 'step-after' as const },
      encoding: {
        x: { field: 'tS', type: 'quantitative' as const, title: 'time since the run started (s)' },
        y: { field: 'value', type: 'quantitative' as const, title: TITLES[g], ...(g === 'kv_usage' ? { scale: { domain: [0, 1] } } : {}) },
        color: { field: 'label', type: 'nominal' as const, title: 'job @ capacity', scale: { domain: labelOrder } },
      },
    })),
    resolve: { scale: { color: 'shared' } },
  };
}
