// TTFT and TBT distributions at capacity (the run of the highest passing probe), as CDFs over all requests:
// failed requests never arrive, so a curve that stops short of 1 shows how many failed.
import type * as vl from 'vega-lite';
import type { CdfPoint } from '../model.ts';
import { CHART_CONFIG } from '../render.ts';

/** The fractions the CDF is sampled at: every half percent, plus the far tail. */
export const CDF_FRACTIONS: number[] = [...Array.from({ length: 201 }, (_, i) => i / 200), 0.999, 0.9999].sort((a, b) => a - b);

export interface CdfBound {
  metric: CdfPoint['metric'];
  boundS: number;
  label: string;
}

/** `labelOrder`: legend order (the jobs' order in the workflow), which also fixes each job's colour. */
export function buildCdfSpec(title: string, points: CdfPoint[], bounds: CdfBound[] = [], labelOrder: string[] = [...new Set(points.map((p) => p.label))]): vl.TopLevelSpec {
  if (points.length === 0) throw new Error(`buildCdfSpec: expected CDF points for "${title}", got none`);
  const panels = (['TTFT', 'TBT'] as const).map((metric) => {
    // Zero gaps (several tokens in one chunk) cannot sit on a log axis; the curve starts above their share.
    const mine = points.filter((p) => p.metric === metric && p.valueS > 0);
    const x = { field: 'valueS', type: 'quantitative' as const, title: `${metric} (s, log scale)`, scale: { type: 'log' as const } };
    const y = { field: 'fraction', type: 'quantitative' as const, title: 'fraction of requests', scale: { domain: [0, 1] } };
    const rules = bounds.filter((b) => b.metric === metric);
    return {
      width: 320,
      height: 220,
      layer: [
        {
          data: { values: mine },
          mark: { type: 'line' as const, interpolate: 'step-after' as const },
          encoding: { x, y, color: { field: 'label', type: 'nominal' as const, title: 'job @ capacity', scale: { domain: labelOrder } } },
        },
        ...(rules.length > 0
          ? [
              {
                data: { values: rules },
                mark: { type: 'rule' as const, color: '#b00', strokeDash: [6, 4] },
                encoding: { x: { field: 'boundS', type: 'quantitative' as const }, tooltip: [{ field: 'label', type: 'nominal' as const }] },
              },
            ]
          : []),
      ],
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: CHART_CONFIG,
    hconcat: panels,
    resolve: { scale: { color: 'shared' } },
  };
}
